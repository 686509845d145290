"""Reorganisation (sắp xếp tổ chức): one service per kind of event, each dated, with the decision's
number and the committee that decided it.

Every service first plans (`commit=False` returns the plan: what a page shows before confirming),
then applies the plan in one transaction, or refuses with a ValidationError and writes nothing.
An event changes two things:

- today's tree (the units' treebeard `path`), which every page without a date reads;
- the dated tree (units.models.Placement): the placements the event ends are closed on the effective
  date and new ones open on it, so the tree as of any earlier day, and every report of a period that
  ended before the date, stays exactly as it was. Nothing before the date is rewritten; an event is
  undone by a later one.

A unit that ends (merged, consolidated, dissolved) keeps its row, people, targets and history; its
code is never reused. A unit merged away is folded under its successor from the date on (a placement
drawn nowhere), so its cells' admissions count under the successor in later periods.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import placements
from .audit import REASON_LENGTH, fit_reason, unit_ref
from .models import (
    CELL_KINDS,
    OPEN_END,
    Headcount,
    Placement,
    ReorgEvent,
    ReorgKind,
    Target,
    Term,
    Unit,
    UnitKind,
    User,
)
from .permissions import REORGANISE, allows
from .roles import Role


def _day(value):
    return date_format(value, "d/m/Y")


def _named(unit):
    return {"code": unit.code, "name": unit.name} if unit is not None else None


# The lists of a plan, as Plan.as_dict() writes them.
PLAN_LISTS = ("new_units", "moves", "ends", "renames", "targets", "headcounts", "accounts")


# --- The plan shown before confirming --------------------------------------------------------------


@dataclass
class Move:
    unit: Unit
    old_parent: Unit | None
    new_parent: Unit
    cells: int = 0
    candidates: int = 0


@dataclass
class Plan:
    """What an event will do, in the words of the preview page."""

    kind: str
    effective_date: datetime.date
    decision_no: str
    decided_by: Unit
    new_units: list = field(default_factory=list)  # (code, name, kind label, parent)
    moves: list = field(default_factory=list)  # Move
    ends: list = field(default_factory=list)  # (unit, successor or None)
    renames: list = field(default_factory=list)  # (unit, old name, new name)
    targets: list = field(default_factory=list)  # (from unit, to unit, period label, admissions)
    headcounts: list = field(default_factory=list)  # (from unit, to unit, year, members)
    accounts: list = field(default_factory=list)  # (user, to unit or None: disabled)
    warnings: list = field(default_factory=list)
    event: ReorgEvent | None = None

    @property
    def kind_label(self):
        return ReorgKind(self.kind).label

    def as_dict(self, limit=None):
        """What the event does, as JSON with each unit's code and name: the import's stored preview
        keeps it, and both the import's page and the browser's preview show it through
        units/_reorg_plan.html. With `limit`, each list keeps its first items and says how many more
        in "<list>_more"."""
        before, after = self._before_after()
        shown = {
            "kind": str(self.kind),
            "kind_label": str(self.kind_label),
            "date": _day(self.effective_date),
            "decision_no": self.decision_no,
            "before": before,
            "after": after,
            "new_units": [
                {"code": code, "name": name, "kind": str(kind), "parent": _named(parent)}
                for code, name, kind, parent in self.new_units
            ],
            "moves": [
                {
                    "unit": _named(move.unit),
                    "old_parent": _named(move.old_parent),
                    "new_parent": _named(move.new_parent),
                    "cells": move.cells,
                    "candidates": move.candidates,
                }
                for move in self.moves
            ],
            "ends": [{"unit": _named(unit), "successor": _named(successor)} for unit, successor in self.ends],
            "renames": [{"unit": _named(unit), "old": old, "new": new} for unit, old, new in self.renames],
            "targets": [
                {"source": _named(source), "to": _named(to), "period": str(label), "admissions": admissions}
                for source, to, label, admissions in self.targets
            ],
            "headcounts": [
                {"source": _named(source), "to": _named(to), "year": year, "members": members}
                for source, to, year, members in self.headcounts
            ],
            "accounts": [
                {
                    "username": user.username,
                    "name": user.get_full_name() or str(user.get_role_display()),
                    "to": _named(to),
                }
                for user, to in self.accounts
            ],
            "warnings": [str(warning) for warning in self.warnings],
        }
        if limit is not None:
            for key in PLAN_LISTS:
                if len(shown[key]) > limit:
                    shown[f"{key}_more"] = len(shown[key]) - limit
                    shown[key] = shown[key][:limit]
        return shown

    def _before_after(self):
        """The units the event is about, as they were and as they will be: a moved unit under its old
        and new parent; the units that end or are renamed, and what they become."""
        if self.kind == ReorgKind.MOVE and self.moves:
            move = self.moves[0]
            return (
                [{**_named(move.unit), "parent": _named(move.old_parent)}],
                [{**_named(move.unit), "parent": _named(move.new_parent)}],
            )
        before = [_named(unit) for unit, _successor in self.ends]
        before += [{"code": unit.code, "name": old} for unit, old, _new in self.renames]
        after = [{"code": unit.code, "name": new} for unit, _old, new in self.renames]
        after += [
            {"code": code, "name": name, "kind": str(kind), "parent": _named(parent)}
            for code, name, kind, parent in self.new_units
        ]
        receivers = [successor for _unit, successor in self.ends if successor is not None]
        if self.kind == ReorgKind.SPLIT:
            receivers += [move.new_parent for move in self.moves]
        for unit in receivers:
            if unit.code not in {shown["code"] for shown in after}:
                after.append(_named(unit))
        return before, after

    def summary(self):
        lines = [f"{self.kind_label} · {self.decision_no} · {_day(self.effective_date)}"]
        lines += [
            _("Thành lập %(code)s “%(name)s” thuộc %(parent)s") % {"code": c, "name": n, "parent": p}
            for c, n, _k, p in self.new_units
        ]
        lines += [
            _("Chuyển %(unit)s từ %(old)s sang %(new)s")
            % {"unit": m.unit.code, "old": m.old_parent.code if m.old_parent else "—", "new": m.new_parent.code}
            for m in self.moves
        ]
        lines += [_("Kết thúc %(unit)s") % {"unit": u.code} + (f" → {s.code}" if s else "") for u, s in self.ends]
        lines += [
            _("Đổi tên %(unit)s: “%(old)s” → “%(new)s”") % {"unit": u.code, "old": o, "new": n}
            for u, o, n in self.renames
        ]
        return "\n".join(lines)


# --- Checks every event makes ----------------------------------------------------------------------


def _check_actor(actor, decided_by, units):
    """Staff of the committee above: the deciding committee is the actor's unit or below it, and
    every unit touched lies strictly below the deciding committee."""
    if actor is None:
        return
    if not allows(actor, REORGANISE, decided_by) and not (
        actor.unit_id == decided_by.pk and allows(actor, "change", decided_by)
    ):
        raise PermissionDenied(_("Bạn không có quyền sắp xếp tổ chức ở đơn vị này."))
    for unit in units:
        if unit.pk == decided_by.pk or not unit.path.startswith(decided_by.path):
            raise PermissionDenied(_("Chỉ cấp ủy cấp trên được sắp xếp đơn vị này."))


def _check_alive(unit, day):
    if unit.ended_on is not None:
        raise ValidationError(
            _("Đơn vị %(code)s đã kết thúc hoạt động từ %(date)s.") % {"code": unit.code, "date": _day(unit.ended_on)}
        )
    placement = placements.current(unit)
    if placement.valid_from > day:
        raise ValidationError(
            _("Ngày hiệu lực %(date)s trước ngày đơn vị %(code)s có vị trí hiện nay (%(since)s).")
            % {"date": _day(day), "code": unit.code, "since": _day(placement.valid_from)}
        )
    return placement


def _counts(unit):
    """(cells, people) in `unit`'s subtree today: two counts. People are read through the reverse
    relation the app above declares on the cell ("candidates"), so this floor imports nothing of it."""
    cells = Unit.objects.subtree(unit).active().filter(kind__in=CELL_KINDS).count()
    relation = "candidates" if any(f.name == "candidates" for f in Unit._meta.get_fields()) else None
    people = Unit.objects.subtree(unit).aggregate(n=Count(relation))["n"] if relation else 0
    return cells, people


def _event(plan, units, actor):
    event = ReorgEvent.objects.create(
        kind=plan.kind,
        effective_date=plan.effective_date,
        decision_no=plan.decision_no,
        decided_by=plan.decided_by,
        summary=plan.summary(),
        created_by=actor,
    )
    event.units.set([u.pk for u in units])
    plan.event = event
    return event


def _by(record, actor, reason):
    """`record`'s next save is the actor's, for `reason`: a line in its history (simple_history).
    A unit the reason names is written as its id (units.audit.unit_ref), so it is named when read,
    and only to who may see it."""
    if actor is not None:
        record._history_user = actor
    record._change_reason = fit_reason(reason)
    return record


def _record(unit, actor, reason):
    """A line in the unit's history, by the actor."""
    unit.refresh_from_db()
    _by(unit, actor, reason).save()


