"""The reads behind the reports. Each is a fixed number of queries whatever the size of the tree
or the number of people: the tree is rolled up onto the unit's direct children with one GROUP BY on
the child's path prefix (units.selectors.rollup_by_child), breakdowns are conditional counts.

Every selector takes `candidates`, the people it may count (`counted_people()` for a unit's report),
and counts those who stood in the unit's subtree in the tree it counts by.
"""

import copy
import datetime
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, Value, When
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _

from recruitment import education
from recruitment.calendar import add_months, working_days_late
from recruitment.models import Candidate, Gender, Occupation, PoliticalTheory, ProfessionalEducation
from recruitment.pipeline import (
    DEADLINES,
    PROBATION_MONTHS,
    STEPS,
    Stage,
    StepKind,
    latest_clock_date,
    stage_q,
)

# Progress has its own home (recruitment.progress); the reports read it from there.
from recruitment.progress import ProgressReport, ProgressRow, progress_report, sort_progress_rows  # noqa: F401
from units import paths
from units.formatting import ratio
from units.models import CELL_KINDS, GRASSROOTS_KINDS, ClosedQuarter, GrassrootsType, Unit
from units.selectors import rollup_by_child
from units.tree import Tree

from .models import SubmittedReturn


def counted_people():
    """The people a unit's report counts: everyone who stood in its subtree in the tree the report
    counts by (the selectors filter by it). Who may read a unit's report is decided on the unit
    (`Unit.objects.restrict(user)`), and what it holds does not depend on who asks: today's subtree of
    a unit in the reader's scope holds only people the reader may see, and a person moved out since
    still counts in the periods the unit had them, as its return of that period did (a move does not
    rewrite a unit's past figures)."""
    return Candidate.objects.all()


def _candidates(candidates):
    return Candidate.objects.all() if candidates is None else candidates


# --- Long lists ------------------------------------------------------------------------------------


class ReportRows(Sequence):
    """One of a report's long lists (thousands of people or cells in a province), read only as far
    as it is used: len() is counted without loading the rows, a slice reads just those rows (a
    Paginator's page), and iterating reads the whole list once (the Excel workbook).

    `count()` returns the number of rows; `read(start, stop)` returns the rows in that range, all of
    them when `stop` is None.
    """

    def __init__(self, count, read):
        self._count = count
        self._read = read

    @functools.cached_property
    def _all(self):
        return self._read(0, None)

    @functools.cached_property
    def _total(self):
        return self._count()

    def count(self):
        return len(self._all) if "_all" in self.__dict__ else self._total

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if "_all" in self.__dict__:
            return self._all[index]
        if isinstance(index, slice):
            start, stop, step = index.indices(self.count())
            if step != 1:
                raise TypeError("ReportRows supports plain slices only")
            return self._read(start, stop) if start < stop else []
        position = index + self.count() if index < 0 else index
        rows = self._read(position, position + 1) if position >= 0 else []
        if not rows:
            raise IndexError(index)
        return rows[0]

    def __iter__(self):
        return iter(self._all)

    def __bool__(self):
        return self.count() > 0

    # dataclasses.asdict() deep-copies what it does not know: a copy is the plain list of rows.
    def __deepcopy__(self, memo):
        return copy.deepcopy(list(self), memo)

    def __repr__(self):
        return f"<ReportRows: {self.count()} rows>"


# --- 2. Breakdown (Cơ cấu) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    condition: Q | None  # None: everyone (the total)
    group: str = ""  # the heading it comes under on the page ("occupation", "general_education", ...)


