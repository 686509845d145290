"""The unit pages: the tree browser, one unit's page, and the targets of the units below it.

Units come through `Unit.objects.visible_to(request.user)`: outside the user's subtree is a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from recruitment.selectors import year_progress
from recruitment.text import fold

from . import history, services
from .audit import StaleEdit
from .forms import ChildTargetsForm, QuarterCloseForm
from .models import ClosedQuarter, Target, Term, Unit, quarter_of
from .selectors import headcount_by_child

MIN_YEAR, MAX_YEAR = 1930, 2100


def requested_year(request):
    """`?nam=` when it is a sensible year, else this year (bad input is never an error page)."""
    value = request.GET.get("nam", "")
    if value.isdigit() and MIN_YEAR <= int(value) <= MAX_YEAR:
        return int(value)
    return timezone.localdate().year


def unit_crumbs(user, unit, include_self=True):
    return [u for u in Unit.objects.ancestors_of(unit, include_self=include_self) if user.can_see(u)]


class TreeNode:
    def __init__(self, unit):
        self.unit = unit
        self.children = []
        self.match = False
        self.open = False


def build_tree(units, query=""):
    """Nest units (ordered by path) into TreeNodes; mark matches of `query` and open their ancestors."""
    needle = fold(query)
    roots, by_path = [], {}
    for unit in units:
        node = TreeNode(unit)
        by_path[unit.path] = node
        parent = by_path.get(unit.parent_path)
        (parent.children if parent else roots).append(node)
        if needle and (needle in fold(unit.name) or needle in unit.code.casefold()):
            node.match = True
            ancestor = parent
            while ancestor is not None and not ancestor.open:
                ancestor.open = True
                ancestor = by_path.get(ancestor.unit.parent_path)
    if not needle:
        for root in roots:
            root.open = True
    return roots


class UnitTreeView(TemplateView):
    """The whole visible tree in one query; expand and collapse are native <details> elements."""

    template_name = "units/unit_tree.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:100]
        units = list(Unit.objects.visible_to(self.request.user).only("path", "depth", "code", "name", "kind"))
        roots = build_tree(units, query)
        context.update(
            roots=roots,
            query=query,
            total=len(units),
            matches=sum(
                1 for unit in units if query and (fold(query) in fold(unit.name) or fold(query) in unit.code.casefold())
            ),
        )
        return context


class UnitMixin:
    def get_unit(self):
        if not hasattr(self, "_unit"):
            self._unit = get_object_or_404(Unit.objects.visible_to(self.request.user), pk=self.kwargs["pk"])
        return self._unit


class UnitDetailView(UnitMixin, TemplateView):
    template_name = "units/unit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit, user = self.get_unit(), self.request.user
        year = requested_year(self.request)
        own, rows = year_progress(unit, year, with_children=not unit.is_cell)
        _by_child, members = headcount_by_child(unit, year)
        targets = list(Target.objects.filter(unit=unit).select_related("term").order_by("-year", "-term__start_year"))
        context.update(
            unit=unit,
            year=year,
            own=own,
            rows=rows,
            members=members,
            admission_share=(own.admitted / members) if members else None,
            targets=targets,
            crumbs=unit_crumbs(user, unit, include_self=False),
            shortfall=services.children_target_shortfall(unit=unit, year=year) if rows else 0,
            can_set_targets=user.can_edit(unit) and not unit.is_cell,
            years=range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
            terms=list(Term.objects.order_by("-start_year")) if user.can_edit(unit) and rows else [],
            closures=[
                (closure, services.can_reopen(user, closure))
                for closure in ClosedQuarter.objects.covering(unit).select_related("unit")
            ],
            close_form=QuarterCloseForm(initial=_last_quarter()) if services.can_close(user, unit) else None,
            history=history.latest_changes(unit, user),
            can_see_feed=user.can_edit(unit),
        )
        return context


def _last_quarter():
    """The quarter whose return is due: the one before today's."""
    year, quarter = quarter_of(timezone.localdate())
    return {"year": year, "quarter": quarter - 1} if quarter > 1 else {"year": year - 1, "quarter": 4}


class UnitHistoryView(UnitMixin, TemplateView):
    """The unit's change feed: everything recorded in its subtree, newest first, for its staff."""

    template_name = "units/unit_history.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.can_edit(self.get_unit()):
            raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức xem nhật ký thay đổi của đơn vị."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        unit, user = self.get_unit(), self.request.user
        page = history.feed_page(unit, user, self.request.GET.get("page"))
        return super().get_context_data(unit=unit, page=page, crumbs=unit_crumbs(user, unit), **kwargs)


