"""The unit pages of the ground floor: the tree browser, handing targets down to the units below,
and closing and reopening a quarter. (A unit's own page combines the apps above: dashboard.views.)

Units come through units.mixins (`restrict(user, action)`): outside the user's subtree is a 404.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View

from . import reorganisation, services
from .audit import OUTSIDE_UNIT, StaleEdit
from .forms import ChildTargetsForm, QuarterCloseForm, ReorganisationForm
from .mixins import ScopedUnitMixin, home_unit
from .models import CELL_KINDS, ClosedQuarter, PoolTarget, ReorgEvent, Target, Term, Unit
from .periods import is_sensible_year, requested_number, requested_year
from .permissions import CHANGE, CLOSE_QUARTER, REOPEN_QUARTER, VIEW, allows
from .text import fold
from .tree import Tree


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
    """The whole visible tree in one query; expand and collapse are native <details> elements. With
    `?ngay=dd/mm/yyyy`, the tree as it stood that day (units.tree), drawn and searched the same way."""

    template_name = "units/unit_tree.html"

    def requested_day(self):
        typed = self.request.GET.get("ngay", "").strip()[:10]
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                day = datetime.datetime.strptime(typed, pattern).date()
            except ValueError:
                continue
            if is_sensible_year(day.year):
                return day
        if typed:
            messages.error(self.request, _("Ngày phải có dạng ngày/tháng/năm, ví dụ 31/12/2024."))
        return None

    def units_as_of(self, day):
        """The user's units as they stood on `day` (names then), among those in their scope today:
        three queries (the scope, the user's unit then, its subtree then)."""
        user = self.request.user
        home = home_unit(user)
        if home is None:
            return []
        visible = set(Unit.objects.restrict(user, VIEW).values_list("pk", flat=True))
        placed, tree = Tree.as_of(day).locate(home)
        if tree.day != day:  # the unit did not exist that day
            return []
        return [unit for unit in tree.subtree(placed) if unit.pk in visible]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:100]
        day = self.requested_day()
        if day is None:
            units = list(
                Unit.objects.restrict(self.request.user, VIEW)
                .active()
                .only("path", "depth", "code", "name", "kind", "ended_on")
            )
        else:
            units = self.units_as_of(day)
        roots = build_tree(units, query)
        context.update(
            roots=roots,
            query=query,
            day=day,
            day_text=self.request.GET.get("ngay", "")[:10],
            total=len(units),
            matches=sum(
                1 for unit in units if query and (fold(query) in fold(unit.name) or fold(query) in unit.code.casefold())
            ),
        )
        return context


class QuarterCloseView(ScopedUnitMixin, View):
    """Staff close a quarter for their subtree once its return is sent (POST from the unit page)."""

    action = CLOSE_QUARTER
    permission_denied_message = gettext_lazy("Chỉ cán bộ Ban Tổ chức của đơn vị được khóa sổ.")

    def post(self, request, pk):
        unit = self.unit
        form = QuarterCloseForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("dashboard:unit_detail", pk=unit.pk)
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
        return redirect("dashboard:unit_detail", pk=unit.pk)


class QuarterReopenView(ScopedUnitMixin, View):
    """The committee above reopens a closed quarter of a unit below it (POST). The closure is one that
    binds the unit in the URL; reopening is asked of the unit that closed it."""

    action = REOPEN_QUARTER
    permission_denied_message = gettext_lazy("Chỉ cán bộ Ban Tổ chức của cấp ủy cấp trên được mở lại sổ đã khóa.")

    def post(self, request, pk, closure_pk):
        closure = get_object_or_404(ClosedQuarter.objects.covering(self.unit).select_related("unit"), pk=closure_pk)
        services.quarter_reopen(actor=request.user, closure=closure)
        messages.success(
            request,
            _("Đã mở lại sổ %(quarter)s của %(unit)s.") % {"quarter": closure.label, "unit": closure.unit.name},
        )
        return redirect("dashboard:unit_detail", pk=self.unit.pk)


