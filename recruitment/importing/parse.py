"""Parsing: the cells of each row turned into Python values, sheet by sheet.

values.py reads one cell as people type it; this module gives each column of a sheet its reader,
refuses a blank in a required column and a cell holding a character XML cannot hold
(units.text.xml_illegal: it would break every Excel file written from the data), and records every bad cell as an error naming its sheet, row,
column and value; each correction a reader needed to read a cell (a date typed as text, "Khơ Mú" for
"Khơ-mú") is counted, so nothing is corrected silently. A row keeps BAD where a cell could not be
read, so the checks can leave it out and still tell the rows that depend on it why they fail. Nothing
is looked up in the database here but the two reference lists (ethnicities, religions) that people's
cells are read against.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from units.models import GrassrootsType, UnitKind
from units.text import match_key, strip_xml_illegal, xml_illegal

from ..models import (
    Ethnicity,
    FormerExit,
    Gender,
    Occupation,
    PoliticalTheory,
    ProfessionalEducation,
    Religion,
)
from ..pipeline import IntroducingOrganisation
from ..reference_data import MAJORITY_ETHNICITY
from . import values
from .errors import cell_error
from .workbook import PEOPLE

# What people write for the organisation that introduces, beside the labels.
INTRODUCING_ALIASES = {
    "Đoàn": IntroducingOrganisation.YOUTH_UNION,
    "Đoàn thanh niên": IntroducingOrganisation.YOUTH_UNION,
    "Đoàn TNCS Hồ Chí Minh": IntroducingOrganisation.YOUTH_UNION,
    "Đoàn cơ sở": IntroducingOrganisation.YOUTH_UNION,
    "Công đoàn": IntroducingOrganisation.TRADE_UNION,
    "Công đoàn cơ sở": IntroducingOrganisation.TRADE_UNION,
}

BAD = object()  # a cell that could not be read; its error is already recorded


@dataclass
class Row:
    number: int  # the spreadsheet's row number, as Excel shows it
    raw: dict  # {column key: the cell as read}, for error messages
    values: dict  # {column key: the parsed value, or BAD}
    ok: bool  # no BAD among the values


# {column key: (reader, required)}, in the order a row's errors are listed.
UNIT_COLUMNS = {
    "code": (values.code, True),
    "name": (values.text, True),
    "kind": (values.Choices(UnitKind), True),
    "parent": (values.code, False),
    "grassroots_type": (values.Choices(GrassrootsType), False),
    "members": (values.whole_number, False),
}
TARGET_COLUMNS = {
    "code": (values.code, True),
    "period": (values.period, True),
    "admissions": (values.whole_number, True),
}
PEOPLE_DATE_COLUMNS = (
    "date_of_birth",
    "listed_on",
    "course_date",
    "application_date",
    "resolution_date",
    "decision_date",
    "ceremony_date",
    "new_member_course_date",
    "recognition_date",
    "former_admission_date",
    "former_official_date",
    "former_exit_date",
)
PEOPLE_TEXT_COLUMNS = (
    "full_name",
    "education_exception",
    "mentor_name",
    "course_certificate_no",
    "introducer_1",
    "introducer_2",
    "age_exception",
    "decision_no",
    "decision_issuer",
    "recognition_no",
)


def parse_rows(sheet, columns, errors, fixes):
    """Every row of `sheet`, each of `columns` read; a bad cell's error is appended to `errors`, and
    each correction made to read a cell is counted in `fixes` (preview.Fixes)."""
    for kind, number, column, typed in sheet.fixes:  # the header row's: read by workbook.py
        fixes.add(kind, sheet.title, number, column, typed, typed)
    readers = [(key, reader, required, sheet.spec.column(key)) for key, (reader, required) in columns.items()]
    blanks = {key: _blank(reader) for key, reader, required, _column in readers if not required}
    rows = []
    for number, raw in sheet.rows:
        parsed = {}
        ok = True
        for key, reader, required, column in readers:
            value = raw.get(key)
            if value is None or value == "":  # the usual blank, without a call
                if required:
                    errors.append(cell_error(sheet, number, column, "", _("Cột này là bắt buộc.")))
                    parsed[key], ok = BAD, False
                else:
                    parsed[key] = blanks[key]
                continue
            illegal = xml_illegal(value)
            if illegal:
                errors.append(cell_error(sheet, number, column, strip_xml_illegal(value), _illegal_message(illegal)))
                parsed[key], ok = BAD, False
                continue
            try:
                parsed[key], fix = reader(value)
            except ValueError as error:
                errors.append(cell_error(sheet, number, column, value, str(error)))
                parsed[key], ok = BAD, False
                continue
            if fix is not None:
                _fixed(fixes, fix, sheet, number, column, reader, value, parsed[key])
            elif required and values.is_blank(value):
                errors.append(cell_error(sheet, number, column, "", _("Cột này là bắt buộc.")))
                parsed[key], ok = BAD, False
        rows.append(Row(number, raw, parsed, ok))
    return rows


def _illegal_message(illegal):
    """Why a cell holding characters XML cannot hold (control characters, U+FFFE, U+FFFF, a lone
    surrogate) is refused: stored, they would break every Excel file the app writes."""
    codes = ", ".join(dict.fromkeys(f"U+{ord(char):04X}" for char in illegal))
    return _(
        "Ô có ký tự không hợp lệ (%(codes)s: ký tự điều khiển hoặc ký tự không dùng được) mà tệp Excel không chứa "
        "được; hãy xóa ký tự đó rồi nhập lại."
    ) % {"codes": codes}


def _blank(reader):
    """What `reader` makes of an empty cell."""
    return reader(None)[0]


def _fixed(fixes, fix, sheet, number, column, reader, typed, read):
    if isinstance(reader, values.Choices):
        shown = lambda: reader.choices(read).label  # noqa: E731 (only the first examples are shown)
    else:
        shown = read
    fixes.add(fix, sheet.title, number, column.header, typed, shown, masked=column.key in MASKED)


MASKED = {"citizen_id"}  # shown as in the history: the last four digits


class PeopleColumns:
    """The readers of the people sheet; ethnicities and religions are read against the reference
    lists, loaded once (two queries) for the whole sheet."""

    def __init__(self):
        self.ethnicities = {e.key: e for e in Ethnicity.objects.all()}
        self.religions = {r.key: r for r in Religion.objects.all()}
        self.majority = self.ethnicities.get(match_key(MAJORITY_ETHNICITY))  # a new person's default
        self.no_religion = {match_key(word) for word in ("không", "không có", "không theo tôn giáo", "-")}

    def columns(self, present):
        """{key: (reader, required)} of the columns the sheet has: an absent column is not read at all,
        so it leaves a known person's field as it was."""
        readers = {
            "cell": (values.code, True),
            "full_name": (values.text, True),
            "date_of_birth": (values.date, True),
            "gender": (values.Choices(Gender), True),
            "ethnicity": (self.ethnicity, False),
            "religion": (self.religion, False),
            "occupation": (values.Choices(Occupation), False),
            "general_education": (values.general_education, False),
            "professional_education": (values.Choices(ProfessionalEducation), False),
            "political_theory": (values.Choices(PoliticalTheory), False),
            "youth_union_member": (values.boolean, False),
            "citizen_id": (values.citizen_id, False),
            "introducing_organisation": (values.Choices(IntroducingOrganisation, INTRODUCING_ALIASES), False),
            "former_exit": (values.Choices(FormerExit), False),
            "former_readmitted": (values.boolean, False),
        }
        for key in PEOPLE_DATE_COLUMNS:
            readers.setdefault(key, (values.date, False))
        for key in PEOPLE_TEXT_COLUMNS:
            readers.setdefault(key, (values.text, False))
        return {column.key: readers[column.key] for column in PEOPLE.columns if column.key in present}

    def ethnicity(self, value):
        if values.is_blank(value):
            return None, None
        found = self.ethnicities.get(match_key(values.text(value)[0]))
        if found is None:
            raise ValueError(_("Không có dân tộc này trong danh mục 54 dân tộc."))
        return found, (None if value == found.name else values.SPELLING)

    def religion(self, value):
        if values.is_blank(value):
            return None, None
        key = match_key(values.text(value)[0])
        if key in self.no_religion:
            return None, (None if value == values.NO else values.SPELLING)
        found = self.religions.get(key)
        if found is None:
            raise ValueError(
                _("Không có tôn giáo này trong danh mục; để trống hoặc ghi “Không” nếu không theo tôn giáo.")
            )
        return found, (None if value == found.name else values.SPELLING)
