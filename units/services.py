"""Actions that change the unit tree, targets, headcounts and closed quarters. Each validates, then
writes atomically. `actor` (when given) is recorded as the author in the history."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import StaleEdit, unit_ref
from .models import GRASSROOTS_KINDS, ClosedQuarter, Headcount, PoolTarget, Target, Unit
from .periods import quarter_bounds, quarter_label
from .permissions import CHANGE, CLOSE_QUARTER, REOPEN_QUARTER, allows


def _require(actor, action, *units):
    """The question every page asks (units.permissions), asked again here for actions taken outside a
    page; `actor` None is the system itself (seed data, a migration)."""
    if actor is not None and not all(allows(actor, action, unit) for unit in units):
        raise PermissionDenied(_("Bạn không có quyền thay đổi đơn vị này."))


def _by(instance, actor):
    if actor is not None:
        instance._history_user = actor
    return instance


def _inherited_grassroots_type(unit):
    """The type a non-grassroots unit inherits: that of its nearest grassroots ancestor."""
    ancestor = Unit.objects.ancestors_of(unit).filter(kind__in=GRASSROOTS_KINDS).order_by("-depth").first()
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
def unit_create(*, code, name, kind, parent=None, grassroots_type="", actor=None, placement_from=None):
    """A new unit; in the dated tree since always, or from `placement_from` (an establishment,
    units.reorganisation), placed by units.signals."""
    if parent is not None:
        _require(actor, CHANGE, parent)
    elif actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Chỉ quản trị viên tạo đơn vị gốc."))
    unit = _by(Unit(code=code, name=name, kind=kind, grassroots_type=grassroots_type), actor)
    unit.validate_parent(parent)
    if not unit.is_grassroots:
        # The parent already carries its own type or the inherited copy.
        unit.grassroots_type = parent.grassroots_type if parent else ""
    # full_clean before the tree insert, so a refusal leaves the tree untouched.
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit._placement_from = placement_from
    if parent is None:
        return Unit.objects.add_root(instance=unit)
    parent.refresh_from_db()  # treebeard needs the parent's current numchild
    return Unit.objects.add_child(parent, instance=unit)


@transaction.atomic
def unit_update(*, unit, actor=None, expected_version=None, **fields):
    _require(actor, CHANGE, unit)
    _by(unit, actor)
    if expected_version is not None:
        unit.version = expected_version
    type_changed = "grassroots_type" in fields and fields["grassroots_type"] != unit.grassroots_type
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit.save()
    if type_changed or "kind" in fields:
        refresh_grassroots_types(unit)
    return unit


@transaction.atomic
def unit_move(*, unit, new_parent, actor=None, today=None):
    """Move a unit (and its subtree, with all its candidates and admissions) under `new_parent`, from
    today (the import's unit rows, the admin): a reorganisation without a decision.

    Candidates stay attached to their cell. Today's tree follows the move; the dated tree records it
    from today (units.reorganisation.move_today), so the figures of periods that ended before, closed
    quarters above all, stay as they were; a closed quarter not yet over refuses the move.
    """
    from .placements import move_today

    unit.refresh_from_db()
    new_parent.refresh_from_db()
    _require(actor, CHANGE, unit, new_parent)
    unit.validate_parent(new_parent)
    if unit.ended_on is not None or new_parent.ended_on is not None:
        raise ValidationError(_("Đơn vị đã kết thúc hoạt động không chuyển được."))
    old_parent = Unit.objects.parent_of(unit)
    move_today(unit=unit, new_parent=new_parent, day=today or timezone.localdate())
    Unit.objects.move(unit, new_parent, pos="last-child")
    unit.refresh_from_db()
    refresh_grassroots_types(unit)
    # Treebeard moves with UPDATEs, which leave no history: record the move as a change of the unit.
    # The parents by id (units.audit.unit_ref): named when read, only to those who may see them.
    unit.refresh_from_db()
    _by(unit, actor)._change_reason = _("Chuyển từ “%(old)s” sang “%(new)s”") % {
        "old": unit_ref(old_parent),
        "new": unit_ref(new_parent),
    }
    unit.save()
    return unit


@transaction.atomic
def target_set(*, unit, admissions, year=None, term=None, actor=None, expected_version=None):
    """Create or change the target of `unit` for a year or a term (exactly one of them).

    `expected_version` is the version the form was shown (0: there was no target yet); a save based
    on an older one is refused with StaleEdit rather than overwriting someone else's number."""
    _require(actor, CHANGE, unit)
    lookup = {"unit": unit, "year": year, "term": term}
    target = Target.objects.filter(**lookup).first() or Target(**lookup)
    if expected_version is not None and target.pk is not None:
        target.version = expected_version  # 0 when the form saw none: someone created it meanwhile
    _by(target, actor)
    target.admissions = admissions
    target.full_clean()
    adding = target.pk is None
    try:
        with transaction.atomic():  # a savepoint: a clash leaves the caller's transaction usable
            target.save()
    except IntegrityError:
        # Two first saves of the same target at once: both found none, the other inserted first. The
        # same refusal as when the other had saved an existing target: nothing written, theirs shown.
        current = Target.objects.filter(**lookup).first() if adding else None
        if current is None:
            raise
        target.pk, target.version = current.pk, 0
        raise StaleEdit(target) from None
    return target


@transaction.atomic
def headcount_set(*, unit, year, members, actor=None):
    _require(actor, CHANGE, unit)
    headcount = Headcount.objects.filter(unit=unit, year=year).first() or Headcount(unit=unit, year=year)
    _by(headcount, actor)
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


@transaction.atomic
def pool_target_set(*, unit, persons, year, actor=None, expected_version=None):
    """Create or change how many outstanding persons `unit` should keep in its pool in `year`, with the
    same optimistic locking as `target_set` (0: the form saw none)."""
    _require(actor, CHANGE, unit)
    target = PoolTarget.objects.filter(unit=unit, year=year).first() or PoolTarget(unit=unit, year=year)
    if expected_version is not None and target.pk is not None:
        target.version = expected_version
    _by(target, actor)
    target.persons = persons
    target.full_clean()
    target.save()
    return target


def children_pool_target_shortfall(*, unit, year):
    """How far the pool targets of `unit`'s direct children fall short of its own (0 when they cover it)."""
    own = PoolTarget.objects.filter(unit=unit, year=year).values_list("persons", flat=True).first()
    if own is None:
        return 0
    children = PoolTarget.objects.filter(year=year, unit__in=Unit.objects.children_of(unit))
    return max(own - sum(children.values_list("persons", flat=True)), 0)


# --- Closing a quarter (khóa sổ) ------------------------------------------------------------------


@transaction.atomic
def quarter_close(*, actor, unit, year, quarter, today=None):
    """Close a quarter for `unit`'s subtree (after its return was sent). Raises ValidationError or
    PermissionDenied; the quarter must have ended (a quarter still running has no return yet) and
    must not be closed already here or above."""
    if not allows(actor, CLOSE_QUARTER, unit):
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức của đơn vị được khóa sổ."))
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("Quý phải từ I đến IV.")})
    today = today or timezone.localdate()
    _start, end = quarter_bounds(year, quarter)
    if end >= today:  # its return is written once it has ended
        raise ValidationError(
            {
                "quarter": _("Chưa thể khóa sổ %(quarter)s: quý chưa kết thúc.")
                % {"quarter": quarter_label(year, quarter)}
            }
        )
    existing = ClosedQuarter.objects.covering(unit).filter(year=year, quarter=quarter).select_related("unit").first()
    if existing is not None:
        raise ValidationError(
            _("%(quarter)s đã được khóa sổ ở %(unit)s.")
            % {"quarter": quarter_label(year, quarter), "unit": existing.unit.name}
        )
    closure = _by(ClosedQuarter(unit=unit, year=year, quarter=quarter, closed_by=actor), actor)
    try:
        with transaction.atomic():
            closure.save()
    except IntegrityError:  # closed by someone else a moment ago
        raise ValidationError(_("%(quarter)s đã được khóa sổ.") % {"quarter": quarter_label(year, quarter)}) from None
    return closure


@transaction.atomic
def quarter_reopen(*, actor, closure):
    if not allows(actor, REOPEN_QUARTER, closure.unit):
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức của cấp ủy cấp trên được mở lại sổ đã khóa."))
    _by(closure, actor)._change_reason = _("Mở lại sổ")
    closure.delete()
