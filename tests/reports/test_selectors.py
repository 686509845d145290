import datetime

import pytest

from recruitment.models import Candidate, Ethnicity, Gender, Occupation, Religion
from reports import selectors
from reports.periods import Period
from tests.factories import CandidateFactory, admitted_fields, make_unit
from units.models import Term
from units.services import headcount_set, target_set

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
    visible = Candidate.objects.visible_to(users.staff_a)
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
    assert selectors.progress_report(year_2025.province, Period.for_range(D(2024, 12, 1), D(2025, 1, 31)),
                                     today=TODAY).monthly is None


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
    admitted(tree.cell_a1, day, gender=Gender.FEMALE, ethnicity=thai, youth_union_member=True,
             date_of_birth=D(1994, 3, 11))  # 30 on the decision day: counts as 18-30
    admitted(tree.cell_a1, day, ethnicity=thai, religion=buddhism, date_of_birth=D(1994, 3, 10))  # 31 that day
    admitted(tree.cell_b1, day, gender=Gender.FEMALE, ethnicity=mong, occupation=Occupation.WORKER,
             date_of_birth=D(2006, 3, 10))  # 19
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
    assert (filed.reached, filed.conversion, filed.median_days) == (1, 1.0, 100)
    assert listing.conversion is None
    decision = flow["Quyết định kết nạp"]
    assert decision.reached == 1 and decision.median_days == 30


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
    admitted(tree.cell_b1, D(2024, 6, 1), ceremony_date=D(2024, 6, 10), new_member_course_date=D(2024, 9, 1),
             recognition_no="5", recognition_date=D(2025, 6, 12))  # recognised: neither
    admitted(tree.cell_b1, D(2025, 9, 1), ceremony_date=D(2025, 9, 10))  # ends in September 2026
    report = selectors.probation_report(tree.province, Period.for_quarter(2026, 1), today=D(2026, 1, 5))
    assert [c.pk for c in report.ending] == [ending.pk]
    assert report.ending[0].official_from == D(2026, 2, 10)
    assert [c.pk for c in report.overdue] == [overdue.pk]
    assert report.overdue[0].recognition_due < D(2025, 8, 1)


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
    period = Period.for_year(2025)
    with django_assert_num_queries(4):
        report = selectors.progress_report(root, period, today=TODAY)
    assert len(report.rows) == children and report.total.admitted == 2 * children
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
