import datetime
import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from recruitment.models import Ethnicity, Gender, Occupation
from reports import excel
from tests.factories import CandidateFactory, admitted_fields
from units.formatting import vn_int, vn_percent
from units.models import GrassrootsType
from units.periods import Period
from units.services import target_set

from .helpers import admit, sheet_rows, table_rows
from .libreoffice import workbook_as_csv

D = datetime.date
TODAY = D(2026, 11, 22)

# The education rows of the "Cơ cấu" sheet, in their order: part of its contract.
EDUCATION_LABELS = [
    "Trung học phổ thông",
    "Trung học cơ sở",
    "Dưới trung học cơ sở",
    "Sơ cấp chuyên môn",
    "Trung cấp chuyên môn",
    "Cao đẳng",
    "Đại học",
    "Thạc sĩ",
    "Tiến sĩ",
    "Sau đại học (không ghi rõ thạc sĩ, tiến sĩ)",
    "Đại học trở lên",
    "Sơ cấp lý luận chính trị",
    "Trung cấp lý luận chính trị",
    "Cao cấp lý luận chính trị",
    "Cử nhân chính trị",
]


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


def quarterly_return_bytes(unit, period, today=TODAY):
    """The quarterly return's file, as the views send it."""
    from recruitment.models import Candidate

    return excel.workbook_bytes(excel.quarterly_return(unit, period, candidates=Candidate.objects.all(), today=today))


def quarterly_return(unit, period, today=TODAY):
    """The quarterly return opened again: the workbook is write-only, readable once saved."""
    return openpyxl.load_workbook(io.BytesIO(quarterly_return_bytes(unit, period, today)))


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
    saved = quarterly_return_bytes(year_2025.province, Period.for_year(2025))
    sheet = openpyxl.load_workbook(io.BytesIO(saved))["Tiến độ"]
    name = sheet.cell(row=excel.HEADER_ROW + 1, column=2)
    assert name.value == year_2025.committee_a.name and name.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(saved)) as archive:
        sheets = [part for part in archive.namelist() if part.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(part) for part in sheets)


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
    # Education after the fixed rows of before, then the ethnic groups present.
    assert labels[6 + len(occupations) + len(types) :] == [*EDUCATION_LABELS, "Dân tộc Thái"]
    values = {row[0]: row[1:] for row in rows}
    assert values["Tổng số kết nạp"] == (4, 1.0)
    assert values["Nữ"] == (2, 0.5)
    assert values["Đoàn viên"] == (1, 0.25)
    assert values["Công nhân"] == (1, 0.25)
    assert values["Doanh nghiệp không có vốn nhà nước"] == (1, 0.25)
    assert values["Dân tộc Thái"] == (2, 0.5)


def test_every_sheet_has_titles_frozen_headers_widths_and_landscape_a4(year_2025):
    workbook = quarterly_return(year_2025.province, Period.for_quarter(2025, 2))
    assert workbook.sheetnames == [
        "Tiến độ",
        "Cơ cấu",
        "Cơ cấu theo đơn vị",
        "Quy trình",
        "Chưa kết nạp",
        "Dự bị",
        "Lớp bồi dưỡng",
        "Nguồn kết nạp",
    ]
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
    for shown, row in zip(page_rows, sheet):
        code, name, target, admitted, ratio, remaining, projected, members, share, source, note = row
        assert shown[1] == code
        assert shown[2].startswith(name if name != "Tổng cộng" else "Tổng cộng")
        assert shown[3:11] == [
            vn_int(target) or "—",
            vn_int(admitted),
            vn_percent(ratio),
            vn_int(remaining) or "—",
            vn_int(projected) or "—",
            vn_int(members) or "—",
            source or "—",
            vn_percent(share),
        ]
        assert note is None

    page = client.get(reverse("reports:breakdown", kwargs={"code": "P"}) + params).content.decode()
    page_lines = [row[1:] for row in table_rows(page, "breakdown-table", "data-key")]
    sheet_lines = [[label, vn_int(count), vn_percent(share)] for label, count, share in sheet_rows(workbook["Cơ cấu"])]
    assert page_lines == sheet_lines
    # 10 months: the worker admitted in November is not among them
    assert page_lines[:2] == [["Tổng số kết nạp", "3", "100,0%"], ["Nữ", "2", "66,7%"]]
    assert ["Công nhân", "0", "0,0%"] in page_lines


