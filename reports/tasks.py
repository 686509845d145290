"""The housekeeping, a job for a worker (`manage.py db_worker`; settings.TASKS) that schedules
itself again, against the standard interface of Django's tasks framework only. The other jobs live
beside what they run: recruitment.importing.runs (check, import), reports.results (large exports)."""

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from recruitment import exports
from recruitment.importing import runs
from units import jobs

from . import results

HOUSEKEEPING = "housekeeping"


def housekeeping_now():
    """Delete uploads nobody confirmed, old built workbooks and lists (after their configured times), and
    fail jobs whose worker died. Returns {what: how many}."""
    return {
        "uploads": runs.sweep_uploads(),
        "report_files": results.sweep_files(),
        "candidate_exports": exports.sweep_files(),
    }


@task(takes_context=True)
def housekeeping(context):
    """The housekeeping, run by a worker; it queues its own next run (settings.HOUSEKEEPING_EVERY_MINUTES)."""
    try:
        return housekeeping_now()
    finally:
        schedule_housekeeping(replacing=str(context.task_result.id))


def schedule_housekeeping(*, replacing="", delay=None):
    """Queue the next housekeeping unless it is queued already (units.jobs.schedule)."""
    if delay is None:
        delay = datetime.timedelta(minutes=settings.HOUSEKEEPING_EVERY_MINUTES)
    return jobs.schedule(housekeeping, name=HOUSEKEEPING, run_after=timezone.now() + delay, replacing=replacing)
