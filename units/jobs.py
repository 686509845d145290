"""Long work off the request: the record a job's state lives on, its progress, and how a job whose
worker died is told apart from one still working.

A job (an import's check, a province's return) runs in a worker process (`manage.py db_worker`,
Django's tasks framework, settings.TASKS) and is written against the standard interface only
(`@task`, `.enqueue()`, result lookups), so another backend is a settings change. Its state lives
on its own record (a `JobRecord`: WorkbookImport, ReportFile), which every web process reads; nothing
is kept in one process's memory.

Progress is written while the job's own transaction is open (an import is one transaction): through
a second connection, so other processes see it at once. PostgreSQL takes it; SQLite has one writer
at a time, so there a value written while the job holds the write lock is skipped (the page keeps
the last one) rather than waited for.

A running job is stale when its worker is known to be gone (it ran on this machine and that process
no longer exists: killed, or the machine restarted; its record names host, boot, process and its
start, so a process that took the same number later is not taken for it) or, run on another machine
(or in another container), when it has shown no sign of life for settings.JOB_STALE_AFTER seconds; a job still waiting for a worker is stale only when its task ended
or started without it ever starting (a worker died in between). A stale job is failed by whoever
looks at it: it wrote nothing, since its writes are one transaction, rolled back with its process.
"""

import copy
import datetime
import logging
import os
import pathlib
import socket
import uuid

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import default_task_backend
from django_tasks.exceptions import TaskResultDoesNotExist

from .models import ScheduledJob

logger = logging.getLogger(__name__)

DEFAULT_STALE_AFTER = 15 * 60


