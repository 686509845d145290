"""What every workbook the app writes shares (the reports, the list of people, the import template).

Text stays text. The reports and the list of people are written with xlsxwriter (StreamingWorkbook,
write_safe_row / write_safe), which are given text as text whatever it begins with. The import template
is written with openpyxl (set_safe_value, safe_value), which stores any text beginning with "=" as a
formula: a name typed as '=HYPERLINK("http://...","x")' would become a live link or a calculation in
the file sent out; those helpers keep such text text, on a write-only sheet or a normal one.

Both kinds drop the characters XML 1.0 cannot hold (control characters, U+FFFE, U+FFFF, lone
surrogates): one of them stored in a name would make the whole workbook impossible to write."""

import datetime
import math
from decimal import Decimal
from io import BytesIO

import xlsxwriter
from django.utils.functional import Promise
from openpyxl.cell import WriteOnlyCell
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from units.text import strip_xml_illegal

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def set_safe_value(cell, value):
    """Put `value` in `cell` (a cell of a normal sheet, or a WriteOnlyCell): a lazy translation as
    text, and text that openpyxl would take for a formula as text. Returns the cell."""
    value = str(value) if isinstance(value, Promise) else value
    cell.value = strip_xml_illegal(value) if isinstance(value, str) else value
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def safe_value(sheet, value):
    """`value` ready for `sheet.append([...])`, on a write-only sheet or a normal one: as it is, or a
    lazy translation as text, or text beginning with "=" in a cell of its own that keeps it text."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = strip_xml_illegal(value)
    if isinstance(value, str) and value.startswith("="):
        return set_safe_value(WriteOnlyCell(sheet), value)
    return value


# --- Writing with xlsxwriter ------------------------------------------------------------------------
#
# The reports and the list of people are written with xlsxwriter in constant-memory mode: each row is
# written out to a temporary file as soon as the next one starts, and a cell costs about half what it
# did with openpyxl's writer. Reading workbooks stays with openpyxl.

DATE_TYPES = (datetime.date, datetime.time, datetime.timedelta)  # datetime.datetime is a date
# Where a date is written into a cell that was given no date format.
DEFAULT_DATE_FORMAT = "DD/MM/YYYY"

XLSXWRITER_OPTIONS = {
    "constant_memory": True,
    # Text is text: never turned into a formula, a number or a link (write_safe writes it as text anyway).
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": True,  # a NaN or an infinity becomes #NUM!/#DIV/0! instead of a broken file
    "remove_timezone": True,
    "default_date_format": DEFAULT_DATE_FORMAT,
}


class RowWorksheet(Worksheet):
    """An xlsxwriter worksheet that can write a whole row of plain cells at once (`write_plain_row`).

    In constant-memory mode xlsxwriter keeps each cell of the current row as an object, then writes it
    out through generic code (escaping by regular expressions, one attribute list per cell): about 15 µs
    a cell, most of a province's return (~100,000 cells). A row of plain cells (printable text, numbers,
    dates, empty) is written here as the same XML xlsxwriter writes for it, in one string; anything else
    (a row xlsxwriter would write differently: control characters, "_xHHHH_" escapes, a cell without a
    format, a row with its own settings) is left to xlsxwriter, cell by cell, as before.
    tests/reports/test_xlsx_writer.py checks the XML is byte for byte what xlsxwriter writes."""

    _column_names = [xl_col_to_name(column) for column in range(64)]

    def write_plain_row(self, row, values, cell_formats, date_format=None):
        """Write `values` (0-based `row`, from column A) with `cell_formats` (one per value); `date_format`
        as in write_safe_row. True when written, False (nothing of this row written) when xlsxwriter
        should write it."""
        if (
            not self.constant_memory
            or row <= self.previous_row  # the first row, or one already passed: xlsxwriter's rules
            or row in self.row_info
            or row in self.comments
            or not 0 < len(values) <= len(self._column_names)
            or row >= self.xls_rowmax
        ):
            return False
        # The row before goes out first, as xlsxwriter does when a later row starts: formats are
        # numbered in the order cells are written out, so the styles come out the same.
        self._write_single_row(row)
        number = str(row + 1)
        names = self._column_names
        cells = []
        append = cells.append
        for column, value in enumerate(values):
            kind = type(value)
            cell_format = cell_formats[column]
            if kind is str:
                # Printable text: no control character for xlsxwriter to escape, and the only
                # whitespace a space; "_x" and "<r>" are escapes and rich text to xlsxwriter.
                if (
                    cell_format is None
                    or len(value) > self.xls_strmax // 2  # xlsxwriter may cut it at 32,767 UTF-16 units
                    or not value.isprintable()
                    or "_x" in value
                    or value.startswith("<r>")
                ):
                    return False
                if "&" in value or "<" in value or ">" in value:
                    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                space = ' xml:space="preserve"' if value[:1] == " " or value[-1:] == " " else ""
                append(
                    f'<c r="{names[column]}{number}" s="{cell_format._get_xf_index()}" t="inlineStr">'
                    f"<is><t{space}>{value}</t></is></c>"
                )
            elif kind is int or (kind is float and math.isfinite(value)):
                if cell_format is None:
                    return False
                append(f'<c r="{names[column]}{number}" s="{cell_format._get_xf_index()}"><v>{value:.16G}</v></c>')
            elif value is None:
                if cell_format is None:
                    return False  # xlsxwriter leaves such a cell out
                append(f'<c r="{names[column]}{number}" s="{cell_format._get_xf_index()}"/>')
            elif kind in (datetime.date, datetime.datetime):
                if date_format is not None:
                    cell_format = date_format(column, value)
                if cell_format is None:
                    return False
                serial = self._convert_date_time(value)
                append(f'<c r="{names[column]}{number}" s="{cell_format._get_xf_index()}"><v>{serial:.16G}</v></c>')
            else:
                return False
        self._check_dimensions(row, 0)
        self._check_dimensions(row, len(values) - 1)
        self._write_row(row, None)
        self.fh.write("".join(cells))
        self._xml_end_tag("row")
        return True


class StreamingWorkbook:
    """A workbook written once, row by row, with xlsxwriter in constant-memory mode.

    Rows of a sheet are written in order (a row number already passed cannot be written again), and
    the workbook is saved once: `getvalue()` closes it and keeps its bytes; `save(path_or_file)`
    writes those bytes. Formats are made once per set of properties (`cell_format`)."""

    def __init__(self, *, title=""):
        self._buffer = BytesIO()
        self.book = xlsxwriter.Workbook(self._buffer, XLSXWRITER_OPTIONS)
        self.title = title
        self._formats = {}
        self._bytes = None

    def add_worksheet(self, name):
        return self.book.add_worksheet(name, worksheet_class=RowWorksheet)

    def cell_format(self, **properties):
        """The xlsxwriter Format with these properties (one object per distinct set)."""
        key = tuple(sorted(properties.items()))
        cell_format = self._formats.get(key)
        if cell_format is None:
            cell_format = self._formats[key] = self.book.add_format(properties)
        return cell_format

    def getvalue(self):
        if self._bytes is None:
            if self.title:
                self.book.set_properties({"title": strip_xml_illegal(str(self.title))})
            self.book.close()
            self._bytes = self._buffer.getvalue()
            self._buffer = None
        return self._bytes

    def save(self, target):
        """Write the workbook to a path or a file-like object (an HttpResponse, a BytesIO)."""
        data = self.getvalue()
        if hasattr(target, "write"):
            target.write(data)
        else:
            with open(target, "wb") as out:
                out.write(data)


def write_safe(worksheet, row, column, value, cell_format=None):
    """Write `value` at (row, column) of an xlsxwriter worksheet (0-based): text as text (never a
    formula, without the characters XML cannot hold), a lazy translation as text, numbers as numbers,
    dates as dates (`cell_format` should then carry a date format; without one the workbook's default
    DD/MM/YYYY), None as an empty cell that keeps its format."""
    if isinstance(value, str):
        return worksheet.write_string(row, column, strip_xml_illegal(value), cell_format)
    if value is None:
        return worksheet.write_blank(row, column, None, cell_format)
    if isinstance(value, bool):
        return worksheet.write_boolean(row, column, value, cell_format)
    if isinstance(value, (int, float, Decimal)):
        return worksheet.write_number(row, column, value, cell_format)
    if isinstance(value, DATE_TYPES):
        return worksheet.write_datetime(row, column, value, cell_format)
    # A lazy translation, or anything else: its text.
    return worksheet.write_string(row, column, strip_xml_illegal(str(value)), cell_format)


def write_safe_row(worksheet, row, values, cell_formats, date_format=None):
    """Write `values` across row `row` (0-based) from the first column, each by write_safe's rules
    with its format from `cell_formats`. `date_format(column, value)`, when given, chooses the format
    of each date (so a date in a column whose format shows no date still shows as one).

    The loop a whole province's return spends its time in: a row of plain cells on a RowWorksheet is
    written in one go; otherwise the common types go straight to xlsxwriter."""
    write_plain_row = getattr(worksheet, "write_plain_row", None)
    if write_plain_row is not None and write_plain_row(row, values, cell_formats, date_format):
        return
    write_string = worksheet.write_string
    write_number = worksheet.write_number
    for column, value in enumerate(values):
        kind = type(value)
        if kind is str:
            # Every character XML cannot hold is unprintable (a control character, a surrogate,
            # U+FFFE/U+FFFF), so printable text (nearly all of it) skips the search.
            write_string(row, column, value if value.isprintable() else strip_xml_illegal(value), cell_formats[column])
        elif kind is int or kind is float:
            write_number(row, column, value, cell_formats[column])
        elif date_format is not None and isinstance(value, DATE_TYPES):
            write_safe(worksheet, row, column, value, date_format(column, value))
        else:
            write_safe(worksheet, row, column, value, cell_formats[column])
