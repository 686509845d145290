import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count

from recruitment.models import Candidate
from tests.factories import CandidateFactory, admitted_fields, make_unit
from units import services
from units.models import GrassrootsType, Unit, UnitKind
from units.selectors import rollup_by_child, rollup_total


def test_subtree_is_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = sorted(Unit.objects.subtree(tree.committee_a).values_list("code", flat=True))
    assert codes == ["A", "A1", "A1-1", "A1-2"]


def test_children_and_ancestors(tree):
    assert [u.code for u in Unit.objects.children_of(tree.province)] == ["A", "B"]
    assert [u.code for u in Unit.objects.ancestors_of(tree.cell_a1)] == ["P", "A", "A1"]
    assert [u.code for u in Unit.objects.ancestors_of(tree.cell_a1, include_self=True)][-1] == "A1-1"


def _admit(cell, day, **extra):
    return CandidateFactory(cell=cell, **admitted_fields(day), **extra)


def test_rollup_over_four_levels_counts_each_branch_in_one_query(tree, django_assert_num_queries):
    import datetime

    day = datetime.date(2024, 5, 6)
    for cell, n in ((tree.cell_a1, 3), (tree.cell_a2, 2), (tree.cell_b1, 4), (tree.enterprise, 1)):
        for _ in range(n):
            _admit(cell, day)
    CandidateFactory(cell=tree.cell_b1)  # listed only: not an admission

    admitted = Candidate.objects.filter(decision_date__year=2024)
    with django_assert_num_queries(1):
        by_child = rollup_by_child(tree.province, admitted, path_field="cell__path", n=Count("pk"))
    assert by_child[tree.committee_a.path]["n"] == 5
    assert by_child[tree.committee_b.path]["n"] == 5
    assert rollup_total(by_child, "n") == 10

    with django_assert_num_queries(1):
        by_cell = rollup_by_child(tree.org_a, admitted, path_field="cell__path", n=Count("pk"))
    assert {k: v["n"] for k, v in by_cell.items()} == {tree.cell_a1.path: 3, tree.cell_a2.path: 2}


def test_rollup_query_count_does_not_grow_with_the_tree(tree, django_assert_num_queries):
    import datetime

    for i in range(6):
        org = make_unit(tree.committee_b)
        for _ in range(3):
            _admit(make_unit(org), datetime.date(2024, 2, 1 + i))
    with django_assert_num_queries(1):
        by_child = rollup_by_child(tree.province, Candidate.objects.all(), path_field="cell__path", n=Count("pk"))
    assert by_child[tree.committee_b.path]["n"] == 18


def test_cells_inherit_the_grassroots_type(tree):
    assert tree.cell_a1.grassroots_type == GrassrootsType.COMMUNE
    assert tree.committee_a.grassroots_type == ""
    services.unit_update(unit=tree.org_a, grassroots_type=GrassrootsType.PUBLIC_SERVICE)
    tree.cell_a2.refresh_from_db()
    assert tree.cell_a2.grassroots_type == GrassrootsType.PUBLIC_SERVICE


def test_moving_a_unit_carries_its_admissions_and_retypes_its_cells(tree):
    import datetime

    _admit(tree.cell_a1, datetime.date(2024, 3, 3))
    services.unit_move(unit=tree.cell_a1, new_parent=tree.org_b)
    admitted = Candidate.objects.all()
    by_child = rollup_by_child(tree.province, admitted, path_field="cell__path", n=Count("pk"))
    assert by_child == {tree.committee_b.path: {"n": 1}}
    tree.cell_a1.refresh_from_db()
    assert Unit.objects.parent_of(tree.cell_a1) == tree.org_b
    assert Candidate.objects.get().cell_id == tree.cell_a1.pk


@pytest.mark.parametrize(
    "parent_attr, kind, message",
    [
        (None, UnitKind.COMMITTEE, "gốc"),
        ("province", UnitKind.PROVINCE, "không có đơn vị cấp trên"),
        ("cell_a1", UnitKind.CELL, "không có đơn vị trực thuộc"),
        ("committee_a", UnitKind.PARTIAL_COMMITTEE, "trực thuộc một đảng bộ cơ sở"),
    ],
)
def test_tree_shape_rules_are_refused_with_a_message(tree, parent_attr, kind, message):
    parent = getattr(tree, parent_attr) if parent_attr else None
    before = Unit.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.unit_create(code="X", name="X", kind=kind, parent=parent)
    assert message in str(refused.value)
    assert Unit.objects.count() == before


def test_grassroots_organisation_needs_a_type(tree):
    with pytest.raises(ValidationError) as refused:
        services.unit_create(code="X", name="X", kind=UnitKind.GRASSROOTS_CELL, parent=tree.committee_a)
    assert "grassroots_type" in refused.value.message_dict


def test_unit_codes_are_unique(tree):
    with pytest.raises(ValidationError) as refused:
        services.unit_create(code="A1", name="Trùng", kind=UnitKind.CELL, parent=tree.org_a)
    assert "code" in refused.value.message_dict


def test_a_unit_cannot_move_under_itself(tree):
    with pytest.raises(ValidationError):
        services.unit_move(unit=tree.committee_a, new_parent=tree.org_a)
