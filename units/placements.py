"""The dated tree's rows (units.models.Placement): placing units as they are created, and closing and
opening placements as a unit moves. units.services (a move without a decision) and
units.reorganisation (the events) write the dated tree through these; units.tree reads it.

Each placement has its own path in a space of its own: a new path is one no placement ever had, so
placements of different times never collide and the tree of any day is a set of prefixes.
"""

from django.core.exceptions import ValidationError
from django.db.models import Exists, Max, OuterRef, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import paths
from .models import BEGINNING, ClosedQuarter, Placement, Unit
from .periods import quarter_bounds, quarter_label


def _day(value):
    return date_format(value, "d/m/Y")


def fresh_path(parent_path, taken=None):
    """A path under `parent_path` that no placement has ever had (so no two times collide)."""
    depth = len(parent_path) // paths.STEPLEN + 1
    last = Placement.objects.filter(path__startswith=parent_path, depth=depth).aggregate(m=Max("path"))["m"]
    number = paths.step_number(last) if last else 0
    if taken:
        number = max(number, taken.get(parent_path, 0))
    number += 1
    if taken is not None:
        taken[parent_path] = number
    return paths.child_path(parent_path, number)


def place_new(unit):
    """The first placement of a unit just created (units.signals): under its parent's current
    placement, from `unit._placement_from` (an establishment's date) or since always."""
    parent_path = unit.parent_path
    parent_placement = (
        Placement.objects.current().filter(unit__path=parent_path, folded=False).first() if parent_path else None
    )
    path = fresh_path(parent_placement.path if parent_placement else "")
    return Placement.objects.create(
        unit=unit,
        parent_id=parent_placement.unit_id if parent_placement else None,
        path=path,
        depth=len(path) // paths.STEPLEN,
        name=unit.name,
        valid_from=getattr(unit, "_placement_from", None) or BEGINNING,
    )


def replace_first_placement(unit):
    """Place again a unit just created that treebeard moved right after (the admin's add form)."""
    unit.refresh_from_db()
    first = Placement.objects.filter(unit=unit)
    valid_from = first.values_list("valid_from", flat=True).first() or BEGINNING
    first.delete()
    unit._placement_from = valid_from
    return place_new(unit)


def place_missing():
    """Placements for units inserted in bulk (seed data, the import), which send no signal. A few
    queries whatever the number of units; returns how many were placed."""
    missing = list(
        Unit.objects.filter(~Exists(Placement.objects.filter(unit=OuterRef("pk"))))
        .order_by("path")
        .only("pk", "path", "name")
    )
    if not missing:
        return 0
    current = {
        unit_path: (unit_id, path)
        for unit_id, unit_path, path in Placement.objects.current()
        .filter(folded=False)
        .values_list("unit_id", "unit__path", "path")
    }
    taken = {}
    for (path,) in Placement.objects.values_list("path").iterator():
        parent = paths.parent_path(path)
        taken[parent] = max(taken.get(parent, 0), paths.step_number(path))
    new = []
    for unit in missing:
        parent = current.get(unit.parent_path) if unit.parent_path else None
        parent_path = parent[1] if parent else ""
        number = taken.get(parent_path, 0) + 1
        taken[parent_path] = number
        path = paths.child_path(parent_path, number)
        current[unit.path] = (unit.pk, path)
        new.append(
            Placement(
                unit_id=unit.pk,
                parent_id=parent[0] if parent else None,
                path=path,
                depth=len(path) // paths.STEPLEN,
                name=unit.name,
            )
        )
    Placement.objects.bulk_create(new, batch_size=1000)
    return len(new)


def current(unit):
    placement = Placement.objects.current().filter(unit=unit, folded=False).first()
    if placement is None:
        place_missing()
        placement = Placement.objects.current().filter(unit=unit, folded=False).first()
    return placement


def replace_subtree(placement, *, day, new_parent, folded=None, name=None):
    """Close `placement` and every open placement below it on `day`, and open them again under
    `new_parent`'s placement (None: in place, same path) from `day`. Returns the new top placement."""
    below = list(
        Placement.objects.current().filter(path__startswith=placement.path).select_related("unit").order_by("path")
    )
    check_no_change_after(below, day)
    if new_parent is None:
        prefix = placement.path
        parent_id = placement.parent_id
    else:
        parent_placement = current(new_parent)
        prefix = fresh_path(parent_placement.path)
        parent_id = new_parent.pk
    Placement.objects.filter(pk__in=[p.pk for p in below]).update(valid_to=day)
    new = []
    for old in below:
        path = prefix + old.path[len(placement.path) :]
        top = old.pk == placement.pk
        new.append(
            Placement(
                unit_id=old.unit_id,
                parent_id=parent_id if top else old.parent_id,
                path=path,
                depth=len(path) // paths.STEPLEN,
                name=(name if name is not None and top else old.name),
                valid_from=day,
                folded=(folded if folded is not None and top else old.folded),
            )
        )
    Placement.objects.bulk_create(new)
    return new[0]


def close_subtree(placement, *, day):
    below = Placement.objects.current().filter(path__startswith=placement.path)
    check_no_change_after(below.select_related("unit"), day)
    below.update(valid_to=day)


def check_no_change_after(placements, day):
    """An event takes effect on `day` for a unit and everything below it: none of them may have
    changed (moved, renamed, been placed) after that day, or the tree after it would be rewritten."""
    later = sorted((p for p in placements if p.valid_from > day), key=lambda p: p.path)
    if later:
        raise ValidationError(
            _(
                "Đơn vị %(code)s đã có thay đổi sau ngày %(date)s (từ ngày %(since)s): ngày hiệu lực phải từ ngày đó trở đi."
            )
            % {"code": later[0].unit.code, "date": _day(day), "since": _day(later[0].valid_from)}
        )


def check_not_closed(units, day):
    """The tree at the end of a closed quarter is its figures: an event may not change it."""
    ancestor_paths = {p for unit in units for p in paths.ancestor_paths(unit.path)}
    latest = (
        ClosedQuarter.objects.filter(Q(unit__path__in=ancestor_paths) | Q(unit__in=[u.pk for u in units]))
        .order_by("-year", "-quarter")
        .first()
    )
    if latest is not None and day <= quarter_bounds(latest.year, latest.quarter)[1]:
        raise ValidationError(
            _("%(quarter)s đã khóa sổ: ngày hiệu lực phải sau ngày %(end)s (hoặc mở lại sổ trước).")
            % {
                "quarter": quarter_label(latest.year, latest.quarter),
                "end": _day(quarter_bounds(latest.year, latest.quarter)[1]),
            }
        )


def move_today(*, unit, new_parent, day):
    """A correction of where a unit stands, from `day` (today) on: the dated tree records it like a
    move, so reports of periods that ended before it, closed quarters above all, keep their figures."""
    check_not_closed([unit, new_parent], day)
    placement = current(unit)
    if placement.valid_from > day:
        raise ValidationError(
            _("Đơn vị %(code)s đã có thay đổi sau ngày %(date)s.") % {"code": unit.code, "date": _day(day)}
        )
    replace_subtree(placement, day=day, new_parent=new_parent)
