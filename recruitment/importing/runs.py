"""Recorded imports for the browser: keep the upload, check it (dry run), import it on confirmation.

The work runs in a background thread so a large file shows progress instead of a hanging page; the
progress goes through the cache, because the import's own transaction is not visible to the page
polling it until it commits. Tests (and IMPORT_IN_BACKGROUND=False) run it in the request.
"""

import logging
import threading
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


def current_progress(record):
    if not record.is_running:
        return record.progress
    return cache.get(progress_key(record.pk), record.progress)


def start(record, *, dry_run):
    """Check (dry_run) or import the record's file, in the background unless configured otherwise."""
    record.status = ImportStatus.CHECKING if dry_run else ImportStatus.IMPORTING
    record.progress = 0
    record.save(update_fields=["status", "progress"])
    cache.set(progress_key(record.pk), 0, 3600)
    if getattr(settings, "IMPORT_IN_BACKGROUND", True):
        thread = threading.Thread(
            target=_run_in_thread, args=(record.pk, dry_run), daemon=True, name=f"workbook-import-{record.pk}"
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

    def report(percent):
        cache.set(progress_key(record.pk), percent, 3600)

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
    if record.status != ImportStatus.READY:
        discard_file(record)
    record.save()
    cache.delete(progress_key(record.pk))
    return record


def discard_file(record):
    if record.stored_path:
        Path(record.stored_path).unlink(missing_ok=True)
        record.stored_path = ""
