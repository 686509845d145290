from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin

from . import audit, placements, services
from .forms import UnitAdminForm, VersionedFormMixin, version_field
from .models import ClosedQuarter, Headcount, LoginEvent, PoolTarget, ReadEvent, Target, Term, Unit, User
from .periods import is_sensible_year, requested_number
from .permissions import VIEW


class HistoryRevertGuardMixin:
    """django-simple-history's page of an old version saves what is posted to it after asking only for
    the view permission (simple_history.admin.SimpleHistoryAdmin.history_form_view): a record the admin
    may not change must not change through a "revert" either."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(
            request, self.get_object(request, unquote(object_id))
        ):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class HistoryAdmin(HistoryRevertGuardMixin, SimpleHistoryAdmin):
    """A record's history in the admin: the units a reason names (stored as ids, units.audit.unit_ref)
    are named as the pages name them, for the signed-in user (a superuser reads every name); and no
    "revert" of a record the admin may not change."""

    def set_history_delta_changes(self, request, historical_records, **kwargs):
        # The page's rows, as its template reads them (a Page hands out the same objects each time).
        records = list(historical_records)
        for record, reason in zip(records, audit.reasons_for(records, viewer=request.user), strict=True):
            record.history_change_reason = reason
        super().set_history_delta_changes(request, records, **kwargs)


class TargetAdminForm(VersionedFormMixin, forms.ModelForm):
    version = version_field()

    class Meta:
        model = Target
        fields = ["unit", "year", "term", "admissions"]


class PoolTargetAdminForm(VersionedFormMixin, forms.ModelForm):
    version = version_field()

    class Meta:
        model = PoolTarget
        fields = ["unit", "year", "persons"]


class UnitSubtreeFilter(admin.SimpleListFilter):
    """A unit and everything below it, as on the pages' lists (`?unit=<pk>`), for any model whose
    queryset names its `scope_path` (units.permissions.RestrictedQuerySet).

    The choices stop at the committees directly under a root: a select of every cell of a Hà Nội-sized
    province would be 15,000 lines. Any unit's pk still works in the URL.
    """

    title = _("đơn vị")
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        return [(unit.pk, unit.name) for unit in Unit.objects.filter(depth__lte=2)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        pk = requested_number(self.value())
        unit = Unit.objects.filter(pk=pk).first() if pk is not None else None
        if unit is None:
            return queryset.none()
        return queryset.filter(**{f"{queryset.scope_path}__startswith": unit.path})


class RestrictedAdminMixin:
    """The rows through `restrict(user, "view")`, as the pages fetch them. The admin is closed to every
    role (only superusers are staff; tests/test_every_url.py), so for them this is every row; it keeps
    an account given staff status by mistake inside its own subtree."""

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, VIEW)


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = UnitAdminForm
    list_display = ["name", "code", "kind", "grassroots_type"]
    list_filter = ["kind", "grassroots_type"]
    search_fields = ["name", "code"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # Treebeard adds a sibling as a child of the reference first, then moves it: place it
            # where it ended up.
            placements.replace_first_placement(form.instance)
        # A new grassroots type changes what the cells below inherit.
        services.refresh_grassroots_types(form.instance)

    def move_node(self, request):
        """The list's drag-and-drop: a move to another parent goes through units.services.unit_move
        (the tree's rules, closed quarters, the dated tree), as the import's unit rows do; a new order
        among the same parent's children is only an order."""
        node = Unit.objects.filter(pk=requested_number(request.POST.get("node"))).first()
        target = Unit.objects.filter(pk=requested_number(request.POST.get("target"))).first()
        relation = request.POST.get("relation")
        if node is None or target is None or relation not in ("child", "sibling"):
            return HttpResponseBadRequest("Invalid form data provided")
        if not self.has_change_permission(request, node):
            raise PermissionDenied
        new_parent = target if relation == "child" else Unit.objects.parent_of(target)
        if new_parent is not None and new_parent.path != node.parent_path:
            try:
                services.unit_move(unit=node, new_parent=new_parent, actor=request.user)
            except (ValidationError, PermissionDenied) as refused:
                messages.error(request, " ".join(getattr(refused, "messages", [str(refused)])))
                return HttpResponseBadRequest("Refused")
            messages.info(request, _("Đã chuyển “%(unit)s” sang “%(parent)s”.") % {"unit": node, "parent": new_parent})
            return HttpResponse("OK")
        if new_parent is None:
            messages.error(request, _("Không chuyển đơn vị lên gốc cây."))
            return HttpResponseBadRequest("Refused")
        return super().move_node(request)


@admin.register(Term)
class TermAdmin(HistoryAdmin):
    list_display = ["__str__", "start_date", "end_date", "opening_congress", "closing_congress"]


@admin.register(Target)
class TargetAdmin(HistoryAdmin):
    form = TargetAdminForm
    list_display = ["unit", "year", "term", "admissions"]
    list_filter = ["year", "term"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]


@admin.register(PoolTarget)
class PoolTargetAdmin(RestrictedAdminMixin, HistoryAdmin):
    form = PoolTargetAdminForm
    list_display = ["unit", "year", "persons"]
    list_filter = [UnitSubtreeFilter, "year"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]


@admin.register(Headcount)
class HeadcountAdmin(HistoryAdmin):
    list_display = ["unit", "year", "members"]
    list_filter = ["year"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Đơn vị và vai trò"), {"fields": ("unit", "role")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("Đơn vị và vai trò"), {"fields": ("unit", "role")}),)
    list_display = ["username", "get_full_name", "unit", "role", "is_active"]
    list_filter = ["role", "is_active", "is_superuser"]
    autocomplete_fields = ["unit"]


@admin.register(ClosedQuarter)
class ClosedQuarterAdmin(HistoryAdmin):
    # Closing and reopening go through the unit page (units.services), which checks who may do it.
    list_display = ["unit", "year", "quarter", "closed_by", "closed_at"]
    list_filter = ["year", "quarter"]
    search_fields = ["unit__name", "unit__code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SafeDateHierarchyChangeList(ChangeList):
    """Django reads the date hierarchy's `?at__year=` / `__month` / `__day` with int() and datetime()
    and catches only ValueError: "99999999999999999999" overflows, and year 9999 fails a step later,
    both as a 500. Anything but a sensible year, a month 1-12 and a day 1-31 in ASCII digits is refused
    here as an incorrect lookup, which the admin answers as it does any other bad filter."""

    def get_filters(self, request):
        if self.date_hierarchy:
            bounds = {"year": None, "month": (1, 12), "day": (1, 31)}
            for part, limits in bounds.items():
                values = request.GET.getlist(f"{self.date_hierarchy}__{part}")
                for value in values:
                    number = requested_number(value, max_digits=4)
                    sensible = number is not None and (
                        is_sensible_year(number) if limits is None else limits[0] <= number <= limits[1]
                    )
                    if not sensible:
                        raise IncorrectLookupParameters(f"{part}: {value[:20]!r}")
        return super().get_filters(request)


class SafeDateHierarchyMixin:
    def get_changelist(self, request, **kwargs):
        return SafeDateHierarchyChangeList


@admin.register(LoginEvent)
class LoginEventAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):
    """Read-only: the record of logins and failed logins."""

    list_display = ["at", "kind", "username", "user", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReadEvent)
class ReadEventAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):
    """Read-only: who read what (exports of member data, full citizen IDs); staff read it on unit pages."""

    list_display = ["at", "kind", "username", "reader_unit", "unit", "period", "object_repr", "rows", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["username", "object_repr", "ip_address"]
    list_select_related = ["reader_unit", "unit"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
