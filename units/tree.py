"""The tree as it stood on a date: read from the placements (units.models.Placement).

`Tree.today()` is today's tree as every page without a date reads it (the units' own `path`, kept by
treebeard); `Tree.as_of(day)` is the tree of that day. Both answer the same questions, so a report
takes a tree and does not care which:

- `locate(unit)`: the unit as it stood (its path, depth and name then) and the tree actually used:
  a unit that did not exist on the day is read on the nearest day of its life instead, and the page
  says so;
- `children(unit)`, `subtree(unit)`, `units_at(paths)`: one query each;
- `with_paths(queryset, field)`: the queryset with a lookup to the path its unit had on the day,
  for rolling rows (admissions, headcounts) up by path prefix in one query
  (units.selectors.rollup_by_child).

Units read from a dated tree carry the path and name of the day: they are for reading only
(`Unit.save()` refuses them).
"""

import datetime
from dataclasses import dataclass

from django.db.models import FilteredRelation, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import CELL_KINDS, GRASSROOTS_KINDS, Placement, Unit


def _placed(placement, day):
    """The placement's unit carrying the path, depth and name it had (read-only)."""
    unit = placement.unit
    unit.path, unit.depth, unit.name = placement.path, placement.depth, placement.name
    unit.placement = placement
    unit.tree_date = day
    return unit


@dataclass(frozen=True)
class Tree:
    day: datetime.date | None = None  # None: today's tree, read from the units themselves

    @classmethod
    def today(cls):
        return cls(None)

    @classmethod
    def as_of(cls, day):
        return cls(day)

    @property
    def is_dated(self):
        return self.day is not None

    @property
    def label(self):
        if self.day is None:
            return _("cây tổ chức hiện nay")
        return _("cây tổ chức ngày %(date)s") % {"date": date_format(self.day, "d/m/Y")}

    def _valid(self, prefix=""):
        return Q(**{f"{prefix}valid_from__lte": self.day, f"{prefix}valid_to__gt": self.day})

    def placements(self):
        return Placement.objects.filter(self._valid()).select_related("unit")

    # --- one unit ---------------------------------------------------------------------------------

    def locate(self, unit):
        """(the unit as it stood, the tree used): one query, two when the unit did not exist on the
        day (then the tree of the nearest day it did: its last day, or its first)."""
        if self.day is None:
            return unit, self
        placement = self.placements().filter(unit=unit, folded=False).first()
        if placement is not None:
            return _placed(placement, self.day), self
        placements = list(
            Placement.objects.filter(unit=unit, folded=False).select_related("unit").order_by("valid_from")
        )
        before = [p for p in placements if p.valid_from <= self.day and p.valid_to > p.valid_from]
        after = [p for p in placements if p.valid_from > self.day and p.valid_to > p.valid_from]
        if before:
            nearest = before[-1]
            day = nearest.valid_to - datetime.timedelta(days=1)
        elif after:
            nearest = after[0]
            day = nearest.valid_from
        else:  # never placed (cannot happen once placements are kept): today's tree
            return unit, Tree.today()
        tree = Tree.as_of(day)
        return _placed(nearest, day), tree

    # --- sets of units ----------------------------------------------------------------------------

    def children(self, unit):
        """The units directly below `unit` (as `locate` returned it), in tree order: one query."""
        if self.day is None:
            return list(Unit.objects.children_of(unit))
        rows = self.placements().filter(path__startswith=unit.path, depth=unit.depth + 1, folded=False)
        return [_placed(p, self.day) for p in rows.order_by("path")]

    def subtree(self, unit, *, kinds=None):
        """`unit` and everything below it (of `kinds` only, when given), in tree order: one query."""
        if self.day is None:
            rows = Unit.objects.subtree(unit).active()
            return list(rows.filter(kind__in=kinds) if kinds else rows)
        rows = self.placements().filter(path__startswith=unit.path, folded=False)
        if kinds:
            rows = rows.filter(unit__kind__in=kinds)
        return [_placed(p, self.day) for p in rows.order_by("path")]

    def subtree_values(self, unit, *, kinds):
        """{path: (code, name, grassroots_type)} of the units of `kinds` in `unit`'s subtree, as they
        stood (no model objects: a province has ~14,000 cells): one query."""
        if self.day is None:
            rows = Unit.objects.subtree(unit).active().filter(kind__in=kinds)
            rows = rows.values_list("path", "code", "name", "grassroots_type")
        else:
            rows = Placement.objects.filter(
                self._valid(), path__startswith=unit.path, folded=False, unit__kind__in=kinds
            ).values_list("path", "unit__code", "name", "unit__grassroots_type")
        return {path: tuple(values) for path, *values in rows}

    def paths_and_kinds(self, unit):
        """{path: kind} of the cells and grassroots organisations in `unit`'s subtree: one query."""
        kinds = (*CELL_KINDS, *GRASSROOTS_KINDS)
        if self.day is None:
            rows = Unit.objects.subtree(unit).active().filter(kind__in=kinds).values_list("path", "kind")
        else:
            rows = Placement.objects.filter(
                self._valid(), path__startswith=unit.path, folded=False, unit__kind__in=kinds
            ).values_list("path", "unit__kind")
        return dict(rows.order_by("path"))

    def units_at(self, paths, *, only=None):
        """{path: unit as it stood} for the given paths: one query."""
        if self.day is None:
            rows = Unit.objects.filter(path__in=paths)
            return {u.path: u for u in (rows.only(*only) if only else rows)}
        rows = self.placements().filter(path__in=paths)
        return {p.path: _placed(p, self.day) for p in rows}

    # --- rows rolled up by the tree of the day ----------------------------------------------------

    def with_paths(self, queryset, field):
        """(queryset, path lookup): `field` is the row's unit ("cell" for a person, "unit" for a
        headcount); the lookup gives that unit's path on the day. Rows whose unit was in no tree that
        day drop out of anything filtered on the lookup. No query of its own."""
        if self.day is None:
            return queryset, f"{field}__path"
        alias = "_tree_" + field.replace("__", "_")  # an alias may not hold "__"
        relation = f"{field}__placements"
        condition = Q(
            **{
                f"{relation}__valid_from__lte": self.day,
                f"{relation}__valid_to__gt": self.day,
            }
        )
        return queryset.alias(**{alias: FilteredRelation(relation, condition=condition)}), f"{alias}__path"

    def in_subtree(self, queryset, unit, field="cell"):
        """The rows whose unit lay in `unit`'s subtree on the day."""
        queryset, path_field = self.with_paths(queryset, field)
        return queryset.filter(**{f"{path_field}__startswith": unit.path})
