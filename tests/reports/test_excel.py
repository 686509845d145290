import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from recruitment.models import Ethnicity, Gender, Occupation
from reports import excel
from reports.periods import Period
from tests.factories import CandidateFactory, admitted_fields
from units.formatting import vn_int, vn_percent
from units.models import GrassrootsType
from units.services import target_set

from .helpers import sheet_rows, table_rows
from .libreoffice import workbook_as_csv

D = datetime.date
TODAY = D(2026, 11, 22)


@pytest.fixture
def year_2025(tree):
    thai = Ethnicity.objects.get(name="Thái")
    for day in (D(2025, 2, 10), D(2025, 6, 1)):
        CandidateFactory(cell=tree.cell_a1, gender=Gender.FEMALE, ethnicity=thai, **admitted_fields(day))
    CandidateFactory(cell=tree.cell_a2, occupation=Occupation.WORKER, **admitted_fields(D(2025, 11, 5)))
    CandidateFactory(cell=tree.enterprise, youth_union_member=True, **admitted_fields(D(2025, 1, 1)))
    target_set(unit=tree.province, admissions=8, year=2025)
    target_set(unit=tree.committee_a, admissions=2, year=2025)
    target_set(unit=tree.committee_b, admissions=4, year=2025)
    return tree


def quarterly_return(unit, period):
    from recruitment.models import Candidate

    return excel.quarterly_return(unit, period, candidates=Candidate.objects.all(), today=TODAY)


def test_progress_sheet_keeps_the_contract(year_2025):
    workbook = quarterly_return(year_2025.province, Period.for_year(2025))
    sheet = workbook["Tiến độ"]
    header = [cell.value for cell in sheet[excel.HEADER_ROW]]
    assert header[:5] == ["Mã đơn vị", "Tên đơn vị", "Chỉ tiêu", "Đã kết nạp", "Tỷ lệ đạt"]
    assert "Dự kiến cả năm" in header
    rows = sheet_rows(sheet)
    assert [row[:5] for row in rows] == [
        ("A", "Đảng bộ huyện A", 2, 3, 1.5),
        ("B", "Đảng bộ huyện B", 4, 1, 0.25),
        ("P", "Tổng cộng", 8, 4, 0.5),
    ]
    data = sheet.cell(row=excel.HEADER_ROW + 1, column=4)
    percent = sheet.cell(row=excel.HEADER_ROW + 1, column=5)
    assert isinstance(data.value, int) and data.number_format.endswith("#,##0")
    assert isinstance(percent.value, float) and percent.number_format.endswith("0.0%")


def test_text_that_looks_like_a_formula_stays_text(year_2025):
    year_2025.committee_a.name = '=HYPERLINK("http://example.invalid","x")'
    year_2025.committee_a.save()
    saved = io.BytesIO()
    quarterly_return(year_2025.province, Period.for_year(2025)).save(saved)
    sheet = openpyxl.load_workbook(io.BytesIO(saved.getvalue()))["Tiến độ"]
    name = sheet.cell(row=excel.HEADER_ROW + 1, column=2)
    assert name.value == year_2025.committee_a.name and name.data_type == "s"


def test_breakdown_sheet_keeps_the_contract(year_2025):
    sheet = quarterly_return(year_2025.province, Period.for_year(2025))["Cơ cấu"]
    assert [cell.value for cell in sheet[excel.HEADER_ROW]] == ["Nội dung", "Số lượng", "Tỷ lệ"]
    rows = sheet_rows(sheet)
    labels = [row[0] for row in rows]
    assert labels[:6] == ["Tổng số kết nạp", "Nữ", "Dân tộc thiểu số", "Tôn giáo", "Đoàn viên", "Tuổi 18–30"]
    occupations = [str(label) for _, label in Occupation.choices]
    types = [str(label) for _, label in GrassrootsType.choices]
    assert labels[6 : 6 + len(occupations)] == occupations
    assert labels[6 + len(occupations) : 6 + len(occupations) + len(types)] == types
    assert labels[6 + len(occupations) + len(types) :] == ["Dân tộc Thái"]
    values = {row[0]: row[1:] for row in rows}
    assert values["Tổng số kết nạp"] == (4, 1.0)
    assert values["Nữ"] == (2, 0.5)
    assert values["Đoàn viên"] == (1, 0.25)
    assert values["Công nhân"] == (1, 0.25)
    assert values["Doanh nghiệp không có vốn nhà nước"] == (1, 0.25)
    assert values["Dân tộc Thái"] == (2, 0.5)


def test_every_sheet_has_titles_frozen_headers_widths_and_landscape_a4(year_2025):
    workbook = quarterly_return(year_2025.province, Period.for_quarter(2025, 2))
    assert workbook.sheetnames == ["Tiến độ", "Cơ cấu", "Cơ cấu theo đơn vị", "Quy trình", "Chưa kết nạp", "Dự bị"]
    for sheet in workbook:
        assert "Đảng bộ tỉnh Thử" in sheet["A1"].value
        assert sheet["A2"].value == "Quý II năm 2025"
        assert sheet.freeze_panes == "A5"
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) == 9
        assert sheet.column_dimensions["A"].width > 10 and sheet.column_dimensions["B"].width > 10


