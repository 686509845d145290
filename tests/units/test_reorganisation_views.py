"""The reorganisation page: choose the event, see what moves, confirm."""

import datetime

from django.urls import reverse

from tests.factories import CandidateFactory, admitted_fields
from units.models import Placement, ReorgEvent, Unit

URL = "units:reorganisation"


def post(client, unit, confirm=False, **fields):
    data = {"effective_date": "01/07/2025", "decision_no": "99-QĐ/TU", "accounts": "move", "end_unit": "on", **fields}
    if confirm:
        data["confirm"] = "1"
    return client.post(reverse(URL, args=[unit.pk]), data)


def test_a_consolidation_is_previewed_then_confirmed(client, tree, users):
    CandidateFactory(cell=tree.cell_a1, **admitted_fields(datetime.date(2024, 5, 1)))
    client.force_login(users.province_staff)
    fields = {
        "kind": "consolidate",
        "codes": "A, B",
        "new_code": "C",
        "new_name": "Đảng bộ huyện C",
        "parent_code": "P",
        "unit_kind": "committee",
    }
    placements = Placement.objects.count()
    response = post(client, tree.province, **fields)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="reorg-preview"' in html and "Đảng bộ xã A1" in html and "Đảng bộ huyện C" in html
    moves = response.context["plan"].moves
    assert [(m.unit.code, m.cells, m.candidates) for m in moves] == [("A1", 2, 1), ("B1", 1, 0), ("B2", 1, 0)]
    # the preview wrote nothing
    assert not Unit.objects.filter(code="C").exists() and not ReorgEvent.objects.exists()
    assert Placement.objects.count() == placements

    response = post(client, tree.province, confirm=True, **fields)
    assert response.status_code == 302
    new = Unit.objects.get(code="C")
    assert [u.code for u in Unit.objects.children_of(Unit.objects.get(code="P"))] == ["C"]
    assert Unit.objects.get(code="A").successor == new
    page = client.get(response["Location"]).content.decode()
    assert "99-QĐ/TU" in page and "Đã ghi hợp nhất" in page


def test_a_split_is_one_action(client, tree, users):
    client.force_login(users.province_staff)
    fields = {
        "kind": "split",
        "codes": "B",
        "parts": "B-N; Đảng bộ phường mới; B1; 7\nA; ; B2",
    }
    response = post(client, tree.province, confirm=True, **fields)
    assert response.status_code == 302, response.context["form"].errors
    assert Unit.objects.get(code="B").ended_on == datetime.date(2025, 7, 1)
    assert Unit.objects.get(code="B2").parent_path == Unit.objects.get(code="A").path
    assert Unit.objects.get(code="B1").parent_path == Unit.objects.get(code="B-N").path
    # the year's target is shared as the staff asked
    assert Unit.objects.get(code="B-N").targets.get(year=2025).admissions == 7
    bad = post(client, tree.province, kind="split", codes="A", parts="X; Mới; A1; nhiều")
    assert "chỉ tiêu năm phải là số" in " ".join(bad.context["form"].errors["parts"])


def test_a_code_outside_the_scope_reads_as_unknown(client, tree, users):
    client.force_login(users.staff_a)
    outside = post(client, tree.committee_a, kind="merge", codes="B1", new_code="A1")
    unknown = post(client, tree.committee_a, kind="merge", codes="ZZ", new_code="A1")
    assert outside.context["form"].non_field_errors() == ["Không có đơn vị mã “B1”."]
    assert unknown.context["form"].non_field_errors() == ["Không có đơn vị mã “ZZ”."]


def test_a_bad_event_is_refused_with_its_reason_and_nothing_written(client, tree, users):
    client.force_login(users.province_staff)
    response = post(client, tree.province, confirm=True, kind="dissolve", codes="A1")
    assert response.status_code == 200
    assert "còn đơn vị trực thuộc" in " ".join(response.context["form"].non_field_errors())
    assert not ReorgEvent.objects.exists() and Unit.objects.get(code="A1").ended_on is None


def test_only_staff_reorganise_and_only_in_their_subtree(client, tree, users):
    client.force_login(users.leader)
    assert client.get(reverse(URL, args=[tree.province.pk])).status_code == 403
    client.force_login(users.staff_a)
    assert client.get(reverse(URL, args=[tree.committee_b.pk])).status_code == 404
    assert client.get(reverse(URL, args=[tree.committee_a.pk])).status_code == 200


def test_the_page_query_count_is_pinned(client, tree, users, django_assert_num_queries):
    client.force_login(users.province_staff)
    for i in range(3):
        post(client, tree.province, confirm=True, kind="rename", codes="A1", new_name=f"Tên {i}", decision_no=f"{i}")
    # session, user with its unit, the unit, its ancestors, the events, their units
    with django_assert_num_queries(6):
        response = client.get(reverse(URL, args=[tree.province.pk]))
    assert len(response.context["events"]) == 3


def test_the_tree_page_draws_and_searches_the_tree_of_a_day(client, tree, users, django_assert_num_queries):
    from units import reorganisation

    reorganisation.rename(
        unit=tree.org_a,
        new_name="Đảng bộ xã A1 mới",
        effective_date=datetime.date(2025, 7, 1),
        decision_no="5-QĐ",
        decided_by=tree.province,
    )
    reorganisation.merge(
        units=[tree.committee_a],
        into=tree.committee_b,
        effective_date=datetime.date(2025, 7, 1),
        decision_no="6-QĐ",
        decided_by=tree.province,
    )
    client.force_login(users.province_staff)
    today = client.get(reverse("units:unit_tree")).content.decode()
    assert "Đảng bộ huyện A<" not in today and "Đảng bộ xã A1 mới" in today
    # session, user with its unit, the scope, the user's unit then, its subtree then
    with django_assert_num_queries(5):
        then = client.get(reverse("units:unit_tree"), {"ngay": "31/12/2024", "q": "xã A1"})
    html = then.content.decode()
    assert "Đảng bộ huyện A" in html and "Đảng bộ xã A1<" in html and "Đảng bộ xã A1 mới" not in html
    assert then.context["matches"] == 1
    bad = client.get(reverse("units:unit_tree"), {"ngay": "31/02/2024"})
    assert bad.status_code == 200 and bad.context["day"] is None
