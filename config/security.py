"""Response headers that keep member files on this host, and the login lock-out page.

Member files are classified: no page, script, style, font or image may come from another host, and no
page may be framed or post a form elsewhere. Django 5.2 has no CSP support of its own (6.0 adds it), so a
small middleware sends one fixed policy.
"""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

# Everything from this host only. `data:` images: Bootstrap draws its select arrows and check marks as
# data: SVGs in its stylesheet. Style *attributes* (not <style> elements, not other hosts) are allowed
# for the progress bars, whose width is the figure itself; a style attribute cannot load anything from
# another host because img-src/font-src still say 'self'.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

# No camera, microphone, location, payment or USB for any page.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response that has none yet, and
    `Cache-Control: no-store` to every response for a logged-in user.

    Referrer-Policy comes from Django's SecurityMiddleware (SECURE_REFERRER_POLICY).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if _logged_in(request):
            # Member files: no copy of a page or a workbook in the browser's cache (a shared office PC,
            # the back button after logging out) or in a proxy. The login page and static files (served
            # by WhiteNoise before the session is read) are cached as usual.
            add_never_cache_headers(response)  # Cache-Control: max-age=0, no-cache, no-store, ..., private
            response.headers["Pragma"] = "no-cache"
        return response


def _logged_in(request):
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lock-out response: the login page again, with the reason in Vietnamese (403)."""
    form = AuthenticationForm(request, data=None)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Tài khoản tạm khóa do đăng nhập sai %(count)d lần liên tiếp. Vui lòng thử lại sau %(minutes)d phút "
        "hoặc liên hệ quản trị viên."
    ) % {"count": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/login.html", {"form": form, "locked_out": message}, status=403)