def _validate_decision(decision_no, effective_date):
    errors = {}
    if not (decision_no or "").strip():
        errors["decision_no"] = _("Cần số quyết định.")
    if effective_date is None:
        errors["effective_date"] = _("Cần ngày hiệu lực.")
    if errors:
        raise ValidationError(errors)


# --- Moving in today's tree --------------------------------------------------------------------------


def _tree_move(unit, new_parent):
    from .services import refresh_grassroots_types

    unit.refresh_from_db()
    new_parent.refresh_from_db()
    Unit.objects.move(unit, new_parent, pos="last-child")
    refresh_grassroots_types(unit)
    unit.refresh_from_db()


def _move(unit, new_parent, day, *, check_shape=True):
    """Move `unit` under `new_parent` from `day`, in both trees."""
    if check_shape:
        unit.validate_parent(new_parent)
    placement = placements.current(unit)
    placements.replace_subtree(placement, day=day, new_parent=new_parent)
    _tree_move(unit, new_parent)


# --- Targets, headcounts and accounts that follow a unit that ends -----------------------------------


def _term_of(day):
    return Term.objects.filter(start_date__lte=day, end_date__gte=day).first()


def _plan_followers(plan, sources, successor, accounts):
    """Targets and headcounts of the year and term of the date, and the accounts of the sources."""
    day = plan.effective_date
    term = _term_of(day)
    period = Q(year=day.year) | (Q(term=term) if term else Q(pk__in=[]))
    for target in Target.objects.filter(period, unit__in=sources).select_related("unit", "term"):
        plan.targets.append((target.unit, successor, target.period_label, target.admissions))
    for headcount in Headcount.objects.filter(unit__in=sources, year=day.year).select_related("unit"):
        plan.headcounts.append((headcount.unit, successor, headcount.year, headcount.members))
    for user in User.objects.filter(unit__in=sources, is_active=True).select_related("unit").order_by("username"):
        movable = accounts == "move" and (user.role != Role.SECRETARY or successor.is_cell)
        plan.accounts.append((user, successor if movable else None))


