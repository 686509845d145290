import datetime

import pytest
from django.core.exceptions import ValidationError

from units import services
from units.models import Headcount, Target, Term
from units.selectors import MemberCount, MemberSource, member_counts


def test_a_target_is_for_one_year_or_one_term(tree):
    term = Term.objects.create(start_year=2020, end_year=2025)
    services.target_set(unit=tree.province, year=2024, admissions=100)
    services.target_set(unit=tree.province, term=term, admissions=480)
    with pytest.raises(ValidationError):
        Target(unit=tree.province, year=2024, term=term, admissions=1).full_clean()
    with pytest.raises(ValidationError):
        Target(unit=tree.province, admissions=1).full_clean()


def test_setting_a_target_again_changes_it(tree):
    services.target_set(unit=tree.province, year=2024, admissions=100)
    services.target_set(unit=tree.province, year=2024, admissions=120)
    assert Target.objects.get(unit=tree.province, year=2024).admissions == 120


def test_a_negative_target_is_refused(tree):
    with pytest.raises(ValidationError):
        services.target_set(unit=tree.province, year=2024, admissions=-1)


def test_children_targets_short_of_the_parent(tree):
    services.target_set(unit=tree.province, year=2024, admissions=100)
    services.target_set(unit=tree.committee_a, year=2024, admissions=40)
    services.target_set(unit=tree.committee_b, year=2024, admissions=50)
    assert services.children_target_shortfall(unit=tree.province, year=2024) == 10
    services.target_set(unit=tree.committee_b, year=2024, admissions=70)
    assert services.children_target_shortfall(unit=tree.province, year=2024) == 0


def test_term_dates_default_to_congress_season_and_stay_editable(db):
    term = Term.objects.create(start_year=2020, end_year=2025)
    assert (term.start_date, term.end_date) == (datetime.date(2020, 10, 1), datetime.date(2025, 9, 30))
    assert str(term) == "2020–2025"
    term.start_date = datetime.date(2020, 9, 15)
    term.full_clean()
    term.save()
    following = Term(start_year=2025, end_year=2030)
    following.full_clean()  # 01/10/2025 starts the day after the previous term ends


def test_overlapping_terms_are_refused(db):
    Term.objects.create(start_year=2020, end_year=2025)
    with pytest.raises(ValidationError) as refused:
        Term(start_year=2024, end_year=2029).full_clean()
    assert "trùng" in " ".join(refused.value.messages)


def test_headcounts_are_recorded_at_any_level_and_a_units_own_figure_comes_first(tree, django_assert_num_queries):
    # Cells report theirs; so may an organisation (A1), a committee or the province.
    services.headcount_set(unit=tree.cell_a1, year=2024, members=30)
    services.headcount_set(unit=tree.cell_a2, year=2024, members=25)
    services.headcount_set(unit=tree.cell_b1, year=2024, members=40)
    services.headcount_set(unit=tree.enterprise, year=2024, members=12)
    services.headcount_set(unit=tree.cell_b1, year=2023, members=39)  # another year
    services.headcount_set(unit=tree.org_a, year=2024, members=60)
    services.headcount_set(unit=tree.province, year=2024, members=110)
    assert Headcount.objects.count() == 7
    with django_assert_num_queries(1):
        by_child, total = member_counts(tree.province, 2024)
    # A has no figure of its own: it counts its organisation's own figure (60), not the cells' 55.
    a = by_child[tree.committee_a.path]
    assert (a.count, a.own, a.below, a.source, a.disagrees) == (60, None, 60, MemberSource.SUMMED, False)
    b = by_child[tree.committee_b.path]
    assert (b.count, b.source) == (52, MemberSource.SUMMED)
    # The province's own figure is its count; the sum below it (60 + 52) disagrees.
    assert (total.count, total.own, total.below, total.source) == (110, 110, 112, MemberSource.REPORTED)
    assert total.disagrees and total.difference == -2
    assert str(total.source_label) == "theo báo cáo" and str(a.source_label) == "cộng từ chi bộ"

    # One level down: the organisation's figure against its cells'.
    by_child, total = member_counts(tree.committee_a, 2024)
    org = by_child[tree.org_a.path]
    assert (org.count, org.own, org.below, org.source, org.disagrees) == (60, 60, 55, MemberSource.REPORTED, True)
    assert (total.count, total.own, total.source, total.disagrees) == (60, None, MemberSource.SUMMED, False)
    by_child, total = member_counts(tree.org_a, 2024)
    assert {path: count.count for path, count in by_child.items()} == {tree.cell_a1.path: 30, tree.cell_a2.path: 25}
    assert (total.count, total.below, total.source) == (60, 55, MemberSource.REPORTED)
    # A cell: its own figure, nothing below.
    assert member_counts(tree.cell_a1, 2024) == ({}, MemberCount(own=30))
    # Nothing recorded: no count, no source.
    by_child, total = member_counts(tree.province, 2020)
    assert by_child == {} and total.count is None and total.source is None and not total.disagrees


def test_a_figure_below_a_unit_without_one_is_summed_past_the_levels_between(tree):
    # B has no figure, nor has B1: B counts B1's cells and the enterprise.
    services.headcount_set(unit=tree.cell_b1, year=2024, members=40)
    services.headcount_set(unit=tree.enterprise, year=2024, members=12)
    services.headcount_set(unit=tree.committee_a, year=2024, members=70)
    by_child, total = member_counts(tree.province, 2024)
    assert by_child[tree.committee_b.path] == MemberCount(own=None, below=52)
    assert by_child[tree.committee_a.path] == MemberCount(own=70, below=None)
    assert not by_child[tree.committee_a.path].disagrees  # nothing below A to compare with
    assert total == MemberCount(own=None, below=122)
