"""Two-factor sign-in: a TOTP app on the phone (django-otp's TOTPDevice) and ten one-time recovery codes
(its StaticDevice), required for the roles in TWO_FACTOR_REQUIRED_ROLES and offered to everyone else.

- Sign-in (units/twofactor_views.py): the password first; an account with a confirmed device is not
  signed in yet but held "pending" in the session until its code (or a recovery code) is right. Only
  then does Django's login() run, so django-axes counts a wrong code as a failed login and clears the
  count only after the second step: five wrong passwords or codes lock the account at that address.
- Enrolment: the key lives in the session until one code from the app confirms it; only then is the
  device saved (replacing any earlier one) with fresh recovery codes, shown once.
- TwoFactorMiddleware: an account whose role requires it reaches no page before its session has passed
  the second step; without a device it is sent to enrolment.
- The QR code is drawn here as inline SVG (segno): the secret never goes to another host.
"""

import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

RECOVERY_CODE_COUNT = 10
ENROL_KEY_SESSION_KEY = "twofactor_enrol_key"
NEW_CODES_SESSION_KEY = "twofactor_new_codes"  # shown once, on the next page, then gone
PENDING_SESSION_KEY = "twofactor_pending"  # {"user": pk, "backend": path, "at": epoch, "next": url}
PENDING_SECONDS = 5 * 60  # the code must follow the password within five minutes
SUPERUSER = "superuser"  # the name TWO_FACTOR_REQUIRED_ROLES gives superusers
DEVICE_NAME = "TOTP"


# --- Policy --------------------------------------------------------------------------------------


def required_for(user):
    """Whether this account must sign in with a second step (TWO_FACTOR_REQUIRED_ROLES)."""
    roles = getattr(settings, "TWO_FACTOR_REQUIRED_ROLES", ())
    if user.is_superuser:
        return SUPERUSER in roles
    return bool(user.role) and user.role in roles


def totp_device(user):
    """The account's confirmed authenticator app, or None (one query)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Enrolment -----------------------------------------------------------------------------------


def enrolment_key(session):
    """The key being enrolled: the same one until it is confirmed, so reloading keeps the QR code."""
    key = session.get(ENROL_KEY_SESSION_KEY)
    if not isinstance(key, str) or len(key) != 40:
        key = random_hex(20)
        session[ENROL_KEY_SESSION_KEY] = key
    return key


def secret_text(key):
    """The key as the apps take it typed by hand: base32, in groups of four."""
    text = b32encode(unhexlify(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def provisioning_url(user, key):
    """otpauth://totp/PTDV:name?secret=… (the format authenticator apps read from a QR code)."""
    return TOTPDevice(user=user, key=key).config_url


def qr_svg(url):
    """The QR code as inline SVG markup, drawn here (no image from another host, no data: URL)."""
    return segno.make(url, error="m").svg_inline(scale=5, border=4, omitsize=True, dark="#000", light="#fff")


def matching_step(key, code, *, now=None):
    """The time step at which `code` is the key's TOTP (a step either side for a slow clock), or None."""
    code = normalise(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = TOTP(unhexlify(key))
    totp.time = now if now is not None else time.time()
    if totp.verify(int(code), tolerance=1):
        return totp.t()
    return None


@transaction.atomic
def enrol(*, user, key, step):
    """Save the confirmed device (replacing any earlier one) and fresh recovery codes; return (device, codes).
    `step` is the time step of the code that confirmed it: that code cannot be used again to sign in."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=True, last_t=step)
    device.full_clean()
    device.save()
    return device, regenerate_recovery_codes(user=user)


@transaction.atomic
def regenerate_recovery_codes(*, user):
    """Ten new one-time codes; the old ones stop working. Returns the codes (shown to the person once)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, defaults={"name": "Mã dự phòng"})
    device.confirmed = True
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    device.token_set.all().delete()
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()  # 8 characters of base32, lower case
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def disable(*, user):
    """Remove the app and the recovery codes (only where the role does not require them)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# --- The second step of sign-in ------------------------------------------------------------------


def normalise(code):
    """A code as typed: spaces and dashes dropped (apps show "123 456"), letters in lower case."""
    return "".join(ch for ch in str(code or "") if ch not in " -\u00a0\t").lower()[:32]


class Throttled(Exception):
    """The device refuses to check codes for a while after wrong ones (django-otp's back-off)."""

    def __init__(self, seconds):
        super().__init__(seconds)
        self.seconds = seconds


def verify(user, code):
    """The device that accepts `code` (a TOTP code or a recovery code, used up), or None; raises
    Throttled when the device is backing off after wrong codes (the code is then not checked)."""
    code = normalise(code)
    if not code:
        return None
    model = TOTPDevice if (code.isdigit() and len(code) == 6) else StaticDevice
    with transaction.atomic():
        # Locked while checked: two requests with the same code cannot both pass.
        for device in model.objects.filter(user=user, confirmed=True).select_for_update():
            allowed, data = device.verify_is_allowed()
            if not allowed:
                locked_until = (data or {}).get("locked_until")
                seconds = 1
                if locked_until is not None:
                    seconds = max(int((locked_until - timezone.now()).total_seconds()) + 1, 1)
                raise Throttled(seconds)
            if device.verify_token(code):
                return device
    return None


def begin_pending(request, user, backend, next_url):
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "backend": backend,
        "at": int(time.time()),
        "next": next_url,
    }


def pending(request):
    """The pending sign-in of this session ({"user", "backend", "next"}), or None when there is none or it
    is more than PENDING_SECONDS old."""
    data = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("at"), int):
        return None
    if time.time() - data["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    return data


def end_pending(request):
    request.session.pop(PENDING_SESSION_KEY, None)


def safe_next(request, url, default):
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


# --- Required roles reach no page without it ---------------------------------------------------


def exempt(view_func):
    """Mark a view that an account which still owes its second step may open (enrolment, logout)."""
    view_func.two_factor_exempt = True
    return view_func


class TwoFactorMiddleware:
    """An account whose role requires two-factor sign-in and whose session has not passed it (no device
    yet, or signed in some other way than the login page) is sent to enrolment, which either enrols it or,
    when it already has a device, asks it to sign in again with its code. No query of its own: whether
    the session passed the second step is in the session (django_otp.middleware.OTPMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "two_factor_exempt", False) or not getattr(view_func, "login_required", True):
            return None
        user = request.user
        if not user.is_authenticated or not required_for(user):
            return None
        if DEVICE_ID_SESSION_KEY in request.session and user.is_verified():
            return None
        target = reverse("twofactor:enrol")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
