"""The pool of outstanding persons: its flow over a quarter, the cells' quarterly review, the committee's
pool page against the pool target, and the pool target handed down."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from recruitment import services
from recruitment.models import Candidate, Course, CourseParticipant, PoolDecision, PoolReview
from recruitment.pool import cell_pool, pool_report
from tests.factories import CandidateFactory, admitted_fields
from units.models import PoolTarget
from units.periods import quarter_bounds, quarter_of
from units.services import pool_target_set

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = datetime.date.today()
YEAR, QUARTER = quarter_of(TODAY)
# The last complete quarter: its flow is fixed whatever today is.
PY, PQ = (YEAR, QUARTER - 1) if QUARTER > 1 else (YEAR - 1, 4)
START, END = quarter_bounds(PY, PQ)


def person(cell, name, **fields):
    return CandidateFactory(cell=cell, full_name=name, **fields)


def flow_world(tree):
    """In cell A1-1 over the last complete quarter: two in the pool before it (one stays, one is
    admitted), one added and still there, one added who leaves, one who left before it began."""
    before = START - datetime.timedelta(days=100)
    person(tree.cell_a1, "Đầu Kỳ Ở Lại", listed_on=before)
    person(
        tree.cell_a1,
        "Đầu Kỳ Được Kết Nạp",
        general_education="12/12",
        **admitted_fields(START + datetime.timedelta(days=20), listed_on=before - datetime.timedelta(days=200)),
    )
    person(tree.cell_a1, "Bổ Sung Ở Lại", listed_on=START + datetime.timedelta(days=3))
    person(
        tree.cell_a1,
        "Bổ Sung Rồi Rút",
        listed_on=START + datetime.timedelta(days=5),
        exit_date=START + datetime.timedelta(days=40),
        exit_reason="withdrew",
    )
    person(
        tree.cell_a1,
        "Rút Trước Kỳ",
        listed_on=before,
        exit_date=START - datetime.timedelta(days=1),
        exit_reason="moved_away",
    )
    person(tree.cell_b1, "Nhánh B", listed_on=before)


def test_the_flow_over_a_quarter_adds_up(tree):
    flow_world(tree)
    report = pool_report(tree.province, START, END, candidates=Candidate.objects.all())
    total = report.total
    assert (total.at_start, total.added, total.admitted, total.left, total.at_end) == (3, 2, 1, 1, 3)
    assert total.at_start + total.added - total.admitted - total.left == total.at_end
    by_unit = {row.unit.code: row for row in report.rows}
    assert (by_unit["A"].at_start, by_unit["A"].at_end) == (2, 2)
    assert (by_unit["B"].at_start, by_unit["B"].at_end) == (1, 1)
    # A user's scope narrows the people counted.
    scoped = pool_report(tree.committee_a, START, END, candidates=Candidate.objects.in_subtree(tree.committee_a))
    assert scoped.total.at_end == 2


def test_pool_report_against_the_pool_target_and_who_reviewed(tree, users):
    flow_world(tree)
    pool_target_set(unit=tree.committee_a, persons=5, year=END.year, actor=users.province_staff)
    PoolReview.objects.create(cell=tree.cell_a1, year=PY, quarter=PQ, reviewed_on=END)
    report = pool_report(tree.province, START, END, candidates=Candidate.objects.all())
    row_a = next(row for row in report.rows if row.unit.code == "A")
    assert row_a.target == 5 and row_a.below_target and row_a.target_ratio == pytest.approx(2 / 5)
    assert (row_a.cells, row_a.reviewed) == (2, 1)
    assert report.total.cells == 4 and report.total.reviewed == 1
    assert {cell.code for cell in report.unreviewed_cells} == {"A1-2", "B1-1", "B2"}


# --- the review --------------------------------------------------------------------------------------


def test_the_secretary_reviews_the_pool_keep_ready_leave(tree, users):
    keep = person(tree.cell_a1, "Giữ Lại", listed_on=TODAY - datetime.timedelta(days=90))
    ready = person(tree.cell_a1, "Đề Nghị", listed_on=TODAY - datetime.timedelta(days=90))
    leave = person(tree.cell_a1, "Ra Khỏi", listed_on=TODAY - datetime.timedelta(days=90))
    decisions = {
        keep: (PoolDecision.KEEP, "", ""),
        ready: (PoolDecision.READY, "", ""),
        leave: (PoolDecision.LEAVE, "moved_away", "Chuyển công tác"),
    }
    # Leaving without a reason is refused, next to the person, and nothing is written.
    with pytest.raises(ValidationError) as refused:
        services.pool_review_save(
            actor=users.secretary_a1,
            cell=tree.cell_a1,
            year=YEAR,
            quarter=QUARTER,
            reviewed_on=TODAY,
            decisions={**decisions, leave: (PoolDecision.LEAVE, "", "")},
        )
    assert f"candidate_{leave.pk}" in refused.value.message_dict
    assert not PoolReview.objects.exists()
    # Someone left out: refused too.
    with pytest.raises(ValidationError) as missing:
        services.pool_review_save(
            actor=users.secretary_a1,
            cell=tree.cell_a1,
            year=YEAR,
            quarter=QUARTER,
            reviewed_on=TODAY,
            decisions={keep: decisions[keep]},
        )
    assert set(missing.value.message_dict) == {f"candidate_{ready.pk}", f"candidate_{leave.pk}"}
    review = services.pool_review_save(
        actor=users.secretary_a1, cell=tree.cell_a1, year=YEAR, quarter=QUARTER, reviewed_on=TODAY, decisions=decisions
    )
    assert dict(review.entries.values_list("candidate__full_name", "decision")) == {
        "Giữ Lại": "keep",
        "Đề Nghị": "ready",
        "Ra Khỏi": "leave",
    }
    leave.refresh_from_db()
    # Leaving the pool is the exit step, with the same rules as recording it alone.
    assert (leave.exit_date, leave.exit_reason, leave.exit_note) == (TODAY, "moved_away", "Chuyển công tác")
    # Names in Vietnamese order: by the given name first.
    assert [p.full_name for p in cell_pool(tree.cell_a1, TODAY, candidates=Candidate.objects.all())] == [
        "Giữ Lại",
        "Đề Nghị",
    ]


def test_a_review_is_for_a_quarter_that_has_begun_in_the_reviewers_own_cell(tree, users):
    person(tree.cell_a1, "Ai Đó", listed_on=TODAY - datetime.timedelta(days=30))
    next_year, next_quarter = (YEAR, QUARTER + 1) if QUARTER < 4 else (YEAR + 1, 1)
    with pytest.raises(ValidationError, match="quý chưa bắt đầu"):
        services.pool_review_save(
            actor=users.secretary_a1,
            cell=tree.cell_a1,
            year=next_year,
            quarter=next_quarter,
            reviewed_on=TODAY,
            decisions={},
        )
    with pytest.raises(PermissionDenied):
        services.pool_review_save(
            actor=users.secretary_a1, cell=tree.cell_a2, year=YEAR, quarter=QUARTER, reviewed_on=TODAY, decisions={}
        )
    with pytest.raises(PermissionDenied):
        services.pool_review_save(
            actor=users.leader, cell=tree.cell_a1, year=YEAR, quarter=QUARTER, reviewed_on=TODAY, decisions={}
        )


def test_the_review_page_on_a_phone_saves_in_one_post(client, tree, users, django_assert_num_queries):
    people = [person(tree.cell_a1, f"Quần Chúng {i}", listed_on=TODAY - datetime.timedelta(days=60)) for i in range(3)]
    client.force_login(users.secretary_a1)
    url = reverse("recruitment:pool_review")
    client.get(url)
    course = Course.objects.create(
        organiser=tree.committee_a, number="05/2026", start_date=TODAY, end_date=TODAY, place="Hội trường"
    )
    CourseParticipant.objects.create(course=course, candidate=people[1])
    with django_assert_num_queries(6) as first:
        page = client.get(url)
    assert page.status_code == 200
    # The secretary sees who is enrolled on a course.
    assert "lớp 05/2026" in page.content.decode().split("Quần Chúng 1")[1].split("</fieldset>")[0]
    for i in range(3, 8):
        person(tree.cell_a1, f"Quần Chúng {i}", listed_on=TODAY - datetime.timedelta(days=60))
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)
    form = {"reviewed_on": TODAY.strftime("%d/%m/%Y")}
    for p in Candidate.objects.filter(cell=tree.cell_a1):
        form[f"decision_{p.pk}"] = "keep"
    form[f"decision_{people[0].pk}"] = "leave"  # without a reason: shown next to the person
    refused = client.post(url, form)
    assert refused.status_code == 200 and "Đưa ra khỏi nguồn phải ghi lý do." in refused.content.decode()
    assert not PoolReview.objects.exists()
    form[f"reason_{people[0].pk}"] = "withdrew"
    response = client.post(url, form)
    assert response.status_code == 302
    done = client.get(response.url)
    assert "7 tiếp tục bồi dưỡng, 0 đề nghị xem xét kết nạp, 1 ra khỏi nguồn" in done.content.decode()
    assert PoolReview.objects.get().entries.count() == 8
    # Another cell's review is not theirs to see.
    other = reverse("recruitment:pool_review_cell", args=[tree.cell_a2.pk])
    assert client.get(other).status_code == 404


def test_the_committees_pool_page(client, tree, users, django_assert_num_queries):
    flow_world(tree)
    PoolTarget.objects.create(unit=tree.org_a, year=END.year, persons=10)
    PoolReview.objects.create(cell=tree.cell_a2, year=PY, quarter=PQ, reviewed_on=END)
    client.force_login(users.staff_a)
    url = reverse("recruitment:pool_report")
    with django_assert_num_queries(11) as first:  # the total is the sum of the branches
        page = client.get(url, {"nam": PY, "quy": PQ})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Chi bộ thôn 1" in text and "Chi bộ thôn 2" not in text.split('id="unreviewed"')[1]
    assert "Nhánh B" not in text and "Chi bộ tổ dân phố 1" not in text
    for i in range(3):
        person(tree.cell_a2, f"Thêm {i}", listed_on=START)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url, {"nam": PY, "quy": PQ})


def test_pool_targets_are_handed_down_like_admission_targets(client, tree, users):
    pool_target_set(unit=tree.committee_a, persons=20, year=YEAR, actor=users.province_staff)
    client.force_login(users.staff_a)
    url = reverse("units:child_pool_targets", args=[tree.committee_a.pk]) + f"?nam={YEAR}"
    page = client.get(url)
    assert page.status_code == 200
    field = f"unit_{tree.org_a.pk}"
    response = client.post(url, {field: "12", f"{field}_version": "0"}, follow=True)
    assert PoolTarget.objects.get(unit=tree.org_a, year=YEAR).persons == 12
    assert "thấp hơn chỉ tiêu của Đảng bộ huyện A 8 người" in response.content.decode()
    client.force_login(users.secretary_a1)
    assert client.get(url).status_code == 403


def test_a_running_period_reads_the_reviews_of_the_quarter_now_running(tree):
    PoolReview.objects.create(cell=tree.cell_a1, year=YEAR, quarter=QUARTER, reviewed_on=TODAY)
    year_report = pool_report(
        tree.province, D(YEAR, 1, 1), D(YEAR, 12, 31), candidates=Candidate.objects.all(), today=TODAY
    )
    assert (year_report.year, year_report.quarter) == (YEAR, QUARTER)
    assert year_report.total.reviewed == 1


def test_cells_that_did_not_review_a_past_quarter_are_named_as_they_were_then(tree, users):
    """A cell renamed since: the list of a past quarter (page and workbook) names it as it was then."""
    from units import reorganisation
    from units.tree import Tree

    old_name = tree.cell_a2.name
    reorganisation.rename(
        unit=tree.cell_a2,
        new_name="Chi bộ thôn 2 (đổi tên)",
        effective_date=datetime.date(2025, 7, 1),
        decision_no="9-QĐ/TU",
        decided_by=tree.committee_a,
    )
    start, end = quarter_bounds(2025, 1)
    placed, tree_then = Tree.as_of(end).locate(tree.province)
    report = pool_report(placed, start, end, candidates=Candidate.objects.all(), tree=tree_then)
    then = {cell.code: cell.name_then for cell in report.unreviewed_cells}
    assert then["A1-2"] == old_name
    assert dict(report.unreviewed_cells.values_list("code", "name_then"))["A1-2"] == old_name  # the workbook's read
    today = pool_report(tree.province, start, end, candidates=Candidate.objects.all())
    assert {cell.code: cell.name_then for cell in today.unreviewed_cells}["A1-2"] == "Chi bộ thôn 2 (đổi tên)"
