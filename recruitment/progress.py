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
import math
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext, ngettext

from units.formatting import ratio
from units.models import Target, Unit
from units.periods import Period
from units.selectors import MemberCount, member_counts, rollup_by_child
from units.tree import Tree

from .models import Candidate

# Leaders name the units "dưới 50% kế hoạch" and those past the plan: one place for both marks.
LOW_RATIO = 0.5
HIGH_RATIO = 1.0
# Nghị quyết 21-NQ/TW: admit 3–4% of the members a year.
MEMBER_SHARE_BAND = (0.03, 0.04)


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
    # A period within one year: admissions from 1/1 to its end (a quarter's "lũy kế"), and the share
    # of the year gone by then (or by today, if earlier). None for a term or a range across years.
    year_to_date: int | None = None
    elapsed: float | None = None
    # Months left in the year from today (fractional; None once the year is over): the pace needed.
    months_left: float | None = None

    @property
    def ratio(self):
        return ratio(self.admitted, self.target)

    @property
    def year_ratio(self):
        """The year to date against the year's target ("lũy kế 9 tháng … đạt …% kế hoạch năm")."""
        return None if self.year_to_date is None else ratio(self.year_to_date, self.target)

    @property
    def headline_ratio(self):
        """The figure leaders quote: for a part of a year its year to date against the year's target
        (a quarter's own admissions against a whole year mislead), otherwise the period's ratio."""
        return self.year_ratio if self.year_to_date is not None else self.ratio

    @property
    def paced(self):
        """Held against the pace, not the whole year: a year still running or any part of one."""
        return self.elapsed is not None and self.target is not None

    @property
    def pace_ratio(self):
        """The year to date against where an even pace to the year's target stands by now: 1.0 is on
        pace. A quarter against a whole year would paint every unit "under 50%"."""
        if not self.paced or not self.target or not self.elapsed:
            return None
        return self.year_to_date / (self.target * self.elapsed)

    @property
    def will_miss(self):
        """The year's end projected at the pace so far falls short of the target."""
        return self.target is not None and self.projected is not None and self.projected < self.target

    @property
    def shortfall(self):
        """How far the projected year-end falls short of the target (0 when it does not)."""
        return max(self.target - self.projected, 0) if self.will_miss else 0

    @property
    def needed_per_month(self):
        """The monthly pace needed from now to reach the target (None: no target, or the year is over)."""
        if self.target is None or self.months_left is None:
            return None
        return monthly_pace(self.remaining, self.months_left)

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
        """Still to admit for the target: after a quarter, the year's target less the year to date."""
        done = self.year_to_date if self.year_to_date is not None else self.admitted
        return None if self.target is None else max(self.target - done, 0)

    @property
    def member_share(self):
        """Admissions as a share of members, per year (Nghị quyết 21-NQ/TW: 3–4% a year)."""
        if not self.members:
            return None
        return self.admitted / self.members / max(self.years, 1.0)

    @property
    def share_outside_band(self):
        """ "low" or "high" when the yearly share of members falls outside Resolution 21's 3–4% (a
        whole year or a term only: a quarter's share is not a year's), else ""."""
        share = self.member_share
        if share is None or self.elapsed is not None and self.elapsed < 1:
            return ""
        low, high = MEMBER_SHARE_BAND
        # Compared as shown (one decimal of a percent), so "3,0%" is never flagged as under 3%.
        shown = round(share * 1000) / 1000
        return "low" if shown < low else "high" if shown > high else ""

    @property
    def is_low(self):
        if self.paced:
            return self.pace_ratio is not None and self.pace_ratio < LOW_RATIO
        return self.ratio is not None and self.ratio < LOW_RATIO

    @property
    def is_high(self):
        value = self.year_ratio if self.paced else self.ratio
        return value is not None and value > HIGH_RATIO


@dataclass
class ProgressReport:
    unit: Unit
    period: object
    total: ProgressRow
    rows: list
    monthly: list | None = None  # a period within one year: that year's admissions per month

    @property
    def year_to_date_apart(self):
        """A part of a year after its first months (a quarter after the first, a range from mid-year):
        its own admissions and, beside them, the year to date against the year's target, as the
        returns are written. From 1/1 the two are the same figure."""
        return self.period.year is not None and not self.period.starts_the_year

    @property
    def member_disagreements(self):
        """The rows (the unit's own first, then those below) whose own member figure differs from
        the sum below it."""
        return [row for row in (self.total, *self.rows) if row.members_disagree]


