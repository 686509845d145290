"""Holes a security probe found in the pipeline pages: each test failed before its fix."""

import datetime
import io
import logging

import pytest
from django.db import IntegrityError
from django.urls import reverse
from openpyxl import load_workbook

from recruitment import services
from recruitment.models import Candidate, Ethnicity, Gender, Occupation
from tests.factories import CandidateFactory, make_user
from units.models import Role

pytestmark = pytest.mark.django_db

FULL_ID = "001203004567"
OTHER_ID = "079088001234"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _login(client, user):
    client.force_login(user)
    return client


def _form_data(form):
    """What the browser sends back for a form as it was shown."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        if isinstance(value, datetime.date):
            value = value.strftime("%d/%m/%Y")
        data[name] = value
    return data


# --- 1. The edit form must not carry the full citizen ID the page masks ---------------------------


def test_secretary_edit_page_does_not_carry_the_full_citizen_id(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, citizen_id=FULL_ID)
    client = _login(client, users.secretary_a1)
    url = reverse("recruitment:profile_update", args=[person.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert FULL_ID not in page
    assert "4567" in page  # the masked number is shown, so the secretary knows one is recorded
    # Saving without touching the (empty) box keeps the stored number.
    data = _form_data(response.context["form"])
    assert not data.get("citizen_id")
    data["full_name"] = "Tên Đã Sửa"
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.context["form"].errors
    person.refresh_from_db()
    assert (person.full_name, person.citizen_id) == ("Tên Đã Sửa", FULL_ID)


def test_staff_edit_page_still_carries_the_number_they_may_see(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, citizen_id=FULL_ID)
    response = _login(client, users.staff_a).get(reverse("recruitment:profile_update", args=[person.pk]))
    assert FULL_ID in response.content.decode()


# --- 2. The add form is no oracle for citizen IDs outside one's scope -----------------------------


def _create_data(tree, **extra):
    return {
        "full_name": "Người Mới",
        "date_of_birth": "02/09/2000",
        "gender": Gender.FEMALE,
        "cell": tree.cell_a1.pk,
        "ethnicity": Ethnicity.objects.get(name="Kinh").pk,
        "occupation": Occupation.FARMER,
        "listed_on": "01/03/2025",
        **extra,
    }


def _answer(response):
    form = response.context["form"]
    return sorted((name, tuple(errors)) for name, errors in form.errors.items())


def test_a_foreign_citizen_id_gets_the_same_answer_as_an_unknown_one(client, tree, users, caplog):
    CandidateFactory(cell=tree.cell_b1, citizen_id=FULL_ID)  # outside committee A
    url = reverse("recruitment:candidate_create")
    for user in (users.secretary_a1,):
        client = _login(client, user)
        with caplog.at_level(logging.INFO, logger="recruitment.citizen_id"):
            foreign = client.post(url, _create_data(tree, citizen_id=FULL_ID))
            unknown = client.post(url, _create_data(tree, citizen_id=OTHER_ID))
        assert foreign.status_code == unknown.status_code == 200
        assert _answer(foreign) == _answer(unknown)
        assert "đã có" not in foreign.content.decode()
        assert not Candidate.objects.filter(full_name="Người Mới").exists()
        # Each attempt is recorded for the committee above, without the full number.
        records = [r for r in caplog.records if r.name == "recruitment.citizen_id"]
        assert len(records) >= 2 and all(FULL_ID not in r.getMessage() for r in records)
        caplog.clear()


def test_a_duplicate_inside_ones_scope_is_named_with_a_link(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, citizen_id=FULL_ID)
    response = _login(client, users.secretary_a1).post(
        reverse("recruitment:candidate_create"), _create_data(tree, citizen_id=FULL_ID)
    )
    page = response.content.decode()
    assert "đã có" in " ".join(response.context["form"].errors["citizen_id"])
    assert reverse("recruitment:candidate_detail", args=[person.pk]) in page


def test_the_province_still_records_new_citizen_ids(client, tree, users):
    response = _login(client, users.province_staff).post(
        reverse("recruitment:candidate_create"), _create_data(tree, citizen_id=OTHER_ID)
    )
    assert response.status_code == 302
    assert Candidate.objects.get(full_name="Người Mới").citizen_id == OTHER_ID


def test_a_concurrent_duplicate_is_a_refusal_not_a_500(client, tree, users, monkeypatch):
    def racing(**kwargs):
        raise IntegrityError("UNIQUE constraint failed: recruitment_candidate.citizen_id")

    monkeypatch.setattr(services, "candidate_create", racing)
    for user in (users.province_staff, users.secretary_a1):
        response = _login(client, user).post(
            reverse("recruitment:candidate_create"), _create_data(tree, citizen_id=OTHER_ID)
        )
        assert response.status_code == 200
        assert response.context["form"].errors


# --- 4. Characters XML cannot hold --------------------------------------------------------------


def test_forms_refuse_characters_xml_cannot_hold(client, tree, users):
    response = _login(client, users.secretary_a1).post(
        reverse("recruitment:candidate_create"), _create_data(tree, full_name="Người\uffffMới")
    )
    assert response.status_code == 200
    assert "full_name" in response.context["form"].errors
    assert not Candidate.objects.exists()


def test_export_survives_a_stored_character_xml_cannot_hold(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn An")
    Candidate.objects.filter(pk=person.pk).update(full_name="Nguyễn\uffff Văn\x01 An")
    response = _login(client, users.staff_a).get(reverse("recruitment:candidate_export"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "Nguyễn Văn An"


# --- 5. Page sizes and cell numbers from the query string ---------------------------------------


@pytest.mark.parametrize("value", ["-1", "0", str(10**20), "²", "abc", "1e3"])
def test_per_page_is_bounded_and_never_a_500(client, tree, users, value):
    response = _login(client, users.staff_a).get(reverse("recruitment:candidate_list"), {"per_page": value})
    assert response.status_code == 200
    assert 10 <= response.context["table"].paginator.per_page <= 200


def test_per_page_within_bounds_is_kept(client, tree, users):
    client = _login(client, users.staff_a)
    url = reverse("recruitment:candidate_list")
    assert client.get(url, {"per_page": "50"}).context["table"].paginator.per_page == 50
    assert client.get(url, {"per_page": "100000"}).context["table"].paginator.per_page == 200
    assert client.get(url).context["table"].paginator.per_page == 25


@pytest.mark.parametrize("value", ["²", "-3", str(10**30), "x"])
def test_create_with_a_strange_cell_is_not_a_500(client, tree, users, value):
    response = _login(client, users.staff_a).get(reverse("recruitment:candidate_create"), {"cell": value})
    assert response.status_code == 200


def test_a_committees_staff_still_record_new_citizen_ids(client, tree, users):
    """Entering citizen IDs is the organisation board's daily work: staff of a committee are not held."""
    staff = make_user(tree.org_a, Role.STAFF)
    client = _login(client, staff)
    response = client.post(reverse("recruitment:candidate_create"), _create_data(tree, citizen_id=OTHER_ID))
    assert response.status_code == 302
    assert Candidate.objects.get(full_name="Người Mới").citizen_id == OTHER_ID


