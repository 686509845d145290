"""The task queue for real: a worker process (`manage.py db_worker`, the database backend) runs the
import while this process watches through its own connection, as another web worker would; a worker
killed half-way writes nothing, and its job is shown failed and can be run again; the housekeeping
deletes what nobody confirmed. The tests commit (transaction=True) so that the worker sees the data;
on SQLite the test database is a file for the same reason (tests/conftest.py)."""

import datetime
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from recruitment.importing import runs
from recruitment.models import Candidate, ImportStatus, WorkbookImport
from reports.models import ReportFile, ReportFileStatus
from reports.tasks import HOUSEKEEPING
from units import jobs
from units.models import ScheduledJob

from .conftest import run_queued_jobs
from .imports.conftest import HEADERS, person

PEOPLE = 1000  # enough for the import's write to last long enough to be caught half-way
transactional = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout=90, every=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"waited {timeout} s for {condition.__doc__ or condition}")


def upload(user, tmp_path, people=PEOPLE):
    """An upload of `people` new people in cell A1-1, recorded and kept as the page would."""
    book = Workbook()
    book.remove(book.active)
    sheet = book.create_sheet("Quần chúng")
    headers = HEADERS["Quần chúng"]
    sheet.append(headers)
    for number in range(people):
        row = person(name=f"Nguyễn Văn Thử {number:05d}", dob=f"{1 + number % 28:02d}/03/1995")
        sheet.append([row.get(header) for header in headers])
    path = tmp_path / "nhieu-nguoi.xlsx"
    book.save(path)
    return runs.store_upload(SimpleUploadedFile("nhieu-nguoi.xlsx", path.read_bytes()), user)


def worker_is_writing():
    """Whether another connection holds uncommitted writes of people (the import's transaction)."""
    if connection.vendor == "sqlite":
        probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError:  # "database is locked": someone holds the write lock
            return True
        finally:
            probe.close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = %s AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid() "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [Candidate._meta.db_table],
        )
        return cursor.fetchone()[0] > 0


@transactional
def test_a_jobs_progress_is_seen_from_another_process(client, users, tmp_path, start_worker):
    record = upload(users.staff_a, tmp_path)
    runs.start(record, dry_run=True)
    client.force_login(users.staff_a)
    status_url = reverse("imports:status", args=[record.pk])
    before = client.get(status_url).json()
    assert before["running"] and before["waiting"]  # queued: no worker has it yet, and the page says so
    assert "tiến trình nền" in client.get(reverse("imports:detail", args=[record.pk])).content.decode()

    worker = start_worker()
    seen = []  # (status, progress, worker) as this process reads them while the other works

    def checked():
        """the check to end"""
        row = WorkbookImport.objects.values_list("status", "progress", "worker").get(pk=record.pk)
        seen.append(row)
        return row[0] != ImportStatus.CHECKING

    wait_for(checked)
    record.refresh_from_db()
    assert record.status == ImportStatus.READY and record.counts["people_created"] == PEOPLE
    running = [(progress, by) for status, progress, by in seen if status == ImportStatus.CHECKING and by]
    assert running, "the check was never seen running"
    assert {by for _progress, by in running} == {jobs.worker_name(worker.pid)}  # the other process
    assert any(0 < progress < 100 for progress, _by in running), sorted({p for p, _ in running})
    if connection.vendor == "postgresql":
        # written from inside the check's own transaction, through the worker's second connection
        assert any(15 <= progress < 100 for progress, _by in running), sorted({p for p, _ in running})
    after = client.get(status_url).json()
    assert after == {"status": "ready", "label": "Sẵn sàng nhập", "running": False, "waiting": False, "progress": 100}


