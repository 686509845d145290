"""The admin of awareness courses and pool reviews: its pages answer, and it bypasses none of the rules.
Rosters, results, certificates and pool reviews are written only by their pages' services (certificates
record the course step in each person's file), so the admin shows them and takes no change, not even
through django-simple-history's "revert"; a course saved in the admin goes through course_save."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recruitment import services
from recruitment.models import (
    Candidate,
    Course,
    CourseParticipant,
    CourseResult,
    PoolDecision,
    PoolReview,
    PoolReviewEntry,
)
from recruitment.pool import in_pool_q
from tests.factories import CandidateFactory, make_user
from units.models import Role, User
from units.periods import quarter_of

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
LISTED = TODAY - datetime.timedelta(days=200)
END = TODAY - datetime.timedelta(days=20)
YEAR, QUARTER = quarter_of(TODAY)

NEW_MODELS = ["course", "courseparticipant", "poolreview", "poolreviewentry"]


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", password="pw-for-tests-1")


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


def open_course(actor, organiser, number):
    course = Course(
        organiser=organiser,
        number=number,
        start_date=END - datetime.timedelta(days=4),
        end_date=END,
        place="Hội trường",
    )
    return services.course_save(actor=actor, course=course)


def people(cell, n, name="Lò Văn Học"):
    return [CandidateFactory(cell=cell, full_name=f"{name} {cell.code} {i}", listed_on=LISTED) for i in range(n)]


def certified_course(actor, organiser, cells, number="01/2026", first_number=1):
    """A course whose people all passed and hold certificates."""
    course = open_course(actor, organiser, number)
    for cell in cells:
        services.course_enrol(actor=actor, course=course, candidates=people(cell, 2))
    services.course_record_results(
        actor=actor, course=course, results=dict.fromkeys(course.participants.all(), (True, CourseResult.PASSED))
    )
    services.course_issue_certificates(actor=actor, course=course, first_number=first_number, issued_on=END)
    return course


def reviewed_pool(tree, users, cell=None):
    """The quarter's review of `cell`: two new people (one kept, one ready) and everyone else kept."""
    cell = cell or tree.cell_a1
    stay, ready = people(cell, 2, name="Quần Chúng Nguồn")
    decisions = dict.fromkeys(Candidate.objects.filter(cell=cell).filter(in_pool_q(TODAY)), (PoolDecision.KEEP, "", ""))
    decisions[ready] = (PoolDecision.READY, "", "")
    return services.pool_review_save(
        actor=users.staff_a, cell=cell, year=YEAR, quarter=QUARTER, reviewed_on=TODAY, decisions=decisions
    )


@pytest.fixture
def world(tree, users):
    course = certified_course(users.staff_a, tree.committee_a, [tree.cell_a1, tree.cell_a2])
    review = reviewed_pool(tree, users)
    return course, review


def url(model, view="changelist", *args):
    return reverse(f"admin:recruitment_{model}_{view}", args=args)


def test_every_new_admin_page_answers(admin_client, world):
    course, review = world
    participant = course.participants.first()
    entry = review.entries.first()
    pks = {
        "course": course.pk,
        "courseparticipant": participant.pk,
        "poolreview": review.pk,
        "poolreviewentry": entry.pk,
    }
    for model, pk in pks.items():
        for address in (
            url(model),
            url(model) + "?q=nguyen",
            url(model) + "?q=" + "Lò Văn Học",
            url(model) + f"?unit={course.organiser.pk}",
            url(model) + "?unit=99999999999999999999",
            url(model, "change", pk),
            url(model, "history", pk),
        ):
            response = admin_client.get(address)
            assert response.status_code == 200, address
    # A bad date-hierarchy value is a bad filter (back to the list), not an error page.
    assert admin_client.get(url("course") + f"?start_date__year={END.year}").status_code == 200
    assert admin_client.get(url("course") + "?start_date__year=99999999999999999999").status_code == 302
    assert admin_client.get(url("course", "add")).status_code == 200
    page = admin_client.get(url("courseparticipant", "change", participant.pk)).content.decode()
    assert reverse("recruitment:course_detail", args=[course.pk]) in page and "trang của lớp" in page.lower()
    page = admin_client.get(url("poolreview", "change", review.pk)).content.decode()
    assert "Quần Chúng Nguồn" in page  # its entries, shown with it
    assert reverse("recruitment:pool_review_cell", args=[review.cell_id]) in page


