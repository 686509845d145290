"""Bad input never breaks a page: odd Unicode, huge strings, impossible dates and malformed ids thrown
at every form, every filter and parameter, and at the import, get validation messages or a 404, never
a 500 (the test client raises the view's exception, so a crash fails the test with its traceback).

Examples are few per test (a request is costly; tests/test_property_inputs.py gives the forms, filters
and readers behind these pages thousands more) and derandomized, so CI sees the same ones.
"""

import datetime
import itertools
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from recruitment import pipeline
from recruitment.forms import PROFILE_FIELDS, CandidateCreateForm
from recruitment.importing.workbook import PEOPLE, TARGETS
from recruitment.models import ImportStatus, WorkbookImport
from tests.factories import CandidateFactory
from tests.property_count import counted
from units.text import xml_illegal

pytestmark = pytest.mark.property  # its inputs count towards the suite's minimum (tests/property_count.py)

FEW = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OK = {200, 302, 400, 404}

IMPOSSIBLE = [
    "31/02/2024",
    "29/02/2023",
    "00/00/0000",
    "32/13/2024",
    "31/04/2025",
    "01/01/0001",
    "31/12/9999",
    "2024-02-30",
    "9999-99-99",
    "15/03/1995 12:00",
    "15.03.1995",
    "1995",
    "-1",
    "0",
    "9" * 40,
    "1e309",
    "NaN",
    "inf",
    "-0",
    "０１/０１/２０２４",
    "١٥/٠٣/١٩٩٥",
    "\x00",
    "Nguyễn\x00Văn",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "𝕹𝖌𝖚𝖞𝖊̂̃𝖓",
    "\u202eAn",
    "\ufeff",
    "\u200b",
    " ",
    "",
    "%00",
    "../../etc/passwd",
    "NULL",
    "None",
    "true",
    "[]",
    "{}",
    # what the probe found: Unicode digits, characters XML cannot hold, huge numbers
    "²",
    "①",
    "\uffff",
    "Tên\ufffeLạ",
    "9" * 30,
    str(10**20),
    str(-(10**20)),
]
# Any Unicode the browser can send (no lone surrogates: they cannot be UTF-8).
ODD_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
HUGE_TEXT = st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=20000)
VALUES = st.one_of(
    st.sampled_from(IMPOSSIBLE),
    ODD_TEXT,
    HUGE_TEXT,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}"),
)


