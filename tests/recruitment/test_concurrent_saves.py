"""Hole 14 of the probe: two first saves of the same child target, or two creates with the same
citizen ID, at the same moment. Both pass the uniqueness check before either writes; the database
refuses the second, which must read as the refusal the others get (a stale edit, "already recorded"),
never a 500. Really concurrent on PostgreSQL (two threads, two connections); on SQLite, which runs one
writer at a time, the other save is made at the same point of the first (between its check and its
write)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import pre_save
from django.urls import reverse

from recruitment import services
from recruitment.models import Candidate, Ethnicity, Gender, Occupation
from tests.factories import CandidateFactory
from units import services as unit_services
from units.audit import StaleEdit
from units.models import Target

CITIZEN_ID = "001096012345"
YEAR = datetime.date.today().year


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


class Meanwhile:
    """Run `other()` once, right after a new `model`'s full_clean() (its checks, uniqueness included)
    and before its write: as if another request had saved in between. (A pre_save hook would run
    inside the service's savepoint, whose rollback would take the other save with it.)"""

    def __init__(self, monkeypatch, model, other):
        original = model.full_clean
        self.done = False

        def full_clean(instance, *args, **kwargs):
            original(instance, *args, **kwargs)
            if not self.done and instance.pk is None:
                self.done = True
                other()

        monkeypatch.setattr(model, "full_clean", full_clean)


# --- SQLite and PostgreSQL alike: the other save made between the check and the write ---


@pytest.mark.django_db
def test_a_first_child_target_saved_meanwhile_is_a_stale_edit_not_a_500(client, tree, users, monkeypatch):
    client.force_login(users.staff_a)
    url = reverse("units:child_targets", args=[tree.committee_a.pk]) + f"?nam={YEAR}"
    other = lambda: Target.objects.bulk_create([Target(unit=tree.org_a, year=YEAR, admissions=7)])  # noqa: E731
    Meanwhile(monkeypatch, Target, other)
    response = client.post(url, {f"unit_{tree.org_a.pk}": "5", f"unit_{tree.org_a.pk}_version": "0"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "đã được người khác sửa" in page
    assert "7" in page  # theirs, shown
    # nothing of ours written (the simulated other save shares this test's transaction, so the
    # page's rollback takes it too; on PostgreSQL below it is a real save and stays)
    assert not Target.objects.filter(admissions=5).exists()
    # the form now carries their version: saving again is a deliberate overwrite
    assert response.context["form"].data[f"unit_{tree.org_a.pk}_version"] == 1


@pytest.mark.django_db
def test_a_citizen_id_recorded_meanwhile_is_a_refusal_not_a_500(client, tree, users, monkeypatch):
    client.force_login(users.province_staff)
    other = lambda: CandidateFactory(cell=tree.cell_b1, citizen_id=CITIZEN_ID)  # noqa: E731
    Meanwhile(monkeypatch, Candidate, other)
    response = client.post(reverse("recruitment:candidate_create"), _create_data(tree, citizen_id=CITIZEN_ID))
    assert response.status_code == 200
    assert "đã có trong hệ thống" in " ".join(response.context["form"].errors["citizen_id"])
    assert not Candidate.objects.filter(full_name="Người Mới").exists()


@pytest.mark.django_db
def test_the_service_turns_the_clash_into_its_validation_error_and_its_transaction_stays_usable(
    tree, users, monkeypatch
):
    other = lambda: CandidateFactory(cell=tree.cell_b1, citizen_id=CITIZEN_ID)  # noqa: E731
    Meanwhile(monkeypatch, Candidate, other)
    with pytest.raises(services.CitizenIdTaken) as refused:
        services.candidate_create(
            actor=users.province_staff,
            cell=tree.cell_a1,
            listed_on=datetime.date(2025, 3, 1),
            full_name="Người Mới",
            date_of_birth=datetime.date(2000, 9, 2),
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.objects.get(name="Kinh"),
            occupation=Occupation.FARMER,
            citizen_id=CITIZEN_ID,
        )
    assert isinstance(refused.value, ValidationError)
    assert "đã có" in refused.value.message_dict["citizen_id"][0]
    # A query after the clash works (the transaction is usable); the service's rollback took the
    # simulated other save with it, as it shares this test's transaction.
    assert Candidate.objects.count() == 0


# --- PostgreSQL: really at once ---

needs_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite runs one writer at a time")


def _at_once(model, actions):
    """Run `actions` in threads of their own (each its own connection), all held at their insert of
    `model` until every one has got there, so each has passed its checks before any writes."""
    barrier = threading.Barrier(len(actions), timeout=20)
    outcomes = [None] * len(actions)

    def held(sender, instance, **kwargs):
        if instance.pk is None:
            barrier.wait()

    def run(index, action):
        try:
            outcomes[index] = action()
        except Exception as error:  # noqa: BLE001 - what each thread got is the result under test
            outcomes[index] = error
        finally:
            connection.close()

    pre_save.connect(held, sender=model, weak=False)
    try:
        threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        pre_save.disconnect(held, sender=model)
    return outcomes


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_saves_of_one_target_at_once_on_postgresql(tree, users):
    def save(admissions):
        return lambda: unit_services.target_set(
            unit=tree.org_a, admissions=admissions, year=YEAR, actor=users.staff_a, expected_version=0
        )

    outcomes = _at_once(Target, [save(5), save(6)])
    saved = [o for o in outcomes if isinstance(o, Target)]
    refused = [o for o in outcomes if isinstance(o, StaleEdit)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    assert refused[0].current.admissions == saved[0].admissions
    assert Target.objects.get(unit=tree.org_a, year=YEAR).admissions == saved[0].admissions


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_creates_with_one_citizen_id_at_once_on_postgresql(tree, users):
    def create(cell, name):
        return lambda: services.candidate_create(
            actor=users.province_staff,
            cell=cell,
            listed_on=datetime.date(2025, 3, 1),
            full_name=name,
            date_of_birth=datetime.date(2000, 9, 2),
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.objects.get(name="Kinh"),
            occupation=Occupation.FARMER,
            citizen_id=CITIZEN_ID,
        )

    outcomes = _at_once(Candidate, [create(tree.cell_a1, "Người Một"), create(tree.cell_b1, "Người Hai")])
    saved = [o for o in outcomes if isinstance(o, Candidate)]
    refused = [o for o in outcomes if isinstance(o, services.CitizenIdTaken)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    assert Candidate.objects.get(citizen_id=CITIZEN_ID).full_name == saved[0].full_name
