"""History notes written before units were stored by id: the units they name by name or code become
`{unit:<id>}`, named when read and only to who may see them (units.audit.resolve_reason).

A name is matched against the units that had it on the note's day (their placements), else against
every name a unit has had; a code against the codes units have had. A name or code that matches no
unit, or several, becomes `{unit:0}`, which nobody's page names ("Đơn vị khác"): no stored name of a
unit outside a reader's scope is left. Notes are kept in the language they were written in, so the
English forms are read too. Only the rows whose note starts as one of these is read (a LIKE in SQL).

Reversing it leaves the notes as they are: the ids read as well as the names did.
"""

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
        rows = Placement.objects.values_list("unit_id", "name", "valid_from", "valid_to").iterator()
        for pk, name, valid_from, valid_to in rows:
            self.placed[name].append((pk, valid_from, valid_to))
            self.ever_named[name].add(pk)
            self.with_placement.add(pk)

    def by_name(self, name, day):
        at_the_time = {pk for pk, valid_from, valid_to in self.placed.get(name, ()) if valid_from <= day < valid_to}
        at_the_time |= self.named.get(name, set()) - self.with_placement
        found = at_the_time or self.ever_named.get(name, set())
        return _ref(found)

    def by_code(self, code):
        return _ref(self.coded.get(code.strip(), set()))


def _ref(found):
    return f"{{unit:{next(iter(found))}}}" if len(found) == 1 else UNKNOWN


def _kept(text):
    """A unit already stored by id, or none ("—")."""
    return text.strip() == "—" or REF.fullmatch(text.strip()) is not None


def rewrite(note, day, units):
    """The note with its units by id, or None when it names none by name or code."""
    if note.startswith(BY_NAME):

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
        rows = list(model.objects.filter(starts).values_list("history_id", "history_change_reason", "history_date"))
        if not rows:
            continue
        units = units or Units(apps)
        rewritten = defaultdict(list)  # the new note -> its rows
        for history_id, note, when in rows:
            new = rewrite(note, _day(when), units)
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