def test_page_and_workbook_show_the_same_figures(client, year_2025, users):
    client.force_login(users.province_staff)
    params = "?year=2025&month=10"
    page = client.get(reverse("reports:progress", kwargs={"code": "P"}) + params).content.decode()
    download = client.get(reverse("reports:quarterly_return", kwargs={"code": "P"}) + params)
    workbook = openpyxl.load_workbook(io.BytesIO(download.content))

    page_rows = table_rows(page, "progress-table", "data-unit")
    sheet = sheet_rows(workbook["Tiến độ"])
    assert len(page_rows) == len(sheet) == 3
    for shown, (code, name, target, admitted, ratio, remaining, projected, members, share) in zip(page_rows, sheet):
        assert shown[1] == code
        assert shown[2].startswith(name if name != "Tổng cộng" else "Tổng cộng")
        assert shown[3:10] == [
            vn_int(target) or "—",
            vn_int(admitted),
            vn_percent(ratio),
            vn_int(remaining) or "—",
            vn_int(projected) or "—",
            vn_int(members) or "—",
            vn_percent(share),
        ]

    page = client.get(reverse("reports:breakdown", kwargs={"code": "P"}) + params).content.decode()
    page_lines = [row[1:] for row in table_rows(page, "breakdown-table", "data-key")]
    sheet_lines = [[label, vn_int(count), vn_percent(share)] for label, count, share in sheet_rows(workbook["Cơ cấu"])]
    assert page_lines == sheet_lines
    # 10 months: the worker admitted in November is not among them
    assert page_lines[:2] == [["Tổng số kết nạp", "3", "100,0%"], ["Nữ", "2", "66,7%"]]
    assert ["Công nhân", "0", "0,0%"] in page_lines


def test_workbook_opens_in_libreoffice_and_the_figures_survive(year_2025, tmp_path):
    path = tmp_path / "return.xlsx"
    quarterly_return(year_2025.province, Period.for_year(2025)).save(path)
    sheets = workbook_as_csv(path)
    assert set(sheets) == {"Tiến độ", "Cơ cấu", "Cơ cấu theo đơn vị", "Quy trình", "Chưa kết nạp", "Dự bị"}
    progress = sheets["Tiến độ"]
    assert progress[0][0].endswith("Đảng bộ tỉnh Thử") and progress[1][0] == "Năm 2025"
    header = progress[excel.HEADER_ROW - 1]
    assert header[:5] == ["Mã đơn vị", "Tên đơn vị", "Chỉ tiêu", "Đã kết nạp", "Tỷ lệ đạt"]
    # shown the Vietnamese way
    assert progress[excel.HEADER_ROW][:5] == ["A", "Đảng bộ huyện A", "2", "3", "150,0%"]
    assert progress[excel.HEADER_ROW + 2][:5] == ["P", "Tổng cộng", "8", "4", "50,0%"]
    breakdown = {row[0]: row[1:3] for row in sheets["Cơ cấu"][excel.HEADER_ROW :]}
    assert breakdown["Tổng số kết nạp"] == ["4", "100,0%"]
    assert breakdown["Dân tộc Thái"] == ["2", "50,0%"]


def test_pipeline_and_breakdown_by_unit_pages_match_their_sheets(client, year_2025, users):
    CandidateFactory(cell=year_2025.cell_b1, listed_on=D(2025, 3, 1))
    client.force_login(users.province_staff)
    download = client.get(reverse("reports:quarterly_return", kwargs={"code": "P"}) + "?year=2025")
    workbook = openpyxl.load_workbook(io.BytesIO(download.content))

    page = client.get(reverse("reports:pipeline", kwargs={"code": "P"}) + "?year=2025").content.decode()
    shown = [row[2:] for row in table_rows(page, "pipeline-stages", "data-unit")]
    stage_rows = [row for row in sheet_rows(workbook["Quy trình"]) if row[0] in ("A", "B", "P")][:3]
    assert shown == [[vn_int(value) for value in row[2:]] for row in stage_rows]
    assert shown[1][0] == "1"  # B's listed person, under "Quần chúng ưu tú"

    page = client.get(reverse("reports:breakdown", kwargs={"code": "P"}) + "?year=2025").content.decode()
    shown = [row[2:] for row in table_rows(page, "breakdown-units", "data-unit")]
    unit_rows = sheet_rows(workbook["Cơ cấu theo đơn vị"])[:-1]  # without the total
    assert shown == [[vn_int(value) for value in row[2:]] for row in unit_rows]
    assert shown[0][:2] == ["3", "2"]  # A: 3 admitted, 2 women


def test_probation_sheet_lists_those_ending_and_those_overdue_once(tree):
    from recruitment.models import Candidate

    ending = CandidateFactory(cell=tree.cell_a1, ceremony_date=D(2025, 2, 10), **admitted_fields(D(2025, 2, 1)))
    late = CandidateFactory(cell=tree.cell_a2, ceremony_date=D(2024, 6, 10), **admitted_fields(D(2024, 6, 1)))
    # Q1 2026 seen in March 2026: the first is due in March (not late yet), the second long overdue
    workbook = excel.quarterly_return(
        tree.province, Period.for_quarter(2026, 1), candidates=Candidate.objects.all(), today=D(2026, 3, 2)
    )
    rows = sheet_rows(workbook["Dự bị"])
    assert [row[0] for row in rows] == [ending.full_name, late.full_name]
    assert rows[0][3] == D(2026, 2, 10) and not rows[0][5]
    assert rows[1][5].startswith("Quá hạn")


def test_the_contract_stays_vietnamese_for_an_english_speaking_user(client, year_2025, users):
    import io

    from openpyxl import load_workbook

    client.force_login(users.province_staff)
    client.post("/ngon-ngu/", {"language": "en", "next": "/"})
    response = client.get(f"/bao-cao/{year_2025.province.code}/bao-cao-quy.xlsx?year=2025")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:2] == ["Tiến độ", "Cơ cấu"]
    labels = [row[0].value for row in workbook["Cơ cấu"].iter_rows(min_row=excel.HEADER_ROW + 1)]
    assert "Nữ" in labels and "Female" not in labels
