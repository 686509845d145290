"""Large exports as jobs, and their workbooks kept: a province's quarterly return takes seconds to
build, so it is built by a worker (reports/tasks.py) instead of inside a request, and kept.

A built workbook is kept per unit, report, period, day and **data version** (`data_version()`): a
download first computes the version and serves the file built for it, if any, else queues a build.
So the second download of an unchanged return is instant, and one after any change is built again:
never a stale file. The version is read from the change history every write leaves (units.audit,
django-simple-history): the newest history row of units, terms, targets, headcounts, closed quarters
and people, and how many rows lie near it. It is one for the whole database, not per subtree: a
change anywhere builds again (never stale; a person moved out of a subtree leaves no history row in
it, so a per-subtree version would miss that). Counting the rows near the newest catches a long
transaction (an import) that committed rows numbered below one committed before it.

Only exports of a unit with at least settings.REPORT_JOB_MIN_UNITS units in its subtree go through
here; a small unit's are built in the request, as before. What a workbook holds does not depend on
who asks: a unit's report counts everyone in its subtree, which every user allowed to see the unit
may see (the scope is checked on the unit, by the views).
"""

import datetime
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.http import QueryDict
from django.utils.translation import gettext_lazy
from django_tasks import task

from recruitment.models import Candidate, Course, CourseParticipant, PoolReview, PoolReviewEntry
from units import jobs
from units.forms import period_from_params
from units.models import ClosedQuarter, Headcount, Placement, PoolTarget, ReorgEvent, Target, Term, Unit

from . import excel, selectors
from .models import ReportFile, ReportFileStatus

RETURN = "bao-cao"  # the quarterly return: every report, one sheet each
RETURN_REPORTS = tuple(excel.REPORT_SELECTORS)  # its reports, in order: the same as built in the request
VERSIONED_MODELS = (
    Unit,
    Term,
    Target,
    Headcount,
    ClosedQuarter,
    Candidate,
    PoolTarget,
    Course,
    CourseParticipant,
    PoolReview,
    PoolReviewEntry,
)
# Reorganisations add rows (an event, new placements) and never rewrite one alone: the newest id and
# the count tell a change.
APPEND_ONLY_MODELS = (ReorgEvent, Placement)
RECENT_ROWS = 100_000  # history rows near the newest that are counted (see the module's docstring)


def data_version():
    """A short text that changes whenever a unit, term, target, headcount, closed quarter, person,
    pool target, course or pool review is created, changed or deleted (two index reads per history
    table), or the tree is reorganised."""
    parts = []
    for model in VERSIONED_MODELS:
        history = model.history.model.objects
        newest = history.aggregate(newest=Max("history_id"))["newest"] or 0
        near = history.filter(history_id__gt=newest - RECENT_ROWS).count()
        parts.append(f"{newest}.{near}")
    for model in APPEND_ONLY_MODELS:
        summary = model.objects.aggregate(newest=Max("pk"), rows=Count("pk"))
        parts.append(f"{summary['newest'] or 0}.{summary['rows']}")
    return "-".join(parts)


def needs_job(unit):
    """Whether exports of `unit` are built by a worker: its subtree has REPORT_JOB_MIN_UNITS units."""
    threshold = settings.REPORT_JOB_MIN_UNITS
    return Unit.objects.subtree(unit)[: max(threshold, 1)].count() >= threshold


def file_dir():
    return Path(settings.REPORT_FILE_DIR)


# The period's parameters carry "today's tree" too (reports.views: ?cay=hien-nay): the same period
# counted by another tree is another workbook.
TODAY_TREE_PARAMS = {"cay": "hien-nay"}


def _period_key(period, today_tree=False):
    return urlencode({**period.query_params(), **(TODAY_TREE_PARAMS if today_tree else {})})


def request_file(*, unit, report, period, user, today, today_tree=False):
    """The ReportFile for this unit, report, period and day at today's data version: the one built
    already, the one being built, or a new one queued for a worker. A built one whose file is gone is
    built again."""
    version = data_version()
    key = {
        "unit": unit,
        "report": report,
        "period": _period_key(period, today_tree),
        "as_of": today,
        "data_version": version,
    }
    record = ReportFile.objects.filter(**key).first()
    if record is None:
        name = excel.filename(report, unit, period)
        try:
            with transaction.atomic():
                record = ReportFile.objects.create(
                    **key, period_label=str(period.label)[:200], file_name=name, requested_by=user
                )
        except IntegrityError:  # someone asked for the same at the same moment: theirs
            return ReportFile.objects.get(**key)
        start(record)
    elif record.status == ReportFileStatus.DONE and not Path(record.stored_path).is_file():
        start(record)
    else:
        fail_if_stale(record)
    return record


STALE_ERROR = gettext_lazy("Tiến trình nền dừng giữa chừng khi đang tạo tệp.")


def start(record):
    """Queue the build of `record` for a worker."""
    return jobs.start_build(record, build_report_file)


def is_stale(record):
    return record.is_running and jobs.is_stale(record, since=record.started_at or record.created_at)


def fail_if_stale(record):
    """Mark a build whose worker died FAILED; returns whether it did. `record` is refreshed."""
    return jobs.fail_if_stale_build(record, STALE_ERROR)


def retry(record):
    """Build a failed one again. Returns whether it could."""
    return jobs.retry_build(record, build_report_file, stale_error=STALE_ERROR)


@task()
def build_report_file(report_file_id):
    """The job: build a report's or the quarterly return's workbook and keep it (build())."""
    record = build(report_file_id)
    return record.status if record else None


def build(record_pk):
    """The job: build the workbook of a queued ReportFile, in this (worker) process, and keep it.
    Returns the record, or None when it was no longer waiting (taken by another worker, or failed)."""
    return jobs.build_file(
        ReportFile, record_pk, _write, directory=file_dir(), error=gettext_lazy("Lỗi hệ thống khi tạo tệp.")
    )


def _write(record, progress):
    params = QueryDict(record.period)
    period, errors = period_from_params(params, today=record.as_of)
    if errors:  # kept from a valid request: only a changed set of terms could do this
        raise ValueError(" ".join(str(error) for error in errors))
    today_tree = all(params.get(key) == value for key, value in TODAY_TREE_PARAMS.items())
    placed, tree = excel.dated(record.unit, period, today_tree=today_tree, today=record.as_of)
    names = RETURN_REPORTS if record.report == RETURN else (record.report,)
    reports = {}
    for done, name in enumerate(names, start=1):
        reports.update(
            excel.build_reports(
                placed,
                period,
                candidates=selectors.counted_people(),
                today=record.as_of,
                names=[name],
                tree=tree,
            )
        )
        progress(10 + 70 * done // len(names))
    return excel.workbook_bytes(excel.report_workbook(reports))


def sweep_files(now=None):
    """Housekeeping: built workbooks older than settings.REPORT_FILE_MAX_AGE_HOURS are deleted with
    their records (a download builds them again), and files no record names. Returns how many."""
    return jobs.sweep_built_files(
        ReportFile,
        file_dir(),
        max_age=datetime.timedelta(hours=settings.REPORT_FILE_MAX_AGE_HOURS),
        stale_error=STALE_ERROR,
        now=now,
    )