def test_the_search_ignores_diacritics_like_the_pages(admin_client, world):
    response = admin_client.get(url("courseparticipant") + "?q=lo van hoc a1-1")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    response = admin_client.get(url("poolreviewentry") + "?q=quan chung nguon")
    assert response.context["cl"].result_count == 2


@pytest.mark.parametrize("model", ["courseparticipant", "poolreviewentry", "poolreview", "course"])
def test_the_changelists_cost_the_same_queries_whatever_the_rows(
    admin_client, tree, users, world, model, django_assert_num_queries
):
    admin_client.get(url(model))
    with CaptureQueriesContext(connection) as first:
        assert admin_client.get(url(model)).status_code == 200
    certified_course(users.staff_a, tree.committee_a, [tree.cell_a1, tree.cell_a2], number="02/2026", first_number=50)
    reviewed_pool(tree, users, cell=tree.cell_a2)
    with django_assert_num_queries(len(first.captured_queries)):
        assert admin_client.get(url(model)).status_code == 200


def _change_form(participant):
    return {
        "course": participant.course_id,
        "candidate": participant.candidate_id,
        "attended": "3",
        "result": CourseResult.FAILED,
        "certificate_no": "999-SỬA",
        "certificate_date": "01/01/2020",
    }


def test_a_participant_takes_no_change_from_the_admin(admin_client, world):
    course, _review = world
    participant = course.participants.order_by("pk").first()
    before = (participant.attended, participant.result, participant.certificate_no, participant.certificate_date)
    data = _change_form(participant)
    assert admin_client.post(url("courseparticipant", "change", participant.pk), data).status_code == 403
    version = participant.history.order_by("history_id").first()  # enrolled, no result yet
    revert = url("courseparticipant", "simple_history", participant.pk, version.history_id)
    assert admin_client.get(revert).status_code == 200
    assert admin_client.post(revert, data).status_code == 403
    assert admin_client.post(url("courseparticipant", "add"), data).status_code == 403
    assert admin_client.post(url("courseparticipant", "delete", participant.pk), {"post": "yes"}).status_code == 403
    participant.refresh_from_db()
    assert (
        participant.attended,
        participant.result,
        participant.certificate_no,
        participant.certificate_date,
    ) == before
    person = participant.candidate
    person.refresh_from_db()
    assert person.course_certificate_no == participant.certificate_no  # the file still says what the course issued