def test_workbook_opens_in_libreoffice_and_the_figures_survive(year_2025, tmp_path):
    path = tmp_path / "return.xlsx"
    path.write_bytes(quarterly_return_bytes(year_2025.province, Period.for_year(2025)))
    sheets = workbook_as_csv(path)
    assert set(sheets) == {
        "Tiến độ",
        "Cơ cấu",
        "Cơ cấu theo đơn vị",
        "Quy trình",
        "Chưa kết nạp",
        "Dự bị",
        "Lớp bồi dưỡng",
        "Nguồn kết nạp",
    }
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
    ending = CandidateFactory(cell=tree.cell_a1, ceremony_date=D(2025, 2, 10), **admitted_fields(D(2025, 2, 1)))
    late = CandidateFactory(cell=tree.cell_a2, ceremony_date=D(2024, 6, 10), **admitted_fields(D(2024, 6, 1)))
    # Q1 2026 seen in March 2026: the first is due in March (not late yet), the second long overdue
    workbook = quarterly_return(tree.province, Period.for_quarter(2026, 1), today=D(2026, 3, 2))
    rows = sheet_rows(workbook["Dự bị"])
    assert [row[0] for row in rows] == [ending.full_name, late.full_name]
    assert rows[0][3] == datetime.datetime(2026, 2, 10) and not rows[0][5]  # a date, read back as a datetime
    assert workbook["Dự bị"].cell(row=excel.HEADER_ROW + 1, column=4).number_format == excel.DATE_FORMAT
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


@pytest.mark.parametrize("write_only", [True, False])
def test_safe_values_keep_formula_like_text_text_on_either_kind_of_sheet(write_only):
    from django.utils.translation import gettext_lazy

    from units.spreadsheets import safe_value, set_safe_value

    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet("Danh sách")
    values = ['=HYPERLINK("http://example.invalid","x")', "=1+1", gettext_lazy("Nữ"), "Lò Văn A", 12, D(2025, 3, 1)]
    sheet.append([safe_value(sheet, value) for value in values])
    if not write_only:
        set_safe_value(sheet.cell(row=2, column=1), "=SUM(A1:A9)")
    saved = io.BytesIO()
    workbook.save(saved)
    read = openpyxl.load_workbook(io.BytesIO(saved.getvalue()))["Danh sách"]
    first = list(read[1])
    assert [cell.value for cell in first[:5]] == [*values[:2], "Nữ", "Lò Văn A", 12]
    assert [cell.data_type for cell in first[:4]] == ["s"] * 4
    if not write_only:
        assert read["A2"].value == "=SUM(A1:A9)" and read["A2"].data_type == "s"
    assert b"<f>" not in zipfile.ZipFile(saved).read("xl/worksheets/sheet1.xml")


def test_rows_of_a_kind_keep_their_own_values_gaps_and_dates(tree):
    """The sheet reuses one row of styled cells per kind of row: each row still gets its own values."""
    workbook = excel._new_workbook()
    sheet = excel.Sheet(
        workbook,
        "Thử",
        heading="Thử",
        unit=tree.province,
        period=Period.for_year(2025),
        headers=["A", "B"],
        widths=[10, 10],
    )
    sheet.append(["x", 1], [None, excel.INT_FORMAT])
    sheet.append(["y", 2], [None, excel.INT_FORMAT], fill=excel.LOW_FILL)
    sheet.append(["z", 3], [None, excel.INT_FORMAT])
    sheet.row += 1
    sheet.append([D(2025, 3, 1), 4])  # a date where no date format was given
    assert sheet.append([5, None]) == excel.HEADER_ROW + 6
    read = openpyxl.load_workbook(io.BytesIO(excel.workbook_bytes(workbook)))["Thử"]
    rows = list(read.iter_rows(min_row=excel.HEADER_ROW + 1, values_only=True))
    assert rows == [("x", 1), ("y", 2), ("z", 3), (None, None), (datetime.datetime(2025, 3, 1), 4), (5, None)]
    cells = {cell.coordinate: cell for row in read.iter_rows(min_row=excel.HEADER_ROW + 1) for cell in row}
    assert cells["B5"].number_format == cells["B7"].number_format == excel.INT_FORMAT
    assert cells["B6"].fill.fgColor.rgb[-6:] == "F8D7DA" and cells["B7"].fill.fill_type is None  # ARGB, alpha aside
    assert cells["A9"].is_date and cells["A10"].number_format == "General"  # the date's format stays its own
    assert all(cells[name].border.left.style == "thin" for name in ("A5", "B6", "A9", "B10"))


