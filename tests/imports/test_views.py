"""The browser: upload, preview, confirm, progress; staff only, each user their own imports."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from recruitment.models import Candidate, ImportStatus, WorkbookImport
from tests.factories import make_user
from units.models import Role

from .conftest import person

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(client, path, name=None):
    data = SimpleUploadedFile(name or path.name, path.read_bytes(), content_type=XLSX)
    return client.post(reverse("imports:start"), {"file": data})


def test_upload_preview_then_confirm(client, users, workbook):
    client.force_login(users.staff_a)
    response = _upload(client, workbook({"Quần chúng": [person(), person(name="Hai")]}))
    record = WorkbookImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:detail", args=[record.pk])
    assert record.status == ImportStatus.READY and record.user == users.staff_a
    assert not Candidate.objects.exists()  # the preview wrote nothing
    page = client.get(response.url).content.decode()
    assert "Người tạo mới" in page and "Xác nhận nhập" in page

    response = client.post(reverse("imports:confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE and record.counts["people_created"] == 2
    assert Candidate.objects.count() == 2
    assert record.stored_path == ""  # the classified file does not linger on the server
    # a second confirmation does nothing
    client.post(reverse("imports:confirm", args=[record.pk]))
    assert Candidate.objects.count() == 2


def test_preview_lists_every_error_and_offers_no_confirmation(client, users, workbook):
    client.force_login(users.staff_a)
    _upload(client, workbook({"Quần chúng": [person(**{"Giới tính": "?"}), person("B1-1", name="Hai")]}))
    record = WorkbookImport.objects.get()
    assert record.status == ImportStatus.INVALID and record.error_count == 2
    page = client.get(reverse("imports:detail", args=[record.pk])).content.decode()
    assert "Xác nhận nhập" not in page
    # a cell outside the scope reads as a cell that is nowhere
    assert "Không có chi bộ mã “B1-1”" in page and "ngoài phạm vi" not in page and "Giới tính" in page
    response = client.post(reverse("imports:confirm", args=[record.pk]))
    assert response.status_code == 302 and not Candidate.objects.exists()


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("danh-sach.xls", b"\xd0\xcf\x11\xe0", "không phải tệp Excel .xlsx"),
        ("rong.xlsx", b"", "rỗng"),
    ],
)
def test_bad_files_are_refused_with_a_message(client, users, name, content, fragment):
    client.force_login(users.staff_a)
    response = client.post(reverse("imports:start"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not WorkbookImport.objects.exists()


def test_a_corrupt_xlsx_is_an_invalid_import_not_a_500(client, users):
    client.force_login(users.staff_a)
    response = client.post(reverse("imports:start"), {"file": SimpleUploadedFile("hong.xlsx", b"PK\x03\x04garbage")})
    assert response.status_code == 302
    record = WorkbookImport.objects.get()
    assert record.status == ImportStatus.INVALID
    assert "Excel .xlsx" in client.get(response.url).content.decode()


def test_too_large(client, users, settings, monkeypatch):
    from recruitment.importing import workbook as module

    monkeypatch.setattr(module, "MAX_FILE_SIZE", 10)
    client.force_login(users.staff_a)
    response = client.post(reverse("imports:start"), {"file": SimpleUploadedFile("lon.xlsx", b"PK" + b"x" * 20)})
    assert "quá lớn" in response.content.decode()


def test_status_view_reports_progress(client, users, workbook):
    client.force_login(users.staff_a)
    _upload(client, workbook({"Quần chúng": [person()]}))
    record = WorkbookImport.objects.get()
    data = client.get(reverse("imports:status", args=[record.pk])).json()
    assert data == {"status": "ready", "label": "Sẵn sàng nhập", "running": False, "waiting": False, "progress": 100}


def test_template_download(client, users):
    client.force_login(users.staff_a)
    response = client.get(reverse("imports:template"))
    assert response["Content-Type"] == XLSX
    assert "Quần chúng" in load_workbook(io.BytesIO(response.content)).sheetnames


@pytest.mark.parametrize("who", ["leader", "secretary_a1"])
def test_leadership_and_secretaries_get_403_everywhere(client, users, workbook, who):
    record = WorkbookImport.objects.create(user=users.staff_a, file_name="x.xlsx", status=ImportStatus.READY)
    client.force_login(getattr(users, who))
    for name, args in (("start", []), ("template", []), ("detail", [record.pk]), ("status", [record.pk])):
        assert client.get(reverse(f"imports:{name}", args=args)).status_code == 403
    assert _upload(client, workbook({"Quần chúng": [person()]})).status_code == 403
    assert client.post(reverse("imports:confirm", args=[record.pk])).status_code == 403
    assert WorkbookImport.objects.count() == 1


def test_someone_elses_import_is_a_404(client, users, tree, workbook):
    other = make_user(tree.committee_b, Role.STAFF)
    client.force_login(users.staff_a)
    _upload(client, workbook({"Quần chúng": [person()]}))
    record = WorkbookImport.objects.get()
    client.force_login(other)
    for name in ("detail", "status"):
        assert client.get(reverse(f"imports:{name}", args=[record.pk])).status_code == 404
    assert client.post(reverse("imports:confirm", args=[record.pk])).status_code == 404
    assert not Candidate.objects.exists()
    assert record.file_name not in client.get(reverse("imports:start")).content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("imports:start"))
    assert response.status_code == 302 and "dang-nhap" in response.url


def test_discard(client, users, workbook):
    client.force_login(users.staff_a)
    _upload(client, workbook({"Quần chúng": [person()]}))
    record = WorkbookImport.objects.get()
    client.post(reverse("imports:discard", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == ImportStatus.CANCELLED and record.stored_path == ""
    assert client.post(reverse("imports:confirm", args=[record.pk])).status_code == 302
    assert not Candidate.objects.exists()


def test_confirming_after_losing_the_staff_role_writes_nothing(client, users, workbook):
    client.force_login(users.staff_a)
    _upload(client, workbook({"Quần chúng": [person()]}))
    record = WorkbookImport.objects.get()
    users.staff_a.role = Role.LEADERSHIP
    users.staff_a.save()
    from recruitment.importing import runs

    record.status = ImportStatus.IMPORTING
    record.save()
    runs.execute(record.pk, dry_run=False)
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and "Chỉ cán bộ Ban Tổ chức" in record.errors[0]["message"]
    assert not Candidate.objects.exists()


def test_an_import_whose_account_was_deleted_is_never_run_unrestricted(client, users, workbook):
    client.force_login(users.staff_a)
    _upload(client, workbook({"Quần chúng": [person()]}))
    record = WorkbookImport.objects.get()
    WorkbookImport.objects.filter(pk=record.pk).update(user=None, status=ImportStatus.IMPORTING)
    from recruitment.importing import runs

    runs.execute(record.pk, dry_run=False)
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and not Candidate.objects.exists()


def test_ignored_columns_are_shown(client, users, workbook):
    client.force_login(users.staff_a)
    headers = ["STT", "Mã chi bộ", "Họ và tên", "Ngày sinh", "Giới tính"]
    _upload(client, workbook({"Quần chúng": {"headers": headers, "rows": [(1, "A1-1", "An", "01/01/1990", "Nam")]}}))
    record = WorkbookImport.objects.get()
    assert record.status == ImportStatus.READY
    page = client.get(reverse("imports:detail", args=[record.pk])).content.decode()
    assert "cột “STT” không có trong mẫu, được bỏ qua" in page


def test_the_start_page_describes_the_accepted_conventions(client, users):
    client.force_login(users.staff_a)
    page = client.get(reverse("imports:start")).content.decode()
    assert 'id="import-help"' in page
    for words in ("15/3/2022, 15/03/2022, 15-03-2022", "“Khơ Mú” = “Khơ-mú”", "Số đảng viên ghi được ở mọi cấp"):
        assert words in page, words
