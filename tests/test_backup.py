"""A restored copy gives the same report figures (dumpdata/loaddata on both databases; pg_dump/pg_restore
on PostgreSQL), with the unit tree as it was."""

import dataclasses
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import load_workbook

from recruitment.demo import DemoBuilder, Shape
from recruitment.models import Candidate
from reports import excel, selectors
from units.forms import period_from_params
from units.models import Target, Unit, User

AS_OF = datetime.date(2025, 11, 20)
SMALL = Shape(committees=2, grassroots_per_committee=2, cells_per_grassroots_committee=2, years=2)


def figures():
    """Every report of the root for this year, as values; and the quarterly return's every cell."""
    root = Unit.objects.get_first_root_node()
    period, errors = period_from_params({"year": str(AS_OF.year)}, today=AS_OF)
    assert not errors
    candidates = Candidate.objects.all()
    reports = {
        "progress": selectors.progress_report(root, period, candidates=candidates, today=AS_OF),
        "breakdown": selectors.breakdown_report(root, period, candidates=candidates),
        "pipeline": selectors.pipeline_report(root, period, candidates=candidates),
        "coverage": selectors.coverage_report(root, period, candidates=candidates),
        "probation": selectors.probation_report(root, period, candidates=candidates, today=AS_OF),
    }
    values = {name: repr(dataclasses.asdict(report)) for name, report in reports.items()}
    book = load_workbook(
        io.BytesIO(excel.workbook_bytes(excel.quarterly_return(root, period, candidates=candidates, today=AS_OF)))
    )
    cells = [[cell for row in sheet.iter_rows(values_only=True) for cell in row] for sheet in book.worksheets]
    tree = list(Unit.objects.order_by("path").values_list("pk", "path", "depth", "numchild", "code", "name"))
    return values, cells, tree


# Really committed (pg_dump reads from another connection) and flushed after.
RESTORED = pytest.mark.django_db(transaction=True)


def ensure_reference_data():
    """Ethnicities and religions as the data migration loads them: an earlier transactional test's
    flush may have emptied them (as tests/browser/conftest.py does too)."""
    from recruitment.models import Ethnicity, Religion
    from recruitment.reference_data import ETHNICITIES, MAJORITY_ETHNICITY, RELIGIONS

    if not Ethnicity.objects.exists():
        for name in ETHNICITIES:
            Ethnicity.objects.create(name=name, is_minority=name != MAJORITY_ETHNICITY)
    if not Religion.objects.exists():
        for name in RELIGIONS:
            Religion.objects.create(name=name)


@pytest.fixture
def province(db):
    ensure_reference_data()
    DemoBuilder(seed=11, as_of=AS_OF, shape=SMALL).write(password="demo-backup-1")
    assert Candidate.objects.filter(decision_date__year=AS_OF.year).exists()  # figures worth comparing
    return figures()


def _assert_empty():
    assert not Unit.objects.exists() and not Candidate.objects.exists()


def _assert_same(before):
    after = figures()
    assert after[2] == before[2], "the unit tree came back different"
    assert Unit.objects.find_problems() == ([], [], [], [], [])
    assert after[0] == before[0]
    assert after[1] == before[1]


@RESTORED
def test_dumpdata_then_loaddata_gives_the_same_figures(province, tmp_path):
    path = tmp_path / "ptdv.json.gz"
    call_command("backup", "--format", "json", "--output", str(path))
    assert path.stat().st_size > 0
    counts = (Unit.objects.count(), Candidate.objects.count(), Target.objects.count(), User.objects.count())
    call_command("flush", interactive=False, verbosity=0)  # a fresh, empty database
    _assert_empty()
    call_command("restore", str(path), "--noinput")
    assert (Unit.objects.count(), Candidate.objects.count(), Target.objects.count(), User.objects.count()) == counts
    _assert_same(province)
    # The accounts come back too, and log in with their passwords.
    assert User.objects.get(username="tochuc").check_password("demo-backup-1")


@RESTORED
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore: PostgreSQL only")
def test_pg_dump_then_pg_restore_gives_the_same_figures(province, tmp_path):
    path = tmp_path / "ptdv.dump"
    call_command("backup", "--output", str(path))  # pg_dump -Fc by default on PostgreSQL
    assert path.read_bytes()[:5] == b"PGDMP"
    call_command("flush", interactive=False, verbosity=0)
    _assert_empty()
    call_command("restore", str(path), "--noinput")
    _assert_same(province)


def test_restore_refuses_a_missing_file_and_a_wrong_format(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("restore", str(tmp_path / "khong-co.json"), "--noinput")
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError):
            call_command("backup", "--format", "pg", "--output", str(tmp_path / "x.dump"))
