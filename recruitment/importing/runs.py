"""Recorded imports for the browser: keep the upload, check it (dry run), import it on confirmation.

The check and the import are jobs for a worker (recruitment/tasks.py, run by `manage.py db_worker`),
so a large file never holds a request: `start()` queues one, the worker runs `execute()`, which
writes the progress and its signs of life on the record (units.jobs), where every web process reads
them. Nothing is kept in one process's memory.

A run whose worker died (killed, or the machine restarted) would stay "checking"/"importing" for
ever: every page that shows a record first asks `fail_if_stale()`, which marks it FAILED (nothing was
written: the import is one transaction, rolled back with its process) when units.jobs finds it stale.
Its file is kept, so the run can be tried again (`retry()`) or discarded; the housekeeping deletes
files nobody confirmed after settings.UPLOAD_MAX_AGE_HOURS (`sweep_uploads()`).
"""

import datetime
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from units import jobs

from ..models import ImportStatus, ImportStep, WorkbookImport
from .errors import RowError
from .importer import import_workbook
from .workbook import check_upload

logger = logging.getLogger(__name__)
MAX_ERRORS_KEPT = 5000  # on the record; the command line prints them all
# What may be discarded: a checked file, or a run that failed (its file, if any, is deleted).
DISCARDABLE = (ImportStatus.READY, ImportStatus.INVALID, ImportStatus.FAILED)
RUNNING_STATUS = {ImportStep.CHECK: ImportStatus.CHECKING, ImportStep.IMPORT: ImportStatus.IMPORTING}


def upload_dir():
    return Path(getattr(settings, "IMPORT_FILE_DIR", settings.BASE_DIR / "media" / "imports"))


def store_upload(uploaded, user):
    """Check name and size, keep the file server-side, and record the upload. Raises WorkbookError."""
    check_upload(uploaded.name, uploaded.size)
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{uuid.uuid4().hex}.xlsx"
    with open(path, "wb") as destination:
        for chunk in uploaded.chunks():
            destination.write(chunk)
    return WorkbookImport.objects.create(
        user=user, file_name=Path(uploaded.name).name[:255], file_size=uploaded.size, stored_path=str(path)
    )


def _started_at(record):
    """When the run was queued, as recorded on the record by start() (older records: the check, the upload)."""
    if record.status == ImportStatus.IMPORTING:
        return record.imported_at or record.checked_at or record.created_at
    return record.checked_at or record.created_at


def is_stale(record):
    """Whether a running record's run is dead (units.jobs.is_stale)."""
    return record.is_running and jobs.is_stale(record, since=_started_at(record))


def fail_if_stale(record):
    """Mark a stale run FAILED (see is_stale); returns whether it did. `record` is refreshed. Nothing
    was written: the import is one transaction, rolled back with its process. The file is kept, so
    the run can be tried again."""
    if not is_stale(record):
        return False
    error = RowError(
        "",
        None,
        "",
        "",
        _(
            "Lần chạy bị gián đoạn (tiến trình nền dừng giữa chừng); không có gì được ghi. "
            "Bấm “Thử lại” để chạy lại, hoặc “Hủy”."
        ),
    )
    claimed = WorkbookImport.objects.filter(pk=record.pk, status=record.status, worker=record.worker).update(
        status=ImportStatus.FAILED,
        progress=100,
        error_count=1,
        errors=[error.as_dict()],
        imported_at=None,
        worker="",
        heartbeat_at=None,
    )
    record.refresh_from_db()
    if not claimed:  # it ended (or was taken by a worker) meanwhile
        return False
    logger.warning("workbook import %s was interrupted; marked failed", record.pk)
    return True


def discard(record):
    """Give up a checked or failed record: its file is deleted, it is CANCELLED. Returns whether it
    could be (a stale run is failed first; a running or finished one cannot)."""
    fail_if_stale(record)
    if record.status not in DISCARDABLE:
        return False
    discard_file(record)
    record.status = ImportStatus.CANCELLED
    record.save(update_fields=["stored_path", "status"])
    return True


def current_progress(record):
    return record.progress


def can_retry(record):
    return record.status == ImportStatus.FAILED and bool(record.step) and bool(record.stored_path)


def retry(record):
    """Run a failed check or import again, from its kept file. Returns whether it could."""
    fail_if_stale(record)
    if not can_retry(record) or not Path(record.stored_path).exists():
        return False
    claimed = WorkbookImport.objects.filter(pk=record.pk, status=ImportStatus.FAILED).update(
        status=RUNNING_STATUS[record.step]
    )
    if not claimed:
        return False
    record.refresh_from_db()
    start(record, dry_run=record.step == ImportStep.CHECK)
    return True


def start(record, *, dry_run):
    """Queue the check (dry_run) or the import of the record's file for a worker."""
    record.step = ImportStep.CHECK if dry_run else ImportStep.IMPORT
    record.status = RUNNING_STATUS[record.step]
    record.progress = 0
    record.worker, record.heartbeat_at, record.task_id = "", None, ""
    record.errors, record.error_count = [], 0
    # When the run was queued, on the record, for is_stale() in any process (the end sets it again).
    started = "checked_at" if dry_run else "imported_at"
    setattr(record, started, timezone.now())
    fields = ["step", "status", "progress", "worker", "heartbeat_at", "task_id", "errors", "error_count", started]
    record.save(update_fields=fields)
    result = (check_workbook if dry_run else import_workbook_job).enqueue(record.pk)
    # An immediate backend has run it already: keep what it wrote.
    WorkbookImport.objects.filter(pk=record.pk, task_id="").update(task_id=str(result.id))
    record.refresh_from_db()
    return result


