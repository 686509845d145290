"""What the check found, kept for the preview page: each correction made to read what people typed,
and the first rows of each sheet with what they do (created, updated with old -> new, unchanged).

The checks fill a Preview as they go; `as_dict()` is what WorkbookImport.preview stores, so the page
shows it without reading the file again:

    {
      "fixes": [{"key": "date_text", "count": 12,
                 "examples": [{"sheet": "Quần chúng", "row": 5, "column": "Ngày sinh",
                               "typed": "15/3/2022", "read": "15/03/2022"}, ...]}, ...],
      "sheets": [{"key": "people", "title": "Quần chúng", "total": 20000,
                  "kinds": {"created": 4000, "updated": 15990, "unchanged": 0, "error": 10},
                  "rows": [{"row": 2, "kind": "updated", "label": "Nguyễn Văn An · A1-1",
                            "changes": [["Ngày sinh", "15/03/1995", "16/03/1995"], ...],
                            "notes": ["..."]}, ...]}, ...]
    }

`rows` holds the first PREVIEW_ROWS rows of the sheet (all kinds); `kinds` counts every row. The sheet
"Sắp xếp tổ chức" keeps instead its first PREVIEW_EVENTS events in date order, each row with "codes"
and "event" (what the event does: units.reorganisation.Plan.as_dict). A created
row's changes have None as their old value. Values are shown as people read them: labels of fixed
values, dates as dd/mm/yyyy, "Có"/"Không", citizen IDs masked as in the history.
"""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.formatting import mask_citizen_id, vn_int

from . import values
from .errors import show_value

PREVIEW_ROWS = 200  # rows of each sheet kept for the page
PREVIEW_EVENTS = 100  # events of the sheet "Sắp xếp tổ chức" kept for the page, in date order
EVENT_ITEMS = 5  # items of each list of an event kept (units moved, targets, accounts...)
FIX_EXAMPLES = 3  # examples kept of each kind of correction

CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"
KINDS = (CREATED, UPDATED, UNCHANGED, ERROR)
KIND_LABELS = {
    CREATED: gettext_lazy("Tạo mới"),
    UPDATED: gettext_lazy("Cập nhật"),
    UNCHANGED: gettext_lazy("Không đổi"),
    ERROR: gettext_lazy("Có lỗi"),
}

# Each correction as the preview and the command say it, after its count: "12 ngày viết dạng chữ ...".
FIX_LABELS = {
    values.DATE_TEXT: gettext_lazy("ngày viết dạng chữ (15/3/2022, 15-03-2022) đã được đọc"),
    values.YES_NO: gettext_lazy("ô Có/Không viết cách khác (x, 1, co, khong) đã được đọc"),
    values.SPACES: gettext_lazy("tên hoặc chữ có dấu cách thừa (đầu, cuối, hai dấu cách liền) đã được sửa"),
    values.CODE_SPACES: gettext_lazy("mã đơn vị có dấu cách thừa đã được bỏ dấu cách"),
    values.SPELLING: gettext_lazy(
        "giá trị danh mục viết khác mẫu (hoa thường, không dấu, “Khơ Mú” / “Khơ-mú”) đã được nhận ra"
    ),
    values.EDUCATION_DATE: gettext_lazy(
        "ô giáo dục phổ thông bị Excel đổi thành ngày (12/12 thành ngày 12 tháng 12) đã được đọc lại thành lớp/hệ"
    ),
    values.EDUCATION_WORDS: gettext_lazy("giáo dục phổ thông ghi bằng chữ (THPT, THCS…) đã được đổi sang lớp/hệ"),
    values.CITIZEN_ID: gettext_lazy(
        "số CCCD nhập dạng số (mất số 0 đầu) hoặc có dấu cách, dấu chấm đã được đọc lại đủ 12 chữ số"
    ),
    values.NUMBER_TEXT: gettext_lazy("số viết dạng chữ (“1.200”) đã được đọc"),
    values.HEADER: gettext_lazy("tiêu đề cột viết khác mẫu (hoa thường, không dấu, dấu cách) đã được nhận ra"),
    values.COLUMN_ORDER: gettext_lazy("trang có cột xếp khác thứ tự mẫu, đã được đọc theo tiêu đề"),
    values.EXTRA_COLUMN: gettext_lazy("cột không có trong mẫu đã được bỏ qua"),
}
MASKED_COLUMNS = {"citizen_id"}


