"""Issue 6: history of units, targets and headcounts; the unit change feed and its scope; stale
target edits refused; logins recorded."""

import pytest
from django.urls import reverse

from tests.factories import CandidateFactory, make_user
from units import services
from units.audit import StaleEdit, unit_ref
from units.models import LoginEvent, Role, Target, Unit

pytestmark = pytest.mark.django_db


def test_units_targets_and_headcounts_keep_their_history(tree, users):
    target = services.target_set(unit=tree.org_a, admissions=5, year=2025, actor=users.staff_a)
    services.target_set(unit=tree.org_a, admissions=7, year=2025, actor=users.province_staff)
    assert [(h.admissions, h.history_user) for h in target.history.order_by("history_id")] == [
        (5, users.staff_a),
        (7, users.province_staff),
    ]
    services.headcount_set(unit=tree.cell_a1, year=2025, members=30, actor=users.staff_a)
    assert tree.cell_a1.headcounts.get().history.get().history_user == users.staff_a
    services.unit_update(unit=Unit.objects.get(pk=tree.org_a.pk), name="Đảng bộ xã A Một", actor=users.staff_a)
    services.unit_move(unit=tree.org_a, new_parent=tree.committee_b, actor=users.province_staff)
    rows = list(Unit.history.filter(id=tree.org_a.pk).order_by("history_id"))
    assert [r.history_type for r in rows] == ["+", "~", "~"]
    assert rows[1].name == "Đảng bộ xã A Một" and rows[1].history_user == users.staff_a
    # The parents by id, named when the history is read, for its reader (tests/units/test_scope_messages.py).
    reason = f"Chuyển từ “{unit_ref(tree.committee_a)}” sang “{unit_ref(tree.committee_b)}”"
    assert rows[2].history_change_reason == reason


def test_a_stale_target_is_refused_with_the_difference(tree, users):
    services.target_set(unit=tree.org_a, admissions=5, year=2025)
    services.target_set(unit=tree.org_a, admissions=7, year=2025, actor=users.province_staff, expected_version=1)
    with pytest.raises(StaleEdit) as refused:
        services.target_set(unit=tree.org_a, admissions=9, year=2025, actor=users.staff_a, expected_version=1)
    assert "Chỉ tiêu kết nạp: đã lưu “7”, bạn nhập “9”" in refused.value.messages
    assert Target.objects.get(unit=tree.org_a).admissions == 7
    # Someone created the target while the form (which saw none) was open.
    services.target_set(unit=tree.cell_a1, admissions=2, year=2025)
    with pytest.raises(StaleEdit):
        services.target_set(unit=tree.cell_a1, admissions=3, year=2025, expected_version=0)


def test_two_staff_handing_down_targets_the_second_is_refused(client, tree, users):
    services.target_set(unit=tree.cell_a1, admissions=2, year=2025)
    url = reverse("units:child_targets", args=[tree.org_a.pk]) + "?nam=2025"
    client.force_login(users.staff_a)
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    # Meanwhile the province sets both children's targets.
    client.force_login(users.province_staff)
    assert client.post(url, {**data, f"unit_{tree.cell_a1.pk}": 4, f"unit_{tree.cell_a2.pk}": 6}).status_code == 302
    client.force_login(users.staff_a)
    response = client.post(url, {**data, f"unit_{tree.cell_a1.pk}": 3, f"unit_{tree.cell_a2.pk}": 5})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Chỉ tiêu kết nạp: đã lưu “4”, bạn nhập “3”" in errors
    assert "Chỉ tiêu kết nạp: đã lưu “6”, bạn nhập “5”" in errors
    assert sorted(Target.objects.filter(year=2025).values_list("admissions", flat=True)) == [4, 6]
    # Submitting again after reading the message is a deliberate overwrite.
    again = {name: response.context["form"][name].value() for name in response.context["form"].fields}
    assert client.post(url, again).status_code == 302
    assert sorted(Target.objects.filter(year=2025).values_list("admissions", flat=True)) == [3, 5]


