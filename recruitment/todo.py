"""The to-do list (việc cần làm): what is due or overdue, computed from the step dates.

The due dates come from `pipeline.DEADLINES` (working days, Vietnamese holidays skipped). A
province has tens of thousands of people in progress, so nothing here loads them all: a due date
never goes down as its clock date goes up, so "shown", "overdue" and "most urgent first" are all
conditions and orderings on the clock date, which the database counts and sorts. Python computes
due dates only for the rows on the page.
"""

import datetime
import functools
import heapq
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .calendar import add_months, working_days_between, working_days_late
from .pipeline import DEADLINES, PROBATION_MONTHS, StepKind, latest_clock_date

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
KINDS = tuple(deadline.kind for deadline in DEADLINES)
_DEADLINE_BY_KIND = {deadline.kind: deadline for deadline in DEADLINES}


@dataclass
class TodoItem:
    candidate: object
    kind: str
    due: datetime.date
    days_left: int  # negative when late
    working_days: bool  # whether the days count working days (else calendar days)
    days_late: int = 0  # calendar.working_days_late for working days

    @property
    def title(self):
        return TITLES[self.kind]

    @property
    def overdue(self):
        return self.days_late > 0

    @property
    def urgent(self):
        return 0 <= self.days_left <= 10


def _shown_until(kind, today):
    """The latest clock date shown today: decisions and ceremonies always (their clock runs from the
    last step); a recognition from a month before the 12 months end; a certificate from 60 days
    before it expires."""
    if kind == StepKind.RECOGNITION:
        return latest_clock_date(
            lambda ceremony: add_months(ceremony, PROBATION_MONTHS),
            today + datetime.timedelta(days=RECOGNITION_NOTICE_DAYS),
        )
    if kind == StepKind.COURSE:
        return latest_clock_date(_DEADLINE_BY_KIND[kind].due, today + datetime.timedelta(days=CERTIFICATE_NOTICE_DAYS))
    return None


class TodoList:
    """The items due in `candidates` (already scoped), most urgent first: by due date, then clock
    date, then name. Counted and sliced in the database, so a Paginator or `[:10]` reads only what
    it shows. `kind` and `overdue_only` narrow it (the to-do page's filters).
    """

    def __init__(self, candidates, *, today=None, kind=None, overdue_only=False):
        self.today = today or timezone.localdate()
        self.candidates = candidates
        self.kinds = (kind,) if kind else KINDS
        self.overdue_only = overdue_only
        # The clock-date bounds, once (each is a binary search over dates).
        self._shown_until = {k: _shown_until(k, self.today) for k in KINDS}
        self._overdue_until = {
            k: latest_clock_date(_DEADLINE_BY_KIND[k].due, self.today - datetime.timedelta(days=1)) for k in KINDS
        }

    def _q(self, kind, *, overdue=None):
        deadline = _DEADLINE_BY_KIND[kind]
        q = deadline.waiting_q()
        shown_until = self._shown_until[kind]
        if shown_until:
            q &= Q(**{f"{deadline.clock}__lte": shown_until})
        if overdue if overdue is not None else self.overdue_only:
            q &= Q(**{f"{deadline.clock}__lte": self._overdue_until[kind]})
        return q

    def count_aggregates(self):
        """The aggregates behind `counts`, to compute in a scan another page makes anyway (the
        home page's stage counts); hand the result to `use_counts`."""
        aggregates = {}
        for kind in KINDS:
            aggregates[f"todo__{kind}__total"] = Count("pk", filter=self._q(kind, overdue=False))
            aggregates[f"todo__{kind}__overdue"] = Count("pk", filter=self._q(kind, overdue=True))
        return aggregates

    def use_counts(self, row):
        self.counts = self._counts_from(row)

    @functools.cached_property
    def counts(self):
        """{kind: {"total": n, "overdue": n}} for every kind, whatever the filters: one query."""
        return self._counts_from(self.candidates.aggregate(**self.count_aggregates()))

    @staticmethod
    def _counts_from(row):
        return {kind: {key: row[f"todo__{kind}__{key}"] for key in ("total", "overdue")} for kind in KINDS}

    @property
    def overdue_total(self):
        return sum(self.counts[kind]["overdue"] for kind in self.kinds)

    def count(self):
        key = "overdue" if self.overdue_only else "total"
        return sum(self.counts[kind][key] for kind in self.kinds)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("TodoList supports slices only")
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        if stop <= start:
            return []
        # The first `stop` of each kind, in the kind's own order (its clock date), merged.
        heads = self._heads(stop)
        page = list(heapq.merge(*heads))[start:stop]
        people = self.candidates.select_related("cell").in_bulk([pk for *_key, pk, _kind in page])
        return [self._item(people[pk], kind, due) for due, *_key, pk, kind in page]

    def __iter__(self):
        return iter(self[:])

    def _heads(self, stop):
        """For each kind, its first `stop` sort keys (due, clock date, name key, pk, kind): a query a
        kind, each ordered by its clock date, which orders it by due date too."""
        heads = []
        for kind in self.kinds:
            deadline = _DEADLINE_BY_KIND[kind]
            due = functools.cache(deadline.due)  # thousands of people share a few hundred dates
            rows = (
                self.candidates.filter(self._q(kind))
                .order_by(deadline.clock, "name_sort_key", "pk")
                .values_list(deadline.clock, "name_sort_key", "pk")[:stop]
            )
            heads.append([(due(clock_date), clock_date, name_key, pk, kind) for clock_date, name_key, pk in rows])
        return heads

    def _item(self, candidate, kind, due):
        if kind == StepKind.COURSE:
            days_left = (due - self.today).days
            return TodoItem(candidate, kind, due, days_left, working_days=False, days_late=max(-days_left, 0))
        return TodoItem(
            candidate,
            kind,
            due,
            working_days_between(self.today, due),
            working_days=True,
            days_late=working_days_late(due, self.today),
        )
