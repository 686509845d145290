"""Hole 17 of the probe: a person moved in from another subtree must not show, in their history, the
name of the cell they came from (nor who edited them there) to a viewer who may not see that cell."""

import pytest
from django.urls import reverse

from recruitment import services
from tests.factories import CandidateFactory, make_user
from units.models import Role

pytestmark = pytest.mark.django_db

FOREIGN_CELL = "Chi bộ tổ dân phố 1"  # tree.cell_b1
OWN_CELL = "Chi bộ thôn 1"  # tree.cell_a1


@pytest.fixture
def moved_in(tree, users):
    secretary_b = make_user(tree.cell_b1, Role.SECRETARY, "bithu_b1")
    secretary_b.first_name, secretary_b.last_name = "Bí Thư", "Bê"
    secretary_b.save()
    person = CandidateFactory(cell=tree.cell_b1, full_name="Hà Văn Chuyển")
    services.candidate_update_profile(actor=secretary_b, candidate=person, occupation=person.occupation, religion=None)
    services.candidate_update_profile(actor=users.province_staff, candidate=person, cell=tree.cell_a1)
    return person


def _history_html(client, user, person):
    client.force_login(user)
    response = client.get(reverse("recruitment:candidate_detail", args=[person.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index("data-history-type") :]


def test_the_foreign_cell_reads_as_another_unit_inside_the_new_subtree(client, users, moved_in):
    page = _history_html(client, users.staff_a, moved_in)
    assert OWN_CELL in page
    assert FOREIGN_CELL not in page and "Đơn vị khác" in page
    assert "Bí Thư" not in page and "bithu_b1" not in page


def test_the_province_sees_both_cells(client, users, moved_in):
    page = _history_html(client, users.province_staff, moved_in)
    assert OWN_CELL in page and FOREIGN_CELL in page and "Đơn vị khác" not in page


def test_the_history_costs_the_same_queries_however_long(client, users, moved_in, django_assert_max_num_queries):
    client.force_login(users.staff_a)
    url = reverse("recruitment:candidate_detail", args=[moved_in.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(5):
        services.candidate_update_profile(actor=users.staff_a, candidate=moved_in, full_name=f"Hà Văn Chuyển {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
