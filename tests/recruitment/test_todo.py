import datetime

from recruitment.calendar import add_months, add_working_days, is_working_day
from recruitment.models import Candidate
from recruitment.pipeline import StepKind
from recruitment.todo import TodoList
from tests.factories import CandidateFactory, admitted_fields

TODAY = datetime.date(2026, 6, 15)  # a Monday


def _items(today=TODAY):
    return {(item.candidate.full_name, item.kind): item for item in TodoList(Candidate.objects.all(), today=today)}


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
    soon = CandidateFactory(
        cell=tree.cell_a1,
        full_name="Sắp Đủ",
        **admitted_fields(datetime.date(2025, 6, 20), ceremony_date=datetime.date(2025, 7, 1)),
    )
    CandidateFactory(
        cell=tree.cell_a1,
        full_name="Còn Lâu",
        **admitted_fields(datetime.date(2025, 12, 1), ceremony_date=datetime.date(2025, 12, 10)),
    )
    items = _items()
    assert ("Sắp Đủ", StepKind.RECOGNITION) in items
    assert items[("Sắp Đủ", StepKind.RECOGNITION)].due == add_working_days(add_months(soon.ceremony_date, 12), 30)
    assert ("Còn Lâu", StepKind.RECOGNITION) not in items


def test_certificate_expiring_within_60_days_and_nothing_for_the_finished(tree):
    CandidateFactory(
        cell=tree.cell_a1,
        full_name="Sắp Hết Hạn",
        listed_on=datetime.date(2021, 1, 5),
        course_certificate_no="1",
        course_date=datetime.date(2021, 7, 20),
    )
    CandidateFactory(
        cell=tree.cell_a1,
        full_name="Còn Hạn",
        listed_on=datetime.date(2024, 1, 5),
        course_certificate_no="2",
        course_date=datetime.date(2024, 7, 20),
    )
    CandidateFactory(
        cell=tree.cell_a1,
        full_name="Đã Chính Thức",
        **admitted_fields(
            datetime.date(2024, 3, 1),
            ceremony_date=datetime.date(2024, 3, 10),
            new_member_course_date=datetime.date(2024, 5, 1),
            recognition_no="9",
            recognition_date=datetime.date(2025, 3, 20),
        ),
    )
    items = _items()
    item = items[("Sắp Hết Hạn", StepKind.COURSE)]
    assert not item.working_days and item.days_left == (datetime.date(2026, 7, 20) - TODAY).days
    assert not any(name in ("Còn Hạn", "Đã Chính Thức") for name, _kind in items)


def test_sorted_by_due_date_in_constant_queries(tree, django_assert_num_queries):
    for day in (datetime.date(2026, 5, 4), datetime.date(2026, 2, 2), datetime.date(2026, 4, 1)):
        CandidateFactory(cell=tree.cell_a1, **admitted_fields(day))
    with django_assert_num_queries(6):  # the counts, the head of each of 4 kinds, the rows shown
        todo = TodoList(Candidate.objects.all(), today=TODAY)
        items = todo[:10]
        names = [item.candidate.cell.name for item in items]
        assert todo.count() == 3 and todo.overdue_total == sum(item.overdue for item in items) == 2
    assert len(names) == 3
    assert [item.due for item in items] == sorted(item.due for item in items)


def _random_people(cell, rng, count):
    """People at every step with dates spread over six years, weekends and Tết included."""
    start = datetime.date(2020, 1, 1)
    for index in range(count):
        decision = start + datetime.timedelta(days=rng.randrange(0, 2350))
        fields = admitted_fields(decision)
        shape = rng.choice(["resolved", "decided", "probation", "course", "official", "exited", "listed"])
        if shape == "resolved":
            fields.update(decision_no="", decision_issuer="", decision_date=None)
        elif shape == "probation":
            fields["ceremony_date"] = decision + datetime.timedelta(days=rng.randrange(0, 20))
        elif shape == "official" and decision < datetime.date(2025, 10, 1):
            fields.update(
                ceremony_date=decision + datetime.timedelta(days=5),
                recognition_no="1",
                new_member_course_date=decision + datetime.timedelta(days=40),
                recognition_date=decision + datetime.timedelta(days=380),
            )
        elif shape == "exited":
            fields.update(
                ceremony_date=decision, exit_date=decision + datetime.timedelta(days=10), exit_reason="struck_off"
            )
        elif shape in ("course", "listed"):
            fields = {"listed_on": fields["listed_on"]}
            if shape == "course":
                fields.update(course_certificate_no="1", course_date=decision - datetime.timedelta(days=200))
        # Several people share each date, so the order falls back to the clock date and the name.
        CandidateFactory(
            cell=cell, full_name=f"{rng.choice(['Lê', 'Trần', 'Vũ'])} Văn {rng.choice('ABCD')}{index}", **fields
        )


