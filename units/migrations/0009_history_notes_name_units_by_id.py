"""History notes written before units were stored by id: the units they name by name or code become
`{unit:<id>}`, named when read and only to who may see them (units.audit.resolve_reason).

A move's two parents and a merger's successor are first told by what the dated tree says happened on
the note's effective day (the placements' parents before and after it, the units ended into a
successor): names repeat (a commune of 2025 took a predecessor's name; "Chi bộ thôn 1" stands in every
commune). Otherwise a name is matched against the units that had it on the note's day (their
placements), else against every name a unit has had; a code against the codes units have had. A name or code that matches no
unit, or several, becomes `{unit:0}`, which nobody's page names ("Đơn vị khác"): no stored name of a
unit outside a reader's scope is left. Notes are kept in the language they were written in, so the
English forms are read too. Only the rows whose note starts as one of these is read (a LIKE in SQL).

Reversing it leaves the notes as they are: the ids read as well as the names did.
"""

import contextlib
import datetime
import re
from collections import defaultdict

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

UNKNOWN = "{unit:0}"  # units.audit.NO_UNIT_REF
REF = re.compile(r"\{unit:\d+\}")
BATCH = 900  # ids in one query: within SQLite's oldest limit of 999 parameters

# Notes whose units are quoted names: “…”, or a name cut short at the column's end.
BY_NAME = (
    "Chuyển từ “",
    "Sáp nhập vào “",
    "Hợp nhất thành “",
    "Changed from “",
    "Moved from “",
    "Merged into “",
    "Consolidated into “",
)
QUOTED = re.compile(r"“([^”]*)(”|$)")

# Notes whose units are codes, after the prefix and up to the end marker (or the note's end).
BY_CODE = (
    ("Tiếp nhận ", " (sáp nhập, "),
    ("Received ", " (merger, "),
    ("Cộng chỉ tiêu của ", " (sắp xếp tổ chức)"),
    ("Add the targets of ", " (reorganisation)"),
)

# The units app's historical models: those that record a note.
HISTORIES = ("HistoricalUnit", "HistoricalUser", "HistoricalTarget", "HistoricalHeadcount", "HistoricalPoolTarget")


class Units:
    """Which unit a name or code meant, read once from the units, their placements and their history."""

    def __init__(self, apps):
        Unit = apps.get_model("units", "Unit")
        Placement = apps.get_model("units", "Placement")
        HistoricalUnit = apps.get_model("units", "HistoricalUnit")
        self.named = defaultdict(set)  # name -> units that have it today
        self.ever_named = defaultdict(set)  # name -> units that ever had it
        self.coded = defaultdict(set)  # code -> units that ever had it
        for pk, code, name in Unit.objects.values_list("pk", "code", "name").iterator():
            self.named[name].add(pk)
            self.ever_named[name].add(pk)
            self.coded[code].add(pk)
        for pk, code, name in HistoricalUnit.objects.values_list("id", "code", "name").distinct().iterator():
            self.ever_named[name].add(pk)
            self.coded[code].add(pk)
        self.placed = defaultdict(list)  # name -> [(unit, valid_from, valid_to)]
        self.with_placement = set()
        ended = defaultdict(dict)  # unit -> {day its placement ended: its parent then}
        started = []  # (unit, day its placement began, its parent then)
        rows = Placement.objects.values_list("unit_id", "name", "valid_from", "valid_to", "parent_id").iterator()
        for pk, name, valid_from, valid_to, parent in rows:
            self.placed[name].append((pk, valid_from, valid_to))
            self.ever_named[name].add(pk)
            self.with_placement.add(pk)
            ended[pk][valid_to] = parent
            started.append((pk, valid_from, parent))
        # What the dated tree says happened on a day, to tell apart units of the same name (the
        # communes of 2025 often took a predecessor's name; "Chi bộ thôn 1" stands in every commune):
        # the moves (a unit's parent before and after the day) and the units ended into a successor.
        self.moves_on = defaultdict(set)  # day -> {(old parent, new parent)}
        self.move_of = {}  # (unit, day) -> (old parent, new parent)
        for pk, day, parent in started:
            before = ended[pk].get(day, parent)
            if before != parent:
                self.moves_on[day].add((before, parent))
                self.move_of[pk, day] = (before, parent)
        self.successors_on = defaultdict(set)  # day -> {successor}
        self.successor_of = {}  # unit -> (the day it ended, its successor)
        rows = Unit.objects.filter(successor__isnull=False, ended_on__isnull=False)
        for pk, day, successor in rows.values_list("pk", "ended_on", "successor_id"):
            self.successors_on[day].add(successor)
            self.successor_of[pk] = (day, successor)

    def by_name(self, name, day):
        at_the_time = {pk for pk, valid_from, valid_to in self.placed.get(name, ()) if valid_from <= day < valid_to}
        at_the_time |= self.named.get(name, set()) - self.with_placement
        found = at_the_time or self.ever_named.get(name, set())
        return _ref(found)

    def _named_ever(self, name):
        return {None} if name.strip() == "—" else self.ever_named.get(name, set())

    def move(self, old_name, new_name, day, subject=None):
        """(old parent, new parent) refs of the move of `day` between units of these names: the
        `subject` unit's own move, else the one such move of that day; None when neither settles it."""

        def fits(pair):
            return pair[0] in self._named_ever(old_name) and pair[1] in self._named_ever(new_name)

        own = self.move_of.get((subject, day))
        found = {own} if own is not None and fits(own) else set(filter(fits, self.moves_on.get(day, ())))
        if len(found) != 1:
            return None
        return tuple("—" if pk is None else f"{{unit:{pk}}}" for pk in found.pop())

    def successor(self, name, day, subject=None):
        """The ref of the unit of that name the `subject` unit ended into on `day`, else of the one
        such unit any unit ended into that day; None when neither settles it."""
        named = self._named_ever(name)
        own = self.successor_of.get(subject)
        if own is not None and own[0] == day and own[1] in named:
            return f"{{unit:{own[1]}}}"
        found = self.successors_on.get(day, set()) & named
        return f"{{unit:{found.pop()}}}" if len(found) == 1 else None

    def by_code(self, code):
        return _ref(self.coded.get(code.strip(), set()))


