"""Who read what: every export of member data and every view of a full citizen ID, kept in the database
(units.ReadEvent) and read, paginated and filtered, by the staff of the reader's unit and of every
committee above it (`ReadEvent.objects.restrict(user, VIEW_READ_LOG)`).

Recording is one INSERT built from what the page already holds (the account comes with its unit, the
page has its unit, period and person), so a page pays one query for it and nothing more. It does not
go through full_clean(): nothing here is typed by a user, and validating the foreign keys would cost a
query each; the free-text fields are cut to their columns instead.
"""

import getpass

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import ReadEvent

Kind = ReadEvent.Kind


def _client_address(request):
    # REMOTE_ADDR only, as the lock-out does (config/settings.py): X-Forwarded-For can be forged.
    return request.META.get("REMOTE_ADDR") or None


def record(request, kind, *, unit=None, period="", subject=None, detail="", rows=None):
    """Record that `request.user` read `kind` of data of `unit` (for `period`, about `subject`)."""
    user = request.user
    return write(
        kind,
        user_id=user.pk,
        username=user.get_username(),
        reader_unit_id=user.unit_id,
        ip_address=_client_address(request),
        unit=unit,
        period=period,
        subject=subject,
        detail=detail,
        rows=rows,
    )


def record_command(kind, *, command, unit=None, period="", detail="", rows=None):
    """A read from the command line (manage.py): no account, so only superusers see it (in the admin)."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return write(kind, username=f"{command} ({who})", unit=unit, period=period, detail=detail, rows=rows)


def write(
    kind,
    *,
    username,
    user_id=None,
    reader_unit_id=None,
    ip_address=None,
    unit=None,
    period="",
    subject=None,
    detail="",
    rows=None,
):
    return ReadEvent.objects.create(
        kind=kind,
        user_id=user_id,
        username=str(username)[:150],
        reader_unit_id=reader_unit_id,
        unit_id=getattr(unit, "pk", None),
        period=str(period or "")[:100],
        object_id=getattr(subject, "pk", None),
        object_repr=str(subject)[:200] if subject is not None else "",
        detail=str(detail or "")[:500],
        rows=rows,
        ip_address=ip_address,
    )


def describe_filters(form):
    """The filters of a valid filter form in words ("Đơn vị: Chi bộ thôn 1; Bước: Đã học lớp"), for the
    log's detail column: what was exported, as the person chose it."""
    if not form.is_bound or not form.is_valid():
        return ""
    parts = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()) or value is False:
            continue
        field = form.fields[name]
        if hasattr(field, "choices") and not hasattr(value, "pk"):
            value = dict(field.choices).get(value, value)
        parts.append(f"{field.label}: {value}")
    return "; ".join(parts)


def _date_input():
    return forms.DateInput(
        format="%d/%m/%Y", attrs={"class": "form-control form-control-sm", "placeholder": "dd/mm/yyyy"}
    )


class ReadEventFilter(django_filters.FilterSet):
    """The log page's filters: what was read, who (user name) or about whom, from and to a day."""

    kind = django_filters.ChoiceFilter(
        choices=Kind.choices,
        label=_("Việc"),
        empty_label=_("Mọi việc"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Người đọc hoặc hồ sơ"),
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    since = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("Từ ngày"), widget=_date_input()
    )
    until = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("Đến ngày"), widget=_date_input()
    )

    class Meta:
        model = ReadEvent
        fields = ["kind", "q", "since", "until"]

    def filter_search(self, queryset, name, value):
        value = value.strip()[:150]
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(object_repr__icontains=value))