def _apply_followers(plan, actor):
    day = plan.effective_date
    term = _term_of(day)
    for source, successor, label, admissions in plan.targets:
        lookup = {"unit": successor, "year": day.year} if label == str(day.year) else {"unit": successor, "term": term}
        target = Target.objects.filter(**lookup).first() or Target(**lookup, admissions=0)
        target.admissions += admissions
        _by(target, actor, _("Cộng chỉ tiêu của %(unit)s (sắp xếp tổ chức)") % {"unit": unit_ref(source)})
        target.full_clean()
        target.save()
    for source, successor, year, members in plan.headcounts:
        headcount = Headcount.objects.filter(unit=successor, year=year).first() or Headcount(
            unit=successor, year=year, members=0
        )
        headcount.members += members
        _by(headcount, actor, _("Cộng số đảng viên của %(unit)s (sắp xếp tổ chức)") % {"unit": unit_ref(source)})
        headcount.full_clean()
        headcount.save()
    for user, successor in plan.accounts:
        if successor is None:
            user.is_active = False
        else:
            user.unit = successor
        user.save(update_fields=["is_active", "unit"])


def _shortfalls(parents, year):
    from .services import children_target_shortfall

    return {p.pk: children_target_shortfall(unit=p, year=year) for p in parents if p is not None}


