"""Reading the uploaded workbook: file checks, the three sheets and their headers, rows as dicts."""

import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.formatting import vn_int
from units.text import match_key

from . import values
from .errors import RowError, WorkbookError
from .values import is_blank

MAX_FILE_SIZE = getattr(settings, "IMPORT_MAX_FILE_SIZE", 20 * 1024 * 1024)
HEADER_SEARCH_ROWS = 10  # a title or a note may sit above the header row
# A zip bomb (a small file whose one cell inflates to gigabytes) is refused before openpyxl reads any
# of it: every part's declared size is bounded (zipfile never inflates a part past its declared size),
# so is the whole, and so is how far a part inflates. Real workbooks inflate 5-30 times; a province's
# 20,000 people are about 60 MB of sheet XML.
MAX_PART_SIZE = 200 * 1024 * 1024
MAX_UNZIPPED_SIZE = 400 * 1024 * 1024
MAX_RATIO = 200  # for parts larger than RATIO_FLOOR; tiny parts compress oddly
RATIO_FLOOR = 1024 * 1024
# Excel's own limit of a cell's length; longer text can only come from a crafted file. Checked in the
# sheets' and the shared strings' XML, streaming, before openpyxl builds the text in memory.
MAX_CELL_LENGTH = 32767
# Rows per sheet (settings.IMPORT_MAX_ROWS): far above a province's needs (Hà Nội's 2,000 cells, a
# year's 20,000 people), far below a full-height sheet's 1,048,576 rows; stated in the template.
MAX_ROWS = 200_000
XML_CHUNK = 64 * 1024


def max_rows():
    return getattr(settings, "IMPORT_MAX_ROWS", MAX_ROWS)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False


@dataclass(frozen=True)
class SheetSpec:
    key: str
    title: str
    columns: tuple

    def column(self, key):
        return self._by_key()[key]

    def _by_key(self):
        # frozen dataclass: cache by hand
        if "_columns_by_key" not in self.__dict__:
            object.__setattr__(self, "_columns_by_key", {column.key: column for column in self.columns})
        return self.__dict__["_columns_by_key"]


