"""A message that tells a user something about data outside their scope is a bug: a unit's move in its
history, who saved last in a stale-edit refusal, and the admin's read of a full citizen ID (recorded)."""

import datetime

import pytest
from django.urls import reverse

from recruitment import services as recruitment_services
from recruitment.models import Candidate
from tests.factories import CandidateFactory, make_user
from units import accounts, reorganisation, services
from units.audit import StaleEdit
from units.models import ReadEvent, Role, Target, User

pytestmark = pytest.mark.django_db

OLD_PARENT = "Đảng bộ huyện A"  # tree.committee_a: outside the scope of committee B's staff
NEW_PARENT = "Đảng bộ huyện B"  # tree.committee_b
OUTSIDE = "Đơn vị khác"


@pytest.fixture
def staff_b(tree):
    return make_user(tree.committee_b, Role.STAFF, "tochuc_b")


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- 1. A unit's move, in its history -------------------------------------------------------------


def _history_part(page):
    return page[page.index("data-history-type") :]


@pytest.mark.parametrize("how", ["service", "decision"])
def test_a_moved_unit_names_its_old_parent_only_to_who_may_see_it(client, tree, users, staff_b, how):
    if how == "service":  # the admin's drag-and-drop, the import's unit rows
        services.unit_move(unit=tree.org_a, new_parent=tree.committee_b, actor=users.province_staff)
    else:  # a dated reorganisation decision
        reorganisation.move(
            unit=tree.org_a,
            new_parent=tree.committee_b,
            decided_by=tree.province,
            effective_date=datetime.date.today(),
            decision_no="77-QĐ/TU",
            actor=users.province_staff,
        )
    for url in (
        reverse("dashboard:unit_detail", args=[tree.org_a.pk]),
        reverse("dashboard:unit_history", args=[tree.committee_b.pk]),
    ):
        page = _page(client, staff_b, url)
        history = _history_part(page)
        assert f"Chuyển từ “{OUTSIDE}” sang “{NEW_PARENT}”" in history
        assert OLD_PARENT not in page and "{unit:" not in page
        page = _page(client, users.province_staff, url)
        assert f"Chuyển từ “{OLD_PARENT}” sang “{NEW_PARENT}”" in _history_part(page)


def test_a_moved_account_names_its_old_unit_only_to_who_may_see_it(client, tree, users, staff_b):
    moved = make_user(tree.committee_a, Role.STAFF, "tochuc_chuyen")
    accounts.account_move(actor=users.province_staff, account=moved, unit=tree.committee_b)
    url = reverse("accounts:detail", args=[moved.pk])
    page = _page(client, staff_b, url)
    assert f"Chuyển từ “{OUTSIDE}” sang “{NEW_PARENT}”" in _history_part(page)
    assert OLD_PARENT not in page  # neither in the reason nor as the old value of the unit field
    assert f"Chuyển từ “{OLD_PARENT}” sang “{NEW_PARENT}”" in _history_part(_page(client, users.province_staff, url))


# --- 2. Who saved last, in a stale-edit refusal ----------------------------------------------------


@pytest.fixture
def gone_away(tree):
    """Staff of committee A who saved last, and whose account then moved to committee B: outside
    the scope of committee A's staff."""
    user = make_user(tree.committee_a, Role.STAFF, "tochuc_da_di")
    user.last_name, user.first_name = "Người Đã", "Đi"
    user.save()
    return user


def _move_away(user, tree):
    User.objects.filter(pk=user.pk).update(unit=tree.committee_b)


def test_a_stale_profile_form_does_not_name_who_saved_from_outside(client, tree, users, gone_away):
    person = CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn Gốc")
    url = reverse("recruitment:profile_update", args=[person.pk])
    client.force_login(users.staff_a)
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(version=form["version"].value(), date_of_birth="15/03/1995", cell=tree.cell_a1.pk)
    recruitment_services.candidate_update_profile(
        actor=gone_away, candidate=Candidate.objects.get(pk=person.pk), full_name="Nguyễn Văn Đúng"
    )
    _move_away(gone_away, tree)
    response = client.post(url, {**data, "full_name": "Nguyễn Văn Của Tôi"})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "đã được người khác sửa" in errors and "(người dùng ở đơn vị khác, lúc " in errors
    page = response.content.decode()
    assert "Người Đã Đi" not in page and "tochuc_da_di" not in page


