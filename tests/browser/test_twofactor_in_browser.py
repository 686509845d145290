"""A staff member whose role requires two-factor sign-in enrols a phone (the QR code drawn by the app,
the key read from the page and turned into a code as an authenticator app would), then signs in with a
code. Screenshots of enrolment and of the code step at 1280 and 390 px."""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from units.models import ReadEvent

from .conftest import DESKTOP, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"  # tests.factories.make_user
PHONE = {"width": 390, "height": 844}


def code_from_page_secret(secret, *, steps_ahead=0):
    """What an authenticator app shows for the key typed from the page (base32, in groups of four)."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def shots(page, name, *, reload=True):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for suffix, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        if reload:
            page.reload()
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_staff_enrol_a_phone_and_sign_in_with_a_code(page, tree, users, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["staff", "leadership"]
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    requests_elsewhere = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(page.base_url) else requests_elsewhere.append(request.url),
    )

    page.goto(page.base_url + "/dang-nhap/")
    page.fill("#id_username", "tochuc_a")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    # The role requires it: the first page is enrolment, with the QR code drawn in the page.
    expect(page.locator("#two-factor-required")).to_be_visible()
    expect(page.locator("#two-factor-qr svg")).to_be_visible()
    secret = page.locator("#two-factor-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", secret)
    shots(page, "two-factor-enrol")
    assert page.locator("#two-factor-secret").inner_text() == secret  # reloading kept the key

    page.fill("#id_code", "000000" if code_from_page_secret(secret) != "000000" else "111111")
    page.click("#two-factor-enrol button[type=submit]")
    expect(page.locator("[data-testid=code-error]")).to_contain_text("Mã không đúng")

    page.fill("#id_code", code_from_page_secret(secret))
    page.click("#two-factor-enrol button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Đã bật xác thực hai bước")
    codes = page.locator("#recovery-codes code")
    expect(codes).to_have_count(10)
    shots(page, "two-factor-recovery-codes", reload=False)  # shown once: a reload would hide them
    page.goto(page.base_url + "/")
    expect(page.locator("nav.navbar")).to_contain_text("Đăng xuất")

    # Next time: the password, then a code.
    page.click("nav.navbar button:has-text('Đăng xuất')")
    page.goto(page.base_url + "/dang-nhap/")
    page.fill("#id_username", "tochuc_a")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    expect(page.locator("#sign-in-code")).to_be_visible()
    shots(page, "two-factor-sign-in-code")
    page.fill("#id_code", code_from_page_secret(secret, steps_ahead=1))
    page.press("#id_code", "Enter")
    expect(page.locator("nav.navbar")).to_contain_text("Đăng xuất")
    expect(page).to_have_url(page.base_url + "/")
    # The export is recorded in who-read-what, and the staff's log shows it.
    page.goto(page.base_url + f"/don-vi/{tree.committee_a.pk}/nhat-ky-doc/")
    expect(page.locator("#read-log-empty")).to_be_visible()
    page.goto(page.base_url + "/quan-chung/")
    with page.expect_download():
        page.click("[data-testid=export-form] button[type=submit]")
    assert ReadEvent.objects.filter(username="tochuc_a").count() == 1
    page.goto(page.base_url + f"/don-vi/{tree.committee_a.pk}/nhat-ky-doc/")
    expect(page.locator("#read-log")).to_contain_text("Xuất danh sách quần chúng")
    shots(page, "read-log")
    assert violations == [] and requests_elsewhere == []
