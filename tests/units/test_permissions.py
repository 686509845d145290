"""The one permission vocabulary: `restrict(user, action)` on every scoped model, and `allows()` for an
object in hand, which must give the same answer without a query."""

import itertools

import pytest

from recruitment.models import Candidate, WorkbookImport
from recruitment.permissions import ADD_CANDIDATE, CHANGE_PROFILE, record_step
from recruitment.pipeline import StepKind
from tests.factories import CandidateFactory, make_user
from units.models import ClosedQuarter, Headcount, Target, Unit
from units.permissions import (
    CHANGE,
    CLOSE_QUARTER,
    IMPORT,
    REOPEN_QUARTER,
    VIEW,
    VIEW_CITIZEN_ID,
    VIEW_HISTORY,
    allows,
    may,
)

ACTIONS = [
    VIEW,
    CHANGE,
    VIEW_HISTORY,
    IMPORT,
    CLOSE_QUARTER,
    REOPEN_QUARTER,
    VIEW_CITIZEN_ID,
    ADD_CANDIDATE,
    CHANGE_PROFILE,
    *(record_step(kind) for kind in StepKind),
]


@pytest.fixture
def everyone(tree, users):
    users.superuser = make_user(None, role="", username="root")
    users.superuser.is_superuser = True
    users.superuser.save()
    users.loose = make_user(None, role="", username="loose")
    return [users.province_staff, users.staff_a, users.leader, users.secretary_a1, users.superuser, users.loose]


def test_allows_answers_as_restrict_does_for_every_role_action_and_unit(tree, everyone, django_assert_num_queries):
    units = list(Unit.objects.all())
    for user, action in itertools.product(everyone, ACTIONS):
        allowed = set(Unit.objects.restrict(user, action))
        with django_assert_num_queries(0):
            in_hand = {unit for unit in units if allows(user, action, unit)}
        assert in_hand == allowed, (user.username, action)


def test_each_role_takes_its_actions(tree, users):
    staff, leader, secretary = users.staff_a, users.leader, users.secretary_a1
    assert all(may(staff, action) for action in ACTIONS)
    assert [action for action in ACTIONS if may(leader, action)] == [VIEW]
    assert {action for action in ACTIONS if may(secretary, action)} == {
        VIEW,
        ADD_CANDIDATE,
        CHANGE_PROFILE,
        record_step(StepKind.LISTING),
        record_step(StepKind.COURSE),
    }
    # The scope is the account's subtree: staff of A change A's cells, not B's.
    assert allows(staff, CHANGE, tree.cell_a1) and not allows(staff, CHANGE, tree.cell_b1)


def test_reopening_is_for_the_committee_above_only(tree, users):
    assert not allows(users.staff_a, REOPEN_QUARTER, tree.committee_a)
    assert allows(users.staff_a, REOPEN_QUARTER, tree.org_a)
    assert set(Unit.objects.restrict(users.staff_a, REOPEN_QUARTER)) == {tree.org_a, tree.cell_a1, tree.cell_a2}
    assert allows(users.province_staff, REOPEN_QUARTER, tree.committee_a)


def test_every_scoped_model_answers_restrict(tree, users):
    inside = CandidateFactory(cell=tree.cell_a1)
    CandidateFactory(cell=tree.cell_b1)
    Target.objects.create(unit=tree.committee_a, year=2025, admissions=3)
    Target.objects.create(unit=tree.committee_b, year=2025, admissions=4)
    Headcount.objects.create(unit=tree.cell_a1, year=2025, members=10)
    Headcount.objects.create(unit=tree.cell_b1, year=2025, members=12)
    ClosedQuarter.objects.create(unit=tree.org_a, year=2025, quarter=1)
    ClosedQuarter.objects.create(unit=tree.committee_b, year=2025, quarter=1)
    staff = users.staff_a
    assert list(Candidate.objects.restrict(staff)) == [inside]
    assert [t.unit for t in Target.objects.restrict(staff, CHANGE)] == [tree.committee_a]
    assert [h.unit for h in Headcount.objects.restrict(staff)] == [tree.cell_a1]
    assert [c.unit for c in ClosedQuarter.objects.restrict(staff, REOPEN_QUARTER)] == [tree.org_a]
    # Leadership reads everything in scope and changes nothing.
    assert Candidate.objects.restrict(users.leader).count() == 2
    assert not Target.objects.restrict(users.leader, CHANGE).exists()


def test_imports_are_their_authors(tree, users):
    mine = WorkbookImport.objects.create(user=users.staff_a, file_name="a.xlsx")
    WorkbookImport.objects.create(user=users.province_staff, file_name="p.xlsx")
    assert list(WorkbookImport.objects.restrict(users.staff_a)) == [mine]
    assert mine.readable_by(users.staff_a) and not mine.readable_by(users.province_staff)
    assert not WorkbookImport.objects.restrict(users.leader).exists()


def test_an_inactive_account_may_do_nothing(tree, users):
    users.staff_a.is_active = False
    assert not may(users.staff_a, VIEW)
    assert not Unit.objects.restrict(users.staff_a).exists()
