"""The pool of outstanding persons (nguồn kết nạp): who is in it on a day, its flow over a period, and
which cells reviewed it in a quarter. One home for the pool's arithmetic, read by the review page, the
committee's pool page and the quarterly return.

A person is in the pool from the day they are listed until the day they leave it: their admission
decision, or their exit from the list, whichever comes first. So over any period

    at start + added - admitted - left = at end

holds for every unit, and each person counts in exactly one of "admitted" and "left".
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, FilteredRelation, Q

from units.models import CELL_KINDS, PoolTarget, Unit, child_prefix
from units.periods import quarter_of
from units.tree import Tree

from .models import PoolDecision, PoolReview, PoolReviewEntry

FLOW_FIELDS = ("at_start", "added", "admitted", "left", "at_end")


def in_pool_q(day):
    """In the pool at the end of `day`: listed by then, neither admitted nor gone by then."""
    return (
        Q(listed_on__lte=day)
        & (Q(decision_date__isnull=True) | Q(decision_date__gt=day))
        & (Q(exit_date__isnull=True) | Q(exit_date__gt=day))
    )


def flow_counts(start, end):
    """Count(...) expressions of the flow over start..end, for `aggregate` or `annotate`."""
    admitted = Q(decision_date__gte=start, decision_date__lte=end, listed_on__lte=F("decision_date")) & (
        Q(exit_date__isnull=True) | Q(exit_date__gte=F("decision_date"))
    )
    left = Q(exit_date__gte=start, exit_date__lte=end, listed_on__lte=F("exit_date")) & (
        Q(decision_date__isnull=True) | Q(decision_date__gt=F("exit_date"))
    )
    return {
        "at_start": Count("pk", filter=in_pool_q(start - datetime.timedelta(days=1))),
        "added": Count("pk", filter=Q(listed_on__gte=start, listed_on__lte=end)),
        "admitted": Count("pk", filter=admitted),
        "left": Count("pk", filter=left),
        "at_end": Count("pk", filter=in_pool_q(end)),
    }


@dataclass
class PoolRow:
    unit: Unit
    at_start: int = 0
    added: int = 0
    admitted: int = 0
    left: int = 0
    at_end: int = 0
    target: int | None = None
    cells: int = 0
    reviewed: int = 0
    ready: int = 0

    @property
    def target_ratio(self):
        """The pool at the end against the pool target (None without a target)."""
        return self.at_end / self.target if self.target else None

    @property
    def below_target(self):
        return self.target is not None and self.at_end < self.target

    @property
    def not_reviewed(self):
        return self.cells - self.reviewed


@dataclass
class PoolReport:
    unit: Unit
    year: int
    quarter: int
    start: datetime.date
    end: datetime.date
    rows: list
    total: PoolRow
    unreviewed_cells: object = field(default=None)  # a queryset of the cells that did not review (name_then)


def pool_report(unit, start, end, *, candidates, review_year=None, review_quarter=None, today=None, tree=None):
    """The pool of `unit` and each unit directly below it over start..end: the flow, the pool target of
    the year `end` falls in, and how many cells reviewed their pool in the review quarter (by default the
    quarter `end` falls in, or `today`'s when the period has not ended). A fixed number of queries, whatever the size of the subtree."""
    if review_year is None:
        # the quarter the period's last day falls in, or today's while the period runs
        review_year, review_quarter = quarter_of(min(end, today) if today else end)
    tree = tree or Tree.today()  # the tree cells are counted by (`unit` as it located it)
    children = tree.children(unit)
    rows = {child.path: PoolRow(child) for child in children}
    own = PoolRow(unit)  # people of a grassroots cell with no units below it count on the unit itself
    total = PoolRow(unit)
    scoped, cell_path = tree.with_paths(candidates, "cell")
    scoped = scoped.filter(**{f"{cell_path}__startswith": unit.path})
    prefix = child_prefix(cell_path, unit)
    # Every person counts under exactly one branch (a child, or the unit itself), so the total is the
    # sum of the branches: no second scan of the people.
    for values in scoped.annotate(branch=prefix).values("branch").annotate(**flow_counts(start, end)):
        row = rows.get(values["branch"], own)
        for name in FLOW_FIELDS:
            setattr(row, name, getattr(row, name) + values[name])
            setattr(total, name, getattr(total, name) + values[name])
    targets = dict(
        PoolTarget.objects.filter(unit__in=[unit, *children], year=end.year).values_list("unit_id", "persons")
    )
    for row in rows.values():
        row.target = targets.get(row.unit.pk)
    total.target = targets.get(unit.pk)
    cells, unit_path = _cells_in(tree, unit)
    for values in cells.annotate(branch=child_prefix(unit_path, unit)).values("branch").annotate(n=Count("pk")):
        row = rows.get(values["branch"], own)
        row.cells += values["n"]
        total.cells += values["n"]
    reviews, review_path = tree.with_paths(PoolReview.objects.filter(year=review_year, quarter=review_quarter), "cell")
    reviews = reviews.filter(**{f"{review_path}__startswith": unit.path})
    for values in reviews.annotate(branch=child_prefix(review_path, unit)).values("branch").annotate(n=Count("pk")):
        row = rows.get(values["branch"], own)
        row.reviewed += values["n"]
        total.reviewed += values["n"]
    ready, ready_path = tree.with_paths(
        PoolReviewEntry.objects.filter(
            review__in=reviews.values("pk"), decision=PoolDecision.READY, candidate__in=candidates
        ),
        "review__cell",
    )
    ready = ready.annotate(branch=child_prefix(ready_path, unit))
    for values in ready.values("branch").annotate(n=Count("pk")):
        row = rows.get(values["branch"], own)
        row.ready += values["n"]
        total.ready += values["n"]
    # Each with the name it had on the tree's day (`name_then`): a list of a past quarter names the cells
    # as that quarter's return did.
    name_then = unit_path.removesuffix("path") + "name"
    unreviewed = cells.exclude(pk__in=reviews.values("cell_id")).annotate(name_then=F(name_then)).order_by(unit_path)
    return PoolReport(
        unit=unit,
        year=review_year,
        quarter=review_quarter,
        start=start,
        end=end,
        rows=list(rows.values()),
        total=total,
        unreviewed_cells=unreviewed,
    )


def _cells_in(tree, unit):
    """(the cells of `unit`'s subtree in `tree`, the lookup of their path then)."""
    if not tree.is_dated:
        return Unit.objects.subtree(unit).cells(), "path"
    placed = Unit.objects.filter(kind__in=CELL_KINDS).alias(
        _tree_self=FilteredRelation(
            "placements",
            condition=Q(
                placements__valid_from__lte=tree.day, placements__valid_to__gt=tree.day, placements__folded=False
            ),
        )
    )
    return placed.filter(_tree_self__path__startswith=unit.path), "_tree_self__path"


def cell_pool(cell, day, *, candidates):
    """The people of one cell in the pool on `day`, in name order (what a review decides on)."""
    return candidates.filter(cell=cell).filter(in_pool_q(day)).in_name_order()
