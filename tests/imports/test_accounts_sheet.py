"""The sheet "Tài khoản": accounts through the same service as the browser, row errors, all or nothing,
and the temporary passwords shown once, from the batch the import links to."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from recruitment.importing import import_workbook
from recruitment.importing.template import build_template
from recruitment.importing.workbook import ACCOUNTS
from recruitment.models import Candidate, WorkbookImport
from tests.factories import make_user
from units.models import AccountBatch, Role, Unit, User

from .conftest import person

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [column.header for column in ACCOUNTS.columns]


def accounts_sheet(*rows):
    return {"headers": HEADERS, "rows": list(rows)}


def test_the_sheet_creates_secretaries_with_history_and_no_password(tree, users, workbook):
    path = workbook(
        {
            "Tài khoản": accounts_sheet(
                ("A1-1", "Lò Văn Một", "", ""),
                (" A1-2 ", "Quàng Thị Hai", "bt_hai", "bi thu chi bo"),
                ("A1", "Điêu Văn Ba", "lanhdao_a1", "Lãnh đạo cấp ủy"),
            )
        }
    )
    result = import_workbook(path, actor=users.staff_a, file_name="tk.xlsx")
    assert result.ok, [str(e) for e in result.errors]
    assert result.counts["accounts_created"] == 3
    one, two, three = (User.objects.get(username=name) for name in ("bithu_a1-1", "bt_hai", "lanhdao_a1"))
    assert (one.unit, one.role, one.get_full_name()) == (tree.cell_a1, Role.SECRETARY, "Lò Văn Một")
    assert (two.unit, three.role) == (tree.cell_a2, Role.LEADERSHIP)
    for account in (one, two, three):
        assert account.must_change_password and not account.has_usable_password()
        created = account.history.get()
        assert created.history_user == users.staff_a and "tk.xlsx" in created.history_change_reason
    batch = AccountBatch.objects.get(pk=result.preview["account_batch"])
    assert set(batch.accounts.all()) == {one, two, three}
    rows = {row["row"]: row for row in result.preview["sheets"][0]["rows"]}
    assert rows[2]["kind"] == "created" and rows[2]["label"] == "bithu_a1-1 · A1-1"


def test_a_dry_run_writes_no_account(tree, users, workbook):
    path = workbook({"Tài khoản": accounts_sheet(("A1-1", "Một", "", ""))})
    result = import_workbook(path, actor=users.staff_a, dry_run=True)
    assert result.ok and result.counts["accounts_created"] == 1
    assert "account_batch" not in result.preview
    assert not User.objects.filter(username="bithu_a1-1").exists() and not AccountBatch.objects.exists()


def test_bad_rows_are_named_and_the_whole_file_is_refused(tree, users, workbook):
    make_user(tree.cell_a2, Role.SECRETARY, "taken")
    path = workbook(
        {
            "Quần chúng": [person()],
            "Tài khoản": accounts_sheet(
                ("A1-1", "Đúng", "", ""),
                ("B1-1", "Ngoài phạm vi", "", ""),
                ("A1-2", "Trùng", "taken", ""),
                ("A1-2", "", "", "Cán bộ Ban Tổ chức"),
                ("A1-2", "", "", "Chủ tịch"),
                ("", "Thiếu mã", "", ""),
            ),
        }
    )
    before = User.objects.count()
    result = import_workbook(path, actor=users.staff_a)
    errors = {(e.sheet, e.row, e.column): e.message for e in result.errors}
    assert errors[("Tài khoản", 3, "Mã đơn vị")] == "Không có đơn vị nào mang mã này."  # outside = unknown
    assert errors[("Tài khoản", 4, "Tên đăng nhập")] == "Tên đăng nhập này đã có người dùng."
    assert ("Tài khoản", 5, "Vai trò") not in errors  # staff of a cell: a lower unit, within the ceiling
    assert errors[("Tài khoản", 6, "Vai trò")].startswith("Không nằm trong danh sách")
    assert errors[("Tài khoản", 7, "Mã đơn vị")] == "Cột này là bắt buộc."
    assert not result.written
    assert User.objects.count() == before and not Candidate.objects.exists()
    assert tree.cell_b1.name not in " ".join(str(e) for e in result.errors)


def test_accounts_for_cells_created_by_the_same_file(tree, users, workbook):
    path = workbook(
        {
            "Đơn vị": [("A1-9", "Chi bộ thôn 9", "Chi bộ", "A1", "", None)],
            "Tài khoản": accounts_sheet(("A1-9", "Bí Thư Mới", "", "")),
        }
    )
    result = import_workbook(path, actor=users.staff_a)
    assert result.ok, [str(e) for e in result.errors]
    assert User.objects.get(username="bithu_a1-9").unit == Unit.objects.get(code="A1-9")


def test_the_template_has_the_sheet_and_its_role_list(db):
    book = load_workbook(io.BytesIO(build_template()))
    assert "Tài khoản" in book.sheetnames
    assert [cell.value for cell in book["Tài khoản"][1]] == HEADERS


def test_in_the_browser_the_done_import_links_to_the_passwords_shown_once(client, tree, users, workbook):
    client.force_login(users.staff_a)
    path = workbook({"Tài khoản": accounts_sheet(("A1-1", "Lò Văn Một", "", ""), ("A1-2", "Hai", "", ""))})
    client.post(reverse("imports:start"), {"file": SimpleUploadedFile("tk.xlsx", path.read_bytes(), content_type=XLSX)})
    record = WorkbookImport.objects.get()
    preview = client.get(reverse("imports:detail", args=[record.pk])).content.decode()
    assert "Tài khoản tạo mới" in preview and 'data-testid="account-batch"' not in preview
    client.post(reverse("imports:confirm", args=[record.pk]))
    record.refresh_from_db()
    page = client.get(reverse("imports:detail", args=[record.pk])).content.decode()
    batch_url = reverse("accounts:batch", args=[record.preview["account_batch"]])
    assert batch_url in page
    download = client.post(reverse("accounts:batch_download", args=[record.preview["account_batch"]]))
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))[1:]
    assert {row[3] for row in rows} == {"bithu_a1-1", "bithu_a1-2"}
    for row in rows:
        assert User.objects.get(username=row[3]).check_password(row[4])
        assert row[4] not in str(record.preview) and row[4] not in str(WorkbookImport.objects.get().counts)
