"""Bad input at the account pages (odd Unicode, huge strings, malformed ids): a message or a 404,
never a 500. Few derandomized examples each, as tests/test_bad_input.py does."""

import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_bad_input import FEW, IMPOSSIBLE, ODD_TEXT, OK, VALUES, form_data
from units.models import User


@pytest.fixture
def staff(client, users):
    client.force_login(users.staff_a)
    return client


def test_list_filters_sort_and_page(staff):
    @FEW
    @given(params=form_data(["q", "unit", "role", "status", "sort", "page", "per_page"]))
    def get(params):
        assert staff.get("/tai-khoan/", params).status_code in OK

    get()


def test_create_move_and_password_forms(staff, users):
    before = User.objects.count()
    secretary = users.secretary_a1.pk

    @FEW
    @given(
        url=st.sampled_from(["/tai-khoan/them/", f"/tai-khoan/{secretary}/chuyen/", "/tai-khoan/doi-mat-khau/"]),
        data=form_data(
            ["unit", "role", "full_name", "username", "email", "credentials", "old_password", "new_password1"]
        ),
    )
    def post(url, data):
        assert staff.post(url, data).status_code in OK

    post()
    assert User.objects.count() == before


def test_pasted_lists(staff):
    line = st.lists(st.one_of(st.sampled_from(["A1-1", "A1-2", "B1-1", ""]), ODD_TEXT), max_size=4).map("\t".join)

    @FEW
    @given(lines=st.one_of(VALUES, st.lists(line, max_size=6).map("\n".join)))
    def post(lines):
        assert staff.post("/tai-khoan/them-nhieu/", {"lines": lines}).status_code in OK

    post()


def test_malformed_ids_links_and_batches(staff, client):
    templates = [
        "/tai-khoan/{}/",
        "/tai-khoan/{}/chuyen/",
        "/tai-khoan/{}/dat-lai-mat-khau/",
        "/tai-khoan/{}/khoa/",
        "/tai-khoan/dot/{}/",
        "/tai-khoan/dot/{}/tai-ve/",
        "/tai-khoan/dat-mat-khau/{}/abc-123/",
        "/tai-khoan/dat-mat-khau/MQ/{}/",
    ]
    ids = st.one_of(st.integers(min_value=0, max_value=10**40).map(str), st.sampled_from(IMPOSSIBLE), ODD_TEXT)

    @FEW
    @given(template=st.sampled_from(templates), value=ids, method=st.sampled_from(["get", "post"]))
    def request(template, value, method):
        url = template.format(urllib.parse.quote(value, safe=""))
        assert getattr(staff, method)(url).status_code in OK | {403, 405}

    request()