UNITS = SheetSpec(
    "units",
    "Đơn vị",
    (
        Column("code", "Mã đơn vị", True),
        Column("name", "Tên đơn vị", True),
        Column("kind", "Loại tổ chức", True),
        Column("parent", "Mã đơn vị cấp trên"),
        Column("grassroots_type", "Loại hình cơ sở"),
        Column("members", "Số đảng viên"),
    ),
)
TARGETS = SheetSpec(
    "targets",
    "Chỉ tiêu",
    (
        Column("code", "Mã đơn vị", True),
        Column("period", "Kỳ", True),
        Column("admissions", "Chỉ tiêu kết nạp", True),
    ),
)
PEOPLE = SheetSpec(
    "people",
    "Quần chúng",
    (
        Column("cell", "Mã chi bộ", True),
        Column("full_name", "Họ và tên", True),
        Column("date_of_birth", "Ngày sinh", True),
        Column("gender", "Giới tính", True),
        Column("ethnicity", "Dân tộc"),
        Column("religion", "Tôn giáo"),
        Column("occupation", "Nghề nghiệp"),
        Column("general_education", "Giáo dục phổ thông"),
        Column("professional_education", "Chuyên môn nghiệp vụ"),
        Column("political_theory", "Lý luận chính trị"),
        Column("education_exception", "Căn cứ kết nạp khi chưa tốt nghiệp THCS"),
        Column("youth_union_member", "Đoàn viên"),
        Column("citizen_id", "Số CCCD"),
        # 1. Quần chúng ưu tú
        Column("listed_on", "Ngày vào danh sách quần chúng ưu tú"),
        Column("mentor_name", "Đảng viên giúp đỡ"),
        # 2. Lớp bồi dưỡng nhận thức về Đảng
        Column("course_certificate_no", "Số giấy chứng nhận bồi dưỡng"),
        Column("course_date", "Ngày cấp giấy chứng nhận bồi dưỡng"),
        # 3. Hồ sơ: two full members, or the Youth Union / trade-union committee and one member
        Column("application_date", "Ngày làm đơn xin vào Đảng"),
        Column("introducing_organisation", "Tổ chức đoàn thể giới thiệu"),
        Column("introducer_1", "Đảng viên giới thiệu thứ nhất"),
        Column("introducer_2", "Đảng viên giới thiệu thứ hai"),
        # 4.-7.
        Column("resolution_date", "Ngày nghị quyết chi bộ"),
        Column("age_exception", "Quyết định đặc biệt (trên 60 tuổi)"),
        Column("decision_date", "Ngày quyết định kết nạp"),
        Column("decision_no", "Số quyết định kết nạp"),
        Column("decision_issuer", "Cấp ủy ra quyết định"),
        Column("ceremony_date", "Ngày lễ kết nạp"),
        Column("new_member_course_date", "Ngày học lớp đảng viên mới"),
        Column("recognition_no", "Số quyết định công nhận chính thức"),
        Column("recognition_date", "Ngày công nhận chính thức"),
        # Kết nạp lại: the former membership
        Column("former_admission_date", "Ngày vào Đảng lần trước"),
        Column("former_official_date", "Ngày chính thức lần trước"),
        Column("former_exit_date", "Ngày ra khỏi Đảng"),
        Column("former_exit", "Hình thức ra khỏi Đảng"),
        Column("former_readmitted", "Đã được kết nạp lại một lần"),
    ),
)
# Accounts for the units (cell secretaries by default): see importing/accounts.py.
ACCOUNTS = SheetSpec(
    "accounts",
    "Tài khoản",
    (
        Column("unit", "Mã đơn vị", True),
        Column("full_name", "Họ và tên"),
        Column("username", "Tên đăng nhập"),
        Column("role", "Vai trò"),
    ),
)
# Sắp xếp tổ chức: one reorganisation event a row (recruitment.importing.reorganisation).
REORGANISATION = SheetSpec(
    "reorganisation",
    "Sắp xếp tổ chức",
    (
        Column("effective_date", "Ngày hiệu lực", True),
        Column("decision_no", "Số quyết định", True),
        Column("kind", "Hình thức", True),
        Column("codes", "Mã đơn vị"),
        Column("new_code", "Mã đơn vị mới"),
        Column("new_name", "Tên đơn vị mới"),
        Column("parent", "Mã đơn vị cấp trên"),
        Column("unit_kind", "Loại tổ chức"),
    ),
)
SHEETS = (UNITS, TARGETS, PEOPLE, REORGANISATION, ACCOUNTS)
# Shown in messages; the Vietnamese titles are also what the sheets must be called.
SHEET_LABELS = {
    UNITS.key: gettext_lazy("Đơn vị"),
    TARGETS.key: gettext_lazy("Chỉ tiêu"),
    PEOPLE.key: gettext_lazy("Quần chúng"),
    ACCOUNTS.key: gettext_lazy("Tài khoản"),
    REORGANISATION.key: gettext_lazy("Sắp xếp tổ chức"),
}


@dataclass
class Sheet:
    spec: SheetSpec
    title: str  # as named in the file
    present: set  # keys of the columns the file has
    rows: list = field(default_factory=list)  # (row number, {key: raw value})
    warnings: list = field(default_factory=list)
    # What was read differently from the template: (fix key of values.FIXES, row, column, as typed)
    fixes: list = field(default_factory=list)


