"""The Content-Security-Policy in a real browser: pages work under it and it blocks nothing of ours."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.factories import CandidateFactory, admitted_fields

from .test_pipeline_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_run_under_the_policy_with_no_violation(page, tree, users):
    CandidateFactory(
        cell=tree.cell_a1, full_name="Lò Văn Kết", **admitted_fields(datetime.date.today() - datetime.timedelta(days=3))
    )
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    log_in(page, "tochuc_a")
    for path in (
        "/",
        "/quan-chung/",
        "/quan-chung/quy-trinh/",
        f"/don-vi/{tree.committee_a.pk}/",
        "/bao-cao/A/tien-do/",
        "/bao-cao/A/co-cau/",
        "/nhap-du-lieu/",
    ):
        response = page.goto(page.base_url + path)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        expect(page.locator("nav.navbar")).to_be_visible()
    # The year picker submits on change from the static script (no inline handler any more).
    page.goto(page.base_url + f"/don-vi/{tree.committee_a.pk}/")
    last_year = str(datetime.date.today().year - 1)
    page.select_option("#year", last_year)
    page.wait_for_url(f"**nam={last_year}**")
    # Bootstrap's menu (its script, from this host) still opens on a phone.
    page.set_viewport_size({"width": 360, "height": 780})
    page.locator(".navbar-toggler").click()
    expect(page.locator("#main-nav")).to_be_visible()
    assert violations == []


def test_the_running_total_of_targets_works_under_the_policy(page, tree, users):
    from units import services

    year = datetime.date.today().year
    services.target_set(unit=tree.committee_a, year=year, admissions=10)
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    log_in(page, "tochuc_a")
    page.goto(page.base_url + f"/don-vi/{tree.committee_a.pk}/chi-tieu/")
    page.locator(f"input[name='unit_{tree.org_a.pk}']").fill("4")
    total = page.locator("#targets-sum")
    expect(total.locator("strong")).to_have_text("4")
    expect(total).to_contain_text("thấp hơn chỉ tiêu")
    page.locator(f"input[name='unit_{tree.org_a.pk}']").fill("12")
    expect(total.locator("strong")).to_have_text("12")
    expect(total.locator("span")).to_have_text("")
    assert violations == []
