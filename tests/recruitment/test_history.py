"""Issue 6: every change to a person (and so to their steps) is recorded; no lost updates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from recruitment import services
from recruitment.importing import import_workbook
from recruitment.models import Candidate, WorkbookImport
from recruitment.pipeline import StepKind
from tests.factories import CandidateFactory, admitted_fields
from tests.imports.conftest import _imports_in_request, admitted_person, person, workbook  # noqa: F401 (fixtures)
from units.audit import StaleEdit

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 3, 3)


def _form_data(form):
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["version"] = form["version"].value()
    return data


def test_each_step_is_recorded_with_who_when_old_and_new(client, tree, users):
    person = services.candidate_create(
        actor=users.staff_a,
        cell=tree.cell_a1,
        full_name="Lò Văn Sử",
        date_of_birth=datetime.date(1995, 1, 1),
        gender="male",
        ethnicity=CandidateFactory.build().ethnicity,
        occupation="farmer",
        listed_on=datetime.date(2024, 1, 10),
    )
    services.step_record(
        actor=users.secretary_a1,
        candidate=person,
        kind=StepKind.COURSE,
        course_certificate_no="7-GCN",
        course_date=datetime.date(2024, 5, 20),
    )
    history = list(person.history.order_by("history_id"))
    assert [(h.history_type, h.history_user) for h in history] == [("+", users.staff_a), ("~", users.secretary_a1)]
    assert history[1].course_certificate_no == "7-GCN" and history[0].course_certificate_no == ""

    client.force_login(users.staff_a)
    response = client.get(reverse("recruitment:candidate_detail", args=[person.pk]))
    page = response.content.decode()
    assert "Lịch sử thay đổi" in page
    change = response.context["history"][0]  # newest first
    assert change.user == users.secretary_a1
    assert [(c.label, c.old, c.new) for c in change.changes] == [
        ("Số giấy chứng nhận bồi dưỡng", "—", "7-GCN"),
        ("Ngày cấp giấy chứng nhận bồi dưỡng", "—", "20/05/2024"),
    ]
    created = response.context["history"][1]
    assert ("Giới tính", "—", "Nam") in [(c.label, c.old, c.new) for c in created.changes]  # display values
    assert ("Chi bộ", "—", tree.cell_a1.name) in [(c.label, c.old, c.new) for c in created.changes]


def test_a_page_edit_is_attributed_to_the_user_through_the_middleware(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, full_name="Tên Cũ")
    client.force_login(users.staff_a)
    url = reverse("recruitment:profile_update", args=[person.pk])
    data = _form_data(client.get(url).context["form"])
    data.update(full_name="Tên Mới", date_of_birth="15/03/1995", cell=tree.cell_a1.pk)
    assert client.post(url, data).status_code == 302
    latest = person.history.latest()
    assert latest.history_user == users.staff_a and latest.full_name == "Tên Mới"


def test_a_stale_profile_form_is_refused_with_what_changed(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn Gốc")
    client.force_login(users.staff_a)
    url = reverse("recruitment:profile_update", args=[person.pk])
    data = _form_data(client.get(url).context["form"])
    # Meanwhile the province's staff correct the name.
    services.candidate_update_profile(
        actor=users.province_staff, candidate=Candidate.objects.get(pk=person.pk), full_name="Nguyễn Văn Đúng"
    )
    data.update(full_name="Nguyễn Văn Của Tôi", date_of_birth="15/03/1995", cell=tree.cell_a1.pk)
    response = client.post(url, data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "đã được người khác sửa" in errors
    assert "Họ và tên: đã lưu “Nguyễn Văn Đúng”, bạn nhập “Nguyễn Văn Của Tôi”" in errors
    assert "Nguyễn Văn Đúng" in response.content.decode()
    assert Candidate.objects.get(pk=person.pk).full_name == "Nguyễn Văn Đúng"  # nothing overwritten
    # The form now carries the current version: saving again, having read the message, is deliberate.
    data["version"] = response.context["form"]["version"].value()
    assert client.post(url, data).status_code == 302
    assert Candidate.objects.get(pk=person.pk).full_name == "Nguyễn Văn Của Tôi"


def test_a_stale_step_form_is_refused(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, **admitted_fields(DAY))
    client.force_login(users.staff_a)
    url = reverse("recruitment:step_record", args=[person.pk, StepKind.DECISION])
    data = _form_data(client.get(url).context["form"])
    data.update(decision_date="03/03/2025", decision_no="999-QĐ/HU")
    other = Candidate.objects.get(pk=person.pk)
    services.step_record(
        actor=users.province_staff,
        candidate=other,
        kind=StepKind.DECISION,
        decision_no="102-QĐ/HU",
        decision_date=DAY,
        decision_issuer=other.decision_issuer,
    )
    response = client.post(url, data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Số quyết định kết nạp: đã lưu “102-QĐ/HU”, bạn nhập “999-QĐ/HU”" in errors
    assert Candidate.objects.get(pk=person.pk).decision_no == "102-QĐ/HU"


def test_the_service_checks_the_version_atomically(tree, users):
    person = CandidateFactory(cell=tree.cell_a1)
    first, second = Candidate.objects.get(pk=person.pk), Candidate.objects.get(pk=person.pk)
    services.candidate_update_profile(actor=users.staff_a, candidate=first, full_name="Người Thứ Nhất")
    with pytest.raises(StaleEdit) as refused:
        services.candidate_update_profile(actor=users.staff_a, candidate=second, full_name="Người Thứ Hai")
    assert isinstance(refused.value, ValidationError)
    person.refresh_from_db()
    assert person.full_name == "Người Thứ Nhất" and person.version == 2


def test_the_admin_refuses_a_stale_save(admin_client, tree):
    person = CandidateFactory(cell=tree.cell_a1, full_name="Trong Admin")
    url = reverse("admin:recruitment_candidate_change", args=[person.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(date_of_birth="1995-03-15", listed_on="2024-01-10", full_name="Sửa Trong Admin")
    Candidate.objects.filter(pk=person.pk).update(version=5, full_name="Người Khác Sửa")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "đã được người khác sửa" in response.content.decode()
    assert Candidate.objects.get(pk=person.pk).full_name == "Người Khác Sửa"


def test_the_import_leaves_history_by_its_author(tree, users, workbook):
    known = CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn An", date_of_birth=datetime.date(1995, 3, 15))
    path = workbook(
        {
            "Quần chúng": [person(**{"Đoàn viên": "x"}), admitted_person(citizen_id="012096004999")],
            "Chỉ tiêu": [("A1", 2025, 9)],
        }
    )
    result = import_workbook(path, actor=users.staff_a, change_reason="Nhập dữ liệu #7: book.xlsx")
    assert result.ok, [str(e) for e in result.errors]
    updated = known.history.latest()
    assert updated.history_type == "~" and updated.youth_union_member
    assert updated.history_user == users.staff_a and updated.history_change_reason == "Nhập dữ liệu #7: book.xlsx"
    new = Candidate.objects.get(citizen_id="012096004999")
    assert [(h.history_type, h.history_user) for h in new.history.all()] == [("+", users.staff_a)]
    assert known.__class__.objects.get(pk=known.pk).version == 2  # open forms are now stale
    from units.models import Target

    assert Target.history.filter(unit=tree.org_a, admissions=9, history_user=users.staff_a).exists()


def test_an_import_through_the_browser_is_named_in_the_history_and_the_feed(client, tree, users, workbook):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(users.staff_a)
    path = workbook({"Quần chúng": [person()]})
    client.post(reverse("imports:start"), {"file": SimpleUploadedFile("ds.xlsx", path.read_bytes())})
    record = WorkbookImport.objects.get()
    client.post(reverse("imports:confirm", args=[record.pk]))
    created = Candidate.objects.get().history.get()
    assert created.history_change_reason == f"Nhập dữ liệu #{record.pk}: ds.xlsx"
    feed = client.get(reverse("dashboard:unit_history", args=[tree.committee_a.pk]))
    entries = feed.context["page"].entries
    assert entries[0].is_import and entries[0].url == reverse("imports:detail", args=[record.pk])
    assert any(getattr(e, "record", None) == created for e in entries)
    # Another staff member of the same committee sees the import, without a link to its page.
    from tests.factories import make_user

    client.force_login(make_user(tree.committee_a))
    entries = client.get(reverse("dashboard:unit_history", args=[tree.committee_a.pk])).context["page"].entries
    assert entries[0].is_import and entries[0].url == ""


def test_a_re_import_writes_no_history_for_unchanged_rows(tree, users, workbook):
    path = workbook(
        {
            "Đơn vị": [("A1-1", "Chi bộ thôn 1", "Chi bộ", "A1", "", 30)],
            "Chỉ tiêu": [("A1", 2025, 9)],
            "Quần chúng": [person()],
        }
    )
    assert import_workbook(path, actor=users.staff_a).ok
    from units.models import Headcount, Target

    counts = (Candidate.history.count(), Target.history.count(), Headcount.history.count())
    assert counts == (1, 1, 1)
    result = import_workbook(path, actor=users.staff_a)
    assert result.ok and (Candidate.history.count(), Target.history.count(), Headcount.history.count()) == counts


def test_citizen_ids_show_only_their_last_digits_in_the_history(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1)
    services.candidate_update_profile(actor=users.staff_a, candidate=person, citizen_id="012096004321")
    client.force_login(users.staff_a)
    response = client.get(reverse("recruitment:candidate_detail", args=[person.pk]))
    change = response.context["history"][0]
    assert [(c.label, c.old, c.new) for c in change.changes] == [("Số CCCD", "—", "••••4321")]
    feed = client.get(reverse("dashboard:unit_history", args=[tree.committee_a.pk])).content.decode()
    assert "••••4321" in feed and "012096004321" not in feed
