"""Awareness courses (lớp bồi dưỡng nhận thức về Đảng): the list, a course's page with its roster,
enrolment, attendance and results, bulk certificates, and the roster and certificate exports.

Staff of the organiser (or above it) manage a course; anyone else reads the courses their people sit
in, and on a course's page sees only their own people. Every write goes through recruitment.services.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from django_tables2 import SingleTableView

from units.audit import StaleEdit
from units.mixins import ActionRequiredMixin, RestrictedObjectMixin
from units.periods import requested_number
from units.permissions import VIEW, allows, may
from units.spreadsheets import XLSX_CONTENT_TYPE, StreamingWorkbook, write_safe_row
from units.text import fold

from . import services
from .calendar import add_months
from .forms import CertificateIssueForm, CourseForm
from .models import Candidate, Course, CourseParticipant, CourseResult
from .permissions import MANAGE_COURSE
from .pipeline import CERTIFICATE_VALID_MONTHS
from .tables import CourseTable
from .views import PER_PAGE_DEFAULT

ENROL_SEARCH_LIMIT = 200


def visible_participants(user):
    return CourseParticipant.objects.restrict(user, VIEW)


class CourseListView(ActionRequiredMixin, SingleTableView):
    table_class = CourseTable
    template_name = "recruitment/course_list.html"
    table_pagination = {"per_page": PER_PAGE_DEFAULT}

    def get_queryset(self):
        user = self.request.user
        own = Q(participants__in=visible_participants(user))
        rows = Course.objects.restrict(user, VIEW).select_related("organiser")
        text = (self.request.GET.get("q") or "").strip()[:100]
        if text:
            rows = rows.filter(
                Q(number__icontains=text) | Q(place__icontains=text) | Q(organiser__name__icontains=text)
            )
        return rows.annotate(
            own_count=Count("participants", filter=own, distinct=True),
            certificate_count=Count(
                "participants", filter=own & Q(participants__certificate_date__isnull=False), distinct=True
            ),
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_create=may(self.request.user, MANAGE_COURSE), q=self.request.GET.get("q", ""), **kwargs
        )


class CourseMixin(RestrictedObjectMixin):
    queryset = Course.objects.select_related("organiser")

    def scope_unit(self, course):
        return course.organiser


class CourseFormMixin:
    template_name = "recruitment/course_form.html"
    form_class = CourseForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def save(self, form, course, version=None):
        try:
            return services.course_save(actor=self.request.user, course=course, expected_version=version)
        except StaleEdit as error:
            form.add_error(None, error.messages)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except IntegrityError:
            form.add_error("number", _("Đơn vị này đã có lớp mang số này."))
        return None


class CourseCreateView(ActionRequiredMixin, CourseFormMixin, FormView):
    action = MANAGE_COURSE
    permission_denied_message = gettext_lazy("Chỉ cán bộ Ban Tổ chức mở lớp bồi dưỡng.")

    def form_valid(self, form):
        form.pop_version()
        course = self.save(form, Course(**form.cleaned_data))
        if course is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Đã mở lớp %(number)s.") % {"number": course.number})
        return redirect("recruitment:course_detail", pk=course.pk)


class CourseUpdateView(CourseMixin, CourseFormMixin, FormView):
    action = MANAGE_COURSE

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(course=self.object, **kwargs)

    def form_valid(self, form):
        version = form.pop_version()
        course = self.save(form, form.instance, version)
        if course is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Đã lưu lớp %(number)s.") % {"number": course.number})
        return redirect("recruitment:course_detail", pk=course.pk)


def enrol_candidates(user, course, text):
    """Outstanding persons of the cells below the organiser whom the user sees, not yet on the roster,
    matching `text` (a name without diacritics, citizen-ID digits, or a cell's code or name)."""
    rows = (
        Candidate.objects.restrict(user, VIEW)
        .in_subtree(course.organiser)
        .filter(exit_date__isnull=True, resolution_date__isnull=True, decision_date__isnull=True)
        .exclude(course_places__course=course)
        .select_related("cell")
    )
    text = (text or "").strip()[:100]
    if text:
        if text.isdigit():
            rows = rows.filter(citizen_id__contains=text)
        else:
            rows = rows.filter(
                Q(search_name__contains=fold(text)) | Q(cell__code__iexact=text) | Q(cell__name__icontains=text)
            )
    return rows.order_by("cell__path", "name_sort_key", "pk")


class CourseDetailView(CourseMixin, TemplateView):
    template_name = "recruitment/course_detail.html"

    @cached_property
    def can_manage(self):
        return allows(self.request.user, MANAGE_COURSE, self.object.organiser)

    def get_context_data(self, **kwargs):
        course, user = self.object, self.request.user
        participants = list(
            visible_participants(user).filter(course=course).select_related("candidate__cell").in_roster_order()
        )
        context = {
            "course": course,
            "participants": participants,
            "can_manage": self.can_manage,
            "passed_waiting": sum(
                1 for p in participants if p.attended and p.result == CourseResult.PASSED and not p.has_certificate
            ),
            "certificates": sum(1 for p in participants if p.has_certificate),
            "result_choices": CourseResult.choices,
        }
        if self.can_manage:
            text = self.request.GET.get("q", "")
            found = list(enrol_candidates(user, course, text)[: ENROL_SEARCH_LIMIT + 1])
            context.update(
                q=text,
                found=found[:ENROL_SEARCH_LIMIT],
                found_more=len(found) > ENROL_SEARCH_LIMIT,
                issue_form=kwargs.pop("issue_form", None)
                or CertificateIssueForm(initial={"issued_on": course.end_date}),
            )
        return super().get_context_data(**context, **kwargs)


class CourseActionView(CourseMixin, View):
    """A POST on a course by its managers; back to the course page with what happened."""

    action = MANAGE_COURSE

    def back(self):
        return redirect("recruitment:course_detail", pk=self.object.pk)

    def refused(self, error):
        for message in error.messages:
            messages.error(self.request, message)
        return self.back()


class CourseEnrolView(CourseActionView):
    def post(self, request, pk):
        ids = [number for value in request.POST.getlist("candidate") if (number := requested_number(value)) is not None]
        if not ids:
            messages.warning(request, _("Chưa chọn ai để ghi danh."))
            return self.back()
        # Only people the user sees: an id from outside their scope is "not found", as anywhere else.
        chosen = list(Candidate.objects.restrict(request.user, VIEW).filter(pk__in=ids).select_related("cell"))
        if len(chosen) != len(set(ids)):
            messages.error(request, _("Không tìm thấy người được chọn."))
            return self.back()
        try:
            added = services.course_enrol(actor=request.user, course=self.object, candidates=chosen)
        except ValidationError as error:
            return self.refused(error)
        messages.success(request, _("Đã ghi danh %(n)d người vào lớp.") % {"n": len(added)})
        return self.back()


class CourseResultsView(CourseActionView):
    def post(self, request, pk):
        course = self.object
        results = {}
        for participant in course.participants.select_related("candidate"):
            key = str(participant.pk)
            if f"seen_{key}" not in request.POST:
                continue  # not on the form the user sent (added meanwhile)
            attended = request.POST.get(f"attended_{key}") == "1"
            result = request.POST.get(f"result_{key}", "")
            if result not in CourseResult.values:
                result = ""
            results[participant] = (attended, result)
        try:
            changed = services.course_record_results(actor=request.user, course=course, results=results)
        except ValidationError as error:
            return self.refused(error)
        messages.success(request, _("Đã lưu kết quả của %(n)d học viên.") % {"n": changed})
        return self.back()


class CourseWithdrawView(CourseActionView):
    def post(self, request, pk, participant_pk):
        participant = get_object_or_404(
            CourseParticipant.objects.select_related("candidate", "course__organiser"),
            pk=participant_pk,
            course=self.object,
        )
        try:
            services.course_withdraw(actor=request.user, participant=participant)
        except ValidationError as error:
            return self.refused(error)
        messages.success(request, _("Đã bỏ %(name)s khỏi danh sách lớp.") % {"name": participant.candidate.full_name})
        return self.back()


class CourseCertificatesView(CourseMixin, FormView):
    """Issue the certificates of everyone who passed, numbered from the register."""

    action = MANAGE_COURSE
    form_class = CertificateIssueForm
    http_method_names = ["post"]

    def form_valid(self, form):
        course = self.object
        try:
            issued = services.course_issue_certificates(
                actor=self.request.user,
                course=course,
                first_number=form.cleaned_data["first_number"],
                suffix=form.cleaned_data["suffix"].strip(),
                issued_on=form.cleaned_data["issued_on"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Đã cấp %(n)d giấy chứng nhận, số %(first)s đến %(last)s; hồ sơ từng người đã được cập nhật.")
            % {"n": len(issued), "first": issued[0].certificate_no, "last": issued[-1].certificate_no},
        )
        return redirect("recruitment:course_detail", pk=course.pk)

    def form_invalid(self, form):
        messages.error(self.request, _("Chưa cấp giấy chứng nhận nào: xem lỗi ở mục cấp giấy chứng nhận."))
        view = CourseDetailView(request=self.request, kwargs=self.kwargs, args=self.args)
        view.object = self.object
        return view.render_to_response(view.get_context_data(issue_form=form), status=200)


# --- Exports ------------------------------------------------------------------------------------------


ROSTER_COLUMNS = (
    (gettext_lazy("STT"), lambda i, p: i),
    (gettext_lazy("Họ và tên"), lambda i, p: p.candidate.full_name),
    (gettext_lazy("Ngày sinh"), lambda i, p: p.candidate.date_of_birth),
    (gettext_lazy("Chi bộ"), lambda i, p: p.candidate.cell.name),
    (gettext_lazy("Mã chi bộ"), lambda i, p: p.candidate.cell.code),
    (
        gettext_lazy("Tham gia đầy đủ"),
        lambda i, p: "" if p.attended is None else (_("Có") if p.attended else _("Không")),
    ),
    (gettext_lazy("Kết quả"), lambda i, p: p.get_result_display()),
    (gettext_lazy("Số giấy chứng nhận"), lambda i, p: p.certificate_no),
    (gettext_lazy("Ngày cấp"), lambda i, p: p.certificate_date),
)
CERTIFICATE_COLUMNS = (
    (gettext_lazy("Số giấy chứng nhận"), lambda i, p: p.certificate_no),
    (gettext_lazy("Ngày cấp"), lambda i, p: p.certificate_date),
    (gettext_lazy("Họ và tên"), lambda i, p: p.candidate.full_name),
    (gettext_lazy("Ngày sinh"), lambda i, p: p.candidate.date_of_birth),
    (gettext_lazy("Chi bộ"), lambda i, p: p.candidate.cell.name),
    (gettext_lazy("Hiệu lực đến"), lambda i, p: p.candidate_valid_until),
)


class CourseExportView(CourseMixin, View):
    """The roster, or the certificate list, of the people the user sees on the course."""

    certificates = False

    def get(self, request, pk):
        course = self.object
        rows = visible_participants(request.user).filter(course=course).select_related("candidate__cell")
        if self.certificates:
            rows = rows.filter(certificate_date__isnull=False).order_by("certificate_date", "certificate_no", "pk")
            columns, title, slug = CERTIFICATE_COLUMNS, _("Giấy chứng nhận"), "giay-chung-nhan"
        else:
            rows = rows.in_roster_order()
            columns, title, slug = ROSTER_COLUMNS, _("Danh sách lớp"), "danh-sach-lop"
        workbook = StreamingWorkbook(title=str(course))
        sheet = workbook.add_worksheet(str(title))
        place = _("Từ %(start)s đến %(end)s, tại %(place)s") % {
            "start": course.start_date.strftime("%d/%m/%Y"),
            "end": course.end_date.strftime("%d/%m/%Y"),
            "place": course.place,
        }
        write_safe_row(sheet, 0, [str(course)], [None])
        write_safe_row(sheet, 1, [place], [None])
        plain = [None] * len(columns)
        write_safe_row(sheet, 3, [str(label) for label, _value in columns], plain)
        for index, participant in enumerate(rows, start=1):
            if self.certificates:
                participant.candidate_valid_until = add_months(participant.certificate_date, CERTIFICATE_VALID_MONTHS)
            write_safe_row(sheet, 3 + index, [value(index, participant) for _label, value in columns], plain)
        response = HttpResponse(content_type=XLSX_CONTENT_TYPE)
        safe_number = "".join(ch if ch.isalnum() else "-" for ch in course.number)
        response["Content-Disposition"] = f'attachment; filename="{slug}-{safe_number}.xlsx"'
        workbook.save(response)
        return response
