"""The pool of outstanding persons: a cell's quarterly review (one screen, laid out for a phone) and a
committee's view of its pool (who reviewed, the pool against its target, the flow over the quarter)."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from units.mixins import ScopedUnitMixin
from units.models import Unit
from units.periods import quarter_bounds, quarter_label, quarter_of, requested_number, requested_year
from units.permissions import CHANGE, VIEW, allows

from . import services
from .forms import DATE_ERROR, DateInput
from .models import POOL_EXIT_REASONS, Candidate, CourseParticipant, PoolDecision, PoolReview
from .permissions import REVIEW_POOL
from .pool import cell_pool, pool_report

UNREVIEWED_PER_PAGE = 50


def requested_quarter(params, today):
    """(year, quarter) from ?nam=&quy=; the current quarter by default, on bad input, or for a quarter
    that has not begun."""
    chosen = (params.get("ky") or "").split("-")  # "2026-3" from the quarter picker
    if len(chosen) == 2:
        year, quarter = requested_year(chosen[0], today=today), requested_number(chosen[1])
    else:
        year, quarter = requested_year(params.get("nam"), today=today), requested_number(params.get("quy"))
    if quarter not in (1, 2, 3, 4) or quarter_bounds(year, quarter)[0] > today:
        return quarter_of(today)
    return year, quarter


def quarter_choices(today, count=8):
    """The current quarter and the ones before it, newest first, as (year, quarter, label)."""
    year, quarter = quarter_of(today)
    choices = []
    for _i in range(count):
        choices.append((year, quarter, quarter_label(year, quarter)))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return choices


class ReviewDateForm(forms.Form):
    reviewed_on = forms.DateField(
        label=gettext_lazy("Ngày rà soát"),
        widget=DateInput(attrs={"class": "form-control"}),
        error_messages={
            "invalid": DATE_ERROR,
            "required": gettext_lazy("Nhập ngày chi bộ rà soát."),
        },
    )


class PoolReviewView(ScopedUnitMixin, TemplateView):
    """A cell's review of its pool for a quarter: everyone in it, one choice each, saved at once."""

    template_name = "recruitment/pool_review.html"
    queryset = Unit.objects.cells()
    action = REVIEW_POOL
    permission_denied_message = gettext_lazy("Chỉ bí thư chi bộ hoặc cán bộ Ban Tổ chức rà soát nguồn của chi bộ.")

    def check_permission(self):
        super().check_permission()
        if not self.unit.is_cell:  # a staff member's own unit: pick a cell from the pool page
            self.redirect_to = reverse("recruitment:pool_report")
        else:
            self.redirect_to = None
        self.today = timezone.localdate()
        self.year, self.quarter = requested_quarter(self.request.GET, self.today)

    def get(self, request, *args, **kwargs):
        if self.redirect_to:
            return redirect(self.redirect_to)
        return super().get(request, *args, **kwargs)

    @cached_property
    def review(self):
        return PoolReview.objects.filter(cell=self.unit, year=self.year, quarter=self.quarter).first()

    def review_day(self):
        start, end = quarter_bounds(self.year, self.quarter)
        return self.review.reviewed_on if self.review else min(end, self.today)

    def members(self, day):
        return list(cell_pool(self.unit, day, candidates=Candidate.objects.restrict(self.request.user, VIEW)))

    def get_context_data(self, **kwargs):
        day = kwargs.pop("day", None) or self.review_day()
        people = self.members(day)
        posted = kwargs.pop("posted", None)
        errors = kwargs.pop("errors", {})
        previous = {}
        if self.review:
            previous = {
                entry.candidate_id: (entry.decision, entry.exit_reason, entry.note)
                for entry in self.review.entries.all()
            }
        # Who is enrolled on a course not yet certified: the secretary sees it next to the person.
        enrolled = {
            place.candidate_id: place.course
            for place in CourseParticipant.objects.filter(
                candidate__in=[person.pk for person in people], certificate_date__isnull=True
            ).select_related("course")
        }
        rows = []
        for person in people:
            if posted is not None:
                choice = posted.get(person.pk, ("", "", ""))
            else:
                choice = previous.get(person.pk, (PoolDecision.KEEP, "", ""))
            rows.append(
                {
                    "person": person,
                    "course": enrolled.get(person.pk),
                    "decision": choice[0],
                    "exit_reason": choice[1],
                    "note": choice[2],
                    "errors": errors.get(f"candidate_{person.pk}", []),
                }
            )
        date_form = kwargs.pop("date_form", None) or ReviewDateForm(initial={"reviewed_on": day})
        left = []
        if self.review:
            left = [
                entry
                for entry in self.review.entries.select_related("candidate")
                if entry.decision == PoolDecision.LEAVE
            ]
        return super().get_context_data(
            year=self.year,
            quarter=self.quarter,
            quarter_label=quarter_label(self.year, self.quarter),
            quarters=quarter_choices(self.today),
            review=self.review,
            rows=rows,
            left=left,
            decisions=PoolDecision.choices,
            exit_reasons=POOL_EXIT_REASONS,
            date_form=date_form,
            non_field_errors=errors.get("__all__", []),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if self.redirect_to:
            return redirect(self.redirect_to)
        date_form = ReviewDateForm(request.POST)
        if not date_form.is_valid():
            return self.render_to_response(self.get_context_data(date_form=date_form, posted=self._posted()))
        day = date_form.cleaned_data["reviewed_on"]
        people = {person.pk: person for person in self.members(day)}
        posted = self._posted()
        decisions = {people[pk]: value for pk, value in posted.items() if pk in people}
        try:
            services.pool_review_save(
                actor=request.user,
                cell=self.unit,
                year=self.year,
                quarter=self.quarter,
                reviewed_on=day,
                decisions={person: decisions[person] for person in decisions},
                today=self.today,
            )
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
            for field in ("reviewed_on", "quarter"):
                for message in errors.pop(field, []):
                    errors.setdefault("__all__", []).append(message)
            return self.render_to_response(
                self.get_context_data(day=day, posted=posted, errors=errors, date_form=date_form)
            )
        counts = dict.fromkeys(PoolDecision.values, 0)
        for decision, _reason, _note in decisions.values():
            counts[decision] += 1
        messages.success(
            request,
            _(
                "Đã lưu rà soát nguồn %(quarter)s: %(keep)d tiếp tục bồi dưỡng, %(ready)d đề nghị xem xét kết nạp, "
                "%(leave)d ra khỏi nguồn."
            )
            % {
                "quarter": quarter_label(self.year, self.quarter),
                "keep": counts[PoolDecision.KEEP],
                "ready": counts[PoolDecision.READY],
                "leave": counts[PoolDecision.LEAVE],
            },
        )
        url = reverse("recruitment:pool_review_cell", kwargs={"pk": self.unit.pk})
        return redirect(f"{url}?{urlencode({'nam': self.year, 'quy': self.quarter})}")

    def _posted(self):
        """{candidate pk: (decision, exit reason, note)} as sent."""
        posted = {}
        for key in self.request.POST:
            if not key.startswith("decision_"):
                continue
            pk = requested_number(key.removeprefix("decision_"))
            if pk is None:
                continue
            posted[pk] = (
                self.request.POST.get(key, ""),
                self.request.POST.get(f"reason_{pk}", ""),
                (self.request.POST.get(f"note_{pk}", "") or "").strip()[:255],
            )
        return posted


class PoolReportView(ScopedUnitMixin, TemplateView):
    """A unit's pool in a quarter: per unit directly below, the flow, the target, who reviewed; the cells
    that did not review, page by page."""

    template_name = "recruitment/pool_report.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        year, quarter = requested_quarter(self.request.GET, today)
        start, end = quarter_bounds(year, quarter)
        user = self.request.user
        report = pool_report(
            self.unit,
            start,
            end,
            candidates=Candidate.objects.restrict(user, VIEW),
            review_year=year,
            review_quarter=quarter,
        )
        page = Paginator(report.unreviewed_cells, UNREVIEWED_PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            report=report,
            year=year,
            quarter=quarter,
            quarter_label=quarter_label(year, quarter),
            quarters=quarter_choices(today),
            unreviewed=page,
            page_query=urlencode({"nam": year, "quy": quarter}),
            can_review=allows(user, REVIEW_POOL, self.unit),
            can_set_targets=allows(user, CHANGE, self.unit),
            **kwargs,
        )
