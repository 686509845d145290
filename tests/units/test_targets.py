import datetime

import pytest
from django.core.exceptions import ValidationError

from units import services
from units.models import Headcount, Target, Term
from units.selectors import headcount_by_child


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


def test_headcounts_are_recorded_on_cells_and_summed_above(tree, django_assert_num_queries):
    services.headcount_set(unit=tree.cell_a1, year=2024, members=30)
    services.headcount_set(unit=tree.cell_a2, year=2024, members=25)
    services.headcount_set(unit=tree.cell_b1, year=2024, members=40)
    services.headcount_set(unit=tree.enterprise, year=2024, members=12)
    services.headcount_set(unit=tree.cell_b1, year=2023, members=39)
    with django_assert_num_queries(1):
        by_child, total = headcount_by_child(tree.province, 2024)
    assert total == 107
    assert by_child[tree.committee_a.path]["members"] == 55
    assert by_child[tree.committee_b.path]["members"] == 52
    with pytest.raises(ValidationError) as refused:
        services.headcount_set(unit=tree.org_a, year=2024, members=55)
    assert "chi bộ" in " ".join(refused.value.messages)
    assert Headcount.objects.count() == 5
