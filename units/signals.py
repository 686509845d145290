"""Logins, failed logins and logouts, recorded from Django's auth signals (units.LoginEvent); the
first placement of a unit in the dated tree."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import sessions
from .models import LoginEvent, Unit


@receiver(post_save, sender=Unit, dispatch_uid="units-first-placement")
def place_new_unit(sender, instance, created, raw=False, **kwargs):
    """Every unit has a place in the dated tree from its creation (units bulk-inserted are placed by
    units.reorganisation.place_missing)."""
    if raw:
        return
    from .models import Placement
    from .placements import place_new

    if created:
        place_new(instance)
    else:
        # A name corrected (not renamed by a decision: units.reorganisation.rename) reads so in the
        # current placement too.
        Placement.objects.current().filter(unit=instance, folded=False).exclude(name=instance.name).update(
            name=instance.name
        )


def _client(request):
    if request is None:
        return None, ""
    return request.META.get("REMOTE_ADDR") or None, request.META.get("HTTP_USER_AGENT", "")[:255]


@receiver(user_logged_in, dispatch_uid="units-login-event")
def record_login(sender, request, user, **kwargs):
    ip, agent = _client(request)
    LoginEvent.objects.create(
        kind=LoginEvent.Kind.LOGIN, user=user, username=user.get_username(), ip_address=ip, user_agent=agent
    )


@receiver(user_logged_out, dispatch_uid="units-logout-event")
def record_logout(sender, request, user, **kwargs):
    if user is None:
        return
    ip, agent = _client(request)
    LoginEvent.objects.create(
        kind=LoginEvent.Kind.LOGOUT, user=user, username=user.get_username(), ip_address=ip, user_agent=agent
    )


@receiver(user_login_failed, dispatch_uid="units-login-failed-event")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # `credentials` has the password already scrubbed by Django; only the name typed is kept.
    ip, agent = _client(request)
    username = str(credentials.get("username", ""))[:150]
    LoginEvent.objects.create(kind=LoginEvent.Kind.FAILED, username=username, ip_address=ip, user_agent=agent)


@receiver(user_logged_in, dispatch_uid="units-session-activity")
def start_idle_clock(sender, request, user, **kwargs):
    # The idle timeout (units.sessions) counts from the sign-in, with no write of its own on the first page.
    if request is not None and hasattr(request, "session"):
        sessions.stamp(request.session)