def test_education_counted_person_by_person_on_the_page_and_in_the_sheets(client, tree, users):
    day = D(2025, 4, 1)
    admit(
        tree.cell_a1,
        2,
        day,
        general_education="12/12",
        professional_education="university",
        political_theory="elementary",
    )
    admit(tree.cell_a2, 1, day, general_education="10/10", professional_education="master")
    admit(
        tree.cell_b1,
        1,
        day,
        general_education="9/12",
        professional_education="intermediate",
        political_theory="intermediate",
    )
    admit(tree.enterprise, 1, day, general_education="7/10")
    admit(tree.enterprise, 1, day, general_education="6/12", education_exception="Vùng cao, đồng bào dân tộc thiểu số")
    admit(tree.enterprise, 1, D(2024, 4, 1), general_education="12/12", professional_education="doctor")  # 2024
    # Six admitted in 2025, person by person:
    expected = {
        "Trung học phổ thông": 3,  # 12/12 twice, 10/10
        "Trung học cơ sở": 2,  # 9/12, 7/10
        "Dưới trung học cơ sở": 1,  # 6/12
        "Sơ cấp chuyên môn": 0,
        "Trung cấp chuyên môn": 1,
        "Cao đẳng": 0,
        "Đại học": 2,
        "Thạc sĩ": 1,
        "Tiến sĩ": 0,  # in 2024
        "Sau đại học (không ghi rõ thạc sĩ, tiến sĩ)": 0,
        "Đại học trở lên": 3,
        "Sơ cấp lý luận chính trị": 2,
        "Trung cấp lý luận chính trị": 1,
        "Cao cấp lý luận chính trị": 0,
        "Cử nhân chính trị": 0,
    }
    assert list(expected) == EDUCATION_LABELS
    client.force_login(users.province_staff)
    page = client.get(reverse("reports:breakdown", kwargs={"code": "P"}) + "?year=2025").content.decode()
    for heading in ("Giáo dục phổ thông", "Chuyên môn nghiệp vụ", "Lý luận chính trị"):
        assert f'<th colspan="3">{heading}</th>' in page
    shown = {row[1]: row[2:] for row in table_rows(page, "breakdown-table", "data-key")}
    assert shown["Tổng số kết nạp"] == ["6", "100,0%"]
    assert {label: shown[label] for label in expected} == {
        label: [vn_int(count), vn_percent(count / 6)] for label, count in expected.items()
    }

    download = client.get(reverse("reports:quarterly_return", kwargs={"code": "P"}) + "?year=2025")
    workbook = openpyxl.load_workbook(io.BytesIO(download.content))
    sheet = {label: (count, share) for label, count, share in sheet_rows(workbook["Cơ cấu"])}
    assert {label: sheet[label] for label in expected} == {
        label: (count, pytest.approx(count / 6)) for label, count in expected.items()
    }
    # Per unit below: A has the three upper-secondary, B the lower-secondary and below.
    by_unit = workbook["Cơ cấu theo đơn vị"]
    headers = [cell.value for cell in by_unit[excel.HEADER_ROW]]
    units = {row[0]: dict(zip(headers, row)) for row in sheet_rows(by_unit)}
    assert [units[code]["Trung học phổ thông"] for code in ("A", "B", "P")] == [3, 0, 3]
    assert [units[code]["Trung học cơ sở"] for code in ("A", "B", "P")] == [0, 2, 2]
    assert [units[code]["Dưới trung học cơ sở"] for code in ("A", "B", "P")] == [0, 1, 1]
    assert [units[code]["Đại học trở lên"] for code in ("A", "B", "P")] == [3, 0, 3]
    assert [units[code]["Trung cấp lý luận chính trị"] for code in ("A", "B", "P")] == [0, 1, 1]
    page_units = {row[0]: row[2:] for row in table_rows(page, "breakdown-units", "data-unit")}
    assert page_units["B"] == [vn_int(units["B"][label]) for label in headers[2:]]
