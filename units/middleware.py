"""An account whose password staff set (created, or reset) changes it before anything else.

Every page but the change page itself, logout, the language switch and the one-time link redirects
there while `must_change_password` is set (units.accounts sets it and clears it). The URL names let
through are in PASSWORD_CHANGE_EXEMPT; other sign-in steps (two-factor) add theirs.
"""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

PASSWORD_CHANGE_EXEMPT = {
    "accounts:password_change",
    "accounts:set_password",
    "logout",
    "login",
    "set_language",
    # Two-factor sign-in comes first (units.twofactor): its code and enrolment pages must stay reachable,
    # or the two middlewares would send an account back and forth.
    "twofactor:sign_in_code",
    "twofactor:enrol",
    "twofactor:recovery_codes",
}


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt = PASSWORD_CHANGE_EXEMPT | set(getattr(settings, "PASSWORD_CHANGE_EXEMPT_URL_NAMES", ()))

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = None
            if name not in self.exempt:
                target = reverse("accounts:password_change")
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)
