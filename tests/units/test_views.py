"""Unit pages: the tree browser, a unit's page, handing targets down; scope and query counts."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import CandidateFactory, admitted_fields, make_unit
from units.models import Headcount, Target, UnitKind
from units.views import build_tree

pytestmark = pytest.mark.django_db

YEAR = datetime.date.today().year


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _login(client, user):
    client.force_login(user)
    return client


def test_tree_shows_only_the_users_subtree(client, tree, users, django_assert_num_queries):
    client = _login(client, users.staff_a)
    with django_assert_num_queries(3):  # session, user with its unit, the subtree
        response = client.get(reverse("units:unit_tree"))
    html = response.content.decode()
    assert "Chi bộ thôn 1" in html and "Đảng bộ huyện A" in html
    assert "Đảng bộ huyện B" not in html and "Đảng bộ tỉnh Thử" not in html
    for _ in range(5):
        make_unit(tree.org_a)
    with django_assert_num_queries(3):
        assert client.get(reverse("units:unit_tree")).status_code == 200


def test_tree_search_ignores_diacritics_and_opens_the_path(tree):
    from units.models import Unit

    roots = build_tree(list(Unit.objects.subtree(tree.province)), "thon 2")
    province = roots[0]
    committee_a = next(node for node in province.children if node.unit.code == "A")
    org_a = committee_a.children[0]
    assert province.open and committee_a.open and org_a.open
    assert [node.unit.code for node in org_a.children if node.match] == ["A1-2"]
    committee_b = next(node for node in province.children if node.unit.code == "B")
    assert not committee_b.open
    # By code too
    assert build_tree(list(Unit.objects.subtree(tree.province)), "b2")[0].children[1].children[1].match


def test_tree_search_page(client, tree, users):
    response = _login(client, users.province_staff).get(reverse("units:unit_tree"), {"q": "TỔ DÂN PHỐ"})
    assert response.context["matches"] == 1
    assert "<mark>Chi bộ tổ dân phố 1</mark>" in response.content.decode()


def test_unit_page_inside_and_outside_scope(client, tree, users):
    client = _login(client, users.staff_a)
    assert client.get(reverse("dashboard:unit_detail", args=[tree.org_a.pk])).status_code == 200
    assert client.get(reverse("dashboard:unit_detail", args=[tree.org_b.pk])).status_code == 404
    assert client.get(reverse("dashboard:unit_detail", args=[tree.province.pk])).status_code == 404
    assert client.get(reverse("units:child_targets", args=[tree.org_b.pk])).status_code == 404


def test_unit_page_shows_progress_headcount_children(client, tree, users, django_assert_num_queries):
    Target.objects.create(unit=tree.org_a, year=2025, admissions=5)
    Target.objects.create(unit=tree.cell_a1, year=2025, admissions=2)
    Headcount.objects.create(unit=tree.cell_a1, year=2025, members=30)
    Headcount.objects.create(unit=tree.cell_a2, year=2025, members=20)
    CandidateFactory(cell=tree.cell_a1, **admitted_fields(datetime.date(2025, 4, 1)))
    client = _login(client, users.staff_a)
    url = reverse("dashboard:unit_detail", args=[tree.org_a.pk]) + "?nam=2025"
    # 12 (the user's unit comes with the user) + 7 (issue 6): closed quarters; the unit's latest changes: one UNION, then for each history
    # table with rows on the page (unit, target) its rows and their earlier rows, + the target's unit name.
    with django_assert_num_queries(19):
        response = client.get(url)
    assert response.context["own"].members == 50
    assert response.context["own"].admitted == 1 and response.context["own"].target == 5
    rows = {row.unit.code: row for row in response.context["table"].rows}
    assert rows["A1-1"].target == 2 and rows["A1-1"].admitted == 1
    assert response.context["shortfall"] == 3
    assert 'id="shortfall"' in response.content.decode()
    assert [crumb.code for crumb in response.context["crumbs"]] == ["A"]
    make_unit(tree.org_a)
    CandidateFactory(cell=tree.cell_a2, **admitted_fields(datetime.date(2025, 5, 1)))
    with django_assert_num_queries(19):
        assert client.get(url).context["own"].admitted == 2


def test_bad_year_falls_back_to_this_year(client, tree, users):
    response = _login(client, users.staff_a).get(
        reverse("dashboard:unit_detail", args=[tree.org_a.pk]), {"nam": "99999"}
    )
    assert response.status_code == 200 and response.context["year"] == YEAR


def _as_shown(form, values):
    """What the browser posts: the numbers typed, with the hidden version of each box as it was shown."""
    versions = {
        form.add_prefix(form.version_name(child)): form.fields[form.version_name(child)].initial
        for child in form.children
    }
    return {**versions, **values}


def test_staff_set_children_targets_and_are_warned_of_a_shortfall(client, tree, users, django_assert_num_queries):
    Target.objects.create(unit=tree.committee_a, year=YEAR, admissions=10)
    make_unit(tree.committee_a, UnitKind.GRASSROOTS_CELL, code="A2", name="Chi bộ cơ sở A2")
    client = _login(client, users.staff_a)
    url = reverse("units:child_targets", args=[tree.committee_a.pk]) + f"?nam={YEAR}"
    with django_assert_num_queries(6):
        response = client.get(url)
    form = response.context["form"]
    names = [field.name for _child, field in form.rows()]
    assert len(names) == 2
    response = client.post(url, _as_shown(form, {names[0]: "4", names[1]: "3"}), follow=True)
    targets = dict(Target.objects.filter(year=YEAR).values_list("unit__code", "admissions"))
    assert targets == {"A": 10, "A1": 4, "A2": 3}
    html = response.content.decode()
    assert "Đã lưu chỉ tiêu" in html
    assert "thấp hơn chỉ tiêu" in html and "3 người" in html
    # Covering the target: no warning.
    form = client.get(url).context["form"]
    response = client.post(url, _as_shown(form, {names[0]: "6", names[1]: "4"}), follow=True)
    assert "thấp hơn chỉ tiêu" not in response.content.decode()


def test_targets_refuse_bad_numbers_and_other_roles(client, tree, users):
    client = _login(client, users.staff_a)
    url = reverse("units:child_targets", args=[tree.committee_a.pk])
    field = client.get(url).context["form"].rows()[0][1].name
    response = client.post(url, {field: "-3"})
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert not Target.objects.exists()
    for user in (users.leader, users.secretary_a1):
        assert (
            _login(client, user)
            .post(
                reverse("units:child_targets", args=[tree.org_a.pk] if user is users.leader else [tree.cell_a1.pk]),
                {field: "1"},
            )
            .status_code
            == 403
        )
    assert not Target.objects.exists()


def test_term_targets_handed_down_with_the_shortfall_warning(client, tree, users):
    from units.models import Term

    term = Term.objects.create(start_year=2025, end_year=2030)
    Target.objects.create(unit=tree.province, term=term, admissions=100)
    client = _login(client, users.province_staff)
    assert term in client.get(reverse("dashboard:unit_detail", args=[tree.province.pk])).context["terms"]
    url = reverse("units:child_targets", args=[tree.province.pk]) + f"?nhiem-ky={term.pk}"
    form = client.get(url).context["form"]
    names = [field.name for _child, field in form.rows()]
    response = client.post(url, _as_shown(form, {names[0]: "40", names[1]: "50"}), follow=True)
    assert dict(Target.objects.filter(term=term).values_list("unit__code", "admissions")) == {
        "P": 100,
        "A": 40,
        "B": 50,
    }
    assert not Target.objects.filter(year__isnull=False).exists()
    assert "nhiệm kỳ 2025–2030" in response.content.decode() and "10 người" in response.content.decode()