def test_a_stale_target_names_who_saved_only_to_who_may_see_their_unit(tree, users, gone_away):
    services.target_set(unit=tree.org_a, admissions=5, year=2025, actor=users.staff_a)
    services.target_set(unit=tree.org_a, admissions=7, year=2025, actor=gone_away, expected_version=1)
    _move_away(gone_away, tree)
    with pytest.raises(StaleEdit) as refused:
        services.target_set(unit=tree.org_a, admissions=9, year=2025, actor=users.staff_a, expected_version=1)
    text = " ".join(refused.value.messages)
    assert "người dùng ở đơn vị khác" in text and "Người Đã Đi" not in text and "tochuc_da_di" not in text
    assert "Chỉ tiêu kết nạp: đã lưu “7”, bạn nhập “9”" in text
    # The province sees committee B: named to them.
    with pytest.raises(StaleEdit) as refused:
        services.target_set(unit=tree.org_a, admissions=9, year=2025, actor=users.province_staff, expected_version=1)
    assert "Người Đã Đi" in " ".join(refused.value.messages)
    assert Target.objects.get(unit=tree.org_a).admissions == 7


def test_a_stale_edit_does_not_name_the_cell_a_person_was_moved_to_outside(tree, users):
    person = CandidateFactory(cell=tree.cell_a1)
    held = Candidate.objects.get(pk=person.pk)  # staff A's form, opened before the move
    recruitment_services.candidate_update_profile(
        actor=users.province_staff, candidate=Candidate.objects.get(pk=person.pk), cell=tree.cell_b1
    )
    with pytest.raises(StaleEdit) as refused:
        recruitment_services.candidate_update_profile(actor=users.staff_a, candidate=held, full_name="Tên Mới")
    text = " ".join(refused.value.messages)
    assert f"Chi bộ: đã lưu “{OUTSIDE}”, bạn nhập “{tree.cell_a1.name}”" in text
    assert tree.cell_b1.name not in text


def test_a_stale_edit_still_names_who_saved_from_inside(tree, users):
    colleague = make_user(tree.org_a, Role.STAFF, "tochuc_xa_a1")
    colleague.last_name, colleague.first_name = "Đồng", "Nghiệp"
    colleague.save()
    services.target_set(unit=tree.cell_a1, admissions=2, year=2025, actor=users.staff_a)
    services.target_set(unit=tree.cell_a1, admissions=3, year=2025, actor=colleague, expected_version=1)
    with pytest.raises(StaleEdit) as refused:
        services.target_set(unit=tree.cell_a1, admissions=4, year=2025, actor=users.staff_a, expected_version=1)
    assert "(Đồng Nghiệp, lúc " in refused.value.messages[0]


# --- 3. The admin's change page reads the full citizen ID: recorded -----------------------------------


@pytest.fixture
def admin_client(client, tree):
    client.force_login(User.objects.create_superuser("root", password="pw-for-tests-1"))
    return client


def test_the_admin_change_page_records_the_full_citizen_id_read(admin_client, tree):
    person = CandidateFactory(cell=tree.cell_a1, full_name="Đọc Trong Admin", citizen_id="001203004567")
    response = admin_client.get(reverse("admin:recruitment_candidate_change", args=[person.pk]))
    assert response.status_code == 200 and "001203004567" in response.content.decode()
    events = list(ReadEvent.objects.filter(kind=ReadEvent.Kind.CITIZEN_ID))
    assert len(events) == 1
    event = events[0]
    assert (event.username, event.object_id, event.object_repr, event.unit) == (
        "root",
        person.pk,
        person.full_name,
        tree.cell_a1,
    )


def test_no_admin_record_where_no_citizen_id_is_shown(admin_client, tree):
    person = CandidateFactory(cell=tree.cell_a1, citizen_id="")
    admin_client.get(reverse("admin:recruitment_candidate_change", args=[person.pk]))
    admin_client.get(reverse("admin:recruitment_candidate_add"))
    assert not ReadEvent.objects.exists()
