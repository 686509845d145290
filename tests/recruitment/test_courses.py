"""Awareness courses: enrolment within the organiser's subtree, results, bulk certificates through the
rules of one entry, the pages (scope, query counts) and the exports."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from recruitment import pipeline, services
from recruitment.calendar import add_months
from recruitment.models import Candidate, Course, CourseParticipant, CourseResult
from recruitment.pipeline import StepKind
from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
LISTED = TODAY - datetime.timedelta(days=200)
END = TODAY - datetime.timedelta(days=20)


def open_course(actor, organiser, number="01/2026", **fields):
    course = Course(
        organiser=organiser,
        number=number,
        start_date=fields.pop("start_date", END - datetime.timedelta(days=4)),
        end_date=fields.pop("end_date", END),
        place=fields.pop("place", "Trung tâm Chính trị huyện A"),
    )
    return services.course_save(actor=actor, course=course)


def people(cell, n, **fields):
    fields.setdefault("listed_on", LISTED)
    return [CandidateFactory(cell=cell, full_name=f"Lò Văn Học Viên {cell.code} {i}", **fields) for i in range(n)]


def passed(actor, course):
    """Everyone on the roster attended and passed."""
    services.course_record_results(
        actor=actor,
        course=course,
        results=dict.fromkeys(course.participants.all(), (True, CourseResult.PASSED)),
    )


# --- enrolment ---------------------------------------------------------------------------------------


def test_a_participant_from_outside_the_organisers_subtree_is_refused(tree, users):
    course = open_course(users.staff_a, tree.committee_a)
    inside = people(tree.cell_a1, 2)
    outside = people(tree.cell_b1, 1)
    with pytest.raises(ValidationError) as refused:
        services.course_enrol(actor=users.province_staff, course=course, candidates=[*inside, *outside])
    assert "không thuộc chi bộ nào trực thuộc Đảng bộ huyện A" in " ".join(refused.value.messages)
    assert not CourseParticipant.objects.exists()  # all or nothing
    services.course_enrol(actor=users.province_staff, course=course, candidates=inside)
    assert course.participants.count() == 2
    # The model's own rule, for the admin and the shell.
    with pytest.raises(ValidationError):
        CourseParticipant(course=course, candidate=outside[0]).full_clean()


def test_staff_of_another_branch_and_secretaries_may_not_manage_a_course(tree, users):
    course = open_course(users.staff_a, tree.committee_a)
    with pytest.raises(PermissionDenied):
        services.course_enrol(actor=users.secretary_a1, course=course, candidates=people(tree.cell_a1, 1))
    with pytest.raises(PermissionDenied):
        open_course(users.staff_a, tree.committee_b, number="02/2026")
    with pytest.raises(ValidationError):
        open_course(users.staff_a, tree.cell_a1, number="03/2026")  # a cell opens no course


def test_people_the_cell_has_already_considered_are_not_enrolled(tree, users):
    course = open_course(users.staff_a, tree.committee_a)
    gone = people(tree.cell_a1, 1, exit_date=TODAY - datetime.timedelta(days=5), exit_reason="withdrew")
    with pytest.raises(ValidationError, match="không còn là quần chúng ưu tú chờ học lớp"):
        services.course_enrol(actor=users.staff_a, course=course, candidates=gone)


def test_a_pass_needs_attendance(tree, users):
    course = open_course(users.staff_a, tree.committee_a)
    services.course_enrol(actor=users.staff_a, course=course, candidates=people(tree.cell_a1, 1))
    participant = course.participants.get()
    with pytest.raises(ValidationError, match="tham gia đầy đủ"):
        services.course_record_results(
            actor=users.staff_a, course=course, results={participant: (False, CourseResult.PASSED)}
        )


# --- certificates ------------------------------------------------------------------------------------


def test_bulk_certificates_record_each_file_as_one_entry_would(tree, users):
    course = open_course(users.staff_a, tree.committee_a)
    group = people(tree.cell_a1, 2) + people(tree.cell_a2, 1)
    services.course_enrol(actor=users.staff_a, course=course, candidates=group)
    passed(users.staff_a, course)
    absent = course.participants.get(candidate=group[2])
    services.course_record_results(actor=users.staff_a, course=course, results={absent: (False, "")})
    issued_on = END + datetime.timedelta(days=3)
    issued = services.course_issue_certificates(
        actor=users.staff_a, course=course, first_number=120, suffix="-GCN/TTCT", issued_on=issued_on
    )
    assert [p.certificate_no for p in issued] == ["120-GCN/TTCT", "121-GCN/TTCT"]
    for person in group[:2]:
        person.refresh_from_db()
        assert person.stage == pipeline.Stage.TRAINED
        assert person.course_date == issued_on and person.course_certificate_no.endswith("-GCN/TTCT")
        # The 60 months of validity start on the day of issue.
        assert pipeline.certificate_expires(person) == add_months(issued_on, 60)
        # The history records the step under the staff member, as a single entry would.
        assert person.history.latest().history_user == users.staff_a
    group[2].refresh_from_db()
    assert group[2].course_date is None  # absent: no certificate


def test_bulk_certificates_obey_the_same_rules_as_one_entry_and_write_nothing_when_one_fails(tree, users):
    course = open_course(users.staff_a, tree.committee_a)
    good = people(tree.cell_a1, 1)
    # Listed after the day the certificates will be issued: one entry would be refused (dates in order).
    late = people(tree.cell_a1, 1, listed_on=END + datetime.timedelta(days=5))
    services.course_enrol(actor=users.staff_a, course=course, candidates=[*good, *late])
    passed(users.staff_a, course)
    issued_on = END + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as bulk:
        services.course_issue_certificates(actor=users.staff_a, course=course, first_number=1, issued_on=issued_on)
    # One entry of the same step for the same person is refused with the same message.
    with pytest.raises(ValidationError) as single:
        services.step_record(
            actor=users.staff_a,
            candidate=Candidate.objects.get(pk=late[0].pk),
            kind=StepKind.COURSE,
            course_certificate_no="9",
            course_date=issued_on,
        )
    assert single.value.messages[0] in " ".join(bulk.value.messages)
    assert late[0].full_name in " ".join(bulk.value.messages)
    good[0].refresh_from_db()
    assert good[0].course_date is None  # nothing written
    assert not CourseParticipant.objects.filter(certificate_date__isnull=False).exists()


def test_certificates_are_not_dated_before_the_course_ends_nor_numbered_twice(tree, users):
    course = open_course(users.staff_a, tree.committee_a)
    services.course_enrol(actor=users.staff_a, course=course, candidates=people(tree.cell_a1, 2))
    passed(users.staff_a, course)
    with pytest.raises(ValidationError, match="không được trước ngày bế giảng"):
        services.course_issue_certificates(
            actor=users.staff_a, course=course, first_number=1, issued_on=END - datetime.timedelta(days=1)
        )
    other = open_course(users.staff_a, tree.committee_a, number="02/2026")
    services.course_enrol(actor=users.staff_a, course=other, candidates=people(tree.cell_a2, 1))
    passed(users.staff_a, other)
    services.course_issue_certificates(actor=users.staff_a, course=other, first_number=2, issued_on=END)
    with pytest.raises(ValidationError, match="đã có số 2"):
        services.course_issue_certificates(actor=users.staff_a, course=course, first_number=1, issued_on=END)


# --- pages -------------------------------------------------------------------------------------------


def _course_with_people(tree, users, n_a1=2, n_a2=2):
    course = open_course(users.staff_a, tree.committee_a)
    services.course_enrol(
        actor=users.staff_a, course=course, candidates=people(tree.cell_a1, n_a1) + people(tree.cell_a2, n_a2)
    )
    return course


def test_the_course_page_costs_the_same_queries_whatever_the_roster(client, tree, users, django_assert_num_queries):
    course = _course_with_people(tree, users)
    client.force_login(users.staff_a)
    url = reverse("recruitment:course_detail", args=[course.pk])
    client.get(url)
    with django_assert_num_queries(5) as first:
        response = client.get(url)
    assert response.status_code == 200
    services.course_enrol(actor=users.staff_a, course=course, candidates=people(tree.cell_a2, 5))
    people(tree.cell_a1, 3)  # more people to enrol
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(url)
    text = response.content.decode()
    assert "Chi bộ thôn 1" in text and "Chi bộ thôn 2" in text  # grouped by cell
    assert text.count('name="candidate"') == 3  # the three not yet enrolled, offered to enrol


def test_the_course_list_is_paginated_sortable_and_its_queries_pinned(client, tree, users, django_assert_num_queries):
    for i in range(3):
        open_course(users.staff_a, tree.committee_a, number=f"{i + 1:02d}/2026")
    client.force_login(users.staff_a)
    url = reverse("recruitment:course_list")
    with django_assert_num_queries(4) as first:
        response = client.get(url, {"sort": "number"})
    assert response.status_code == 200
    for i in range(3, 40):
        open_course(users.staff_a, tree.committee_a, number=f"{i + 1:02d}/2026")
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(url, {"sort": "number", "page": 2})
    assert response.status_code == 200
    text = response.content.decode()
    assert "26/2026" in text and "01/2026" not in text


def test_a_secretary_sees_the_courses_of_their_people_and_only_their_people(client, tree, users):
    course = _course_with_people(tree, users)
    unrelated = open_course(users.staff_a, tree.committee_a, number="09/2026")
    services.course_enrol(actor=users.staff_a, course=unrelated, candidates=people(tree.cell_a2, 1))
    client.force_login(users.secretary_a1)
    listing = client.get(reverse("recruitment:course_list")).content.decode()
    assert "01/2026" in listing and "09/2026" not in listing
    page = client.get(reverse("recruitment:course_detail", args=[course.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Học Viên A1-1 0" in text and "Học Viên A1-2" not in text
    assert "Cấp giấy chứng nhận" not in text  # not theirs to issue
    assert client.get(reverse("recruitment:course_detail", args=[unrelated.pk])).status_code == 404
    response = client.post(reverse("recruitment:course_results", args=[course.pk]), {})
    assert response.status_code == 403


def test_issue_certificates_through_the_page(client, tree, users):
    course = _course_with_people(tree, users, n_a1=2, n_a2=0)
    client.force_login(users.staff_a)
    form = {f"seen_{p.pk}": "1" for p in course.participants.all()}
    form.update({f"attended_{p.pk}": "1" for p in course.participants.all()})
    form.update({f"result_{p.pk}": "passed" for p in course.participants.all()})
    client.post(reverse("recruitment:course_results", args=[course.pk]), form)
    assert course.participants.filter(result="passed").count() == 2
    url = reverse("recruitment:course_certificates", args=[course.pk])
    bad = client.post(url, {"first_number": "x", "issued_on": "31/02/2026"})
    assert bad.status_code == 200 and "Nhập ngày theo dạng dd/mm/yyyy" in bad.content.decode()
    response = client.post(url, {"first_number": "7", "suffix": "/GCN", "issued_on": END.strftime("%d/%m/%Y")})
    assert response.status_code == 302
    assert sorted(Candidate.objects.values_list("course_certificate_no", flat=True)) == ["7/GCN", "8/GCN"]
    page = client.get(reverse("recruitment:course_detail", args=[course.pk])).content.decode()
    assert "Đã cấp 2 giấy chứng nhận" in page


def test_roster_and_certificate_exports(client, tree, users):
    course = _course_with_people(tree, users, n_a1=2, n_a2=1)
    passed(users.staff_a, course)
    services.course_issue_certificates(actor=users.staff_a, course=course, first_number=50, issued_on=END)
    client.force_login(users.staff_a)
    roster = load_workbook(
        io.BytesIO(client.get(reverse("recruitment:course_roster_export", args=[course.pk])).content)
    )
    rows = list(roster.active.iter_rows(values_only=True))
    assert rows[3][:2] == ("STT", "Họ và tên") and len(rows) == 4 + 3
    certificates = load_workbook(
        io.BytesIO(client.get(reverse("recruitment:course_certificate_export", args=[course.pk])).content)
    )
    rows = list(certificates.active.iter_rows(values_only=True))
    assert [row[0] for row in rows[4:]] == ["50", "51", "52"]
    # A secretary's export holds only their people.
    client.force_login(users.secretary_a1)
    mine = load_workbook(io.BytesIO(client.get(reverse("recruitment:course_roster_export", args=[course.pk])).content))
    assert len(list(mine.active.iter_rows(values_only=True))) == 4 + 2


def test_bad_input_on_the_new_pages_is_never_an_error_page(client, tree, users):
    client.force_login(users.staff_a)
    for url, params in [
        (reverse("recruitment:course_list"), {"sort": "xyz", "page": "99999", "q": "x" * 5000}),
        (reverse("recruitment:course_list"), {"per_page": "²"}),
        (reverse("recruitment:pool_report"), {"ky": "abc-def", "page": "x"}),
        (reverse("recruitment:pool_report"), {"ky": "99999-3"}),
        (reverse("recruitment:pool_report"), {"nam": "1", "quy": "9"}),
        (reverse("recruitment:pool_review_cell", args=[tree.cell_a1.pk]), {"ky": "2026-9"}),
        (reverse("units:child_pool_targets", args=[tree.committee_a.pk]), {"nam": "²"}),
    ]:
        r = client.get(url, params)
        assert r.status_code == 200, (url, params, r.status_code)
    r = client.post(
        reverse("recruitment:pool_review_cell", args=[tree.cell_a1.pk]),
        {"reviewed_on": "99/99/9999", "decision_abc": "x", "decision_99999999999": "keep"},
    )
    assert r.status_code == 200
    r = client.post(reverse("recruitment:pool_review_cell", args=[tree.cell_a1.pk]), {"reviewed_on": "01/01/1900"})
    assert r.status_code == 200, r.status_code
    assert "Ngày rà soát phải" in r.content.decode()
    r = client.post(
        reverse("recruitment:course_create"),
        {
            "organiser": tree.committee_b.pk,
            "number": "1",
            "start_date": "01/01/2026",
            "end_date": "01/01/2025",
            "place": "x",
        },
    )
    assert r.status_code == 200
    r = client.post(
        reverse("recruitment:course_create"),
        {
            "organiser": tree.committee_a.pk,
            "number": "1",
            "start_date": "05/01/2026",
            "end_date": "01/01/2026",
            "place": "x",
        },
    )
    assert r.status_code == 200 and "Ngày bế giảng không được trước" in r.content.decode()


def test_enrolment_of_ids_nobody_may_see_or_that_do_not_exist(client, tree, users):
    course = open_course(users.staff_a, tree.committee_a)
    outside = people(tree.cell_b1, 1)[0]
    client.force_login(users.staff_a)
    url = reverse("recruitment:course_enrol", args=[course.pk])
    for sent in (["99999999999999999999"], [str(outside.pk)], ["abc", "²"]):
        response = client.post(url, {"candidate": sent}, follow=True)
        assert response.status_code == 200
        text = response.content.decode()
        assert outside.full_name not in text and "Đảng bộ huyện B" not in text
    assert not course.participants.exists()