def check_upload(name, size):
    """The checks that need no reading: the name and the size."""
    if not (name or "").lower().endswith(".xlsx"):
        raise WorkbookError(
            _(
                "Tệp “%(name)s” không phải tệp Excel .xlsx. Hãy lưu lại bằng Excel dưới dạng "
                "“Excel Workbook (*.xlsx)” rồi tải lên."
            )
            % {"name": name}
        )
    if size == 0:
        raise WorkbookError(_("Tệp “%(name)s” rỗng.") % {"name": name})
    if size > MAX_FILE_SIZE:
        raise WorkbookError(
            _("Tệp “%(name)s” quá lớn (%(size)s MB); giới hạn là %(limit)s MB. Hãy chia thành nhiều tệp.")
            % {"name": name, "size": f"{size / 1048576:.1f}", "limit": MAX_FILE_SIZE // 1048576}
        )


def read_workbook(path, name=None):
    """The recognised sheets of the workbook at `path`, keyed by spec key. Raises WorkbookError."""
    import openpyxl

    name = name or str(path)
    if not zipfile.is_zipfile(path):
        raise WorkbookError(
            _("Tệp “%(name)s” không phải tệp Excel .xlsx hợp lệ (không đọc được nội dung).") % {"name": name}
        )
    check_parts(path, name)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for damaged or foreign zips
        raise WorkbookError(
            _("Không đọc được tệp “%(name)s”: tệp bị hỏng hoặc không phải bảng tính Excel .xlsx.") % {"name": name}
        ) from None
    try:
        by_key = {match_key(spec.title): spec for spec in SHEETS}
        sheets = {}
        for worksheet in book.worksheets:
            spec = by_key.get(match_key(worksheet.title))
            if spec is None or spec.key in sheets:
                continue
            try:
                sheets[spec.key] = _read_sheet(spec, worksheet)
            except ParseError:  # a cell's XML holds a character XML cannot hold (U+FFFF, a control character)
                raise WorkbookError(
                    _(
                        "Trang “%(sheet)s” có ô chứa ký tự không hợp lệ (ký tự điều khiển hoặc ký tự không dùng "
                        "được) nên không đọc được; hãy xóa ký tự đó rồi nhập lại."
                    )
                    % {"sheet": worksheet.title},
                    sheet=worksheet.title,
                ) from None
    finally:
        book.close()
    if not sheets:
        raise WorkbookError(
            _(
                "Tệp “%(name)s” không có trang nào tên “Đơn vị”, “Chỉ tiêu”, “Quần chúng” hoặc “Sắp xếp tổ chức”. "
                "Hãy dùng tệp mẫu."
            )
            % {"name": name}
        )
    if not any(sheet.rows for sheet in sheets.values()):
        raise WorkbookError(_("Tệp “%(name)s” không có dòng dữ liệu nào để nhập.") % {"name": name})
    return sheets


class _TooLong(Exception):
    pass


class _Entities(Exception):
    pass


def _bomb_error(name):
    return WorkbookError(
        _(
            "Tệp “%(name)s” khi giải nén quá lớn so với một bảng tính thông thường (có thể là tệp bị làm giả); "
            "không đọc được. Hãy lưu lại bằng Excel, hoặc chia thành nhiều tệp nhỏ hơn."
        )
        % {"name": name}
    )


def check_parts(path, name):
    """Refuse a zip bomb before anything is inflated in memory: every part's size once unzipped (as the
    zip declares it, which zipfile then enforces), their sum, and how far each inflates; then the
    length of every cell's text in the sheets and the shared strings, read streaming."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            total = 0
            for info in parts:
                total += info.file_size
                inflates = info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
                if info.file_size > MAX_PART_SIZE or total > MAX_UNZIPPED_SIZE or inflates:
                    raise _bomb_error(name)
            for info in parts:
                if _holds_cells(info.filename):
                    with archive.open(info) as stream:
                        _check_cell_lengths(stream)
    except _Entities:
        raise _bomb_error(name) from None
    except _TooLong:
        raise WorkbookError(
            _(
                "Tệp “%(name)s” có ô dài hơn %(limit)s ký tự (giới hạn của Excel) nên không đọc được; "
                "hãy rút ngắn nội dung ô đó rồi nhập lại."
            )
            % {"name": name, "limit": vn_int(MAX_CELL_LENGTH)}
        ) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        raise WorkbookError(
            _("Không đọc được tệp “%(name)s”: tệp bị hỏng hoặc không phải bảng tính Excel .xlsx.") % {"name": name}
        ) from None


def _holds_cells(part):
    part = part.lower()
    return part.endswith(".xml") and (part.startswith("xl/worksheets/") or part.endswith("sharedstrings.xml"))


def _check_cell_lengths(stream):
    """Raise _TooLong when a cell (<c>, or a shared string <si> with all its runs) holds more than
    MAX_CELL_LENGTH characters. Only a count is kept, so memory stays flat; the count restarts at the
    end of each cell (text between cells is a few characters of whitespace at most). A part that is
    not well-formed XML is left to openpyxl, which says so."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    length = 0

    def end(tag):
        nonlocal length
        if tag == "c" or tag == "si" or tag.endswith((":c", ":si")):
            length = 0

    def text(data):
        nonlocal length
        length += len(data)
        if length > MAX_CELL_LENGTH:
            raise _TooLong

    def no_doctype(*args):  # entities are how an XML file inflates itself; a workbook has none
        raise _Entities

    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = no_doctype
    try:
        while chunk := stream.read(XML_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        return


def _too_many_rows(worksheet):
    return WorkbookError(
        _(
            "Trang “%(sheet)s” có dữ liệu quá %(limit)s dòng; mỗi trang nhập tối đa %(limit)s dòng. "
            "Hãy chia thành nhiều tệp (hoặc xóa các dòng thừa ở cuối trang)."
        )
        % {"sheet": worksheet.title, "limit": vn_int(max_rows())},
        sheet=worksheet.title,
    )


def _read_sheet(spec, worksheet):
    worksheet.reset_dimensions()  # some writers record a wrong size; read what is really there
    rows = worksheet.iter_rows(values_only=True)
    by_header = {match_key(column.header): column for column in spec.columns}
    header_number, keys = None, None
    for number, cells in enumerate(rows, start=1):
        found = [by_header.get(match_key(str(value))) if not is_blank(value) else None for value in cells]
        if any(found):
            header_number, keys, header_values = number, found, cells
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if keys is None:
        raise WorkbookError(
            _("Trang “%(sheet)s” không có dòng tiêu đề (các cột %(columns)s).")
            % {"sheet": worksheet.title, "columns": ", ".join(f"“{c.header}”" for c in spec.columns if c.required)},
            sheet=worksheet.title,
        )
    present = {column.key for column in keys if column}
    missing = [column.header for column in spec.columns if column.required and column.key not in present]
    if missing:
        raise WorkbookError(
            _("Trang “%(sheet)s” thiếu cột %(columns)s (tiêu đề ở dòng %(row)d). Hãy dùng đúng tiêu đề như tệp mẫu.")
            % {
                "sheet": worksheet.title,
                "row": header_number,
                "columns": ", ".join(f"“{header}”" for header in missing),
            },
            sheet=worksheet.title,
        )
    sheet = Sheet(spec, worksheet.title, present)
    seen = set()
    for index, column in enumerate(keys):
        value = header_values[index]
        if column is None and not is_blank(value):
            typed = str(value).strip()
            sheet.warnings.append(
                RowError(worksheet.title, header_number, typed, "", _("Cột không có trong mẫu, được bỏ qua."))
            )
            sheet.fixes.append((values.EXTRA_COLUMN, header_number, typed, typed))
        elif column is not None and column.key in seen:
            raise WorkbookError(
                _("Trang “%(sheet)s” có hai cột “%(column)s”.") % {"sheet": worksheet.title, "column": column.header},
                sheet=worksheet.title,
            )
        elif column is not None:
            seen.add(column.key)
            if str(value) != column.header:
                sheet.fixes.append((values.HEADER, header_number, column.header, str(value)))
    order = [column.key for column in keys if column]
    if order != [column.key for column in spec.columns if column.key in present]:
        sheet.fixes.append((values.COLUMN_ORDER, header_number, "", ""))
    positions = [(index, column.key) for index, column in enumerate(keys) if column]
    limit = max_rows()
    for number, cells in enumerate(rows, start=header_number + 1):
        if not cells:  # a row missing from the file, filled in by openpyxl
            continue
        row = {key: (cells[index] if index < len(cells) else None) for index, key in positions}
        if all(is_blank(value) for value in row.values()):
            continue
        if number > limit:  # rows are streamed: memory stays bounded by the limit, whatever the sheet claims
            raise _too_many_rows(worksheet)
        sheet.rows.append((number, row))
    return sheet
