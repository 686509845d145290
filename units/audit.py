"""Who changed what: optimistic locking (a `version` on each edited record) and showing changes.

Every save of a versioned record bumps its version with `UPDATE ... WHERE pk = ? AND version = n`; a
form carries the version it was shown, so a save based on an older one is refused (StaleEdit) instead
of overwriting someone else's change. The services, the admin and the import all save this way.

The history itself is django-simple-history's (a historical table per model); this module turns
pairs of historical rows into "field: old → new" with verbose names and display values.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_update_with_history

from .formatting import mask_citizen_id
from .periods import quarter_label

# Bookkeeping columns of every record, never shown as a change. A model names its own in
# `audit_hidden_fields`, and its personal numbers in `audit_masked_fields`: histories and feeds are
# read like lists, so only the last four digits of those show there.
NOT_SHOWN = {"id", "version"}


class StaleEdit(ValidationError):
    """The record was saved by someone else after this form was opened: nothing was written.

    The message is for the person whose save was refused: the actor the service set on the record,
    else the request's user (how simple_history attributes a save, the admin's included)."""

    def __init__(self, instance):
        self.instance = instance
        current = type(instance)._default_manager.filter(pk=instance.pk).first()
        self.current = current
        super().__init__(stale_messages(instance, current, viewer=saving_user(instance)))


def saving_user(instance):
    """Who is saving `instance`: the actor a service set on it, else the signed-in user of the request."""
    actor = getattr(instance, "_history_user", None)
    if actor is not None:
        return actor
    user = getattr(getattr(HistoricalRecords.context, "request", None), "user", None)
    return user if user is not None and user.is_authenticated else None


def stale_messages(mine, current, *, viewer):
    """What changed meanwhile, field by field: the saved (their) value against the one submitted.

    Every refusal of a stale save is worded here, for `viewer` (the one refused): who saved last is
    named only when the viewer may see that account's unit (as in the history, `author_hidden`), and
    units outside the viewer's scope read as OUTSIDE_UNIT. No viewer is the system (a service called
    without an actor, outside a request), which reads everything, as in `describe`."""
    if current is None:
        return [gettext("“%(object)s” vừa bị người khác xóa; không có gì được ghi.") % {"object": mine}]
    base = None
    history = getattr(type(current), "history", None)
    if history is not None:
        base = history.filter(id=current.pk, version=mine.version).order_by("-history_id").first()
        last = history.filter(id=current.pk).select_related("history_user__unit").order_by("-history_id").first()
    else:
        last = None
    differing = []
    for f in shown_fields(type(current)):
        theirs, yours = getattr(current, f.attname), getattr(mine, f.attname)
        # Fields someone else changed since the form was opened (or, without history, those that differ).
        changed_meanwhile = getattr(base, f.attname) != theirs if base is not None else theirs != yours
        if changed_meanwhile and theirs != yours:
            differing.append(f)
    names = related_names(differing, [current, mine], viewer=viewer)
    lines = [
        gettext("%(field)s: đã lưu “%(theirs)s”, bạn nhập “%(yours)s”")
        % {
            "field": capfirst(f.verbose_name),
            "theirs": display_value(f, getattr(current, f.attname), names),
            "yours": display_value(f, getattr(mine, f.attname), names),
        }
        for f in differing
    ]
    who = ""
    if last is not None and last.history_user is not None:
        author = last.history_user
        name = author.get_full_name() or author.get_username()
        who = gettext(" (%(user)s, lúc %(when)s)") % {
            "user": str(OUTSIDE_AUTHOR) if author_hidden(viewer, author) else name,
            "when": formats.date_format(timezone.localtime(last.history_date), "d/m/Y H:i"),
        }
    head = gettext(
        "“%(object)s” đã được người khác sửa trong lúc bạn đang sửa%(who)s; chưa ghi thay đổi của bạn. "
        "Hãy xem lại và lưu lại nếu vẫn cần sửa."
    ) % {"object": current, "who": who}
    return [head, *lines]


class VersionedModel(models.Model):
    """A record two people may edit at once: saves are refused when based on an older version."""

    version = models.PositiveIntegerField(_("phiên bản"), default=1)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding or self.pk is None or kwargs.get("update_fields") is not None:
            return super().save(*args, **kwargs)
        using = kwargs.get("using") or self._state.db
        with transaction.atomic(using=using):
            bumped = (
                type(self)
                ._base_manager.using(using)
                .filter(pk=self.pk, version=self.version)
                .update(version=F("version") + 1)
            )
            if not bumped:
                raise StaleEdit(self)
            self.version += 1
            return super().save(*args, **kwargs)


def capfirst(text):
    text = str(text)
    return text[:1].upper() + text[1:]


def shown_fields(model):
    hidden = NOT_SHOWN | set(getattr(model, "audit_hidden_fields", ()))
    return [f for f in model._meta.concrete_fields if f.name not in hidden]


def display_value(f, value, related_names=None):
    """A value as people read it: choice labels, dd/mm/yyyy, Có/Không, the related record's name."""
    if value in (None, ""):
        return "—"
    if f.name in getattr(f.model, "audit_masked_fields", ()):
        return mask_citizen_id(value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("Có") if value else gettext("Không")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "d/m/Y H:i")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if f.is_relation:
        if related_names is not None:
            return related_names.get((f.related_model, value), str(value))
        related = f.related_model._default_manager.filter(pk=value).first()
        return person_name(related) if related is not None else str(value)
    if isinstance(value, int) and not f.name.endswith("year"):  # 6.311 people, but the year 2026
        return formats.number_format(value, force_grouping=True)
    return str(value)


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Change:
    """One historical row, shown: who, when, what (created / changed / deleted) and the field changes."""

    record: object
    model: type
    changes: list = field(default_factory=list)
    url: str = ""
    baseline: bool = False
    author_outside: bool = False  # made by an account of a unit the viewer may not see: not named
    reason: str = ""  # why, with the units it names resolved for the viewer (describe)
    is_import = False

    @property
    def when(self):
        return self.record.history_date

    @property
    def user(self):
        return self.record.history_user

    @property
    def kind(self):
        return self.record.history_type

    @property
    def kind_label(self):
        return {"+": gettext("Tạo mới"), "~": gettext("Sửa"), "-": gettext("Xóa")}[self.record.history_type]

    @property
    def model_label(self):
        return capfirst(self.model._meta.verbose_name)

    @property
    def object_label(self):
        return label_of(self.record)


