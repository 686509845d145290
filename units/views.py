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
from django.views.generic import FormView, TemplateView

from recruitment.selectors import year_progress
from recruitment.text import fold

from . import services
from .forms import ChildTargetsForm
from .models import Target, Term, Unit
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
            roots=roots, query=query, total=len(units),
            matches=sum(1 for unit in units if query and (fold(query) in fold(unit.name)
                                                          or fold(query) in unit.code.casefold())),
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
            unit=unit, year=year, own=own, rows=rows, members=members,
            admission_share=(own.admitted / members) if members else None,
            targets=targets,
            crumbs=unit_crumbs(user, unit, include_self=False),
            shortfall=services.children_target_shortfall(unit=unit, year=year) if rows else 0,
            can_set_targets=user.can_edit(unit) and not unit.is_cell,
            years=range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
            terms=list(Term.objects.order_by("-start_year")) if user.can_edit(unit) and rows else [],
        )
        return context


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
        self.targets = dict(Target.objects.filter(unit__in=[unit, *self.children], **self.period)
                            .values_list("unit_id", "admissions"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "children": self.children, "targets": self.targets}

    def period_label(self):
        if self.term:
            return _("nhiệm kỳ %(term)s") % {"term": self.term}
        return _("năm %(year)s") % {"year": self.year}

    def get_context_data(self, **kwargs):
        unit = self.get_unit()
        return super().get_context_data(
            unit=unit, term=self.term, year=self.year, period_label=self.period_label(),
            own_target=self.targets.get(unit.pk), crumbs=unit_crumbs(self.request.user, unit), **kwargs)

    def form_valid(self, form):
        unit = self.get_unit()
        try:
            with transaction.atomic():
                for child, admissions in form.changed_targets():
                    services.target_set(unit=child, admissions=admissions, **self.period)
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("Đã lưu chỉ tiêu %(period)s cho các đơn vị trực thuộc %(unit)s.") % {
            "period": self.period_label(), "unit": unit.name})
        shortfall = services.children_target_shortfall(unit=unit, **self.period)
        if shortfall:
            messages.warning(self.request, _(
                "Tổng chỉ tiêu %(period)s của các đơn vị trực thuộc thấp hơn chỉ tiêu của %(unit)s %(n)s người."
            ) % {"period": self.period_label(), "unit": unit.name, "n": shortfall})
        query = f"nhiem-ky={self.term.pk}" if self.term else f"nam={self.year}"
        return redirect(f"{reverse('units:unit_detail', args=[unit.pk])}?{query}")