def test_pool_reviews_and_their_entries_take_no_change_from_the_admin(admin_client, world):
    _course, review = world
    entry = review.entries.order_by("pk").first()
    data = {"review": review.pk, "candidate": entry.candidate_id, "decision": "leave", "exit_reason": "withdrew"}
    assert admin_client.post(url("poolreviewentry", "change", entry.pk), data).status_code == 403
    version = entry.history.first()
    assert (
        admin_client.post(url("poolreviewentry", "simple_history", entry.pk, version.history_id), data).status_code
        == 403
    )
    review_data = {"cell": review.cell_id, "year": 2000, "quarter": 1, "reviewed_on": "01/01/2000"}
    assert admin_client.post(url("poolreview", "change", review.pk), review_data).status_code == 403
    version = review.history.first()
    assert (
        admin_client.post(url("poolreview", "simple_history", review.pk, version.history_id), review_data).status_code
        == 403
    )
    assert admin_client.post(url("poolreview", "delete", review.pk), {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    review.refresh_from_db()
    assert entry.decision != "leave" and entry.candidate.exit_date is None
    assert (review.year, review.quarter) == (YEAR, QUARTER)
    assert PoolReviewEntry.objects.count() == 4


def _course_form(course, **changes):
    data = {
        "organiser": course.organiser_id,
        "number": course.number,
        "start_date": course.start_date.strftime("%d/%m/%Y"),
        "end_date": course.end_date.strftime("%d/%m/%Y"),
        "place": course.place,
        "version": course.version,
    }
    return {**data, **changes}


def test_a_course_saved_in_the_admin_obeys_the_course_rules(admin_client, tree, world, root):
    course, _review = world
    change = url("course", "change", course.pk)
    # A new organiser that would leave the roster's people outside it: refused, as on the course page.
    response = admin_client.post(change, _course_form(course, organiser=tree.committee_b.pk))
    assert response.status_code == 200
    assert "Có học viên không thuộc đơn vị mở lớp mới" in response.content.decode()
    response = admin_client.post(change, _course_form(course, organiser=tree.cell_a1.pk))
    assert response.status_code == 200 and "không do chi bộ" in response.content.decode()
    response = admin_client.post(change, _course_form(course, version=course.version - 1 if course.version > 1 else 0))
    assert response.status_code == 200  # an edit based on an older version
    response = admin_client.post(change, _course_form(course, place="Trung tâm Chính trị huyện A"))
    assert response.status_code == 302, response.content.decode()[:2000]
    course.refresh_from_db()
    assert course.place == "Trung tâm Chính trị huyện A" and course.organiser == tree.committee_a
    assert course.history.latest("history_id").history_user == root


def test_a_course_added_in_the_admin_goes_through_the_service(admin_client, tree, root):
    data = {
        "organiser": tree.committee_a.pk,
        "number": "05/2026",
        "start_date": "01/03/2026",
        "end_date": "05/03/2026",
        "place": "Hội trường",
    }
    response = admin_client.post(url("course", "add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    course = Course.objects.get(number="05/2026")
    assert course.created_by == root and course.history.get().history_user == root
    response = admin_client.post(url("course", "add"), data)  # the same number again
    assert response.status_code == 200 and Course.objects.filter(number="05/2026").count() == 1


def test_a_course_with_certificates_is_not_deleted_alone_or_in_bulk(admin_client, tree, users, world):
    course, _review = world
    assert admin_client.post(url("course", "delete", course.pk), {"post": "yes"}).status_code == 403
    empty = open_course(users.staff_a, tree.committee_a, "09/2026")
    bulk = {"action": "delete_selected", "_selected_action": [course.pk, empty.pk], "post": "yes"}
    assert admin_client.post(url("course"), bulk).status_code == 403
    assert Course.objects.filter(pk__in=[course.pk, empty.pk]).count() == 2
    assert admin_client.post(url("course", "delete", empty.pk), {"post": "yes"}).status_code == 302
    assert not Course.objects.filter(pk=empty.pk).exists()
    assert CourseParticipant.objects.filter(course=course).count() == 4


def test_an_account_given_staff_status_sees_only_its_subtree(client, tree, users, world):
    """Only superusers are staff; an account of a unit made staff by mistake still sees only its subtree."""
    course_a, review_a = world
    staff_b = make_user(tree.committee_b, Role.STAFF, "tochuc_b")
    course_b = certified_course(staff_b, tree.committee_b, [tree.cell_b1], number="01/B", first_number=100)
    staff_b.is_staff = True
    staff_b.save()
    codenames = [f"view_{model}" for model in NEW_MODELS]
    staff_b.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(staff_b)
    response = client.get(url("course"))
    if response.status_code != 200:
        pytest.skip(f"the admin answers this account {response.status_code}: nothing of A to see either")
    assert list(response.context["cl"].result_list) == [course_b]
    assert client.get(url("course", "change", course_a.pk)).status_code == 302  # not found: back to the index
    rows = client.get(url("courseparticipant")).context["cl"].result_list
    assert {p.course_id for p in rows} == {course_b.pk}
    assert client.get(url("poolreview")).context["cl"].result_count == 0
    assert client.get(url("poolreviewentry")).context["cl"].result_count == 0
    assert client.get(url("poolreview", "change", review_a.pk)).status_code == 302
    assert CourseParticipant.objects.filter(course=course_a).exists() and PoolReview.objects.exists()