def label_of(record):
    """A historical row's name, without a query when the row's own fields say it (or its `unit` was
    fetched with select_related)."""
    for name in ("full_name", "name"):
        if hasattr(record, name):
            return getattr(record, name)
    if hasattr(record, "unit_id"):
        if hasattr(record, "quarter"):
            period = quarter_label(record.year, record.quarter)
        else:
            period = getattr(record, "year", None) or getattr(record, "term", "")
        return f"{record.unit.name} · {period}"
    return str(record.instance)


def describe(records, model, *, complete=False, viewer=None):
    """Changes for historical rows of one model, each against the row before it: one query for the
    earlier rows of the same records (none when `complete`: the records are the whole history of
    their objects), and one per related model for the names of related records. With a `viewer`, a
    unit outside their scope (a person's cell before they moved in) reads as OUTSIDE_UNIT."""
    records = list(records)
    if not records:
        return []
    earlier = {}
    if complete:
        rows = sorted(records, key=lambda r: r.history_id)
    else:
        top = max(r.history_id for r in records)
        rows = model.history.filter(id__in={r.id for r in records}, history_id__lte=top).order_by("history_id")
    for row in rows:
        earlier.setdefault(row.id, []).append(row)
    fields = shown_fields(model)
    pairs = []
    for record in records:
        rows = earlier.get(record.id, [])
        previous = None
        for row in rows:
            if row.history_id >= record.history_id:
                break
            previous = row
        pairs.append((record, previous))
    units_named = {pk for record, _previous in pairs for pk in units_in_reason(record.history_change_reason)}
    names = related_names(
        fields, [r for pair in pairs for r in pair if r is not None], viewer=viewer, units=units_named
    )
    result = []
    for record, previous in pairs:
        changes = []
        for f in fields:
            new = getattr(record, f.attname)
            old = getattr(previous, f.attname) if previous is not None else None
            if record.history_type == "-":
                continue
            if previous is None and new in (None, "", False):
                continue
            if previous is not None and old == new:
                continue
            changes.append(
                FieldChange(
                    capfirst(f.verbose_name),
                    display_value(f, old, names) if previous else "—",
                    display_value(f, new, names),
                )
            )
        change = Change(record, model, changes, reason=resolve_reason(record.history_change_reason, names))
        change.author_outside = author_hidden(viewer, record.history_user)
        # A change to a record written before history was kept (seed_demo, data older than the history):
        # there is nothing to compare with, so the values are shown as they stood after it.
        change.baseline = previous is None and record.history_type == "~"
        result.append(change)
    return result


# A unit the viewer may not see, named in a history: the same words whatever the unit, so the history
# tells nothing about what lies outside the viewer's subtree.
OUTSIDE_UNIT = _("Đơn vị khác")
# Who saved, when that is an account of a unit the viewer may not see (the history, a stale save).
OUTSIDE_AUTHOR = _("người dùng ở đơn vị khác")

