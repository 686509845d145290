"""A unit's progress: admissions in a period against the target that applies, for the unit and each
unit directly below it, with the projection to the year's end and the share of members. The year is
just a period (units.periods.Period.for_year); the home page, the unit page, the progress report
and its workbook all read it here, and draw it with reports.tables.ProgressTable.

A fixed number of queries whatever the size of the tree: the tree is rolled up onto the unit's
direct children with one GROUP BY on the child's path prefix (units.selectors.rollup_by_child), and
members are each unit's own figure or the sum below it (units.selectors.member_counts).
"""

import calendar
import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import ExtractMonth

from units.formatting import ratio
from units.models import Target, Unit
from units.selectors import MemberCount, member_counts, rollup_by_child
from units.tree import Tree

from .models import Candidate

# Leaders name the units "dưới 50% kế hoạch" and those past the plan: one place for both marks.
LOW_RATIO = 0.5
HIGH_RATIO = 1.0


def _candidates(candidates):
    return Candidate.objects.all() if candidates is None else candidates


@dataclass
class ProgressRow:
    unit: Unit
    target: int | None
    admitted: int
    # Members in the year: own figure or the sum below, and which (units.selectors.MemberCount).
    headcount: MemberCount | None = None
    projected: int | None = None
    is_total: bool = False
    # Members are counted per year: over a term the admissions are shared out per year.
    years: float = 1.0

    @property
    def ratio(self):
        return ratio(self.admitted, self.target)

    @property
    def members(self):
        return self.headcount.count if self.headcount else None

    @property
    def members_source(self):
        """ "theo báo cáo" or "cộng từ chi bộ" ("" without a count)."""
        return self.headcount.source_label if self.headcount else ""

    @property
    def members_disagree(self):
        """The unit's own figure and the sum below it both exist and differ."""
        return bool(self.headcount and self.headcount.disagrees)

    @property
    def remaining(self):
        return None if self.target is None else max(self.target - self.admitted, 0)

    @property
    def member_share(self):
        """Admissions as a share of members, per year (Nghị quyết 21-NQ/TW: 3–4% a year)."""
        if not self.members:
            return None
        return self.admitted / self.members / max(self.years, 1.0)

    @property
    def is_low(self):
        return self.ratio is not None and self.ratio < LOW_RATIO

    @property
    def is_high(self):
        return self.ratio is not None and self.ratio > HIGH_RATIO


@dataclass
class ProgressReport:
    unit: Unit
    period: object
    total: ProgressRow
    rows: list
    monthly: list | None = None  # a period within one year: that year's admissions per month

    @property
    def member_disagreements(self):
        """The rows (the unit's own first, then those below) whose own member figure differs from
        the sum below it."""
        return [row for row in (self.total, *self.rows) if row.members_disagree]


def projected_year_end(admitted, period, today):
    """Where 31/12 lands at the pace since 1/1 (`admitted`: from 1/1 to the period's end)."""
    if not period.projects_year_end:
        return None
    year_start, year_end = datetime.date(period.year, 1, 1), datetime.date(period.year, 12, 31)
    counted_to = min(period.end, today)
    if counted_to < year_start:
        return None
    if counted_to >= year_end:
        return admitted
    elapsed = (counted_to - year_start).days + 1
    return round(admitted * ((year_end - year_start).days + 1) / elapsed)


def _month_aligned(period):
    return period.start.day == 1 and period.end == datetime.date(
        period.end.year, period.end.month, calendar.monthrange(period.end.year, period.end.month)[1]
    )


def _admissions_by_child_and_month(unit, candidates, year, tree):
    """{(child path, month): admissions} over `year`: one scan gives a year's part (quarter, first
    months), its year to date and the monthly chart. COUNT(*), not COUNT(id): PostgreSQL then reads
    the (cell, decision date) index alone, without visiting the rows."""
    admitted, path_field = tree.with_paths(
        _candidates(candidates).admitted_between(datetime.date(year, 1, 1), datetime.date(year, 12, 31)), "cell"
    )
    grid = rollup_by_child(
        unit,
        admitted,
        path_field=path_field,
        by={"month": ExtractMonth("decision_date")},
        admitted=Count("*"),
    )
    return {key: values["admitted"] for key, values in grid.items()}


