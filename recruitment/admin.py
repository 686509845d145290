from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from units import readlog
from units.admin import HistoryAdmin
from units.forms import VersionedFormMixin, version_field
from units.models import Unit
from units.periods import requested_number

from .models import Candidate, Ethnicity, Religion


class UnitSubtreeFilter(admin.SimpleListFilter):
    """A unit and everything below it, as on the candidate list (`?unit=<pk>`).

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
        return queryset.in_subtree(unit) if unit else queryset.none()


class CandidateAdminForm(VersionedFormMixin, forms.ModelForm):
    version = version_field()

    class Meta:
        model = Candidate
        fields = "__all__"  # noqa: DJ007 (the admin edits the whole record; derived keys are not editable)


@admin.register(Ethnicity)
class EthnicityAdmin(admin.ModelAdmin):
    list_display = ["name", "is_minority"]
    search_fields = ["name"]


@admin.register(Religion)
class ReligionAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Candidate)
class CandidateAdmin(HistoryAdmin):
    form = CandidateAdminForm
    # The admin's ModelForm runs Candidate.full_clean(), i.e. the same pipeline rules as the pages.
    list_display = ["full_name", "date_of_birth", "cell", "decision_date", "recognition_date"]
    list_filter = [UnitSubtreeFilter, "gender", "occupation", "youth_union_member"]
    search_fields = ["search_name", "citizen_id"]
    autocomplete_fields = ["cell", "ethnicity", "religion"]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by"]

    def get_search_results(self, request, queryset, search_term):
        # Same diacritic-blind search as the pages ("nguyen van an" finds "Nguyễn Văn An").
        return queryset.search(search_term), False

    def has_delete_permission(self, request, obj=None):
        # A person admitted or recognised in a closed quarter stays until the committee above reopens it.
        if obj is not None and obj.frozen_by() is not None:
            return False
        return super().has_delete_permission(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The change page shows the full citizen ID: a read, recorded as the record page's is (units.readlog).
        if change and obj is not None and obj.citizen_id:
            readlog.record(request, readlog.Kind.CITIZEN_ID, unit=obj.cell, subject=obj, detail=_("trang quản trị"))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
