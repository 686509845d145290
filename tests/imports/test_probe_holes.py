"""Holes a security probe found in the import, each pinned by a test that failed before its fix."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from recruitment.importing import import_workbook, importer, runs
from recruitment.importing.workbook import read_workbook
from recruitment.models import Candidate, Ethnicity, ImportStatus, Religion, WorkbookImport
from units.models import Target, Term, Unit

from .conftest import person

pytestmark = pytest.mark.django_db

ID_IN_B = "001095009876"
ID_NOWHERE = "079088009876"  # the same last four digits: the masked preview shows them alike


def _messages(result):
    return [str(error) for error in result.errors]


@pytest.fixture
def person_in_b(tree, workbook):
    result = import_workbook(
        workbook({"Quần chúng": [person("B1-1", "Nguyễn Thị Bê", gender="Nữ", **{"Số CCCD": ID_IN_B})]})
    )
    assert result.ok, _messages(result)
    return Candidate.objects.get(citizen_id=ID_IN_B)


# --- 1. outside the scope reads exactly as unknown ---


def _probe_file(workbook, *, unit_code, cell_code, citizen_id):
    return workbook(
        {
            "Đơn vị": [
                ("A9", "Đảng bộ xã Mới", "Đảng bộ cơ sở", unit_code, "Xã, phường, thị trấn", None),
            ],
            "Chỉ tiêu": [(unit_code, 2025, 3)],
            "Quần chúng": [
                person(cell_code, "Lê Văn Dò"),
                person("A1-1", "Nguyễn Thị Bê", gender="Nữ", **{"Số CCCD": citizen_id}),
            ],
        }
    )


def test_codes_and_citizen_ids_outside_the_scope_read_exactly_as_unknown(users, person_in_b, workbook):
    before = person_in_b.version
    outside = import_workbook(
        _probe_file(workbook, unit_code="B1", cell_code="B1-1", citizen_id=ID_IN_B), actor=users.staff_a, dry_run=True
    )
    nowhere = import_workbook(
        _probe_file(workbook, unit_code="ZZ", cell_code="ZZ-1", citizen_id=ID_NOWHERE),
        actor=users.staff_a,
        dry_run=True,
    )
    # byte for byte, once the codes typed are swapped: the errors, and every row of the preview
    as_read = lambda result: json.dumps(  # noqa: E731
        [[e.as_dict() for e in result.errors], result.preview, result.counts], ensure_ascii=False, sort_keys=True
    )
    assert as_read(outside) == as_read(nowhere).replace("ZZ-1", "B1-1").replace('"ZZ"', '"B1"').replace("“ZZ”", "“B1”")
    assert "ZZ" not in as_read(outside) and len(outside.errors) == 3
    assert not any("phạm vi" in message for message in _messages(outside))
    # the person in B is neither matched nor reported: the row reads as a new person, as with an unknown ID
    people = [s for s in outside.preview["sheets"] if s["key"] == "people"][0]
    assert [row["kind"] for row in people["rows"]] == ["error", "created"]
    person_in_b.refresh_from_db()
    assert person_in_b.version == before and person_in_b.cell.code == "B1-1"


def test_a_citizen_id_outside_the_scope_is_refused_without_saying_so(users, person_in_b, workbook):
    path = workbook({"Quần chúng": [person("A1-1", "Nguyễn Thị Bê", gender="Nữ", **{"Số CCCD": ID_IN_B})]})
    result = import_workbook(path, actor=users.staff_a)
    assert not result.written
    text = " ".join(_messages(result))
    for leak in ("phạm vi", "citizen_id", "UNIQUE", "unique", "duplicate", "B1-1", ID_IN_B, "9876"):
        assert leak not in text
    person_in_b.refresh_from_db()
    assert person_in_b.cell.code == "B1-1" and Candidate.objects.count() == 1


# --- 2. a province-wide term is not created by a committee's staff ---


def test_a_committees_staff_cannot_create_a_term(users, workbook):
    result = import_workbook(workbook({"Chỉ tiêu": [("A", 2025, 3), ("A", "1990-1995", 40)]}), actor=users.staff_a)
    assert not result.written
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("Chỉ tiêu", 3, "Kỳ")]
    assert "nhiệm kỳ" in result.errors[0].message.lower()
    assert not Term.objects.exists() and not Target.objects.exists()


@pytest.mark.parametrize("who", ["province_staff", "superuser"])
def test_province_staff_and_superusers_create_terms(users, workbook, who):
    actor = users.province_staff
    if who == "superuser":  # a committee's account, made superuser
        actor = users.staff_a
        actor.is_superuser = True
        actor.save()
    result = import_workbook(workbook({"Chỉ tiêu": [("A", "1990-1995", 40)]}), actor=actor)
    assert result.ok, _messages(result)
    assert Term.objects.filter(start_year=1990, end_year=1995).exists()


# --- 3. the template's text stays text ---


def test_reference_names_like_formulas_stay_text_in_the_template(client, users):
    formula = '=HYPERLINK("http://x","y")'
    Ethnicity.objects.create(name=formula, key="probe-ethnicity")
    Religion.objects.create(name=formula + " ", key="probe-religion")
    client.force_login(users.staff_a)
    response = client.get(reverse("imports:template"))
    book = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    found = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith("=HYPERLINK")]
    assert len(found) == 2
    assert all(cell.data_type == "s" for cell in found)
    assert not [cell for cell in cells if cell.data_type == "f"]


# --- 4. characters XML cannot hold are refused at the import ---


@pytest.mark.parametrize("bad", ["\uffff", "\ufffe", "\x01", "\x0b", "\ud800"])
def test_cells_with_characters_xml_cannot_hold_are_refused(users, workbook, monkeypatch, bad):
    path = workbook({"Quần chúng": [person(), person(name="Hai")]})
    sheets = read_workbook(path)
    number, row = sheets["people"].rows[1]
    row["full_name"] = f"Trần{bad}Hai"
    monkeypatch.setattr(importer, "read_workbook", lambda *args, **kwargs: sheets)
    result = import_workbook(path, actor=users.staff_a)
    assert not result.written and not Candidate.objects.exists()
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("Quần chúng", number, "Họ và tên")]
    assert "ký tự" in result.errors[0].message
    str(result.errors[0])  # printable


# --- 5. a run interrupted by a restart ---


def _dead_worker():
    """A worker of this machine whose process has ended."""
    import subprocess

    from units.jobs import worker_name

    ended = subprocess.Popen(["sleep", "5"])
    name = worker_name(ended.pid)  # while it runs
    ended.kill()
    ended.wait()
    return name


def _stale_record(user, tmp_path, status=ImportStatus.IMPORTING, worker=None):
    """A run taken by a worker that was killed (by default: a process of this machine that has ended)."""
    stored = Path(tmp_path) / "stale.xlsx"
    stored.write_bytes(b"PK")
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    record = WorkbookImport.objects.create(
        user=user,
        file_name="cu.xlsx",
        stored_path=str(stored),
        status=status,
        progress=40,
        checked_at=long_ago,
        step="import" if status == ImportStatus.IMPORTING else "check",
        worker=worker or _dead_worker(),
        heartbeat_at=long_ago,
    )
    WorkbookImport.objects.filter(pk=record.pk).update(created_at=long_ago)
    return WorkbookImport.objects.get(pk=record.pk), stored


@pytest.mark.parametrize("status", [ImportStatus.IMPORTING, ImportStatus.CHECKING])
def test_a_run_interrupted_by_a_restart_is_shown_failed_and_can_be_discarded(client, users, tmp_path, status):
    record, stored = _stale_record(users.staff_a, tmp_path, status)
    client.force_login(users.staff_a)
    page = client.get(reverse("imports:detail", args=[record.pk])).content.decode()
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and not record.is_running
    assert "Nhập thất bại" in page and "import-progress" not in page
    status_json = client.get(reverse("imports:status", args=[record.pk])).json()
    assert status_json["running"] is False and status_json["status"] == "failed"
    client.post(reverse("imports:discard", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == ImportStatus.CANCELLED and record.stored_path == ""
    assert not stored.exists()


def test_a_run_on_another_machine_is_stale_only_after_its_silence(users, tmp_path, settings):
    record, stored = _stale_record(users.staff_a, tmp_path, worker="may-khac:b00t:1:4242:99")
    record.heartbeat_at = timezone.now()
    record.save()
    assert runs.fail_if_stale(record) is False
    record.refresh_from_db()
    assert record.status == ImportStatus.IMPORTING and stored.exists()
    settings.JOB_STALE_AFTER = 0
    assert runs.fail_if_stale(record) is True
    assert stored.exists()  # kept for a retry


def test_a_run_whose_worker_here_has_ended_is_stale_at_once(users, tmp_path, settings):
    settings.JOB_STALE_AFTER = 3600
    record, stored = _stale_record(users.staff_a, tmp_path)
    record.heartbeat_at = timezone.now()
    record.save()
    assert runs.fail_if_stale(record) is True
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and record.worker == "" and stored.exists()
    assert runs.can_retry(record)


def test_a_run_whose_worker_here_is_alive_is_never_taken_for_stale(users, tmp_path, settings):
    from units.jobs import worker_name

    settings.JOB_STALE_AFTER = 0
    record, stored = _stale_record(users.staff_a, tmp_path, worker=worker_name())  # this process: alive
    assert runs.fail_if_stale(record) is False
    record.refresh_from_db()
    assert record.status == ImportStatus.IMPORTING


def test_a_finished_import_cannot_be_discarded(client, users, workbook):
    from .test_views import _upload

    client.force_login(users.staff_a)
    _upload(client, workbook({"Quần chúng": [person()]}))
    record = WorkbookImport.objects.get()
    client.post(reverse("imports:confirm", args=[record.pk]))
    client.post(reverse("imports:discard", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE


def test_a_sheet_whose_xml_holds_such_a_character_is_refused_not_a_500(users, workbook, tmp_path):
    import zipfile

    source = workbook({"Quần chúng": [person(name="Trần QQQ Hai")]})
    broken = tmp_path / "hong.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(broken, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            zout.writestr(name, data.replace(b"QQQ", "\uffff".encode("utf-8", "surrogatepass")))
    result = import_workbook(broken, actor=users.staff_a)
    assert not result.written
    assert [(e.sheet, e.row) for e in result.errors] == [("Quần chúng", None)]
    assert "ký tự không hợp lệ" in result.errors[0].message


def test_a_unit_code_used_outside_the_scope_is_refused_without_saying_so(users, workbook):
    row = ("B1", "Đảng bộ xã Trùng", "Đảng bộ cơ sở", "A", "Xã, phường, thị trấn", None)
    result = import_workbook(workbook({"Đơn vị": [row]}), actor=users.staff_a)
    assert not result.written
    text = " ".join(_messages(result))
    for leak in ("phạm vi", "UNIQUE", "unique", "duplicate", "units_unit", "B1"):
        assert leak not in text
    assert Unit.objects.get(code="B1").name == "Đảng bộ phường B1"
