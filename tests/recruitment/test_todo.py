import datetime

from recruitment.calendar import add_months, add_working_days
from recruitment.models import Candidate
from recruitment.pipeline import StepKind
from recruitment.todo import todo_items
from tests.factories import CandidateFactory, admitted_fields

TODAY = datetime.date(2026, 6, 15)  # a Monday


def _items(today=TODAY):
    return {(item.candidate.full_name, item.kind): item for item in todo_items(Candidate.objects.all(), today=today)}


def test_decision_due_within_60_working_days_of_the_resolution(tree):
    fields = admitted_fields(TODAY, decision_no="", decision_issuer="")
    fields.update(decision_date=None, resolution_date=datetime.date(2026, 6, 1))
    CandidateFactory(cell=tree.cell_a1, full_name="Chờ Quyết Định", **fields)
    item = _items()[("Chờ Quyết Định", StepKind.DECISION)]
    assert item.due == add_working_days(datetime.date(2026, 6, 1), 60)
    assert item.working_days and not item.overdue
    assert 40 < item.days_left < 60


def test_ceremony_overdue_counts_working_days_late(tree):
    decision = datetime.date(2026, 3, 2)
    CandidateFactory(cell=tree.cell_a1, full_name="Trễ Lễ", **admitted_fields(decision))
    item = _items()[("Trễ Lễ", StepKind.CEREMONY)]
    assert item.due == add_working_days(decision, 30)
    assert item.overdue
    assert item.days_late > 10


def test_recognition_shown_from_a_month_before_the_12_months_end(tree):
    soon = CandidateFactory(cell=tree.cell_a1, full_name="Sắp Đủ", **admitted_fields(
        datetime.date(2025, 6, 20), ceremony_date=datetime.date(2025, 7, 1)))
    CandidateFactory(cell=tree.cell_a1, full_name="Còn Lâu", **admitted_fields(
        datetime.date(2025, 12, 1), ceremony_date=datetime.date(2025, 12, 10)))
    items = _items()
    assert ("Sắp Đủ", StepKind.RECOGNITION) in items
    assert items[("Sắp Đủ", StepKind.RECOGNITION)].due == add_working_days(add_months(soon.ceremony_date, 12), 30)
    assert ("Còn Lâu", StepKind.RECOGNITION) not in items


def test_certificate_expiring_within_60_days_and_nothing_for_the_finished(tree):
    CandidateFactory(cell=tree.cell_a1, full_name="Sắp Hết Hạn", listed_on=datetime.date(2021, 1, 5),
                     course_certificate_no="1", course_date=datetime.date(2021, 7, 20))
    CandidateFactory(cell=tree.cell_a1, full_name="Còn Hạn", listed_on=datetime.date(2024, 1, 5),
                     course_certificate_no="2", course_date=datetime.date(2024, 7, 20))
    CandidateFactory(cell=tree.cell_a1, full_name="Đã Chính Thức", **admitted_fields(
        datetime.date(2024, 3, 1), ceremony_date=datetime.date(2024, 3, 10), new_member_course_date=datetime.date(2024, 5, 1),
        recognition_no="9", recognition_date=datetime.date(2025, 3, 20)))
    items = _items()
    item = items[("Sắp Hết Hạn", StepKind.COURSE)]
    assert not item.working_days and item.days_left == (datetime.date(2026, 7, 20) - TODAY).days
    assert not any(name in ("Còn Hạn", "Đã Chính Thức") for name, _kind in items)


def test_sorted_by_due_date_in_one_query(tree, django_assert_num_queries):
    for day in (datetime.date(2026, 5, 4), datetime.date(2026, 2, 2), datetime.date(2026, 4, 1)):
        CandidateFactory(cell=tree.cell_a1, **admitted_fields(day))
    with django_assert_num_queries(1):
        items = todo_items(Candidate.objects.all(), today=TODAY)
        names = [item.candidate.cell.name for item in items]
    assert len(names) == 3
    assert [item.due for item in items] == sorted(item.due for item in items)


def test_working_days_left_matches_the_calendar_walk():
    import random

    from recruitment.calendar import working_days_between
    from recruitment.todo import working_days_left

    rng = random.Random(7)
    start = datetime.date(2022, 1, 1)
    for _ in range(400):
        a = start + datetime.timedelta(days=rng.randrange(0, 1500))
        b = a + datetime.timedelta(days=rng.randrange(-800, 800))
        assert working_days_left(a, b) == working_days_between(a, b), (a, b)
    # Tết 2026 (16-20 February) is skipped.
    assert working_days_left(datetime.date(2026, 2, 13), datetime.date(2026, 2, 23)) == 1
