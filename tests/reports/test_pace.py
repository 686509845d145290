"""Who will miss the year, quarters as the returns write them, the share-of-members band, the term
selector, the remaining time of the year and the chart's axis (issue 14)."""

import datetime
import re

import pytest
from django.urls import reverse

from recruitment import progress
from reports.charts import axis_ticks, cumulative_chart, render_cumulative_svg
from reports.views import current_term
from tests.factories import CandidateFactory, admitted_fields, make_unit, make_user
from units.models import Role, Term
from units.periods import Period
from units.services import headcount_set, target_set

D = datetime.date


def admitted(cell, day, **fields):
    return CandidateFactory(cell=cell, **admitted_fields(day), **fields)


@pytest.fixture
def autumn_2025(tree):
    """By 30/9/2025: A admitted 3 of 10, B 4 of 4; the province's target 20."""
    for day in (D(2025, 2, 1), D(2025, 5, 1), D(2025, 8, 1)):
        admitted(tree.cell_a1, day)
    for day in (D(2025, 1, 10), D(2025, 3, 10), D(2025, 7, 10), D(2025, 9, 10)):
        admitted(tree.cell_b1, day)
    target_set(unit=tree.province, admissions=20, year=2025)
    target_set(unit=tree.committee_a, admissions=10, year=2025)
    target_set(unit=tree.committee_b, admissions=4, year=2025)
    return tree


def test_the_units_that_will_miss_the_year_sorted_by_shortfall_with_the_pace_needed(autumn_2025):
    tree = autumn_2025
    outlook = progress.year_end_outlook(tree.province, 2025, today=D(2025, 9, 30))
    # 273 days gone: A 3 -> 4 by 31/12 (6 short), the province 7 -> 9 (11 short); B is on its target.
    assert [(row.unit.code, row.projected, row.shortfall) for row in outlook.missing] == [("P", 9, 11), ("A", 4, 6)]
    assert outlook.missing[0].is_total
    a = outlook.missing[1]
    # 7 still to admit in the 93 days left (about 3.06 months): 3 a month.
    assert a.months_left == pytest.approx(93 * 12 / 365)
    assert a.needed_per_month == 3
    assert [row.unit.code for row in outlook.checked] == ["P", "A", "B"]
    # A year that is over: who missed it, no pace to ask for.
    over = progress.year_end_outlook(tree.province, 2025, today=D(2026, 2, 1))
    assert [(row.unit.code, row.shortfall, row.needed_per_month) for row in over.missing] == [
        ("P", 13, None),
        ("A", 7, None),
    ]
    # One level down: A's own list (its organisation has no target: nothing to say about it).
    assert [
        row.unit.code for row in progress.year_end_outlook(tree.committee_a, 2025, today=D(2025, 9, 30)).missing
    ] == ["A"]


def test_a_quarter_shows_its_own_admissions_and_the_year_to_date_and_flags_by_pace(tree):
    # A: 6 of 8 by 30/9, one of them in Q3: on pace (75% of the year gone). B: 2 of 8: under half the pace.
    for day in (D(2025, 1, 5), D(2025, 2, 5), D(2025, 4, 5), D(2025, 5, 5), D(2025, 6, 5), D(2025, 8, 5)):
        admitted(tree.cell_a1, day)
    admitted(tree.cell_b1, D(2025, 2, 5))
    admitted(tree.cell_b1, D(2025, 7, 5))
    target_set(unit=tree.committee_a, admissions=8, year=2025)
    target_set(unit=tree.committee_b, admissions=8, year=2025)
    report = progress.progress_report(tree.province, Period.for_quarter(2025, 3), today=D(2026, 3, 1))
    a, b = report.rows
    assert (a.admitted, a.year_to_date, a.year_ratio) == (1, 6, 0.75)
    assert a.ratio == 0.125  # the quarter against the whole year: what painted every unit "under 50%"
    assert a.pace_ratio == pytest.approx(6 / (8 * 273 / 365))
    assert not a.is_low and not a.is_high
    assert (b.admitted, b.year_to_date) == (1, 2) and b.is_low
    # The same quarter seen on 15/8 while it runs: the pace is that of the days gone so far.
    running = progress.progress_report(tree.province, Period.for_quarter(2025, 3), today=D(2025, 8, 15))
    assert running.rows[0].elapsed == pytest.approx(227 / 365) and not running.rows[0].is_low


