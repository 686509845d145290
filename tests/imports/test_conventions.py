"""The import takes what people type, and says so: each way of writing a value other than the
template's is read, and counted (result.fixes, the preview), never corrected silently."""

import datetime

import pytest
from django.utils import timezone

from recruitment.importing import import_workbook, values
from recruitment.models import Candidate, Gender
from units.models import Headcount

from .conftest import HEADERS, admitted_person, complete_person, person

pytestmark = pytest.mark.django_db
D = datetime.date


def _ok(result):
    assert result.ok, [str(error) for error in result.errors]
    return result


def _fixes(result):
    """The corrections besides the birth dates typed as text (conftest.person's default)."""
    return {kind: count for kind, count in result.fixes.items() if kind != values.DATE_TEXT}


def _examples(result, kind):
    fix = next(fix for fix in result.preview["fixes"] if fix["key"] == kind)
    return [(example["row"], example["column"], example["typed"], example["read"]) for example in fix["examples"]]


# --- Số đảng viên at every level -------------------------------------------------------------------


def test_member_counts_on_every_level_are_each_units_own(tree, workbook):
    year = timezone.localdate().year
    path = workbook(
        {
            "Đơn vị": [
                ("P", "Đảng bộ tỉnh Thử", "Đảng bộ tỉnh", "", "", 26033),
                ("A", "Đảng bộ huyện A", "Đảng bộ trực thuộc", "P", "", "1.250"),
                ("A1", "Đảng bộ xã A1", "Đảng bộ cơ sở", "A", "Xã, phường, thị trấn", 310),
                ("A1-1", "Chi bộ thôn 1", "Chi bộ", "A1", "", 31),
                ("B2", "Chi bộ Công ty TNHH B2", "Chi bộ cơ sở", "B", "Doanh nghiệp không có vốn nhà nước", 12),
            ]
        }
    )
    result = _ok(import_workbook(path))
    assert result.counts == {"units_unchanged": 5, "headcounts": 5}
    members = dict(Headcount.objects.filter(year=year).values_list("unit__code", "members"))
    assert members == {"P": 26033, "A": 1250, "A1": 310, "A1-1": 31, "B2": 12}
    assert result.fixes == {values.NUMBER_TEXT: 1}  # "1.250" typed as text

    # Again with one figure changed: only that one is rewritten, and the preview says old -> new.
    path = workbook({"Đơn vị": [("P", "Đảng bộ tỉnh Thử", "Đảng bộ tỉnh", "", "", 26100)]})
    result = _ok(import_workbook(path))
    assert result.counts == {"units_unchanged": 1, "headcounts": 1}
    assert Headcount.objects.get(unit=tree.province, year=year).members == 26100
    [row] = result.preview["sheets"][0]["rows"]
    assert (row["kind"], row["changes"]) == ("updated", [["Số đảng viên", "26.033", "26.100"]])


def test_member_counts_of_new_units_at_every_level(tree, workbook):
    path = workbook(
        {
            "Đơn vị": [
                ("C1-1", "Chi bộ thôn Mới", "Chi bộ", "C1", "", 30),
                ("C1", "Đảng bộ xã Mới", "Đảng bộ cơ sở", "C", "Xã, phường, thị trấn", 95),
                ("C", "Đảng bộ huyện C", "Đảng bộ trực thuộc", "P", "", 640),
            ]
        }
    )
    result = _ok(import_workbook(path))
    assert result.counts == {"units_created": 3, "headcounts": 3}
    assert sorted(Headcount.objects.values_list("unit__code", "members")) == [("C", 640), ("C1", 95), ("C1-1", 30)]


# --- Dates, yes/no, spaces, codes --------------------------------------------------------------------


