"""The to-do list (việc cần làm): what is due or overdue, computed from the step dates.

The due dates themselves come from `pipeline.deadlines` (working days, Vietnamese holidays
skipped); this module only picks the candidates that can have one (one query) and says which
items to show and how many days are left or late.
"""
import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import pipeline
from .calendar import _holidays, add_months
from .pipeline import StepKind

# Show a recognition once the 12 months end within this many calendar days.
RECOGNITION_NOTICE_DAYS = 30
# Show a certificate when it expires within this many calendar days.
CERTIFICATE_NOTICE_DAYS = 60

TITLES = {
    StepKind.DECISION: _("Quyết định kết nạp"),
    StepKind.CEREMONY: _("Tổ chức lễ kết nạp"),
    StepKind.RECOGNITION: _("Xét công nhận đảng viên chính thức"),
    StepKind.COURSE: _("Giấy chứng nhận bồi dưỡng hết hạn"),
}


@dataclass
class TodoItem:
    candidate: object
    kind: str
    due: datetime.date
    days_left: int  # negative when late
    working_days: bool  # whether days_left counts working days (else calendar days)

    @property
    def title(self):
        return TITLES[self.kind]

    @property
    def overdue(self):
        return self.days_left < 0

    @property
    def days_late(self):
        return -self.days_left

    @property
    def urgent(self):
        return 0 <= self.days_left <= 10


def working_days_left(today, due):
    """calendar.working_days_between(today, due), by arithmetic rather than a walk day by day:
    a province's to-do has hundreds of items, some years late. Negative when `due` is past."""
    if due < today:
        return -working_days_left(due, today)
    weeks, rest = divmod((due - today).days, 7)
    count = weeks * 5 + sum(
        1 for offset in range(1, rest + 1) if (today + datetime.timedelta(days=offset)).weekday() < 5)
    for year in range(today.year, due.year + 1):
        count -= sum(1 for day in _holidays(year) if today < day <= due and day.weekday() < 5)
    return count


def _may_have_item_q(today):
    """Candidates who can have an item today; the exact due dates are then computed per person."""
    recognition_horizon = add_months(today + datetime.timedelta(days=RECOGNITION_NOTICE_DAYS),
                                     -pipeline.PROBATION_MONTHS)
    certificate_horizon = add_months(today + datetime.timedelta(days=CERTIFICATE_NOTICE_DAYS),
                                     -pipeline.CERTIFICATE_VALID_MONTHS)
    return Q(exit_date__isnull=True, recognition_date__isnull=True) & (
        Q(resolution_date__isnull=False, decision_date__isnull=True)
        | Q(decision_date__isnull=False, ceremony_date__isnull=True)
        | Q(ceremony_date__lte=recognition_horizon)
        | Q(course_date__lte=certificate_horizon, resolution_date__isnull=True)
    )


def _shown(candidate, kind, due, today):
    """Decisions and ceremonies always (their clock runs from the last step); a recognition from a
    month before the 12 months end; a certificate from 60 days before it expires."""
    if kind == StepKind.RECOGNITION:
        return pipeline.official_from(candidate) <= today + datetime.timedelta(days=RECOGNITION_NOTICE_DAYS)
    if kind == StepKind.COURSE:
        return due <= today + datetime.timedelta(days=CERTIFICATE_NOTICE_DAYS)
    return True


def todo_items(candidates, *, today=None):
    """Items due or overdue for `candidates` (a queryset already scoped), most urgent first. One query."""
    today = today or timezone.localdate()
    rows = candidates.filter(_may_have_item_q(today)).select_related("cell")
    items = []
    for candidate in rows:
        for kind, due in pipeline.deadlines(candidate).items():
            if not _shown(candidate, kind, due, today):
                continue
            if kind == StepKind.COURSE:
                items.append(TodoItem(candidate, kind, due, (due - today).days, working_days=False))
            else:
                items.append(TodoItem(candidate, kind, due, working_days_left(today, due), working_days=True))
    items.sort(key=lambda item: (item.due, item.candidate.name_sort_key))
    return items