def test_the_quarter_page_writes_the_year_to_date_as_the_returns_do(client, tree, users):
    for day in (D(2025, 1, 5), D(2025, 4, 5), D(2025, 8, 5)):
        admitted(tree.cell_a1, day)
    target_set(unit=tree.province, admissions=4, year=2025)
    target_set(unit=tree.committee_a, admissions=4, year=2025)
    client.force_login(users.province_staff)
    page = client.get(reverse("reports:progress", kwargs={"code": "P"}) + "?year=2025&quarter=3").content.decode()
    line = re.search(r'data-testid="year-to-date">([^<]*)<', page).group(1)
    assert line == "Quý III năm 2025 kết nạp 1; lũy kế 9 tháng 3, đạt 75,0% kế hoạch năm."
    row_a = page.split('data-unit="A"')[1].split("</tr>")[0]
    assert "Dưới 50%" not in row_a  # 3 of 4 by September: on pace, whatever 1 of 4 in the quarter says
    assert "Lũy kế từ đầu năm" in page


def test_the_share_of_members_is_flagged_outside_resolution_21s_band(client, tree, users):
    for count, cell in ((2, tree.cell_a1), (3, tree.cell_a2), (5, tree.cell_b1)):
        for index in range(count):
            admitted(cell, D(2025, 3, 1 + index))
        headcount_set(unit=cell, year=2025, members=100)
    report = progress.progress_report(tree.org_a, Period.for_year(2025), today=D(2026, 1, 5))
    assert [(row.unit.code, row.share_outside_band) for row in report.rows] == [("A1-1", "low"), ("A1-2", "")]
    b = progress.progress_report(tree.org_b, Period.for_year(2025), today=D(2026, 1, 5)).rows[0]
    assert b.share_outside_band == "high"
    quarter = progress.progress_report(tree.org_a, Period.for_quarter(2025, 1), today=D(2026, 1, 5))
    assert quarter.rows[0].share_outside_band == ""  # a quarter's share is not a year's
    client.force_login(users.province_staff)
    page = client.get(reverse("reports:progress", kwargs={"code": "A1"}) + "?year=2025").content.decode()
    assert 'data-share-band="low"' in page.split('data-unit="A1-1"')[1].split("</tr>")[0]
    assert "data-share-band" not in page.split('data-unit="A1-2"')[1].split("</tr>")[0]


def test_the_term_selector_defaults_to_the_term_running_today(client, tree, users):
    year = datetime.date.today().year
    old = Term.objects.create(start_year=year - 6, end_year=year - 1)
    running = Term.objects.create(start_year=year - 1, end_year=year + 4)
    assert current_term([old, running], datetime.date.today()) == running
    assert current_term([old, running], D(year - 1, 9, 30)) == old
    assert current_term([old, running], D(year - 7, 1, 1)) is None
    client.force_login(users.province_staff)
    page = client.get(reverse("reports:progress", kwargs={"code": "P"}) + f"?year={year}").content.decode()
    selected = re.findall(r'<option value="([\d-]+)" selected>', page.split('id="p-term"')[1].split("</select>")[0])
    assert selected == [f"{year - 1}-{year + 4}"]


