"""Pages of the pipeline: the candidate list and page, step forms, the board, the to-do.

Every object comes through units.mixins (`restrict(user, action)`), so anything outside a user's
subtree is a 404 and an action the role may not take a 403; every write goes through
recruitment.services, which asks the same question and applies the rules.
"""

import copy
import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from units import audit, readlog
from units.audit import StaleEdit
from units.formatting import mask_citizen_id
from units.mixins import ActionRequiredMixin, RestrictedObjectMixin, ScopedUnitMixin, breadcrumbs
from units.models import ClosedQuarter
from units.permissions import VIEW, VIEW_CITIZEN_ID, allows, may
from units.text import fold

from . import pipeline, services
from . import todo as todo_list
from .exports import EXPORT_IDS_PARAM
from .filters import CandidateFilter
from .forms import CandidateCreateForm, ProfileForm, StepForm
from .models import Candidate
from .permissions import ADD_CANDIDATE, CHANGE_PROFILE, MANAGE_COURSE, record_step
from .pipeline import Stage, StepKind
from .selectors import stage_counts
from .tables import CandidateTable
from .todo import TodoList

HISTORY_LIMIT = 50  # latest changes on a candidate's page
BOARD_COLUMN_LIMIT = 25
PER_PAGE_DEFAULT, PER_PAGE_MIN, PER_PAGE_MAX = 25, 10, 200

# Citizen IDs held for verification by the committee above (see CitizenIdGuard): who, when, which
# number (masked, and a keyed hash staff can match a number they type against), never the number.
citizen_id_log = logging.getLogger("recruitment.citizen_id")


def bounded_int(text, default, lowest, highest):
    """A number from the query string, within bounds; `default` when it is not a plain number.
    ("²".isdigit() is true and int("²") fails: only ASCII digits are read.)"""
    text = (text or "").strip()
    if not text or len(text) > 12 or not text.isascii() or not text.lstrip("-").isdigit():
        return default
    return min(max(int(text), lowest), highest)


# --- The candidate list -------------------------------------------------------------------------


def candidate_queryset(user):
    return Candidate.objects.restrict(user, VIEW).with_stage().select_related("cell", "ethnicity")


