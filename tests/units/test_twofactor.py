"""Two-factor sign-in: enrolment with a QR code drawn here, the code after the password, recovery codes
used once, the roles that must have it, and the lock-out that counts wrong codes as wrong passwords.

Codes are real TOTP codes computed from the key the page holds (django_otp.oath), as a phone computes them.
"""

import datetime
import os
import subprocess
import sys
import time
from binascii import unhexlify
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_user
from units import twofactor
from units.models import LoginEvent, Role, User

PASSWORD = "pw-for-tests-1"
ROOT = Path(__file__).resolve().parents[2]


def code_for(key, *, steps_ahead=0):
    """The code a phone shows for `key` now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(unhexlify(key))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["staff", "leadership", "superuser"]


def sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def enrolled(user):
    """An account with a confirmed app (enrolled one step ago) and its ten recovery codes: (key, codes)."""
    key = twofactor.enrolment_key({})
    _device, codes = twofactor.enrol(user=user, key=key, step=TOTP(unhexlify(key)).t() - 1)
    return key, codes


def signed_in(client):
    return "_auth_user_id" in client.session


# --- Enrolment ----------------------------------------------------------------------------------


def test_staff_who_must_have_it_are_sent_to_enrol_and_confirm_one_code_before_it_is_saved(client, users, required):
    assert sign_in(client, "tochuc_a").status_code == 302
    response = client.get(reverse("recruitment:candidate_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("twofactor:enrol"))
    page = client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    # The QR code is drawn in the page (inline SVG), not fetched from anywhere; the key is there to type.
    assert "<svg" in text and "<img" not in text.split('id="two-factor-qr"')[1].split("</div>")[0]
    key = client.session[twofactor.ENROL_KEY_SESSION_KEY]
    assert page.context["secret"].replace(" ", "") in twofactor.provisioning_url(users.staff_a, key)
    # Reloading keeps the same key (the QR the person may already have scanned).
    client.get(response.url)
    assert client.session[twofactor.ENROL_KEY_SESSION_KEY] == key

    wrong = client.post(reverse("twofactor:enrol"), {"code": "000000" if code_for(key) != "000000" else "111111"})
    assert wrong.status_code == 200 and "Mã không đúng" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=users.staff_a).exists()

    done = client.post(
        reverse("twofactor:enrol") + "?next=/quan-chung/", {"code": code_for(key), "next": "/quan-chung/"}
    )
    assert done.status_code == 302 and done.url.startswith(reverse("twofactor:recovery_codes"))
    device = TOTPDevice.objects.get(user=users.staff_a)
    assert device.confirmed and device.key == key
    # The codes are shown once, then only how many are left.
    shown = client.get(done.url)
    codes = shown.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10 and 'href="/quan-chung/"' in shown.content.decode()
    assert set(codes) == set(StaticToken.objects.filter(device__user=users.staff_a).values_list("token", flat=True))
    again = client.get(reverse("twofactor:recovery_codes"))
    assert again.context["codes"] is None and codes[0] not in again.content.decode()
    # This session passed the second step: the pages open.
    assert client.get(reverse("recruitment:candidate_list")).status_code == 200


def test_the_enrolment_code_cannot_sign_in_again(client, users):
    sign_in(client, "tochuc_a")
    client.get(reverse("twofactor:enrol"))
    key = client.session[twofactor.ENROL_KEY_SESSION_KEY]
    used = code_for(key)
    client.post(reverse("twofactor:enrol"), {"code": used})
    client.post(reverse("logout"))
    sign_in(client, "tochuc_a")
    response = client.post(reverse("twofactor:sign_in_code"), {"code": used})
    assert response.status_code == 200 and not signed_in(client)


# --- Signing in ---------------------------------------------------------------------------------


def test_an_enrolled_account_needs_its_code_after_the_password(client, users, required):
    key, _codes = enrolled(users.staff_a)
    response = sign_in(client, "tochuc_a")
    assert response.status_code == 302 and response.url == reverse("twofactor:sign_in_code")
    assert not signed_in(client)  # the password alone signs nobody in
    assert client.get(reverse("home")).status_code == 302
    assert not LoginEvent.objects.filter(kind=LoginEvent.Kind.LOGIN).exists()
    page = client.get(reverse("twofactor:sign_in_code"))
    assert page.status_code == 200 and "tochuc_a" in page.content.decode()

    response = client.post(reverse("twofactor:sign_in_code"), {"code": code_for(key, steps_ahead=1)})
    assert response.status_code == 302 and response.url == reverse("home")
    assert signed_in(client) and client.get(reverse("home")).status_code == 200
    assert LoginEvent.objects.filter(kind=LoginEvent.Kind.LOGIN, user=users.staff_a).count() == 1


def test_the_code_page_keeps_the_next_page(client, users):
    key, _codes = enrolled(users.staff_a)
    client.post(reverse("login") + "?next=/quan-chung/", {"username": "tochuc_a", "password": PASSWORD})
    response = client.post(reverse("twofactor:sign_in_code"), {"code": code_for(key, steps_ahead=1)})
    assert response.url == "/quan-chung/"


def test_a_wrong_password_never_reaches_the_code(client, users):
    enrolled(users.staff_a)
    assert sign_in(client, "tochuc_a", "sai-mat-khau").status_code == 200
    assert client.get(reverse("twofactor:sign_in_code")).status_code == 302  # back to the login page


def test_the_pending_step_expires(client, users):
    key, _codes = enrolled(users.staff_a)
    sign_in(client, "tochuc_a")
    session = client.session
    session[twofactor.PENDING_SESSION_KEY]["at"] -= twofactor.PENDING_SECONDS + 1
    session.save()
    response = client.post(reverse("twofactor:sign_in_code"), {"code": code_for(key, steps_ahead=1)})
    assert response.status_code == 302 and response.url == reverse("login") and not signed_in(client)


def test_a_recovery_code_works_once(client, users):
    _key, codes = enrolled(users.staff_a)
    sign_in(client, "tochuc_a")
    response = client.post(reverse("twofactor:sign_in_code"), {"code": codes[0].upper()})
    assert response.status_code == 302 and signed_in(client)
    assert StaticToken.objects.filter(device__user=users.staff_a).count() == 9
    client.post(reverse("logout"))
    sign_in(client, "tochuc_a")
    response = client.post(reverse("twofactor:sign_in_code"), {"code": codes[0]})
    assert response.status_code == 200 and "Mã xác thực không đúng" in response.content.decode()
    assert not signed_in(client)


def test_recovery_codes_are_regenerated_and_the_old_ones_stop_working(client, users):
    key, codes = enrolled(users.staff_a)
    sign_in(client, "tochuc_a")
    client.post(reverse("twofactor:sign_in_code"), {"code": code_for(key, steps_ahead=1)})
    response = client.post(reverse("twofactor:recovery_codes"))
    assert response.status_code == 302
    new = client.get(reverse("twofactor:recovery_codes")).context["codes"]
    assert len(new) == 10 and not set(new) & set(codes)
    client.post(reverse("logout"))
    sign_in(client, "tochuc_a")
    assert client.post(reverse("twofactor:sign_in_code"), {"code": codes[1]}).status_code == 200
    StaticDevice.objects.update(throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=5))
    assert client.post(reverse("twofactor:sign_in_code"), {"code": new[1]}).status_code == 302


def test_new_recovery_codes_need_a_session_that_passed_the_code(client, users):
    _key, codes = enrolled(users.staff_a)
    client.force_login(users.staff_a)  # not through the second step
    assert client.post(reverse("twofactor:recovery_codes")).status_code == 403
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)


# --- Who must have it ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff_a", "leader"])
def test_required_roles_reach_no_page_without_it(client, users, required, who):
    user = getattr(users, who)
    client.force_login(user)
    code = user.unit.code
    for url in (
        reverse("home"),
        reverse("recruitment:candidate_list"),
        reverse("recruitment:candidate_export"),
        reverse("reports:quarterly_return", kwargs={"code": code}),
        reverse("dashboard:unit_detail", args=[user.unit.pk]),
    ):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302 and response.url.startswith(reverse("twofactor:enrol")), url
    # What they may still do: enrol, read about it, change the language, log out.
    assert client.get(reverse("twofactor:enrol")).status_code == 200
    assert client.get(reverse("twofactor:overview")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    assert client.post(reverse("logout")).status_code == 302 and not signed_in(client)


def test_secretaries_may_skip_it_or_take_it(client, users, required):
    client.force_login(users.secretary_a1)
    assert client.get(reverse("home")).status_code == 200
    overview = client.get(reverse("twofactor:overview")).content.decode()
    assert "Không bắt buộc" in overview
    # Taken: from then on their sign-in asks for the code too.
    client.get(reverse("twofactor:enrol"))
    key = client.session[twofactor.ENROL_KEY_SESSION_KEY]
    client.post(reverse("twofactor:enrol"), {"code": code_for(key)})
    client.post(reverse("logout"))
    assert sign_in(client, "bithu_a1").url == reverse("twofactor:sign_in_code")
    client.post(reverse("twofactor:sign_in_code"), {"code": code_for(key, steps_ahead=1)})
    # ... and they may turn it off again.
    assert client.post(reverse("twofactor:disable")).status_code == 302
    assert not TOTPDevice.objects.filter(user=users.secretary_a1).exists()
    client.post(reverse("logout"))
    assert sign_in(client, "bithu_a1").url == reverse("home")


def test_a_required_role_cannot_turn_it_off(client, users, required):
    key, _codes = enrolled(users.staff_a)
    sign_in(client, "tochuc_a")
    client.post(reverse("twofactor:sign_in_code"), {"code": code_for(key, steps_ahead=1)})
    assert client.post(reverse("twofactor:disable")).status_code == 403
    assert TOTPDevice.objects.filter(user=users.staff_a).exists()


def test_a_session_without_the_code_cannot_replace_the_phone(client, users, required):
    """Signed in some other way than the login page (an old session, the admin's login): the enrolment
    page does not let a password alone swap the phone; it signs the session out."""
    key, _codes = enrolled(users.staff_a)
    client.force_login(users.staff_a)
    response = client.get(reverse("home"))
    assert response.url.startswith(reverse("twofactor:enrol"))
    response = client.get(response.url)
    assert response.status_code == 302 and response.url == reverse("login") and not signed_in(client)
    assert TOTPDevice.objects.get(user=users.staff_a).key == key


def test_the_admin_login_goes_through_the_login_page(client, tree):
    response = client.get("/quan-tri/login/?next=/quan-tri/")
    assert response.status_code == 302 and response.url == reverse("login") + "?next=/quan-tri/"


def test_superusers_are_named_in_the_setting(client, tree, required, settings):
    root = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    assert client.get(reverse("admin:index")).url.startswith(reverse("twofactor:enrol"))
    settings.TWO_FACTOR_REQUIRED_ROLES = ["staff"]
    assert client.get(reverse("admin:index")).status_code == 200


def test_required_in_production_and_off_under_debug():
    """The setting's defaults: staff, leadership and superusers with DEBUG off; nobody under DEBUG (make demo,
    the tests), unless DJANGO_TWO_FACTOR_ROLES says otherwise."""
    script = "from django.conf import settings; print(','.join(settings.TWO_FACTOR_REQUIRED_ROLES))"

    def roles(**env):
        clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        clean.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {script}"],
            cwd=ROOT,
            env=clean,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    production = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50 + "-secret"}
    assert roles(**production) == "staff,leadership,superuser"
    assert roles() == ""
    assert roles(DJANGO_TWO_FACTOR_ROLES="staff,leadership") == "staff,leadership"
    assert roles(**production, DJANGO_TWO_FACTOR_ROLES="") == ""


# --- Wrong codes --------------------------------------------------------------------------------


@pytest.fixture
def lockout_on(settings):
    settings.AXES_ENABLED = True
    # django-otp's own back-off (below) would refuse the quick retries of this test before axes counts them.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def wrong_code(key):
    right = {code_for(key, steps_ahead=s) for s in (-1, 0, 1)}
    return next(c for c in ("123456", "654321", "111111", "222222") if c not in right)


def test_five_wrong_codes_lock_the_account_like_five_wrong_passwords(client, users, lockout_on):
    key, _codes = enrolled(users.staff_a)
    sign_in(client, "tochuc_a")
    for _attempt in range(4):
        response = client.post(reverse("twofactor:sign_in_code"), {"code": wrong_code(key)})
        assert response.status_code == 200 and "Mã xác thực không đúng" in response.content.decode()
    response = client.post(reverse("twofactor:sign_in_code"), {"code": wrong_code(key)})
    assert response.status_code == 403
    assert "Tài khoản tạm khóa do đăng nhập sai 5 lần" in response.content.decode()
    # The right code is no use now: the pending sign-in is gone, and the password is locked too.
    response = client.post(reverse("twofactor:sign_in_code"), {"code": code_for(key, steps_ahead=1)})
    assert response.status_code == 302 and not signed_in(client)
    assert sign_in(client, "tochuc_a").status_code == 403
    assert LoginEvent.objects.filter(kind=LoginEvent.Kind.FAILED, username="tochuc_a").count() >= 5
    # The code typed is not kept in axes' record of the attempts.
    assert all(wrong_code(key) not in attempt.post_data for attempt in AccessAttempt.objects.all())


def test_wrong_passwords_and_wrong_codes_share_one_count(client, users, lockout_on):
    key, _codes = enrolled(users.staff_a)
    for _attempt in range(2):
        sign_in(client, "tochuc_a", "sai")
    sign_in(client, "tochuc_a")
    for _attempt in range(2):
        client.post(reverse("twofactor:sign_in_code"), {"code": wrong_code(key)})
    assert client.post(reverse("twofactor:sign_in_code"), {"code": wrong_code(key)}).status_code == 403


def test_a_locked_account_is_refused_at_the_code_step(client, users, lockout_on):
    key, _codes = enrolled(users.staff_a)
    sign_in(client, "tochuc_a")  # the password passes, then the account is locked from elsewhere
    for _attempt in range(5):
        client.post(reverse("login"), {"username": "tochuc_a", "password": "sai"})
    response = client.post(reverse("twofactor:sign_in_code"), {"code": code_for(key, steps_ahead=1)})
    assert response.status_code == 403 and not signed_in(client)
    assert twofactor.PENDING_SESSION_KEY not in client.session


def test_the_right_code_clears_the_count(client, users, lockout_on):
    key, _codes = enrolled(users.staff_a)
    sign_in(client, "tochuc_a")
    for _attempt in range(4):
        client.post(reverse("twofactor:sign_in_code"), {"code": wrong_code(key)})
    assert client.post(reverse("twofactor:sign_in_code"), {"code": code_for(key, steps_ahead=1)}).status_code == 302
    client.post(reverse("logout"))
    for _attempt in range(4):
        assert sign_in(client, "tochuc_a", "sai").status_code == 200


def test_quick_retries_wait_without_being_counted(client, users, settings):
    """django-otp backs off after a wrong code (1 s, 2 s, 4 s…, per device, from any address): a guesser
    with many addresses still gets few tries. A code typed during the wait is not checked, so not counted."""
    settings.AXES_ENABLED = True
    key, _codes = enrolled(users.staff_a)
    sign_in(client, "tochuc_a")
    client.post(reverse("twofactor:sign_in_code"), {"code": wrong_code(key)})
    response = client.post(reverse("twofactor:sign_in_code"), {"code": code_for(key, steps_ahead=1)})
    assert response.status_code == 200 and "Vui lòng đợi" in response.content.decode() and not signed_in(client)
    assert AccessAttempt.objects.get().failures_since_start == 1
    TOTPDevice.objects.filter(user=users.staff_a).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=5)
    )
    assert client.post(reverse("twofactor:sign_in_code"), {"code": code_for(key, steps_ahead=1)}).status_code == 302


def test_tests_and_the_demo_sign_in_with_a_password_alone(client, tree):
    """TWO_FACTOR_REQUIRED_ROLES is empty under DEBUG: the login page signs staff in as before."""
    make_user(tree.committee_a, Role.STAFF, "tochuc_demo")
    assert sign_in(client, "tochuc_demo").url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


# --- With a password staff set ------------------------------------------------------------------


def test_a_new_staff_account_enrols_then_changes_its_password_without_a_loop(client, users, required):
    """Two-factor comes first, then the forced password change (units.middleware): each lets the other's
    pages through, so the account ends on a working page, never bouncing between the two."""
    User.objects.filter(pk=users.staff_a.pk).update(must_change_password=True)
    sign_in(client, "tochuc_a")
    first = client.get(reverse("home"))
    assert first.status_code == 302
    # Whichever comes first, following the redirects must reach the enrolment page.
    seen = [first.url]
    page = client.get(first.url)
    while page.status_code == 302 and len(seen) < 5:
        seen.append(page.url)
        page = client.get(page.url)
    assert page.status_code == 200 and seen[-1].startswith(reverse("twofactor:enrol")), seen
    key = client.session[twofactor.ENROL_KEY_SESSION_KEY]
    client.post(reverse("twofactor:enrol"), {"code": code_for(key)})
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:password_change"))
    changed = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Moi-2026-tochuc!", "new_password2": "Moi-2026-tochuc!"},
    )
    assert changed.status_code == 302
    assert client.get(reverse("home")).status_code == 200
