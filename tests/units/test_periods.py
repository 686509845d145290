import datetime

import pytest

from units.forms import PeriodForm, period_from_params
from units.models import Term
from units.periods import Period

D = datetime.date


def test_year_quarter_and_first_months_have_their_dates_labels_and_the_years_target():
    year = Period.for_year(2026)
    assert (year.start, year.end, year.label) == (D(2026, 1, 1), D(2026, 12, 31), "Năm 2026")
    quarter = Period.for_quarter(2026, 3)
    assert (quarter.start, quarter.end, quarter.label) == (D(2026, 7, 1), D(2026, 9, 30), "Quý III năm 2026")
    months = Period.for_months(2017, 10)
    assert (months.start, months.end, months.label) == (D(2017, 1, 1), D(2017, 10, 31), "10 tháng đầu năm 2017")
    february = Period.for_months(2024, 2)
    assert february.end == D(2024, 2, 29)
    for period, year_ in ((year, 2026), (quarter, 2026), (months, 2017)):
        assert period.target_filter == {"year": year_}
    assert Period.for_months(2017, 12) == Period.for_year(2017)


def test_projection_for_a_year_and_any_part_of_one():
    assert Period.for_year(2026).projects_year_end and Period.for_year(2026).starts_the_year
    assert Period.for_months(2026, 5).starts_the_year
    assert Period.for_quarter(2026, 1).starts_the_year
    assert Period.for_quarter(2026, 2).projects_year_end and not Period.for_quarter(2026, 2).starts_the_year
    assert Period.for_range(D(2026, 3, 1), D(2026, 4, 1)).projects_year_end
    assert not Period.for_range(D(2025, 3, 1), D(2026, 4, 1)).projects_year_end


@pytest.mark.django_db
def test_a_term_is_held_against_the_terms_target():
    term = Term.objects.create(start_year=2020, end_year=2025)
    period = Period.for_term(term)
    assert period.label == "Nhiệm kỳ 2020–2025"
    assert (period.start, period.end) == (D(2020, 10, 1), D(2025, 9, 30))
    assert period.target_filter == {"term": term}
    assert period.year is None


def test_a_range_within_a_year_uses_that_years_target_and_across_years_none():
    inside = Period.for_range(D(2026, 2, 1), D(2026, 3, 15))
    assert inside.label == "Từ 01/02/2026 đến 15/03/2026"
    assert inside.target_filter == {"year": 2026}
    assert Period.for_range(D(2025, 12, 1), D(2026, 1, 31)).target_filter is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, label",
    [
        ({"year": "2026"}, "Năm 2026"),
        ({"year": "2026", "quarter": "3"}, "Quý III năm 2026"),
        ({"year": "2017", "month": "10"}, "10 tháng đầu năm 2017"),
        ({"term": "2020-2025"}, "Nhiệm kỳ 2020–2025"),
        ({"term": "2020–2025"}, "Nhiệm kỳ 2020–2025"),
        ({"from": "2026-02-01", "to": "2026-03-15"}, "Từ 01/02/2026 đến 15/03/2026"),
        ({"from": "01/02/2026", "to": "15/03/2026"}, "Từ 01/02/2026 đến 15/03/2026"),
    ],
)
def test_form_reads_each_kind_of_period(params, label):
    Term.objects.create(start_year=2020, end_year=2025)
    form = PeriodForm(params)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["period"].label == label
    # and the period's own parameters select it again
    again = PeriodForm({k: str(v) for k, v in form.cleaned_data["period"].query_params().items()})
    assert again.is_valid() and again.cleaned_data["period"] == form.cleaned_data["period"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, message",
    [
        ({"year": "abc"}, "Năm"),
        ({"year": "2026", "quarter": "5"}, "Quý"),
        ({"year": "2026", "quarter": "2", "month": "5"}, "Chọn quý hoặc số tháng đầu năm"),
        ({"quarter": "2"}, "Quý hoặc tháng cần đi kèm năm"),
        ({"term": "2020"}, "Nhiệm kỳ ghi dạng 2020-2025"),
        ({"term": "1990-1995"}, "Không có nhiệm kỳ 1990–1995"),
        ({"from": "2026-02-01"}, "cần cả ngày bắt đầu và ngày kết thúc"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "Ngày kết thúc phải sau"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "Từ ngày"),
        ({"year": "2026", "term": "2020-2025"}, "Chọn một loại kỳ báo cáo"),
        ({"from": "0001-01-01", "to": "0001-01-31"}, "Ngày phải trong khoảng năm 1930 đến năm 2100"),
        ({"from": "2026-01-01", "to": "9999-12-31"}, "Ngày phải trong khoảng năm 1930 đến năm 2100"),
        ({"year": "1929"}, "Năm"),
    ],
)
def test_bad_input_is_refused_with_a_vietnamese_message_and_this_year_shown(params, message):
    Term.objects.create(start_year=2020, end_year=2025)
    period, errors = period_from_params(params, today=D(2026, 11, 22))
    assert period == Period.for_year(2026)
    assert any(message in error for error in errors), errors


def test_no_parameters_mean_this_year():
    assert period_from_params({}, today=D(2026, 11, 22)) == (Period.for_year(2026), [])


def test_unknown_parameters_are_ignored():
    period, errors = period_from_params({"year": "2025", "sort": "-ratio"}, today=D(2026, 11, 22))
    assert (period, errors) == (Period.for_year(2025), [])
