"""Report pages and their Excel downloads. Scope: the unit comes through units.mixins
(`Unit.objects.restrict(user)`: a unit outside it is a 404) and the people counted from
`Candidate.objects.restrict(user)`."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from recruitment.models import Candidate
from units.forms import period_from_params
from units.mixins import ScopedUnitMixin
from units.models import Term
from units.periods import EARLIEST_YEAR, LATEST_YEAR
from units.permissions import VIEW

from . import excel, selectors
from .charts import cumulative_chart, render_cumulative_svg
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
        return selectors.progress_report(
            self.placed, self.period, candidates=self.candidates, today=self.today, tree=self.tree
        )

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
        placed, tree = excel.dated(unit, period, today_tree=wants_today_tree(request), today=today)
        reports = excel.build_reports(
            placed, period, candidates=self.candidates, today=today, names=[report], tree=tree
        )
        return _xlsx_response(excel.report_workbook({report: reports[report]}), excel.filename(report, unit, period))


class QuarterlyReturnView(ReportUnitMixin, View):
    """The quarterly return: every report for the unit and period, one sheet each."""

    def get(self, request, code):
        unit = self.unit
        period, refused = report_period(request)
        if refused:
            return redirect("reports:progress", code=unit.code)
        today = timezone.localdate()
        placed, tree = excel.dated(unit, period, today_tree=wants_today_tree(request), today=today)
        workbook = excel.quarterly_return(placed, period, candidates=self.candidates, today=today, tree=tree)
        return _xlsx_response(workbook, excel.filename("bao-cao", unit, period))