class CandidateListView(SingleTableMixin, FilterView):
    table_class = CandidateTable
    filterset_class = CandidateFilter
    template_name = "recruitment/candidate_list.html"
    table_pagination = {"per_page": PER_PAGE_DEFAULT}

    def get(self, request, *args, **kwargs):
        # django-tables2 reads ?per_page= itself, with no bound: give it a bounded one.
        if "per_page" in request.GET:
            query = request.GET.copy()
            query["per_page"] = str(bounded_int(query.get("per_page"), PER_PAGE_DEFAULT, PER_PAGE_MIN, PER_PAGE_MAX))
            request.GET = query
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return candidate_queryset(self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("sort", None)
        return super().get_context_data(
            export_query=query.urlencode(),
            export_params=[
                (key, value) for key, values in query.lists() for value in values if key != EXPORT_IDS_PARAM
            ],
            export_ids_param=EXPORT_IDS_PARAM,
            can_export_ids=may(self.request.user, VIEW_CITIZEN_ID),
            can_create=may(self.request.user, ADD_CANDIDATE),
            **kwargs,
        )


# --- One person ---------------------------------------------------------------------------------


def step_rows(candidate):
    """The timeline: each step with its date and the values recorded for it."""
    rows = []
    for step in (*pipeline.STEPS, pipeline.EXIT_STEP):
        day = getattr(candidate, step.date_field)
        if step.kind == StepKind.EXIT and not day:
            continue
        details = []
        for name in step.fields:
            if name == step.date_field or name in services.PROFILE_FIELDS:  # the profile shows those
                continue
            value = (
                getattr(candidate, f"get_{name}_display")()
                if hasattr(candidate, f"get_{name}_display")
                else getattr(candidate, name)
            )
            if value:
                details.append((Candidate._meta.get_field(name).verbose_name, value))
        rows.append({"step": step, "label": StepKind(step.kind).label, "date": day, "details": details})
    return rows


def candidate_history(candidate, viewer=None):
    """The latest changes to one person (every step is a field of the row, so steps are included); a
    cell outside `viewer`'s scope (where they were before they moved in) reads as another unit."""
    records = list(candidate.history.select_related("history_user__unit").order_by("-history_id")[: HISTORY_LIMIT + 1])
    complete = len(records) <= HISTORY_LIMIT
    return audit.describe(records, Candidate, complete=complete, viewer=viewer)[:HISTORY_LIMIT]


class CandidateMixin(RestrictedObjectMixin):
    """A page about one person, in scope where their cell is."""

    queryset = Candidate.objects.select_related("cell", "ethnicity", "religion")

    def scope_unit(self, candidate):
        return candidate.cell

    def get_candidate(self):
        return self.object

    def get_context_data(self, **kwargs):
        candidate = self.object
        return super().get_context_data(
            candidate=candidate, crumbs=breadcrumbs(self.request.user, candidate.cell), **kwargs
        )


class CandidateDetailView(CandidateMixin, TemplateView):
    template_name = "recruitment/candidate_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        candidate, user = context["candidate"], self.request.user
        today = timezone.localdate()
        recordable = {
            kind
            for kind in StepKind
            if allows(user, record_step(kind), candidate.cell) and pipeline.is_legal(candidate, kind)
        }
        full_id = bool(candidate.citizen_id) and allows(user, VIEW_CITIZEN_ID, candidate.cell)
        if full_id:
            readlog.record(self.request, readlog.Kind.CITIZEN_ID, unit=candidate.cell, subject=candidate)
        rows = step_rows(candidate)
        for row in rows:
            row["editable"] = row["date"] is not None and row["step"].kind in recordable
        deadlines = [
            {"label": StepKind(kind).label, "due": due, "overdue": due < today}
            for kind, due in candidate.deadlines().items()
        ]
        course_places = list(
            candidate.course_places.select_related("course__organiser").order_by("course__start_date", "course__pk")
        )
        for place in course_places:
            place.course_readable = place.course.readable_by(user, enrolled_cell=candidate.cell)
        context.update(
            course_places=course_places,
            # Courses are opened by the committees above the cell; enrolment happens on a course's page.
            may_enrol=allows(user, MANAGE_COURSE, candidate.cell) and services.enrollable(candidate),
            rows=rows,
            next_steps=[step for step in candidate.next_steps() if step.kind in recordable],
            deadlines=deadlines,
            missing=candidate.missing_steps,
            missing_details=candidate.missing_details,
            can_edit_profile=allows(user, CHANGE_PROFILE, candidate.cell),
            # The full number only for staff opening the record; everyone else reads the last four digits.
            citizen_id=candidate.citizen_id if full_id else mask_citizen_id(candidate.citizen_id),
            official_from=candidate.official_from,
            seniority=pipeline.party_seniority(candidate, today),
            # The certificate matters only until the cell considers the case.
            certificate_expires=None if candidate.resolution_date else pipeline.certificate_expires(candidate),
            closures=list(ClosedQuarter.objects.covering(candidate.cell).select_related("unit")),
            history=candidate_history(candidate, self.request.user),
        )
        return context


def unchanged(request, candidate):
    """A form saved as it was shown: nothing is written, and the user is told so."""
    messages.info(request, _("Không có gì thay đổi nên chưa lưu gì."))
    return redirect("recruitment:candidate_detail", pk=candidate.pk)


class StepRecordView(CandidateMixin, FormView):
    """Record (or correct) one step. The service decides; its errors land next to the fields."""

    template_name = "recruitment/step_form.html"
    form_class = StepForm
    permission_denied_message = gettext_lazy("Bạn không có quyền ghi bước này.")

    @cached_property
    def step(self):
        try:
            return pipeline.get_step(self.kwargs["kind"])
        except KeyError:
            raise Http404(_("Không có bước này.")) from None

    def get_action(self):
        # Asked before the form is read, so a role that may not take the step never sees its errors.
        return record_step(self.step.kind)

    def get(self, request, *args, **kwargs):
        candidate = self.object
        if not pipeline.is_legal(candidate, self.step.kind):
            messages.warning(
                request,
                _("Chưa thể ghi bước “%(step)s”: cần hoàn thành các bước trước.")
                % {"step": StepKind(self.step.kind).label},
            )
            return redirect("recruitment:candidate_detail", pk=candidate.pk)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "step": self.step, "candidate": self.get_candidate()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(step=self.step, step_label=StepKind(self.step.kind).label, **kwargs)

    def form_valid(self, form):
        candidate = self.get_candidate()
        if getattr(candidate, self.step.date_field) and not form.has_changed():
            return unchanged(self.request, candidate)  # no empty entry in the history
        version = form.pop_version()
        try:
            # A copy, so a refused change does not show on the page as if it had been saved.
            services.step_record(
                actor=self.request.user,
                candidate=copy.copy(candidate),
                kind=self.step.kind,
                expected_version=version,
                **form.cleaned_data,
            )
        except StaleEdit as error:
            form.refuse_stale(error)
            return self.form_invalid(form)
        except ValidationError as error:
            form.add_service_errors(error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Đã ghi “%(step)s” cho %(name)s.")
            % {"step": StepKind(self.step.kind).label, "name": candidate.full_name},
        )
        return redirect("recruitment:candidate_detail", pk=candidate.pk)


HELD_FOR_VERIFICATION = gettext_lazy(
    "Chưa ghi được số CCCD này: số CCCD mới do Ban Tổ chức cấp trên xác minh và ghi. Để trống ô này để lưu "
    "hồ sơ, rồi đề nghị Ban Tổ chức cấp trên ghi số."
)


class CitizenIdGuard:
    """A citizen ID typed in a form must not tell anyone whether it is recorded outside their scope.

    A number already recorded for someone the user can see is named, with a link to that person. Any
    other new number typed by a user who may not read citizen IDs (a cell secretary) is held for the
    organisation board above: refused with one message, the same whether the number is unknown or
    belongs to someone elsewhere, and the attempt is logged. The organisation board's staff enter
    citizen IDs as their daily work and keep the uniqueness message; that a number is recorded
    outside their subtree still shows to them (here and in the import) until duplicates go to the
    committee above as transfers to review.
    """

    @staticmethod
    def records_new_ids(user):
        return user.is_superuser or may(user, VIEW_CITIZEN_ID)

    def in_scope_duplicate(self, citizen_id, current=None):
        """The person the user can see who already has this number, or None."""
        others = Candidate.objects.restrict(self.request.user, VIEW).filter(citizen_id=citizen_id)
        if current is not None:
            others = others.exclude(pk=current.pk)
        return others.first()

    def check_citizen_id(self, form, citizen_id, *, current=None):
        """True when the form may go on to the service (whose uniqueness error `link_duplicate` then
        completes); False when the number is held, with the error on the form."""
        if not citizen_id or (current is not None and citizen_id == current.citizen_id):
            return True
        if self.records_new_ids(self.request.user) or self.in_scope_duplicate(citizen_id, current):
            return True
        self.hold(form, citizen_id)
        return False

    def link_duplicate(self, form, citizen_id, current=None):
        """The service's "already recorded" names the person, with a link, when the user can see them."""
        if not citizen_id or "citizen_id" not in form.errors:
            return
        existing = self.in_scope_duplicate(citizen_id, current)
        if existing is not None:
            form.errors["citizen_id"] = form.error_class(
                [
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("Số CCCD này đã có trong hệ thống:"),
                        reverse("recruitment:candidate_detail", args=[existing.pk]),
                        existing.full_name,
                    )
                ]
            )

    def hold(self, form, citizen_id):
        user = self.request.user
        citizen_id_log.warning(
            "citizen ID held for verification: user=%s (pk %s) unit=%s id=%s key=%s",
            user.get_username(),
            user.pk,
            getattr(user.unit, "code", None),
            mask_citizen_id(citizen_id),
            salted_hmac("recruitment.citizen_id", citizen_id).hexdigest()[:16],
        )
        form.add_error("citizen_id", HELD_FOR_VERIFICATION)

    def refuse_race(self, form, citizen_id):
        """Another save took the number between the check and the write (a unique violation)."""
        if not self.records_new_ids(self.request.user):
            self.hold(form, citizen_id)
        else:
            form.add_error("citizen_id", _("Số CCCD này đã có trong hệ thống."))