def test_dates_as_excel_dates_or_text_any_way_round(tree, workbook):
    path = workbook(
        {
            "Quần chúng": [
                person(name="Một", dob=datetime.datetime(1995, 3, 15)),
                person(name="Hai", dob="15/3/1995"),
                person(name="Ba", dob="15/03/1995"),
                person(name="Bốn", dob="15-03-1995"),
                person(name="Năm", dob="15.03.1995"),
                person(name="Sáu", dob="1995-03-15"),
            ]
        }
    )
    result = _ok(import_workbook(path))
    assert set(Candidate.objects.values_list("date_of_birth", flat=True)) == {D(1995, 3, 15)}
    assert result.fixes == {values.DATE_TEXT: 5}
    assert _examples(result, values.DATE_TEXT) == [
        (3, "Ngày sinh", "15/3/1995", "15/03/1995"),
        (4, "Ngày sinh", "15/03/1995", "15/03/1995"),
        (5, "Ngày sinh", "15-03-1995", "15/03/1995"),
    ]


def test_yes_no_as_people_write_it(tree, workbook):
    typed = {"Có": True, "Không": False, "x": True, "X": True, 1: True, "1": True, "": False, "co": True, "0": False}
    rows = [person(name=f"Người {n}", **{"Đoàn viên": value}) for n, value in enumerate(typed)]
    result = _ok(import_workbook(workbook({"Quần chúng": rows})))
    read = dict(Candidate.objects.values_list("full_name", "youth_union_member"))
    assert [read[f"Người {n}"] for n in range(len(typed))] == list(typed.values())
    assert _fixes(result) == {values.YES_NO: 6}  # all but "Có", "Không" and the blank


def test_names_with_stray_spaces_and_codes_with_spaces_around(tree, workbook):
    path = workbook(
        {
            "Quần chúng": [
                person(" A1-1 ", "  Nguyễn   Văn  An ", **{"Đảng viên giúp đỡ": "Trần  Văn Hùng"}),
                person("A1-2", "Lê Thị Hoa"),
            ],
            "Chỉ tiêu": [(" A1 ", 2025, 3)],
        }
    )
    result = _ok(import_workbook(path))
    an = Candidate.objects.get(cell=tree.cell_a1)
    assert (an.full_name, an.search_name, an.mentor_name) == ("Nguyễn Văn An", "nguyen van an", "Trần Văn Hùng")
    assert result.counts["targets_created"] == 1
    assert _fixes(result) == {values.SPACES: 2, values.CODE_SPACES: 2}
    assert (2, "Họ và tên", "␣␣Nguyễn␣␣␣Văn␣␣An␣", "Nguyễn Văn An") in _examples(result, values.SPACES)


def test_reference_values_spelled_either_way(tree, workbook):
    path = workbook(
        {
            "Quần chúng": [
                person(name="Một", gender="nu", **{"Dân tộc": "Khơ Mú", "Tôn giáo": "phat giao"}),
                person(name="Hai", gender="Nữ", **{"Dân tộc": "Khơ-mú", "Tôn giáo": "Phật giáo"}),
                person(name="Ba", gender="NAM", **{"Dân tộc": "khomu", "Nghề nghiệp": "vien chuc"}),
                person(name="Bốn", **{"Chuyên môn nghiệp vụ": "dai hoc", "Lý luận chính trị": "Sơ cấp"}),
            ]
        }
    )
    result = _ok(import_workbook(path))
    people = {c.full_name: c for c in Candidate.objects.select_related("ethnicity", "religion")}
    assert {people[name].ethnicity.name for name in ("Một", "Hai", "Ba")} == {"Khơ-mú"}
    assert people["Một"].gender == Gender.FEMALE and people["Một"].religion.name == "Phật giáo"
    assert people["Ba"].occupation == "public_employee" and people["Bốn"].professional_education == "university"
    # nu, Khơ Mú, phat giao; NAM, khomu, vien chuc; dai hoc: 7 corrections, the exact spellings none
    assert _fixes(result) == {values.SPELLING: 7}
    assert _examples(result, values.SPELLING)[:2] == [(2, "Giới tính", "nu", "Nữ"), (2, "Dân tộc", "Khơ Mú", "Khơ-mú")]


def test_citizen_ids_typed_as_numbers_are_read_back_and_masked_in_the_preview(tree, workbook):
    result = _ok(import_workbook(workbook({"Quần chúng": [person(**{"Số CCCD": 1095001234})]})))
    assert Candidate.objects.get().citizen_id == "001095001234"
    assert _fixes(result) == {values.CITIZEN_ID: 1}
    assert _examples(result, values.CITIZEN_ID) == [(2, "Số CCCD", "••••1234", "••••1234")]
    assert "1095001234" not in str(result.preview)