@transactional
def test_a_worker_killed_mid_import_writes_nothing_and_the_import_can_be_run_again(
    client, users, tmp_path, start_worker
):
    record = upload(users.staff_a, tmp_path)
    runs.start(record, dry_run=True)
    run_queued_jobs()  # the check, here: this test is about the import
    record.refresh_from_db()
    assert record.status == ImportStatus.READY
    client.force_login(users.staff_a)
    client.post(reverse("imports:confirm", args=[record.pk]))  # queued for a worker
    worker = start_worker()

    def writing():
        """the worker to be writing the people, uncommitted"""
        return worker_is_writing() and (time.sleep(0.01) or worker_is_writing())

    wait_for(writing)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()

    assert not Candidate.objects.exists()  # the transaction died with its process
    record.refresh_from_db()
    assert record.status == ImportStatus.IMPORTING  # as the dead worker left it...
    page = client.get(reverse("imports:detail", args=[record.pk])).content.decode()
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED  # ...shown failed at once: its process is gone
    assert "Nhập thất bại" in page and "Thử lại" in page and "không có gì được ghi" in page
    assert Path(record.stored_path).exists()  # kept for the retry

    client.post(reverse("imports:retry", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == ImportStatus.IMPORTING and record.is_waiting
    assert start_worker("--batch").wait(120) == 0
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE, record.errors
    assert Candidate.objects.count() == PEOPLE
    assert not Path(record.stored_path or "/nonexistent").exists()


@transactional
def test_the_housekeeping_schedules_itself_once_and_a_worker_runs_it(users, tmp_path, settings, start_worker):
    forgotten = upload(users.staff_a, tmp_path, people=1)
    WorkbookImport.objects.filter(pk=forgotten.pk).update(
        status=ImportStatus.READY,
        created_at=timezone.now() - datetime.timedelta(hours=settings.UPLOAD_MAX_AGE_HOURS + 1),
    )
    call_command("housekeeping", "--schedule", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("housekeeping", "--schedule", stdout=open(os.devnull, "w"))  # noqa: SIM115
    first = ScheduledJob.objects.get(name=HOUSEKEEPING).task_id
    assert jobs.task_state(first) == "READY"
    assert start_worker("--batch").wait(120) == 0
    assert jobs.task_state(first) == "SUCCESSFUL"
    forgotten.refresh_from_db()
    assert forgotten.status == ImportStatus.CANCELLED and not Path(forgotten.stored_path or "/x").exists()
    following = ScheduledJob.objects.get(name=HOUSEKEEPING)
    assert following.task_id != first and jobs.task_state(following.task_id) == "READY"  # its next run
    assert following.run_after > timezone.now() + datetime.timedelta(minutes=settings.HOUSEKEEPING_EVERY_MINUTES - 5)


# --- housekeeping, in this process ---


def test_unconfirmed_uploads_are_deleted_after_their_time_and_the_rest_kept(users, tmp_path, settings):
    settings.UPLOAD_MAX_AGE_HOURS = 24
    old = timezone.now() - datetime.timedelta(hours=25)

    def kept(status, age):
        record = upload(users.staff_a, tmp_path, people=1)
        WorkbookImport.objects.filter(pk=record.pk).update(status=status, created_at=age)
        return record

    forgotten, failed = kept(ImportStatus.READY, old), kept(ImportStatus.FAILED, old)
    recent = kept(ImportStatus.READY, timezone.now())
    stray = settings.IMPORT_FILE_DIR / "stray.xlsx"  # a file no record names (a crash mid-upload)
    stray.write_bytes(b"PK")
    os.utime(stray, (old.timestamp(), old.timestamp()))
    young_stray = settings.IMPORT_FILE_DIR / "young.xlsx"
    young_stray.write_bytes(b"PK")

    assert runs.sweep_uploads() == 3
    for record in (forgotten, failed):
        path = Path(record.stored_path)
        record.refresh_from_db()
        assert record.status == ImportStatus.CANCELLED and record.stored_path == "" and not path.exists()
    recent.refresh_from_db()
    assert recent.status == ImportStatus.READY and Path(recent.stored_path).exists()
    assert not stray.exists() and young_stray.exists()


def test_old_built_workbooks_are_deleted_and_recent_ones_kept(tree, settings):
    from reports import results

    settings.REPORT_FILE_MAX_AGE_HOURS = 24
    folder = settings.REPORT_FILE_DIR
    folder.mkdir(parents=True)

    def built(name, age):
        path = folder / name
        path.write_bytes(b"PK")
        record = ReportFile.objects.create(
            unit=tree.province,
            report="bao-cao",
            period="year=2026",
            as_of=datetime.date(2026, 11, 30),
            data_version=name,
            file_name=name,
            stored_path=str(path),
            status=ReportFileStatus.DONE,
        )
        ReportFile.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)
        return record, path

    old, old_path = built("cu.xlsx", datetime.timedelta(days=2))
    new, new_path = built("moi.xlsx", datetime.timedelta(hours=1))
    assert results.sweep_files() == 1
    assert not ReportFile.objects.filter(pk=old.pk).exists() and not old_path.exists()
    assert ReportFile.objects.filter(pk=new.pk).exists() and new_path.exists()


def test_a_job_queued_in_this_process_runs_through_the_database_backend(users, tmp_path):
    """The in-process worker other tests use (tests/conftest.py run_queued_jobs) is the backend's own."""
    record = upload(users.staff_a, tmp_path, people=3)
    result = runs.start(record, dry_run=True)
    assert jobs.task_state(result.id) == "READY"
    run_queued_jobs()
    assert jobs.task_state(result.id) == "SUCCESSFUL"
    record.refresh_from_db()
    assert record.status == ImportStatus.READY and record.counts["people_created"] == 3


def test_a_worker_is_told_apart_from_a_process_that_took_its_number_later():
    alive = subprocess.Popen(["sleep", "5"])
    try:
        name = jobs.worker_name(alive.pid)
        assert jobs.worker_alive(name) is True
        host, boot, namespace, pid, started = name.split(":")
        assert jobs.worker_alive(":".join([host, boot, namespace, pid, str(int(started) - 1)])) is False
        assert jobs.worker_alive(":".join([host, "another-boot", namespace, pid, started])) is False  # restarted
        assert jobs.worker_alive(":".join(["may-khac", boot, namespace, pid, started])) is None  # only time tells
    finally:
        alive.kill()
        alive.wait()
    assert jobs.worker_alive(name) is False