def form_data(names):
    """A value for each field, or the field left out."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, VALUES))


@pytest.fixture
def staff(client, users):
    client.force_login(users.staff_a)
    return client


@pytest.fixture
def someone(tree):
    return CandidateFactory(cell=tree.cell_a1, full_name="Đinh Văn Thử Nghiệm")


def test_candidate_create_form(staff, users):
    names = list(CandidateCreateForm(user=users.staff_a).fields)

    @FEW
    @given(data=form_data(names))
    @counted
    def post(data):
        assert staff.post("/quan-chung/them/", data).status_code in OK

    post()


def test_profile_form(staff, someone):
    @FEW
    @given(data=form_data(list(PROFILE_FIELDS)))
    @counted
    def post(data):
        assert staff.post(f"/quan-chung/{someone.pk}/sua/", data).status_code in OK

    post()


@pytest.mark.parametrize("step", [*pipeline.STEPS, pipeline.EXIT_STEP], ids=lambda step: step.kind)
def test_each_step_form(staff, someone, step):
    @settings(FEW, max_examples=15)
    @given(data=form_data(list(step.fields)))
    @counted
    def post(data):
        assert staff.post(f"/quan-chung/{someone.pk}/buoc/{step.kind}/", data).status_code in OK

    post()


def test_child_targets_form_and_its_period(staff, tree):
    children = [tree.org_a]
    names = [f"unit_{child.pk}" for child in children] + ["unit_999999999"]

    @FEW
    @given(data=form_data(names), year=VALUES, term=VALUES)
    @counted
    def post(data, year, term):
        query = urllib.parse.urlencode({"nam": year, "nhiem-ky": term})
        assert staff.post(f"/don-vi/{tree.committee_a.pk}/chi-tieu/?{query}", data).status_code in OK
        assert staff.get(f"/don-vi/{tree.committee_a.pk}/?{query}").status_code in OK

    post()


REPORTS = ["tien-do", "co-cau", "quy-trinh", "chua-ket-nap", "du-bi", "bao-cao-quy.xlsx", "tien-do.xlsx"]


def test_report_period_params(staff, tree):
    @FEW
    @given(
        params=form_data(["year", "quarter", "month", "term", "from", "to", "sort"]), report=st.sampled_from(REPORTS)
    )
    @counted
    def get(params, report):
        assert (
            staff.get(f"/bao-cao/A/{report}/" if "." not in report else f"/bao-cao/A/{report}", params).status_code
            in OK
        )

    get()


def test_list_filters_search_and_export(staff, someone):
    names = [
        "q",
        "unit",
        "stage",
        "year",
        "gender",
        "ethnicity",
        "occupation",
        "youth_union_member",
        "incomplete",
        "page",
        "sort",
        "cccd",
    ]

    @FEW
    @given(
        params=form_data(names),
        url=st.sampled_from(["/quan-chung/", "/quan-chung/xuat-excel/", "/don-vi/", "/quan-chung/them/"]),
    )
    @counted
    def get(params, url):
        params = {**params, "cell": params.get("unit", "")}
        assert staff.get(url, params).status_code in OK

    get()


def test_malformed_ids_and_codes_in_urls(staff):
    templates = [
        "/quan-chung/{}/",
        "/quan-chung/{}/sua/",
        "/quan-chung/{}/buoc/course/",
        "/quan-chung/1/buoc/{}/",
        "/quan-chung/quy-trinh/{}/",
        "/quan-chung/viec-can-lam/{}/",
        "/don-vi/{}/",
        "/don-vi/{}/chi-tieu/",
        "/nhap-du-lieu/{}/",
        "/nhap-du-lieu/{}/trang-thai/",
        "/bao-cao/{}/tien-do/",
        "/bao-cao/{}/du-bi/",
        "/bao-cao/A/{}.xlsx",
        "/bao-cao/{}/bao-cao-quy.xlsx",
    ]
    ids = st.one_of(st.integers(min_value=0, max_value=10**40).map(str), st.sampled_from(IMPOSSIBLE), ODD_TEXT)

    @FEW
    @given(template=st.sampled_from(templates), value=ids, method=st.sampled_from(["get", "post"]))
    @counted
    def request(template, value, method):
        url = template.format(urllib.parse.quote(value, safe=""))
        assert getattr(staff, method)(url).status_code in OK | {403, 405}

    request()


# --- The import: a generated workbook with odd cells ---------------------------------------------

CELL_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=300)
CELL = st.one_of(
    st.none(),
    CELL_TEXT,
    st.sampled_from([value for value in IMPOSSIBLE if not xml_illegal(value)]),  # openpyxl cannot write them
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 1, 1)),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1)),
)
_books = itertools.count(1)


@pytest.fixture
def importing(settings, tmp_path, jobs_run_at_once):
    settings.IMPORT_FILE_DIR = tmp_path / "uploads"
    return tmp_path


def test_import_of_a_workbook_with_odd_cells(staff, someone, importing):
    people_headers = [column.header for column in PEOPLE.columns]
    target_headers = [column.header for column in TARGETS.columns]

    @settings(FEW, max_examples=20)
    @given(
        people=st.lists(
            st.lists(CELL, min_size=len(people_headers), max_size=len(people_headers)), min_size=1, max_size=4
        ),
        targets=st.lists(st.lists(CELL, min_size=len(target_headers), max_size=len(target_headers)), max_size=2),
        keep_cell=st.booleans(),
    )
    @counted
    def upload(people, targets, keep_cell):
        if keep_cell:  # half the rows point at a real cell, so the checks go past the first column
            people = [["A1-1", *row[1:]] for row in people]
        book = Workbook()
        book.remove(book.active)
        for spec, headers, rows in ((PEOPLE, people_headers, people), (TARGETS, target_headers, targets)):
            sheet = book.create_sheet(spec.title)
            sheet.append(headers)
            for row in rows:
                sheet.append(row)
        path = importing / f"odd{next(_books)}.xlsx"
        book.save(path)
        with open(path, "rb") as handle:
            response = staff.post("/nhap-du-lieu/", {"file": handle})
        assert response.status_code in {200, 302}
        if response.status_code == 302:
            record = WorkbookImport.objects.latest("pk")
            assert record.status in {ImportStatus.READY, ImportStatus.INVALID}, record.errors[:3]
            assert staff.get(response.url).status_code == 200

    upload()
