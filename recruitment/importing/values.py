"""Cell values as people type them: Excel dates or dd/mm/yyyy text, "Có"/"x", fixed values without
diacritics, citizen IDs typed as numbers, general education that Excel turned into a date.

Each reader returns `(value, fix)`: the value read, and the key of the correction it had to make to
read it (one of FIXES), or None when the cell was written as the template writes it. A cell it cannot
read raises ValueError(message). The corrections are counted and shown in the preview: nothing typed
is corrected silently.
"""

import datetime
import re

from django.utils import translation
from django.utils.translation import gettext as _

from units.text import match_key

from .. import education

# What a reader may have had to correct, in the order the preview lists them.
DATE_TEXT = "date_text"  # a date typed as text: 15/3/2022, 15-03-2022, 2022-03-15
YES_NO = "yes_no"  # yes/no written "x", "1", "co", "TRUE" ... rather than "Có" / "Không"
SPACES = "spaces"  # a name or text with spaces before, after or doubled
CODE_SPACES = "code_spaces"  # a unit code with spaces around or inside it
SPELLING = "spelling"  # a listed value spelled another way: "Khơ Mú" for "Khơ-mú", "nu" for "Nữ"
EDUCATION_DATE = "education_date"  # "12/12" turned into 12 December by Excel
EDUCATION_WORDS = "education_words"  # "Tốt nghiệp THPT", "12 / 12" written for 12/12
CITIZEN_ID = "citizen_id"  # typed as a number (its leading zero lost) or with spaces or dots
NUMBER_TEXT = "number_text"  # a number typed as text: "1.200"
HEADER = "header"  # a column header in another case, without diacritics or with other spacing
COLUMN_ORDER = "column_order"  # a sheet's columns in another order than the template's
EXTRA_COLUMN = "extra_column"  # a column the template does not have, left out
FIXES = (
    DATE_TEXT,
    YES_NO,
    SPACES,
    CODE_SPACES,
    SPELLING,
    EDUCATION_DATE,
    EDUCATION_WORDS,
    CITIZEN_ID,
    NUMBER_TEXT,
    HEADER,
    COLUMN_ORDER,
    EXTRA_COLUMN,
)

_DATE_TEXT = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TERM = re.compile(r"^(\d{4})\s*[-–—‐]\s*(\d{4})$")
_GRADE = re.compile(r"^\s*\d{1,2}\s*/\s*\d{1,2}\s*$")
_TRUE = {match_key(word) for word in ("có", "x", "yes", "true", "1", "đúng", "là đoàn viên")}
_FALSE = {match_key(word) for word in ("không", "no", "false", "0", "")}
# Yes/no as the template's drop-down writes them: anything else is a correction.
YES, NO = "Có", "Không"


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def text(value):
    """Text with single spaces: "  Nguyễn  Văn An " -> "Nguyễn Văn An" (a SPACES correction)."""
    if is_blank(value):
        return "", None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, str):
        return str(value), None
    tidy = " ".join(value.split())
    return tidy, (SPACES if tidy != value else None)


def code(value):
    """A unit code: as text, the spaces around or doubled inside it dropped (a CODE_SPACES correction)."""
    value, fix = text(value)
    return value, (CODE_SPACES if fix else None)


