"""Report pages and their Excel downloads. Scope: the unit comes through units.mixins
(`Unit.objects.restrict(user)`: a unit outside it is a 404) and the people counted from
`Candidate.objects.restrict(user)`."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, TemplateView, View

from recruitment.models import Candidate
from units import readlog
from units.forms import period_from_params
from units.mixins import RestrictedObjectMixin, ScopedUnitMixin
from units.models import Term
from units.periods import EARLIEST_YEAR, LATEST_YEAR
from units.permissions import VIEW

from . import excel, results, selectors
from .charts import cumulative_chart, render_cumulative_svg
from .models import ReportFile, ReportFileStatus
from .tables import ProgressTable

REPORTS = {
    # name: (url name, tab label)
    "progress": ("reports:progress", _("Tiến độ")),
    "breakdown": ("reports:breakdown", _("Cơ cấu")),
    "pipeline": ("reports:pipeline", _("Quy trình")),
    "coverage": ("reports:coverage", _("Chưa kết nạp")),
    "probation": ("reports:probation", _("Dự bị")),
}


class ReportUnitMixin(ScopedUnitMixin):
    """A report or export of the unit named by its code in the URL, read by the user: the people
    counted are those the user may see (Candidate.objects.restrict(user))."""

    lookup_field = "code"
    lookup_url_kwarg = "code"
    include_self_in_crumbs = False

    @cached_property
    def candidates(self):
        return Candidate.objects.restrict(self.request.user, VIEW)


def report_period(request):
    """The period asked for; on bad input this year, with the reasons as messages."""
    period, errors = period_from_params(request.GET)
    for error in errors:
        messages.error(request, error)
    if errors:
        messages.info(request, _("Đang hiển thị: %(period)s.") % {"period": period.label})
    return period, bool(errors)


def report_index(request):
    """/bao-cao/: the progress report of the user's own unit."""
    if request.user.unit_id is None:
        messages.info(request, _("Tài khoản của bạn chưa gắn với đơn vị nào nên chưa có báo cáo."))
        return redirect("home")
    return redirect("reports:progress", code=request.user.unit.code)


@dataclass
class ListPage:
    """A page of one of a report's long lists: `param` is its page's GET parameter, `query` the other
    parameters its links keep (the period and the other lists' pages), `anchor` the list's id."""

    page: Page
    param: str
    query: str
    anchor: str


