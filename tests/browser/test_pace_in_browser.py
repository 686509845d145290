"""Issue 14 in Chromium: the "will miss the year" list (screenshots at 1280 and 390 px), the running
total of the targets handed down, the progress table inside its card, the searchable cell list, and
the confirmation before closing a quarter."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.factories import CandidateFactory, admitted_fields, make_unit
from units.models import ClosedQuarter
from units.services import target_set

from .conftest import SCREENSHOTS
from .test_pipeline_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for suffix, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.reload()
        # Nothing wider than the screen: the page never scrolls sideways (tables scroll in their box).
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], suffix
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size(WIDTHS["desktop"])


def test_the_will_miss_the_year_list_from_the_home_page(page, tree, users):
    today = datetime.date.today()
    decided = datetime.date(today.year, 1, 15) if today >= datetime.date(today.year, 1, 16) else today
    for index in range(2):
        CandidateFactory(cell=tree.cell_a1, full_name=f"Lò Văn Sớm {index}", **admitted_fields(decided))
    target_set(unit=tree.province, admissions=60, year=today.year)
    target_set(unit=tree.committee_a, admissions=40, year=today.year)
    target_set(unit=tree.committee_b, admissions=12, year=today.year)
    log_in(page, "lanhdao")
    flag = page.locator("#will-miss")
    expect(flag).to_contain_text("dự kiến không đạt chỉ tiêu năm")
    flag.get_by_role("link", name="Xem đơn vị dự kiến không đạt").click()
    table = page.get_by_test_id("outlook-table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    # The largest shortfall first: the province, then A (40), then B (12).
    expect(rows.nth(0)).to_have_attribute("data-unit", "P")
    expect(rows.nth(1)).to_have_attribute("data-unit", "A")
    expect(rows.nth(2)).to_have_attribute("data-unit", "B")
    expect(table.locator("thead")).to_contain_text("Cần mỗi tháng")
    shoot(page, "will-miss-the-year")
    rows.nth(1).get_by_role("link").click()  # drill down to A's own list
    expect(page.locator("h1")).to_contain_text("Dự kiến không đạt chỉ tiêu năm")
    expect(page.locator(".breadcrumb")).to_contain_text("Đảng bộ tỉnh Thử")


def test_the_running_total_of_targets_adds_only_the_targets(page, tree, users):
    year = datetime.date.today().year
    target_set(unit=tree.province, admissions=120, year=year)
    target_set(unit=tree.committee_a, admissions=60, year=year)
    target_set(unit=tree.committee_b, admissions=46, year=year)
    for _ in range(3):  # versions above 1 made the old total wrong by their sum
        target_set(unit=tree.committee_a, admissions=60 + _ % 2, year=year)
    target_set(unit=tree.committee_a, admissions=60, year=year)
    log_in(page, "tochuc")
    page.goto(page.base_url + f"/don-vi/{tree.province.pk}/chi-tieu/?nam={year}")
    total = page.locator("#targets-sum")
    expect(total.locator("strong")).to_have_text("106")  # not 106 + the hidden versions
    expect(total).to_contain_text("thấp hơn chỉ tiêu của đơn vị")
    page.fill(f"#id_unit_{tree.committee_b.pk}", "60")
    expect(total.locator("strong")).to_have_text("120")
    expect(total.locator("span")).to_have_text("")
    page.fill(f"#id_unit_{tree.committee_b.pk}", "40")
    page.get_by_role("button", name="Lưu chỉ tiêu").click()
    expect(page.locator("#shortfall")).to_be_visible()
    expect(page.locator(".alert-warning")).to_have_count(1)  # the warning once, not twice


def test_the_progress_table_stays_inside_its_card_at_1280(page, tree, users):
    year = datetime.date.today().year
    for index in range(6):
        make_unit(tree.province, code=f"HUYEN-DAI-{index}", name=f"Đảng bộ huyện có tên rất dài số {index} miền núi")
    target_set(unit=tree.committee_a, admissions=10, year=year)
    log_in(page, "tochuc")
    for url in ("/", f"/bao-cao/P/tien-do/?year={year}"):
        page.goto(page.base_url + url)
        table = page.locator("table").first
        box = table.locator("xpath=ancestor::div[contains(@class,'table-responsive')][1]")
        card = table.locator("xpath=ancestor::*[contains(@class,'card') or self::main][1]")
        inner, outer = box.bounding_box(), card.bounding_box()
        assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1, url
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, url


def test_choosing_a_cell_by_name_or_code_in_a_long_grouped_list(page, tree, users):
    cells = {}
    for index in range(12):
        org = make_unit(tree.committee_a, code=f"X{index}", name=f"Đảng bộ xã {index}")
        cells[index] = make_unit(org, code=f"X{index}-1", name="Chi bộ thôn 1")
    log_in(page, "tochuc")
    page.goto(page.base_url + "/quan-chung/them/")
    select = page.locator("#id_cell")
    expect(select.locator("optgroup")).not_to_have_count(0)
    expect(select.locator('optgroup[label="Đảng bộ xã 7 · X7"] option')).to_have_text(["Chi bộ thôn 1 · X7-1"])
    search = page.locator('input[data-search-for="id_cell"]')
    search.fill("x7-1")  # the code alone finds the one cell and chooses it
    expect(select).to_have_value(str(cells[7].pk))
    search.fill("thon 1")  # without diacritics: every "Chi bộ thôn 1", each under its own commune
    assert select.locator("option:not([hidden])").count() >= 13


def test_closing_a_quarter_asks_first(page, tree, users):
    log_in(page, "tochuc")
    page.goto(page.base_url + f"/don-vi/{tree.committee_a.pk}/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("#close-quarter button").click()
    page.wait_for_timeout(300)
    assert not ClosedQuarter.objects.exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#close-quarter button").click()
    expect(page.locator("#closed-quarters")).to_be_visible()
    assert ClosedQuarter.objects.count() == 1
