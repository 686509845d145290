"""The list of people as Excel: written in the request when short, else built by a worker and
followed on its own page (recruitment.exports)."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from units import readlog
from units.jobs import JobStatus
from units.mixins import RestrictedObjectMixin
from units.spreadsheets import XLSX_CONTENT_TYPE

from . import exports
from .models import CandidateExport


def _log_read(request, filterset, *, with_ids, rows):
    """Who read what (units.readlog): the filters as chosen, and whether the full numbers went with it."""
    bound = filterset.is_bound
    filters = readlog.describe_filters(filterset.form) if bound else ""
    chosen_unit = filterset.form.cleaned_data.get("unit") if bound and filterset.is_valid() else None
    readlog.record(
        request,
        readlog.Kind.CANDIDATE_EXPORT,
        unit=chosen_unit or request.user.unit,
        detail="; ".join(part for part in (filters, _("kèm số CCCD đầy đủ") if with_ids else "") if part),
        rows=rows,
    )


def candidate_export(request):
    """The filtered list as an Excel workbook (the same filters and scope as the page); a long one
    is queued for a worker and its page shown instead."""
    filterset, rows = exports.filtered(request.user, request.GET)
    if exports.needs_job(rows):
        record = exports.request_export(request.user, request.GET)
        return redirect("recruitment:candidate_export_file", pk=record.pk)
    with_ids = exports.wants_citizen_ids(request.user, request.GET)
    content, count = exports.write_workbook(rows, with_ids=with_ids)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename()}"'
    _log_read(request, filterset, with_ids=with_ids, rows=count)
    return response


class CandidateExportMixin(RestrictedObjectMixin):
    """A long list being built, or built: its author's alone (anyone else: 404)."""

    queryset = CandidateExport.objects.all()

    def get_object(self):
        record = super().get_object()
        exports.fail_if_stale(record)
        return record


class CandidateExportFileView(CandidateExportMixin, DetailView):
    """Its state and progress (the page polls, or refreshes itself without JavaScript), the
    download when done, a retry when it failed."""

    template_name = "recruitment/candidate_export.html"
    context_object_name = "record"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        filterset, _rows = exports.filtered(self.request.user, QueryDict(self.object.query))
        return super().get_context_data(
            list_query=self.object.query,
            filters=readlog.describe_filters(filterset.form),
            max_age_hours=settings.CANDIDATE_EXPORT_MAX_AGE_HOURS,
            **kwargs,
        )


class CandidateExportStatusView(CandidateExportMixin, View):
    """What the page of a list being built polls."""

    def get(self, request, pk):
        record = self.object
        return JsonResponse(record.status_for_page())


class CandidateExportDownloadView(CandidateExportMixin, View):
    def get(self, request, pk):
        record = self.object
        stored = record.open_file()
        if stored is None:
            if record.status == JobStatus.DONE:
                messages.info(request, _("Tệp đã được dọn đi; hãy xuất lại danh sách."))
            return redirect("recruitment:candidate_export_file", pk=record.pk)
        filterset, _rows = exports.filtered(request.user, QueryDict(record.query))
        _log_read(request, filterset, with_ids=record.with_ids, rows=record.rows)
        return FileResponse(stored, as_attachment=True, filename=record.file_name, content_type=XLSX_CONTENT_TYPE)


class CandidateExportRetryView(CandidateExportMixin, View):
    def post(self, request, pk):
        record = self.object
        if exports.retry(record):
            messages.info(request, _("Đã cho tạo lại tệp."))
        return redirect("recruitment:candidate_export_file", pk=record.pk)
