"""Reads about candidates that several pages share. Each is a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Count, Q

from units.models import child_prefix
from units.tree import Tree

from . import pipeline
from .models import Course, CourseParticipant, CourseResult


def stage_counts(queryset, **also):
    """{stage: count} over `queryset`, one query. Aggregates passed in `also` are computed in the
    same scan and returned beside it: ({stage: count}, {name: value})."""
    row = queryset.aggregate(
        **{f"stage__{stage.value}": Count("pk", filter=pipeline.stage_q(stage)) for stage in pipeline.Stage},
        **also,
    )
    counts = {stage.value: row.pop(f"stage__{stage.value}") for stage in pipeline.Stage}
    return (counts, row) if also else counts


# --- Awareness courses ------------------------------------------------------------------------------


@dataclass
class CourseRow:
    unit: object
    courses: int = 0
    participants: int = 0
    certificates: int = 0


@dataclass
class CourseSummary:
    unit: object
    rows: list  # one CourseRow per unit directly below
    total: CourseRow
    courses: list  # the courses held in the period by the unit and those below it


def courses_with_counts(queryset):
    """Courses with `participant_count`, `passed_count` and `certificate_count` (one query)."""
    return queryset.select_related("organiser").annotate(
        participant_count=Count("participants", distinct=True),
        passed_count=Count("participants", filter=Q(participants__result=CourseResult.PASSED), distinct=True),
        certificate_count=Count("participants", filter=Q(participants__certificate_date__isnull=False), distinct=True),
    )


def course_summary(unit, start, end, *, participants=None, tree=None):
    """Courses held (closing in start..end) by `unit` and the units below it, the participants of those
    courses from its cells, and the certificates issued to them in the period: per unit directly below
    and in total, in a fixed number of queries. `participants` narrows the people counted (a user's scope).
    `tree` (units.tree.Tree) is the tree organisers and cells are counted by, `unit` as it located it;
    without one, today's."""
    tree = tree or Tree.today()
    children = tree.children(unit)
    rows = {child.path: CourseRow(child) for child in children}
    total = CourseRow(unit)
    held, organiser_path = tree.with_paths(Course.objects.filter(end_date__gte=start, end_date__lte=end), "organiser")
    held = held.filter(**{f"{organiser_path}__startswith": unit.path})
    for values in held.annotate(branch=child_prefix(organiser_path, unit)).values("branch").annotate(n=Count("pk")):
        if values["branch"] in rows:
            rows[values["branch"]].courses += values["n"]
        total.courses += values["n"]
    people, cell_path = tree.with_paths(
        participants if participants is not None else CourseParticipant.objects.all(), "candidate__cell"
    )
    people = people.filter(**{f"{cell_path}__startswith": unit.path})
    counted = people.filter(
        Q(course__end_date__gte=start, course__end_date__lte=end)
        | Q(certificate_date__gte=start, certificate_date__lte=end)
    ).annotate(branch=child_prefix(cell_path, unit))
    for values in counted.values("branch").annotate(
        participants=Count("pk", filter=Q(course__end_date__gte=start, course__end_date__lte=end)),
        certificates=Count("pk", filter=Q(certificate_date__gte=start, certificate_date__lte=end)),
    ):
        row = rows.get(values["branch"])
        for name in ("participants", "certificates"):
            if row is not None:
                setattr(row, name, getattr(row, name) + values[name])
            setattr(total, name, getattr(total, name) + values[name])
    courses = list(courses_with_counts(held).order_by("end_date", "organiser__path", "number"))
    return CourseSummary(unit=unit, rows=list(rows.values()), total=total, courses=courses)
