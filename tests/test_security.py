"""Personal data, the headers that keep pages on this host, and the login lock-out."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import CandidateFactory, admitted_fields, make_user
from units.models import Role

FULL_ID = "001203004567"
MASKED = "••••4567"


def _text(response):
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(v)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for v in row
            if v is not None
        )
    return response.content.decode()


@pytest.fixture
def person(tree):
    day = datetime.date.today() - datetime.timedelta(days=2)
    return CandidateFactory(
        cell=tree.cell_a1, full_name="Hoàng Thị Riêng Tư", citizen_id=FULL_ID, **admitted_fields(day)
    )


# --- Citizen IDs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff_a", "leader", "secretary_a1"])
def test_lists_board_todo_and_reports_never_show_a_full_citizen_id(client, tree, users, person, who):
    client.force_login(getattr(users, who))
    code = users.staff_a.unit.code if who == "staff_a" else getattr(users, who).unit.code
    urls = [
        reverse("home"),
        reverse("recruitment:candidate_list"),
        reverse("recruitment:candidate_list") + "?q=4567",
        reverse("recruitment:board"),
        reverse("recruitment:todo"),
        reverse("recruitment:candidate_export"),
    ]
    urls += [
        reverse(f"reports:{name}", kwargs={"code": code})
        for name in ("progress", "breakdown", "pipeline", "coverage", "probation", "quarterly_return")
    ]
    urls += [reverse("reports:export", kwargs={"code": code, "report": name}) for name in ("coverage", "probation")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert FULL_ID not in _text(response), url
    # The list shows the last four digits, so the needle above was there to be found.
    assert MASKED in client.get(reverse("recruitment:candidate_list")).content.decode()


def test_only_staff_opening_the_record_see_the_full_number(client, users, person):
    page = reverse("recruitment:candidate_detail", args=[person.pk])
    client.force_login(users.staff_a)
    assert FULL_ID in client.get(page).content.decode()
    for other in (users.leader, users.secretary_a1):
        client.force_login(other)
        text = client.get(page).content.decode()
        assert FULL_ID not in text and MASKED in text


def test_the_export_leaves_citizen_ids_out_unless_staff_ask(client, users, person):
    url = reverse("recruitment:candidate_export")
    client.force_login(users.staff_a)
    plain = _text(client.get(url))
    assert person.full_name in plain and "Số CCCD" not in plain and "4567" not in plain
    asked = _text(client.get(url, {"cccd": "1"}))
    assert FULL_ID in asked and "Số CCCD" in asked
    # The list page offers the box to staff only.
    assert 'name="cccd"' in client.get(reverse("recruitment:candidate_list")).content.decode()
    for other in (users.leader, users.secretary_a1):
        client.force_login(other)
        assert "4567" not in _text(client.get(url, {"cccd": "1"}))
        assert 'name="cccd"' not in client.get(reverse("recruitment:candidate_list")).content.decode()


# --- Headers: nothing from another host ----------------------------------------------------------


def test_every_page_says_nothing_comes_from_another_host(client, users, person):
    client.force_login(users.staff_a)
    for url in (
        reverse("home"),
        reverse("recruitment:candidate_detail", args=[person.pk]),
        reverse("reports:progress", kwargs={"code": "A"}),
        "/khong-co-trang-nay/",
    ):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["default-src"] == "'self'"
        for name in ("script-src", "style-src", "font-src", "connect-src"):
            assert directives[name] == "'self'", name
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in directives["script-src"] + directives["style-src"]
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
    client.logout()
    assert "default-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
OTHER_HOST = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


def test_templates_hold_no_inline_script_style_or_other_host():
    """What the policy would block: inline <script>/<style>, on…= handlers, links to other hosts."""
    for path in Path(django_settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text()
        assert not INLINE_SCRIPT.search(text), path
        assert "<style" not in text, path
        assert not INLINE_HANDLER.search(text), path
        assert not OTHER_HOST.search(text), path


def test_rendered_pages_hold_no_inline_script(client, users, person):
    client.force_login(users.staff_a)
    for url in (
        reverse("home"),
        reverse("dashboard:unit_detail", args=[users.staff_a.unit.pk]),
        reverse("reports:progress", kwargs={"code": "A"}),
        reverse("recruitment:candidate_list"),
    ):
        text = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(text) and "<style" not in text and not INLINE_HANDLER.search(text), url
        assert not OTHER_HOST.search(text), url


# --- Login lock-out ------------------------------------------------------------------------------


@pytest.fixture
def lockout_on(settings):
    settings.AXES_ENABLED = True


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_failed_logins_lock_the_account_with_a_vietnamese_message(client, tree, lockout_on):
    make_user(tree.committee_a, Role.STAFF, "bi_doan", password="dung-mat-khau-1")
    for _attempt in range(4):
        response = _login(client, "bi_doan", "sai")
        assert response.status_code == 200 and "locked-out" not in response.content.decode()
    response = _login(client, "bi_doan", "sai")  # the fifth
    assert response.status_code == 403
    text = response.content.decode()
    assert "Tài khoản tạm khóa do đăng nhập sai 5 lần" in text and "30 phút" in text
    # Locked even with the right password now; the login page is shown again, not a bare error.
    response = _login(client, "bi_doan", "dung-mat-khau-1")
    assert response.status_code == 403 and 'name="password"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_account_does_not_lock_a_colleague(client, tree, lockout_on):
    make_user(tree.committee_a, Role.STAFF, "bi_doan", password="dung-mat-khau-1")
    make_user(tree.committee_a, Role.STAFF, "dong_nghiep", password="dung-mat-khau-2")
    for _attempt in range(5):
        _login(client, "bi_doan", "sai")
    response = _login(client, "dong_nghiep", "dung-mat-khau-2")
    assert response.status_code == 302


def test_a_success_clears_the_count(client, tree, lockout_on):
    make_user(tree.committee_a, Role.STAFF, "go_nham", password="dung-mat-khau-1")
    for _attempt in range(4):
        _login(client, "go_nham", "sai")
    assert _login(client, "go_nham", "dung-mat-khau-1").status_code == 302
    client.logout()
    for _attempt in range(4):
        assert _login(client, "go_nham", "sai").status_code == 200
    assert _login(client, "go_nham", "dung-mat-khau-1").status_code == 302


def test_password_rules_and_session_expiry_are_configured():
    validators = {v["NAME"].rsplit(".", 1)[-1] for v in django_settings.AUTH_PASSWORD_VALIDATORS}
    assert {
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
        "UserAttributeSimilarityValidator",
    } <= validators
    assert django_settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=30)