def _warn(plan, parents, before):
    """Warn where the children's targets of the year no longer add up to the parent's."""
    year = plan.effective_date.year
    for parent in {p.pk: p for p in parents if p is not None}.values():
        parent.refresh_from_db()
        after = _shortfalls([parent], year)[parent.pk]
        if after and after != before.get(parent.pk):
            plan.warnings.append(
                _("Chỉ tiêu năm %(year)d của các đơn vị trực thuộc %(unit)s thiếu %(n)d so với chỉ tiêu của %(unit)s.")
                % {"year": year, "unit": parent.name, "n": after}
            )


class _Rollback(Exception):
    pass


def preview(service, **kwargs):
    """What `service(**kwargs)` would do, without doing it: the service runs in a savepoint that is
    rolled back, so the preview is exactly what confirming writes. Raises what the service raises."""
    try:
        with transaction.atomic():
            plan = service(**kwargs)
            raise _Rollback(plan)
    except _Rollback as done:
        plan = done.args[0]
        plan.event = None
    # The service read the units it was given again as it changed them: read them as they still are.
    for value in kwargs.values():
        for unit in value if isinstance(value, list | tuple) else [value]:
            if isinstance(unit, Unit) and unit.pk and getattr(unit, "tree_date", None) is None:
                unit.refresh_from_db()
    return plan


# --- The services ------------------------------------------------------------------------------------


def _start(kind, effective_date, decision_no, decided_by):
    _validate_decision(decision_no, effective_date)
    return Plan(kind, effective_date, decision_no.strip(), decided_by)


def _establish(plan, *, code, name, kind, parent, grassroots_type, actor):
    """A new unit under `parent` from the plan's date (what unit_create checks)."""
    from .services import unit_create

    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name:
        raise ValidationError(_("Đơn vị mới cần mã và tên."))
    if Unit.objects.filter(code=code).exists():
        raise ValidationError(_("Mã đơn vị %(code)s đã có (mã không dùng lại).") % {"code": code})
    if kind not in UnitKind.values:
        raise ValidationError(_("Loại tổ chức “%(kind)s” không hợp lệ.") % {"kind": kind})
    if kind in (UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL) and not grassroots_type:
        grassroots_type = parent.grassroots_type or "other"
    created = unit_create(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        grassroots_type=grassroots_type,
        placement_from=plan.effective_date,
    )
    _record(
        created,
        actor,
        _("Thành lập từ %(date)s (%(no)s)") % {"date": _day(plan.effective_date), "no": plan.decision_no},
    )
    plan.new_units.append((code, name, UnitKind(kind).label, parent))
    return created


@transaction.atomic
def establish(*, code, name, kind, parent, effective_date, decision_no, decided_by, grassroots_type="", actor=None):
    """Thành lập: a new unit under `parent`, in the tree from `effective_date`."""
    plan = _start(ReorgKind.ESTABLISH, effective_date, decision_no, decided_by)
    _check_actor(actor, decided_by, [parent] if parent.pk != decided_by.pk else [])
    _check_alive(parent, effective_date)
    created = _establish(
        plan, code=code, name=name, kind=kind, parent=parent, grassroots_type=grassroots_type, actor=actor
    )
    _event(plan, [created, parent], actor)
    return plan


def _do_move(plan, unit, new_parent, actor):
    cells, people = _counts(unit)
    old_parent = Unit.objects.parent_of(unit)
    plan.moves.append(Move(unit, old_parent, new_parent, cells, people))
    _move(unit, new_parent, plan.effective_date)
    _record(
        unit,
        actor,
        _("Chuyển từ “%(old)s” sang “%(new)s” từ %(date)s (%(no)s)")
        % {
            "old": unit_ref(old_parent),
            "new": unit_ref(new_parent),
            "date": _day(plan.effective_date),
            "no": plan.decision_no,
        },
    )
    return old_parent


