import datetime
import random
import statistics

import pytest

from recruitment.calendar import working_days_late
from recruitment.models import (
    Candidate,
    Ethnicity,
    Gender,
    Occupation,
    PoliticalTheory,
    ProfessionalEducation,
    Religion,
)
from reports import selectors
from tests.factories import CandidateFactory, admitted_fields, make_unit
from units.models import Term
from units.periods import Period
from units.selectors import MemberCount
from units.services import headcount_set, target_set

from .helpers import admit

D = datetime.date
TODAY = D(2026, 11, 22)


def admitted(cell, day, **fields):
    return CandidateFactory(cell=cell, **admitted_fields(day), **fields)


@pytest.fixture
def year_2025(tree):
    """A's cells admit 3 in 2025 (one more in 2024), B admits 1 in its enterprise; targets for 2025."""
    admitted(tree.cell_a1, D(2025, 2, 10))
    admitted(tree.cell_a1, D(2025, 6, 1))
    admitted(tree.cell_a2, D(2025, 11, 5))
    admitted(tree.cell_a2, D(2024, 12, 31))
    admitted(tree.enterprise, D(2025, 1, 1))
    target_set(unit=tree.province, admissions=8, year=2025)
    target_set(unit=tree.committee_a, admissions=2, year=2025)
    target_set(unit=tree.committee_b, admissions=4, year=2025)
    headcount_set(unit=tree.cell_a1, year=2025, members=40)
    headcount_set(unit=tree.cell_a2, year=2025, members=60)
    headcount_set(unit=tree.cell_b1, year=2025, members=25)
    return tree


def test_progress_rolls_admissions_up_to_the_units_below_against_the_years_target(year_2025):
    tree = year_2025
    report = selectors.progress_report(tree.province, Period.for_year(2025), today=TODAY)
    a, b = report.rows
    assert (a.unit, a.target, a.admitted, a.remaining, a.members) == (tree.committee_a, 2, 3, 0, 100)
    assert (b.unit, b.target, b.admitted, b.remaining, b.members) == (tree.committee_b, 4, 1, 3, 25)
    assert a.ratio == 1.5 and a.is_high and not a.is_low
    assert b.ratio == 0.25 and b.is_low
    total = report.total
    assert (total.target, total.admitted, total.members, total.remaining) == (8, 4, 125, 4)
    assert total.member_share == pytest.approx(4 / 125)
    assert total.projected == 4  # a finished year is what it was


def test_progress_for_a_part_of_the_year_uses_the_years_target_and_projects_the_pace(year_2025):
    report = selectors.progress_report(year_2025.province, Period.for_months(2025, 6), today=TODAY)
    # 3 admitted by 30 June (181 days) -> 365/181 * 3 = 6 by 31 December
    assert (report.total.target, report.total.admitted, report.total.projected) == (8, 3, 6)
    # a later quarter: its own admissions against the year's target, the projection from 1/1 to its end
    quarter = selectors.progress_report(year_2025.province, Period.for_quarter(2025, 2), today=TODAY)
    # 1 in Q2; 3 from 1/1 to 30/6 (181 days) -> 6 by 31 December
    assert (quarter.total.target, quarter.total.admitted, quarter.total.projected) == (8, 1, 6)
    assert [(row.admitted, row.projected) for row in quarter.rows] == [(1, 4), (0, 2)]


def test_progress_of_a_term_uses_the_terms_target_and_shares_members_out_per_year(tree):
    term = Term.objects.create(start_year=2020, end_year=2025)
    target_set(unit=tree.province, admissions=3, term=term)
    target_set(unit=tree.province, admissions=99, year=2021)  # not this one
    admitted(tree.cell_a1, D(2020, 9, 30))  # the day before the term
    admitted(tree.cell_a1, D(2020, 10, 1))
    admitted(tree.cell_b1, D(2025, 9, 30))
    headcount_set(unit=tree.cell_a1, year=2025, members=10)
    report = selectors.progress_report(tree.province, Period.for_term(term), today=TODAY)
    assert (report.total.target, report.total.admitted, report.total.projected) == (3, 2, None)
    assert report.total.member_share == pytest.approx(2 / 10 / (1826 / 365.25))


