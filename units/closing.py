"""Closed quarters (khóa sổ) read for checking many dates at once: the pipeline's rules ask, for each
admission, recognition or ceremony date, whether a closure above the person's cell freezes it."""

from django.db.models import F

from . import paths
from .models import ClosedQuarter, Placement
from .periods import quarter_bounds, quarter_of


class ClosedQuarters:
    """The closed quarters that bind one cell, for checking many dates without more queries."""

    def __init__(self, closures):
        self.by_quarter = {}
        for closure in closures:
            self.by_quarter.setdefault((closure.year, closure.quarter), closure)

    @classmethod
    def for_unit(cls, unit):
        """The closures that bind `unit`: those of the units it stood under at the end of each closed
        quarter, by the dated tree (units.tree), so that moving a cell, or reorganising the units above
        it, neither frees a closed quarter's admissions nor freezes another unit's. Two queries: the
        unit's placements, the closures of every unit it ever stood under."""
        placements = list(Placement.objects.filter(unit=unit).values_list("path", "valid_from", "valid_to"))
        if not placements:  # (placed by a migration; only a unit inserted out of band has none)
            return cls(ClosedQuarter.objects.covering(unit).select_related("unit"))
        ancestors = {path for own, _start, _end in placements for path in paths.ancestor_paths(own)}
        rows = (
            ClosedQuarter.objects.filter(unit__placements__path__in=ancestors)
            .annotate(
                _above=F("unit__placements__path"),
                _from=F("unit__placements__valid_from"),
                _to=F("unit__placements__valid_to"),
            )
            .select_related("unit")
        )
        binding = []
        for closure in rows:
            end = quarter_bounds(closure.year, closure.quarter)[1]
            own = next((path for path, start, stop in placements if start <= end < stop), None)
            if own is not None and own.startswith(closure._above) and closure._from <= end < closure._to:
                binding.append(closure)
        return cls(binding)

    def closure_for(self, day):
        """The closure that freezes `day`, or None."""
        return self.by_quarter.get(quarter_of(day)) if day else None


class ClosedQuarterIndex:
    """Every closure, loaded once (they are few), for checking a whole import without a query per row."""

    def __init__(self):
        self.by_path = {}
        for closure in ClosedQuarter.objects.select_related("unit"):
            self.by_path.setdefault(closure.unit.path, []).append(closure)

    def for_unit(self, unit):
        return ClosedQuarters(
            closure for path in paths.ancestor_paths(unit.path) for closure in self.by_path.get(path, ())
        )
