"""The admin is another way in: it must obey the same rules."""

import pytest

from recruitment.models import Candidate, Ethnicity
from units.models import Unit, UnitKind, User


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
        "/quan-tri/recruitment/ethnicity/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_migrations_match_the_models(db):
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
