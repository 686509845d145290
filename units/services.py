"""Actions that change the unit tree, targets and headcounts. Each validates, then writes atomically."""
from django.db import transaction
from django.db.models import Q

from .models import GRASSROOTS_KINDS, Headcount, Target, Unit


def _inherited_grassroots_type(unit):
    """The type a non-grassroots unit inherits: that of its nearest grassroots ancestor."""
    ancestor = (
        Unit.objects.ancestors_of(unit).filter(kind__in=GRASSROOTS_KINDS).order_by("-depth").first()
    )
    return ancestor.grassroots_type if ancestor else ""


@transaction.atomic
def refresh_grassroots_types(root):
    """Make every unit in `root`'s subtree carry the type of its grassroots organisation.

    One UPDATE for the subtree, then one per grassroots organisation inside it (few per move).
    """
    root.refresh_from_db()
    if not root.is_grassroots:
        Unit.objects.subtree(root).exclude(kind__in=GRASSROOTS_KINDS).update(
            grassroots_type=_inherited_grassroots_type(root)
        )
    for org in Unit.objects.subtree(root).filter(kind__in=GRASSROOTS_KINDS).order_by("depth"):
        Unit.objects.subtree(org).exclude(pk=org.pk).exclude(kind__in=GRASSROOTS_KINDS).update(
            grassroots_type=org.grassroots_type
        )


@transaction.atomic
def unit_create(*, code, name, kind, parent=None, grassroots_type=""):
    unit = Unit(code=code, name=name, kind=kind, grassroots_type=grassroots_type)
    unit.validate_parent(parent)
    if not unit.is_grassroots:
        # The parent already carries its own type or the inherited copy.
        unit.grassroots_type = parent.grassroots_type if parent else ""
    # full_clean before the tree insert, so a refusal leaves the tree untouched.
    unit.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        return Unit.objects.add_root(instance=unit)
    parent.refresh_from_db()  # treebeard needs the parent's current numchild
    return Unit.objects.add_child(parent, instance=unit)


@transaction.atomic
def unit_update(*, unit, **fields):
    type_changed = "grassroots_type" in fields and fields["grassroots_type"] != unit.grassroots_type
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit.save()
    if type_changed or "kind" in fields:
        refresh_grassroots_types(unit)
    return unit


@transaction.atomic
def unit_move(*, unit, new_parent):
    """Move a unit (and its subtree, with all its candidates and admissions) under `new_parent`.

    Candidates stay attached to their cell; only paths change, so roll-ups follow the move.
    """
    unit.refresh_from_db()
    new_parent.refresh_from_db()
    unit.validate_parent(new_parent)
    Unit.objects.move(unit, new_parent, pos="last-child")
    unit.refresh_from_db()
    refresh_grassroots_types(unit)
    return unit


@transaction.atomic
def target_set(*, unit, admissions, year=None, term=None):
    """Create or change the target of `unit` for a year or a term (exactly one of them)."""
    lookup = {"unit": unit, "year": year, "term": term}
    target = Target.objects.filter(**lookup).first() or Target(**lookup)
    target.admissions = admissions
    target.full_clean()
    target.save()
    return target


@transaction.atomic
def headcount_set(*, unit, year, members):
    headcount = Headcount.objects.filter(unit=unit, year=year).first() or Headcount(unit=unit, year=year)
    headcount.members = members
    headcount.full_clean()
    headcount.save()
    return headcount


def children_target_shortfall(*, unit, year=None, term=None):
    """How far the targets of `unit`'s direct children fall short of its own (0 when they cover it)."""
    period = Q(year=year) if year is not None else Q(term=term)
    own = Target.objects.filter(period, unit=unit).values_list("admissions", flat=True).first()
    if own is None:
        return 0
    children = Target.objects.filter(period, unit__in=Unit.objects.children_of(unit))
    total = sum(children.values_list("admissions", flat=True))
    return max(own - total, 0)