# --- Headers and columns -----------------------------------------------------------------------------


def test_headers_in_any_case_without_diacritics_in_any_order_with_extra_columns(tree, workbook):
    headers = ["STT", "ho va ten", "NGÀY SINH", "Mã chi bộ", "gioi tinh", "Ghi chú", "Dân tộc"]
    path = workbook(
        {"Quần chúng": {"headers": headers, "rows": [(1, "Nguyễn Văn An", "15/03/1995", "A1-1", "Nam", "", "Kinh")]}}
    )
    result = _ok(import_workbook(path))
    assert Candidate.objects.get().cell == tree.cell_a1
    assert [(warning.column, warning.message) for warning in result.warnings] == [
        ("STT", "Cột không có trong mẫu, được bỏ qua."),
        ("Ghi chú", "Cột không có trong mẫu, được bỏ qua."),
    ]
    assert result.fixes == {
        values.HEADER: 3,  # ho va ten, NGÀY SINH, gioi tinh
        values.COLUMN_ORDER: 1,  # once for the sheet
        values.EXTRA_COLUMN: 2,
        values.DATE_TEXT: 1,
    }
    assert _examples(result, values.HEADER)[0] == (1, "Họ và tên", "ho va ten", "ho va ten")


def test_the_templates_own_headers_need_no_correction(tree, workbook):
    result = _ok(import_workbook(workbook({"Quần chúng": [person(dob=datetime.datetime(1995, 3, 15))]})))
    assert result.fixes == {} and result.preview["fixes"] == []


# --- General education ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, read, fix",
    [
        ("12/12", "12/12", None),
        ("9/12", "9/12", None),
        ("10/10", "10/10", None),
        ("12 / 12", "12/12", values.SPACES),
        (datetime.datetime(2025, 12, 12), "12/12", values.EDUCATION_DATE),  # Excel's 12 December
        (datetime.datetime(2025, 12, 9), "9/12", values.EDUCATION_DATE),  # a Vietnamese Excel: day/month
        (datetime.datetime(2025, 9, 12), "9/12", values.EDUCATION_DATE),  # an English Excel: month/day
        (datetime.datetime(2025, 10, 7), "7/10", values.EDUCATION_DATE),
        ("Tốt nghiệp THPT", "12/12", values.EDUCATION_WORDS),
        ("trung hoc co so", "9/12", values.EDUCATION_WORDS),
    ],
)
def test_general_education_as_typed_or_as_excel_turned_it(tree, workbook, typed, read, fix):
    result = _ok(import_workbook(workbook({"Quần chúng": [person(**{"Giáo dục phổ thông": typed})]})))
    assert Candidate.objects.get().general_education == read
    assert _fixes(result) == ({fix: 1} if fix else {})


@pytest.mark.parametrize("typed", [datetime.datetime(2025, 3, 15), 1, "lớp mười hai", "13/12"])
def test_general_education_that_cannot_be_read(tree, workbook, typed):
    result = import_workbook(workbook({"Quần chúng": [person(**{"Giáo dục phổ thông": typed})]}))
    [error] = result.errors
    assert (error.row, error.column) == (2, "Giáo dục phổ thông")
    assert not Candidate.objects.exists()