class QuarterCloseView(UnitMixin, View):
    """Staff close a quarter for their subtree once its return is sent (POST from the unit page)."""

    def post(self, request, pk):
        unit = self.get_unit()
        form = QuarterCloseForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("units:unit_detail", pk=unit.pk)
        try:
            closure = services.quarter_close(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Đã khóa sổ %(quarter)s cho %(unit)s và các đơn vị trực thuộc.")
                % {"quarter": closure.label, "unit": unit.name},
            )
        return redirect("units:unit_detail", pk=unit.pk)


class QuarterReopenView(UnitMixin, View):
    """The committee above reopens a closed quarter of a unit below it (POST)."""

    def post(self, request, pk, closure_pk):
        unit = self.get_unit()
        closure = get_object_or_404(ClosedQuarter.objects.covering(unit).select_related("unit"), pk=closure_pk)
        if not request.user.can_see(closure.unit):
            raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức của cấp ủy cấp trên được mở lại sổ đã khóa."))
        services.quarter_reopen(actor=request.user, closure=closure)
        messages.success(
            request, _("Đã mở lại sổ %(quarter)s của %(unit)s.") % {"quarter": closure.label, "unit": closure.unit.name}
        )
        return redirect("units:unit_detail", pk=unit.pk)


class ChildTargetsView(UnitMixin, FormView):
    """Staff hand a target down to the units directly below, for a year (`?nam=`) or a term
    (`?nhiem-ky=`), and are told when those add up to less than the unit's own."""

    template_name = "units/child_targets.html"
    form_class = ChildTargetsForm

    def dispatch(self, request, *args, **kwargs):
        unit = self.get_unit()
        if not request.user.can_edit(unit) or unit.is_cell:
            raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức giao chỉ tiêu cho các đơn vị trực thuộc."))
        term_pk = request.GET.get("nhiem-ky", "")
        self.term = Term.objects.filter(pk=term_pk).first() if term_pk.isdigit() else None
        self.year = None if self.term else requested_year(request)
        self.period = {"term": self.term} if self.term else {"year": self.year}
        self.children = list(Unit.objects.children_of(unit))
        rows = Target.objects.filter(unit__in=[unit, *self.children], **self.period).values_list(
            "unit_id", "admissions", "version"
        )
        self.targets = {unit_id: admissions for unit_id, admissions, _version in rows}
        self.versions = {unit_id: version for unit_id, _admissions, version in rows}
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "children": self.children,
            "targets": self.targets,
            "versions": self.versions,
        }

    def period_label(self):
        if self.term:
            return _("nhiệm kỳ %(term)s") % {"term": self.term}
        return _("năm %(year)s") % {"year": self.year}

    def get_context_data(self, **kwargs):
        unit = self.get_unit()
        return super().get_context_data(
            unit=unit,
            term=self.term,
            year=self.year,
            period_label=self.period_label(),
            own_target=self.targets.get(unit.pk),
            crumbs=unit_crumbs(self.request.user, unit),
            **kwargs,
        )

    def form_valid(self, form):
        unit = self.get_unit()
        stale = []
        try:
            with transaction.atomic():
                for child, admissions, version in form.changed_targets():
                    try:
                        services.target_set(
                            unit=child,
                            admissions=admissions,
                            actor=self.request.user,
                            expected_version=version,
                            **self.period,
                        )
                    except StaleEdit as error:  # keep going, to show every target changed meanwhile
                        stale.append((child, error))
                if stale:
                    raise ValidationError(_("Chưa lưu gì."))
        except ValidationError as error:
            for child, refused in stale:
                form.add_error(None, refused.messages)
                if refused.current is not None:
                    form.refresh_version(child, refused.current.version)
            if not stale:
                form.add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Đã lưu chỉ tiêu %(period)s cho các đơn vị trực thuộc %(unit)s.")
            % {"period": self.period_label(), "unit": unit.name},
        )
        shortfall = services.children_target_shortfall(unit=unit, **self.period)
        if shortfall:
            messages.warning(
                self.request,
                _("Tổng chỉ tiêu %(period)s của các đơn vị trực thuộc thấp hơn chỉ tiêu của %(unit)s %(n)s người.")
                % {"period": self.period_label(), "unit": unit.name, "n": shortfall},
            )
        query = f"nhiem-ky={self.term.pk}" if self.term else f"nam={self.year}"
        return redirect(f"{reverse('units:unit_detail', args=[unit.pk])}?{query}")
