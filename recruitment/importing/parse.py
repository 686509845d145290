"""Parsing: the cells of each row turned into Python values, sheet by sheet.

values.py reads one cell as people type it; this module gives each column of a sheet its reader,
refuses a blank in a required column, and records every bad cell as an error naming its sheet, row,
column and value. A row keeps BAD where a cell could not be read, so the checks can leave it out and
still tell the rows that depend on it why they fail. Nothing is looked up in the database here but
the two reference lists (ethnicities, religions) that people's cells are read against.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from units.models import GrassrootsType, UnitKind
from units.text import match_key

from ..models import Ethnicity, Gender, Occupation, PoliticalTheory, ProfessionalEducation, Religion
from ..reference_data import MAJORITY_ETHNICITY
from . import values
from .errors import cell_error

BAD = object()  # a cell that could not be read; its error is already recorded


@dataclass
class Row:
    number: int  # the spreadsheet's row number, as Excel shows it
    raw: dict  # {column key: the cell as read}, for error messages
    values: dict  # {column key: the parsed value, or BAD}
    ok: bool  # no BAD among the values


# {column key: (reader, required)}, in the order a row's errors are listed.
UNIT_COLUMNS = {
    "code": (values.text, True),
    "name": (values.text, True),
    "kind": (values.Choices(UnitKind), True),
    "parent": (values.text, False),
    "grassroots_type": (values.Choices(GrassrootsType), False),
    "members": (values.whole_number, False),
}
TARGET_COLUMNS = {
    "code": (values.text, True),
    "period": (values.period, True),
    "admissions": (values.whole_number, True),
}
PEOPLE_DATE_COLUMNS = (
    "date_of_birth",
    "listed_on",
    "course_date",
    "resolution_date",
    "decision_date",
    "ceremony_date",
    "recognition_date",
)


def parse_rows(sheet, columns, errors):
    """Every row of `sheet`, each of `columns` read; a bad cell's error is appended to `errors`."""
    rows = []
    for number, raw in sheet.rows:
        parsed = {
            key: parse_cell(sheet, number, raw, key, reader, required, errors)
            for key, (reader, required) in columns.items()
        }
        rows.append(Row(number, raw, parsed, BAD not in parsed.values()))
    return rows


def parse_cell(sheet, number, raw, key, reader, required, errors):
    """One cell's value; a blank in a required column, or a value the reader refuses, is BAD."""
    column = sheet.spec.column(key)
    value = raw.get(key)
    if values.is_blank(value):
        if required:
            errors.append(cell_error(sheet, number, column, "", _("Cột này là bắt buộc.")))
            return BAD
        return reader(None) if reader is not values.text else ""
    try:
        return reader(value)
    except ValueError as error:
        errors.append(cell_error(sheet, number, column, value, str(error)))
        return BAD


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
            "cell": (values.text, True),
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
            "decision_no": (values.text, False),
        }
        for key in PEOPLE_DATE_COLUMNS:
            readers.setdefault(key, (values.date, False))
        return {key: reader for key, reader in readers.items() if key in present}

    def ethnicity(self, value):
        if values.is_blank(value):
            return None
        found = self.ethnicities.get(match_key(values.text(value)))
        if found is None:
            raise ValueError(_("Không có dân tộc này trong danh mục 54 dân tộc."))
        return found

    def religion(self, value):
        if values.is_blank(value) or match_key(values.text(value)) in self.no_religion:
            return None
        found = self.religions.get(match_key(values.text(value)))
        if found is None:
            raise ValueError(
                _("Không có tôn giáo này trong danh mục; để trống hoặc ghi “Không” nếu không theo tôn giáo.")
            )
        return found
