"""Who sees what: a user sees their unit's subtree; everything else is absent."""

import datetime

from recruitment.models import Candidate
from tests.factories import CandidateFactory, make_user
from units.models import Role, Unit


def test_units_visible_to_each_role(tree, users):
    codes = lambda user: set(Unit.objects.restrict(user).values_list("code", flat=True))  # noqa: E731
    assert codes(users.province_staff) == set(Unit.objects.values_list("code", flat=True))
    assert codes(users.staff_a) == {"A", "A1", "A1-1", "A1-2"}
    assert codes(users.secretary_a1) == {"A1-1"}


def test_candidates_visible_inside_the_subtree_only(tree, users):
    inside = CandidateFactory(cell=tree.cell_a2)
    outside = CandidateFactory(cell=tree.cell_b1)
    own = CandidateFactory(cell=tree.cell_a1)
    assert set(Candidate.objects.restrict(users.staff_a)) == {inside, own}
    assert set(Candidate.objects.restrict(users.secretary_a1)) == {own}
    assert set(Candidate.objects.restrict(users.leader)) == {inside, outside, own}
    assert outside not in Candidate.objects.restrict(users.staff_a)


def test_an_account_without_a_unit_sees_nothing(tree):
    loose = make_user(None, role="")
    CandidateFactory(cell=tree.cell_a1)
    assert not Unit.objects.restrict(loose).exists()
    assert not Candidate.objects.restrict(loose).exists()


def test_a_sibling_with_a_longer_code_path_is_not_inside(tree):
    # Paths are fixed-width steps, so "A" never matches the prefix of a sibling like "A..." by accident.
    user = make_user(tree.committee_a, Role.STAFF)
    assert not Unit.objects.restrict(user).filter(pk=tree.committee_b.pk).exists()


def test_login_is_required(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/dang-nhap/")
    response = client.get("/quan-tri/")
    assert response.status_code == 302 and "login" in response.url


def test_each_demo_role_logs_in_and_sees_its_home(client, tree, users, django_assert_max_num_queries):
    CandidateFactory(cell=tree.cell_a1, decision_no="1", decision_date=datetime.date.today(), decision_issuer="X")
    for user in (users.province_staff, users.staff_a, users.leader, users.secretary_a1):
        assert client.login(username=user.username, password="pw-for-tests-1")
        response = client.get("/")
        assert response.status_code == 200
        assert user.unit.name in response.content.decode()
        client.logout()
