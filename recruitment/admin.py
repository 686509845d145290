from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from units import readlog
from units.admin import HistoryAdmin, RestrictedAdminMixin, SafeDateHierarchyMixin, UnitSubtreeFilter
from units.forms import VersionedFormMixin, version_field
from units.text import fold

from . import services
from .models import Candidate, Course, CourseParticipant, Ethnicity, PoolReview, PoolReviewEntry, Religion

COURSE_PAGE_HELP = _(
    "Ghi danh, điểm danh, kết quả và giấy chứng nhận làm trên trang của lớp: ở đó giấy chứng nhận được ghi "
    "vào hồ sơ từng người theo đúng quy định như khi ghi bước “Lớp bồi dưỡng nhận thức về Đảng”. Trang quản "
    "trị chỉ để xem."
)
POOL_PAGE_HELP = _(
    "Rà soát nguồn làm trên trang “Rà soát nguồn” của chi bộ: người được đưa ra khỏi nguồn được ghi bước "
    "ra khỏi danh sách theo đúng quy định. Trang quản trị chỉ để xem."
)


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


class ReadOnlyAdminMixin:
    """A record written only by its page's service (the rules, the steps it records in people's files):
    the admin lists and shows it, its history too, and takes no change (nor a "revert": units.admin.HistoryAdmin)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def search_by_person(queryset, search_term, *lookups):
    """A person's name without diacritics ("nguyen van an" finds "Nguyễn Văn An", as on the pages), or
    the term in any of `lookups` (each one an `icontains`)."""
    term = search_term.strip()
    if not term:
        return queryset
    condition = Q(candidate__search_name__contains=fold(term))
    for lookup in lookups:
        condition |= Q(**{f"{lookup}__icontains": term})
    return queryset.filter(condition)


class CourseAdminForm(VersionedFormMixin, forms.ModelForm):
    version = version_field()

    class Meta:
        model = Course
        fields = ["organiser", "number", "start_date", "end_date", "place"]


@admin.register(Course)
class CourseAdmin(RestrictedAdminMixin, SafeDateHierarchyMixin, HistoryAdmin):
    form = CourseAdminForm
    list_display = ["number", "organiser", "start_date", "end_date", "place"]
    list_filter = [UnitSubtreeFilter]
    search_fields = ["number", "place", "organiser__name", "organiser__code"]
    autocomplete_fields = ["organiser"]
    list_select_related = ["organiser"]
    date_hierarchy = "start_date"
    readonly_fields = ["course_page", "created_at", "created_by"]
    fieldsets = [
        (None, {"fields": ["organiser", "number", "start_date", "end_date", "place"]}),
        (_("Học viên"), {"fields": ["course_page"], "description": COURSE_PAGE_HELP}),
        (_("Tạo"), {"fields": ["created_at", "created_by"]}),
    ]

    @admin.display(description=_("trang của lớp"))
    def course_page(self, course):
        if course.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("recruitment:course_detail", args=[course.pk]), course)

    def has_delete_permission(self, request, obj=None):
        # Certificates issued stay with their course, as on the course page (course_withdraw); the bulk
        # delete asks this of each course too.
        if obj is not None and obj.participants.filter(certificate_date__isnull=False).exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Through the service the course pages use (who may manage the organiser's courses, the rules).
        services.course_save(actor=request.user, course=obj)


@admin.register(CourseParticipant)
class CourseParticipantAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, SafeDateHierarchyMixin, HistoryAdmin):
    list_display = ["candidate", "cell", "course", "attended", "result", "certificate_no", "certificate_date"]
    list_filter = [UnitSubtreeFilter, "result", "attended"]
    search_fields = ["candidate__full_name", "certificate_no", "course__number"]
    list_select_related = ["candidate__cell", "course__organiser"]
    date_hierarchy = "certificate_date"
    readonly_fields = ["course_page"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "course",
                    "candidate",
                    "attended",
                    "result",
                    "certificate_no",
                    "certificate_date",
                    "course_page",
                ],
                "description": COURSE_PAGE_HELP,
            },
        ),
    ]

    @admin.display(description=_("chi bộ"), ordering="candidate__cell__path")
    def cell(self, participant):
        return participant.candidate.cell

    @admin.display(description=_("trang của lớp"))
    def course_page(self, participant):
        url = reverse("recruitment:course_detail", args=[participant.course_id])
        return format_html('<a href="{}">{}</a>', url, participant.course)

    def get_search_results(self, request, queryset, search_term):
        return search_by_person(queryset, search_term, "certificate_no", "course__number"), False


class PoolReviewEntryInline(admin.TabularInline):
    model = PoolReviewEntry
    fields = ["candidate", "decision", "exit_reason", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("candidate").order_by("candidate__name_sort_key")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PoolReview)
class PoolReviewAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, SafeDateHierarchyMixin, HistoryAdmin):
    list_display = ["cell", "year", "quarter", "reviewed_on", "reviewed_by"]
    list_filter = [UnitSubtreeFilter, "year", "quarter"]
    search_fields = ["cell__name", "cell__code"]
    list_select_related = ["cell", "reviewed_by"]
    date_hierarchy = "reviewed_on"
    readonly_fields = ["pool_page"]
    fieldsets = [
        (
            None,
            {
                "fields": ["cell", "year", "quarter", "reviewed_on", "reviewed_by", "pool_page"],
                "description": POOL_PAGE_HELP,
            },
        ),
    ]
    inlines = [PoolReviewEntryInline]

    @admin.display(description=_("trang rà soát của chi bộ"))
    def pool_page(self, review):
        query = urlencode({"nam": review.year, "quy": review.quarter})
        url = f"{reverse('recruitment:pool_review_cell', args=[review.cell_id])}?{query}"
        return format_html('<a href="{}">{}</a>', url, review)


@admin.register(PoolReviewEntry)
class PoolReviewEntryAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, SafeDateHierarchyMixin, HistoryAdmin):
    list_display = ["candidate", "review", "decision", "exit_reason", "note"]
    list_filter = [UnitSubtreeFilter, "decision", "exit_reason", "review__year", "review__quarter"]
    search_fields = ["candidate__full_name", "note"]
    list_select_related = ["candidate", "review__cell"]
    date_hierarchy = "review__reviewed_on"
    fieldsets = [
        (None, {"fields": ["review", "candidate", "decision", "exit_reason", "note"], "description": POOL_PAGE_HELP})
    ]

    def get_search_results(self, request, queryset, search_term):
        return search_by_person(queryset, search_term, "note"), False
