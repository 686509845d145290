"""Staff of the committee above walk a consolidation and a split in a real browser: choose the event,
see what moves, confirm; the reports of the period before keep the old tree."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.factories import CandidateFactory, admitted_fields
from units.models import ReorgEvent, Unit

from .conftest import DESKTOP, SCREENSHOTS
from .test_pipeline_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The phone width the brief asks for (an iPhone 12-14's 390 CSS pixels).
PHONE = {"width": 390, "height": 844}


def shoot(page, name):
    """The page as it is now (a preview is not reloaded) at 1280 and 390 px, full length."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for suffix, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def open_reorganisation(page, tree):
    page.goto(page.base_url + f"/don-vi/{tree.province.pk}/")
    page.get_by_test_id("reorg-link").click()
    expect(page.locator("h1")).to_contain_text("Sắp xếp tổ chức")


def fill_decision(page, kind, number):
    page.select_option("#id_kind", kind)
    page.fill("#id_effective_date", "01/07/2025")
    page.fill("#id_decision_no", number)


def test_staff_consolidate_two_committees_with_a_preview(page, tree, users):
    CandidateFactory(cell=tree.cell_a1, full_name="Lò Văn Một", **admitted_fields(datetime.date(2024, 5, 6)))
    CandidateFactory(cell=tree.cell_b1, full_name="Lò Văn Hai", **admitted_fields(datetime.date(2024, 6, 6)))
    log_in(page, "tochuc")
    open_reorganisation(page, tree)
    fill_decision(page, "consolidate", "1234-QĐ/TU")
    page.fill("#id_codes", "A, B")
    page.fill("#id_new_code", "C")
    page.fill("#id_new_name", "Đảng bộ huyện C")
    page.fill("#id_parent_code", "P")
    page.select_option("#id_unit_kind", "committee")
    page.get_by_role("button", name="Xem trước").click()

    preview = page.get_by_test_id("reorg-preview")
    expect(preview).to_contain_text("Hợp nhất theo quyết định 1234-QĐ/TU")
    expect(page.get_by_test_id("reorg-moves")).to_contain_text("Đảng bộ xã A1")
    expect(page.get_by_test_id("reorg-moves")).to_contain_text("Đảng bộ phường B1")
    assert not Unit.objects.filter(code="C").exists()  # nothing written before confirming
    shoot(page, "reorganisation-consolidation-preview")

    page.get_by_role("button", name="Xác nhận sắp xếp").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã ghi hợp nhất theo quyết định 1234-QĐ/TU")
    expect(page.get_by_test_id("reorg-events")).to_contain_text("1234-QĐ/TU")
    assert Unit.objects.get(code="A").successor.code == "C"

    # 2024 by the tree of 31/12/2024: the two district committees, as the return was sent
    page.goto(page.base_url + "/bao-cao/P/tien-do/?year=2024")
    expect(page.get_by_test_id("tree-date")).to_contain_text("Tính theo cây tổ chức ngày 31/12/2024")
    expect(page.get_by_test_id("progress-table")).to_contain_text("Đảng bộ huyện A")
    expect(page.get_by_test_id("progress-table")).not_to_contain_text("Đảng bộ huyện C")
    shoot(page, "reorganisation-report-2024")
    # ... and compared with today's tree: the consolidated committee
    page.get_by_role("link", name="So sánh theo cây tổ chức hiện nay").click()
    expect(page.get_by_test_id("tree-date")).to_contain_text("Tính theo cây tổ chức hiện nay")
    expect(page.get_by_test_id("progress-table")).to_contain_text("Đảng bộ huyện C")


def test_staff_split_a_committee_in_one_action(page, tree, users):
    log_in(page, "tochuc")
    open_reorganisation(page, tree)
    fill_decision(page, "split", "77-QĐ/TU")
    page.fill("#id_codes", "B")
    page.fill("#id_parts", "B-N; Đảng bộ phường Mới; B1\nA; ; B2")
    page.get_by_role("button", name="Xem trước").click()
    moves = page.get_by_test_id("reorg-moves")
    expect(moves).to_contain_text("Đảng bộ phường B1")
    expect(moves).to_contain_text("Đảng bộ phường Mới")
    expect(page.get_by_test_id("reorg-preview")).to_contain_text("Đảng bộ huyện B")
    shoot(page, "reorganisation-split-preview")
    page.get_by_role("button", name="Xác nhận sắp xếp").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã ghi chia tách")
    assert ReorgEvent.objects.get().kind == "split"
    assert Unit.objects.get(code="B").ended_on == datetime.date(2025, 7, 1)
    shoot(page, "reorganisation-events")
