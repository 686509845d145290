import datetime
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest

from units.models import GrassrootsType, Role, UnitKind

from .factories import make_unit, make_user

# Counts the inputs the property-based tests generate; fails a run of the whole suite with too few.
pytest_plugins = ["tests.property_count"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite the test database is a file (in memory, /dev/shm, where there is one), not SQLite's
    in-memory database: a job's worker is another process in the tests of the task queue
    (tests/test_jobs.py), and another process sees only a file."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        yield
        return
    folder = tempfile.mkdtemp(prefix="ptdv-test-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None)
    database.setdefault("TEST", {})["NAME"] = str(Path(folder) / "test.sqlite3")
    yield
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def job_files(settings, tmp_path):
    """Uploads and built workbooks of a test stay in its own folder."""
    settings.IMPORT_FILE_DIR = tmp_path / "uploads"
    settings.REPORT_FILE_DIR = tmp_path / "report-files"
    settings.CANDIDATE_EXPORT_DIR = tmp_path / "candidate-exports"


ROOT = Path(__file__).resolve().parent.parent


def database_url():
    """The test database, for a worker in another process."""
    from django.db import connection

    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    password = quote(params.get("PASSWORD") or "")
    return (
        f"postgres://{quote(params['USER'])}:{password}@{params['HOST'] or '127.0.0.1'}:"
        f"{params['PORT'] or 5432}/{params['NAME']}"
    )


@pytest.fixture
def start_worker(settings, tmp_path):
    """start_worker(*arguments) -> a `manage.py db_worker` process on the test database; every one
    still running is killed when the test ends."""
    started = []

    def start(*arguments):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_IMPORT_FILE_DIR": str(settings.IMPORT_FILE_DIR),
            "DJANGO_REPORT_FILE_DIR": str(settings.REPORT_FILE_DIR),
            "DJANGO_CANDIDATE_EXPORT_DIR": str(settings.CANDIDATE_EXPORT_DIR),
        }
        log = open(tmp_path / f"worker{len(started)}.log", "wb")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.05"]
            + list(arguments),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        log.close()


def run_queued_jobs():
    """Run every job that is due with the database backend's own worker (`db_worker --batch`), here,
    in this process and inside the test's transaction. Its check for stale connections is left out:
    it would close the test's connection in the middle of its transaction."""
    from unittest import mock

    from django_tasks_db.management.commands import db_worker

    worker = db_worker.Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        worker.run()


@pytest.fixture
def jobs_run_at_once():
    """The database backend with its worker run as soon as a job is queued (run_queued_jobs), so a
    request that queues one returns with it done: for tests about what a job does, not about the
    queue (those are in tests/test_jobs.py, with a real worker process)."""
    from django_tasks.signals import task_enqueued

    running = []

    def run(sender, **kwargs):
        if running:
            return  # queued by a job: the worker's loop takes it next
        running.append(True)
        try:
            run_queued_jobs()
        finally:
            running.clear()

    task_enqueued.connect(run, weak=False, dispatch_uid="jobs_run_at_once")
    yield run_queued_jobs
    task_enqueued.disconnect(dispatch_uid="jobs_run_at_once")


@pytest.fixture(autouse=True)
def default_language():
    """A request through the test client leaves its language active in the thread; start each test
    from the default (Vietnamese) as a new request would."""
    from django.utils import translation

    yield
    translation.activate("vi")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 is deliberately slow; tests log in often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def reference_data(request):
    """The ethnicities and religions the data migration loads. A transactional test (the browser
    tests) flushes every table when it ends, so restore them for whatever test runs next."""
    if not _DB_FIXTURES & set(request.fixturenames):
        return
    # Autouse fixtures run first: open the test's own kind of database access before querying.
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from recruitment import reference_data
    from recruitment.models import Ethnicity, Religion

    if Ethnicity.objects.count() < len(reference_data.ETHNICITIES) or not Religion.objects.exists():
        reference_data.load(Ethnicity, Religion)


@pytest.fixture(autouse=True)
def login_lockout_off(settings):
    # django-axes needs the request to authenticate, which client.login() does not pass; the lock-out
    # is switched back on in tests/test_security.py, which logs in through the login page.
    settings.AXES_ENABLED = False


@pytest.fixture
def tree(db):
    """Two branches of a four-level tree (province, committee, grassroots committee, cell) plus a
    grassroots cell, as a namespace: tree.province, tree.committee_a, tree.org_a, tree.cell_a1, ...
    """

    class Tree:
        pass

    t = Tree()
    t.province = make_unit(None, code="P", name="Đảng bộ tỉnh Thử")
    t.committee_a = make_unit(t.province, code="A", name="Đảng bộ huyện A")
    t.committee_b = make_unit(t.province, code="B", name="Đảng bộ huyện B")
    t.org_a = make_unit(t.committee_a, code="A1", name="Đảng bộ xã A1")
    t.cell_a1 = make_unit(t.org_a, code="A1-1", name="Chi bộ thôn 1")
    t.cell_a2 = make_unit(t.org_a, code="A1-2", name="Chi bộ thôn 2")
    t.org_b = make_unit(t.committee_b, code="B1", name="Đảng bộ phường B1")
    t.cell_b1 = make_unit(t.org_b, code="B1-1", name="Chi bộ tổ dân phố 1")
    t.enterprise = make_unit(
        t.committee_b,
        UnitKind.GRASSROOTS_CELL,
        code="B2",
        name="Chi bộ Công ty TNHH B2",
        grassroots_type=GrassrootsType.PRIVATE_ENTERPRISE,
    )
    return t


@pytest.fixture
def users(tree):
    class Users:
        pass

    u = Users()
    u.province_staff = make_user(tree.province, Role.STAFF, "tochuc")
    u.staff_a = make_user(tree.committee_a, Role.STAFF, "tochuc_a")
    u.leader = make_user(tree.province, Role.LEADERSHIP, "lanhdao")
    u.secretary_a1 = make_user(tree.cell_a1, Role.SECRETARY, "bithu_a1")
    return u


@pytest.fixture
def today():
    return datetime.date.today()