def test_progress_counts_only_what_the_reader_may_see(year_2025, users):
    visible = Candidate.objects.restrict(users.staff_a)
    report = selectors.progress_report(year_2025.province, Period.for_year(2025), candidates=visible, today=TODAY)
    assert [row.admitted for row in report.rows] == [3, 0]


def test_sorting_progress_rows(year_2025):
    report = selectors.progress_report(year_2025.province, Period.for_year(2025), today=TODAY)
    assert [r.unit.code for r in selectors.sort_progress_rows(report.rows, "ratio")] == ["B", "A"]
    assert [r.unit.code for r in selectors.sort_progress_rows(report.rows, "-ratio")] == ["A", "B"]
    assert [r.unit.code for r in selectors.sort_progress_rows(report.rows, "-code")] == ["B", "A"]
    assert [r.unit.code for r in selectors.sort_progress_rows(report.rows, "bogus")] == ["A", "B"]


def test_a_period_within_a_year_carries_the_years_admissions_month_by_month(year_2025):
    for period in (Period.for_year(2025), Period.for_quarter(2025, 1), Period.for_range(D(2025, 2, 3), D(2025, 5, 9))):
        report = selectors.progress_report(year_2025.province, period, today=TODAY)
        assert report.monthly == [1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]
    assert (
        selectors.progress_report(
            year_2025.province, Period.for_range(D(2024, 12, 1), D(2025, 1, 31)), today=TODAY
        ).monthly
        is None
    )


def test_ranges_that_do_or_do_not_follow_month_ends_count_the_same_way(year_2025):
    """A range on month ends is read off the month grid; any other range is counted on its dates."""

    def figures(period):
        report = selectors.progress_report(year_2025.province, period, today=TODAY)
        return [(row.admitted, row.projected) for row in [*report.rows, report.total]]

    assert figures(Period.for_range(D(2025, 4, 1), D(2025, 6, 30))) == figures(Period.for_quarter(2025, 2))
    # Every admission of 2025 in the year_2025 tree, one day at a time around each of them.
    days = sorted(Candidate.objects.filter(decision_date__year=2025).values_list("decision_date", flat=True))
    for day in days:
        before = figures(Period.for_range(D(2025, 1, 1), day - datetime.timedelta(days=1)))
        on = figures(Period.for_range(D(2025, 1, 1), day))
        assert on[-1][0] == before[-1][0] + sum(1 for d in days if d == day)


def test_breakdown_counts_and_shares_each_category(tree):
    thai = Ethnicity.objects.get(name="Thái")
    mong = Ethnicity.objects.get(name="Mông")
    buddhism = Religion.objects.get(name="Phật giáo")
    day = D(2025, 3, 10)
    admitted(
        tree.cell_a1, day, gender=Gender.FEMALE, ethnicity=thai, youth_union_member=True, date_of_birth=D(1994, 3, 11)
    )  # 30 on the decision day: counts as 18-30
    admitted(tree.cell_a1, day, ethnicity=thai, religion=buddhism, date_of_birth=D(1994, 3, 10))  # 31 that day
    admitted(
        tree.cell_b1,
        day,
        gender=Gender.FEMALE,
        ethnicity=mong,
        occupation=Occupation.WORKER,
        date_of_birth=D(2006, 3, 10),
    )  # 19
    admitted(tree.enterprise, day, occupation=Occupation.WORKER, date_of_birth=D(1970, 1, 1))
    admitted(tree.enterprise, D(2024, 5, 5), gender=Gender.FEMALE)  # another year
    report = selectors.breakdown_report(tree.province, Period.for_year(2025))
    lines = {line.label: (line.count, line.share) for line in report.lines}
    assert lines["Tổng số kết nạp"] == (4, 1.0)
    assert lines["Nữ"] == (2, 0.5)
    assert lines["Dân tộc thiểu số"] == (3, 0.75)
    assert lines["Tôn giáo"] == (1, 0.25)
    assert lines["Đoàn viên"] == (1, 0.25)
    assert lines["Tuổi 18–30"] == (2, 0.5)
    assert lines["Nông dân"] == (2, 0.5)
    assert lines["Công nhân"] == (2, 0.5)
    assert lines["Trí thức"] == (0, 0.0)
    assert lines["Xã, phường, thị trấn"] == (3, 0.75)
    assert lines["Doanh nghiệp không có vốn nhà nước"] == (1, 0.25)
    assert lines["Dân tộc Thái"] == (2, 0.5)
    assert lines["Dân tộc Mông"] == (1, 0.25)
    assert "Dân tộc Kinh" not in lines
    by_unit = {unit.code: counts for unit, counts in report.rows}
    assert by_unit["A"]["total"] == 2 and by_unit["A"]["women"] == 1 and by_unit["A"]["age_18_30"] == 1
    assert by_unit["B"]["total"] == 2 and by_unit["B"]["occupation_worker"] == 2
    assert by_unit["B"]["grassroots_private_enterprise"] == 1


