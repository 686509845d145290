"""Regression tests for the holes a security probe found: Unicode digits and huge numbers in query
strings, a stale save with the version left out, caching of member pages, the development secret key
in production, and a lock-out that attempts could extend for ever."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user
from units.admin import TargetAdminForm
from units.forms import ChildTargetsForm
from units.models import LoginEvent, Role, Target, User
from units.periods import requested_year

ROOT = Path(__file__).resolve().parent.parent
ODD_NUMBERS = ["²", "١٢", "２０２６", "𝟚𝟘𝟚𝟞", "99999999999999999999", "-1", "1e3", " 7 "]


@pytest.fixture
def admin_client(client, tree):
    client.force_login(User.objects.create_superuser("root", password="pw-for-tests-1"))
    return client


# --- Unicode digits and out-of-range numbers -----------------------------------------------------


@pytest.mark.parametrize("value", ["²", "١٩٩٥", "２０２６", "𝟚𝟘𝟚𝟞", "9" * 40])
def test_requested_year_falls_back_on_unicode_digits(value):
    today = datetime.date(2026, 5, 1)
    assert requested_year(value, today=today) == 2026


def test_the_unit_page_and_targets_page_take_odd_numbers(client, tree, users):
    client.force_login(users.staff_a)
    unit = tree.committee_a
    for value in ODD_NUMBERS:
        assert client.get(reverse("dashboard:unit_detail", args=[unit.pk]), {"nam": value}).status_code == 200
        targets = reverse("units:child_targets", args=[unit.pk])
        assert client.get(targets, {"nhiem-ky": value}).status_code == 200, value
        assert client.get(targets, {"nam": value}).status_code == 200, value
        assert client.get(reverse("dashboard:unit_history", args=[unit.pk]), {"page": value}).status_code == 200


def test_reports_take_odd_numbers_in_every_period_parameter(client, tree, users):
    client.force_login(users.staff_a)
    urls = [reverse(f"reports:{name}", kwargs={"code": "A"}) for name in ("progress", "breakdown", "coverage")]
    for value in ODD_NUMBERS:
        for url in urls:
            for params in ({"year": value}, {"year": "2026", "quarter": value}, {"year": "2026", "month": value}):
                assert client.get(url, params).status_code == 200, (url, params)
            assert client.get(url, {"term": f"{value}-{value}"}).status_code == 200
            assert client.get(url, {"from": value, "to": value}).status_code == 200
        assert client.get(reverse("home"), {"nam": value, "page": value}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"at__year": "99999999999999999999"},
        {"at__year": "²"},
        {"at__year": "2026", "at__month": "99999999999999999999"},
        {"at__year": "2026", "at__month": "13"},
        {"at__year": "2026", "at__month": "2", "at__day": "31"},
        {"at__year": "0"},
    ],
)
def test_the_login_events_date_hierarchy_takes_odd_numbers(admin_client, query):
    LoginEvent.objects.create(kind=LoginEvent.Kind.FAILED, username="x", ip_address="10.0.0.1")
    response = admin_client.get("/quan-tri/units/loginevent/", query)
    assert response.status_code in {200, 302}, query


# --- A stale save with the version left out ------------------------------------------------------


def test_the_admin_refuses_a_save_of_an_existing_record_without_its_version(tree):
    target = Target.objects.create(unit=tree.cell_a1, year=2026, admissions=3)
    data = {"unit": tree.cell_a1.pk, "year": 2026, "term": "", "admissions": 9}
    form = TargetAdminForm(data=data, instance=target)
    assert not form.is_valid()
    assert "phiên bản" in " ".join(form.non_field_errors())
    target.refresh_from_db()
    assert target.admissions == 3
    # With the version it is shown, it saves; a new record needs none.
    assert TargetAdminForm(data={**data, "version": target.version}, instance=target).is_valid()
    assert TargetAdminForm(data={**data, "unit": tree.cell_a2.pk}).is_valid()


def test_the_admin_page_refuses_a_post_without_the_version(admin_client, tree):
    target = Target.objects.create(unit=tree.cell_a1, year=2026, admissions=3)
    response = admin_client.post(
        f"/quan-tri/units/target/{target.pk}/change/",
        {"unit": tree.cell_a1.pk, "year": 2026, "term": "", "admissions": 9},
    )
    assert response.status_code == 200 and "phiên bản" in response.content.decode()
    target.refresh_from_db()
    assert target.admissions == 3
    # The page renders the version it shows, and a post carrying it saves.
    page = admin_client.get(f"/quan-tri/units/target/{target.pk}/change/").content.decode()
    assert 'name="version"' in page
    assert 'name="version"' in admin_client.get(f"/quan-tri/units/unit/{tree.cell_a1.pk}/change/").content.decode()
    response = admin_client.post(
        f"/quan-tri/units/target/{target.pk}/change/",
        {"unit": tree.cell_a1.pk, "year": 2026, "term": "", "admissions": 9, "version": target.version},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.admissions == 9


def test_the_child_targets_form_refuses_a_number_without_its_version(client, tree, users):
    Target.objects.create(unit=tree.org_a, year=2026, admissions=3)
    form = ChildTargetsForm(data={f"unit_{tree.org_a.pk}": "9"}, children=[tree.org_a], targets={})
    assert not form.is_valid()
    client.force_login(users.staff_a)
    response = client.post(
        reverse("units:child_targets", args=[tree.committee_a.pk]) + "?nam=2026",
        {f"unit_{tree.org_a.pk}": "9"},
    )
    assert response.status_code == 200
    assert Target.objects.get(unit=tree.org_a, year=2026).admissions == 3


def test_a_huge_version_is_refused_not_a_crash(client, admin_client, tree, users):
    target = Target.objects.create(unit=tree.org_a, year=2026, admissions=3)
    huge = "9" * 25
    response = admin_client.post(
        f"/quan-tri/units/target/{target.pk}/change/",
        {"unit": tree.org_a.pk, "year": 2026, "term": "", "admissions": 9, "version": huge},
    )
    assert response.status_code == 200
    client.force_login(users.staff_a)
    response = client.post(
        reverse("units:child_targets", args=[tree.committee_a.pk]) + "?nam=2026",
        {f"unit_{tree.org_a.pk}": "9", f"unit_{tree.org_a.pk}_version": huge},
    )
    assert response.status_code == 200
    assert Target.objects.get(unit=tree.org_a, year=2026).admissions == 3


# --- Member pages are never cached ---------------------------------------------------------------


def test_pages_and_downloads_for_a_logged_in_user_are_not_stored(client, tree, users):
    client.force_login(users.staff_a)
    for url in (
        reverse("home"),
        reverse("dashboard:unit_detail", args=[tree.committee_a.pk]),
        reverse("recruitment:candidate_list"),
        reverse("recruitment:candidate_export"),
        reverse("reports:progress", kwargs={"code": "A"}),
        reverse("reports:export", kwargs={"code": "A", "report": "coverage"}),
        "/khong-co-trang-nay/",
    ):
        response = client.get(url)
        assert "no-store" in response.get("Cache-Control", ""), url


# --- No development key in production ------------------------------------------------------------


def _manage(env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage({"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "ptdv.example.vn"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr
    blank = _manage({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "  ", "DJANGO_ALLOWED_HOSTS": "ptdv.example.vn"})
    assert blank.returncode != 0 and "DJANGO_SECRET_KEY" in blank.stderr
    published = _manage(
        {
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production",
            "DJANGO_ALLOWED_HOSTS": "ptdv.example.vn",
        }
    )
    assert published.returncode != 0 and "ImproperlyConfigured" in published.stderr


def test_development_still_starts_without_a_secret_key():
    assert _manage({"DJANGO_DEBUG": "true"}).returncode == 0


# --- Lock-out: not extended by attempts during it, by account and address -------------------------


@pytest.fixture
def lockout_on(settings):
    settings.AXES_ENABLED = True


def _login(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _age_attempts(minutes):
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= datetime.timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


def test_attempts_during_a_lock_out_do_not_extend_it(client, tree, lockout_on):
    make_user(tree.committee_a, Role.STAFF, "bi_khoa", password="dung-mat-khau-1")
    for _attempt in range(5):
        _login(client, "bi_khoa", "sai")
    assert _login(client, "bi_khoa", "dung-mat-khau-1").status_code == 403
    _age_attempts(20)
    # An attempt 20 minutes into the lock-out, right or wrong, is refused but does not restart the clock.
    assert _login(client, "bi_khoa", "sai").status_code == 403
    assert _login(client, "bi_khoa", "dung-mat-khau-1").status_code == 403
    _age_attempts(11)  # 31 minutes after the fifth failure
    assert timezone.now() - AccessAttempt.objects.get().attempt_time > datetime.timedelta(minutes=30)
    assert _login(client, "bi_khoa", "dung-mat-khau-1").status_code == 302


def test_failures_from_one_address_do_not_lock_the_account_elsewhere(client, tree, lockout_on):
    make_user(tree.committee_a, Role.STAFF, "bi_khoa", password="dung-mat-khau-1")
    for _attempt in range(5):
        _login(client, "bi_khoa", "sai", address="203.0.113.9")
    assert _login(client, "bi_khoa", "dung-mat-khau-1", address="203.0.113.9").status_code == 403
    assert _login(client, "bi_khoa", "dung-mat-khau-1", address="198.51.100.7").status_code == 302


@pytest.mark.parametrize("value", ["²", "①", "١٢", "9" * 30])
def test_the_candidate_admins_unit_filter_takes_odd_numbers(admin_client, value):
    response = admin_client.get(reverse("admin:recruitment_candidate_changelist"), {"unit": value})
    assert response.status_code in (200, 302)


def test_a_name_with_unicode_digits_sorts_without_a_crash():
    from units.text import name_sort_key

    assert name_sort_key("Nguyễn Văn ²") and name_sort_key("Lò Thị ①") and name_sort_key("Vi Văn 2")
