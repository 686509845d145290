"""Member counts at any level: a unit's own figure ("theo báo cáo") or the sum of those below it
("cộng từ chi bộ"), said wherever members are shown, with a warning where the two disagree."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recruitment.progress import progress_report
from reports import excel
from tests.factories import CandidateFactory, admitted_fields
from units.models import Headcount
from units.periods import Period
from units.selectors import MemberCount
from units.services import headcount_set, target_set

from .helpers import sheet_rows, table_rows
from .libreoffice import workbook_as_csv

D = datetime.date
TODAY = D(2026, 11, 22)
REPORTED, SUMMED = "theo báo cáo", "cộng từ chi bộ"


@pytest.fixture
def counted(tree):
    """2025: the province reports 110 of its own (its committees sum to 112); committee A reports none
    and counts its organisation's own 60 (whose cells sum to 55); B counts its cells, 40 + 12."""
    for cell, members in ((tree.cell_a1, 30), (tree.cell_a2, 25), (tree.cell_b1, 40), (tree.enterprise, 12)):
        headcount_set(unit=cell, year=2025, members=members)
    headcount_set(unit=tree.org_a, year=2025, members=60)
    headcount_set(unit=tree.province, year=2025, members=110)
    headcount_set(unit=tree.province, year=2024, members=999)  # another year
    CandidateFactory(cell=tree.cell_a1, **admitted_fields(D(2025, 3, 1)))
    CandidateFactory(cell=tree.enterprise, **admitted_fields(D(2025, 5, 1)))
    target_set(unit=tree.province, year=2025, admissions=4)
    return tree


def test_progress_counts_each_units_own_figure_or_the_sum_below_it(counted):
    tree = counted
    report = progress_report(tree.province, Period.for_year(2025), today=TODAY)
    a, b = report.rows
    assert (a.members, str(a.members_source), a.members_disagree) == (60, SUMMED, False)
    assert (b.members, str(b.members_source), b.members_disagree) == (52, SUMMED, False)
    total = report.total
    assert (total.members, str(total.members_source), total.members_disagree) == (110, REPORTED, True)
    assert total.headcount == MemberCount(own=110, below=112)
    assert total.member_share == pytest.approx(2 / 110)  # against the province's own figure
    assert report.member_disagreements == [total]

    below_a = progress_report(tree.committee_a, Period.for_year(2025), today=TODAY)
    (org,) = below_a.rows
    assert (org.members, str(org.members_source), org.headcount.below) == (60, REPORTED, 55)
    assert below_a.member_disagreements == [org]
    assert (below_a.total.members, str(below_a.total.members_source)) == (60, SUMMED)

    cells = progress_report(tree.org_a, Period.for_year(2025), today=TODAY)
    assert [(row.members, str(row.members_source)) for row in cells.rows] == [(30, REPORTED), (25, REPORTED)]
    assert cells.total.headcount == MemberCount(own=60, below=55)

    nothing = progress_report(tree.province, Period.for_year(2023), today=TODAY)
    assert nothing.total.members is None and nothing.total.members_source == "" and not nothing.member_disagreements


def test_progress_page_says_where_members_come_from_and_warns_of_a_disagreement(client, counted, users):
    client.force_login(users.province_staff)
    page = client.get(reverse("reports:progress", kwargs={"code": "P"}) + "?year=2025").content.decode()
    rows = {row[0]: row for row in table_rows(page, "progress-table", "data-unit")}
    # code, name, target, admitted, ratio, remaining, projected, members, source, share
    assert rows["A"][8:10] == ["60", SUMMED]
    assert rows["B"][8:10] == ["52", SUMMED]
    assert rows["total"][8:10] == ["110", f"{REPORTED} ≠ 112"]
    assert 'data-stat="members">110<' in page
    assert f'data-stat="members-source">({REPORTED})' in page
    assert "cộng từ đơn vị trực thuộc: 112" in page
    warning = page.split('data-testid="members-mismatch-warning"')[1].split("</div>")[0]
    assert "Đảng bộ tỉnh Thử: theo báo cáo 110, cộng từ các đơn vị trực thuộc 112." in warning
    assert "Đảng bộ xã A1" not in warning  # a level further down: on A's report

    page = client.get(reverse("reports:progress", kwargs={"code": "A"}) + "?year=2025").content.decode()
    rows = {row[0]: row for row in table_rows(page, "progress-table", "data-unit")}
    assert rows["A1"][8:10] == ["60", f"{REPORTED} ≠ 55"] and rows["total"][8:10] == ["60", SUMMED]
    assert "Đảng bộ xã A1: theo báo cáo 60, cộng từ các đơn vị trực thuộc 55." in page

    page = client.get(reverse("reports:progress", kwargs={"code": "B"}) + "?year=2025").content.decode()
    assert 'data-testid="members-mismatch-warning"' not in page  # agreeing figures: no warning
    rows = {row[0]: row for row in table_rows(page, "progress-table", "data-unit")}
    assert rows["B1"][8:10] == ["40", SUMMED] and rows["B2"][8:10] == ["12", REPORTED]