# General education as stored ("grade/system") and the level the statistics count it under, by hand.
GENERAL_LEVELS = {
    "12/12": "general_upper_secondary",
    "10/10": "general_upper_secondary",
    "11/12": "general_lower_secondary",
    "9/12": "general_lower_secondary",
    "9/10": "general_lower_secondary",
    "7/10": "general_lower_secondary",
    "8/12": "general_below_lower_secondary",
    "5/12": "general_below_lower_secondary",
    "6/10": "general_below_lower_secondary",
    "3/12": "general_below_lower_secondary",
    "": None,
}
UNIVERSITY_OR_ABOVE = {"university", "master", "doctor", "postgraduate"}


def education_keys(person):
    """The education categories one person counts in, worked out from their record alone."""
    keys = {GENERAL_LEVELS[person.general_education]}
    if person.professional_education:
        keys.add(f"professional_{person.professional_education}")
        if person.professional_education in UNIVERSITY_OR_ABOVE:
            keys.add("professional_university_or_above")
    if person.political_theory:
        keys.add(f"political_theory_{person.political_theory}")
    return keys - {None}


def random_educated_admissions(tree, seed):
    """Random education on admissions in and out of 2025, across the tree (bulk: past the rules)."""
    rng = random.Random(seed)
    cells = [tree.cell_a1, tree.cell_a2, tree.cell_b1, tree.enterprise]
    professional = ["", *ProfessionalEducation.values]
    theory = ["", *PoliticalTheory.values]
    for _ in range(rng.randint(60, 120)):
        admit(
            rng.choice(cells),
            1,
            D(2024, 10, 1) + datetime.timedelta(days=rng.randint(0, 500)),
            general_education=rng.choice(list(GENERAL_LEVELS)),
            professional_education=rng.choice(professional),
            political_theory=rng.choice(theory),
        )


@pytest.mark.parametrize("seed", [1, 2])
def test_breakdown_counts_education_as_person_by_person(tree, seed, django_assert_num_queries):
    random_educated_admissions(tree, seed)
    period = Period.for_year(2025)
    keys = [c.key for c in selectors.education_categories()]
    assert len(keys) == 3 + 8 + 4
    for unit in (tree.province, tree.committee_b):
        with django_assert_num_queries(3):  # the education counts come in the same roll-up
            report = selectors.breakdown_report(unit, period)
        people = list(Candidate.objects.in_subtree(unit).admitted_between(period.start, period.end))
        assert report.total == len(people) > 0
        lines = {line.key: line for line in report.lines}
        for key in keys:
            expected = sum(1 for person in people if key in education_keys(person))
            assert (lines[key].count, lines[key].share) == (expected, expected / len(people)), key
        for child, counts in report.rows:
            below = [person for person in people if person.cell.path.startswith(child.path)]
            assert {key: counts[key] for key in keys} == {
                key: sum(1 for person in below if key in education_keys(person)) for key in keys
            }
    groups = {line.key: line.group for line in report.lines}
    assert groups["general_upper_secondary"] == "general_education"
    assert groups["professional_university_or_above"] == "professional_education"
    assert groups["political_theory_bachelor"] == "political_theory"