# A unit named in a history's reason ("Chuyển từ … sang …") is stored as its id, `{unit:12}`, and named
# when shown, for the viewer (describe): the reason is written once but read by people of different
# scopes, and a unit renamed since reads by its name of today.
UNIT_REF = re.compile(r"\{unit:(\d+)\}")


def unit_ref(unit):
    """`unit` in a history reason: its id, resolved when shown (resolve_reason); "—" for none."""
    return "—" if unit is None else f"{{unit:{unit.pk}}}"


# An old reason's unit that could not be told from the name it was written with (several units had
# that name, or none): named to nobody (units/migrations/0009_history_notes_name_units_by_id).
NO_UNIT_REF = "{unit:0}"

# How long a reason may be (simple_history's column): PostgreSQL refuses a longer one.
REASON_LENGTH = 100


def fit_reason(reason):
    """`reason` cut to the column's length, never inside a unit's id (a cut `{unit:1` would show)."""
    reason = str(reason)
    if len(reason) <= REASON_LENGTH:
        return reason
    cut = reason[: REASON_LENGTH - 1]
    opened = cut.rfind("{")
    if opened > cut.rfind("}"):
        cut = cut[:opened]
    return cut + "…"


def _unit_model():
    # By the registry: units.models builds on this module (VersionedModel), so importing it back
    # would make a cycle.
    return django_apps.get_model("units", "Unit")


def units_in_reason(reason):
    return {int(pk) for pk in UNIT_REF.findall(reason or "")}


def resolve_reason(reason, names):
    """The reason as the viewer reads it: each unit by its name from `names` (related_names, which
    has OUTSIDE_UNIT for those outside their scope); one it does not know is OUTSIDE_UNIT too."""
    unit_model = _unit_model()
    return UNIT_REF.sub(lambda m: names.get((unit_model, int(m.group(1))), str(OUTSIDE_UNIT)), reason or "")


def reasons_for(records, *, viewer):
    """The reasons of historical `records` as `viewer` reads them, in their order (one query for the
    units they name): for pages that show the stored rows without describe(), the admin's history."""
    records = list(records)
    units = {pk for record in records for pk in units_in_reason(record.history_change_reason)}
    names = related_names((), (), viewer=viewer, units=units)
    return [resolve_reason(record.history_change_reason, names) for record in records]


def _hidden_from(viewer, obj):
    """Whether `obj` is a unit `viewer` may not see: neither in their subtree nor above it."""
    from .permissions import VIEW, allows

    path = getattr(obj, "path", None)
    if viewer is None or path is None or viewer.is_superuser:
        return False
    if not viewer.unit_id:  # an account without a unit sees no unit
        return True
    return not (viewer.unit.path.startswith(path) or allows(viewer, VIEW, obj))


def author_hidden(viewer, author):
    """Whether `author` (who saved a record) is an account of a unit `viewer` may not see, and so is
    not to be named to them. Accounts without a unit (the administrators) are named."""
    return viewer is not None and author is not None and bool(author.unit_id) and _hidden_from(viewer, author.unit)


def related_names(fields, rows, viewer=None, units=()):
    """{(model, pk): str} for the foreign keys in `rows`, and the `units` (pks) a reason names: one
    query per related model. Units outside `viewer`'s scope (when given) are named OUTSIDE_UNIT."""
    wanted = {}
    for f in fields:
        if f.is_relation:
            for row in rows:
                value = getattr(row, f.attname)
                if value is not None:
                    wanted.setdefault(f.related_model, set()).add(value)
    if units:
        wanted.setdefault(_unit_model(), set()).update(units)
    names = {}
    for related, pks in wanted.items():
        for obj in related._default_manager.filter(pk__in=pks):
            names[(related, obj.pk)] = str(OUTSIDE_UNIT) if _hidden_from(viewer, obj) else person_name(obj)
    return names


def person_name(obj):
    """A user by their name (Vietnamese order) when they have one; anything else as str()."""
    full = obj.get_full_name() if hasattr(obj, "get_full_name") else ""
    return full or str(obj)


def bulk_update_versioned(model, objects, fields, **history_kwargs):
    """Write changed records of a VersionedModel in bulk, each as its save() would: the version bumped
    (so a form still holding the old one is refused as stale) and one history row.

    `fields` are written along with `version`. Unlike save(), nothing compares the version in the
    database: the objects are the caller's, read in the same transaction (as the import reads and
    writes them). `history_kwargs` go to simple_history's bulk_update_with_history: batch_size,
    default_user, default_change_reason, or a `manager` whose bulk_update writes the rows another way.
    """
    objects = list(objects)
    for obj in objects:
        obj.version += 1
    fields = [*fields, *([] if "version" in fields else ["version"])]
    return bulk_update_with_history(objects, model, fields, **history_kwargs)