@transaction.atomic
def move(*, unit, new_parent, effective_date, decision_no, decided_by, actor=None):
    """Chuyển: `unit` (with everything below it and its people) under `new_parent` from the date."""
    plan = _start(ReorgKind.MOVE, effective_date, decision_no, decided_by)
    _check_actor(actor, decided_by, [unit, new_parent] if new_parent.pk != decided_by.pk else [unit])
    _check_alive(unit, effective_date)
    _check_alive(new_parent, effective_date)
    unit.validate_parent(new_parent)
    placements.check_not_closed([unit, new_parent], effective_date)
    old_parent = _do_move(plan, unit, new_parent, actor)
    _event(plan, [unit, new_parent, *([old_parent] if old_parent else [])], actor)
    return plan


@transaction.atomic
def rename(*, unit, new_name, effective_date, decision_no, decided_by, actor=None):
    """Đổi tên: reports of periods before the date keep the old name."""
    plan = _start(ReorgKind.RENAME, effective_date, decision_no, decided_by)
    new_name = (new_name or "").strip()
    if not new_name:
        raise ValidationError(_("Cần tên đơn vị mới."))
    _check_actor(actor, decided_by, [unit])
    placement = _check_alive(unit, effective_date)
    placements.check_not_closed([unit], effective_date)
    old = unit.name
    plan.renames.append((unit, old, new_name))
    Placement.objects.filter(pk=placement.pk).update(valid_to=effective_date)
    placement.pk, placement.valid_from, placement.valid_to, placement.name = None, effective_date, OPEN_END, new_name
    placement.save()
    unit.refresh_from_db()
    unit.name = new_name
    unit.full_clean(exclude=["path", "depth", "numchild"])
    _record_with(
        unit,
        actor,
        _("Đổi tên từ “%(old)s” từ %(date)s (%(no)s)")
        % {"old": old, "date": _day(effective_date), "no": plan.decision_no},
    )
    _event(plan, [unit], actor)
    return plan


def _record_with(unit, actor, reason):
    _by(unit, actor, reason).save()


def _listing(units, reason):
    """`reason(listed)` naming as many of `units` as fit in a history reason, then "…": a merger of
    many communes names the first ones, and the event lists them all."""
    refs = [unit_ref(u) for u in units]
    for shown in range(len(refs), 0, -1):
        text = reason(", ".join(refs[:shown]) + ("" if shown == len(refs) else ", …"))
        if len(text) <= REASON_LENGTH:
            return text
    return reason("…")


def _live_below(unit):
    return Unit.objects.filter(path__startswith=unit.path, ended_on__isnull=True).exclude(pk=unit.pk)


def _end(unit, day, successor, actor, reason):
    unit.refresh_from_db()
    unit.ended_on = day
    unit.successor = successor
    _record_with(unit, actor, reason)


def _disable_accounts(plan, unit):
    for user in User.objects.filter(unit=unit, is_active=True).order_by("username"):
        plan.accounts.append((user, None))
        user.is_active = False
        user.save(update_fields=["is_active"])


@transaction.atomic
def dissolve(*, unit, effective_date, decision_no, decided_by, actor=None):
    """Giải thể / kết thúc hoạt động: only once no unit is left under it. Its accounts are disabled."""
    plan = _start(ReorgKind.DISSOLVE, effective_date, decision_no, decided_by)
    _check_actor(actor, decided_by, [unit])
    placement = _check_alive(unit, effective_date)
    if _live_below(unit).exists():
        raise ValidationError(
            _("Không thể giải thể %(code)s: còn đơn vị trực thuộc; hãy chuyển hoặc sáp nhập chúng trước.")
            % {"code": unit.code}
        )
    placements.check_not_closed([unit], effective_date)
    plan.ends.append((unit, None))
    placements.close_subtree(placement, day=effective_date)
    _end(
        unit,
        effective_date,
        None,
        actor,
        _("Giải thể từ %(date)s (%(no)s)") % {"date": _day(effective_date), "no": plan.decision_no},
    )
    _disable_accounts(plan, unit)
    _event(plan, [unit], actor)
    return plan


