"""Report pages and their Excel downloads. Scope: the unit comes through units.mixins
(`Unit.objects.restrict(user)`: a unit outside it is a 404); the people counted are those of its
subtree in the tree the report counts by (selectors.counted_people)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, TemplateView, View

from recruitment import progress
from units import formatting, readlog
from units import services as unit_services
from units.forms import period_from_params
from units.mixins import RestrictedObjectMixin, ScopedUnitMixin
from units.models import ClosedQuarter, Term, Unit
from units.periods import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    is_sensible_year,
    previous_quarter,
    quarter_bounds,
    quarter_label,
    quarter_of,
    requested_number,
    requested_year,
)
from units.permissions import CLOSE_QUARTER, REOPEN_QUARTER, VIEW, allows

from . import excel, results, selectors, services
from .charts import cumulative_chart, render_cumulative_svg
from .models import ReportFile, ReportFileStatus, SubmittedReturn
from .permissions import SUBMIT_RETURN
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
    """A report or export of the unit named by its code in the URL, read by a user who may see the unit:
    the people counted are those of its subtree in the tree the report counts by (selectors.counted_people)."""

    lookup_field = "code"
    lookup_url_kwarg = "code"
    include_self_in_crumbs = False

    @cached_property
    def candidates(self):
        return selectors.counted_people()


def report_period(request):
    """The period asked for; on bad input this year, with the reasons as messages."""
    period, errors = period_from_params(request.GET)
    for error in errors:
        messages.error(request, error)
    if errors:
        messages.info(request, _("Đang hiển thị: %(period)s.") % {"period": period.label})
    return period, bool(errors)


def current_term(terms, today):
    """The term running on `today` (the last one begun, between two terms), or None."""
    begun = [term for term in terms if term.start_date <= today]
    return max(begun, key=lambda term: term.start_date, default=None)


TODAY_TREE_PARAM = "cay"
TODAY_TREE_VALUE = "hien-nay"


def wants_today_tree(request):
    return request.GET.get(TODAY_TREE_PARAM) == TODAY_TREE_VALUE


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

    @cached_property
    def dated(self):
        """(the unit as it stood, the tree): the tree on the period's last day, or today's when asked
        (`?cay=hien-nay`)."""
        return excel.dated(self.unit, self.period, today_tree=wants_today_tree(self.request), today=self.today)

    @property
    def placed(self):
        return self.dated[0]

    @property
    def tree(self):
        return self.dated[1]

    def get_report(self):
        """Each report page (ProgressView, BreakdownView, ...) returns its selector's result."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.period.query_params()
        today_tree = wants_today_tree(self.request)
        if today_tree:
            params = {**params, TODAY_TREE_PARAM: TODAY_TREE_VALUE}
        query = urlencode(params)
        terms = list(Term.objects.all())
        context.update(
            unit=self.unit,
            tree_date=self.tree.day,
            placed_name=self.placed.name,
            today_tree=today_tree,
            tree_toggle_query=urlencode(
                self.period.query_params() if today_tree else {**params, TODAY_TREE_PARAM: TODAY_TREE_VALUE}
            ),
            period=self.period,
            period_query=query,
            report=self.get_report(),
            report_name=self.report_name,
            tabs=[
                (name, reverse(url, kwargs={"code": self.unit.code}) + f"?{query}", label, name == self.report_name)
                for name, (url, label) in REPORTS.items()
            ],
            ancestors=self.crumbs,
            terms=terms,
            # The term shown in the term selector: the period's, else the one running today.
            selected_term=self.period.term or current_term(terms, self.today),
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
        return selectors.progress_report(
            self.placed, self.period, candidates=self.candidates, today=self.today, tree=self.tree
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, period = context["report"], self.period
        in_year = report.year_to_date_apart
        # Each row drills down to the same report one level below, for the same period.
        context["table"] = ProgressTable(
            report.rows,
            columns=ProgressTable.QUARTER if in_year else ProgressTable.REPORT,
            total=report.total,
            link="reports:progress",
            link_key="code",
            link_query=context["period_query"],
            sort=self.request.GET.get("sort", ""),
            sort_query=context["period_query"],
            testid="progress-table",
        )
        if in_year:
            context["year_to_date_line"] = year_to_date_line(period, report.total)
        if period.year is not None and period.year == self.today.year:
            missing = [row for row in (report.total, *report.rows) if row.will_miss]
            context.update(
                will_miss=missing,
                outlook_url=reverse("reports:outlook", kwargs={"code": self.unit.code})
                + f"?{urlencode({'year': period.year})}",
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


def year_to_date_line(period, total):
    """ "Quý III kết nạp 12; lũy kế 9 tháng 40, đạt 80% kế hoạch năm." as the returns write it."""
    values = {
        "period": period.label,
        "admitted": formatting.vn_int(total.admitted),
        "months": period.end.month,
        "so_far": formatting.vn_int(total.year_to_date),
    }
    if total.year_ratio is None:
        return _("%(period)s kết nạp %(admitted)s; lũy kế %(months)d tháng %(so_far)s (chưa có chỉ tiêu năm).") % values
    return _("%(period)s kết nạp %(admitted)s; lũy kế %(months)d tháng %(so_far)s, đạt %(ratio)s kế hoạch năm.") % {
        **values,
        "ratio": formatting.vn_percent(total.year_ratio),
    }


class OutlookView(ReportUnitMixin, TemplateView):
    """Who will miss the year: the unit and the units directly below it whose year-end, projected at
    the pace since 1/1, falls short of the year's target, the largest shortfall first, with the pace
    now needed. Each unit links to its own list one level below."""

    template_name = "reports/outlook.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        year = requested_year(self.request.GET.get("year"), today=today)
        outlook = progress.year_end_outlook(self.unit, year, candidates=self.candidates, today=today)
        context.update(
            unit=self.unit,
            year=year,
            period_query=urlencode({"year": year}),
            outlook=outlook,
            ancestors=self.crumbs,
            years=range(today.year, today.year - 5, -1),
            time_left=progress.time_left(year, today),
            table=ProgressTable(
                outlook.missing,
                columns=ProgressTable.OUTLOOK,
                link="reports:outlook",
                link_key="code",
                link_query=urlencode({"year": year}),
                testid="outlook-table",
            ),
            progress_url=reverse("reports:progress", kwargs={"code": self.unit.code}) + f"?year={year}",
        )
        return context


class BreakdownView(ReportView):
    report_name = "breakdown"
    template_name = "reports/breakdown.html"

    def get_report(self):
        return selectors.breakdown_report(self.placed, self.period, candidates=self.candidates, tree=self.tree)


class PipelineView(ReportView):
    report_name = "pipeline"
    template_name = "reports/pipeline.html"

    def get_report(self):
        return selectors.pipeline_report(self.placed, self.period, candidates=self.candidates, tree=self.tree)


class CoverageView(ReportView):
    report_name = "coverage"
    template_name = "reports/coverage.html"

    def get_report(self):
        return selectors.coverage_report(self.placed, self.period, candidates=self.candidates, tree=self.tree)

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
        return selectors.probation_report(
            self.placed, self.period, candidates=self.candidates, today=self.today, tree=self.tree
        )

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
        today = timezone.localdate()
        today_tree = wants_today_tree(request)
        if results.needs_job(unit):
            return _built_file(request, unit, report, period, today_tree=today_tree)
        placed, tree = excel.dated(unit, period, today_tree=today_tree, today=today)
        reports = excel.build_reports(
            placed, period, candidates=self.candidates, today=today, names=[report], tree=tree
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
        today = timezone.localdate()
        today_tree = wants_today_tree(request)
        if results.needs_job(unit):
            return _built_file(request, unit, results.RETURN, period, today_tree=today_tree)
        placed, tree = excel.dated(unit, period, today_tree=today_tree, today=today)
        workbook = excel.quarterly_return(placed, period, candidates=self.candidates, today=today, tree=tree)
        response = _xlsx_response(workbook, excel.filename(results.RETURN, unit, period))
        readlog.record(request, readlog.Kind.QUARTERLY_RETURN, unit=unit, period=period.label)
        return response


def _built_file(request, unit, report, period, *, today_tree=False):
    """A large unit's export: the workbook built already for today's data, or its job's page."""
    record = results.request_file(
        unit=unit,
        report=report,
        period=period,
        user=request.user,
        today=timezone.localdate(),
        today_tree=today_tree,
    )
    if record.status == ReportFileStatus.DONE:
        response = _stored_file(request, record)
        if response is not None:
            return response
        results.start(record)  # deleted by the housekeeping a moment ago: build it again
    return redirect("reports:file", pk=record.pk)


def _stored_file(request, record):
    """The workbook a job built, as a download (recorded in the read log), or None when its file is gone."""
    try:
        stored = open(record.stored_path, "rb")  # noqa: SIM115 (FileResponse closes it)
    except (FileNotFoundError, IsADirectoryError):
        return None
    unit, period = record.unit, record.period_label
    if record.report == results.RETURN:
        readlog.record(request, readlog.Kind.QUARTERLY_RETURN, unit=unit, period=period)
    elif record.report in PEOPLE_REPORTS:
        readlog.record(request, readlog.Kind.REPORT_EXPORT, unit=unit, period=period, detail=REPORTS[record.report][1])
    return FileResponse(stored, as_attachment=True, filename=record.file_name, content_type=excel.XLSX_CONTENT_TYPE)


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
        return JsonResponse(record.status_for_page())


class ReportFileDownloadView(ReportFileMixin, View):
    """The workbook this job built, whatever changed since: what the person waited for. (The export's
    own address builds a new one after any change; on a busy day that would keep them waiting.)"""

    def get(self, request, pk):
        record = self.object
        if record.status == ReportFileStatus.DONE:
            response = _stored_file(request, record)
            if response is not None:
                return response
        return redirect("reports:file", pk=record.pk)


class ReportFileRetryView(ReportFileMixin, View):
    def post(self, request, pk):
        record = self.object
        if results.retry(record):
            messages.info(request, _("Đã cho tạo lại tệp."))
        return redirect("reports:file", pk=record.pk)


# --- Quarterly returns: submitted, closed, reopened -----------------------------------------------


def _requested_quarter(request, today):
    """(year, quarter) asked for by ?year=&quarter=, else the quarter whose return is due."""
    year = requested_number(request.GET.get("year"), max_digits=4)
    quarter = requested_number(request.GET.get("quarter"), max_digits=1)
    if year is None or not is_sensible_year(year) or quarter not in (1, 2, 3, 4):
        return previous_quarter(today)
    return year, quarter


class ReturnsView(ReportUnitMixin, TemplateView):
    """The quarter's returns: whether the unit and each unit directly below it have submitted (with
    the workbook as sent), and which are closed; the buttons to submit, close and reopen, each of
    which asks for confirmation first."""

    template_name = "reports/returns.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit, today = self.request.user, self.unit, timezone.localdate()
        year, quarter = _requested_quarter(self.request, today)
        report = selectors.returns_report(unit, year, quarter)
        _start, end = quarter_bounds(year, quarter)
        ended = end < today

        def actions(status, *, own):
            closed = status.closure is not None
            return {
                "submit": own and ended and not closed and allows(user, SUBMIT_RETURN, status.unit),
                "close": ended and not closed and allows(user, CLOSE_QUARTER, status.unit),
                "reopen": closed
                and status.closure.unit_id == status.unit.pk
                and allows(user, REOPEN_QUARTER, status.unit),
            }

        this_year, this_quarter = quarter_of(today)
        quarters = []
        for offset in range(8):  # the last two years' quarters, newest first
            q_year, q = divmod((this_year * 4 + this_quarter - 1) - offset, 4)
            quarters.append((q_year, q + 1, quarter_label(q_year, q + 1)))
        context.update(
            unit=unit,
            ancestors=self.crumbs,
            report=report,
            year=year,
            quarter=quarter,
            period_query=urlencode({"year": year, "quarter": quarter}),
            label=quarter_label(year, quarter),
            ended=ended,
            own_actions=actions(report.own, own=True),
            rows=[(status, actions(status, own=False)) for status in report.rows],
            quarters=quarters,
            here=unit.code,
        )
        return context


class ReturnActionView(ReportUnitMixin, TemplateView):
    """One action on a unit's quarter (`code` in the URL names the unit acted on): GET asks for
    confirmation, POST does it and goes back to the returns page it came from (`?tu=CODE`)."""

    template_name = "reports/return_confirm.html"

    def dispatch(self, request, *args, **kwargs):
        self.year, self.quarter = kwargs["year"], kwargs["quarter"]
        if not is_sensible_year(self.year) or self.quarter not in (1, 2, 3, 4):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @property
    def label(self):
        return quarter_label(self.year, self.quarter)

    def back_url(self):
        """The returns page the action came from, when it is in the user's scope; else the unit's."""
        code = self.request.GET.get("tu") or self.request.POST.get("tu") or ""
        back = Unit.objects.restrict(self.request.user, VIEW).filter(code=code[:30]).first() or self.unit
        query = urlencode({"year": self.year, "quarter": self.quarter})
        return reverse("reports:returns", kwargs={"code": back.code}) + f"?{query}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            label=self.label,
            question=self.question(),
            button=self.button,
            tone=self.tone,
            back=self.back_url(),
            tu=self.request.GET.get("tu", ""),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            message = self.act()
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, message)
        return redirect(self.back_url())


class SubmitReturnView(ReturnActionView):
    action = SUBMIT_RETURN
    permission_denied_message = _("Chỉ cán bộ Ban Tổ chức của đơn vị được gửi báo cáo quý.")
    button = _("Gửi báo cáo quý")
    tone = "primary"

    def question(self):
        return _(
            "Gửi báo cáo %(quarter)s của %(unit)s lên cấp trên? Tệp Excel (đủ các biểu) được lập ngay bây giờ "
            "và lưu nguyên như khi gửi."
        ) % {"quarter": self.label, "unit": self.unit.name}

    def act(self):
        services.return_submit(actor=self.request.user, unit=self.unit, year=self.year, quarter=self.quarter)
        return _("Đã gửi báo cáo %(quarter)s của %(unit)s.") % {"quarter": self.label, "unit": self.unit.name}


class CloseQuarterView(ReturnActionView):
    action = CLOSE_QUARTER
    permission_denied_message = _("Chỉ cán bộ Ban Tổ chức của đơn vị hoặc cấp trên được khóa sổ.")
    button = _("Khóa sổ")
    tone = "warning"

    def question(self):
        return _(
            "Khóa sổ %(quarter)s cho %(unit)s và các đơn vị trực thuộc? Quyết định kết nạp, lễ kết nạp và công "
            "nhận chính thức có ngày trong quý sẽ không sửa được nữa, cho đến khi cấp trên mở lại."
        ) % {"quarter": self.label, "unit": self.unit.name}

    def act(self):
        unit_services.quarter_close(actor=self.request.user, unit=self.unit, year=self.year, quarter=self.quarter)
        return _("Đã khóa sổ %(quarter)s cho %(unit)s và các đơn vị trực thuộc.") % {
            "quarter": self.label,
            "unit": self.unit.name,
        }


class ReopenQuarterView(ReturnActionView):
    action = REOPEN_QUARTER
    permission_denied_message = _("Chỉ cán bộ Ban Tổ chức của cấp ủy cấp trên được mở lại sổ đã khóa.")
    button = _("Mở lại sổ")
    tone = "danger"

    def closure(self):
        return get_object_or_404(ClosedQuarter, unit=self.unit, year=self.year, quarter=self.quarter)

    def get(self, request, *args, **kwargs):
        self.closure()  # nothing to reopen: 404
        return super().get(request, *args, **kwargs)

    def question(self):
        return _(
            "Mở lại sổ %(quarter)s của %(unit)s? Đơn vị sửa được số liệu của quý và gửi lại báo cáo; báo cáo đã "
            "gửi trước đó vẫn được giữ."
        ) % {"quarter": self.label, "unit": self.unit.name}

    def act(self):
        unit_services.quarter_reopen(actor=self.request.user, closure=self.closure())
        return _("Đã mở lại sổ %(quarter)s của %(unit)s.") % {"quarter": self.label, "unit": self.unit.name}


def submitted_return_download(request, pk):
    """The workbook as it was sent; a return outside the reader's scope is a 404."""
    submitted = get_object_or_404(SubmittedReturn.objects.restrict(request.user, VIEW), pk=pk)
    response = HttpResponse(bytes(submitted.workbook), content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{submitted.filename}"'
    readlog.record(request, readlog.Kind.QUARTERLY_RETURN, unit=submitted.unit, period=submitted.label)
    return response
