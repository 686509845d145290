"""Bad files get a clear message, never an exception."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from recruitment.importing import import_workbook
from recruitment.importing.template import build_template
from recruitment.importing.workbook import WorkbookError, check_upload

pytestmark = pytest.mark.django_db


def _only_error(result):
    assert len(result.errors) == 1, result.errors
    return result.errors[0].message


def test_not_xlsx_by_name_empty_and_too_large(settings):
    with pytest.raises(WorkbookError, match="không phải tệp Excel .xlsx"):
        check_upload("danh sach.xls", 100)
    with pytest.raises(WorkbookError, match="rỗng"):
        check_upload("a.xlsx", 0)
    with pytest.raises(WorkbookError, match="quá lớn"):
        check_upload("a.xlsx", 21 * 1024 * 1024)


def test_not_a_zip(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("Họ và tên;Ngày sinh\n")
    assert "không phải tệp Excel .xlsx hợp lệ" in _only_error(import_workbook(path))


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "bị hỏng hoặc không phải bảng tính" in _only_error(import_workbook(path))


def test_no_known_sheet(tmp_path):
    book = Workbook()
    book.active.title = "Sheet1"
    book.active.append(["a", "b"])
    path = tmp_path / "other.xlsx"
    book.save(path)
    assert "không có trang nào tên “Đơn vị”, “Chỉ tiêu”, “Quần chúng” hoặc “Sắp xếp tổ chức”" in _only_error(
        import_workbook(path)
    )


def test_headers_only_is_empty(workbook, tree):
    assert "không có dòng dữ liệu nào" in _only_error(import_workbook(workbook({"Quần chúng": []})))


def test_wrong_header(workbook, tree):
    path = workbook(
        {
            "Quần chúng": {
                "headers": ["Mã chi bộ", "Tên", "Ngày sinh", "Giới tính"],
                "rows": [("A1-1", "An", "01/01/1990", "Nam")],
            }
        }
    )
    message = _only_error(import_workbook(path))
    assert message.startswith("Trang “Quần chúng” thiếu cột “Họ và tên”")


def test_header_below_a_title_row_and_headers_typed_loosely(workbook, tree, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "quan chung"
    sheet.append(["DANH SÁCH QUẦN CHÚNG ƯU TÚ NĂM 2024"])
    sheet.append([])
    sheet.append(["STT", "mã chi bộ", "HỌ VÀ TÊN", "Ngày sinh", "giới tính"])
    sheet.append([1, "A1-1", "Nguyễn Văn An", "15/03/1995", "Nam"])
    path = tmp_path / "loose.xlsx"
    book.save(path)
    result = import_workbook(path)
    assert result.ok, result.errors
    assert result.counts["people_created"] == 1
    assert [(w.row, w.column) for w in result.warnings] == [(3, "STT")]


def test_template_has_the_sheets_lists_and_imports_cleanly(tree, settings):
    data = build_template()
    book = load_workbook(io.BytesIO(data))
    assert {"Hướng dẫn", "Đơn vị", "Chỉ tiêu", "Quần chúng", "Danh mục"} <= set(book.sheetnames)
    people = book["Quần chúng"]
    assert [c.value for c in people[1]][:4] == ["Mã chi bộ", "Họ và tên", "Ngày sinh", "Giới tính"]
    ranges = {str(v.sqref): v.formula1 for v in people.data_validations.dataValidation}
    assert any("Danh mục" in formula for formula in ranges.values())
    # the example rows are valid: the template imports as it is
    path = settings.IMPORT_FILE_DIR.parent / "template.xlsx"
    path.write_bytes(data)
    result = import_workbook(path, dry_run=True)
    assert result.ok, [str(e) for e in result.errors]
    assert result.counts["units_created"] == 4 and result.counts["people_created"] == 3
    # a whole file: every level carries its members, and no example is flagged incomplete
    assert result.counts["headcounts"] == 4 and "people_incomplete" not in result.counts
    assert result.fixes == {}  # the template is written the way the import reads without correcting


def test_template_opens_in_libreoffice(tmp_path, tree):
    """A real spreadsheet program reads the template (CI installs LibreOffice; missing is a failure)."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is needed for this test"
    path = tmp_path / "mau.xlsx"
    path.write_bytes(build_template())
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path / "out"),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    converted = tmp_path / "out" / "mau.ods"
    assert converted.exists() and converted.stat().st_size > 0


def test_template_carries_a_whole_file_with_its_lists_and_instructions(tree):
    book = load_workbook(io.BytesIO(build_template()))
    people = book["Quần chúng"]
    headers = [cell.value for cell in people[1]]
    for header in (
        "Số giấy chứng nhận bồi dưỡng",
        "Ngày làm đơn xin vào Đảng",
        "Tổ chức đoàn thể giới thiệu",
        "Đảng viên giới thiệu thứ nhất",
        "Đảng viên giới thiệu thứ hai",
        "Đảng viên giúp đỡ",
        "Cấp ủy ra quyết định",
        "Giáo dục phổ thông",
        "Chuyên môn nghiệp vụ",
        "Lý luận chính trị",
        "Căn cứ kết nạp khi chưa tốt nghiệp THCS",
        "Ngày vào Đảng lần trước",
        "Ngày chính thức lần trước",
        "Ngày ra khỏi Đảng",
        "Hình thức ra khỏi Đảng",
        "Đã được kết nạp lại một lần",
    ):
        assert header in headers, header
    lists = book["Danh mục"]
    by_key = {lists.cell(row=1, column=n).value: n for n in range(1, lists.max_column + 1)}

    def listed(key):
        column = by_key[key]
        return [lists.cell(row=r, column=column).value for r in range(2, lists.max_row + 1)]

    assert listed("introducing_organisation")[:2] == ["Ban Chấp hành Đoàn cơ sở", "Ban Chấp hành Công đoàn cơ sở"]
    assert "Bị xóa tên" in listed("former_exit") and listed("former_readmitted")[:2] == ["Có", "Không"]
    assert listed("general_education")[:3] == ["12/12", "11/12", "10/12"]
    validated = {str(v.sqref).split(":")[0][:-1]: v for v in people.data_validations.dataValidation}
    letter = {header: cell.column_letter for header, cell in zip(headers, people[1])}
    for header in ("Tổ chức đoàn thể giới thiệu", "Hình thức ra khỏi Đảng", "Đã được kết nạp lại một lần"):
        assert validated[letter[header]].showErrorMessage
    # general education: a list to pick from, words still allowed, and a Text column so Excel keeps "12/12"
    education = letter["Giáo dục phổ thông"]
    assert not validated[education].showErrorMessage
    assert people[f"{education}3"].value == "12/12" and people[f"{education}3"].number_format == "@"
    # the units sheet's examples give member counts on every level
    units = book["Đơn vị"]
    assert [row[5].value for row in units.iter_rows(min_row=2)] == [1250, 120, 860, 25]
    guide = "\n".join(str(cell.value or "") for cell in book["Hướng dẫn"]["A"])
    for words in ("15/3/2022", "“Khơ Mú” = “Khơ-mú”", "Số đảng viên ghi được ở mọi cấp", "12/12", "Kết nạp lại"):
        assert words in guide, words