def _age_at_decision():
    """Whole years of age on the decision date, portable SQL (no date arithmetic across databases)."""
    before_birthday = Case(
        When(Q(_dec_m__lt=F("_dob_m")) | Q(_dec_m=F("_dob_m"), _dec_d__lt=F("_dob_d")), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return F("_dec_y") - F("_dob_y") - before_birthday


def _with_age(queryset):
    return queryset.alias(
        _dec_y=ExtractYear("decision_date"),
        _dec_m=ExtractMonth("decision_date"),
        _dec_d=ExtractDay("decision_date"),
        _dob_y=ExtractYear("date_of_birth"),
        _dob_m=ExtractMonth("date_of_birth"),
        _dob_d=ExtractDay("date_of_birth"),
    ).alias(age_at_decision=_age_at_decision())


def _grades(*levels):
    """Every "grade/system" (as Candidate.general_education stores it) reaching one of `levels` (an
    education.Level, or None for a grade below primary's end)."""
    return [
        f"{grade}/{system}"
        for system in education.SYSTEMS
        for grade in range(1, system + 1)
        if education.level(f"{grade}/{system}") in levels
    ]


# Professional education from university up ("Sau đại học": records from before master's and
# doctor's degrees were recorded apart).
UNIVERSITY_OR_ABOVE = (
    ProfessionalEducation.UNIVERSITY,
    ProfessionalEducation.MASTER,
    ProfessionalEducation.DOCTOR,
    ProfessionalEducation.POSTGRADUATE,
)


def education_categories():
    """Education as the member statistics count it: general education by level (12/12 and 10/10 are
    upper secondary; below lower secondary are those admitted by exception), professional education
    by level and from university up, political theory by level."""
    general = "general_education"
    categories = [
        Category(
            "general_upper_secondary",
            str(education.Level.UPPER_SECONDARY.label),
            Q(general_education__in=_grades(education.Level.UPPER_SECONDARY)),
            general,
        ),
        Category(
            "general_lower_secondary",
            str(education.Level.LOWER_SECONDARY.label),
            Q(general_education__in=_grades(education.Level.LOWER_SECONDARY)),
            general,
        ),
        Category(
            "general_below_lower_secondary",
            str(_("Dưới trung học cơ sở")),
            Q(general_education__in=_grades(education.Level.PRIMARY, None)),
            general,
        ),
    ]
    # "Sơ cấp" and "Trung cấp" are levels of both professional education and political theory: the
    # sheet's labels say which, since other tools read its rows by label.
    professional_labels = {
        ProfessionalEducation.ELEMENTARY: _("Sơ cấp chuyên môn"),
        ProfessionalEducation.INTERMEDIATE: _("Trung cấp chuyên môn"),
        ProfessionalEducation.POSTGRADUATE: _("Sau đại học (không ghi rõ thạc sĩ, tiến sĩ)"),
    }
    categories += [
        Category(
            f"professional_{value}",
            str(professional_labels.get(value, label)),
            Q(professional_education=value),
            "professional_education",
        )
        for value, label in ProfessionalEducation.choices
    ]
    categories.append(
        Category(
            "professional_university_or_above",
            str(_("Đại học trở lên")),
            Q(professional_education__in=UNIVERSITY_OR_ABOVE),
            "professional_education",
        )
    )
    theory_labels = {
        PoliticalTheory.ELEMENTARY: _("Sơ cấp lý luận chính trị"),
        PoliticalTheory.INTERMEDIATE: _("Trung cấp lý luận chính trị"),
        PoliticalTheory.ADVANCED: _("Cao cấp lý luận chính trị"),
        PoliticalTheory.BACHELOR: _("Cử nhân chính trị"),
    }
    categories += [
        Category(
            f"political_theory_{value}",
            str(theory_labels.get(value, label)),
            Q(political_theory=value),
            "political_theory",
        )
        for value, label in PoliticalTheory.choices
    ]
    return categories


def breakdown_categories():
    """The rows of the "Cơ cấu" sheet, in its fixed order (ethnic groups present are added after)."""
    categories = [
        Category("total", str(_("Tổng số kết nạp")), None),
        Category("women", str(_("Nữ")), Q(gender=Gender.FEMALE)),
        Category("minority", str(_("Dân tộc thiểu số")), Q(ethnicity__is_minority=True)),
        Category("religious", str(_("Tôn giáo")), Q(religion__isnull=False)),
        Category("youth_union", str(_("Đoàn viên")), Q(youth_union_member=True)),
        Category("age_18_30", str(_("Tuổi 18–30")), Q(age_at_decision__gte=18, age_at_decision__lte=30)),
    ]
    categories += [
        Category(f"occupation_{value}", str(label), Q(occupation=value), "occupation")
        for value, label in Occupation.choices
    ]
    categories += [
        Category(f"grassroots_{value}", str(label), Q(cell__grassroots_type=value), "grassroots")
        for value, label in GrassrootsType.choices
    ]
    # Added after the fixed rows above, whose order other tools rely on.
    categories += education_categories()
    return categories


@dataclass
class BreakdownLine:
    key: str
    label: str
    count: int
    total: int
    group: str = ""

    @property
    def share(self):
        return ratio(self.count, self.total)


@dataclass
class BreakdownReport:
    unit: Unit
    period: object
    lines: list  # BreakdownLine, in the sheet's order
    categories: list
    rows: list = field(default_factory=list)  # (unit, {key: count}) per unit directly below

    @property
    def total(self):
        return self.lines[0].count


def breakdown_report(unit, period, *, candidates=None, tree=None):
    """Who was admitted in the period: counts and shares by category, in total and per unit below.

    Three queries: children, the conditional-count roll-up, the ethnic groups present.
    """
    categories = breakdown_categories()
    tree = tree or Tree.today()
    admitted, path_field = tree.with_paths(
        _with_age(_candidates(candidates).admitted_between(period.start, period.end)), "cell"
    )
    aggregates = {
        c.key: Count("pk", filter=c.condition) if c.condition is not None else Count("pk") for c in categories
    }
    by_child = rollup_by_child(unit, admitted, path_field=path_field, **aggregates)
    totals = {c.key: sum(values[c.key] for values in by_child.values()) for c in categories}
    total = totals["total"]
    lines = [BreakdownLine(c.key, c.label, totals[c.key], total, c.group) for c in categories]

    ethnic = (
        admitted.filter(**{f"{path_field}__startswith": unit.path}, ethnicity__is_minority=True)
        .values("ethnicity__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "ethnicity__name")
    )
    lines += [
        BreakdownLine(
            f"ethnicity_{row['ethnicity__name']}",
            str(_("Dân tộc %(name)s") % {"name": row["ethnicity__name"]}),
            row["n"],
            total,
            "ethnicity",
        )
        for row in ethnic
    ]
    children = tree.children(unit)
    empty = dict.fromkeys(aggregates, 0)
    rows = [(child, by_child.get(child.path, empty)) for child in children]
    return BreakdownReport(unit, period, lines, categories, rows)


# --- 3. Pipeline (Quy trình) ----------------------------------------------------------------------

PIPELINE_STAGES = list(Stage)
# The steps a person passes in order, for conversion and the days between them.
FLOW_STEPS = [step for step in STEPS if step.stage]


@dataclass
class FlowStep:
    """One step of the flow. `reached`: people whose step is dated in the period. The conversion
    follows people (a cohort): of the `cohort` who reached the step before in the period, the
    `converted` who have reached this step since, whenever; so it is never above 100%. `median_days`:
    from the step before to this one, over those converted."""

    label: str
    reached: int
    conversion: float | None
    median_days: float | None
    cohort: int | None = None  # None for the first step
    converted: int | None = None


@dataclass
class PipelineReport:
    unit: Unit
    period: object
    stages: list
    rows: list  # (unit, {stage: count})
    totals: dict
    flow: list


def _in_period(date_field, period):
    return Q(**{f"{date_field}__gte": period.start, f"{date_field}__lte": period.end})


def _converted(previous, step, period):
    """The cohort's converted: the step before dated in the period, this step dated at all."""
    return _in_period(previous.date_field, period) & Q(**{f"{step.date_field}__isnull": False})


def _gap_histograms(scoped, period):
    """[{days: people}] per flow step: the days from the step before, over the cohort that reached the
    step before in the period and this step since. One query: a GROUP BY per step, joined by UNION
    ALL, so a province's 100,000 people come back as a few hundred (step, days, count) rows."""
    parts = []
    for index, (previous, step) in enumerate(zip(FLOW_STEPS, FLOW_STEPS[1:]), start=1):
        # date - date as a duration is Django's portable subtraction (SQLite, PostgreSQL alike).
        gap = ExpressionWrapper(F(step.date_field) - F(previous.date_field), output_field=DurationField())
        parts.append(
            scoped.filter(_converted(previous, step, period))
            .order_by()
            .annotate(_step=Value(index), _gap=gap)
            .values("_step", "_gap")
            .annotate(_n=Count("pk"))
            .values_list("_step", "_gap", "_n")
        )
    histograms = [{} for _ in FLOW_STEPS]
    for index, gap, count in parts[0].union(*parts[1:], all=True):
        histograms[index][gap.days] = count
    return histograms


def _median(histogram):
    """statistics.median of the days a {days: count} histogram stands for, without expanding it."""
    n = sum(histogram.values())
    if not n:
        return None
    ordered = sorted(histogram.items())

    def nth(k):  # the k-th smallest value, from 0
        seen = 0
        for days, count in ordered:
            seen += count
            if k < seen:
                return days

    if n % 2:
        return nth(n // 2)
    return (nth(n // 2 - 1) + nth(n // 2)) / 2


def pipeline_report(unit, period, *, candidates=None, tree=None):
    """People at each stage now, per unit below; and the flow through the steps in the period: how
    many reached each step, and, of those who reached a step in the period, how many have reached the
    next and in how many days (median).

    Three queries: children; the stage roll-up, which also counts each step dated in the period (the
    same scan); the days between steps as one histogram per step.
    """
    tree = tree or Tree.today()
    scoped, path_field = tree.with_paths(_candidates(candidates), "cell")
    aggregates = {stage.value: Count("pk", filter=stage_q(stage)) for stage in PIPELINE_STAGES}
    reached_in_period = {
        f"_reached_{index}": Count("pk", filter=_in_period(step.date_field, period))
        for index, step in enumerate(FLOW_STEPS)
    }
    converted_since = {
        f"_converted_{index}": Count("pk", filter=_converted(previous, step, period))
        for index, (previous, step) in enumerate(zip(FLOW_STEPS, FLOW_STEPS[1:]), start=1)
    }
    by_child = rollup_by_child(
        unit, scoped, path_field=path_field, **aggregates, **reached_in_period, **converted_since
    )
    children = tree.children(unit)
    reached = [sum(values.pop(name) for values in by_child.values()) for name in reached_in_period]
    converted = [None] + [sum(values.pop(name) for values in by_child.values()) for name in converted_since]
    empty = dict.fromkeys(aggregates, 0)
    rows = [(child, by_child.get(child.path, empty)) for child in children]
    totals = {key: sum(values[key] for values in by_child.values()) for key in aggregates}

    histograms = _gap_histograms(scoped.filter(**{f"{path_field}__startswith": unit.path}), period)
    flow = [
        FlowStep(
            str(StepKind(step.kind).label),
            reached[index],
            ratio(converted[index], reached[index - 1]) if index else None,
            _median(histograms[index]),
            cohort=reached[index - 1] if index else None,
            converted=converted[index],
        )
        for index, step in enumerate(FLOW_STEPS)
    ]
    return PipelineReport(unit, period, PIPELINE_STAGES, rows, totals, flow)


# --- 4. Coverage ------------------------------------------------------------------------------------


@dataclass
class CoverageReport:
    unit: Unit
    period: object
    idle_cells: ReportRows  # cells that admitted nobody in the period, each with .grassroots (its organisation)
    cell_count: int
    grassroots_count: int
    grassroots_admitting: int
    idle_grassroots: ReportRows
    # The same lists as the workbook writes them, read as values (no Unit objects: a province has
    # ~14,000 idle cells): (code, name, its organisation's name or "") and (code, name, grassroots_type).
    idle_cell_values: ReportRows
    idle_grassroots_values: ReportRows

    @property
    def grassroots_share(self):
        return ratio(self.grassroots_admitting, self.grassroots_count)


COVERAGE_FIELDS = ("path", "depth", "code", "name", "kind", "grassroots_type")


def coverage_report(unit, period, *, candidates=None, tree=None):
    """Cells and grassroots organisations that admitted nobody in the period ("mỗi chi bộ trong nhiệm
    kỳ kết nạp ít nhất 1 đảng viên"), and how many organisations admitted anyone.

    Two queries of paths give every count; the idle units are read as objects only as far as they are
    used: a page of each list is one query, the whole lists one query for both; the workbook reads the
    whole lists as values (idle_cell_values, idle_grassroots_values), also one query for both."""
    tree = tree or Tree.today()
    kinds = tree.paths_and_kinds(unit)
    scoped, path_field = tree.with_paths(_candidates(candidates), "cell")
    admitting_paths = set(
        scoped.filter(**{f"{path_field}__startswith": unit.path})
        .admitted_between(period.start, period.end)
        .values_list(path_field, flat=True)
        .distinct()
        .order_by()
    )
    # Every prefix of an admitting cell's path is a unit that admitted someone.
    admitting_prefixes = {prefix for path in admitting_paths for prefix in paths.ancestor_paths(path)}
    grassroots = [path for path, kind in kinds.items() if kind in GRASSROOTS_KINDS]
    cells = [path for path, kind in kinds.items() if kind in CELL_KINDS]
    grassroots_set = set(grassroots)

    def grassroots_of(path):
        """The cell's organisation: its nearest grassroots ancestor, or itself (a grassroots cell)."""
        return paths.nearest(path, grassroots_set)

    idle_cell_paths = [path for path in cells if path not in admitting_paths]
    idle_grassroots_paths = [path for path in grassroots if path not in admitting_prefixes]

    def units_at(wanted):
        return tree.units_at(wanted, only=COVERAGE_FIELDS)

    @functools.cache
    def every_unit():
        """For the whole lists (the workbook): every cell and organisation in one query."""
        return {u.path: u for u in tree.subtree(unit, kinds=(*CELL_KINDS, *GRASSROOTS_KINDS))}

    def read_cells(start, stop):
        page_paths = idle_cell_paths[start:stop]
        units = every_unit() if stop is None else units_at({*page_paths, *filter(None, map(grassroots_of, page_paths))})
        cells = [units[path] for path in page_paths if path in units]  # (a unit deleted since is left out)
        for cell in cells:
            cell.grassroots = units.get(grassroots_of(cell.path))
        return cells

    def read_grassroots(start, stop):
        page_paths = idle_grassroots_paths[start:stop]
        units = every_unit() if stop is None else units_at(page_paths)
        return [units[path] for path in page_paths if path in units]

    @functools.cache
    def every_unit_values():
        """{path: (code, name, grassroots_type)} of every cell and organisation, in one query."""
        return tree.subtree_values(unit, kinds=(*CELL_KINDS, *GRASSROOTS_KINDS))

    @functools.cache
    def cell_values():
        values = every_unit_values()
        rows = []
        for path in idle_cell_paths:
            if path in values:  # (a unit deleted since is left out)
                code, name, _type = values[path]
                organisation = values.get(grassroots_of(path))
                rows.append((code, name, organisation[1] if organisation else ""))
        return rows

    @functools.cache
    def grassroots_values():
        values = every_unit_values()
        return [tuple(values[path]) for path in idle_grassroots_paths if path in values]

    return CoverageReport(
        unit,
        period,
        ReportRows(lambda: len(idle_cell_paths), read_cells),
        len(cells),
        len(grassroots),
        len(grassroots) - len(idle_grassroots_paths),
        ReportRows(lambda: len(idle_grassroots_paths), read_grassroots),
        ReportRows(lambda: len(idle_cell_paths), lambda start, stop: cell_values()[start:stop]),
        ReportRows(lambda: len(idle_grassroots_paths), lambda start, stop: grassroots_values()[start:stop]),
    )


# --- 5. Probation (Dự bị) ---------------------------------------------------------------------------


@dataclass
class ProbationReport:
    unit: Unit
    period: object
    ending: ReportRows  # probationary members whose 12 months end in the period
    overdue: ReportRows  # recognition not decided within 30 working days after the 12 months
    # The same lists as the workbook writes them, read as values (ProbationRow, no model objects).
    ending_values: ReportRows
    overdue_values: ReportRows


class ProbationRow(NamedTuple):
    """A probationary member as the workbook lists them."""

    pk: int
    full_name: str
    cell_name: str
    ceremony_date: datetime.date
    official_from: datetime.date
    recognition_due: datetime.date
    days_overdue: int | None  # working days past the recognition's deadline, when it has passed


RECOGNITION = next(deadline for deadline in DEADLINES if deadline.kind == StepKind.RECOGNITION)


def probation_report(unit, period, *, candidates=None, today, tree=None):
    """Those whose probation ends in the period; those still waiting past the deadline to be
    recognised. Both lists are counted in one query and read a page (or, for the workbook, a list)
    per query, oldest ceremony first; each row read carries `recognition_due`, and the overdue ones
    `days_overdue`.

    The recognition is due 30 working days after the 12 months; that date never goes down as the
    ceremony date goes up, so "overdue today" is "ceremony on or before one date" (computed once)."""
    tree = tree or Tree.today()
    probationary = (
        tree.in_subtree(_candidates(candidates), unit)
        .filter(RECOGNITION.waiting_q())
        .select_related("cell")
        .only("full_name", "ceremony_date", "cell__name")
        .order_by("ceremony_date", "name_sort_key", "pk")
    )
    ending_q = Q(
        ceremony_date__gte=add_months(period.start, -PROBATION_MONTHS),
        ceremony_date__lte=add_months(period.end, -PROBATION_MONTHS),
    )
    overdue_q = Q(ceremony_date__lte=latest_clock_date(RECOGNITION.due, today - datetime.timedelta(days=1)))

    @functools.cache
    def counts():
        return probationary.aggregate(ending=Count("pk", filter=ending_q), overdue=Count("pk", filter=overdue_q))

    recognition_due = functools.cache(RECOGNITION.due)  # people share ceremony dates

    def reader(q):
        def read(start, stop):
            people = list(probationary.filter(q)[start:stop])
            for person in people:
                person.recognition_due = recognition_due(person.ceremony_date)
                # In either list: someone whose 12 months ended in the period may be overdue already.
                if person.recognition_due < today:
                    person.days_overdue = working_days_late(person.recognition_due, today)
            return people

        return read

    official_from = functools.cache(lambda ceremony_date: add_months(ceremony_date, PROBATION_MONTHS))

    def values_reader(q):
        def read(start, stop):
            rows = []
            people = probationary.filter(q).values_list("pk", "full_name", "cell__name", "ceremony_date")
            for pk, full_name, cell_name, ceremony_date in people[start:stop]:
                due = recognition_due(ceremony_date)
                late = working_days_late(due, today) if due < today else None
                rows.append(
                    ProbationRow(pk, full_name, cell_name, ceremony_date, official_from(ceremony_date), due, late)
                )
            return rows

        return read

    return ProbationReport(
        unit,
        period,
        ReportRows(lambda: counts()["ending"], reader(ending_q)),
        ReportRows(lambda: counts()["overdue"], reader(overdue_q)),
        ReportRows(lambda: counts()["ending"], values_reader(ending_q)),
        ReportRows(lambda: counts()["overdue"], values_reader(overdue_q)),
    )


# --- 6. Quarterly returns sent (Báo cáo quý đã nộp) -------------------------------------------------


@dataclass
class ReturnStatus:
    unit: Unit
    submitted: object = None  # the latest SubmittedReturn (without its bytes), or None
    submissions: int = 0
    closure: object = None  # the ClosedQuarter that freezes the unit's quarter (its own or above), or None


@dataclass
class ReturnsReport:
    unit: Unit
    year: int
    quarter: int
    own: ReturnStatus
    rows: list  # ReturnStatus per unit directly below

    @property
    def submitted_count(self):
        return sum(1 for row in self.rows if row.submitted)


def returns_report(unit, year, quarter):
    """Which of the unit and the units directly below it have submitted their return for the quarter,
    and which quarters are closed. Three queries: children, submissions, closures."""
    children = [] if unit.is_cell else list(Unit.objects.children_of(unit))
    units = [unit, *children]
    latest, counts = {}, {}
    for submitted in (
        SubmittedReturn.objects.for_quarter(year, quarter)
        .filter(unit__in=units)
        .without_workbook()
        .select_related("submitted_by")
        .order_by("-submitted_at", "-pk")
    ):
        latest.setdefault(submitted.unit_id, submitted)
        counts[submitted.unit_id] = counts.get(submitted.unit_id, 0) + 1
    # The unit's own and its ancestors' closures bind every row; a child's own binds that child.
    closures = {}
    for closure in (
        ClosedQuarter.objects.filter(year=year, quarter=quarter)
        .filter(Q(unit__path__in=paths.ancestor_paths(unit.path)) | Q(unit__in=children))
        .select_related("unit")
        .order_by("unit__depth")
    ):
        closures.setdefault(closure.unit.path, closure)
    above = next((closures[p] for p in paths.ancestor_paths(unit.path) if p in closures), None)

    def status(row_unit, closure):
        return ReturnStatus(row_unit, latest.get(row_unit.pk), counts.get(row_unit.pk, 0), closure)

    rows = [status(child, above or closures.get(child.path)) for child in children]
    return ReturnsReport(unit, year, quarter, status(unit, above), rows)
