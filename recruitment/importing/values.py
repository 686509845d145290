"""Cell values as people type them: Excel dates or dd/mm/yyyy text, "Có"/"x", fixed values without
diacritics, citizen IDs typed as numbers. Each parser returns the value or raises ValueError(message)."""

import datetime
import re

from django.utils.translation import gettext as _

from units.text import match_key

from .. import education

_DATE_TEXT = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TERM = re.compile(r"^(\d{4})\s*[-–—‐]\s*(\d{4})$")
_TRUE = {match_key(word) for word in ("có", "x", "yes", "true", "1", "đúng", "là đoàn viên")}
_FALSE = {match_key(word) for word in ("không", "no", "false", "0", "")}


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def text(value):
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def date(value):
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        typed = value.strip()
        match = _DATE_TEXT.match(typed)
        if match:
            day, month, year = (int(part) for part in match.groups())
        else:
            match = _ISO_DATE.match(typed)
            if not match:
                raise ValueError(_("Ngày phải có dạng ngày/tháng/năm, ví dụ 25/03/1995."))
            year, month, day = (int(part) for part in match.groups())
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise ValueError(_("Ngày không có thật trên lịch.")) from None
    raise ValueError(_("Ngày phải có dạng ngày/tháng/năm, ví dụ 25/03/1995."))


def boolean(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    key = match_key(text(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(_("Chỉ ghi “Có” hoặc “Không” (hoặc “x” / để trống)."))


def whole_number(value, *, minimum=0):
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(_("Phải là một số nguyên."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        typed = value.strip().replace(".", "").replace(",", "").replace(" ", "")
        if not typed.lstrip("-").isdigit():
            raise ValueError(_("Phải là một số nguyên."))
        value = int(typed)
    if not isinstance(value, int):
        raise ValueError(_("Phải là một số nguyên."))
    if value < minimum:
        raise ValueError(_("Không được nhỏ hơn %(minimum)d.") % {"minimum": minimum})
    return value


def citizen_id(value):
    """12 digits; a number loses its leading zero in Excel, so short numbers are padded back."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        digits = str(value)
        if len(digits) <= 12:
            digits = digits.zfill(12)
    else:
        digits = str(value).strip().replace(" ", "").replace(".", "")
    if not (len(digits) == 12 and digits.isdigit()):
        raise ValueError(_("Số CCCD gồm đúng 12 chữ số."))
    return digits


def period(value):
    """A year (2017) or a term (2020-2025, hyphen or en dash): returns (year, None) or (None, (start, end))."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if 1945 <= value <= 2100:
            return value, None
        raise ValueError(_("Năm phải trong khoảng 1945–2100."))
    typed = text(value)
    if typed.isdigit():
        return period(int(typed))
    match = _TERM.match(typed)
    if match:
        start, end = int(match.group(1)), int(match.group(2))
        if not 1945 <= start < end <= 2100:
            raise ValueError(_("Nhiệm kỳ phải có năm bắt đầu trước năm kết thúc, ví dụ 2020-2025."))
        return None, (start, end)
    raise ValueError(_("Kỳ là một năm (2017) hoặc một nhiệm kỳ (2020-2025)."))


def choice_key(typed):
    """match_key, also ignoring punctuation: "xa phuong thi tran" == "Xã, phường, thị trấn"."""
    return re.sub(r"[\W_]", "", match_key(typed))


class Choices:
    """Match typed text against the labels (and values) of a TextChoices, ignoring case, diacritics,
    spaces and hyphens."""

    def __init__(self, choices, aliases=None):
        self.choices = choices
        self.by_key = {}
        for member in choices:
            self.by_key[choice_key(str(member.label))] = member.value
            self.by_key[choice_key(member.value)] = member.value
        for alias, member in (aliases or {}).items():
            self.by_key[choice_key(alias)] = member.value

    def __call__(self, value):
        if is_blank(value):
            return ""
        found = self.by_key.get(choice_key(text(value)))
        if found is None:
            raise ValueError(
                _("Không nằm trong danh sách: %(allowed)s.")
                % {"allowed": ", ".join(str(member.label) for member in self.choices)}
            )
        return found

    @property
    def labels(self):
        return [str(member.label) for member in self.choices]


def general_education(value):
    """General education as "grade/system" ("12/12", "9/12", "7/10"), or the words for a level."""
    if is_blank(value):
        return ""
    if isinstance(value, datetime.date):
        # Excel turns "12/12" or "9/12" typed into a cell into a date (12 or 9 December); Vietnamese
        # Excel reads day/month, an English one month/day: the system is whichever part is 10 or 12.
        day, month = value.day, value.month
        for grade, system in ((day, month), (month, day)):
            if system in education.SYSTEMS and 1 <= grade <= system:
                return f"{grade}/{system}"
        raise ValueError(_("Giáo dục phổ thông ghi dạng chữ lớp/hệ, ví dụ 12/12 (định dạng ô là Văn bản)."))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # "12/12" typed into a cell Excel formats as a date or a fraction reaches us as a number.
        raise ValueError(_("Giáo dục phổ thông ghi dạng chữ lớp/hệ, ví dụ 12/12 (định dạng ô là Văn bản)."))
    try:
        return education.normalise(value)
    except education.NotAGrade as error:
        raise ValueError(str(error)) from None
