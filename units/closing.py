"""Closed quarters (khóa sổ) read for checking many dates at once: the pipeline's rules ask, for each
admission, recognition or ceremony date, whether a closure above the person's cell freezes it."""

from . import paths
from .models import ClosedQuarter
from .periods import quarter_of


class ClosedQuarters:
    """The closed quarters that bind one cell, for checking many dates without more queries."""

    def __init__(self, closures):
        self.by_quarter = {}
        for closure in closures:
            self.by_quarter.setdefault((closure.year, closure.quarter), closure)

    @classmethod
    def for_unit(cls, unit):
        return cls(ClosedQuarter.objects.covering(unit).select_related("unit"))

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
