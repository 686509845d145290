"""The admin is another way in: it must obey the same rules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recruitment.models import Candidate, Ethnicity
from units.models import ClosedQuarter, PoolTarget, Unit, UnitKind, User


@pytest.fixture
def admin_client(client, tree):
    user = User.objects.create_superuser("root", password="pw-for-tests-1")
    client.force_login(user)
    return client


def test_the_admin_refuses_a_cell_under_a_cell(admin_client, tree):
    response = admin_client.post(
        "/quan-tri/units/unit/add/",
        {
            "code": "X1",
            "name": "Chi bộ sai chỗ",
            "kind": UnitKind.CELL,
            "grassroots_type": "",
            "treebeard_position": "first-child",
            "treebeard_ref_node": tree.cell_a1.pk,
        },
    )
    assert response.status_code == 200
    assert "không có đơn vị trực thuộc" in response.content.decode()
    assert not Unit.objects.filter(code="X1").exists()


def test_the_admin_adds_a_cell_that_inherits_the_grassroots_type(admin_client, tree):
    response = admin_client.post(
        "/quan-tri/units/unit/add/",
        {
            "code": "X2",
            "name": "Chi bộ thôn mới",
            "kind": UnitKind.CELL,
            "grassroots_type": "",
            "treebeard_position": "first-child",
            "treebeard_ref_node": tree.org_a.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    cell = Unit.objects.get(code="X2")
    assert Unit.objects.parent_of(cell) == tree.org_a
    assert cell.grassroots_type == tree.org_a.grassroots_type


def test_the_admin_candidate_form_runs_the_pipeline_rules(admin_client, tree):
    response = admin_client.post(
        "/quan-tri/recruitment/candidate/add/",
        {
            "full_name": "Vi Văn Trẻ",
            "date_of_birth": "01/01/2010",
            "gender": "male",
            "ethnicity": Ethnicity.objects.get(name="Tày").pk,
            "occupation": "pupil",
            "cell": tree.cell_a1.pk,
            "listed_on": "01/02/2025",
            "resolution_date": "01/03/2025",
        },
    )
    assert response.status_code == 200
    assert "Chưa đủ 18 tuổi" in response.content.decode()
    assert not Candidate.objects.exists()


def test_admin_pages_answer(admin_client, tree):
    for url in (
        "/quan-tri/",
        "/quan-tri/units/unit/",
        "/quan-tri/recruitment/candidate/?q=nguyen",
        "/quan-tri/units/target/",
        "/quan-tri/units/pooltarget/",
        "/quan-tri/units/pooltarget/add/",
        "/quan-tri/recruitment/ethnicity/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_pool_targets_in_the_admin_are_versioned_like_targets(admin_client, tree, django_assert_num_queries):
    response = admin_client.post(
        "/quan-tri/units/pooltarget/add/", {"unit": tree.committee_a.pk, "year": 2026, "persons": 40}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target = PoolTarget.objects.get(unit=tree.committee_a, year=2026)
    change = f"/quan-tri/units/pooltarget/{target.pk}/change/"
    assert admin_client.get(change).status_code == 200
    stale = {"unit": tree.committee_a.pk, "year": 2026, "persons": 55, "version": target.version + 1}
    assert admin_client.post(change, stale).status_code == 200  # based on a version that is not the latest
    assert admin_client.post(change, {**stale, "version": target.version}).status_code == 302
    target.refresh_from_db()
    assert target.persons == 55 and target.version == 2
    twice = admin_client.post(
        "/quan-tri/units/pooltarget/add/", {"unit": tree.committee_a.pk, "year": 2026, "persons": 1}
    )
    assert twice.status_code == 200 and PoolTarget.objects.count() == 1
    with CaptureQueriesContext(connection) as one_row:
        assert admin_client.get("/quan-tri/units/pooltarget/").status_code == 200
    for year in range(2010, 2020):  # the list costs the same queries whatever its length
        PoolTarget.objects.create(unit=tree.org_a, year=year, persons=year - 2000)
    with django_assert_num_queries(len(one_row.captured_queries)):
        assert admin_client.get("/quan-tri/units/pooltarget/").status_code == 200


def test_a_closed_quarter_is_not_changed_through_a_history_revert(admin_client, tree):
    closure = ClosedQuarter.objects.create(unit=tree.committee_a, year=2025, quarter=1)
    version = closure.history.get()
    url = f"/quan-tri/units/closedquarter/{closure.pk}/history/{version.history_id}/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"unit": tree.committee_b.pk, "year": 2020, "quarter": 2})
    assert response.status_code == 403
    closure.refresh_from_db()
    assert (closure.unit, closure.year, closure.quarter) == (tree.committee_a, 2025, 1)


def test_migrations_match_the_models(db):
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