def year_elapsed(period, today):
    """The share of the period's year gone by its end (or by today, if earlier); None for a period
    that spans years."""
    if period.year is None:
        return None
    year_start, year_end = datetime.date(period.year, 1, 1), datetime.date(period.year, 12, 31)
    counted_to = min(period.end, today)
    if counted_to < year_start:
        return 0.0
    return min(((counted_to - year_start).days + 1) / ((year_end - year_start).days + 1), 1.0)


@dataclass(frozen=True)
class TimeLeft:
    """What is left of a year from `today` (today included): whole months after this one, and the
    days of this month. On 30/11 that is December and one day, never "the last 2 months"."""

    months: int
    days: int
    total_days: int
    year_days: int

    @property
    def in_months(self):
        """Fractional months (a month being a twelfth of the year); 0 once the year is over."""
        return self.total_days * 12 / self.year_days

    @property
    def label(self):
        months = ngettext("%(n)d tháng", "%(n)d tháng", self.months) % {"n": self.months}
        days = ngettext("%(n)d ngày", "%(n)d ngày", self.days) % {"n": self.days}
        if self.months and self.days:
            return gettext("%(months)s %(days)s") % {"months": months, "days": days}
        return months if self.months else days


def time_left(year, today):
    """TimeLeft of `year` seen from `today` (all of it before 1/1, nothing after 31/12)."""
    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    year_days = (year_end - year_start).days + 1
    if today > year_end:
        return TimeLeft(0, 0, 0, year_days)
    if today < year_start:
        return TimeLeft(12, 0, year_days, year_days)
    month_end = datetime.date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    days = (month_end - today).days + 1
    if days == calendar.monthrange(today.year, today.month)[1]:  # the whole month is still ahead
        return TimeLeft(12 - today.month + 1, 0, (year_end - today).days + 1, year_days)
    return TimeLeft(12 - today.month, days, (year_end - today).days + 1, year_days)


def monthly_pace(still, months_left):
    """People a month to admit `still` people in `months_left` months (less than a month left: all of
    them now). None once the year is over."""
    if months_left is None or months_left <= 0:
        return None
    return math.ceil(still / max(months_left, 1.0)) if still else 0


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
    elapsed = year_elapsed(period, today)
    months_left = None
    if period.year is not None:
        months_left = time_left(period.year, today).in_months or None

    def row(row_unit, count, so_far, headcount, is_total=False):
        return ProgressRow(
            unit=row_unit,
            target=targets.get(row_unit.pk),
            admitted=count,
            headcount=headcount,
            projected=projected_year_end(so_far, period, today),
            is_total=is_total,
            years=years,
            year_to_date=so_far if elapsed is not None else None,
            elapsed=elapsed,
            months_left=months_left,
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


@dataclass
class YearEndOutlook:
    """Who will miss the year: of a unit and the units directly below it, those whose year-end,
    projected at the pace since 1/1, falls short of the year's target, the largest shortfall first."""

    unit: Unit
    year: int
    report: ProgressReport
    missing: list  # ProgressRow, the unit's own (is_total) among them when it misses too

    @property
    def checked(self):
        """Rows with a target and a projection: the units the list could speak about."""
        return [
            row
            for row in (self.report.total, *self.report.rows)
            if row.target is not None and row.projected is not None
        ]


def year_end_outlook(unit, year, *, candidates=None, today):
    """YearEndOutlook of `unit` for `year`: the same four queries as its progress (no members)."""
    report = progress_report(unit, Period.for_year(year), candidates=candidates, today=today, with_members=False)
    rows = [row for row in (report.total, *report.rows) if row.will_miss]
    rows.sort(key=lambda row: (-row.shortfall, -(row.needed_per_month or 0), row.unit.path))
    return YearEndOutlook(unit, year, report, rows)


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
    "year_to_date": lambda row: row.year_to_date or 0,
    "year_ratio": lambda row: row.year_ratio if row.year_ratio is not None else -1,
    "shortfall": lambda row: row.shortfall,
    "needed_per_month": lambda row: row.needed_per_month if row.needed_per_month is not None else -1,
}


def sort_progress_rows(rows, sort):
    """Rows sorted by a column name, "-name" for descending; unknown names keep the tree order."""
    key = PROGRESS_SORTS.get((sort or "").lstrip("-"))
    if key is None:
        return rows
    return sorted(rows, key=key, reverse=sort.startswith("-"))
