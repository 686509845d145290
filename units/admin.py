from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin

from . import services
from .forms import UnitAdminForm
from .models import Headcount, Target, Term, Unit, User


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = UnitAdminForm
    list_display = ["name", "code", "kind", "grassroots_type"]
    list_filter = ["kind", "grassroots_type"]
    search_fields = ["name", "code"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A move or a new grassroots type changes what the cells below inherit.
        services.refresh_grassroots_types(obj)


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["__str__", "start_date", "end_date", "opening_congress", "closing_congress"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "term", "admissions"]
    list_filter = ["year", "term"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]


@admin.register(Headcount)
class HeadcountAdmin(admin.ModelAdmin):
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
