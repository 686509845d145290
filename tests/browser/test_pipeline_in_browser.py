"""The issue's browser scenarios, through the real pages in Chromium."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.factories import CandidateFactory, admitted_fields
from units.models import Target

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"  # tests.factories.make_user


def log_in(page, username):
    page.goto(page.base_url + "/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")  # Enter submits
    expect(page.locator("nav.navbar")).to_contain_text("Đăng xuất")


def test_secretary_sees_quota_progress_and_due_items(page, tree, users):
    today = datetime.date.today()
    Target.objects.create(unit=tree.cell_a1, year=today.year, admissions=3)
    decided = max(datetime.date(today.year, 1, 1), today - datetime.timedelta(days=10))
    CandidateFactory(cell=tree.cell_a1, full_name="Lò Văn Kết", **admitted_fields(decided))
    CandidateFactory(cell=tree.cell_a1, full_name="Tòng Thị Chờ")
    CandidateFactory(cell=tree.cell_b1, full_name="Người Đơn Vị Khác", **admitted_fields(decided))

    log_in(page, "bithu_a1")
    quota = page.locator("#quota")
    expect(quota.locator('[data-stat="target"]')).to_have_text("3")
    expect(quota.locator('[data-stat="admitted"]')).to_have_text("1")
    expect(quota.locator('[data-stat="remaining"]')).to_have_text("2")
    expect(quota.locator(".progress-bar")).to_contain_text("33,3%")
    todo = page.locator("#todo")
    expect(todo).to_contain_text("Lò Văn Kết")
    expect(todo).to_contain_text("Tổ chức lễ kết nạp")
    expect(todo).to_contain_text(re.compile(r"Còn \d+ ngày làm việc"))
    expect(page.locator("#stages")).to_contain_text("Quần chúng ưu tú")
    expect(page.locator("body")).not_to_contain_text("Người Đơn Vị Khác")
    screenshot(page, "secretary-home")


def record_step(page, button, fields):
    page.get_by_role("link", name=button, exact=True).click()
    for selector, value in fields.items():
        page.fill(selector, value)
    page.press(list(fields)[-1], "Enter")


def test_staff_take_a_person_from_listing_to_official_recognition(page, tree, users):
    log_in(page, "tochuc_a")
    page.get_by_role("link", name="Quần chúng", exact=True).click()
    page.get_by_role("link", name="Thêm quần chúng ưu tú").click()
    page.fill("#id_full_name", "Hoàng Thị Mai")
    page.fill("#id_date_of_birth", "12/05/1998")
    page.select_option("#id_gender", label="Nữ")
    page.select_option("#id_cell", label=f"Chi bộ thôn 1 · {tree.cell_a1.code}")  # grouped, with codes
    page.select_option("#id_ethnicity", label="Kinh")
    page.select_option("#id_occupation", label="Viên chức")
    page.check("#id_youth_union_member")
    page.fill("#id_listed_on", "10/01/2023")
    page.press("#id_listed_on", "Enter")
    expect(page.locator(".alert-success")).to_contain_text("Đã thêm Hoàng Thị Mai")
    expect(page.locator("#stage")).to_have_text("Quần chúng ưu tú")

    steps = [
        (
            "Lớp bồi dưỡng nhận thức về Đảng",
            {"#id_course_certificate_no": "123-GCN/TTCT", "#id_course_date": "15/03/2023"},
            "Đã học lớp nhận thức về Đảng",
        ),
        (
            "Hồ sơ xin vào Đảng",
            {
                "#id_application_date": "01/06/2023",
                "#id_introducer_1": "Lê Văn Một",
                "#id_introducer_2": "Phạm Thị Hai",
            },
            "Đã có hồ sơ",
        ),
        (
            "Nghị quyết chi bộ",
            {"#id_resolution_date": "17/07/2023", "#id_general_education": "12/12"},
            "Chi bộ đã ra nghị quyết",
        ),
        (
            "Quyết định kết nạp",
            {
                "#id_decision_no": "45-QĐ/HU",
                "#id_decision_date": "01/08/2023",
                "#id_decision_issuer": "Ban Thường vụ Huyện ủy A",
            },
            "Có quyết định kết nạp",
        ),
        ("Lễ kết nạp", {"#id_ceremony_date": "01/09/2023"}, "Đảng viên dự bị"),
        ("Lớp bồi dưỡng đảng viên mới", {"#id_new_member_course_date": "10/11/2023"}, "Đảng viên dự bị"),
    ]
    for button, fields, stage in steps:
        record_step(page, button, fields)
        expect(page.locator(".alert-success")).to_contain_text(f"Đã ghi “{button}”")
        expect(page.locator("#stage")).to_have_text(stage)
    # A probationary member: the deadline and the next steps show.
    expect(page.locator("#deadlines")).to_contain_text("Công nhận đảng viên chính thức")
    screenshot(page, "candidate-page")

    # Too early: the 12 months' rule answers next to the date, and nothing is saved.
    record_step(
        page, "Công nhận đảng viên chính thức", {"#id_recognition_no": "7-QĐ/HU", "#id_recognition_date": "15/08/2024"}
    )
    expect(page.locator("#id_recognition_date_error")).to_contain_text("Chưa đủ 12 tháng dự bị")
    page.fill("#id_recognition_date", "05/09/2024")
    page.press("#id_recognition_date", "Enter")
    expect(page.locator(".alert-success")).to_contain_text("Đã ghi “Công nhận đảng viên chính thức”")
    expect(page.locator("#stage")).to_have_text("Đảng viên chính thức")
    expect(page.locator("#next-steps")).to_have_count(0)
    expect(page.locator('[data-step="recognition"]')).to_contain_text("05/09/2024")


def test_rule_violation_shows_next_to_the_field(page, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, full_name="Đỗ Văn Sớm", listed_on=datetime.date(2024, 1, 10))
    log_in(page, "tochuc_a")
    page.goto(f"{page.base_url}/quan-chung/{person.pk}/")
    record_step(
        page, "Lớp bồi dưỡng nhận thức về Đảng", {"#id_course_certificate_no": "9-GCN", "#id_course_date": "05/01/2024"}
    )
    error = page.locator("#id_course_date_error")
    expect(error).to_contain_text("không được trước ngày vào danh sách quần chúng ưu tú (10/01/2024)")
    expect(page.locator("#id_course_date")).to_have_attribute("aria-invalid", "true")
    # The error sits with its field, in the same form group.
    group = page.locator("#id_course_date").locator("xpath=..")
    expect(group.locator("#id_course_date_error")).to_have_count(1)


def test_search_without_diacritics_finds_the_person(page, tree, users):
    CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn Ân")
    CandidateFactory(cell=tree.cell_a1, full_name="Trần Thị Bích")
    log_in(page, "tochuc_a")
    page.goto(page.base_url + "/quan-chung/")
    page.fill("#id_q", "nguyen van an")
    page.press("#id_q", "Enter")
    table = page.locator("table")
    expect(table).to_contain_text("Nguyễn Văn Ân")
    expect(table).not_to_contain_text("Trần Thị Bích")
    table.get_by_role("link", name="Nguyễn Văn Ân").click()
    expect(page.locator("h1")).to_have_text("Nguyễn Văn Ân")
