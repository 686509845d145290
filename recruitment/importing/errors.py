"""What can go wrong in an import: a whole-file problem, or one cell of one row."""

import datetime
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _


class WorkbookError(Exception):
    """The file as a whole cannot be read: not .xlsx, too large, empty, wrong headers."""

    def __init__(self, message, *, sheet=""):
        super().__init__(message)
        self.message = str(message)
        self.sheet = sheet


def show_value(value):
    """A cell value the way the user typed or sees it, for error messages."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class RowError:
    sheet: str
    row: int | None  # the spreadsheet's row number, as Excel shows it
    column: str
    value: str
    message: str

    def as_dict(self):
        return asdict(self)

    def __str__(self):
        where = _("Trang “%(sheet)s”") % {"sheet": self.sheet} if self.sheet else _("Tệp")
        if self.row:
            where += _(", dòng %(row)d") % {"row": self.row}
        if self.column:
            where += _(", cột “%(column)s”") % {"column": self.column}
        if self.value != "":
            where += _(", giá trị “%(value)s”") % {"value": self.value}
        return f"{where}: {self.message}"


def cell_error(sheet, row, column, value, message):
    """The error of one cell of a sheet as workbook.py reads it (`column` None: of the row as a whole)."""
    return RowError(sheet.title, row, column.header if column else "", show_value(value), str(message))
