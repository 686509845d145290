"""What every workbook the app writes shares (the reports, the list of people, the import template).

Text stays text. The reports and the list of people are written with xlsxwriter (StreamingWorkbook,
write_safe_row / write_safe), which are given text as text whatever it begins with. The import template
is written with openpyxl (set_safe_value, safe_value), which stores any text beginning with "=" as a
formula: a name typed as '=HYPERLINK("http://...","x")' would become a live link or a calculation in
the file sent out; those helpers keep such text text, on a write-only sheet or a normal one.

Both kinds drop the characters XML 1.0 cannot hold (control characters, U+FFFE, U+FFFF, lone
surrogates): one of them stored in a name would make the whole workbook impossible to write."""

import datetime
from decimal import Decimal
from io import BytesIO

import xlsxwriter
from django.utils.functional import Promise
from openpyxl.cell import WriteOnlyCell

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
        return self.book.add_worksheet(name)

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

    The loop a whole province's return spends its time in: the common types go straight to xlsxwriter."""
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