# The jobs, for a worker (`manage.py db_worker`; settings.TASKS), against the standard interface of
# Django's tasks framework only: the record's id goes in, the state comes out on the record.


@task()
def check_workbook(import_id):
    """The dry run of an uploaded workbook: its preview, or every error."""
    record = run(import_id, dry_run=True)
    return record.status if record else None


@task()
def import_workbook_job(import_id):
    """The confirmed import of a checked workbook: all of it in one transaction, or nothing."""
    record = run(import_id, dry_run=False)
    return record.status if record else None


def run(record_pk, *, dry_run):
    """A job's body: execute() with any unforeseen error recorded on the record."""
    try:
        return execute(record_pk, dry_run=dry_run)
    except Exception:
        logger.exception("workbook import %s failed", record_pk)
        WorkbookImport.objects.filter(pk=record_pk, worker=jobs.worker_name()).update(
            status=ImportStatus.FAILED,
            progress=100,
            error_count=1,
            errors=[RowError("", None, "", "", _("Lỗi hệ thống khi nhập; không có gì được ghi.")).as_dict()],
            worker="",
        )
        raise


def execute(record_pk, *, dry_run):
    """Run the check or the import of a queued record, in this (worker) process. Returns the record,
    or None when it is no longer waiting for this run (cancelled, failed, or taken by another worker)."""
    running = ImportStatus.CHECKING if dry_run else ImportStatus.IMPORTING
    if not jobs.claim(WorkbookImport, record_pk, statuses=[running]):
        logger.info("workbook import %s is no longer %s; not run", record_pk, running)
        return None
    record = WorkbookImport.objects.select_related("user", "user__unit").get(pk=record_pk)
    report = jobs.Progress(WorkbookImport, record.pk)
    try:
        return _execute(record, dry_run=dry_run, running=running, report=report)
    finally:
        report.close()


def _execute(record, *, dry_run, running, report):
    path = Path(record.stored_path)
    counts, written, preview = {}, False, {}
    if record.user is None:
        # the account was deleted: never fall back to an unrestricted (system) import
        result_errors = [RowError("", None, "", "", _("Tài khoản tải tệp lên không còn; không có gì được ghi."))]
    elif not path.exists():
        result_errors = [RowError("", None, "", "", _("Tệp đã tải lên không còn trên máy chủ; hãy tải lên lại."))]
    else:
        reason = _("Nhập dữ liệu #%(pk)s: %(file)s") % {"pk": record.pk, "file": record.file_name}
        try:
            result = import_workbook(
                path,
                actor=record.user,
                dry_run=dry_run,
                file_name=record.file_name,
                progress=report,
                change_reason=reason[:100],
            )
            result_errors, counts, written = result.errors, result.counts, result.written
            preview = result.preview
            record.warnings = [warning.as_dict() for warning in result.warnings[:100]]
        except PermissionDenied as error:  # the account lost its staff role since the upload
            result_errors = [RowError("", None, "", "", str(error))]
    record.counts = counts
    if dry_run or preview:
        # The check's rows and corrections, for the page; the real import's replace them (the same
        # rows, now written) unless it could not run at all.
        record.preview = preview
    record.errors = [error.as_dict() for error in result_errors[:MAX_ERRORS_KEPT]]
    record.error_count = len(result_errors)
    record.progress = 100
    now = timezone.now()
    if dry_run:
        record.checked_at = now
        record.status = ImportStatus.INVALID if result_errors else ImportStatus.READY
    else:
        record.imported_at = now if written else None
        record.status = ImportStatus.DONE if written else ImportStatus.FAILED
    record.worker, record.heartbeat_at = "", None
    if not written and not WorkbookImport.objects.filter(pk=record.pk, status=running).exists():
        # taken for interrupted meanwhile (fail_if_stale) and failed: nothing was written, keep that
        record.refresh_from_db()
        return record
    if record.status in (ImportStatus.DONE, ImportStatus.INVALID):
        discard_file(record)  # a failed run keeps its file, to be tried again or discarded
    record.save()
    return record


def discard_file(record):
    if record.stored_path:
        Path(record.stored_path).unlink(missing_ok=True)
        record.stored_path = ""


def sweep_uploads(now=None):
    """Housekeeping: the files of uploads nobody confirmed (checked, failed or never run) older than
    settings.UPLOAD_MAX_AGE_HOURS are deleted and the records CANCELLED; so are files in the upload
    folder that no record names. Returns how many files were deleted."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.UPLOAD_MAX_AGE_HOURS)
    deleted = 0
    old = WorkbookImport.objects.filter(created_at__lt=cutoff).exclude(stored_path="")
    for record in old:
        fail_if_stale(record)
        if record.is_running:
            continue  # a run still alive (a slow worker): its next sweep
        discard_file(record)
        if record.status not in (ImportStatus.DONE, ImportStatus.INVALID):
            record.status = ImportStatus.CANCELLED
        WorkbookImport.objects.filter(pk=record.pk).update(stored_path="", status=record.status)
        deleted += 1
    directory = upload_dir()
    if directory.is_dir():
        named = set(WorkbookImport.objects.exclude(stored_path="").values_list("stored_path", flat=True))
        for path in directory.glob("*.xlsx"):
            modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
            if str(path) not in named and modified < cutoff:
                path.unlink(missing_ok=True)
                deleted += 1
    return deleted
