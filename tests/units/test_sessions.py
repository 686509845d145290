"""Sessions end after SESSION_IDLE_TIMEOUT without a request (time is moved by changing the session's
last-activity stamp, not by sleeping), as well as at browser close."""

import time

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from units.sessions import LAST_ACTIVITY_KEY


def _idle_for(client, seconds):
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - seconds
    session.save()


@pytest.fixture
def signed_in(client, users):
    client.force_login(users.staff_a)
    return client


def test_defaults_thirty_minutes_and_browser_close():
    assert django_settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_signing_in_starts_the_clock(signed_in):
    assert abs(signed_in.session[LAST_ACTIVITY_KEY] - time.time()) < 5


def test_an_idle_session_is_signed_out_and_told_why(signed_in):
    _idle_for(signed_in, 31 * 60)
    response = signed_in.get(reverse("recruitment:candidate_list"))
    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=" + reverse("recruitment:candidate_list")
    assert "_auth_user_id" not in signed_in.session
    page = signed_in.get(response.url).content.decode()
    assert "Phiên làm việc đã kết thúc vì không thao tác quá 30 phút" in page


def test_a_session_in_use_stays_and_its_clock_restarts(signed_in):
    _idle_for(signed_in, 29 * 60)
    assert signed_in.get(reverse("home")).status_code == 200
    assert time.time() - signed_in.session[LAST_ACTIVITY_KEY] < 5
    _idle_for(signed_in, 29 * 60)  # 58 minutes since sign-in, never 30 idle
    assert signed_in.get(reverse("home")).status_code == 200


def test_the_stamp_is_written_at_most_once_a_minute(signed_in):
    """Writing it on every page would cost an UPDATE of the session per request."""
    _idle_for(signed_in, 20)
    before = signed_in.session[LAST_ACTIVITY_KEY]
    signed_in.get(reverse("home"))
    assert signed_in.session[LAST_ACTIVITY_KEY] == before


def test_the_timeout_is_a_setting(signed_in, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    _idle_for(signed_in, 6 * 60)
    assert signed_in.get(reverse("home")).status_code == 302
    assert "_auth_user_id" not in signed_in.session


def test_a_posted_form_after_the_timeout_saves_nothing(signed_in, tree):
    from recruitment.models import Candidate

    _idle_for(signed_in, 31 * 60)
    response = signed_in.post(
        reverse("recruitment:candidate_create"),
        {"full_name": "Nguyễn Văn Muộn", "cell": tree.cell_a1.pk, "date_of_birth": "01/01/1990"},
    )
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Candidate.objects.filter(full_name="Nguyễn Văn Muộn").exists()