def test_the_feed_shows_changes_in_the_subtree_only(client, tree, users):
    services.target_set(unit=tree.org_a, admissions=5, year=2025, actor=users.staff_a)
    services.target_set(unit=tree.org_b, admissions=8, year=2025, actor=users.province_staff)
    inside = CandidateFactory(cell=tree.cell_a1, full_name="Người Trong Phạm Vi")
    CandidateFactory(cell=tree.cell_b1, full_name="Người Ngoài Phạm Vi")
    client.force_login(users.staff_a)
    response = client.get(reverse("dashboard:unit_history", args=[tree.committee_a.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Người Trong Phạm Vi" in page and "Người Ngoài Phạm Vi" not in page
    assert tree.org_a.name in page and tree.org_b.name not in page and tree.committee_b.name not in page
    labels = [(e.model_label, e.object_label) for e in response.context["page"].entries]
    assert ("Quần chúng / đảng viên mới", inside.full_name) in labels
    assert ("Chỉ tiêu", f"{tree.org_a.name} · 2025") in labels
    assert reverse("recruitment:candidate_detail", args=[inside.pk]) in page
    # Outside the subtree: 404; read-only roles: 403.
    assert client.get(reverse("dashboard:unit_history", args=[tree.committee_b.pk])).status_code == 404
    client.force_login(users.leader)
    assert client.get(reverse("dashboard:unit_history", args=[tree.province.pk])).status_code == 403
    client.force_login(users.secretary_a1)
    assert client.get(reverse("dashboard:unit_history", args=[tree.cell_a1.pk])).status_code == 403


def test_the_feed_is_paginated_newest_first_with_a_pinned_query_count(client, tree, users, django_assert_num_queries):
    for number in range(35):
        services.target_set(unit=tree.cell_a1, admissions=number, year=2025, actor=users.staff_a)
    CandidateFactory(cell=tree.cell_a2)
    client.force_login(users.staff_a)
    url = reverse("dashboard:unit_history", args=[tree.org_a.pk])
    # session, user with its unit, the unit, crumbs; count, page; then per table on the page its rows
    # and their earlier rows, + the names they point to (person: ethnicity, cell; target: unit).
    with django_assert_num_queries(4 + 2 + 4 + 3):
        first = client.get(url).context["page"]
    assert first.paginator.count == 35 + 1 + 3  # targets, the person, the units (org and two cells)
    newest = first.entries[0]
    assert newest.model_label == "Quần chúng / đảng viên mới" and newest.kind == "+"
    changes = [(c.old, c.new) for c in first.entries[1].changes]
    assert changes == [("33", "34")]
    last = client.get(url, {"page": 2}).context["page"]
    assert [e.kind for e in last.entries][-3:] == ["+", "+", "+"]
    assert client.get(url, {"page": "zzz"}).status_code == 200  # bad input is never an error page


def test_the_unit_page_shows_its_own_latest_changes(client, tree, users):
    services.target_set(unit=tree.org_a, admissions=5, year=2025, actor=users.staff_a)
    services.target_set(unit=tree.org_a, admissions=6, year=2025, actor=users.staff_a)
    client.force_login(users.staff_a)
    response = client.get(reverse("dashboard:unit_detail", args=[tree.org_a.pk]))
    newest = response.context["history"][0]
    assert newest.user == users.staff_a and [(c.label, c.old, c.new) for c in newest.changes] == [
        ("Chỉ tiêu kết nạp", "5", "6")
    ]
    assert "Lịch sử thay đổi" in response.content.decode()
    assert reverse("dashboard:unit_history", args=[tree.org_a.pk]) in response.content.decode()


def test_logins_and_failed_logins_are_recorded(client, tree):
    user = make_user(tree.province, Role.STAFF, "ghi_dang_nhap", password="dung-mat-khau-1")
    client.post(reverse("login"), {"username": "ghi_dang_nhap", "password": "sai"})
    client.post(reverse("login"), {"username": "ghi_dang_nhap", "password": "dung-mat-khau-1"})
    client.post(reverse("logout"))
    events = list(LoginEvent.objects.order_by("pk").values_list("kind", "username", "user"))
    assert events == [
        ("failed", "ghi_dang_nhap", None),
        ("login", "ghi_dang_nhap", user.pk),
        ("logout", "ghi_dang_nhap", user.pk),
    ]
    assert LoginEvent.objects.first().ip_address == "127.0.0.1"


def test_the_unit_admin_refuses_a_stale_save(admin_client, tree):
    url = reverse("admin:units_unit_change", args=[tree.org_a.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["name"] = "Tên Trong Admin"
    services.unit_update(unit=Unit.objects.get(pk=tree.org_a.pk), name="Tên Người Khác Đặt")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Tên đơn vị: đã lưu “Tên Người Khác Đặt”, bạn nhập “Tên Trong Admin”" in response.content.decode()
    assert Unit.objects.get(pk=tree.org_a.pk).name == "Tên Người Khác Đặt"
    data["version"] = Unit.objects.get(pk=tree.org_a.pk).version
    assert admin_client.post(url, data).status_code == 302
    assert Unit.objects.get(pk=tree.org_a.pk).name == "Tên Trong Admin"
