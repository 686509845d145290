"""The list's unit select is a path down the tree: bounded however large the province."""

import re

import pytest
from django.urls import reverse

from recruitment.filters import unit_options
from units.models import User

pytestmark = pytest.mark.django_db


def _options(client, **params):
    html = client.get(reverse("recruitment:candidate_list"), params).content.decode()
    select = re.search(r'<select name="unit".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d*)"( selected)?>', select)


def test_offers_the_users_unit_and_its_children(tree, users):
    assert list(unit_options(users.province_staff, None)) == [tree.province, tree.committee_a, tree.committee_b]


def test_a_chosen_unit_adds_the_way_down_to_it_and_its_children(tree, users):
    assert list(unit_options(users.province_staff, tree.org_a)) == [
        tree.province,
        tree.committee_a,
        tree.org_a,
        tree.cell_a1,
        tree.cell_a2,
        tree.committee_b,
    ]
    # Never outside the scope, even the way down.
    assert list(unit_options(users.staff_a, tree.org_a)) == [tree.committee_a, tree.org_a, tree.cell_a1, tree.cell_a2]


def test_a_superuser_without_a_unit_starts_from_the_top_two_levels(tree):
    root = User.objects.create_superuser("root", password="pw-for-tests-1")
    assert list(unit_options(root, None)) == [tree.province, tree.committee_a, tree.committee_b]


def test_the_page_shows_the_path_and_selects_the_chosen_unit_deep_in_the_tree(client, tree, users):
    client.force_login(users.province_staff)
    assert [value for value, _ in _options(client)] == [
        "",
        str(tree.province.pk),
        str(tree.committee_a.pk),
        str(tree.committee_b.pk),
    ]
    options = _options(client, unit=tree.cell_a2.pk)
    assert (str(tree.cell_a2.pk), " selected") in options
    assert str(tree.cell_b1.pk) not in [value for value, _ in options]  # another branch stays folded
