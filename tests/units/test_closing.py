"""Issue 6: closing a quarter (khóa sổ) freezes admissions and recognitions dated in it, for the
closing unit's subtree, in the services (so pages, import and admin obey) until the committee above
reopens it."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from recruitment import services as people
from recruitment.importing import import_workbook
from recruitment.models import Candidate
from recruitment.pipeline import StepKind
from tests.factories import CandidateFactory, admitted_fields, make_user
from tests.imports.conftest import _imports_in_request, admitted_person, workbook  # noqa: F401 (fixtures)
from units import services
from units.closing import ClosedQuarters
from units.models import ClosedQuarter, Role
from units.permissions import REOPEN_QUARTER, allows

pytestmark = pytest.mark.django_db
DECIDED = datetime.date(2025, 3, 3)  # quý I/2025


@pytest.fixture
def person(tree):
    """Admitted (decision) in quarter I/2025, in a cell of committee A."""
    return CandidateFactory(cell=tree.cell_a1, **admitted_fields(DECIDED))


@pytest.fixture
def closed(tree, users, person):
    """Quarter I/2025 closed by the staff of committee A, for its whole subtree."""
    return services.quarter_close(actor=users.staff_a, unit=tree.committee_a, year=2025, quarter=1)


def _admitted(cell):
    return CandidateFactory(cell=cell, **admitted_fields(DECIDED))


def test_a_step_dated_in_a_closed_quarter_is_refused_by_the_service(tree, users):
    person = _admitted(tree.cell_a1)
    other = _admitted(tree.cell_b1)  # committee B has not closed anything
    services.quarter_close(actor=users.staff_a, unit=tree.committee_a, year=2025, quarter=1)
    with pytest.raises(ValidationError) as refused:
        people.step_record(
            actor=users.staff_a,
            candidate=Candidate.objects.get(pk=person.pk),
            kind=StepKind.CEREMONY,
            ceremony_date=datetime.date(2025, 3, 20),
        )
    assert "quý I/2025, đã khóa sổ (Đảng bộ huyện A)" in str(refused.value.message_dict["ceremony_date"])
    assert Candidate.objects.get(pk=person.pk).ceremony_date is None
    # Correcting the admission decision itself is frozen too.
    with pytest.raises(ValidationError):
        people.step_record(
            actor=users.province_staff,
            candidate=Candidate.objects.get(pk=person.pk),
            kind=StepKind.DECISION,
            decision_no="1-QĐ",
            decision_date=DECIDED,
            decision_issuer="Huyện ủy",
        )
    # A ceremony in the next (open) quarter is fine; so is a unit outside the closed subtree.
    people.step_record(
        actor=users.staff_a,
        candidate=Candidate.objects.get(pk=person.pk),
        kind=StepKind.CEREMONY,
        ceremony_date=datetime.date(2025, 4, 2),
    )
    people.step_record(
        actor=users.province_staff, candidate=other, kind=StepKind.CEREMONY, ceremony_date=datetime.date(2025, 3, 20)
    )
    # Profile corrections that touch no frozen date still go through.
    people.candidate_update_profile(
        actor=users.staff_a, candidate=Candidate.objects.get(pk=person.pk), full_name="Tên Đã Sửa"
    )


def test_moving_an_admitted_person_out_of_a_closed_subtree_is_refused(tree, users, closed, person):
    with pytest.raises(ValidationError):
        people.candidate_update_profile(actor=users.province_staff, candidate=person, cell=tree.cell_b1)


def test_a_step_page_shows_the_refusal_next_to_the_date(client, tree, users, closed, person):
    client.force_login(users.staff_a)
    url = reverse("recruitment:step_record", args=[person.pk, StepKind.CEREMONY])
    response = client.post(url, {"ceremony_date": "20/03/2025", "version": person.version})
    assert response.status_code == 200
    assert "đã khóa sổ" in " ".join(response.context["form"].errors["ceremony_date"])
    assert Candidate.objects.get(pk=person.pk).ceremony_date is None


def test_the_import_obeys_closed_quarters(tree, users, workbook):
    services.quarter_close(actor=users.staff_a, unit=tree.org_a, year=2023, quarter=1)
    result = import_workbook(workbook({"Quần chúng": [admitted_person()]}), actor=users.staff_a)
    assert not result.ok
    assert any("quý I/2023, đã khóa sổ" in str(error) for error in result.errors)
    assert not Candidate.objects.exists()


def test_reopened_only_by_the_committee_above(client, tree, users, closed, person):
    with pytest.raises(PermissionDenied):  # the same level may not reopen its own closure
        services.quarter_reopen(actor=users.staff_a, closure=closed)
    below = make_user(tree.org_a, Role.STAFF)
    assert not allows(below, REOPEN_QUARTER, closed.unit)
    assert not allows(users.leader, REOPEN_QUARTER, closed.unit)  # leadership reads only
    client.force_login(users.staff_a)
    url = reverse("units:quarter_reopen", args=[tree.committee_a.pk, closed.pk])
    assert client.post(url).status_code == 403
    assert ClosedQuarter.objects.filter(pk=closed.pk).exists()

    client.force_login(users.province_staff)
    assert client.post(url).status_code == 302
    assert not ClosedQuarter.objects.exists()
    people.step_record(
        actor=users.staff_a,
        candidate=Candidate.objects.get(pk=person.pk),
        kind=StepKind.CEREMONY,
        ceremony_date=datetime.date(2025, 3, 20),
    )
    deleted = ClosedQuarter.history.filter(history_type="-").get()
    assert deleted.history_user == users.province_staff


def test_a_closure_of_a_unit_below_is_reopened_by_its_committee(tree, users):
    closure = services.quarter_close(actor=make_user(tree.org_a, Role.STAFF), unit=tree.org_a, year=2025, quarter=2)
    assert allows(users.staff_a, REOPEN_QUARTER, closure.unit)
    services.quarter_reopen(actor=users.staff_a, closure=closure)
    assert not ClosedQuarter.objects.exists()


def test_closing_through_the_unit_page(client, tree, users):
    client.force_login(users.staff_a)
    url = reverse("units:quarter_close", args=[tree.committee_a.pk])
    response = client.post(url, {"year": "2025", "quarter": "3"}, follow=True)
    assert "Đã khóa sổ quý III/2025" in response.content.decode()
    closure = ClosedQuarter.objects.get()
    assert (closure.unit, closure.closed_by) == (tree.committee_a, users.staff_a)
    # Twice, below an existing closure, a future quarter, nonsense: messages, never a 500.
    for data, fragment in (
        ({"year": "2025", "quarter": "3"}, "đã được khóa sổ"),
        ({"year": "2099", "quarter": "1"}, "quý chưa kết thúc"),
        ({"year": "abc", "quarter": "9"}, "Chọn quý I, II, III hoặc IV"),
    ):
        page = client.post(url, data, follow=True).content.decode()
        assert fragment in page, data
    page = client.post(
        reverse("units:quarter_close", args=[tree.org_a.pk]), {"year": "2025", "quarter": "3"}, follow=True
    ).content.decode()
    assert "quý III/2025 đã được khóa sổ ở Đảng bộ huyện A" in page
    assert ClosedQuarter.objects.count() == 1


def test_who_may_close(client, tree, users):
    client.force_login(users.leader)
    assert (
        client.post(
            reverse("units:quarter_close", args=[tree.province.pk]), {"year": "2025", "quarter": "1"}
        ).status_code
        == 403
    )
    client.force_login(users.staff_a)
    assert (
        client.post(
            reverse("units:quarter_close", args=[tree.committee_b.pk]), {"year": "2025", "quarter": "1"}
        ).status_code
        == 404
    )
    assert not ClosedQuarter.objects.exists()


def test_closed_quarters_shown_on_unit_page_candidate_page_and_workbook(client, tree, users, closed, person):
    client.force_login(users.province_staff)
    unit_page = client.get(reverse("dashboard:unit_detail", args=[tree.cell_a1.pk]))
    assert [c.pk for c, _can in unit_page.context["closures"]] == [closed.pk]
    assert unit_page.context["closures"][0][1] is True  # the province may reopen it
    html = unit_page.content.decode()
    assert 'data-closed="2025-1"' in html and html.count('id="closing"') == 1
    assert f"<title>{tree.cell_a1.name}" in html.replace("\n", "")
    detail = client.get(reverse("recruitment:candidate_detail", args=[person.pk])).content.decode()
    assert "Đã khóa sổ quý I/2025 (Đảng bộ huyện A)" in detail
    response = client.get(reverse("reports:quarterly_return", kwargs={"code": "A"}) + "?year=2025&quarter=1")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    # and the day of the tree the figures are counted by (the period's last day)
    assert sheet["A3"].value == "Đã khóa sổ quý I/2025 — Theo cây tổ chức ngày 31/03/2025"
    other = client.get(reverse("reports:quarterly_return", kwargs={"code": "B"}) + "?year=2025&quarter=1")
    assert load_workbook(io.BytesIO(other.content)).worksheets[0]["A3"].value == "Theo cây tổ chức ngày 31/03/2025"


def test_whether_a_date_is_closed_is_two_queries(tree, users, closed, django_assert_num_queries):
    services.quarter_close(actor=users.province_staff, unit=tree.province, year=2024, quarter=4)
    # the cell's places in the dated tree, the closures of every unit it stood under
    with django_assert_num_queries(2):
        book = ClosedQuarters.for_unit(tree.cell_a1)
    assert book.closure_for(datetime.date(2025, 2, 1)) == closed
    assert book.closure_for(datetime.date(2024, 12, 31)).unit == tree.province
    assert book.closure_for(datetime.date(2025, 4, 1)) is None
    assert ClosedQuarters.for_unit(tree.cell_b1).closure_for(datetime.date(2025, 2, 1)) is None


def test_the_admin_obeys_closed_quarters(admin_client, tree, closed, person):
    url = reverse("admin:recruitment_candidate_change", args=[person.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        date_of_birth="1995-03-15",
        listed_on=str(person.listed_on),
        course_date=str(person.course_date),
        application_date=str(person.application_date),
        resolution_date=str(person.resolution_date),
        decision_date="2025-03-04",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "đã khóa sổ" in response.content.decode()
    assert Candidate.objects.get(pk=person.pk).decision_date == DECIDED
    # Nor may it be deleted there while the quarter is closed.
    assert (
        admin_client.post(reverse("admin:recruitment_candidate_delete", args=[person.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Candidate.objects.filter(pk=person.pk).exists()


# Profile fields feed the quarter's breakdown (gender, age, ethnicity, ...): frozen for a person
# admitted in a closed quarter, as the decision itself is.
@pytest.mark.parametrize(
    "change",
    [
        {"gender": "female"},
        {"date_of_birth": datetime.date(1996, 4, 1)},
        {"occupation": "worker"},
        {"youth_union_member": True},
        {"general_education": "9/12"},
        {"professional_education": "university"},
        {"political_theory": "elementary"},
    ],
)
def test_profile_fields_of_a_person_admitted_in_a_closed_quarter_are_frozen(tree, users, closed, person, change):
    with pytest.raises(ValidationError) as refused:
        people.candidate_update_profile(actor=users.staff_a, candidate=Candidate.objects.get(pk=person.pk), **change)
    assert "đã khóa sổ" in str(refused.value)
    stored = Candidate.objects.get(pk=person.pk)
    assert all(getattr(stored, name) != value for name, value in change.items())


def test_ethnicity_and_religion_of_an_admitted_person_are_frozen(tree, users, closed, person):
    from recruitment.models import Ethnicity, Religion

    other = Ethnicity.objects.exclude(pk=person.ethnicity_id).first()
    with pytest.raises(ValidationError):
        people.candidate_update_profile(
            actor=users.staff_a, candidate=Candidate.objects.get(pk=person.pk), ethnicity=other
        )
    religion = Religion.objects.first()
    if religion is not None:
        with pytest.raises(ValidationError):
            people.candidate_update_profile(
                actor=users.staff_a, candidate=Candidate.objects.get(pk=person.pk), religion=religion
            )
    # Reopened: the same correction goes through.
    services.quarter_reopen(actor=users.province_staff, closure=closed)
    people.candidate_update_profile(actor=users.staff_a, candidate=Candidate.objects.get(pk=person.pk), ethnicity=other)
    assert Candidate.objects.get(pk=person.pk).ethnicity == other


def test_the_profile_page_shows_the_closure_refusal(client, tree, users, closed, person):
    client.force_login(users.staff_a)
    url = reverse("recruitment:profile_update", args=[person.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data.update(date_of_birth="15/03/1995", gender="female", version=person.version)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "đã khóa sổ" in " ".join(response.context["form"].non_field_errors())
    assert Candidate.objects.get(pk=person.pk).gender == "male"


def test_profile_fields_of_a_person_not_admitted_in_a_closed_quarter_stay_open(tree, users, closed):
    listed = CandidateFactory(cell=tree.cell_a1)
    people.candidate_update_profile(actor=users.staff_a, candidate=listed, gender="female")
    assert Candidate.objects.get(pk=listed.pk).gender == "female"