def _sum_months(grid, first, last):
    """{child path: admissions in months first..last} from the grid."""
    by_child = {}
    for (child, month), count in grid.items():
        if first <= month <= last:
            by_child[child] = by_child.get(child, 0) + count
    return by_child


def progress_report(unit, period, *, candidates=None, today, with_members=True, tree=None):
    """Admissions in the period against the applicable target, per unit directly below and in total,
    and for a period within one year the year's admissions month by month (`monthly`).

    `candidates` is the reader's scoped queryset (Candidate.objects.restrict(user)), so a report never
    counts a person its reader may not see. Four queries: children (none for a cell, which has no
    units below it), targets, admissions by child and month, members (unless `with_members` is
    false). A period within a year that does not follow month ends (a date range) takes two more: its
    own admissions and its year to date, whose pace projects the year end.

    `tree` (units.tree.Tree) is the tree the admissions are counted by, `unit` as `tree.locate()`
    returned it; without one, today's tree.
    """
    tree = tree or Tree.today()
    children = [] if unit.is_cell else tree.children(unit)
    targets = {}
    if period.target_filter is not None:
        targets = dict(
            Target.objects.filter(unit__in=[unit, *children], **period.target_filter).values_list(
                "unit_id", "admissions"
            )
        )
    monthly = None
    if period.year is not None:
        grid = _admissions_by_child_and_month(unit, candidates, period.year, tree)
        monthly = [0] * 12
        for (_child, month), count in grid.items():
            monthly[month - 1] += count
    if period.year is not None and _month_aligned(period):
        admitted = _sum_months(grid, period.start.month, period.end.month)
        year_to_date = _sum_months(grid, 1, period.end.month)
    else:
        admitted = _admitted_by_child(unit, candidates, period.start, period.end, tree)
        year_to_date = admitted
        if period.projects_year_end and not period.starts_the_year:
            year_to_date = _admitted_by_child(unit, candidates, datetime.date(period.year, 1, 1), period.end, tree)
    members, members_total = member_counts(unit, period.headcount_year, tree=tree) if with_members else ({}, None)
    years = period.length_in_years

    def row(row_unit, count, so_far, headcount, is_total=False):
        return ProgressRow(
            unit=row_unit,
            target=targets.get(row_unit.pk),
            admitted=count,
            headcount=headcount,
            projected=projected_year_end(so_far, period, today),
            is_total=is_total,
            years=years,
        )

    rows = [
        row(
            child,
            admitted.get(child.path, 0),
            year_to_date.get(child.path, 0),
            members.get(child.path),
        )
        for child in children
    ]
    total = row(unit, sum(admitted.values()), sum(year_to_date.values()), members_total, is_total=True)
    return ProgressReport(unit, period, total, rows, monthly)


def _admitted_by_child(unit, candidates, start, end, tree):
    admitted, path_field = tree.with_paths(_candidates(candidates).admitted_between(start, end), "cell")
    by_child = rollup_by_child(unit, admitted, path_field=path_field, admitted=Count("*"))
    return {child: values["admitted"] for child, values in by_child.items()}


PROGRESS_SORTS = {
    "code": lambda row: row.unit.code,
    "name": lambda row: row.unit.name,
    "target": lambda row: row.target if row.target is not None else -1,
    "admitted": lambda row: row.admitted,
    "ratio": lambda row: row.ratio if row.ratio is not None else -1,
    "remaining": lambda row: row.remaining if row.remaining is not None else -1,
    "projected": lambda row: row.projected if row.projected is not None else -1,
    "members": lambda row: row.members or 0,
    "members_source": lambda row: str(row.members_source),
    "share": lambda row: row.member_share if row.member_share is not None else -1,
}


def sort_progress_rows(rows, sort):
    """Rows sorted by a column name, "-name" for descending; unknown names keep the tree order."""
    key = PROGRESS_SORTS.get((sort or "").lstrip("-"))
    if key is None:
        return rows
    return sorted(rows, key=key, reverse=sort.startswith("-"))