class ReportView(ReportUnitMixin, TemplateView):
    report_name = ""
    # A province has thousands of people on probation and of idle cells: a page shows this many of
    # each list, the Excel download all of them.
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        self.period, _refused = report_period(request)
        self.today = timezone.localdate()
        return super().get(request, *args, **kwargs)

    def get_report(self):
        """Each report page (ProgressView, BreakdownView, ...) returns its selector's result."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = urlencode(self.period.query_params())
        context.update(
            unit=self.unit,
            period=self.period,
            period_query=query,
            report=self.get_report(),
            report_name=self.report_name,
            tabs=[
                (name, reverse(url, kwargs={"code": self.unit.code}) + f"?{query}", label, name == self.report_name)
                for name, (url, label) in REPORTS.items()
            ],
            ancestors=self.crumbs,
            terms=list(Term.objects.all()),
            params=self.period.query_params(),
            quarter_choices=range(1, 5),
            earliest_year=EARLIEST_YEAR,
            latest_year=LATEST_YEAR,
            month_choices=range(1, 12),
            export_url=reverse("reports:export", kwargs={"code": self.unit.code, "report": self.report_name})
            + f"?{query}",
            return_url=reverse("reports:quarterly_return", kwargs={"code": self.unit.code}) + f"?{query}",
        )
        return context

    def paginate(self, lists):
        """{GET parameter: (rows, anchor)} -> {GET parameter: ListPage}. A page number that is not a
        number shows the first page, one past the end the last."""
        pages = {
            param: Paginator(rows, self.paginate_by).get_page(self.request.GET.get(param))
            for param, (rows, _anchor) in lists.items()
        }
        period = self.period.query_params()
        return {
            param: ListPage(
                page,
                param,
                urlencode(
                    {
                        **period,
                        **{other: pages[other].number for other in pages if other != param and pages[other].number > 1},
                    }
                ),
                lists[param][1],
            )
            for param, page in pages.items()
        }


class ProgressView(ReportView):
    report_name = "progress"
    template_name = "reports/progress.html"

    def get_report(self):
        return selectors.progress_report(self.unit, self.period, candidates=self.candidates, today=self.today)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, period = context["report"], self.period
        # Each row drills down to the same report one level below, for the same period.
        context["table"] = ProgressTable(
            report.rows,
            columns=ProgressTable.REPORT,
            total=report.total,
            link="reports:progress",
            link_key="code",
            link_query=context["period_query"],
            sort=self.request.GET.get("sort", ""),
            sort_query=context["period_query"],
            testid="progress-table",
        )
        if report.monthly is not None:
            monthly = report.monthly
            target = report.total.target if period.target_year == period.year else None
            chart = cumulative_chart(period.year, monthly, target, today=self.today)
            context["chart_svg"] = render_cumulative_svg(
                chart,
                title=_("Kết nạp cộng dồn theo tháng năm %(year)d") % {"year": period.year},
                actual_label=_("Đã kết nạp (cộng dồn)"),
                pace_label=_("Tiến độ đều đến chỉ tiêu năm"),
            )
        return context


class BreakdownView(ReportView):
    report_name = "breakdown"
    template_name = "reports/breakdown.html"

    def get_report(self):
        return selectors.breakdown_report(self.unit, self.period, candidates=self.candidates)


class PipelineView(ReportView):
    report_name = "pipeline"
    template_name = "reports/pipeline.html"

    def get_report(self):
        return selectors.pipeline_report(self.unit, self.period, candidates=self.candidates)


class CoverageView(ReportView):
    report_name = "coverage"
    template_name = "reports/coverage.html"

    def get_report(self):
        return selectors.coverage_report(self.unit, self.period, candidates=self.candidates)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = context["report"]
        pages = self.paginate(
            {
                "cells_page": (report.idle_cells, "idle-cells"),
                "grassroots_page": (report.idle_grassroots, "idle-grassroots"),
            }
        )
        context.update(idle_cells=pages["cells_page"], idle_grassroots=pages["grassroots_page"])
        return context


class ProbationView(ReportView):
    report_name = "probation"
    template_name = "reports/probation.html"

    def get_report(self):
        return selectors.probation_report(self.unit, self.period, candidates=self.candidates, today=self.today)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = context["report"]
        pages = self.paginate(
            {"ending_page": (report.ending, "probation-ending"), "overdue_page": (report.overdue, "probation-overdue")}
        )
        context.update(ending=pages["ending_page"], overdue=pages["overdue_page"])
        return context


# Reports whose workbook names people (the others hold counts only): their downloads are recorded.
PEOPLE_REPORTS = {"probation"}


def _xlsx_response(workbook, name):
    response = HttpResponse(excel.workbook_bytes(workbook), content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ReportExportView(ReportUnitMixin, View):
    """One report as a workbook (the breakdown with its per-unit sheet)."""

    def get(self, request, code, report):
        unit = self.unit
        if report not in REPORTS:
            messages.error(request, _("Không có báo cáo này."))
            return redirect("reports:progress", code=unit.code)
        period, refused = report_period(request)
        if refused:  # say why on the page rather than hand over a workbook for another period
            return redirect(reverse(REPORTS[report][0], kwargs={"code": unit.code}))
        if results.needs_job(unit):
            return _built_file(request, unit, report, period)
        reports = excel.build_reports(
            unit, period, candidates=self.candidates, today=timezone.localdate(), names=[report]
        )
        response = _xlsx_response(
            excel.report_workbook({report: reports[report]}), excel.filename(report, unit, period)
        )
        if report in PEOPLE_REPORTS:
            readlog.record(
                request, readlog.Kind.REPORT_EXPORT, unit=unit, period=period.label, detail=REPORTS[report][1]
            )
        return response


class QuarterlyReturnView(ReportUnitMixin, View):
    """The quarterly return: every report for the unit and period, one sheet each."""

    def get(self, request, code):
        unit = self.unit
        period, refused = report_period(request)
        if refused:
            return redirect("reports:progress", code=unit.code)
        if results.needs_job(unit):
            return _built_file(request, unit, results.RETURN, period)
        workbook = excel.quarterly_return(unit, period, candidates=self.candidates, today=timezone.localdate())
        response = _xlsx_response(workbook, excel.filename(results.RETURN, unit, period))
        readlog.record(request, readlog.Kind.QUARTERLY_RETURN, unit=unit, period=period.label)
        return response


def _built_file(request, unit, report, period):
    """A large unit's export: the workbook built already for today's data, or its job's page."""
    record = results.request_file(
        unit=unit, report=report, period=period, user=request.user, today=timezone.localdate()
    )
    if record.status == ReportFileStatus.DONE:
        try:
            stored = open(record.stored_path, "rb")  # noqa: SIM115 (FileResponse closes it)
        except FileNotFoundError:  # deleted by the housekeeping a moment ago: build it again
            results.start(record)
        else:
            if report == results.RETURN:
                readlog.record(request, readlog.Kind.QUARTERLY_RETURN, unit=unit, period=period.label)
            elif report in PEOPLE_REPORTS:
                readlog.record(
                    request, readlog.Kind.REPORT_EXPORT, unit=unit, period=period.label, detail=REPORTS[report][1]
                )
            return FileResponse(
                stored, as_attachment=True, filename=record.file_name, content_type=excel.XLSX_CONTENT_TYPE
            )
    return redirect("reports:file", pk=record.pk)