def test_a_cell_excel_formatted_as_a_date_reads_as_twelve_over_twelve(tree, tmp_path):
    """What Excel writes when someone types 12/12 into a General cell: a date serial with a d/m format."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Quần chúng"
    sheet.append(HEADERS["Quần chúng"][:4] + ["Giáo dục phổ thông"])
    sheet.append(["A1-1", "Nguyễn Văn An", "15/03/1995", "Nam", datetime.datetime(2025, 12, 12)])
    sheet["E2"].number_format = "d/m"
    path = tmp_path / "excel.xlsx"
    book.save(path)
    result = _ok(import_workbook(path))
    assert Candidate.objects.get().general_education == "12/12"
    assert _examples(result, values.EDUCATION_DATE) == [(2, "Giáo dục phổ thông", "12/12/2025", "12/12")]


# --- A whole file ------------------------------------------------------------------------------------


def test_a_whole_file_is_written_and_complete(tree, workbook):
    result = _ok(import_workbook(workbook({"Quần chúng": [complete_person()]})))
    assert result.counts == {"people_created": 1}  # not flagged incomplete
    person = Candidate.objects.get()
    assert person.stage == "official" and not person.is_incomplete
    assert (person.course_certificate_no, person.application_date) == ("15-GCN/TTCT", D(2022, 9, 5))
    assert (person.introducing_organisation, person.introducer_1, person.introducer_2) == (
        "youth_union",
        "Lò Văn Sơn",
        "",
    )
    assert (person.mentor_name, person.decision_issuer, person.recognition_no) == (
        "Lò Văn Sơn",
        "Ban Thường vụ Huyện ủy Mẫu",
        "30-QĐ/HU",
    )
    assert person.new_member_course_date == D(2023, 6, 15)
    assert (person.general_education, person.professional_education, person.political_theory) == (
        "12/12",
        "university",
        "elementary",
    )


def test_two_member_introducers_and_the_organisation_spelled_loosely(tree, workbook):
    rows = [
        complete_person(
            **{"Tổ chức đoàn thể giới thiệu": "", "Đảng viên giới thiệu thứ hai": "Quàng Thị Mai", "Đoàn viên": ""}
        ),
        complete_person(
            "A1-2", "Tòng Văn Lả", "034096000777", **{"Tổ chức đoàn thể giới thiệu": "cong doan", "Đoàn viên": ""}
        ),
    ]
    result = _ok(import_workbook(workbook({"Quần chúng": rows})))
    assert "people_incomplete" not in result.counts
    both = dict(Candidate.objects.values_list("full_name", "introducing_organisation"))
    assert both == {"Lò Thị Bình": "", "Tòng Văn Lả": "trade_union"}


def test_the_former_membership_for_a_readmission(tree, workbook):
    row = person(
        **{
            "Ngày vào danh sách quần chúng ưu tú": "01/02/2024",
            "Ngày vào Đảng lần trước": "19/05/2015",
            "Ngày chính thức lần trước": "19/05/2016",
            "Ngày ra khỏi Đảng": "02/09/2019",
            "Hình thức ra khỏi Đảng": "bi xoa ten",
            "Đã được kết nạp lại một lần": "Không",
        }
    )
    _ok(import_workbook(workbook({"Quần chúng": [row]})))
    person_ = Candidate.objects.get()
    assert (person_.former_admission_date, person_.former_official_date, person_.former_exit_date) == (
        D(2015, 5, 19),
        D(2016, 5, 19),
        D(2019, 9, 2),
    )
    assert person_.former_exit == "struck_off" and not person_.former_readmitted


def test_a_course_without_its_certificate_number_is_refused_before_admission(tree, workbook):
    in_pipeline = person(**{"Ngày cấp giấy chứng nhận bồi dưỡng": "20/05/2022"})
    result = import_workbook(workbook({"Quần chúng": [in_pipeline]}))
    [error] = result.errors
    assert (error.row, error.column) == (2, "Số giấy chứng nhận bồi dưỡng")
    assert "số giấy chứng nhận" in error.message
    assert not Candidate.objects.exists()

    with_number = person(**{"Ngày cấp giấy chứng nhận bồi dưỡng": "20/05/2022", "Số giấy chứng nhận bồi dưỡng": "9"})
    _ok(import_workbook(workbook({"Quần chúng": [with_number]})))


def test_a_historic_admission_without_the_certificate_number_is_taken_and_flagged(tree, workbook):
    result = _ok(import_workbook(workbook({"Quần chúng": [admitted_person()]})))  # a course date, no number
    assert result.counts["people_created"] == 1 and result.counts["people_incomplete"] == 1
    [row] = result.preview["sheets"][0]["rows"]
    assert any("Thiếu số giấy chứng nhận" in note for note in row["notes"])
    assert any(note.startswith("Hồ sơ chưa đầy đủ") for note in row["notes"])
