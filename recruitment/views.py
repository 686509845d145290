from django.utils import timezone
from django.views.generic import TemplateView

from .models import Candidate
from .pipeline import Stage
from .selectors import stage_counts, year_progress


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        unit = user.unit
        if unit is None:
            return context
        year = timezone.localdate().year
        own, rows = year_progress(unit, year, with_children=not unit.is_cell)
        counts = stage_counts(Candidate.objects.visible_to(user))
        context.update(
            unit=unit,
            year=year,
            own=own,
            rows=rows,
            stage_counts=[(stage, counts.get(stage.value, 0)) for stage in Stage],
        )
        return context