def test_unit_page_says_where_members_come_from_and_warns_of_a_disagreement(client, counted, users):
    client.force_login(users.staff_a)
    page = client.get(reverse("dashboard:unit_detail", args=[counted.org_a.pk]) + "?nam=2025").content.decode()
    assert 'data-stat="members">60<' in page and f'data-stat="members-source">({REPORTED})' in page
    assert "cộng từ đơn vị trực thuộc: 55" in page
    warning = page.split('id="members-mismatch"')[1].split("</div>")[0]
    assert "Số đảng viên năm 2025 theo báo cáo khác số cộng từ các đơn vị trực thuộc" in warning
    assert "Đảng bộ xã A1: theo báo cáo 60, cộng từ các đơn vị trực thuộc 55." in warning
    assert "Nguồn số đảng viên" in page and f"data-members-source>{REPORTED}</td>" in page  # the cells

    page = client.get(reverse("dashboard:unit_detail", args=[counted.committee_a.pk]) + "?nam=2025").content.decode()
    assert f'data-stat="members-source">({SUMMED})' in page and "cộng từ đơn vị trực thuộc:" not in page
    warning = page.split('id="members-mismatch"')[1].split("</div>")[0]  # a unit below: A1
    assert "Đảng bộ xã A1: theo báo cáo 60" in warning and "Đảng bộ huyện A:" not in warning
    assert f"{REPORTED} <span" in page  # A1's row carries the badge with the sum below it
    assert 'data-testid="members-mismatch"' in page and "≠ 55" in page


def test_own_figures_above_the_cells_cost_no_query(client, tree, users):
    """The unit page and the progress report ask as many queries with figures at every level as with
    figures on the cells only."""
    for cell in (tree.cell_a1, tree.cell_a2):
        headcount_set(unit=cell, year=2025, members=30)
    client.force_login(users.staff_a)
    urls = [
        reverse("dashboard:unit_detail", args=[tree.committee_a.pk]) + "?nam=2025",
        reverse("reports:progress", kwargs={"code": "A"}) + "?year=2025",
        reverse("reports:quarterly_return", kwargs={"code": "A"}) + "?year=2025",
    ]

    def counts():
        result = []
        for address in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(address).status_code == 200
            result.append(len(captured.captured_queries))
        return result

    before = counts()
    # Recorded straight, without history, so the unit page's change feed shows the same rows.
    Headcount.objects.bulk_create(
        [Headcount(unit=tree.org_a, year=2025, members=70), Headcount(unit=tree.committee_a, year=2025, members=75)]
    )
    assert counts() == before
    assert client.get(urls[1]).context["report"].total.headcount == MemberCount(own=75, below=70)


def test_the_return_says_where_members_come_from_and_notes_a_disagreement(client, counted, users, tmp_path):
    client.force_login(users.province_staff)
    download = client.get(reverse("reports:quarterly_return", kwargs={"code": "P"}) + "?year=2025")
    sheet = openpyxl.load_workbook(io.BytesIO(download.content))[excel.SHEET_PROGRESS]
    headers = [cell.value for cell in sheet[excel.HEADER_ROW]]
    # The columns before stay where other tools read them; the source and the note come last.
    assert headers == [
        *excel.PROGRESS_HEADERS,
        "Còn lại",
        "Dự kiến cả năm",
        "Số đảng viên",
        "Tỷ lệ kết nạp/đảng viên",
        "Nguồn số đảng viên",
        "Ghi chú số đảng viên",
    ]
    rows = sheet_rows(sheet)
    assert [row[:2] + row[7:8] + row[9:] for row in rows] == [
        ("A", "Đảng bộ huyện A", 60, SUMMED, None),
        ("B", "Đảng bộ huyện B", 52, SUMMED, None),
        ("P", "Tổng cộng", 110, REPORTED, "Số theo báo cáo 110 khác số cộng từ các đơn vị trực thuộc 112"),
    ]
    assert rows[-1][8] == pytest.approx(2 / 110)

    path = tmp_path / "return.xlsx"
    path.write_bytes(download.content)
    shown = workbook_as_csv(path)["Tiến độ"]
    assert shown[excel.HEADER_ROW - 1][9:] == ["Nguồn số đảng viên", "Ghi chú số đảng viên"]
    assert shown[-1][7:] == ["110", "1,8%", REPORTED, "Số theo báo cáo 110 khác số cộng từ các đơn vị trực thuộc 112"]