def download_url(record):
    """Where a built file is downloaded: the export's own address, which serves it while the data is
    unchanged and builds it again after any change (never a stale file)."""
    query = f"?{record.period}" if record.period else ""
    if record.report == results.RETURN:
        return reverse("reports:quarterly_return", kwargs={"code": record.unit.code}) + query
    return reverse("reports:export", kwargs={"code": record.unit.code, "report": record.report}) + query


class ReportFileMixin(RestrictedObjectMixin):
    """A built workbook, read by anyone who may read its unit's reports (outside: 404)."""

    queryset = ReportFile.objects.select_related("unit")

    def scope_unit(self, obj):
        return obj.unit


class ReportFileView(ReportFileMixin, DetailView):
    """A workbook being built: its state and progress (the page polls, or refreshes itself without
    JavaScript), the download when done, a retry when it failed."""

    template_name = "reports/report_file.html"
    context_object_name = "record"

    def get(self, request, *args, **kwargs):
        results.fail_if_stale(self.object)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        record = self.object
        label = (
            _("Báo cáo quý (đủ các biểu)")
            if record.report == results.RETURN
            else REPORTS.get(record.report, ("", ""))[1]
        )
        return super().get_context_data(
            report_label=label, download_url=download_url(record), unit=record.unit, **kwargs
        )


class ReportFileStatusView(ReportFileMixin, View):
    """What the page of a workbook being built polls."""

    def get(self, request, pk):
        record = self.object
        results.fail_if_stale(record)
        return JsonResponse(
            {
                "status": record.status,
                "label": record.get_status_display(),
                "running": record.is_running,
                "waiting": record.is_waiting,
                "progress": record.progress,
            }
        )


class ReportFileRetryView(ReportFileMixin, View):
    def post(self, request, pk):
        record = self.object
        if results.retry(record):
            messages.info(request, _("Đã cho tạo lại tệp."))
        return redirect("reports:file", pk=record.pk)
