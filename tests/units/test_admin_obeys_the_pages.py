"""Hole 10 of the probe: the Django admin obeys the same rules and locks as the pages. Its history
revert cannot empty or change an admission of a closed quarter, and its tree's drag-and-drop cannot
put a committee under a cell."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from recruitment.models import Candidate
from tests.factories import CandidateFactory, admitted_fields
from units.models import ClosedQuarter, Unit, User

DECIDED = datetime.date(2025, 2, 14)  # quarter I of 2025, closed below


@pytest.fixture
def admin_client(client, tree):
    client.force_login(User.objects.create_superuser("root", password="pw-for-tests-1"))
    return client


def _form_data(form):
    """What the browser posts back for the admin form as shown (a historical version's values)."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        if isinstance(value, datetime.date):
            value = value.strftime("%d/%m/%Y")
        data[name] = value
    return data


@pytest.fixture
def admitted_in_a_closed_quarter(tree):
    fields = admitted_fields(DECIDED)
    decision = {name: fields.pop(name) for name in ("decision_no", "decision_date", "decision_issuer")}
    person = CandidateFactory(cell=tree.cell_a1, full_name="Trần Văn Khóa", **fields)  # version 1: not admitted
    for name, value in decision.items():
        setattr(person, name, value)
    person.full_clean()
    person.save()  # version 2: admitted
    ClosedQuarter.objects.create(unit=tree.committee_a, year=2025, quarter=1)
    return Candidate.objects.get(pk=person.pk)


def test_history_revert_to_a_version_before_the_admission_is_refused(admin_client, admitted_in_a_closed_quarter):
    person = admitted_in_a_closed_quarter
    before = person.history.order_by("history_id").first()  # before the decision
    assert before.decision_date is None
    url = reverse("admin:recruitment_candidate_simple_history", args=[person.pk, before.history_id])
    shown = admin_client.get(url)
    assert shown.status_code == 200
    data = _form_data(shown.context["adminform"].form)
    data["version"] = person.version  # the current version: only the closed quarter stands in the way
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "đã khóa sổ" in response.content.decode()
    person.refresh_from_db()
    assert person.decision_date == DECIDED and person.version == 2


def test_history_revert_of_other_fields_still_works(admin_client, admitted_in_a_closed_quarter):
    person = admitted_in_a_closed_quarter
    latest = person.history.order_by("-history_id").first()
    url = reverse("admin:recruitment_candidate_simple_history", args=[person.pk, latest.history_id])
    data = _form_data(admin_client.get(url).context["adminform"].form)
    data.update(version=person.version, full_name="Trần Văn Khóa Sửa")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert person.full_name == "Trần Văn Khóa Sửa" and person.decision_date == DECIDED


def _move(admin_client, node, target, relation="child"):
    return admin_client.post(
        reverse("admin:units_unit_changelist") + "move/",
        {"node": node.pk, "target": target.pk, "relation": relation},
    )


def test_the_tree_move_refuses_a_committee_under_a_cell(admin_client, tree):
    response = _move(admin_client, tree.org_b, tree.cell_a1)
    assert response.status_code == 400
    assert any("không có đơn vị trực thuộc" in str(m) for m in get_messages(response.wsgi_request))
    assert Unit.objects.parent_of(Unit.objects.get(pk=tree.org_b.pk)) == tree.committee_b
    # as a sibling of a cell, i.e. under its grassroots committee: a committee there is no cell's child
    response = _move(admin_client, tree.committee_b, tree.province, relation="sibling")
    assert response.status_code == 400
    assert Unit.objects.get(pk=tree.committee_b.pk).depth == 2


def test_the_tree_move_refuses_a_unit_into_its_own_subtree(admin_client, tree):
    response = _move(admin_client, tree.committee_a, tree.org_a)
    assert response.status_code == 400
    assert Unit.objects.get(pk=tree.committee_a.pk).depth == 2


def test_the_tree_move_goes_through_the_service_with_its_history(admin_client, tree):
    response = _move(admin_client, tree.cell_b1, tree.org_a)
    assert response.status_code == 200
    cell = Unit.objects.get(pk=tree.cell_b1.pk)
    assert Unit.objects.parent_of(cell) == tree.org_a
    assert cell.history.latest("history_id").history_change_reason.startswith("Chuyển từ")