class JobRecord(models.Model):
    """What a model needs to be a job's record: the task queued for it, the worker running it, and
    when it last showed life. The model keeps its own status and progress."""

    task_id = models.CharField(_("mã công việc"), max_length=64, blank=True, editable=False)
    worker = models.CharField(_("tiến trình chạy"), max_length=200, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(_("hoạt động lần cuối"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


def _read(path):
    try:
        with open(path, encoding="ascii") as file:
            return file.read().strip()
    except OSError:
        return ""


def _started(pid):
    """When process `pid` started (Linux: clock ticks after boot, /proc/PID/stat field 22), or ""."""
    stat = _read(f"/proc/{pid}/stat")
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def _this_machine():
    """Host name, boot (a restart changes it) and process namespace (a container has its own)."""
    boot = _read("/proc/sys/kernel/random/boot_id").replace("-", "")[:12]
    try:
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        namespace = ""
    return socket.gethostname().replace(":", "_"), boot, namespace


def worker_name(pid=None):
    """A process (this one by default) as a job records it: host, boot, process namespace, process id
    and start time, so that another process can tell whether it is still the same, alive process."""
    pid = pid or os.getpid()
    return ":".join([*_this_machine(), str(pid), _started(pid)])


def worker_alive(worker):
    """Whether the process `worker` (a worker_name()) still runs: True, False, or None when this
    process cannot tell (another machine, another container): then only the time tells (stale_after)."""
    parts = (worker or "").split(":")
    if len(parts) != 5 or not parts[3].isdigit():
        return None
    host, boot, namespace, pid, started = parts
    here_host, here_boot, here_namespace = _this_machine()
    if host != here_host:
        return None
    if boot and here_boot and boot != here_boot:
        return False  # the machine restarted since
    if namespace != here_namespace:
        return None
    if started and _read(f"/proc/{pid}/stat"):
        return _started(pid) == started  # the same process, not another that took its number
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another account's
        return True
    return not started  # started is known but /proc/PID is gone: ended


def stale_after():
    return datetime.timedelta(seconds=getattr(settings, "JOB_STALE_AFTER", DEFAULT_STALE_AFTER))


def task_result(task_id):
    """The queue's result of a task by its id, or None when the backend keeps no results or has
    forgotten it (pruned)."""
    if not task_id:
        return None
    try:
        return default_task_backend.get_result(task_id)
    except (TaskResultDoesNotExist, NotImplementedError):
        return None


def task_state(task_id):
    """The queue's status of a task (a TaskResultStatus value), or None (see task_result)."""
    result = task_result(task_id)
    return None if result is None else result.status


def schedule(task, *, name, run_after, replacing=""):
    """Queue `task` to run after `run_after`, unless its next run is queued or running already
    (recorded as ScheduledJob `name`): however many workers or commands ask, it runs once.
    `replacing`: the id of the run asking (itself running), which does not count."""
    with transaction.atomic():
        row, _created = ScheduledJob.objects.select_for_update().get_or_create(name=name)
        if row.task_id and row.task_id != replacing:
            pending = task_result(row.task_id)
            alive = pending is not None and (
                pending.status == "READY"
                or (pending.status == "RUNNING" and timezone.now() - pending.started_at < stale_after())
            )
            if alive:
                return None
        result = task.using(run_after=run_after).enqueue()
        row.task_id, row.run_after = str(result.id), run_after
        row.save()
        return result


def is_stale(record, *, since, now=None):
    """Whether a running `record` (a JobRecord) is dead: see the module's docstring. `since`: when it
    was queued or started."""
    now = now or timezone.now()
    if record.worker:
        alive = worker_alive(record.worker)
        if alive is not None:
            return not alive  # alive here: working, however quietly (SQLite's long write)
        return now - max(record.heartbeat_at or since, since) > stale_after()
    state = task_state(record.task_id)
    if state in ("SUCCESSFUL", "FAILED"):
        return True  # the task ended without ever starting the job (it raised before, or it was lost)
    if state == "RUNNING" or state is None:
        return now - since > stale_after()
    return False  # waiting in the queue: honest, however long (the page says so)


def claim(model, pk, *, statuses, **changes):
    """Mark the record as taken by this worker (and make `changes`), if it is still in one of
    `statuses` and nobody has it. Returns whether it was (a cancelled or failed record is left alone)."""
    now = timezone.now()
    return bool(
        model.objects.filter(pk=pk, status__in=statuses, worker="").update(
            worker=worker_name(), heartbeat_at=now, progress=0, **changes
        )
    )


class Progress:
    """`progress(percent)` for a job: writes the percentage and the sign of life on its record, where
    every process reads them; `close()` when the job ends."""

    def __init__(self, model, pk, *, using=DEFAULT_DB_ALIAS):
        self.model, self.pk, self.using = model, pk, using
        self._side = None

    def __call__(self, percent):
        self.write(progress=int(percent), heartbeat_at=timezone.now())

    def write(self, **values):
        main = connections[self.using]
        if not main.in_atomic_block:
            self.model.objects.using(self.using).filter(pk=self.pk).update(**values)
            return
        # Inside the job's transaction: what it writes is seen only when it commits, so the progress
        # goes through a connection of its own.
        try:
            side = self._side_connection(main)
            meta = self.model._meta
            quote = side.ops.quote_name
            fields = [meta.get_field(name) for name in values]
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            params = [field.get_db_prep_value(values[field.name], connection=side) for field in fields]
            with side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",
                    [*params, self.pk],
                )
        except DatabaseError:
            # SQLite while the job holds the write lock: skip this value, the next may get through.
            logger.debug("progress of %s %s not written now", self.model.__name__, self.pk, exc_info=True)

    def _side_connection(self, main):
        if self._side is None:
            params = copy.deepcopy(main.settings_dict)
            if main.vendor == "sqlite":
                params["OPTIONS"] = {**params.get("OPTIONS", {}), "timeout": 0.05}
            self._side = type(main)(params, self.using)
        return self._side

    def close(self):
        if self._side is not None:
            self._side.close()
            self._side = None


# --- Files built by a worker for someone (a large report, a long list) --------------------------------


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang tạo")
    DONE = "done", _("Đã xong")
    FAILED = "failed", _("Không tạo được")


class BuiltFile(JobRecord):
    """A workbook a worker builds and keeps (`build_file`): what it is, its state, and the file."""

    status = models.CharField(_("trạng thái"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    error = models.TextField(_("lỗi"), blank=True)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True, editable=False)
    size = models.PositiveIntegerField(_("dung lượng (byte)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người yêu cầu"),
    )
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.file_name

    @property
    def is_running(self):
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def is_waiting(self):
        return self.is_running and not self.worker

    def status_for_page(self):
        """What its page polls (static/js/job_progress.js): state, label, whether it runs or waits, progress."""
        return {
            "status": self.status,
            "label": self.get_status_display(),
            "running": self.is_running,
            "waiting": self.is_waiting,
            "progress": self.progress,
        }

    def open_file(self):
        """The built file, open for reading, or None when it is not built or gone (housekeeping)."""
        if self.status != JobStatus.DONE or not self.stored_path:
            return None
        try:
            return open(self.stored_path, "rb")  # noqa: SIM115 (the caller's FileResponse closes it)
        except (FileNotFoundError, IsADirectoryError):
            return None


def start_build(record, task, *args):
    """Queue `task(record.pk, *args)` to build `record` (a BuiltFile), from the start."""
    record.status, record.progress, record.error = JobStatus.QUEUED, 0, ""
    record.worker, record.heartbeat_at, record.task_id = "", None, ""
    record.started_at = record.finished_at = None
    record.save()
    result = task.enqueue(record.pk, *args)
    type(record).objects.filter(pk=record.pk, task_id="").update(task_id=str(result.id))
    record.refresh_from_db()
    return result


def fail_if_stale_build(record, error):
    """Mark a build whose worker died FAILED with `error`; returns whether it did. `record` is refreshed."""
    if not (record.is_running and is_stale(record, since=record.started_at or record.created_at)):
        return False
    failed = (
        type(record)
        .objects.filter(pk=record.pk, status=record.status, worker=record.worker)
        .update(status=JobStatus.FAILED, error=str(error), worker="", heartbeat_at=None)
    )
    record.refresh_from_db()
    return bool(failed)


def retry_build(record, task, *, stale_error):
    """Build a failed one again. Returns whether it could."""
    fail_if_stale_build(record, stale_error)
    if record.status != JobStatus.FAILED:
        return False
    start_build(record, task)
    return True


def build_file(model, pk, write, *, directory, error):
    """The job: claim the queued `model` record `pk`, have `write(record, progress)` return the
    file's bytes, keep them under `directory` (whole or not at all) and mark the record DONE. Returns
    the record, or None when it was no longer waiting (taken by another worker, or failed). A
    failure marks it FAILED with `error` and is raised again for the queue to record."""
    if not claim(model, pk, statuses=[JobStatus.QUEUED], status=JobStatus.RUNNING, started_at=timezone.now()):
        return None
    record = model.objects.get(pk=pk)
    progress = Progress(model, pk)
    try:
        content = write(record, progress)
        progress(95)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{record.pk}-{uuid.uuid4().hex}.xlsx"
        partial = path.with_suffix(".part")
        partial.write_bytes(content)
        os.replace(partial, path)
    except Exception:
        logger.exception("%s %s failed", model.__name__, pk)
        model.objects.filter(pk=pk, worker=worker_name()).update(
            status=JobStatus.FAILED, error=str(error), worker="", heartbeat_at=None
        )
        raise
    finally:
        progress.close()
    finished = model.objects.filter(pk=pk, worker=worker_name()).update(
        status=JobStatus.DONE,
        progress=100,
        stored_path=str(path),
        size=len(content),
        finished_at=timezone.now(),
        worker="",
        heartbeat_at=None,
    )
    if not finished:  # failed as stale meanwhile (a very slow worker): keep that, drop the file
        path.unlink(missing_ok=True)
    record.refresh_from_db()
    return record


def sweep_built_files(model, directory, *, max_age, stale_error, now=None):
    """Housekeeping: `model`'s records older than `max_age` are deleted with their files (unless still
    running), and files under `directory` no record names. Returns how many files were deleted."""
    now = now or timezone.now()
    cutoff = now - max_age
    deleted = 0
    for record in model.objects.filter(created_at__lt=cutoff):
        fail_if_stale_build(record, stale_error)
        if record.is_running:
            continue
        if record.stored_path:
            pathlib.Path(record.stored_path).unlink(missing_ok=True)
            deleted += 1
        record.delete()
    if directory.is_dir():
        named = set(model.objects.exclude(stored_path="").values_list("stored_path", flat=True))
        for path in [*directory.glob("*.xlsx"), *directory.glob("*.part")]:
            modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
            if str(path) not in named and modified < cutoff:
                path.unlink(missing_ok=True)
                deleted += 1
    return deleted