def test_breakdown_with_nobody_admitted_has_no_shares(tree):
    report = selectors.breakdown_report(tree.province, Period.for_year(2025))
    assert report.total == 0
    assert all(line.share is None for line in report.lines)


def test_pipeline_counts_stages_per_unit_and_the_flow_in_the_period(tree):
    CandidateFactory(cell=tree.cell_a1, listed_on=D(2025, 1, 5))
    CandidateFactory(cell=tree.cell_a1, listed_on=D(2025, 1, 5), course_certificate_no="1", course_date=D(2025, 3, 6))
    # listed 300 days before the decision, course 200 (both 2024), file 100, resolution 30 (2025)
    admitted(tree.cell_b1, D(2025, 6, 1))
    report = selectors.pipeline_report(tree.province, Period.for_year(2025))
    by_unit = {unit.code: counts for unit, counts in report.rows}
    assert by_unit["A"]["listed"] == 1 and by_unit["A"]["trained"] == 1 and by_unit["A"]["decided"] == 0
    assert by_unit["B"]["decided"] == 1
    assert report.totals["listed"] == 1 and report.totals["decided"] == 1
    flow = {step.label: step for step in report.flow}
    listing, course = flow["Vào danh sách quần chúng ưu tú"], flow["Lớp bồi dưỡng nhận thức về Đảng"]
    assert listing.reached == 2  # B's person was listed in 2024
    assert (course.reached, course.conversion, course.median_days) == (1, 0.5, 60)  # 5/1 -> 6/3
    filed = flow["Hồ sơ xin vào Đảng"]
    # B's person filed in 2025 after a 2024 course: not of 2025's course cohort, who has not filed.
    assert (filed.reached, filed.cohort, filed.converted, filed.conversion, filed.median_days) == (1, 1, 0, 0.0, None)
    assert listing.conversion is None
    decision = flow["Quyết định kết nạp"]
    assert decision.reached == 1 and decision.median_days == 30


def test_pipeline_conversion_follows_people_and_never_passes_100_percent(tree):
    """Three took the course in 2025 after being listed in 2024, one was listed in 2025: counting steps
    dated in the year, "course against listing" was 300%. Of 2025's one listed person, one took the
    course (in 2026): 100%, 45 days."""
    for day in (D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)):
        CandidateFactory(cell=tree.cell_a1, listed_on=D(2024, 11, 1), course_certificate_no="x", course_date=day)
    CandidateFactory(cell=tree.cell_a2, listed_on=D(2025, 12, 1), course_certificate_no="y", course_date=D(2026, 1, 15))
    flow = {step.label: step for step in selectors.pipeline_report(tree.province, Period.for_year(2025)).flow}
    course = flow["Lớp bồi dưỡng nhận thức về Đảng"]
    assert (course.reached, course.cohort, course.converted) == (3, 1, 1)
    assert course.conversion == 1.0 and course.median_days == 45
    later = selectors.pipeline_report(tree.province, Period.for_year(2024)).flow[1]  # 2024's cohort: 3 listed
    assert (later.cohort, later.converted, later.conversion) == (3, 3, 1.0)


