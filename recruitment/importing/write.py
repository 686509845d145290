"""Writing: what the checks passed goes to the database in bulk, every record with its history row.

- units: the new ones inserted in tree order with the paths the checks gave them, their parents'
  child counts kept as treebeard keeps them; then the few changes to known units through
  units.services (`unit_update`, `unit_move`), whose own rules may still refuse one;
- headcounts and targets: bulk inserts and updates; a changed target gets its next version through
  units.audit.bulk_update_versioned, as its save() would, so a form opened before the import is
  refused as stale;
- terms: one at a time as the checks meet them, since each new term is checked against the ones before;
- people: `save_candidates`, the one place that writes people without Candidate.save().

Every record written leaves a history row by the importing user, with the import's reason (`job.history`).
Apart from the terms, these run only when the checks found no error; the transaction around the
whole import undoes them on a dry run or when a later sheet fails.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from units import services as unit_services
from units.audit import bulk_update_versioned
from units.models import Headcount, Target, Unit

from ..models import Candidate

UPDATE_ROWS_PER_CALL = 2000  # parameter rows handed to one executemany()


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
    `updated_at` (which a bulk UPDATE does not fill in), a new version for each changed person (a form
    opened on the old one is then refused as stale) and one history row per record. `fields` are the
    fields of a changed person that are written; every field of a new one is.

    New people are inserted with bulk_create. Changed ones are written by one prepared UPDATE run for
    every row: bulk_update's CASE WHEN over each batch is evaluated row by row against every branch on
    SQLite, far slower at the thousands of rows an import brings. tests/imports/test_write.py compares
    the rows written here with those of services.candidate_save_record.
    """
    history = {"default_user": default_user, "default_change_reason": default_change_reason}
    for candidate in (*new, *changed):
        candidate.refresh_derived()
    bulk_create_with_history(new, Candidate, batch_size=1000, **history)
    now = timezone.now()
    for candidate in changed:
        candidate.updated_at = now
    bulk_update_versioned(
        Candidate,
        changed,
        [*fields, "search_name", "name_sort_key", "updated_at", "updated_by"],
        batch_size=500,
        manager=_PreparedUpdate(Candidate),
        **history,
    )


class _PreparedUpdate:
    """Stands in for the model's manager in bulk_update_with_history, which calls only its
    bulk_update(): `UPDATE table SET ... WHERE pk = %s`, prepared once and run for every object."""

    def __init__(self, model):
        self.model = model

    def bulk_update(self, objects, names, batch_size=None):
        if not objects:
            return 0
        model = self.model
        fields = [model._meta.get_field(name) for name in names]
        connection = connections[router.db_for_write(model)]
        quote = connection.ops.quote_name
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            quote(model._meta.db_table),
            ", ".join(f"{quote(field.column)} = %s" for field in fields),
            quote(model._meta.pk.column),
        )
        rows = [
            [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] + [obj.pk]
            for obj in objects
        ]
        with connection.cursor() as cursor:
            for start in range(0, len(rows), UPDATE_ROWS_PER_CALL):
                cursor.executemany(sql, rows[start : start + UPDATE_ROWS_PER_CALL])
        return len(rows)
