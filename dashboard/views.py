"""The pages that combine the apps below: home by role, a unit's page and its change feed.

Every object comes through units.mixins (`restrict(user, action)`): outside the user's subtree is a
404, an action the role may not take a 403.
"""

from django.core.paginator import Paginator
from django.utils import timezone
from django.views.generic import TemplateView

from recruitment.models import Candidate
from recruitment.permissions import ADD_CANDIDATE
from recruitment.pipeline import Stage
from recruitment.progress import progress_report, time_left
from recruitment.selectors import stage_counts
from recruitment.todo import TodoList
from reports.tables import ProgressTable
from units import readlog, services
from units.forms import QuarterCloseForm
from units.mixins import ScopedUnitMixin, home_unit
from units.models import ClosedQuarter, ReadEvent, Target, Term
from units.periods import Period, previous_quarter, requested_year
from units.permissions import CHANGE, CLOSE_QUARTER, REOPEN_QUARTER, VIEW_HISTORY, VIEW_READ_LOG, allows

from . import feed

HOME_DUE_ITEMS_SHOWN = 10


class HomeView(TemplateView):
    """Staff and leadership: their unit's year and each unit below, and the to-do. A cell secretary:
    the cell's quota, its people by stage, and what is due."""

    template_name = "dashboard/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        unit = home_unit(user)
        if unit is None:
            return context
        today = timezone.localdate()
        report = progress_report(unit, Period.for_year(today.year), today=today, with_members=False)
        candidates = Candidate.objects.in_subtree(unit)
        todo = TodoList(candidates, today=today)
        # One scan of the subtree for both the stage counts and the to-do counts.
        counts, todo_counts = stage_counts(candidates, **todo.count_aggregates())
        todo.use_counts(todo_counts)
        own = report.total
        left = time_left(today.year, today)
        context.update(
            time_left=left,
            per_month=own.needed_per_month,
            # Who will miss the year, flagged for staff and leadership (the list: reports' outlook).
            will_miss=[] if user.is_secretary else [row for row in (own, *report.rows) if row.will_miss],
            unit=unit,
            year=today.year,
            own=own,
            table=ProgressTable(report.rows),
            stage_counts=[(stage, counts.get(stage.value, 0)) for stage in Stage],
            todo=todo[:HOME_DUE_ITEMS_SHOWN],
            todo_total=todo.count(),
            overdue_total=todo.overdue_total,
            is_secretary=user.is_secretary,
            can_list=allows(user, ADD_CANDIDATE, unit),
        )
        return context


class UnitDetailView(ScopedUnitMixin, TemplateView):
    """A unit's year: its progress and its children's, its targets, closed quarters, latest changes."""

    template_name = "dashboard/unit_detail.html"
    include_self_in_crumbs = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit, user = self.unit, self.request.user
        year = requested_year(self.request.GET.get("nam"))
        report = progress_report(unit, Period.for_year(year), today=timezone.localdate())
        can_change = allows(user, CHANGE, unit)
        this_year = timezone.localdate().year
        last_year, last_quarter = previous_quarter(timezone.localdate())
        context.update(
            year=year,
            own=report.total,
            table=ProgressTable(report.rows, columns=ProgressTable.UNIT, link_query=f"nam={year}"),
            members_mismatch=report.member_disagreements,
            targets=list(
                Target.objects.filter(unit=unit).select_related("term").order_by("-year", "-term__start_year")
            ),
            shortfall=services.children_target_shortfall(unit=unit, year=year) if report.rows else 0,
            can_set_targets=can_change and not unit.is_cell,
            years=range(this_year + 1, this_year - 5, -1),
            terms=list(Term.objects.order_by("-start_year")) if can_change and report.rows else [],
            closures=[
                (closure, allows(user, REOPEN_QUARTER, closure.unit))
                for closure in ClosedQuarter.objects.covering(unit).select_related("unit")
            ],
            close_form=QuarterCloseForm(initial={"year": last_year, "quarter": last_quarter})
            if allows(user, CLOSE_QUARTER, unit)
            else None,
            history=feed.latest_changes(unit, user),
            can_see_feed=allows(user, VIEW_HISTORY, unit),
            can_see_read_log=allows(user, VIEW_READ_LOG, unit),
        )
        return context


class UnitHistoryView(ScopedUnitMixin, TemplateView):
    """The unit's change feed: everything recorded in its subtree, newest first, for its staff."""

    template_name = "dashboard/unit_history.html"
    action = VIEW_HISTORY

    def get_context_data(self, **kwargs):
        page = feed.feed_page(self.unit, self.request.user, self.request.GET.get("page"))
        return super().get_context_data(page=page, **kwargs)


class ReadLogView(ScopedUnitMixin, TemplateView):
    """Who read what: the exports and full citizen IDs read by accounts of the unit's subtree, newest
    first, for the unit's staff (and so for every committee above). Two queries for the rows."""

    template_name = "dashboard/read_log.html"
    action = VIEW_READ_LOG
    paginate_by = 50

    def get_context_data(self, **kwargs):
        events = (
            ReadEvent.objects.restrict(self.request.user, VIEW_READ_LOG)
            .filter(reader_unit__path__startswith=self.unit.path)
            .select_related("reader_unit", "unit")
        )
        filterset = readlog.ReadEventFilter(self.request.GET or None, queryset=events)
        rows = filterset.qs if filterset.is_valid() or not filterset.is_bound else events.none()
        page = Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter=filterset,
            page=page,
            query=query.urlencode(),
            filtered=any(value for key, value in self.request.GET.items() if key != "page"),
            kinds=readlog.Kind,
            **kwargs,
        )