def test_a_unique_violation_from_the_database_is_a_refusal(client, tree, users, monkeypatch):
    """Two saves racing past the uniqueness check: the database's IntegrityError (inside the service's
    transaction, so nothing is written) becomes the form's refusal."""
    CandidateFactory(cell=tree.cell_a1, citizen_id=OTHER_ID)
    monkeypatch.setattr(Candidate, "validate_unique", lambda self, exclude=None: None)
    response = _login(client, users.province_staff).post(
        reverse("recruitment:candidate_create"), _create_data(tree, citizen_id=OTHER_ID)
    )
    assert response.status_code == 200
    assert "đã có" in " ".join(response.context["form"].errors["citizen_id"])
    assert Candidate.objects.count() == 1


def test_a_step_or_profile_post_without_its_version_is_refused(client, tree, users):
    """A stale save must not go through because the version was left out of the POST."""
    person = CandidateFactory(cell=tree.cell_a1, full_name="Giữ Phiên Bản", listed_on=datetime.date(2024, 1, 10))
    client = _login(client, users.staff_a)
    response = client.post(
        reverse("recruitment:step_record", args=[person.pk, "course"]),
        {"course_certificate_no": "12/GCN", "course_date": "01/04/2024"},
    )
    assert response.status_code == 200 and "phiên bản" in response.content.decode()
    person.refresh_from_db()
    assert person.course_date is None and person.version == 1
    data = {"full_name": "Đổi Tên", "date_of_birth": "15/03/1995", "gender": "male", "cell": tree.cell_a1.pk}
    response = client.post(reverse("recruitment:profile_update", args=[person.pk]), data)
    assert response.status_code == 200 and "phiên bản" in response.content.decode()
    assert Candidate.objects.get(pk=person.pk).full_name == "Giữ Phiên Bản"
