"""Recorded imports for the browser: keep the upload, check it (dry run), import it on confirmation.

The work runs in a background thread so a large file shows progress instead of a hanging page; the
progress goes through the cache, because the import's own transaction is not visible to the page
polling it until it commits. Tests (and IMPORT_IN_BACKGROUND=False) run it in the request.

A run interrupted by a restart (or a crash) would stay "checking"/"importing" for ever: every page
that shows a record first asks `fail_if_stale()`, which marks it FAILED (nothing was written: the
import is one transaction) and deletes its file when its thread is known to be gone (it was started
in this process and is no longer alive), or when it has shown no sign of life (its start, recorded
on the record, or its last progress) for IMPORT_STALE_AFTER seconds (default STALE_AFTER_SECONDS; the
other worker processes of the server cannot see this process's threads or its cache, so for them
only the time tells). A failed record can be discarded like a checked one.
"""

import datetime
import logging
import os
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ImportStatus, WorkbookImport
from .errors import RowError
from .importer import import_workbook
from .workbook import check_upload

logger = logging.getLogger(__name__)
MAX_ERRORS_KEPT = 5000  # on the record; the command line prints them all
# A run with no sign of life for this long is taken for interrupted (settings.IMPORT_STALE_AFTER, in
# seconds): far above the longest import measured (20,000 people in about 10 s, BENCHMARKS.md).
STALE_AFTER_SECONDS = 30 * 60
# What may be discarded: a checked file, or a run that failed (its file, if any, is deleted).
DISCARDABLE = (ImportStatus.READY, ImportStatus.INVALID, ImportStatus.FAILED)


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


def progress_key(record_pk):
    return f"workbook-import-progress-{record_pk}"


def _heartbeat_key(record_pk):
    return f"workbook-import-heartbeat-{record_pk}"


def _thread_name(record_pk):
    return f"workbook-import-{record_pk}"


def mark_started_here(record):
    """Note that this process runs the record in a background thread, and when it last showed life."""
    cache.set(_heartbeat_key(record.pk), {"pid": os.getpid(), "at": time.time()}, 24 * 3600)


def stale_after():
    return datetime.timedelta(seconds=getattr(settings, "IMPORT_STALE_AFTER", STALE_AFTER_SECONDS))


def _started_at(record):
    """When the run began, as recorded on the record by start() (older records: the check, the upload)."""
    if record.status == ImportStatus.IMPORTING:
        return record.imported_at or record.checked_at or record.created_at
    return record.checked_at or record.created_at


def is_stale(record):
    """Whether a running record's run is gone: its thread died in this process, or it has shown no
    sign of life for stale_after()."""
    if not record.is_running:
        return False
    if any(thread.name == _thread_name(record.pk) for thread in threading.enumerate()):
        return False  # running here
    beat = cache.get(_heartbeat_key(record.pk))
    if beat and beat.get("pid") == os.getpid():
        return True  # started in a thread of this process, which ended without recording its end
    last = _started_at(record)
    if beat and beat.get("at"):
        last = max(last, datetime.datetime.fromtimestamp(beat["at"], tz=datetime.UTC))
    return timezone.now() - last > stale_after()


def fail_if_stale(record):
    """Mark a stale run FAILED and delete its file (see is_stale); returns whether it did. `record`
    is refreshed. Nothing was written: the import is one transaction, rolled back with its process."""
    if not is_stale(record):
        return False
    error = RowError(
        "",
        None,
        "",
        "",
        _(
            "Lần nhập bị gián đoạn (máy chủ khởi động lại hoặc dừng giữa chừng); không có gì được ghi. "
            "Hãy tải tệp lên lại."
        ),
    )
    claimed = WorkbookImport.objects.filter(pk=record.pk, status=record.status).update(
        status=ImportStatus.FAILED, progress=100, error_count=1, errors=[error.as_dict()], imported_at=None
    )
    record.refresh_from_db()
    if not claimed:  # it ended meanwhile
        return False
    logger.warning("workbook import %s was interrupted; marked failed", record.pk)
    discard_file(record)
    record.save(update_fields=["stored_path"])
    cache.delete_many([progress_key(record.pk), _heartbeat_key(record.pk)])
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
    if not record.is_running:
        return record.progress
    return cache.get(progress_key(record.pk), record.progress)


def start(record, *, dry_run):
    """Check (dry_run) or import the record's file, in the background unless configured otherwise."""
    record.status = ImportStatus.CHECKING if dry_run else ImportStatus.IMPORTING
    record.progress = 0
    # When the run began, on the record, for is_stale() in any process (the end sets it again).
    started = "checked_at" if dry_run else "imported_at"
    setattr(record, started, timezone.now())
    record.save(update_fields=["status", "progress", started])
    cache.set(progress_key(record.pk), 0, 3600)
    if getattr(settings, "IMPORT_IN_BACKGROUND", True):
        mark_started_here(record)
        thread = threading.Thread(
            target=_run_in_thread, args=(record.pk, dry_run), daemon=True, name=_thread_name(record.pk)
        )
        thread.start()
    else:
        execute(record.pk, dry_run=dry_run)


def _run_in_thread(record_pk, dry_run):
    close_old_connections()
    try:
        execute(record_pk, dry_run=dry_run)
    except Exception:
        logger.exception("workbook import %s failed", record_pk)
        WorkbookImport.objects.filter(pk=record_pk).update(
            status=ImportStatus.FAILED,
            progress=100,
            error_count=1,
            errors=[RowError("", None, "", "", _("Lỗi hệ thống khi nhập; không có gì được ghi.")).as_dict()],
        )
    finally:
        connection.close()


def execute(record_pk, *, dry_run):
    record = WorkbookImport.objects.select_related("user", "user__unit").get(pk=record_pk)
    path = Path(record.stored_path)

    running = record.status
    in_thread = threading.current_thread().name == _thread_name(record.pk)

    def report(percent):
        cache.set(progress_key(record.pk), percent, 3600)
        if in_thread:
            mark_started_here(record)  # a sign of life

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
    if not written and not WorkbookImport.objects.filter(pk=record.pk, status=running).exists():
        # taken for interrupted meanwhile (fail_if_stale) and failed: nothing was written, keep that
        cache.delete_many([progress_key(record.pk), _heartbeat_key(record.pk)])
        discard_file(record)
        record.refresh_from_db()
        return record
    if record.status != ImportStatus.READY:
        discard_file(record)
    record.save()
    cache.delete_many([progress_key(record.pk), _heartbeat_key(record.pk)])
    return record


def discard_file(record):
    if record.stored_path:
        Path(record.stored_path).unlink(missing_ok=True)
        record.stored_path = ""
