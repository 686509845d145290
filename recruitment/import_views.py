"""Pages of the Excel import: upload, preview (a dry run), confirm, progress. Staff only.

Each user sees only their own imports (a superuser sees all); anyone else's is a 404.
"""

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView

from units.mixins import ActionRequiredMixin
from units.permissions import IMPORT
from units.spreadsheets import XLSX_CONTENT_TYPE

from .importing import runs
from .importing.forms import WorkbookUploadForm
from .importing.importer import COUNT_LABELS
from .importing.template import build_template
from .models import ImportStatus, WorkbookImport

ERRORS_SHOWN = 1000


class ImportMixin(ActionRequiredMixin):
    """Only organisation-board staff import (leadership and cell secretaries get a 403), and each
    reads only their own imports."""

    action = IMPORT
    permission_denied_message = gettext_lazy("Chỉ cán bộ Ban Tổ chức được nhập dữ liệu.")

    def get_queryset(self):
        return WorkbookImport.objects.select_related("user").restrict(self.request.user)


class ImportStartView(ImportMixin, FormView):
    template_name = "imports/import_start.html"
    form_class = WorkbookUploadForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(recent=self.get_queryset()[:10], **kwargs)

    def form_valid(self, form):
        record = runs.store_upload(form.cleaned_data["file"], self.request.user)
        runs.start(record, dry_run=True)
        return redirect("imports:detail", pk=record.pk)


class ImportDetailView(ImportMixin, DetailView):
    template_name = "imports/import_detail.html"
    context_object_name = "record"

    def get_context_data(self, **kwargs):
        record = self.object
        return super().get_context_data(
            counts=[(label, record.counts[key]) for key, label in COUNT_LABELS if record.counts.get(key)],
            errors=record.errors[:ERRORS_SHOWN],
            errors_hidden=max(record.error_count - ERRORS_SHOWN, 0),
            progress=runs.current_progress(record),
            **kwargs,
        )


class ImportStatusView(ImportMixin, View):
    """What the progress page polls."""

    def get(self, request, pk):
        record = get_object_or_404(self.get_queryset(), pk=pk)
        return JsonResponse(
            {"status": record.status, "running": record.is_running, "progress": runs.current_progress(record)}
        )


class ImportConfirmView(ImportMixin, View):
    """Run the real import of a checked file. Only a READY record, and only once."""

    def post(self, request, pk):
        record = get_object_or_404(self.get_queryset(), pk=pk)
        claimed = WorkbookImport.objects.filter(pk=record.pk, status=ImportStatus.READY).update(
            status=ImportStatus.IMPORTING
        )
        if not claimed:
            messages.error(request, _("Lần nhập này không ở trạng thái chờ xác nhận."))
            return redirect("imports:detail", pk=record.pk)
        record.refresh_from_db()
        runs.start(record, dry_run=False)
        return redirect("imports:detail", pk=record.pk)


class ImportDiscardView(ImportMixin, View):
    """Give up a checked file: it is deleted from the server; nothing was written."""

    def post(self, request, pk):
        record = get_object_or_404(self.get_queryset(), pk=pk)
        if record.status == ImportStatus.READY:
            runs.discard_file(record)
            record.status = ImportStatus.CANCELLED
            record.save(update_fields=["stored_path", "status"])
            messages.info(request, _("Đã hủy; không có gì được ghi."))
        return redirect("imports:start")


class TemplateDownloadView(ImportMixin, View):
    def get(self, request):
        response = HttpResponse(build_template(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="mau-nhap-du-lieu.xlsx"'
        return response