def _merge_into(plan, sources, successor, accounts, actor, reason):
    """Each source's children move under `successor`, the source ends folded under it, and its
    targets, headcounts and accounts follow."""
    day = plan.effective_date
    for source in sources:
        if source.pk == successor.pk:
            raise ValidationError(_("Không thể sáp nhập %(code)s vào chính nó.") % {"code": source.code})
        if successor.path.startswith(source.path):
            raise ValidationError(_("Không thể sáp nhập %(code)s vào đơn vị cấp dưới của nó.") % {"code": source.code})
        children = list(Unit.objects.children_of(source))
        if children and successor.kind in CELL_KINDS:
            raise ValidationError(
                _("%(code)s còn đơn vị trực thuộc, không sáp nhập vào chi bộ %(into)s được.")
                % {"code": source.code, "into": successor.code}
            )
        for child in children:
            _do_move(plan, child, successor, actor)
    _plan_followers(plan, sources, successor, accounts)
    for source in sources:
        source.refresh_from_db()
        placements.replace_subtree(placements.current(source), day=day, new_parent=successor, folded=True)
        # Today's tree: under the successor, or beside it when the successor is a cell, so the people
        # of the unit that ended stay in the scope of the committee above.
        holder = successor if successor.kind not in CELL_KINDS else Unit.objects.parent_of(successor)
        if holder is not None:
            _tree_move(source, holder)
        plan.ends.append((source, successor))
        _end(source, day, successor, actor, reason)
    _apply_followers(plan, actor)


@transaction.atomic
def merge(*, units, into, effective_date, decision_no, decided_by, actor=None, accounts="move"):
    """Sáp nhập: `units` end and their cells and children move under the existing unit `into`;
    their targets and headcounts of the year and term are added into it. `accounts`: "move" (to
    `into`, where the role fits) or "disable"."""
    plan = _start(ReorgKind.MERGE, effective_date, decision_no, decided_by)
    units = list(units)
    if not units:
        raise ValidationError(_("Cần ít nhất một đơn vị được sáp nhập."))
    _check_actor(actor, decided_by, [*units, into])
    for unit in (*units, into):
        _check_alive(unit, effective_date)
    placements.check_not_closed([*units, into], effective_date)
    parents = [Unit.objects.parent_of(u) for u in units] + [Unit.objects.parent_of(into), into]
    before = _shortfalls(parents, effective_date.year)
    reason = _("Sáp nhập vào “%(into)s” từ %(date)s (%(no)s)") % {
        "into": unit_ref(into),
        "date": _day(effective_date),
        "no": plan.decision_no,
    }
    _merge_into(plan, units, into, accounts, actor, reason)
    _record(
        into,
        actor,
        _listing(
            units,
            lambda listed: _("Tiếp nhận %(units)s (sáp nhập, %(no)s)") % {"units": listed, "no": plan.decision_no},
        ),
    )
    _warn(plan, parents, before)
    _event(plan, [*units, into], actor)
    return plan


@transaction.atomic
def consolidate(
    *,
    units,
    code,
    name,
    kind,
    parent,
    effective_date,
    decision_no,
    decided_by,
    grassroots_type="",
    actor=None,
    accounts="move",
):
    """Hợp nhất: `units` end and together become the new unit `code` under `parent`."""
    plan = _start(ReorgKind.CONSOLIDATE, effective_date, decision_no, decided_by)
    units = list(units)
    if len(units) < 2:
        raise ValidationError(_("Hợp nhất cần ít nhất hai đơn vị."))
    _check_actor(actor, decided_by, [*units, *([parent] if parent.pk != decided_by.pk else [])])
    for unit in (*units, parent):
        _check_alive(unit, effective_date)
    placements.check_not_closed([*units, parent], effective_date)
    parents = [Unit.objects.parent_of(u) for u in units] + [parent]
    before = _shortfalls(parents, effective_date.year)
    created = _establish(
        plan, code=code, name=name, kind=kind, parent=parent, grassroots_type=grassroots_type, actor=actor
    )
    reason = _("Hợp nhất thành “%(new)s” từ %(date)s (%(no)s)") % {
        "new": unit_ref(created),
        "date": _day(effective_date),
        "no": plan.decision_no,
    }
    _merge_into(plan, list(units), created, accounts, actor, reason)
    _warn(plan, [*parents, created], before)
    _event(plan, [*units, created, parent], actor)
    return plan