class ChildTargetsMixin(ScopedUnitMixin):
    """Handing a target down to the units directly below (with FormView and ChildTargetsForm): the
    children, the targets and versions the form shows for the period the page asked for, and the save
    of every box changed, all or nothing. A box someone changed meanwhile refuses the whole save; each
    such box is named and carries its current version, so saving again is deliberate. A cell has no
    units below it, so it has no such page.

    A page declares `target_model`, its number (`target_field`), the service that sets one
    (`target_service`, called with the unit, that number and the period), `requested_period()` and
    `saved()` (the answer once every change is saved)."""

    form_class = ChildTargetsForm
    queryset = Unit.objects.exclude(kind__in=CELL_KINDS)
    action = CHANGE
    permission_denied_message = gettext_lazy("Chỉ cán bộ Ban Tổ chức giao chỉ tiêu cho các đơn vị trực thuộc.")
    target_model = None
    target_field = None
    target_service = None

    def requested_period(self):
        """{"year": ...} or {"term": ...}: the targets' period, from the page's GET parameters."""
        raise NotImplementedError

    def saved(self):
        raise NotImplementedError

    def check_permission(self):
        super().check_permission()
        self.period = self.requested_period()
        self.children = list(Unit.objects.children_of(self.unit))
        rows = self.target_model.objects.filter(unit__in=[self.unit, *self.children], **self.period).values_list(
            "unit_id", self.target_field, "version"
        )
        self.targets = {unit_id: value for unit_id, value, _version in rows}
        self.versions = {unit_id: version for unit_id, _value, version in rows}

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "children": self.children,
            "targets": self.targets,
            "versions": self.versions,
        }

    def form_valid(self, form):
        stale = []
        try:
            with transaction.atomic():
                for child, value, version in form.changed_targets():
                    try:
                        self.target_service(
                            unit=child,
                            **{self.target_field: value},
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
        return self.saved()


class ChildTargetsView(ChildTargetsMixin, FormView):
    """Staff hand the admissions target down to the units directly below, for a year (`?nam=`) or a
    term (`?nhiem-ky=`), and are told when those add up to less than the unit's own."""

    template_name = "units/child_targets.html"
    target_model = Target
    target_field = "admissions"
    target_service = staticmethod(services.target_set)

    def requested_period(self):
        term_pk = requested_number(self.request.GET.get("nhiem-ky"))
        self.term = Term.objects.filter(pk=term_pk).first() if term_pk is not None else None
        self.year = None if self.term else requested_year(self.request.GET.get("nam"))
        return {"term": self.term} if self.term else {"year": self.year}

    def period_label(self):
        if self.term:
            return _("nhiệm kỳ %(term)s") % {"term": self.term}
        return _("năm %(year)s") % {"year": self.year}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            term=self.term,
            year=self.year,
            period_label=self.period_label(),
            own_target=self.targets.get(self.unit.pk),
            **kwargs,
        )

    def saved(self):
        unit = self.unit
        messages.success(
            self.request,
            _("Đã lưu chỉ tiêu %(period)s cho các đơn vị trực thuộc %(unit)s.")
            % {"period": self.period_label(), "unit": unit.name},
        )
        # The unit's page warns of a year's shortfall itself: said here too, it showed twice.
        shortfall = services.children_target_shortfall(unit=unit, **self.period) if self.term else 0
        if shortfall:
            messages.warning(
                self.request,
                _("Tổng chỉ tiêu %(period)s của các đơn vị trực thuộc thấp hơn chỉ tiêu của %(unit)s %(n)s người.")
                % {"period": self.period_label(), "unit": unit.name, "n": shortfall},
            )
        query = f"nhiem-ky={self.term.pk}" if self.term else f"nam={self.year}"
        return redirect(f"{reverse('dashboard:unit_detail', args=[unit.pk])}?{query}")