def _by_hand(today):
    """What the to-do must hold, person by person with pipeline.deadlines: the reference."""
    from recruitment.pipeline import DEADLINES

    clocks = {deadline.kind: deadline.clock for deadline in DEADLINES}
    expected = []
    for person in Candidate.objects.all():
        for kind, due in person.deadlines().items():
            if kind == StepKind.RECOGNITION and add_months(person.ceremony_date, 12) > today + datetime.timedelta(
                days=30
            ):
                continue
            if kind == StepKind.COURSE and due > today + datetime.timedelta(days=60):
                continue
            expected.append((due, getattr(person, clocks[kind]), person.name_sort_key, person.pk, kind))
    return sorted(expected)


def test_every_slice_and_filter_matches_the_person_by_person_reference(tree):
    import random

    rng = random.Random(11)
    _random_people(tree.cell_a1, rng, 150)
    for today in (TODAY, datetime.date(2026, 2, 23), datetime.date(2025, 3, 1)):
        expected = _by_hand(today)
        assert expected, "the random people should have something due"
        todo = TodoList(Candidate.objects.all(), today=today)
        assert todo.count() == len(expected)
        assert todo.overdue_total == sum(1 for due, *_rest in expected if due < today)
        got = [(item.due, item.candidate.pk, item.kind) for item in todo]
        assert got == [(due, pk, kind) for due, _clock, _name, pk, kind in expected]
        for start, stop in ((0, 10), (7, 19), (len(expected) - 3, len(expected) + 5)):
            assert [item.candidate.pk for item in todo[start:stop]] == [row[3] for row in expected[start:stop]]
        for kind in (StepKind.DECISION, StepKind.RECOGNITION, StepKind.COURSE):
            only = TodoList(Candidate.objects.all(), today=today, kind=kind, overdue_only=True)
            wanted = [row[3] for row in expected if row[4] == kind and row[0] < today]
            assert [item.candidate.pk for item in only] == wanted
            assert only.count() == len(wanted)


def test_a_leap_day_ceremony_is_shown_when_its_12_months_end_on_28_february(tree):
    # 29/02/2024 + 12 months is 28/02/2025: shown from 29/01/2025.
    CandidateFactory(
        cell=tree.cell_a1,
        full_name="Nhuận Năm",
        **admitted_fields(datetime.date(2024, 2, 20), ceremony_date=datetime.date(2024, 2, 29)),
    )
    assert [item.kind for item in TodoList(Candidate.objects.all(), today=datetime.date(2025, 1, 29))] == [
        StepKind.RECOGNITION
    ]
    assert list(TodoList(Candidate.objects.all(), today=datetime.date(2025, 1, 28))) == []


def _walk(start, end):
    """Working days after `start` up to `end`, counted one day at a time: the reference."""
    if end < start:
        return -_walk(end, start)
    days, current = 0, start
    while current < end:
        current += datetime.timedelta(days=1)
        days += is_working_day(current)
    return days


def test_working_days_between_matches_the_calendar_walk():
    import random

    from recruitment.calendar import working_days_between

    rng = random.Random(7)
    start = datetime.date(2022, 1, 1)
    for _ in range(400):
        a = start + datetime.timedelta(days=rng.randrange(0, 1500))
        b = a + datetime.timedelta(days=rng.randrange(-800, 800))
        assert working_days_between(a, b) == _walk(a, b), (a, b)
    # Tết 2026 (16-20 February) is skipped.
    assert working_days_between(datetime.date(2026, 2, 13), datetime.date(2026, 2, 23)) == 1


def test_the_todo_and_the_probation_report_count_the_same_lateness(tree):
    from reports.selectors import probation_report
    from units.periods import Period

    # A ceremony whose recognition falls due on a Friday: on the Saturday the person is late.
    ceremony = datetime.date(2024, 5, 6)
    while add_working_days(add_months(ceremony, 12), 30).weekday() != 4:
        ceremony += datetime.timedelta(days=1)
    due = add_working_days(add_months(ceremony, 12), 30)
    person = CandidateFactory(
        cell=tree.cell_a1,
        full_name="Chờ Công Nhận",
        **admitted_fields(ceremony - datetime.timedelta(days=10), ceremony_date=ceremony),
    )
    for today, late in ((due + datetime.timedelta(days=1), 1), (due + datetime.timedelta(days=7), 5)):
        item = _items(today)[(person.full_name, StepKind.RECOGNITION)]
        report = probation_report(tree.province, Period.for_year(today.year), today=today)
        assert [p.pk for p in report.overdue] == [person.pk]
        assert item.overdue and item.days_late == report.overdue[0].days_overdue == late