@dataclass
class SplitPart:
    """One part of a split: an existing unit (`unit`), or a new one (`code`, `name`, `kind`, `parent`),
    which receives `children` (units directly below the split unit) and `target` (this year's)."""

    children: list
    unit: Unit | None = None
    code: str = ""
    name: str = ""
    kind: str = ""
    parent: Unit | None = None
    grassroots_type: str = ""
    target: int | None = None


@transaction.atomic
def split(*, unit, parts, effective_date, decision_no, decided_by, end_unit=True, actor=None):
    """Chia tách: `unit`'s cells and children shared among new or existing units, each part with this
    year's target it is given; `unit` ends (its accounts disabled) or stays. One action for what a
    workbook writes as its parts (establish, move, dissolve)."""
    plan = _start(ReorgKind.SPLIT, effective_date, decision_no, decided_by)
    if not parts:
        raise ValidationError(_("Chia tách cần ít nhất một phần."))
    _check_actor(actor, decided_by, [unit, *[p.unit for p in parts if p.unit]])
    _check_alive(unit, effective_date)
    placements.check_not_closed([unit], effective_date)
    children = {c.pk: c for c in Unit.objects.children_of(unit)}
    given = [c.pk for p in parts for c in p.children]
    if len(given) != len(set(given)) or not set(given) <= set(children):
        raise ValidationError(
            _("Mỗi đơn vị trực thuộc chỉ được chia vào một phần, và phải thuộc %(code)s.") % {"code": unit.code}
        )
    if end_unit and set(given) != set(children):
        raise ValidationError(
            _("%(code)s kết thúc thì mọi đơn vị trực thuộc phải được chia vào các phần.") % {"code": unit.code}
        )
    for part in parts:
        if part.unit is not None:
            _check_alive(part.unit, effective_date)
            receiver = part.unit
        else:
            if part.parent is None:
                raise ValidationError(_("Đơn vị mới cần đơn vị cấp trên."))
            receiver = _establish(
                plan,
                code=part.code,
                name=part.name,
                kind=part.kind,
                parent=part.parent,
                grassroots_type=part.grassroots_type,
                actor=actor,
            )
        for child in part.children:
            child.refresh_from_db()
            child.validate_parent(receiver)
            _do_move(plan, child, receiver, actor)
        if part.target is not None:
            plan.targets.append((unit, receiver, str(effective_date.year), part.target))
            target = Target.objects.filter(unit=receiver, year=effective_date.year).first() or Target(
                unit=receiver, year=effective_date.year, admissions=0
            )
            target.admissions = part.target
            _by(target, actor, _("Chỉ tiêu khi chia tách %(unit)s (sắp xếp tổ chức)") % {"unit": unit_ref(unit)})
            target.full_clean()
            target.save()
    if end_unit:
        unit.refresh_from_db()
        plan.ends.append((unit, None))
        placements.close_subtree(placements.current(unit), day=effective_date)
        _end(
            unit,
            effective_date,
            None,
            actor,
            _("Chia tách từ %(date)s (%(no)s)") % {"date": _day(effective_date), "no": plan.decision_no},
        )
        _disable_accounts(plan, unit)
    _event(plan, [unit, *[m.new_parent for m in plan.moves]], actor)
    return plan


# --- One event as a row: the browser's form and the workbook's sheet "Sắp xếp tổ chức" --------------

KIND_NAMES = {
    "thành lập": ReorgKind.ESTABLISH,
    "sáp nhập": ReorgKind.MERGE,
    "hợp nhất": ReorgKind.CONSOLIDATE,
    "chia tách": ReorgKind.SPLIT,
    "chuyển": ReorgKind.MOVE,
    "đổi tên": ReorgKind.RENAME,
    "giải thể": ReorgKind.DISSOLVE,
    "kết thúc hoạt động": ReorgKind.DISSOLVE,
    "giải thể / kết thúc hoạt động": ReorgKind.DISSOLVE,
}