def _tidy(value):
    """The text of a cell for matching, whatever its type."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def date(value):
    if is_blank(value):
        return None, None
    if isinstance(value, datetime.datetime):
        return value.date(), None
    if isinstance(value, datetime.date):
        return value, None
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
            return datetime.date(year, month, day), DATE_TEXT
        except ValueError:
            raise ValueError(_("Ngày không có thật trên lịch.")) from None
    raise ValueError(_("Ngày phải có dạng ngày/tháng/năm, ví dụ 25/03/1995."))


def boolean(value):
    """ "Có" / "Không" / blank as the drop-down writes them; "x", "1", "co", TRUE ... also read (YES_NO)."""
    if is_blank(value):
        return False, None
    if isinstance(value, bool):
        return value, YES_NO
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value), YES_NO
    if value == YES or value == NO:
        return value == YES, None
    key = match_key(_tidy(value))
    if key in _TRUE:
        return True, YES_NO
    if key in _FALSE:
        return False, YES_NO
    raise ValueError(_("Chỉ ghi “Có” hoặc “Không” (hoặc “x” / để trống)."))


def whole_number(value, *, minimum=0):
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        raise ValueError(_("Phải là một số nguyên."))
    fix = None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        typed = value.strip().replace(".", "").replace(",", "").replace(" ", "")
        if not typed.lstrip("-").isdigit():
            raise ValueError(_("Phải là một số nguyên."))
        value, fix = int(typed), NUMBER_TEXT
    if not isinstance(value, int):
        raise ValueError(_("Phải là một số nguyên."))
    if value < minimum:
        raise ValueError(_("Không được nhỏ hơn %(minimum)d.") % {"minimum": minimum})
    return value, fix


def citizen_id(value):
    """12 digits; a number loses its leading zero in Excel, so short numbers are padded back."""
    if is_blank(value):
        return None, None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        digits = str(value)
        if len(digits) <= 12:
            digits = digits.zfill(12)
        fix = CITIZEN_ID
    else:
        typed = str(value)
        digits = typed.strip().replace(" ", "").replace(".", "")
        fix = CITIZEN_ID if digits != typed else None
    if not (len(digits) == 12 and digits.isdigit()):
        raise ValueError(_("Số CCCD gồm đúng 12 chữ số."))
    return digits, fix


def period(value):
    """A year (2017) or a term (2020-2025, hyphen or en dash): returns ((year, None) or (None, (start, end)), fix)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if 1945 <= value <= 2100:
            return (value, None), None
        raise ValueError(_("Năm phải trong khoảng 1945–2100."))
    typed, _fix = text(value)
    if typed.isdigit():
        return period(int(typed))
    match = _TERM.match(typed)
    if match:
        start, end = int(match.group(1)), int(match.group(2))
        if not 1945 <= start < end <= 2100:
            raise ValueError(_("Nhiệm kỳ phải có năm bắt đầu trước năm kết thúc, ví dụ 2020-2025."))
        return (None, (start, end)), None
    raise ValueError(_("Kỳ là một năm (2017) hoặc một nhiệm kỳ (2020-2025)."))


def choice_key(typed):
    """match_key, also ignoring punctuation: "xa phuong thi tran" == "Xã, phường, thị trấn"."""
    return re.sub(r"[\W_]", "", match_key(typed))


class Choices:
    """Match typed text against the labels (and values) of a TextChoices, ignoring case, diacritics,
    spaces and hyphens. Anything but a label itself (Vietnamese, or the interface's language) is a
    SPELLING correction."""

    def __init__(self, choices, aliases=None):
        self.choices = choices
        self.by_key = {}
        self._exact = {}  # language -> the labels as written
        for member in choices:
            self.by_key[choice_key(str(member.label))] = member.value
            self.by_key[choice_key(member.value)] = member.value
        for alias, member in (aliases or {}).items():
            self.by_key[choice_key(alias)] = member.value

    def __call__(self, value):
        if is_blank(value):
            return "", None
        found = self.by_key.get(choice_key(_tidy(value)))
        if found is None:
            raise ValueError(
                _("Không nằm trong danh sách: %(allowed)s.")
                % {"allowed": ", ".join(str(member.label) for member in self.choices)}
            )
        return found, (None if value in self.exact_labels() else SPELLING)

    def exact_labels(self):
        language = translation.get_language()
        if language not in self._exact:
            with translation.override("vi"):
                labels = {str(member.label) for member in self.choices}
            self._exact[language] = labels | set(self.labels)
        return self._exact[language]

    @property
    def labels(self):
        return [str(member.label) for member in self.choices]


def general_education(value):
    """General education as "grade/system" ("12/12", "9/12", "7/10"), or the words for a level."""
    if is_blank(value):
        return "", None
    if isinstance(value, datetime.date):
        # Excel turns "12/12" or "9/12" typed into a cell into a date (12 or 9 December); Vietnamese
        # Excel reads day/month, an English one month/day: the system is whichever part is 10 or 12
        # (never ambiguous: the other reading has a grade above its system).
        day, month = value.day, value.month
        for grade, system in ((day, month), (month, day)):
            if system in education.SYSTEMS and 1 <= grade <= system:
                return f"{grade}/{system}", EDUCATION_DATE
        raise ValueError(_("Giáo dục phổ thông ghi dạng chữ lớp/hệ, ví dụ 12/12 (định dạng ô là Văn bản)."))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # "12/12" typed into a cell Excel formats as a fraction reaches us as a number.
        raise ValueError(_("Giáo dục phổ thông ghi dạng chữ lớp/hệ, ví dụ 12/12 (định dạng ô là Văn bản)."))
    try:
        grade = education.normalise(value)
    except education.NotAGrade as error:
        raise ValueError(str(error)) from None
    if grade == value:
        return grade, None
    return grade, (SPACES if _GRADE.match(str(value)) else EDUCATION_WORDS)
