"""Reads about candidates that several pages share. Each is a fixed number of queries."""

from django.db.models import Count

from . import pipeline


def stage_counts(queryset, **also):
    """{stage: count} over `queryset`, one query. Aggregates passed in `also` are computed in the
    same scan and returned beside it: ({stage: count}, {name: value})."""
    row = queryset.aggregate(
        **{f"stage__{stage.value}": Count("pk", filter=pipeline.stage_q(stage)) for stage in pipeline.Stage},
        **also,
    )
    counts = {stage.value: row.pop(f"stage__{stage.value}") for stage in pipeline.Stage}
    return (counts, row) if also else counts
