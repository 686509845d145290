"""Staff create a cell secretary's account; the secretary signs in with the temporary password and must
change it before anything else. Screenshots at 1280 and 390 px of the account pages."""

import re

import pytest
from playwright.sync_api import expect

from units.models import User

from .conftest import SCREENSHOTS
from .test_pipeline_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844}))


def snap(page, name):
    """The page as it is (no reload: some pages answer a POST and show a password once)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for suffix, viewport in WIDTHS:
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size(WIDTHS[0][1])


def test_staff_create_a_secretary_who_must_change_the_password(page, tree, users):
    log_in(page, "tochuc_a")
    page.get_by_role("link", name="Tài khoản").first.click()
    expect(page.get_by_test_id("account-table")).to_contain_text("bithu_a1")
    snap(page, "accounts-list")

    page.get_by_test_id("create-account").click()
    page.fill("#id_unit", "A1-2")
    page.select_option("#id_role", "secretary")
    page.fill("#id_full_name", "Quàng Thị Hoa")
    page.fill("#id_username", "bithu_hoa")
    page.get_by_role("button", name="Tạo tài khoản").click()
    password = page.get_by_test_id("temporary-password").inner_text().strip()
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
    snap(page, "account-created")
    page.get_by_role("link", name="Đã ghi lại, tiếp tục").click()
    expect(page.get_by_test_id("username")).to_have_text("bithu_hoa")
    expect(page.locator("#history")).to_contain_text("Tạo tài khoản")
    expect(page.locator("body")).not_to_contain_text(password)  # shown once, never again
    snap(page, "account-detail")
    page.get_by_role("button", name="Đăng xuất").click()

    # The secretary signs in with it and is sent to change it, whatever page they ask for.
    page.goto(page.base_url + "/dang-nhap/")
    page.fill("#id_username", "bithu_hoa")
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    expect(page.get_by_test_id("must-change")).to_be_visible()
    page.goto(page.base_url + "/quan-chung/")
    expect(page.get_by_test_id("must-change")).to_be_visible()
    assert "/tai-khoan/doi-mat-khau/" in page.url
    snap(page, "password-change-forced")
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", "Chi-bo-thon-2-2026")
    page.fill("#id_new_password2", "Chi-bo-thon-2-2026")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã đổi mật khẩu.")
    assert page.url.rstrip("/").endswith("/quan-chung")  # back where they were going
    account = User.objects.get(username="bithu_hoa")
    assert not account.must_change_password and account.last_login is not None

    # Staff see the last sign-in in the list.
    page.get_by_role("button", name="Đăng xuất").click()
    log_in(page, "tochuc_a")
    page.goto(page.base_url + "/tai-khoan/?q=hoa")
    row = page.get_by_test_id("account-table").locator("tbody tr").first
    expect(row).to_contain_text("bithu_hoa")
    expect(row).to_contain_text("Đang dùng")
    expect(row).not_to_contain_text("Chưa đăng nhập")


def test_staff_paste_a_list_of_cells_and_download_the_passwords_once(page, tree, users, tmp_path):
    from openpyxl import load_workbook

    log_in(page, "tochuc_a")
    page.goto(page.base_url + "/tai-khoan/them-nhieu/")
    page.fill("#id_lines", "A1-1\tLò Văn Một\nB1-1\tNgoài Phạm Vi\n")
    page.get_by_role("button", name="Tạo các tài khoản").click()
    expect(page.get_by_test_id("bulk-problems")).to_contain_text("Dòng 2, mã chi bộ “B1-1”")
    assert not User.objects.filter(username="bithu_a1-1").exists()  # all or nothing
    page.fill("#id_lines", "A1-1\tLò Văn Một\nA1-2\tQuàng Thị Hai\n")
    page.get_by_role("button", name="Tạo các tài khoản").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã tạo 2 tài khoản")
    snap(page, "accounts-batch")
    with page.expect_download() as download:
        page.get_by_test_id("batch-download").click()
    path = tmp_path / "tai-khoan.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))[1:]
    assert [row[3] for row in rows] == ["bithu_a1-1", "bithu_a1-2"]
    for row in rows:
        assert User.objects.get(username=row[3]).check_password(row[4])
