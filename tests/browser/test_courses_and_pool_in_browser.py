"""Awareness courses and the pool review, through the real pages in Chromium, with screenshots of the
course page (1280 and 390 px) and of a secretary's pool review on a phone (390 px)."""

import datetime

import pytest
from playwright.sync_api import expect

from recruitment.models import Candidate, Course, PoolReview
from tests.factories import CandidateFactory

from .conftest import DESKTOP, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"  # tests.factories.make_user
PHONE = {"width": 390, "height": 844}
TODAY = datetime.date.today()


def log_in(page, username):
    page.goto(page.base_url + "/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    expect(page.locator("body")).to_contain_text("Đăng xuất")


def shoot(page, name, sizes):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for suffix, viewport in sizes:
        page.set_viewport_size(viewport)
        page.reload()
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{suffix}.png"), full_page=True)
        # Nothing wider than the screen: the page scrolls down, never sideways.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name} at {viewport['width']} px is {width} px wide"


def test_staff_run_a_course_from_enrolment_to_certificates(page, tree, users):
    listed = TODAY - datetime.timedelta(days=120)
    for name in ("Lò Văn Minh", "Tòng Thị Hoa", "Quàng Văn Sơn"):
        CandidateFactory(cell=tree.cell_a1, full_name=name, listed_on=listed)
    CandidateFactory(cell=tree.cell_a2, full_name="Lường Thị Dung", listed_on=listed)
    CandidateFactory(cell=tree.cell_b1, full_name="Người Huyện Khác", listed_on=listed)
    end = TODAY - datetime.timedelta(days=2)

    log_in(page, "tochuc_a")
    page.get_by_role("button", name="Nguồn").click()
    page.get_by_role("link", name="Các lớp bồi dưỡng nhận thức").click()
    page.get_by_role("link", name="Mở lớp mới").click()
    page.select_option("#id_organiser", label="Đảng bộ huyện A")
    page.fill("#id_number", "03/2026")
    page.fill("#id_start_date", (end - datetime.timedelta(days=4)).strftime("%d/%m/%Y"))
    page.fill("#id_end_date", end.strftime("%d/%m/%Y"))
    page.fill("#id_place", "Trung tâm Chính trị huyện A")
    page.press("#id_place", "Enter")
    expect(page.locator(".alert-success")).to_contain_text("Đã mở lớp 03/2026")

    enrol = page.locator("#enrol")
    expect(enrol).not_to_contain_text("Người Huyện Khác")  # outside the organiser's subtree
    enrol.locator("input[name=q]").fill("A1-1")  # a cell's code
    enrol.locator("input[name=q]").press("Enter")
    expect(enrol).not_to_contain_text("Lường Thị Dung")
    for name in ("Lò Văn Minh", "Tòng Thị Hoa", "Quàng Văn Sơn"):
        enrol.get_by_label(name, exact=False).check()
    enrol.get_by_role("button", name="Ghi danh những người đã chọn").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã ghi danh 3 người")

    roster = page.locator("[data-testid=roster]")
    for name in ("Lò Văn Minh", "Tòng Thị Hoa"):
        roster.get_by_label(f"Tham gia đầy đủ: {name}").check()
        roster.get_by_label(f"Kết quả: {name}").select_option(label="Đạt")
    page.get_by_role("button", name="Lưu điểm danh và kết quả").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu kết quả của 3 học viên")

    issue = page.locator("[data-testid=issue-form]")
    issue.locator("#id_first_number").fill("41")
    issue.locator("#id_suffix").fill("-GCN/TTCT")
    issue.locator("#id_issued_on").fill(end.strftime("%d/%m/%Y"))
    issue.get_by_role("button", name="Cấp giấy chứng nhận").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã cấp 2 giấy chứng nhận, số 41-GCN/TTCT đến 42-GCN/TTCT")
    expect(roster).to_contain_text("số 41-GCN/TTCT")
    assert sorted(Candidate.objects.exclude(course_date=None).values_list("full_name", flat=True)) == [
        "Lò Văn Minh",
        "Tòng Thị Hoa",
    ]
    shoot(page, "course-page", (("desktop", DESKTOP), ("phone", PHONE)))
    page.set_viewport_size(DESKTOP)

    # The secretary of cell A1-1 sees the course, and only their own people on it.
    Course.objects.get()  # one course
    page.context.clear_cookies()
    log_in(page, "bithu_a1")
    page.goto(page.base_url + "/quan-chung/lop-boi-duong/")
    page.get_by_role("link", name="03/2026").click()
    expect(page.locator("[data-testid=roster]")).to_contain_text("Quàng Văn Sơn")
    expect(page.locator("body")).not_to_contain_text("Cấp giấy chứng nhận")


def test_a_secretary_reviews_the_pool_on_a_phone(page, tree, users):
    listed = TODAY - datetime.timedelta(days=60)
    for name in ("Lò Văn Minh", "Tòng Thị Hoa", "Quàng Văn Sơn", "Cầm Thị Lan"):
        CandidateFactory(cell=tree.cell_a1, full_name=name, listed_on=listed)
    page.set_viewport_size(PHONE)
    log_in(page, "bithu_a1")
    page.get_by_role("button", name="Mở menu").click()
    page.get_by_role("button", name="Nguồn").click()
    page.get_by_role("link", name="Rà soát nguồn quý này").click()
    expect(page.locator("h1")).to_contain_text("Rà soát quần chúng ưu tú")
    expect(page.locator("body")).to_contain_text("chưa rà soát quý này")
    son = page.locator("fieldset", has_text="Quàng Văn Sơn")
    reason = son.locator("select")
    expect(reason).to_be_hidden()  # shown only for "leave the pool"
    son.get_by_label("Đưa ra khỏi nguồn").check()
    expect(reason).to_be_visible()
    page.locator("fieldset", has_text="Cầm Thị Lan").get_by_label("Đủ điều kiện, đề nghị xem xét kết nạp").check()
    page.get_by_role("button", name="Lưu rà soát").click()
    # No reason: said next to the person, nothing saved, the choices kept.
    expect(son).to_contain_text("Đưa ra khỏi nguồn phải ghi lý do.")
    assert not PoolReview.objects.exists()
    son = page.locator("fieldset", has_text="Quàng Văn Sơn")
    son.locator("select").select_option(label="Chuyển đi nơi khác")
    son.locator("input[type=text], input:not([type])").last.fill("Chuyển công tác về tỉnh")
    page.get_by_role("button", name="Lưu rà soát").click()
    expect(page.locator(".alert-success")).to_contain_text(
        "2 tiếp tục bồi dưỡng, 1 đề nghị xem xét kết nạp, 1 ra khỏi nguồn"
    )
    expect(page.locator("body")).to_contain_text("Quàng Văn Sơn (Chuyển đi nơi khác)")
    shoot(page, "pool-review", (("phone", PHONE), ("desktop", DESKTOP)))
    sơn = Candidate.objects.get(full_name="Quàng Văn Sơn")
    assert sơn.exit_reason == "moved_away" and sơn.exit_date == TODAY
