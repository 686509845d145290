"""General education as the party's forms write it: "grade/system".

Lý lịch 2-KNĐ and the member statistics record general education as the last grade finished over
the school system: "12/12" or "9/12" in today's twelve-year system, "10/10" or "7/10" in the old
ten-year one. People also write it in words ("Trung học phổ thông", "THCS", "Tốt nghiệp THPT"),
which are read as the grade that finishes that level. The Charter asks at least a lower-secondary
diploma (9/12, or 7/10 in the old system) unless an exception and its ground are recorded.
"""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from units.text import match_key

_GRADE = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*$")
SYSTEMS = (10, 12)


class Level(models.IntegerChoices):
    """The levels the statistics count general education by."""

    PRIMARY = 1, _("Tiểu học")
    LOWER_SECONDARY = 2, _("Trung học cơ sở")
    UPPER_SECONDARY = 3, _("Trung học phổ thông")


# The last grade of each level, per system: 5/9/12 in twelve years, 4/7/10 in ten.
_LEVEL_ENDS = {
    12: ((5, Level.PRIMARY), (9, Level.LOWER_SECONDARY), (12, Level.UPPER_SECONDARY)),
    10: ((4, Level.PRIMARY), (7, Level.LOWER_SECONDARY), (10, Level.UPPER_SECONDARY)),
}

# Words people write, by match_key (no case, diacritics, spaces or hyphens), as grade/system.
_WORDS = {
    **dict.fromkeys(
        (
            "trung học phổ thông",
            "thpt",
            "tốt nghiệp thpt",
            "tốt nghiệp trung học phổ thông",
            "cấp 3",
            "cấp iii",
            "phổ thông trung học",
            "ptth",
            "bổ túc thpt",
        ),
        "12/12",
    ),
    **dict.fromkeys(
        (
            "trung học cơ sở",
            "thcs",
            "tốt nghiệp thcs",
            "tốt nghiệp trung học cơ sở",
            "cấp 2",
            "cấp ii",
            "phổ thông cơ sở",
            "ptcs",
        ),
        "9/12",
    ),
    **dict.fromkeys(("tiểu học", "cấp 1", "cấp i", "tốt nghiệp tiểu học"), "5/12"),
}
WORDS = {match_key(word): grade for word, grade in _WORDS.items()}


class NotAGrade(ValueError):
    pass


def normalise(value):
    """ "12/12" for what was typed ("12 / 12", "Tốt nghiệp THPT", "THCS"); "" for a blank. Raises
    NotAGrade (a ValueError with a Vietnamese message) for anything else."""
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    match = _GRADE.match(text)
    if match:
        grade, system = int(match.group(1)), int(match.group(2))
        if system not in SYSTEMS or not 1 <= grade <= system:
            raise NotAGrade(_("Giáo dục phổ thông ghi lớp/hệ: 12/12, 9/12 (hệ 12 năm) hoặc 10/10, 7/10 (hệ 10 năm)."))
        return f"{grade}/{system}"
    grade = WORDS.get(match_key(text))
    if grade is None:
        raise NotAGrade(
            _("Không đọc được trình độ giáo dục phổ thông “%(value)s”: ghi lớp/hệ như 12/12, 9/12, 10/10, 7/10.")
            % {"value": text}
        )
    return grade


def level(value):
    """The Level a normalised "grade/system" reaches (None for a blank or a grade below primary's end)."""
    if not value:
        return None
    grade, system = (int(part) for part in value.split("/"))
    reached = None
    for last_grade, level_reached in _LEVEL_ENDS[system]:
        if grade >= last_grade:
            reached = level_reached
    return reached


def has_lower_secondary(value):
    """The Charter's minimum: 9/12, or 7/10 in the old system, or more."""
    reached = level(value)
    return reached is not None and reached >= Level.LOWER_SECONDARY