def show(value):
    """A value as people read it: dd/mm/yyyy, Có/Không, a reference entry's name; "" for a blank."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return vn_int(value)  # 1.250, as the reports write numbers
    return str(value)


class Fixes:
    """How many cells of each kind had to be corrected to be read, with the first few as examples."""

    def __init__(self):
        self.counts = {}
        self.examples = {}

    def add(self, kind, sheet, row, column, typed, read, *, masked=False):
        """`typed` and `read` are shown only for the first examples: pass values, or callables."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        examples = self.examples.setdefault(kind, [])
        if len(examples) < FIX_EXAMPLES:
            typed = typed() if callable(typed) else typed
            if kind in (values.SPACES, values.CODE_SPACES) and isinstance(typed, str):
                typed = typed.replace(" ", "␣")  # the spaces that were dropped, visible on the page
            else:
                typed = show_value(typed)  # as typed: 1095001234, not 1.095.001.234
            read = show(read() if callable(read) else read)
            if masked:
                typed, read = mask_citizen_id(typed), mask_citizen_id(read)
            examples.append({"sheet": sheet, "row": row, "column": column, "typed": typed, "read": read})

    def as_list(self):
        return [
            {"key": kind, "count": self.counts[kind], "examples": self.examples.get(kind, [])}
            for kind in values.FIXES
            if self.counts.get(kind)
        ]


class SheetPreview:
    """One sheet's rows: what each does, and the details of the first PREVIEW_ROWS."""

    def __init__(self, sheet):
        self.key = sheet.spec.key
        self.title = sheet.title
        self.total = len(sheet.rows)
        self.first = [number for number, _raw in sheet.rows[:PREVIEW_ROWS]]
        self._shown = set(self.first)
        self.kind_of = {}  # row number -> kind, for every row
        self.entries = {}  # row number -> entry, for the first rows

    def shows(self, number):
        """Whether the row's details are kept: compute old -> new only when they are."""
        return number in self._shown

    def row(self, number, kind, label, changes=(), notes=()):
        self.kind_of[number] = kind
        if number in self._shown:
            self.entries[number] = {
                "row": number,
                "kind": kind,
                "label": label,
                "changes": [list(change) for change in changes],
                "notes": [str(note) for note in notes],
            }

    def change(self, number, column, old, new):
        """One more change of a row already recorded (a unit's member count, checked after the units
        are written): an unchanged row becomes an update."""
        if self.kind_of.get(number) == UNCHANGED:
            self.kind_of[number] = UPDATED
        entry = self.entries.get(number)
        if entry is not None:
            if entry["kind"] == UNCHANGED:
                entry["kind"] = UPDATED
            entry["changes"].append([column, old, new])

    def as_dict(self, error_rows):
        kinds = dict.fromkeys(KINDS, 0)
        for number, kind in self.kind_of.items():
            if number not in error_rows:
                kinds[kind] += 1
        kinds[ERROR] = len(error_rows)
        rows = []
        for number in self.first:
            if number in error_rows:
                rows.append({"row": number, "kind": ERROR, "label": "", "changes": [], "notes": error_rows[number]})
            elif number in self.entries:
                rows.append(self.entries[number])
        return {"key": self.key, "title": self.title, "total": self.total, "kinds": kinds, "rows": rows}


class EventSheetPreview(SheetPreview):
    """The sheet "Sắp xếp tổ chức": its events in the order they take effect (by date, as they are
    applied, not in the sheet's order), each with what its service's plan does (units.reorganisation.
    Plan.as_dict, its lists cut to EVENT_ITEMS); the first PREVIEW_EVENTS are kept. An entry adds to
    a row's: "codes" (the units as the sheet names them) and "event" (the plan; None for an event
    recorded already, or refused)."""

    def __init__(self, sheet):
        super().__init__(sheet)
        self.first, self._shown = [], set()  # filled as the events are applied

    def event(self, number, kind, label, codes, plan=None):
        if number not in self._shown and len(self.first) < PREVIEW_EVENTS:
            self.first.append(number)
            self._shown.add(number)
        self.row(number, kind, label)
        if number in self.entries:
            self.entries[number].update(codes=codes, event=plan.as_dict(limit=EVENT_ITEMS) if plan else None)

    def as_dict(self, error_rows):
        shown = super().as_dict(error_rows)
        for entry in shown["rows"]:
            recorded = self.entries.get(entry["row"])
            if recorded is not None and entry is not recorded:  # refused: what it was, with why
                entry.update(label=recorded["label"], codes=recorded["codes"], event=None)
        return shown


class Preview:
    def __init__(self):
        self.sheets = {}  # spec key -> SheetPreview, in the order the sheets are checked

    def of(self, sheet, factory=SheetPreview):
        if sheet.spec.key not in self.sheets:
            self.sheets[sheet.spec.key] = factory(sheet)
        return self.sheets[sheet.spec.key]

    def as_dict(self, errors, fixes):
        by_sheet = {}
        for error in errors:
            if error.row:
                messages = by_sheet.setdefault(error.sheet, {}).setdefault(error.row, [])
                messages.append(f"{error.column}: {error.message}" if error.column else error.message)
        return {
            "fixes": fixes.as_list(),
            "sheets": [sheet.as_dict(by_sheet.get(sheet.title, {})) for sheet in self.sheets.values()],
        }
