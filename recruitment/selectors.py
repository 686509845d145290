"""Reads about candidates that several pages share. Each is a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from units.formatting import ratio
from units.models import Target, Unit
from units.selectors import rollup_by_child

from . import pipeline
from .models import Candidate


@dataclass
class Progress:
    unit: Unit
    target: int | None
    admitted: int
    projected: int | None = None

    @property
    def ratio(self):
        return ratio(self.admitted, self.target)

    @property
    def remaining(self):
        return None if self.target is None else max(self.target - self.admitted, 0)

    @property
    def projected_ratio(self):
        return ratio(self.projected, self.target) if self.projected is not None else None


def projected_year_end(admitted, year, today):
    """Admissions by 31/12 at the pace so far; a finished year is what it was."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if today >= end:
        return admitted
    if today < start:
        return None
    elapsed = (today - start).days + 1
    return round(admitted * ((end - start).days + 1) / elapsed)


def year_progress(unit, year, *, today=None, with_children=True):
    """The unit's admissions in `year` against its target, and the same for each unit directly below.

    Three queries whatever the size of the subtree: children, targets, the admissions roll-up.
    """
    today = today or timezone.localdate()
    children = list(Unit.objects.children_of(unit)) if with_children else []
    targets = dict(Target.objects.filter(year=year, unit__in=[unit, *children]).values_list("unit_id", "admissions"))
    admitted = rollup_by_child(
        unit,
        Candidate.objects.filter(decision_date__year=year),
        path_field="cell__path",
        admitted=Count("*"),
    )
    total = sum(values["admitted"] for values in admitted.values())

    def progress(row_unit, count):
        return Progress(row_unit, targets.get(row_unit.pk), count, projected_year_end(count, year, today))

    rows = [progress(child, admitted.get(child.path, {}).get("admitted", 0)) for child in children]
    return progress(unit, total), rows


def stage_counts(queryset, **also):
    """{stage: count} over `queryset`, one query. Aggregates passed in `also` are computed in the
    same scan and returned beside it: ({stage: count}, {name: value})."""
    row = queryset.aggregate(
        **{f"stage__{stage.value}": Count("pk", filter=pipeline.stage_q(stage)) for stage in pipeline.Stage},
        **also,
    )
    counts = {stage.value: row.pop(f"stage__{stage.value}") for stage in pipeline.Stage}
    return (counts, row) if also else counts
