"""Property-based inputs at every form, filter, query parameter and the import, many of them: each
form, filter and reader is given thousands of generated inputs (odd Unicode, Unicode digits such as
"²" and "①", characters XML cannot hold such as U+FFFF, "9"×30 and ±10²⁰, impossible dates) and
must answer with validation messages, never an exception (the 500 a page would give).

These call the forms, filters and readers the views call, without the HTTP round trip (a request
costs a hundred times more); tests/test_bad_input.py throws fewer inputs at the pages themselves,
end to end. Together they generate at least 10,000 inputs per run, counted by
tests/property_count.py, which fails a run of the whole suite that generates fewer.
"""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recruitment import pipeline
from recruitment.admin import CandidateAdminForm
from recruitment.filters import CandidateFilter
from recruitment.forms import CandidateCreateForm, ProfileForm, StepForm
from recruitment.importing import parse, values
from recruitment.importing.workbook import PEOPLE, TARGETS, UNITS, Sheet
from recruitment.models import Candidate
from recruitment.views import bounded_int
from tests.factories import CandidateFactory
from tests.property_count import counted
from units.admin import TargetAdminForm
from units.forms import ChildTargetsForm, QuarterCloseForm, period_from_params
from units.periods import requested_number, requested_year

pytestmark = pytest.mark.property

MANY = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,  # CI sees the same inputs every run
    database=None,
    # The fixtures (a small tree, a person) are made once per test and only read by the examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

EDGE = [
    "²",
    "①",
    "²⁰²⁵",
    "１２",
    "١٢",
    "Ⅻ",
    "\uffff",
    "\ufffe",
    "Nguyễn\uffffAn",
    "\x00",
    "\x01",
    "\x1f",
    "\ud7ff",
    "9" * 30,
    "-" + "9" * 30,
    str(10**20),
    str(-(10**20)),
    str(2**31),
    str(2**63),
    "1e309",
    "NaN",
    "-0",
    " 12 ",
    "0x10",
    "12/12",
    "31/02/2024",
    "29/02/2023",
    "00/00/0000",
    "31/12/9999",
    "01/01/0001",
    "2024-02-30",
    "2020-2025",
    "2025-2020",
    "0000-9999",
    "15/03/1995",
    "",
    " ",
    "\u200b",
    "\u202e",
    "<script>",
    "' OR 1=1 --",
    "%00",
    "𝕹𝖌𝖚𝖞𝖊̂̃𝖓",
]
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
NUMBER = st.one_of(st.integers(min_value=-(10**20), max_value=10**20), st.integers(-5, 3000)).map(str)
DATE = st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}")
VALUE = st.one_of(st.sampled_from(EDGE), TEXT, NUMBER, DATE)


def data_for(names, extra=()):
    """A value for each name (or the name left out); `extra` adds real values (a pk in scope) to the mix."""
    value = st.one_of(VALUE, st.sampled_from(list(extra))) if extra else VALUE
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, value))


@pytest.fixture
def person(tree):
    return CandidateFactory(cell=tree.cell_a1, full_name="Đinh Văn Thử", citizen_id="001095001234")


def _real(tree, person):
    """Values that pass a field's first check, so later checks get their turn."""
    from recruitment.models import Ethnicity

    kinh = Ethnicity.objects.get(name="Kinh")
    return [str(tree.cell_a1.pk), str(tree.cell_b1.pk), str(kinh.pk), str(person.pk), "male", "female", "1", "2025"]


# --- Forms ---------------------------------------------------------------------------------------


def test_candidate_create_form(users, tree, person):
    names = list(CandidateCreateForm(user=users.staff_a).fields)
    real = _real(tree, person)

    @settings(MANY, max_examples=300)
    @given(data=data_for(names, real), secretary=st.booleans())
    @counted
    def check(data, secretary):
        form = CandidateCreateForm(data, user=users.secretary_a1 if secretary else users.staff_a)
        form.is_valid()
        str(form.errors)

    check()


def test_profile_form(users, tree, person):
    names = list(ProfileForm(user=users.staff_a, candidate=person).fields)
    real = _real(tree, person)

    @settings(MANY, max_examples=300)
    @given(data=data_for(names, real), secretary=st.booleans())
    @counted
    def check(data, secretary):
        form = ProfileForm(data, user=users.secretary_a1 if secretary else users.staff_a, candidate=person)
        form.is_valid()
        str(form.errors)

    check()


@pytest.mark.parametrize("step", [*pipeline.STEPS, pipeline.EXIT_STEP], ids=lambda step: step.kind)
def test_each_step_form(tree, person, step):
    names = list(StepForm(step=step, candidate=person).fields)

    @settings(MANY, max_examples=150)
    @given(data=data_for(names, _real(tree, person)))
    @counted
    def check(data):
        form = StepForm(data, step=step, candidate=person)
        form.is_valid()
        str(form.errors)

    check()


