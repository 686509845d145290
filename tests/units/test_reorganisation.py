"""Reorganisation with history: each kind of event leaves the figures and the workbook of a period that
ended before it exactly as they were, and folds predecessors into successors after it."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from recruitment.models import Candidate
from reports import excel, selectors
from tests.factories import CandidateFactory, admitted_fields, make_unit, make_user
from units import reorganisation, services
from units.models import Placement, ReorgEvent, Role, Target, Unit, UnitKind
from units.periods import Period
from units.tree import Tree

D = datetime.date
JULY_2025 = D(2025, 7, 1)
DECISION = {"effective_date": JULY_2025, "decision_no": "1234-QĐ/TU"}
TODAY = D(2026, 11, 30)


@pytest.fixture
def admitted(tree):
    """Admissions in 2024 and in 2026 in every cell: 2024 by the old tree, 2026 by the new."""
    counts = {"cell_a1": 3, "cell_a2": 2, "cell_b1": 4, "enterprise": 1}
    for name, n in counts.items():
        for i in range(n):
            CandidateFactory(cell=getattr(tree, name), **admitted_fields(D(2024, 3 + i, 10)))
            CandidateFactory(cell=getattr(tree, name), **admitted_fields(D(2026, 3 + i, 10)))
    return counts


def figures(code, period):
    """What the report page and the quarterly return show for the unit and period (by the tree of the
    period's last day): the progress rows, the breakdown rows and every cell value of the workbook."""
    unit = Unit.objects.get(code=code)
    placed, tree = excel.dated(unit, period, today=TODAY)
    candidates = Candidate.objects.all()
    progress = selectors.progress_report(placed, period, candidates=candidates, today=TODAY, tree=tree)
    breakdown = selectors.breakdown_report(placed, period, candidates=candidates, tree=tree)
    workbook = load_workbook(
        io.BytesIO(
            excel.workbook_bytes(excel.quarterly_return(placed, period, candidates=candidates, today=TODAY, tree=tree))
        )
    )
    cells = {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}
    return {
        "name": placed.name,
        "progress": [(r.unit.code, r.unit.name, r.admitted, r.target) for r in progress.rows]
        + [("total", progress.total.admitted)],
        "breakdown": [(u.code, values["total"]) for u, values in breakdown.rows],
        "workbook": cells,
    }


YEAR_2024 = Period.for_year(2024)
YEAR_2026 = Period.for_year(2026)


def rows(code, period):
    return {c: n for c, _name, n, _t in figures(code, period)["progress"][:-1]}


# --- The tree as of a date ------------------------------------------------------------------------


def test_every_unit_is_placed_and_the_dated_tree_mirrors_todays(tree):
    assert Placement.objects.current().count() == Unit.objects.count()
    placed, dated = Tree.as_of(D(2024, 1, 1)).locate(tree.committee_a)
    assert [u.code for u in dated.children(placed)] == ["A1"]
    assert [u.code for u in dated.subtree(placed)] == ["A", "A1", "A1-1", "A1-2"]


def test_the_subtree_and_the_rollup_as_of_a_date_are_one_query_each(tree, admitted, django_assert_num_queries):
    reorganisation.merge(units=[tree.committee_a], into=tree.committee_b, decided_by=tree.province, **DECISION)
    province, before = Tree.as_of(D(2024, 12, 31)).locate(tree.province)
    _province, after = Tree.as_of(D(2026, 12, 31)).locate(tree.province)
    for dated, codes in ((before, ["P", "A", "A1", "A1-1", "A1-2", "B", "B1", "B1-1", "B2"]), (after, None)):
        with django_assert_num_queries(1):
            subtree = dated.subtree(province)
        if codes:
            assert [u.code for u in subtree] == codes
    for dated, expected in ((before, {"A": 5, "B": 5}), (after, {"B": 10})):
        from django.db.models import Count

        from units.selectors import rollup_by_child

        with django_assert_num_queries(1):
            queryset, path_field = dated.with_paths(
                Candidate.objects.admitted_between(D(2024, 1, 1), D(2026, 12, 31)), "cell"
            )
            by_child = rollup_by_child(province, queryset, path_field=path_field, n=Count("*"))
        with django_assert_num_queries(1):
            children = dated.children(province)
        assert {child.code: by_child[child.path]["n"] for child in children} == {
            code: count * 2 for code, count in expected.items()
        }


def test_a_dated_unit_is_never_saved(tree):
    placed, _tree = Tree.as_of(D(2024, 1, 1)).locate(tree.org_a)
    with pytest.raises(RuntimeError):
        placed.save()


# --- Each kind of event: the past stays, the future folds -----------------------------------------


def _merge(tree):
    reorganisation.merge(units=[tree.committee_a], into=tree.committee_b, decided_by=tree.province, **DECISION)


def _consolidate(tree):
    reorganisation.consolidate(
        units=[tree.committee_a, tree.committee_b],
        code="C",
        name="Đảng bộ huyện C",
        kind=UnitKind.COMMITTEE,
        parent=tree.province,
        decided_by=tree.province,
        **DECISION,
    )


def _split(tree):
    reorganisation.split(
        unit=tree.committee_b,
        parts=[
            reorganisation.SplitPart(
                children=[tree.org_b],
                code="B-N",
                name="Đảng bộ phường mới",
                kind=UnitKind.COMMITTEE,
                parent=tree.province,
            ),
            reorganisation.SplitPart(children=[tree.enterprise], unit=tree.committee_a),
        ],
        decided_by=tree.province,
        **DECISION,
    )


def _move(tree):
    reorganisation.move(unit=tree.org_a, new_parent=tree.committee_b, decided_by=tree.province, **DECISION)


def _rename(tree):
    reorganisation.rename(unit=tree.committee_a, new_name="Đảng bộ thị xã A", decided_by=tree.province, **DECISION)


def _dissolve(tree):
    reorganisation.dissolve(unit=tree.enterprise, decided_by=tree.province, **DECISION)


def _establish(tree):
    reorganisation.establish(
        code="D",
        name="Đảng bộ khối D",
        kind=UnitKind.COMMITTEE,
        parent=tree.province,
        decided_by=tree.province,
        **DECISION,
    )


EVENTS = {
    # kind: (the event, the province's rows for 2026 after it); 2024 is {"A": 5, "B": 5} before and after
    "merge": (_merge, {"B": 10}),
    "consolidate": (_consolidate, {"C": 10}),
    "split": (_split, {"A": 6, "B-N": 4}),
    "move": (_move, {"A": 0, "B": 10}),
    "rename": (_rename, {"A": 5, "B": 5}),
    "dissolve": (_dissolve, {"A": 5, "B": 4}),
    "establish": (_establish, {"A": 5, "B": 5, "D": 0}),
}


@pytest.mark.parametrize("kind", list(EVENTS))
def test_a_period_before_the_event_keeps_its_figures_and_workbook_and_a_later_one_folds(tree, admitted, kind):
    apply, after_2026 = EVENTS[kind]
    Target.objects.create(unit=tree.committee_a, year=2024, admissions=7)
    before_2024 = figures("P", YEAR_2024)
    before_a = figures("A", YEAR_2024)
    assert {c: n for c, _name, n, _t in before_2024["progress"][:-1]} == {"A": 5, "B": 5}

    apply(tree)

    assert figures("P", YEAR_2024) == before_2024
    assert figures("A", YEAR_2024) == before_a
    assert rows("P", YEAR_2026) == after_2026
    event = ReorgEvent.objects.get()
    assert event.decision_no == "1234-QĐ/TU" and event.effective_date == JULY_2025


def test_a_renamed_unit_reads_its_old_name_before_the_date(tree, admitted):
    _rename(tree)
    assert figures("A", YEAR_2024)["name"] == "Đảng bộ huyện A"
    assert figures("A", YEAR_2026)["name"] == "Đảng bộ thị xã A"
    old_rows = figures("P", YEAR_2024)["progress"]
    assert ("A", "Đảng bộ huyện A", 5, None) in old_rows


def test_a_unit_that_ended_is_read_on_its_last_day_and_today_s_tree_folds_it(tree, admitted):
    _merge(tree)
    placed, dated = excel.dated(Unit.objects.get(code="A"), YEAR_2026, today=TODAY)
    assert dated.day == D(2025, 6, 30) and placed.name == "Đảng bộ huyện A"
    # "as today's tree": a past period counted by the present structure
    placed, dated = excel.dated(Unit.objects.get(code="P"), YEAR_2024, today_tree=True, today=TODAY)
    report = selectors.progress_report(placed, YEAR_2024, candidates=Candidate.objects.all(), today=TODAY, tree=dated)
    assert [(r.unit.code, r.admitted) for r in report.rows] == [("B", 10)]


def test_a_cell_merged_into_a_cell_folds_its_admissions_into_it(tree, admitted):
    reorganisation.merge(units=[tree.cell_a2], into=tree.cell_a1, decided_by=tree.committee_a, **DECISION)
    assert rows("A1", YEAR_2024) == {"A1-1": 3, "A1-2": 2}
    assert rows("A1", YEAR_2026) == {"A1-1": 5}
    cell_a2 = Unit.objects.get(code="A1-2")
    assert cell_a2.ended_on == JULY_2025 and cell_a2.successor == tree.cell_a1
    assert Candidate.objects.filter(cell=cell_a2).count() == 4  # people stay attached to their cell


# --- Targets, headcounts and accounts follow ---------------------------------------------------------


def test_a_merger_adds_targets_and_headcounts_and_moves_or_disables_accounts(tree):
    services.target_set(unit=tree.committee_a, year=2025, admissions=6)
    services.target_set(unit=tree.committee_b, year=2025, admissions=4)
    services.target_set(unit=tree.province, year=2025, admissions=10)
    services.headcount_set(unit=tree.committee_a, year=2025, members=300)
    staff_a = make_user(tree.committee_a, Role.STAFF, "staff_a")
    plan = reorganisation.preview(
        reorganisation.merge, units=[tree.committee_a], into=tree.committee_b, decided_by=tree.province, **DECISION
    )
    # the preview says everything and writes nothing
    assert [(m.unit.code, m.new_parent.code, m.cells, m.candidates) for m in plan.moves] == [("A1", "B", 2, 0)]
    assert [(s.code, t.code, label, n) for s, t, label, n in plan.targets] == [("A", "B", "2025", 6)]
    assert [(u.username, to.code) for u, to in plan.accounts] == [("staff_a", "B")]
    assert not ReorgEvent.objects.exists() and Target.objects.get(unit=tree.committee_b, year=2025).admissions == 4
    assert Unit.objects.get(code="A1").parent_path == tree.committee_a.path

    reorganisation.merge(units=[tree.committee_a], into=tree.committee_b, decided_by=tree.province, **DECISION)
    assert Target.objects.get(unit=tree.committee_b, year=2025).admissions == 10
    assert tree.committee_b.headcounts.get(year=2025).members == 300
    staff_a.refresh_from_db()
    assert staff_a.unit == tree.committee_b and staff_a.is_active


def test_a_merger_warns_where_children_no_longer_add_up(tree):
    services.target_set(unit=tree.committee_a, year=2025, admissions=6)
    services.target_set(unit=tree.org_a, year=2025, admissions=6)
    services.target_set(unit=tree.committee_b, year=2025, admissions=4)
    services.target_set(unit=tree.org_b, year=2025, admissions=4)
    # merging the cell A1-x into B's organisation: A's children lose 6, so A's target is not covered
    plan = reorganisation.merge(units=[tree.org_a], into=tree.org_b, decided_by=tree.province, **DECISION)
    assert any("Đảng bộ huyện A" in warning for warning in plan.warnings)


# --- Refusals: nothing written ------------------------------------------------------------------------


def _nothing_changed(snapshot):
    assert list(Placement.objects.values_list("pk", "path", "valid_from", "valid_to")) == snapshot
    assert not ReorgEvent.objects.exists()


def test_refusals_write_nothing(tree, users):
    snapshot = list(Placement.objects.values_list("pk", "path", "valid_from", "valid_to"))
    with pytest.raises(ValidationError, match="còn đơn vị trực thuộc"):
        reorganisation.dissolve(unit=tree.org_a, decided_by=tree.province, **DECISION)
    reorganisation.establish(
        code="N", name="Chi bộ mới", kind=UnitKind.CELL, parent=tree.org_a, decided_by=tree.province, **DECISION
    )
    ReorgEvent.objects.all().delete()
    snapshot = list(Placement.objects.values_list("pk", "path", "valid_from", "valid_to"))
    new = Unit.objects.get(code="N")
    with pytest.raises(ValidationError, match="trước ngày đơn vị N"):
        reorganisation.move(
            unit=new, new_parent=tree.org_b, effective_date=D(2024, 1, 1), decision_no="1", decided_by=tree.province
        )
    with pytest.raises(ValidationError, match="đã có"):
        _establish_code(tree, "A1-1")
    with pytest.raises(ValidationError, match="Cần số quyết định"):
        reorganisation.rename(
            unit=tree.org_a, new_name="X", effective_date=JULY_2025, decision_no=" ", decided_by=tree.province
        )
    # a merger that fails half-way (a committee with children into a cell) leaves nothing behind
    with pytest.raises(ValidationError):
        reorganisation.merge(units=[tree.committee_a], into=tree.cell_b1, decided_by=tree.province, **DECISION)
    _nothing_changed(snapshot)


def _establish_code(tree, code):
    reorganisation.establish(
        code=code, name="Trùng", kind=UnitKind.CELL, parent=tree.org_a, decided_by=tree.province, **DECISION
    )


def test_only_staff_of_the_committee_above_reorganise(tree, users):
    with pytest.raises(PermissionDenied):
        reorganisation.rename(
            unit=tree.committee_a, new_name="X", decided_by=tree.committee_a, actor=users.staff_a, **DECISION
        )
    with pytest.raises(PermissionDenied):
        reorganisation.rename(
            unit=tree.org_b, new_name="X", decided_by=tree.committee_a, actor=users.staff_a, **DECISION
        )
    with pytest.raises(PermissionDenied):
        reorganisation.rename(unit=tree.org_a, new_name="X", decided_by=tree.province, actor=users.leader, **DECISION)
    reorganisation.rename(
        unit=tree.org_a, new_name="Đảng bộ xã A mới", decided_by=tree.committee_a, actor=users.staff_a, **DECISION
    )
    history = Unit.objects.get(code="A1").history.first()
    assert history.history_user == users.staff_a and "1234-QĐ/TU" in history.history_change_reason


# --- Hole 6 of issue 16: a move keeps closed quarters closed ------------------------------------------


def test_moving_a_cell_keeps_a_closed_quarter_s_figures_and_freeze(tree, users):
    for i in range(9):
        CandidateFactory(cell=tree.cell_a1 if i < 1 else tree.cell_a2, **admitted_fields(D(2025, 2, 1 + i)))
    services.quarter_close(actor=users.province_staff, unit=tree.committee_a, year=2025, quarter=1, today=D(2025, 4, 2))
    quarter = Period.for_quarter(2025, 1)
    assert figures("A", quarter)["progress"][-1] == ("total", 9)

    services.unit_move(unit=tree.cell_a1, new_parent=tree.org_b, today=D(2025, 5, 1))  # the import's, the admin's move

    assert figures("A", quarter)["progress"][-1] == ("total", 9)
    person = Candidate.objects.get(cell=tree.cell_a1)
    person.decision_date = D(2025, 2, 20)
    with pytest.raises(ValidationError, match="khóa sổ"):
        person.full_clean()
    # a move dated inside the closed quarter is refused
    with pytest.raises(ValidationError, match="khóa sổ"):
        services.unit_move(unit=tree.cell_a2, new_parent=tree.org_b, today=D(2025, 3, 1))


def test_the_admin_drag_and_drop_goes_through_the_service(admin_client, tree, users):
    services.quarter_close(actor=users.province_staff, unit=tree.committee_a, year=2025, quarter=1, today=D(2025, 4, 2))
    response = admin_client.post(
        "/quan-tri/units/unit/move/", {"node": tree.org_a.pk, "target": tree.committee_b.pk, "relation": "child"}
    )
    assert response.status_code == 200
    assert Unit.objects.get(code="A1").parent_path == Unit.objects.get(code="B").path
    assert Placement.objects.filter(unit=tree.org_a).count() == 2
    response = admin_client.post(
        "/quan-tri/units/unit/move/", {"node": tree.org_b.pk, "target": tree.cell_a1.pk, "relation": "child"}
    )
    assert response.status_code == 400  # a committee under a cell: the tree's rules
    assert Unit.objects.get(code="B1").parent_path == Unit.objects.get(code="B").path


def test_a_unit_created_any_way_is_placed(tree):
    cell = make_unit(tree.org_b)
    placement = Placement.objects.get(unit=cell)
    parent = Placement.objects.get(unit=tree.org_b)
    assert placement.path.startswith(parent.path) and placement.depth == parent.depth + 1


def test_an_event_dated_before_a_later_change_below_it_is_refused_with_the_unit_named(tree):
    """A cell moved today, then its committee merged with effect from last July: the merger would
    end the cell's placement before it began. Refused with a message naming the cell, nothing written
    (it was a database error, a 500)."""
    org_a2 = make_unit(tree.committee_a, code="A2", name="Đảng bộ xã A2")
    services.unit_move(unit=tree.cell_a2, new_parent=org_a2, today=TODAY)  # a correction, today
    ReorgEvent.objects.all().delete()
    snapshot = list(Placement.objects.values_list("pk", "path", "valid_from", "valid_to"))
    with pytest.raises(ValidationError, match="A1-2 đã có thay đổi sau ngày 01/07/2025"):
        reorganisation.merge(units=[tree.committee_a], into=tree.committee_b, decided_by=tree.province, **DECISION)
    with pytest.raises(ValidationError, match="đơn vị A1-2 có vị trí hiện nay"):  # the unit itself
        reorganisation.dissolve(unit=tree.cell_a2, decided_by=tree.province, **DECISION)
    _nothing_changed(snapshot)


def test_a_committee_s_own_past_figures_stay_when_a_cell_moves_out(client, tree, users):
    """The page, as committee A's staff read it: A1-2 moves to committee B in 2025; A's 2024 still
    counts A1-2's admissions (it was A's then), and B's 2024 does not. (Counted by the reader's scope
    today, A's 2024 fell from 5 to 2.)"""
    for cell, n in ((tree.cell_a1, 2), (tree.cell_a2, 3)):
        for i in range(n):
            CandidateFactory(cell=cell, **admitted_fields(D(2024, 3, 10 + i)))
    staff_b = make_user(tree.committee_b, Role.STAFF, "tochuc_b")

    def total(user, code):
        client.force_login(user)
        response = client.get(reverse("reports:progress", kwargs={"code": code}) + "?year=2024")
        return response.context["report"].total.admitted

    before = total(users.staff_a, "A"), total(staff_b, "B")
    reorganisation.move(unit=tree.cell_a2, new_parent=tree.org_b, **DECISION, decided_by=tree.province)
    assert (total(users.staff_a, "A"), total(staff_b, "B")) == before == (5, 0)
