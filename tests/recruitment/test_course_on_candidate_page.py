"""The person's page lists the awareness courses they sat in: what each course was, how the person did,
their certificate, and a link to the course exactly when the course's page would open for the viewer."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from recruitment import services
from recruitment.models import Course, CourseResult
from tests.factories import CandidateFactory, admitted_fields, make_user
from units.models import Role

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
LISTED = TODAY - datetime.timedelta(days=400)


def open_course(actor, organiser, number, end):
    course = Course(
        organiser=organiser,
        number=number,
        start_date=end - datetime.timedelta(days=4),
        end_date=end,
        place="Trung tâm Chính trị",
    )
    return services.course_save(actor=actor, course=course)


def sit(actor, course, person, result=CourseResult.PASSED, certificate_from=None):
    services.course_enrol(actor=actor, course=course, candidates=[person])
    participant = course.participants.get(candidate=person)
    services.course_record_results(actor=actor, course=course, results={participant: (True, result)})
    if certificate_from is not None:
        services.course_issue_certificates(
            actor=actor, course=course, first_number=certificate_from, suffix="-GCN", issued_on=course.end_date
        )


def card(client, user, person):
    client.force_login(user)
    response = client.get(reverse("recruitment:candidate_detail", args=[person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="courses"')
    return html[start : html.index("</section>", start)]


def course_links(html):
    return {int(pk) for pk in re.findall(r'href="/[^"]*lop-boi-duong/(\d+)/"', html)}


def test_the_card_lists_each_course_with_result_and_certificate(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, full_name="Lò Thị Học", listed_on=LISTED)
    failed = open_course(users.staff_a, tree.committee_a, "02/2025", TODAY - datetime.timedelta(days=200))
    sit(users.staff_a, failed, person, result=CourseResult.FAILED)
    passed = open_course(users.staff_a, tree.committee_a, "07/2025", TODAY - datetime.timedelta(days=30))
    sit(users.staff_a, passed, person, certificate_from=41)
    other = open_course(users.staff_a, tree.committee_a, "09/2025", TODAY - datetime.timedelta(days=10))
    sit(users.staff_a, other, CandidateFactory(cell=tree.cell_a1, listed_on=LISTED))

    html = card(client, users.staff_a, person)
    assert "Lớp bồi dưỡng nhận thức về Đảng" in html
    assert html.index("02/2025") < html.index("07/2025")  # oldest first, as the file reads
    assert "09/2025" not in html  # another person's course
    assert "Đảng bộ huyện A" in html and "Không đạt" in html and "Đạt" in html
    assert failed.start_date.strftime("%d/%m/%Y") in html and passed.end_date.strftime("%d/%m/%Y") in html
    assert "số 41-GCN, ngày " + passed.end_date.strftime("%d/%m/%Y") in html
    assert course_links(html) == {failed.pk, passed.pk}


def test_the_empty_card_says_so_and_tells_those_who_enrol_where(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, listed_on=LISTED)
    html = card(client, users.staff_a, person)
    assert "Chưa có tên trong danh sách lớp bồi dưỡng nào." in html
    assert reverse("recruitment:course_list") in html and "Ghi danh" in html
    # A secretary does not open courses, and nobody enrols a person already admitted.
    assert reverse("recruitment:course_list") not in card(client, users.secretary_a1, person)
    admitted = CandidateFactory(cell=tree.cell_a1, **admitted_fields(TODAY - datetime.timedelta(days=5)))
    html = card(client, users.staff_a, admitted)
    assert "Chưa có tên trong danh sách lớp bồi dưỡng nào." in html
    assert reverse("recruitment:course_list") not in html
    assert "được ghi trực tiếp" in html  # its certificate was entered on the step, not through a course


def test_a_link_shows_exactly_when_the_course_page_opens(client, tree, users):
    """A person who sat a course of committee B and moved to A1-1: each viewer of the person gets a link
    to a course only if the course's page answers them, and never sees other people's courses."""
    staff_b = make_user(tree.committee_b, Role.STAFF, "tochuc_b")
    person = CandidateFactory(cell=tree.cell_b1, full_name="Hà Văn Chuyển", listed_on=LISTED)
    course_b = open_course(staff_b, tree.committee_b, "05/B", TODAY - datetime.timedelta(days=60))
    sit(staff_b, course_b, person, certificate_from=7)
    someone_else_b = open_course(staff_b, tree.committee_b, "06/B", TODAY - datetime.timedelta(days=40))
    sit(staff_b, someone_else_b, CandidateFactory(cell=tree.cell_b1, full_name="Ngoài Phạm Vi", listed_on=LISTED))
    person.refresh_from_db()
    services.candidate_update_profile(actor=users.province_staff, candidate=person, cell=tree.cell_a1)
    course_a = open_course(users.staff_a, tree.committee_a, "08/A", TODAY - datetime.timedelta(days=20))
    services.course_enrol(actor=users.staff_a, course=course_a, candidates=[person])

    for viewer in (users.staff_a, users.secretary_a1, users.leader, users.province_staff):
        html = card(client, viewer, person)
        assert "06/B" not in html and "Ngoài Phạm Vi" not in html
        assert "số 7-GCN" in html  # the person's own certificate, from whichever committee
        for course in (course_b, course_a):
            opens = client.get(reverse("recruitment:course_detail", args=[course.pk])).status_code == 200
            assert (course.pk in course_links(html)) == opens, (viewer, course.number)
    # The course of B opens for A's staff because their person sits in it; its other people stay hidden.
    client.force_login(users.staff_a)
    page = client.get(reverse("recruitment:course_detail", args=[course_b.pk])).content.decode()
    assert "Hà Văn Chuyển" in page and "Ngoài Phạm Vi" not in page


def test_readable_by_is_the_rule_of_restrict(tree, users):
    staff_b = make_user(tree.committee_b, Role.STAFF, "tochuc_b")
    secretary_b = make_user(tree.cell_b1, Role.SECRETARY, "bithu_b1")
    course_a = open_course(users.staff_a, tree.committee_a, "01/A", TODAY - datetime.timedelta(days=20))
    services.course_enrol(
        actor=users.staff_a, course=course_a, candidates=[CandidateFactory(cell=tree.cell_a1, listed_on=LISTED)]
    )
    course_b = open_course(staff_b, tree.committee_b, "01/B", TODAY - datetime.timedelta(days=20))
    viewers = (users.staff_a, users.secretary_a1, users.leader, users.province_staff, staff_b, secretary_b)
    for viewer in viewers:
        readable = set(Course.objects.restrict(viewer).values_list("pk", flat=True))
        for course in (course_a, course_b):
            cells = [p.candidate.cell for p in course.participants.select_related("candidate__cell")] or [None]
            in_hand = any(course.readable_by(viewer, enrolled_cell=cell) for cell in cells)
            assert in_hand == (course.pk in readable), (viewer, course.number)
    assert not course_a.readable_by(secretary_b, enrolled_cell=tree.cell_a1)


def test_a_course_the_viewer_may_not_read_shows_neither_its_name_nor_a_link(tree, users):
    course = Course(pk=999, organiser=tree.committee_b, number="13/B", start_date=TODAY, end_date=TODAY, place="x")
    place = type(
        "Place",
        (),
        {
            "course": course,
            "course_readable": False,
            "attended": True,
            "get_result_display": "Đạt",
            "has_certificate": False,
        },
    )
    html = render_to_string("recruitment/_candidate_courses.html", {"course_places": [place]})
    assert "ngoài phạm vi" in html
    assert "13/B" not in html and tree.committee_b.name not in html and "lop-boi-duong" not in html
