"""Writing: what the checks passed goes to the database in bulk, every record with its history row.

- units: the new ones inserted in tree order with the paths the checks gave them, their parents'
  child counts kept as treebeard keeps them; then the few changes to known units through
  units.services (`unit_update`, `unit_move`), whose own rules may still refuse one;
- headcounts and targets: bulk inserts and updates; a changed target gets its next version through
  units.audit.bulk_update_versioned, as its save() would, so a form opened before the import is
  refused as stale;
- terms: one at a time as the checks meet them, since each new term is checked against the ones before;
- people: `save_candidates`, the one place that writes people without Candidate.save(), by prepared
  statements of many rows (the same rows bulk_create, bulk_update and simple_history would write).

Every record written leaves a history row by the importing user, with the import's reason (`job.history`).
Apart from the terms, these run only when the checks found no error; the transaction around the
whole import undoes them on a dry run or when a later sheet fails.
"""

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.db.models import F
from django.utils import timezone
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
    get_change_reason_from_object,
    get_history_manager_for_model,
)

from units import services as unit_services
from units.audit import bulk_update_versioned
from units.models import Headcount, Target, Unit
from units.placements import place_missing

from ..models import Candidate

UPDATE_ROWS_PER_CALL = 500  # rows of one executemany() (SQLite) or one UPDATE ... FROM (VALUES ...)


def units(job, plan):
    """Insert the new units and apply the changes to known ones. Returns [(row, ValidationError)]: the
    changes the services refused, for the checks to report."""
    added_children = defaultdict(int)
    for _unit, parent in plan.new:
        if parent is None:
            continue
        if parent.pk is None:
            parent.numchild += 1  # a new parent: inserted with its count
        else:
            added_children[parent.pk] += 1
    bulk_create_with_history([unit for unit, _parent in plan.new], Unit, batch_size=500, **job.history)
    for parent_pk, added in added_children.items():
        Unit.objects.filter(pk=parent_pk).update(numchild=F("numchild") + added)
    place_missing()  # the new units' places in the dated tree (a bulk insert sends no signal)
    job.add("units_created", len(plan.new))
    # Changes to known units are few: through the services, after the new units exist.
    refused = []
    for row, unit, changes, parent in plan.changes:
        try:
            unit.refresh_from_db()
            if changes:
                unit._change_reason = job.reason
                unit_services.unit_update(unit=unit, actor=job.actor, **changes)
            if parent is not None:
                parent.refresh_from_db()
                unit_services.unit_move(unit=unit, new_parent=parent, actor=job.actor)
        except ValidationError as error:
            refused.append((row, error))
    job.add("units_updated", len(plan.changes))
    return refused


def headcounts(job, new, changed):
    bulk_create_with_history(new, Headcount, batch_size=500, **job.history)
    bulk_update_with_history(changed, Headcount, ["members"], batch_size=500, **job.history)
    job.add("headcounts", len(new) + len(changed))


def term(job, term):
    """A new term, written as soon as it is checked."""
    term._history_user, term._change_reason = job.actor, job.reason
    term.save()
    job.add("terms_created")


def targets(job, plan):
    bulk_create_with_history(plan.new, Target, batch_size=500, **job.history)
    bulk_update_versioned(Target, plan.changed, ["admissions"], batch_size=500, **job.history)


def people(job, plan):
    save_candidates(plan.new, plan.changed, plan.fields, **job.history)
    job.add("people_created", len(plan.new))
    job.add("people_updated", len(plan.changed))


def save_candidates(new, changed, fields, *, default_user=None, default_change_reason=None):
    """Write people as Candidate.save() would, without a save() and its queries per person.

    What save() does to each record is done here to all at once: the derived search and sort keys,
    `created_at` / `updated_at`, a new version for each changed person (as units.audit's
    bulk_update_versioned gives it: a form opened on the old one is then refused as stale) and one
    history row per record, as simple_history's bulk helpers write it. `fields` are the fields of a
    changed person that are written; every field of a new one is.

    The rows are those bulk_create, bulk_update and simple_history's bulk_history_create write, but
    written by prepared statements of many rows: their query compiler prepares each of the million
    values of a large import one expression at a time, which was most of the import's time; and
    bulk_update's CASE WHEN over each batch is evaluated row by row against every branch on SQLite.
    tests/imports/test_write.py compares the rows written here with those of
    services.candidate_save_record.
    """
    history = {"default_user": default_user, "default_change_reason": default_change_reason}
    for candidate in (*new, *changed):
        candidate.refresh_derived()
    insert_objects(Candidate, new)
    insert_history(Candidate, new, "+", **history)
    now = timezone.now()
    for candidate in changed:
        candidate.updated_at = now
        candidate.version += 1
    names = [*fields, "search_name", "name_sort_key", "updated_at", "updated_by", "version"]
    _PreparedUpdate(Candidate).bulk_update(changed, list(dict.fromkeys(names)))
    insert_history(Candidate, changed, "~", **history)


ROWS_PER_INSERT = 500  # rows of one INSERT statement (fewer where the database limits parameters)
# Field classes whose get_db_prep_save() returns a value of these exact types unchanged.
_UNCHANGED_BY_PREP = (
    (models.CharField, str),
    (models.TextField, str),
    (models.BooleanField, bool),
    (models.IntegerField, int),
    (models.ForeignKey, int),
)