class CandidateCreateView(CitizenIdGuard, ActionRequiredMixin, FormView):
    template_name = "recruitment/candidate_form.html"
    form_class = CandidateCreateForm
    action = ADD_CANDIDATE
    permission_denied_message = gettext_lazy("Lãnh đạo cấp ủy chỉ xem, không ghi hồ sơ.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = super().get_initial()
        cell = bounded_int(self.request.GET.get("cell"), None, 1, 2**31 - 1)
        if cell is not None:
            initial["cell"] = cell
        initial.setdefault("listed_on", timezone.localdate())
        return initial

    duplicate = None

    def get_context_data(self, **kwargs):
        return super().get_context_data(duplicate=self.duplicate, **kwargs)

    def same_person(self, cell, data):
        """Someone already listed in the cell with the same name (diacritics and case aside) and date
        of birth: the same person typed twice, unless the user confirms they are two people."""
        if not data.get("date_of_birth") or self.request.POST.get("confirm_duplicate"):
            return None
        return (
            Candidate.objects.restrict(self.request.user, VIEW)
            .filter(cell=cell, date_of_birth=data["date_of_birth"], search_name=fold(data["full_name"])[:120])
            .first()
        )

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        cell, listed_on = data.pop("cell"), data.pop("listed_on")
        if not self.check_citizen_id(form, data.get("citizen_id")):
            return self.form_invalid(form)
        self.duplicate = self.same_person(cell, data)
        if self.duplicate is not None:
            form.add_error(
                None,
                format_html(
                    '{} <a href="{}">{}</a>. {}',
                    _("Chi bộ đã có người cùng họ tên và ngày sinh:"),
                    reverse("recruitment:candidate_detail", args=[self.duplicate.pk]),
                    self.duplicate.full_name,
                    _("Nếu đúng là hai người khác nhau, đánh dấu ô xác nhận bên dưới rồi lưu lại."),
                ),
            )
            return self.form_invalid(form)
        try:
            candidate = services.candidate_create(actor=self.request.user, cell=cell, listed_on=listed_on, **data)
        except IntegrityError:
            if not data.get("citizen_id"):
                raise  # not the unique number: a fault to see, not a refusal to word
            self.refuse_race(form, data.get("citizen_id"))
            return self.form_invalid(form)
        except services.CitizenIdTaken:
            self.refuse_race(form, data.get("citizen_id"))
            return self.form_invalid(form)
        except ValidationError as error:
            form.add_service_errors(error)
            self.link_duplicate(form, data.get("citizen_id"))
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error("cell", str(error))
            return self.form_invalid(form)
        messages.success(
            self.request, _("Đã thêm %(name)s vào danh sách quần chúng ưu tú.") % {"name": candidate.full_name}
        )
        return redirect("recruitment:candidate_detail", pk=candidate.pk)


class ProfileUpdateView(CitizenIdGuard, CandidateMixin, FormView):
    template_name = "recruitment/profile_form.html"
    form_class = ProfileForm
    # GET and POST alike: leadership reads the record, it never gets the form.
    action = CHANGE_PROFILE
    permission_denied_message = gettext_lazy("Bạn không có quyền sửa hồ sơ này.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "candidate": self.get_candidate()}

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        candidate = self.get_candidate()
        if candidate.citizen_id and not response.context_data["form"].hides_citizen_id:
            # The form shows the full number to staff: a read like the record page's (units.readlog).
            readlog.record(
                request, readlog.Kind.CITIZEN_ID, unit=candidate.cell, subject=candidate, detail=_("biểu mẫu sửa hồ sơ")
            )
        return response

    def form_valid(self, form):
        candidate = self.get_candidate()
        if not form.has_changed():
            return unchanged(self.request, candidate)  # no empty entry in the history
        version = form.pop_version()
        citizen_id = form.cleaned_data.get("citizen_id")
        if not self.check_citizen_id(form, citizen_id, current=candidate):
            return self.form_invalid(form)
        try:
            services.candidate_update_profile(
                actor=self.request.user, candidate=copy.copy(candidate), expected_version=version, **form.cleaned_data
            )
        except IntegrityError:
            if not citizen_id:
                raise  # not the unique number: a fault to see, not a refusal to word
            self.refuse_race(form, citizen_id)
            return self.form_invalid(form)
        except services.CitizenIdTaken:
            self.refuse_race(form, citizen_id)
            return self.form_invalid(form)
        except StaleEdit as error:
            form.refuse_stale(error)
            return self.form_invalid(form)
        except ValidationError as error:
            form.add_service_errors(error)
            self.link_duplicate(form, citizen_id, current=candidate)
            return self.form_invalid(form)
        messages.success(self.request, _("Đã lưu thông tin của %(name)s.") % {"name": form.cleaned_data["full_name"]})
        return redirect("recruitment:candidate_detail", pk=candidate.pk)


# --- Per unit: the board and the to-do ----------------------------------------------------------

BOARD_STAGES = (Stage.LISTED, Stage.TRAINED, Stage.FILED, Stage.RESOLVED, Stage.DECIDED, Stage.PROBATIONARY)


class PipelineBoardView(ScopedUnitMixin, TemplateView):
    """A column per stage with its count and the first people in it (one query per stage, fixed)."""

    template_name = "recruitment/pipeline_board.html"
    lookup_url_kwarg = "unit_pk"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = context["unit"]
        candidates = Candidate.objects.in_subtree(unit)
        counts = stage_counts(candidates)
        columns = []
        for stage in BOARD_STAGES:
            people = list(candidates.at_stage(stage).select_related("cell").in_name_order()[:BOARD_COLUMN_LIMIT])
            columns.append({"stage": stage, "count": counts.get(stage.value, 0), "people": people})
        context.update(
            columns=columns,
            finished=[(stage, counts.get(stage.value, 0)) for stage in (Stage.OFFICIAL, Stage.EXITED)],
            limit=BOARD_COLUMN_LIMIT,
        )
        return context


class TodoView(ScopedUnitMixin, TemplateView):
    """Everything due in the unit, most urgent first, a page at a time; narrowed by kind or to the
    overdue ones with links that keep the other choice."""

    template_name = "recruitment/todo.html"
    lookup_url_kwarg = "unit_pk"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        kind = self.request.GET.get("kind")
        kind = kind if kind in todo_list.KINDS else None
        overdue_only = self.request.GET.get("overdue") == "1"
        todo = TodoList(
            Candidate.objects.in_subtree(context["unit"]), today=today, kind=kind, overdue_only=overdue_only
        )
        page = Paginator(todo, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            items=page.object_list,
            today=today,
            kind=kind,
            overdue_only=overdue_only,
            total=todo.count(),
            kinds=[(k, todo_list.TITLES[k], todo.counts[k]) for k in todo_list.KINDS],
            all_counts={key: sum(c[key] for c in todo.counts.values()) for key in ("total", "overdue")},
            query=urlencode(
                {key: value for key, value in (("kind", kind), ("overdue", "1" if overdue_only else None)) if value}
            ),
        )
        return context
