"""The figures leaders quote in the seed articles, rebuilt through the reports: selectors, page and
workbook (and, for Long An, the command line and LibreOffice) must all tell the same story."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from reports import selectors
from tests.factories import make_unit, make_user
from units.formatting import vn_percent
from units.models import Role, Term, UnitKind
from units.periods import Period
from units.services import headcount_set, target_set

from .helpers import sheet_rows, spread_admissions, table_rows
from .libreoffice import workbook_as_csv

D = datetime.date
TODAY = D(2026, 11, 22)

# Hà Nội, 10 months of 2017: "kết nạp được 11.388 đảng viên, đạt 94% so với kế hoạch" (12.064), with
# committees far above plan (Bắc Từ Liêm 168%, Thanh Trì 150%, Trường Lê Hồng Phong 310%) and, as
# leaders also name them, committees far below (38%, 19%). The rest make up the city's totals.
HANOI = [
    # code, name, year target, admitted Jan-Oct
    ("BTL", "Đảng bộ quận Bắc Từ Liêm", 500, 840),
    ("TT", "Đảng bộ huyện Thanh Trì", 400, 600),
    ("LHP", "Đảng bộ Trường Đào tạo cán bộ Lê Hồng Phong", 10, 31),
    ("X38", "Đảng bộ huyện Thấp Một", 100, 38),
    ("X19", "Đảng bộ huyện Thấp Hai", 100, 19),
    ("KHAC", "Các đảng bộ trực thuộc khác", 10954, 9860),
]


@pytest.fixture
def hanoi(db):
    city = make_unit(None, code="HN", name="Đảng bộ thành phố Hà Nội")
    target_set(unit=city, admissions=12064, year=2017)
    for code, name, target, admitted in HANOI:
        committee = make_unit(city, code=code, name=name)
        target_set(unit=committee, admissions=target, year=2017)
        cell = make_unit(committee, UnitKind.GRASSROOTS_CELL, code=f"{code}-CB", name=f"Chi bộ {name}")
        spread_admissions(cell, admitted, D(2017, 1, 1), D(2017, 10, 31))
        if code == "KHAC":  # November and December do not belong to the first 10 months
            spread_admissions(cell, 700, D(2017, 11, 1), D(2017, 12, 31))
    return city


def test_hanoi_10_months_of_2017_through_the_selectors(hanoi):
    period = Period.for_months(2017, 10)
    assert period.label == "10 tháng đầu năm 2017"
    report = selectors.progress_report(hanoi, period, today=TODAY)
    assert (report.total.target, report.total.admitted) == (12064, 11388)
    assert vn_percent(report.total.ratio, 0) == "94%"
    assert vn_percent(report.total.ratio) == "94,4%"
    ratios = {row.unit.code: vn_percent(row.ratio, 0) for row in report.rows}
    assert ratios == {"BTL": "168%", "TT": "150%", "LHP": "310%", "X38": "38%", "X19": "19%", "KHAC": "90%"}
    assert {row.unit.code for row in report.rows if row.is_low} == {"X38", "X19"}
    assert {row.unit.code for row in report.rows if row.is_high} == {"BTL", "TT", "LHP"}
    # at the pace of the first 304 days, the year ends at 11.388 * 365 / 304
    assert report.total.projected == 13673
    # the whole year counts November and December too
    assert selectors.progress_report(hanoi, Period.for_year(2017), today=TODAY).total.admitted == 12088


def test_hanoi_page_and_workbook_show_the_articles_figures(client, hanoi):
    client.force_login(make_user(hanoi, Role.LEADERSHIP))
    params = "?year=2017&month=10"
    response = client.get(reverse("reports:progress", kwargs={"code": "HN"}) + params)
    page = response.content.decode()
    assert "10 tháng đầu năm 2017" in page
    rows = {row[0]: row for row in table_rows(page, "progress-table", "data-unit")}
    assert rows["total"][3:6] == ["12.064", "11.388", "94,4%"]
    assert rows["BTL"][5] == "168,0%" and "Vượt kế hoạch" in rows["BTL"][2]
    assert rows["LHP"][5] == "310,0%"
    assert rows["X19"][5] == "19,0%" and "Dưới 50%" in rows["X19"][2]
    assert rows["X38"][5] == "38,0%" and "Dưới 50%" in rows["X38"][2]

    download = client.get(reverse("reports:quarterly_return", kwargs={"code": "HN"}) + params)
    sheet = openpyxl.load_workbook(io.BytesIO(download.content))["Tiến độ"]
    assert sheet["A2"].value == "10 tháng đầu năm 2017"
    figures = {row[0] if row[1] != "Tổng cộng" else "total": row[2:5] for row in sheet_rows(sheet)}
    assert figures["total"][:2] == (12064, 11388) and round(figures["total"][2], 3) == 0.944
    assert figures["BTL"] == (500, 840, 1.68)
    assert figures["X19"] == (100, 19, 0.19)
    # the page shows exactly what the workbook holds
    for code, (_target, _admitted, ratio) in figures.items():
        assert rows[code][5] == vn_percent(ratio)


# Long An, term 2020–2025: "chỉ tiêu ... kết nạp 6.300 đảng viên ... đã kết nạp được 6.311 đảng viên, đạt
# tỷ lệ 100,2%"; 19 subordinate committees; 52.439 members.
LONG_AN_COMMITTEES = 19


@pytest.fixture
def long_an(db):
    term = Term.objects.create(start_year=2020, end_year=2025)
    province = make_unit(None, code="LA", name="Đảng bộ tỉnh Long An")
    target_set(unit=province, admissions=6300, term=term)
    for index in range(LONG_AN_COMMITTEES):
        committee = make_unit(province, code=f"LA{index + 1:02d}", name=f"Đảng bộ trực thuộc {index + 1}")
        target_set(unit=committee, admissions=331 + (index < 11), term=term)  # 19 x 331 + 11 = 6.300
        cell = make_unit(committee, UnitKind.GRASSROOTS_CELL, code=f"LA{index + 1:02d}-CB", name=f"Chi bộ {index + 1}")
        headcount_set(unit=cell, year=2025, members=2759 + (index < 18))  # 19 x 2759 + 18 = 52.439
        spread_admissions(cell, 332 + (index < 3), term.start_date, term.end_date)  # 19 x 332 + 3 = 6.311
        spread_admissions(cell, 2, D(2020, 9, 1), D(2020, 9, 30))  # the term before
    return province, term


def test_long_an_term_through_the_selectors(long_an):
    province, term = long_an
    report = selectors.progress_report(province, Period.for_term(term), today=TODAY)
    assert (report.total.target, report.total.admitted, report.total.members) == (6300, 6311, 52439)
    assert vn_percent(report.total.ratio) == "100,2%"
    assert report.total.remaining == 0
    assert len(report.rows) == 19 and all(row.target in (331, 332) for row in report.rows)
    # per year, against the members: 6.311 over 5 years of 52.439 members
    assert vn_percent(report.total.member_share) == "2,4%"


def test_long_an_page_command_line_workbook_and_libreoffice_agree(client, long_an, tmp_path):
    province, term = long_an
    client.force_login(make_user(province, Role.STAFF))
    page = client.get(reverse("reports:progress", kwargs={"code": "LA"}) + "?term=2020-2025").content.decode()
    assert "Nhiệm kỳ 2020–2025" in page
    total = {row[0]: row for row in table_rows(page, "progress-table", "data-unit")}["total"]
    assert total[3:6] == ["6.300", "6.311", "100,2%"]

    path = tmp_path / "long-an.xlsx"
    call_command("export_report", "--unit", "LA", "--term", "2020-2025", "--output", str(path))
    sheet = openpyxl.load_workbook(path)["Tiến độ"]
    assert sheet["A2"].value == "Nhiệm kỳ 2020–2025"
    last = sheet_rows(sheet)[-1]
    assert last[:4] == ("LA", "Tổng cộng", 6300, 6311) and vn_percent(last[4]) == total[5]

    shown = workbook_as_csv(path)["Tiến độ"]
    assert shown[1][0] == "Nhiệm kỳ 2020–2025"
    assert shown[-1][:5] == ["LA", "Tổng cộng", "6.300", "6.311", "100,2%"]
    assert len(shown) == 4 + 19 + 1  # titles, blank, header; 19 committees; the total