@pytest.mark.parametrize(
    "today, months, days, label",
    [
        (D(2026, 11, 30), 1, 1, "1 tháng 1 ngày"),  # was "Còn 1 người trong 2 tháng cuối năm"
        (D(2026, 12, 1), 1, 0, "1 tháng"),
        (D(2026, 12, 15), 0, 17, "17 ngày"),
        (D(2026, 1, 1), 12, 0, "12 tháng"),
    ],
)
def test_the_time_left_in_the_year_counts_what_is_really_left(today, months, days, label):
    left = progress.time_left(2026, today)
    assert (left.months, left.days, str(left.label)) == (months, days, label)
    assert progress.monthly_pace(1, left.in_months) == 1
    assert progress.monthly_pace(6, progress.time_left(2026, D(2026, 10, 1)).in_months) == 2
    assert progress.time_left(2026, D(2027, 1, 1)).in_months == 0


def test_the_secretarys_home_says_the_time_really_left(client, tree, users):
    today = datetime.date.today()
    target_set(unit=tree.cell_a1, admissions=50, year=today.year)
    client.force_login(users.secretary_a1)
    page = client.get(reverse("home")).content.decode()
    pace = page.split('id="pace"')[1].split("</p>")[0]
    assert f"còn {progress.time_left(today.year, today).label} đến hết năm" in pace
    assert "tháng cuối năm" not in pace


def test_staff_and_leadership_homes_flag_who_will_miss_the_year(client, tree, users):
    today = datetime.date.today()
    target_set(unit=tree.committee_a, admissions=100, year=today.year)  # nobody admitted yet: 0 by 31/12
    for user in (users.province_staff, users.leader):
        client.force_login(user)
        page = client.get(reverse("home")).content.decode()
        assert 'id="will-miss"' in page
        assert reverse("reports:outlook", kwargs={"code": "P"}) in page
    client.force_login(users.secretary_a1)
    assert 'id="will-miss"' not in client.get(reverse("home")).content.decode()


def test_the_outlook_page_lists_the_units_and_drills_down(client, autumn_2025, users):
    client.force_login(users.leader)
    page = client.get(reverse("reports:outlook", kwargs={"code": "P"}) + "?year=2025").content.decode()
    table = page.split('data-testid="outlook-table"')[1].split("</table>")[0]
    # The year is over (today is later than 2025): who missed it, the largest shortfall first.
    assert table.index('data-unit="P"') < table.index('data-unit="A"') and 'data-unit="B"' not in table
    assert reverse("reports:outlook", kwargs={"code": "A"}) + "?year=2025" in table
    empty = client.get(reverse("reports:outlook", kwargs={"code": "B"}) + "?year=2025").content.decode()
    assert 'data-testid="outlook-empty"' in empty and "đều đạt chỉ tiêu năm" in empty


@pytest.mark.parametrize("children", [2, 12])
def test_the_outlook_page_query_count_is_pinned(client, db, django_assert_num_queries, children):
    root = make_unit(None, code="ROOT")
    for index in range(children):
        committee = make_unit(root, code=f"C{index}")
        cell = make_unit(make_unit(committee))
        admitted(cell, D(2025, 3, 1))
        target_set(unit=committee, admissions=5, year=2025)
    client.force_login(make_user(root, Role.LEADERSHIP))
    # session, user with its unit, the unit (a root has no ancestors to read); then children, targets,
    # the month grid.
    with django_assert_num_queries(3 + 3):
        response = client.get(reverse("reports:outlook", kwargs={"code": "ROOT"}) + "?year=2025")
    assert len(response.context["outlook"].missing) == children


def test_the_chart_axis_never_repeats_a_label_at_cell_level():
    assert axis_ticks(2) == [0, 1, 2]
    assert axis_ticks(150) == [0, 50, 100, 150]
    for target in (1, 2, 3, 5, 7, 13, 150, 11388):
        ticks = axis_ticks(target)
        assert len(set(ticks)) == len(ticks) <= 6 and ticks[-1] >= target
    svg = str(
        render_cumulative_svg(
            cumulative_chart(2025, [1, 0, 1] + [0] * 9, 2, today=D(2026, 1, 1)),
            title="t",
            actual_label="a",
            pace_label="p",
        )
    )
    labels = re.findall(r'text-anchor="end"[^>]*>([^<]+)<', svg)
    assert labels and len(labels) == len(set(labels))