def _ref(found):
    return f"{{unit:{next(iter(found))}}}" if len(found) == 1 else UNKNOWN


def _kept(text):
    """A unit already stored by id, or none ("—")."""
    return text.strip() == "—" or REF.fullmatch(text.strip()) is not None


MOVES = ("Chuyển từ “", "Changed from “", "Moved from “")
SUCCESSIONS = ("Sáp nhập vào “", "Hợp nhất thành “", "Merged into “", "Consolidated into “")
EFFECTIVE = re.compile(r" (?:từ|on|from) (\d{2})/(\d{2})/(\d{4})")


def _effective(note, day):
    """The day a note says its event took effect ("… từ 01/07/2025 …"), else the day it was written."""
    match = EFFECTIVE.search(note)
    if match:
        with contextlib.suppress(ValueError):
            return datetime.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    return day


def _by_structure(note, day, units, subject):
    """The note with its units told by what the dated tree says happened that day (a move's two
    parents, a merger's successor; `subject`: the unit whose history row it is, if it is one), or None
    when that does not settle it."""
    names = [match.group(1) for match in QUOTED.finditer(note)]
    effective = _effective(note, day)
    refs = None
    if note.startswith(MOVES) and len(names) == 2 and not any(_kept(name) for name in names):
        refs = units.move(names[0], names[1], effective, subject)
    elif note.startswith(SUCCESSIONS) and len(names) == 1 and not _kept(names[0]):
        successor = units.successor(names[0], effective, subject)
        refs = (successor,) if successor else None
    if refs is None:
        return None
    it = iter(refs)
    return QUOTED.sub(lambda match: f"“{next(it)}{match.group(2)}", note)


def rewrite(note, day, units, subject=None):
    """The note with its units by id, or None when it names none by name or code. `subject`: the unit
    whose history row the note is on (a HistoricalUnit's), when it is one."""
    if note.startswith(BY_NAME):
        by_structure = _by_structure(note, day, units, subject)
        if by_structure is not None:
            return by_structure

        def named(match):
            text, close = match.group(1), match.group(2)
            return f"“{text if _kept(text) else units.by_name(text, day)}{close}"

        new = QUOTED.sub(named, note)
        return new if new != note else None
    for prefix, end in BY_CODE:
        if note.startswith(prefix):
            body = note[len(prefix) :]
            listed, marker, rest = body.partition(end)
            if not marker:  # cut short: what follows the codes may be a part of the marker
                listed, marker, rest = body.partition(" (")
            codes = [code.strip() for code in listed.split(",")]
            refs = [code if _kept(code) or code == "…" else units.by_code(code) for code in codes if code]
            new = prefix + ", ".join(refs) + marker + rest
            return new if new != note else None
    return None


def _fit(note):
    """The note cut to the column's 100 characters, never inside an id (units.audit.fit_reason)."""
    if len(note) <= 100:
        return note
    cut = note[:99]
    if cut.rfind("{") > cut.rfind("}"):
        cut = cut[: cut.rfind("{")]
    return cut + "…"


def _day(when):
    return timezone.localtime(when).date() if timezone.is_aware(when) else when.date()


def forward(apps, schema_editor):
    prefixes = [*BY_NAME, *(prefix for prefix, _end in BY_CODE)]
    starts = Q()
    for prefix in prefixes:
        starts |= Q(history_change_reason__startswith=prefix)
    units = None
    for name in HISTORIES:
        model = apps.get_model("units", name)
        # A unit's own history row says which unit moved or ended (its id); another's does not.
        subject = "id" if name == "HistoricalUnit" else "history_id"
        rows = list(
            model.objects.filter(starts).values_list("history_id", "history_change_reason", "history_date", subject)
        )
        if not rows:
            continue
        units = units or Units(apps)
        rewritten = defaultdict(list)  # the new note -> its rows
        for history_id, note, when, unit in rows:
            new = rewrite(note, _day(when), units, unit if name == "HistoricalUnit" else None)
            if new is not None:
                rewritten[_fit(new)].append(history_id)
        # The units moved by one decision share a note: one UPDATE for each note many rows share,
        # bulk_update for the others.
        single = []
        for new, ids in rewritten.items():
            if len(ids) == 1:
                single.append(model(history_id=ids[0], history_change_reason=new))
                continue
            for start in range(0, len(ids), BATCH):
                model.objects.filter(history_id__in=ids[start : start + BATCH]).update(history_change_reason=new)
        for start in range(0, len(single), BATCH):
            model.objects.bulk_update(single[start : start + BATCH], ["history_change_reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0008_dated_tree_and_reorganisation"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