def _prepare(field, connection):
    """The function giving a field's value as the query compiler sends it (get_db_prep_save), with
    the common values that it leaves as they are passed straight through."""
    prep = field.get_db_prep_save
    kind = next((kind for cls, kind in _UNCHANGED_BY_PREP if isinstance(field, cls)), None)
    if kind is None:
        return lambda value: prep(value, connection)
    return lambda value: value if value is None or type(value) is kind else prep(value, connection)


def _insert_rows(model, fields, rows, *, returning=False):
    """INSERT `rows` (lists of values as the database takes them, one per field) into `model`'s table,
    many rows a statement; with `returning`, the new primary keys, in order."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    limit = connection.features.max_query_params or 65535
    per_statement = max(1, min(ROWS_PER_INSERT, limit // len(fields)))
    head = "INSERT INTO {} ({}) VALUES ".format(
        quote(model._meta.db_table), ", ".join(quote(field.column) for field in fields)
    )
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(model._meta.pk.column)}" if returning else ""
    keys = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            sql = head + ", ".join([one_row] * len(batch)) + tail
            cursor.execute(sql, [value for row in batch for value in row])
            if returning:
                keys.extend(key for (key,) in cursor.fetchall())
    return keys


def insert_objects(model, objects):
    """What `model.objects.bulk_create(objects)` does for new objects with an automatic key: every
    concrete field but the key, each through pre_save(add=True) (auto_now fields take the time) and
    get_db_prep_save(); each object then has its key and is no longer "adding"."""
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    if not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(objects, batch_size=ROWS_PER_INSERT)
        return
    fields = [f for f in model._meta.concrete_fields if not f.generated and not isinstance(f, models.AutoField)]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    preps = [(field.attname, _prepare(field, connection)) for field in fields]
    rows = []
    for obj in objects:
        for field in stamped:
            field.pre_save(obj, add=True)
        rows.append([prep(getattr(obj, attname)) for attname, prep in preps])
    keys = _insert_rows(model, fields, rows, returning=True)
    if len(keys) != len(objects):  # the database returned fewer keys: never pair them up wrongly
        raise RuntimeError(f"{model.__name__}: {len(objects)} rows inserted, {len(keys)} keys returned")
    pk = model._meta.pk.attname
    for obj, key in zip(objects, keys):
        setattr(obj, pk, key)
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_history(model, objects, history_type, *, default_user=None, default_change_reason=None):
    """The history rows simple_history's bulk_history_create writes for `objects` ("+" created, "~"
    changed): each tracked field as the object has it, when, by whom (the object's `_history_user`,
    else `default_user`, else the request's), why (its `_change_reason`, else the default)."""
    if not objects or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    historical = get_history_manager_for_model(model).model
    connection = connections[router.db_for_write(historical)]
    fields = [f for f in historical._meta.concrete_fields if not isinstance(f, models.AutoField)]
    tracked = {field.attname for field in historical.tracked_fields}
    preps = [(field.attname, field.attname in tracked, _prepare(field, connection)) for field in fields]
    rows = []
    for obj in objects:
        user = getattr(obj, "_history_user", default_user or historical.get_default_history_user(obj))
        extra = {
            "history_date": getattr(obj, "_history_date", timezone.now()),
            "history_user_id": user.pk if user is not None else None,
            "history_change_reason": get_change_reason_from_object(obj) or default_change_reason,
            "history_type": history_type,
        }
        rows.append([prep(getattr(obj, name) if own else extra[name]) for name, own, prep in preps])
    _insert_rows(historical, fields, rows)


class _PreparedUpdate:
    """`UPDATE table SET ... WHERE pk = ...` of many objects, each to its own values: one prepared
    statement run for every object on SQLite (in the process: no round trip); on PostgreSQL, where
    each run would be a round trip, one `UPDATE ... FROM (VALUES ...)` per UPDATE_ROWS_PER_CALL
    objects, every value cast to its column's type."""

    def __init__(self, model):
        self.model = model

    def bulk_update(self, objects, names, batch_size=None):
        if not objects:
            return 0
        model = self.model
        fields = [model._meta.get_field(name) for name in names]
        connection = connections[router.db_for_write(model)]
        quote = connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        preps = [(field.attname, _prepare(field, connection)) for field in fields]
        rows = [[prep(getattr(obj, attname)) for attname, prep in preps] + [obj.pk] for obj in objects]
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                sql = "UPDATE {} SET {} WHERE {} = %s".format(
                    table, ", ".join(f"{quote(field.column)} = %s" for field in fields), pk
                )
                for start in range(0, len(rows), UPDATE_ROWS_PER_CALL):
                    cursor.executemany(sql, rows[start : start + UPDATE_ROWS_PER_CALL])
                return len(rows)
            types = [*(field.cast_db_type(connection) for field in fields), model._meta.pk.cast_db_type(connection)]
            one_row = "(" + ", ".join(f"CAST(%s AS {kind})" for kind in types) + ")"
            names = [f"v{index}" for index in range(len(types))]
            head = "UPDATE {} SET {} FROM (VALUES ".format(
                table, ", ".join(f"{quote(field.column)} = v.{name}" for field, name in zip(fields, names))
            )
            tail = ") AS v ({}) WHERE {}.{} = v.{}".format(", ".join(names), table, pk, names[-1])
            for start in range(0, len(rows), UPDATE_ROWS_PER_CALL):
                batch = rows[start : start + UPDATE_ROWS_PER_CALL]
                cursor.execute(head + ", ".join([one_row] * len(batch)) + tail, [v for row in batch for v in row])
        return len(rows)
