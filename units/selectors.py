"""Reads over the tree: roll-ups of any row set onto a unit's direct children, in one query."""

from django.db.models import Sum

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


def headcount_by_child(unit, year):
    """Members per direct child of `unit` in `year` (summed over their cells), plus the total."""
    by_child = rollup_by_child(
        unit, Headcount.objects.filter(year=year), path_field="unit__path", members=Sum("members")
    )
    return by_child, rollup_total(by_child, "members")
