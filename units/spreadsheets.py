"""What every workbook the app writes shares (the reports, the list of people, the import template).

openpyxl stores any text beginning with "=" as a formula, so a name typed as
'=HYPERLINK("http://...","x")' would become a live link or a calculation in the file sent out. The
helpers below keep such text text, on a write-only sheet (Workbook(write_only=True)) or a normal one.

They also drop the characters XML 1.0 cannot hold (control characters, U+FFFE, U+FFFF, lone
surrogates): one of them stored in a name would make the whole workbook impossible to write.
"""

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
