"""Reads over the tree: roll-ups of any row set onto a unit's direct children, in one query; and
member counts (số đảng viên), own figure or the sum below."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import paths
from .models import Headcount, child_prefix


def rollup_by_child(unit, queryset, *, path_field, by=None, **aggregates):
    """Aggregate `queryset` over `unit`'s subtree, grouped by the direct child each row lies under.

    `path_field` is the lookup to the row's unit path (e.g. "cell__path"). Returns
    ``{child_path: {name: value}}``; rows attached to `unit` itself are keyed by `unit.path`.
    With `by` ({name: expression}), rows are grouped by those too and keyed by
    ``(child_path, value, ...)``: a report's months and its children in the same scan.
    One query, whatever the depth of the tree.
    """
    by = by or {}
    names = list(aggregates)
    rows = (
        queryset.filter(**{f"{path_field}__startswith": unit.path})
        .annotate(_child=child_prefix(path_field, unit), **by)
        .values("_child", *by)
        .annotate(**aggregates)
        .order_by()
        .values_list("_child", *by, *names)  # tuples: a province's month grid is 1,500 rows
    )
    if not by:
        return {row[0]: dict(zip(names, row[1:])) for row in rows}
    width = 1 + len(by)
    return {row[:width]: dict(zip(names, row[width:])) for row in rows}


def rollup_total(by_child, name):
    return sum((values.get(name) or 0) for values in by_child.values())


class MemberSource(models.TextChoices):
    """Where a unit's member count comes from."""

    REPORTED = "reported", _("theo báo cáo")  # the unit's own figure
    SUMMED = "summed", _("cộng từ chi bộ")  # the sum of the counts below it


@dataclass(frozen=True)
class MemberCount:
    """A unit's members in a year: its own recorded figure (`own`), the sum of its children's counts
    (`below`), either None when nothing is recorded. The count is its own figure where there is one,
    otherwise the sum below."""

    own: int | None = None
    below: int | None = None

    @property
    def count(self):
        return self.own if self.own is not None else self.below

    @property
    def source(self):
        """MemberSource.REPORTED, MemberSource.SUMMED, or None when there is no count."""
        if self.own is not None:
            return MemberSource.REPORTED
        return MemberSource.SUMMED if self.below is not None else None

    @property
    def source_label(self):
        return self.source.label if self.source else ""

    @property
    def disagrees(self):
        """The unit's own figure and the sum below it both exist and differ."""
        return self.own is not None and self.below is not None and self.own != self.below

    @property
    def difference(self):
        """Own figure minus the sum below (None unless both exist)."""
        return self.own - self.below if self.own is not None and self.below is not None else None


def _add(total, value):
    return value if total is None else total + value


def split_figures(figures, child_length):
    """({child: its own figure}, {child: the sum of the topmost figures strictly below it}) of
    {path: members}, for the children whose paths are `child_length` long. In path order a unit's
    descendants follow it directly: a figure under the last topmost one (`covering`) is covered by
    it; any other figure below a child is topmost. (A province: 17,550 figures, a few ms.)"""
    own, below = {}, {}
    covering = None
    for path in sorted(figures):
        if len(path) < child_length:
            continue  # the unit's own figure
        child = path[:child_length]
        if path == child:
            own[child] = figures[path]
        elif covering is None or not path.startswith(covering):
            below[child] = below.get(child, 0) + figures[path]
            covering = path
    return own, below


def member_counts(unit, year, *, tree=None):
    """Members in `year` of each direct child of `unit` and of `unit` itself, own figure or sum below.

    Returns ``({child_path: MemberCount}, MemberCount of unit)``; a child with nothing recorded in its
    subtree is absent. A unit's count is its own Headcount where it has one, otherwise the sum of its
    children's counts, recursively: so the sum below a unit is the sum of the topmost figures under it
    (those with no figure on a unit between them and it). One query for the subtree's (path, members);
    the rest is path arithmetic.
    """
    if tree is None:
        rows, path_field = Headcount.objects.all(), "unit__path"
    else:  # the tree of a day (units.tree): each figure where its unit stood
        rows, path_field = tree.with_paths(Headcount.objects.all(), "unit")
    figures = dict(
        rows.filter(**{"year": year, f"{path_field}__startswith": unit.path})
        .order_by()
        .values_list(path_field, "members")
    )
    own, below = split_figures(figures, len(unit.path) + paths.STEPLEN)
    by_child = {child: MemberCount(own=own.get(child), below=below.get(child)) for child in sorted({*own, *below})}
    summed = None
    for count in by_child.values():
        summed = _add(summed, count.count)
    return by_child, MemberCount(own=figures.get(unit.path), below=summed)