def flow_person_by_person(candidates, period):
    """The flow as the pipeline report defines it, each person step by step in Python: the reference
    the SQL must equal. Reached: the step dated in the period; converted (a cohort): the step before
    dated in the period and this step dated at all; the days over those converted."""
    fields = [step.date_field for step in selectors.FLOW_STEPS]
    reached, converted, gaps = [0] * len(fields), [0] * len(fields), [[] for _ in fields]

    def within(day):
        return day is not None and period.start <= day <= period.end

    for dates in candidates.values_list(*fields):
        for index, day in enumerate(dates):
            reached[index] += within(day)
            if index and within(dates[index - 1]) and day is not None:
                converted[index] += 1
                gaps[index].append((day - dates[index - 1]).days)
    return [
        (reached[index], converted[index] if index else None, statistics.median(gaps[index]) if gaps[index] else None)
        for index in range(len(fields))
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pipeline_flow_equals_the_person_by_person_count_on_random_data(tree, seed):
    """Random people, steps missing, out of order, in and out of the period, odd and even counts."""
    rng = random.Random(seed)
    fields = [step.date_field for step in selectors.FLOW_STEPS]
    people = []
    for _ in range(rng.randint(150, 250)):
        day, dates = D(2023, 1, 1) + datetime.timedelta(days=rng.randint(0, 1200)), {}
        for name in fields[: rng.randint(1, len(fields))]:
            day += datetime.timedelta(days=rng.randint(-5, 200))
            dates[name] = None if rng.random() < 0.15 else day
        if dates.get("recognition_date") and dates.get("ceremony_date"):  # a database constraint
            dates["recognition_date"] = max(dates["recognition_date"], dates["ceremony_date"])
        cell = rng.choice([tree.cell_a1, tree.cell_a2, tree.cell_b1, tree.enterprise])
        # Not through the rules: historic records may have gaps the pages would refuse.
        people.append(CandidateFactory.build(cell=cell, **dates))
    Candidate.objects.bulk_create(people)
    for period in (Period.for_year(2025), Period.for_quarter(2024, 3), Period.for_range(D(2023, 6, 1), D(2026, 1, 9))):
        flow = selectors.pipeline_report(tree.province, period).flow
        assert [(step.reached, step.converted, step.median_days) for step in flow] == flow_person_by_person(
            Candidate.objects, period
        )
        assert all(step.conversion is None or 0 <= step.conversion <= 1 for step in flow)
        below = selectors.pipeline_report(tree.committee_a, period).flow  # a subtree counts only its own
        assert [(step.reached, step.converted, step.median_days) for step in below] == flow_person_by_person(
            Candidate.objects.in_subtree(tree.committee_a), period
        )


def test_coverage_lists_cells_that_admitted_nobody_and_counts_grassroots_that_did(tree):
    admitted(tree.cell_a1, D(2025, 4, 1))
    admitted(tree.cell_b1, D(2024, 4, 1))  # outside the period
    report = selectors.coverage_report(tree.province, Period.for_year(2025))
    assert [cell.code for cell in report.idle_cells] == ["A1-2", "B1-1", "B2"]
    assert report.idle_cells[0].grassroots == tree.org_a
    assert report.idle_cells[2].grassroots == tree.enterprise  # a grassroots cell is its own organisation
    assert (report.cell_count, report.grassroots_count, report.grassroots_admitting) == (4, 3, 1)
    assert [org.code for org in report.idle_grassroots] == ["B1", "B2"]


def test_probation_ending_in_the_period_and_recognitions_overdue(tree):
    ending = admitted(tree.cell_a1, D(2025, 2, 1), ceremony_date=D(2025, 2, 10))  # 12 months end 10/02/2026
    overdue = admitted(tree.cell_a2, D(2024, 6, 1), ceremony_date=D(2024, 6, 10))  # due mid-July 2025
    admitted(
        tree.cell_b1,
        D(2024, 6, 1),
        ceremony_date=D(2024, 6, 10),
        new_member_course_date=D(2024, 9, 1),
        recognition_no="5",
        recognition_date=D(2025, 6, 12),
    )  # recognised: neither
    admitted(tree.cell_b1, D(2025, 9, 1), ceremony_date=D(2025, 9, 10))  # ends in September 2026
    report = selectors.probation_report(tree.province, Period.for_quarter(2026, 1), today=D(2026, 1, 5))
    assert [c.pk for c in report.ending] == [ending.pk]
    assert report.ending[0].official_from == D(2026, 2, 10)
    assert [c.pk for c in report.overdue] == [overdue.pk]
    assert report.overdue[0].recognition_due < D(2025, 8, 1)
    assert not hasattr(report.ending[0], "days_overdue")
    # Looked at in April, the one whose 12 months ended in February is late too (due 31/03, Tết skipped),
    # and is marked so in the "ending" list as well.
    later = selectors.probation_report(tree.province, Period.for_quarter(2026, 1), today=D(2026, 4, 10))
    assert [c.pk for c in later.ending] == [ending.pk] and later.ending[0].days_overdue > 0
    assert {c.pk for c in later.overdue} == {overdue.pk, ending.pk}


@pytest.mark.parametrize("children", [2, 12])
def test_each_selector_is_a_fixed_number_of_queries(db, django_assert_num_queries, children):
    root = make_unit(None, code="ROOT")
    for index in range(children):
        committee = make_unit(root)
        org = make_unit(committee)
        for _ in range(2):
            cell = make_unit(org)
            admitted(cell, D(2025, 3, 1 + index % 20), ceremony_date=D(2025, 3, 25))
            CandidateFactory(cell=cell, listed_on=D(2025, 2, 1))
        target_set(unit=committee, admissions=3, year=2025)
        headcount_set(unit=cell, year=2025, members=30)
        headcount_set(unit=committee if index % 2 else org, year=2025, members=61)  # own figures above cells
    headcount_set(unit=root, year=2025, members=60 * children)
    period = Period.for_year(2025)
    with django_assert_num_queries(4):
        report = selectors.progress_report(root, period, today=TODAY)
    assert len(report.rows) == children and report.total.admitted == 2 * children
    assert [row.members for row in report.rows] == [61] * children
    assert report.total.headcount == MemberCount(own=60 * children, below=61 * children)
    with django_assert_num_queries(4):  # a later quarter: its months and the year to date from the same grid
        selectors.progress_report(root, Period.for_quarter(2025, 3), today=TODAY)
    with django_assert_num_queries(6):  # a range off month ends counts its own dates, and from 1/1
        selectors.progress_report(root, Period.for_range(D(2025, 3, 2), D(2025, 9, 30)), today=TODAY)
    with django_assert_num_queries(3):
        assert selectors.breakdown_report(root, period).total == 2 * children
    with django_assert_num_queries(3):
        assert selectors.pipeline_report(root, period).totals["probationary"] == 2 * children
    with django_assert_num_queries(2):  # every count from two queries of paths
        assert selectors.coverage_report(root, period).grassroots_admitting == children
    with django_assert_num_queries(2):
        coverage = selectors.coverage_report(root, Period.for_year(2024))  # nobody admitted: all idle
    with django_assert_num_queries(0):
        assert (len(coverage.idle_cells), len(coverage.idle_grassroots)) == (2 * children, children)
    with django_assert_num_queries(2):  # the idle units as objects: a page of a list, or the whole lists once
        assert len(coverage.idle_cells[:3]) == 3
        assert len(list(coverage.idle_cells)) + len(list(coverage.idle_grassroots)) == 3 * children
    with django_assert_num_queries(1):  # both lists counted in one query
        probation = selectors.probation_report(root, Period.for_year(2026), today=TODAY)
        assert len(probation.ending) == len(probation.overdue) == 2 * children
    with django_assert_num_queries(2):  # a page, then the whole list
        assert len(probation.ending[:3]) == 3 and len(list(probation.ending)) == 2 * children


# --- the long lists: read a page at a time, the same rows as person by person -------------------------


def _random_probationers(cells, rng, count):
    """People admitted 2022-2026 at random, most still on probation, some recognised or struck off;
    ceremonies on 29/02, month ends and around Tết among them. Inserted in one statement."""
    kinh = Ethnicity.objects.get(name="Kinh")
    days = [D(2024, 2, 29), D(2025, 1, 31), D(2024, 8, 31), D(2025, 1, 27)]
    days += [D(2022, 6, 1) + datetime.timedelta(days=rng.randrange(0, 1600)) for _ in range(count - len(days))]
    people = []
    for index, ceremony in enumerate(days):
        fields = admitted_fields(ceremony - datetime.timedelta(days=5), ceremony_date=ceremony)
        shape = rng.random() if index >= 4 else 1  # the chosen days stay on probation
        if shape < 0.1 and ceremony < D(2025, 6, 1):
            fields.update(
                new_member_course_date=ceremony + datetime.timedelta(days=40),
                recognition_no="1",
                recognition_date=ceremony + datetime.timedelta(days=370),
            )
        elif shape < 0.15:
            fields.update(exit_date=ceremony + datetime.timedelta(days=10), exit_reason="struck_off")
        # several people share a ceremony date: the order falls back to the name, then the id
        person = Candidate(
            full_name=f"{rng.choice(['Lê', 'Trần', 'Vũ'])} Văn {rng.choice('ABC')}",
            date_of_birth=D(1995, 3, 15),
            gender=Gender.MALE,
            ethnicity=kinh,
            occupation=Occupation.FARMER,
            cell=rng.choice(cells),
            **fields,
        )
        person.refresh_derived()
        people.append(person)
    Candidate.objects.bulk_create(people)


def _probation_by_hand(period, today):
    """The report's two lists computed person by person, as the report did before it counted in SQL:
    the reference. (pk, 12 months end, recognition due) in the report's order."""
    from recruitment.calendar import add_months, add_working_days

    waiting = sorted(
        (
            person
            for person in Candidate.objects.all()
            if person.ceremony_date and not person.recognition_date and not person.exit_date
        ),
        key=lambda person: (person.ceremony_date, person.name_sort_key, person.pk),
    )
    rows = [
        (
            person.pk,
            person.ceremony_date,
            add_months(person.ceremony_date, 12),
            add_working_days(add_months(person.ceremony_date, 12), 30),
        )
        for person in waiting
    ]
    ending = [
        (pk, end, due)
        for pk, ceremony, end, due in rows
        if add_months(period.start, -12) <= ceremony <= add_months(period.end, -12)
    ]
    overdue = [(pk, end, due) for pk, _ceremony, end, due in rows if due < today]
    return ending, overdue


def test_probation_lists_match_the_person_by_person_reference_in_every_slice(tree):
    import random

    from recruitment.calendar import add_months, add_working_days

    _random_probationers([tree.cell_a1, tree.cell_a2, tree.cell_b1, tree.enterprise], random.Random(5), 160)
    leap_due = add_working_days(add_months(D(2024, 2, 29), 12), 30)  # due, then overdue the day after
    cases = [
        (Period.for_year(2025), TODAY),
        (Period.for_quarter(2025, 1), leap_due),
        (Period.for_quarter(2025, 1), leap_due + datetime.timedelta(days=1)),
        (Period.for_range(D(2025, 2, 28), D(2025, 3, 1)), D(2026, 2, 23)),
        (Period.for_months(2026, 5), TODAY),
    ]
    for period, today in cases:
        ending, overdue = _probation_by_hand(period, today)
        assert ending and overdue, (period, today)
        report = selectors.probation_report(tree.province, period, today=today)
        for rows, expected in ((report.ending, ending), (report.overdue, overdue)):
            assert len(rows) == len(expected)
            assert [(p.pk, p.official_from, p.recognition_due) for p in rows] == expected
            for start, stop in ((0, 10), (7, 19), (len(expected) - 3, len(expected) + 5)):
                fresh = getattr(
                    selectors.probation_report(tree.province, period, today=today),
                    "ending" if rows is report.ending else "overdue",
                )
                assert [(p.pk, p.official_from, p.recognition_due) for p in fresh[start:stop]] == expected[start:stop]
        # Lateness in working days, as the to-do counts it for the same person.
        assert [p.days_overdue for p in report.overdue] == [working_days_late(due, today) for _pk, _end, due in overdue]
        assert all(p.days_overdue >= 1 for p in report.overdue)
    # the leap-day ceremony is due on `leap_due`: not yet late that day, late the day after
    leap = Candidate.objects.get(ceremony_date=D(2024, 2, 29))
    for (period, today), late in ((cases[1], False), (cases[2], True)):
        assert (
            leap.pk in [p.pk for p in selectors.probation_report(tree.province, period, today=today).overdue]
        ) == late


def _coverage_by_hand(root, period):
    """Idle cells (code, organisation code) and idle organisations, walking the tree unit by unit."""
    from units.models import CELL_KINDS, GRASSROOTS_KINDS, Unit

    units = list(Unit.objects.subtree(root))
    admitted_in = {
        person.cell_id
        for person in Candidate.objects.filter(decision_date__gte=period.start, decision_date__lte=period.end)
    }
    organisations = [u for u in units if u.kind in GRASSROOTS_KINDS]

    def organisation_of(cell):
        above = [org for org in organisations if cell.path.startswith(org.path)]
        return max(above, key=lambda org: org.depth).code if above else None

    idle_cells = [(u.code, organisation_of(u)) for u in units if u.kind in CELL_KINDS and u.pk not in admitted_in]
    idle_organisations = [
        org.code
        for org in organisations
        if not any(u.pk in admitted_in for u in units if u.kind in CELL_KINDS and u.path.startswith(org.path))
    ]
    return idle_cells, idle_organisations, sum(u.kind in CELL_KINDS for u in units), len(organisations)


def test_coverage_lists_match_the_unit_by_unit_reference_in_every_slice(tree):
    import random

    from units.models import UnitKind

    rng = random.Random(3)
    cells = [tree.cell_a1, tree.cell_a2, tree.cell_b1, tree.enterprise]
    for _index in range(6):  # organisations with cells directly below and under a partial committee
        org = make_unit(rng.choice([tree.committee_a, tree.committee_b]))
        cells += [make_unit(org) for _ in range(rng.randrange(1, 4))]
        partial = make_unit(org, UnitKind.PARTIAL_COMMITTEE)
        cells += [make_unit(partial) for _ in range(rng.randrange(0, 3))]
    for _ in range(30):
        admitted(rng.choice(cells), D(2024, 1, 1) + datetime.timedelta(days=rng.randrange(0, 1000)))
    for period in (Period.for_year(2025), Period.for_quarter(2025, 3), Period.for_year(2020)):
        idle_cells, idle_organisations, cell_count, organisation_count = _coverage_by_hand(tree.province, period)
        report = selectors.coverage_report(tree.province, period)
        assert (report.cell_count, report.grassroots_count) == (cell_count, organisation_count)
        assert report.grassroots_admitting == organisation_count - len(idle_organisations)
        assert len(report.idle_cells) == len(idle_cells) and len(report.idle_grassroots) == len(idle_organisations)
        for start, stop in ((0, 4), (3, 9), (len(idle_cells) - 2, len(idle_cells) + 3)):
            page = selectors.coverage_report(tree.province, period).idle_cells[start:stop]
            assert [(c.code, c.grassroots.code if c.grassroots else None) for c in page] == idle_cells[start:stop]
        page = selectors.coverage_report(tree.province, period).idle_grassroots[1:4]
        assert [org.code for org in page] == idle_organisations[1:4]
        assert [(c.code, c.grassroots.code if c.grassroots else None) for c in report.idle_cells] == idle_cells
        assert [org.code for org in report.idle_grassroots] == idle_organisations


def test_report_rows_index_like_a_list(tree):
    admitted(tree.cell_a1, D(2025, 4, 1))
    rows = selectors.coverage_report(tree.province, Period.for_year(2025)).idle_cells
    codes = ["A1-2", "B1-1", "B2"]
    assert [rows[i].code for i in (0, 2, -1, -3)] == ["A1-2", "B2", "B2", "A1-2"]
    assert [c.code for c in rows[1:]] == codes[1:] and rows[5:9] == [] and rows[2:1] == []
    with pytest.raises(IndexError):
        rows[3]
    with pytest.raises(IndexError):
        rows[-4]
    assert bool(rows) and [c.code for c in rows] == codes and [c.code for c in rows[-2:]] == codes[-2:]
