"""Pages of the Excel import: upload, preview (a dry run), confirm, progress. Staff only.

Each user sees only their own imports (a superuser sees all); anyone else's is a 404.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
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
from .importing.preview import FIX_LABELS, KIND_LABELS, KINDS
from .importing.template import build_template
from .importing.workbook import REORGANISATION
from .models import ImportStatus, WorkbookImport

ERRORS_SHOWN = 1000
EVENTS_PER_PAGE = 25


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
        recent = list(self.get_queryset()[:10])
        for record in recent:
            runs.fail_if_stale(record)  # a run interrupted by a restart shows as failed
        return super().get_context_data(recent=recent, **kwargs)

    def form_valid(self, form):
        record = runs.store_upload(form.cleaned_data["file"], self.request.user)
        runs.start(record, dry_run=True)
        return redirect("imports:detail", pk=record.pk)


class ImportDetailView(ImportMixin, DetailView):
    """The preview (or the result): counts, the corrections made to read the file, the first rows of
    each sheet (filtered by what they do: ?sheet=people&kind=updated), the errors. Everything comes
    from the record, stored by the check: the file is not read again."""

    template_name = "imports/import_detail.html"
    context_object_name = "record"

    def get_object(self, queryset=None):
        record = super().get_object(queryset)
        runs.fail_if_stale(record)  # a run interrupted by a restart shows as failed, and can be discarded
        return record

    def get_context_data(self, **kwargs):
        record = self.object
        return super().get_context_data(
            counts=[(label, record.counts[key]) for key, label in COUNT_LABELS if record.counts.get(key)],
            fixes=self._fixes(record.preview or {}),
            sheets=self._sheets(record.preview or {}),
            errors=record.errors[:ERRORS_SHOWN],
            errors_hidden=max(record.error_count - ERRORS_SHOWN, 0),
            progress=runs.current_progress(record),
            can_retry=runs.can_retry(record),
            **kwargs,
        )

    @staticmethod
    def _fixes(stored):
        return [
            {"count": fix["count"], "label": FIX_LABELS[fix["key"]], "examples": fix.get("examples", [])}
            for fix in stored.get("fixes", [])
            if fix.get("key") in FIX_LABELS
        ]

    def _sheets(self, stored):
        """The sheets as tabs, the chosen one with its rows filtered by kind."""
        sheets = [sheet for sheet in stored.get("sheets", []) if sheet.get("total")]
        if not sheets:
            return None
        keys = [sheet["key"] for sheet in sheets]
        chosen_key = self.request.GET.get("sheet")
        chosen_key = chosen_key if chosen_key in keys else keys[0]
        kind = self.request.GET.get("kind")
        kind = kind if kind in KINDS else ""
        tabs = []
        for sheet in sheets:
            tabs.append(
                {
                    "title": sheet["title"],
                    "total": sheet["total"],
                    "query": urlencode({"sheet": sheet["key"]}),
                    "active": sheet["key"] == chosen_key,
                }
            )
        chosen = sheets[keys.index(chosen_key)]
        kinds = chosen.get("kinds", {})
        filters = [{"label": _("Tất cả"), "count": chosen["total"], "kind": "", "active": not kind}]
        filters += [
            {"label": KIND_LABELS[name], "count": kinds.get(name, 0), "kind": name, "active": kind == name}
            for name in KINDS
            if kinds.get(name)
        ]
        for item in filters:
            item["query"] = urlencode({"sheet": chosen_key, **({"kind": item["kind"]} if item["kind"] else {})})
        rows = [row for row in chosen.get("rows", []) if not kind or row["kind"] == kind]
        for row in rows:
            row["kind_label"] = KIND_LABELS.get(row["kind"], "")
        shown = {
            "tabs": tabs,
            "title": chosen["title"],
            "total": chosen["total"],
            "stored": len(chosen.get("rows", [])),
            "filters": filters,
            "kind": kind,
            "rows": rows,
        }
        if chosen_key == REORGANISATION.key:
            # Events, each with what it carries: a page at a time; those past the stored ones counted.
            count = kinds.get(kind, 0) if kind else chosen["total"]
            page = Paginator(rows, EVENTS_PER_PAGE).get_page(self.request.GET.get("page"))
            more = count - len(rows) if not page.has_next() else 0
            query = urlencode({"sheet": chosen_key, **({"kind": kind} if kind else {})})
            shown.update(events=True, rows=page.object_list, page=page, more=more, query=query)
        return shown


class ImportStatusView(ImportMixin, View):
    """What the progress page polls."""

    def get(self, request, pk):
        record = get_object_or_404(self.get_queryset(), pk=pk)
        runs.fail_if_stale(record)
        return JsonResponse(
            {
                "status": record.status,
                "label": record.get_status_display(),
                "running": record.is_running,
                "waiting": record.is_waiting,
                "progress": runs.current_progress(record),
            }
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
    """Give up a checked file, or a run that failed or was interrupted: its file is deleted from the
    server; nothing was written. A finished import cannot be discarded."""

    def post(self, request, pk):
        record = get_object_or_404(self.get_queryset(), pk=pk)
        if runs.discard(record):
            messages.info(request, _("Đã hủy; không có gì được ghi."))
        return redirect("imports:start")


class ImportRetryView(ImportMixin, View):
    """Run a failed check or import again from its kept file (a worker stopped half-way, or the data
    changed in between); nothing was written by the failed run."""

    def post(self, request, pk):
        record = get_object_or_404(self.get_queryset(), pk=pk)
        if runs.retry(record):
            messages.info(request, _("Đã cho chạy lại."))
        else:
            messages.error(request, _("Không chạy lại được lần này; hãy tải tệp lên lại."))
        return redirect("imports:detail", pk=record.pk)


class TemplateDownloadView(ImportMixin, View):
    def get(self, request):
        response = HttpResponse(build_template(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="mau-nhap-du-lieu.xlsx"'
        return response