def test_child_targets_form(tree):
    children = [tree.org_a, tree.cell_a1]
    names = [name for child in children for name in (f"unit_{child.pk}", f"unit_{child.pk}_version")]

    @settings(MANY, max_examples=600)
    @given(data=data_for(names))
    @counted
    def check(data):
        form = ChildTargetsForm(data, children=children, targets={}, versions={tree.org_a.pk: 2})
        if form.is_valid():
            form.changed_targets()

    check()


def test_quarter_close_form(db):
    @settings(MANY, max_examples=400)
    @given(data=data_for(["year", "quarter"]))
    @counted
    def check(data):
        QuarterCloseForm(data).is_valid()

    check()


def test_candidate_admin_form(tree, person):
    names = list(CandidateAdminForm(instance=person).fields)

    @settings(MANY, max_examples=300)
    @given(data=data_for(names, _real(tree, person)))
    @counted
    def check(data):
        form = CandidateAdminForm(data, instance=Candidate.objects.get(pk=person.pk))
        form.is_valid()
        str(form.errors)

    check()


def test_target_admin_form(tree):
    @settings(MANY, max_examples=300)
    @given(data=data_for(["unit", "year", "term", "admissions", "version"], [str(tree.org_a.pk)]))
    @counted
    def check(data):
        TargetAdminForm(data).is_valid()

    check()


# --- Filters and query parameters ----------------------------------------------------------------

PERIOD_PARAMS = ["year", "quarter", "month", "term", "from", "to"]
LIST_PARAMS = ["q", "unit", "stage", "year", "gender", "ethnicity", "occupation", "youth_union_member", "incomplete"]


def test_report_period_parameters(db):
    @settings(MANY, max_examples=800)
    @given(params=data_for(PERIOD_PARAMS))
    @counted
    def check(params):
        period, errors = period_from_params(params)
        assert period is not None

    check()


def test_candidate_list_filters(users, tree, person):
    real = _real(tree, person) + ["listed", "decided", "yes", "no"]

    @settings(MANY, max_examples=600)
    @given(params=data_for(LIST_PARAMS, real), secretary=st.booleans())
    @counted
    def check(params, secretary):
        user = users.secretary_a1 if secretary else users.staff_a
        found = CandidateFilter(params, queryset=Candidate.objects.restrict(user), user=user)
        found.qs.count()

    check()


def test_numbers_read_from_the_query_string(db):
    @settings(MANY, max_examples=3000)
    @given(value=VALUE)
    @counted
    def check(value):
        number = requested_number(value)
        assert number is None or 0 <= number < 10**9
        year = requested_year(value)
        assert year is None or isinstance(year, int)
        assert 10 <= bounded_int(value, 25, 10, 200) <= 200

    check()


# --- The import ----------------------------------------------------------------------------------

CELL = st.one_of(
    st.none(),
    st.sampled_from(EDGE),
    TEXT,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.booleans(),
    st.dates(min_value=datetime.date(1, 1, 1)),
    st.datetimes(min_value=datetime.datetime(1, 1, 1)),
)


def test_every_cell_reader_of_the_import(db):
    columns = parse.PeopleColumns()
    readers = [
        *(reader for reader, _required in parse.UNIT_COLUMNS.values()),
        *(reader for reader, _required in parse.TARGET_COLUMNS.values()),
        *(reader for reader, _required in columns.columns({c.key for c in PEOPLE.columns}).values()),
        values.period,
    ]

    @settings(MANY, max_examples=3000)
    @given(value=CELL, reader=st.sampled_from(readers))
    @counted
    def check(value, reader):
        try:
            reader(value)
        except ValueError as refused:  # a refusal is a message for the user
            assert str(refused)

    check()


def test_parsing_whole_sheets_of_the_import(db):
    columns = parse.PeopleColumns()
    specs = {
        UNITS.key: (UNITS, parse.UNIT_COLUMNS),
        TARGETS.key: (TARGETS, parse.TARGET_COLUMNS),
        PEOPLE.key: (PEOPLE, columns.columns({c.key for c in PEOPLE.columns})),
    }

    @settings(MANY, max_examples=400)
    @given(
        key=st.sampled_from(sorted(specs)),
        rows=st.lists(st.dictionaries(st.sampled_from([c.key for c in PEOPLE.columns]), CELL), max_size=3),
    )
    @counted
    def check(key, rows):
        spec, readers = specs[key]
        keys = {c.key for c in spec.columns}
        sheet = Sheet(
            spec,
            spec.title,
            keys,
            rows=[(n + 2, {k: v for k, v in row.items() if k in keys}) for n, row in enumerate(rows)],
        )
        errors = []
        parse.parse_rows(sheet, readers, errors, _NoFixes())
        assert all(error.message for error in errors)

    check()


class _NoFixes:
    def add(self, *args, **kwargs):
        pass