def kind_named(text):
    """The event kind a sheet or a form names ("Sáp nhập", "sap nhap" is not accepted), or None."""
    text = " ".join(str(text or "").split()).lower()
    if text in ReorgKind.values:
        return ReorgKind(text)
    return KIND_NAMES.get(text)


def unit_kind_named(text):
    """A unit kind by its Vietnamese label ("Đảng bộ trực thuộc") or its value, or None."""
    folded = " ".join(str(text or "").split()).lower()
    for value, label in UnitKind.choices:
        if folded in (value, str(label).lower()):
            return value
    return None


def split_codes(text):
    return [code.strip() for code in str(text or "").replace(";", ",").split(",") if code.strip()]


@dataclass
class EventRow:
    """An event as the sheet writes it (and the browser's form asks it). `parts` is the browser's
    split: [(receiving unit code, name when new, [codes of the units directly below that go there],
    this year's target of the part or None)]."""

    kind: str
    effective_date: datetime.date
    decision_no: str
    codes: list
    new_code: str = ""
    new_name: str = ""
    parent_code: str = ""
    unit_kind: str = ""
    parts: list = field(default_factory=list)
    end_unit: bool = True
    accounts: str = "move"


def _one(row, codes, find):
    if len(codes) != 1:
        raise ValidationError(_("%(kind)s cần đúng một mã đơn vị.") % {"kind": ReorgKind(row.kind).label})
    return find(codes[0])


def already_applied(row):
    """True when this event was recorded already (same kind, date, decision and units): a sheet
    imported twice changes nothing the second time."""
    codes = [*row.codes, *([row.new_code] if row.new_code else [])]
    events = ReorgEvent.objects.filter(kind=row.kind, effective_date=row.effective_date, decision_no=row.decision_no)
    for event in events.prefetch_related("units"):
        if set(codes) <= {unit.code for unit in event.units.all()}:
            return True
    return False


def run_row(row, *, decided_by, actor, find):
    """Apply one event row through the service of its kind; `find(code)` returns a unit the actor may
    see or raises ValidationError (unknown and outside the actor's scope read the same)."""
    common = {
        "effective_date": row.effective_date,
        "decision_no": row.decision_no,
        "decided_by": decided_by,
        "actor": actor,
    }
    kind = row.kind
    if kind == ReorgKind.ESTABLISH:
        return establish(
            code=row.new_code,
            name=row.new_name,
            kind=row.unit_kind,
            parent=find(row.parent_code),
            **common,
        )
    if kind == ReorgKind.MERGE:
        return merge(units=[find(c) for c in row.codes], into=find(row.new_code), accounts=row.accounts, **common)
    if kind == ReorgKind.CONSOLIDATE:
        return consolidate(
            units=[find(c) for c in row.codes],
            code=row.new_code,
            name=row.new_name,
            kind=row.unit_kind,
            parent=find(row.parent_code),
            accounts=row.accounts,
            **common,
        )
    if kind == ReorgKind.MOVE:
        return move(unit=_one(row, row.codes, find), new_parent=find(row.parent_code), **common)
    if kind == ReorgKind.RENAME:
        return rename(unit=_one(row, row.codes, find), new_name=row.new_name, **common)
    if kind == ReorgKind.DISSOLVE:
        return dissolve(unit=_one(row, row.codes, find), **common)
    if kind == ReorgKind.SPLIT:
        unit = _one(row, row.codes, find)
        parent = Unit.objects.parent_of(unit)
        parts = []
        for code, name, child_codes, *share in row.parts:
            children = [find(c) for c in child_codes]
            target = share[0] if share else None
            existing = Unit.objects.filter(code=code).first()
            if existing is not None:
                parts.append(SplitPart(children=children, unit=find(code), target=target))
            else:
                parts.append(
                    SplitPart(
                        children=children,
                        target=target,
                        code=code,
                        name=name,
                        kind=row.unit_kind or unit.kind,
                        parent=parent,
                        grassroots_type=unit.grassroots_type if unit.is_grassroots else "",
                    )
                )
        return split(unit=unit, parts=parts, end_unit=row.end_unit, **common)
    raise ValidationError(_("Hình thức sắp xếp không hợp lệ."))
