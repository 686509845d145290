"""Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (30 minutes unless set), as well as
when the browser closes (SESSION_EXPIRE_AT_BROWSER_CLOSE) and SESSION_COOKIE_AGE after sign-in.

A member file left open on a shared office PC must not stay open for the next person. The time of the
last request is kept in the session; writing it on every request would cost an UPDATE of the session
per page, so it is written at most once a minute (REFRESH_SECONDS): the timeout is exact to a minute.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils.translation import gettext as _

LAST_ACTIVITY_KEY = "last_activity"  # seconds since the epoch, an int (JSON-serialisable)
REFRESH_SECONDS = 60


def stamp(session, now=None):
    session[LAST_ACTIVITY_KEY] = int(now if now is not None else time.time())


def idle_seconds(session, now=None):
    """Seconds since the session's last request, or None when it has no record of one."""
    last = session.get(LAST_ACTIVITY_KEY)
    if not isinstance(last, int):
        return None
    return int(now if now is not None else time.time()) - last


class IdleTimeoutMiddleware:
    """Signs out a session idle longer than SESSION_IDLE_TIMEOUT; the login page then says why, and the
    `next` it is given brings the person back to the page they asked for. Reads the session only (no
    query unless the stamp is refreshed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:  # signed in, without loading the account
            now = time.time()
            idle = idle_seconds(session, now)
            if idle is not None and idle > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                minutes = max(settings.SESSION_IDLE_TIMEOUT // 60, 1)
                messages.info(
                    request,
                    _("Phiên làm việc đã kết thúc vì không thao tác quá %(minutes)d phút. Vui lòng đăng nhập lại.")
                    % {"minutes": minutes},
                )
            elif idle is None or idle >= REFRESH_SECONDS or idle < 0:
                stamp(session, now)
        return self.get_response(request)