class ChildPoolTargetsView(ChildTargetsMixin, FormView):
    """Staff hand the pool target (how many outstanding persons to keep in the pool) down to the units
    directly below for a year (`?nam=`), as the admissions target is handed down."""

    template_name = "units/child_pool_targets.html"
    target_model = PoolTarget
    target_field = "persons"
    target_service = staticmethod(services.pool_target_set)

    def requested_period(self):
        self.year = requested_year(self.request.GET.get("nam"))
        return {"year": self.year}

    def get_context_data(self, **kwargs):
        return super().get_context_data(year=self.year, own_target=self.targets.get(self.unit.pk), **kwargs)

    def saved(self):
        unit = self.unit
        messages.success(
            self.request,
            _("Đã lưu chỉ tiêu nguồn năm %(year)s cho các đơn vị trực thuộc %(unit)s.")
            % {"year": self.year, "unit": unit.name},
        )
        shortfall = services.children_pool_target_shortfall(unit=unit, year=self.year)
        if shortfall:
            messages.warning(
                self.request,
                _(
                    "Tổng chỉ tiêu nguồn năm %(year)s của các đơn vị trực thuộc thấp hơn chỉ tiêu của %(unit)s %(n)s người."
                )
                % {"year": self.year, "unit": unit.name, "n": shortfall},
            )
        return redirect(f"{reverse('dashboard:unit_detail', args=[unit.pk])}?nam={self.year}")


class ReorganisationView(ScopedUnitMixin, FormView):
    """Sắp xếp tổ chức: staff of a committee choose an event for the units below it, see what moves
    (every unit, cell, person, target and account), and confirm; then the event is in the list below
    and in each unit's history. All or nothing (units.reorganisation)."""

    template_name = "units/reorganisation.html"
    form_class = ReorganisationForm
    queryset = Unit.objects.exclude(kind__in=CELL_KINDS)
    action = CHANGE
    permission_denied_message = gettext_lazy("Chỉ cán bộ Ban Tổ chức sắp xếp tổ chức các đơn vị trực thuộc.")
    events_shown = 20

    def find(self, code):
        """A unit the user may see, by its code; one outside their scope reads as unknown."""
        unit = Unit.objects.restrict(self.request.user, VIEW).filter(code=code).first() if code else None
        if unit is None:
            raise ValidationError(_("Không có đơn vị mã “%(code)s”.") % {"code": code or "—"})
        return unit

    def run(self, row, *, commit):
        kwargs = {"decided_by": self.unit, "actor": self.request.user, "find": self.find}
        if commit:
            return reorganisation.run_row(row, **kwargs)
        return reorganisation.preview(lambda **kw: reorganisation.run_row(row, **kw), **kwargs)

    def form_valid(self, form):
        row = form.event_row()
        confirmed = self.request.POST.get("confirm") == "1"
        try:
            plan = self.run(row, commit=confirmed)
        except ValidationError as refused:
            form.add_error(None, refused.messages)
            return self.form_invalid(form)
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
            return self.form_invalid(form)
        if not confirmed:
            return self.render_to_response(self.get_context_data(form=form, plan=plan))
        messages.success(
            self.request,
            _("Đã ghi %(kind)s theo quyết định %(no)s, hiệu lực từ %(date)s.")
            % {
                "kind": plan.kind_label.lower(),
                "no": plan.decision_no,
                "date": plan.effective_date.strftime("%d/%m/%Y"),
            },
        )
        for warning in plan.warnings:
            messages.warning(self.request, warning)
        return redirect("units:reorganisation", pk=self.unit.pk)

    def get_context_data(self, **kwargs):
        events = list(
            ReorgEvent.objects.filter(decided_by__path__startswith=self.unit.path)
            .select_related("decided_by", "created_by")
            .prefetch_related("units")[: self.events_shown]
        )
        # A unit of an event that has since moved out of the user's scope is not named (units.audit).
        user = self.request.user
        for event in events:
            event.shown_units = [
                unit.code if allows(user, VIEW, unit) else str(OUTSIDE_UNIT) for unit in event.units.all()
            ]
        return super().get_context_data(events=events, **kwargs)
