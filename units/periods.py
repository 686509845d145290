"""Periods and quarters: the calendar arithmetic every app shares.

A report's period is a year, a quarter, the first months of a year, a term, or any date range. It
knows its dates, its Vietnamese label ("Quý III năm 2026", "10 tháng đầu năm 2017", "Nhiệm kỳ
2020–2025") and which target it is held against: a part of a year against the year's target, a term
against the term's. Admissions count on their decision date. Quarters are also what a unit closes
(khóa sổ) once its return is sent.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

EARLIEST_YEAR = 1930  # the Party's founding; anything earlier is a typing error
LATEST_YEAR = 2100
ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}
QUARTER_CHOICES = list(ROMAN_QUARTERS.items())


def is_sensible_year(year):
    return EARLIEST_YEAR <= year <= LATEST_YEAR


def requested_number(value, *, max_digits=9):
    """A whole number typed in a URL (`?nam=`, `?nhiem-ky=`), or None for anything else. Only ASCII
    digits count: `str.isdigit()` is also true for "²" or "١٢", which int() then refuses or reads as
    a number nobody typed; and a long run of digits is no id or year, so it is not read at all."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= max_digits:
        return int(value)
    return None


def requested_year(value, *, today=None):
    """The year a page was asked for (`?nam=`) when it is a sensible one, else this year: bad input
    is never an error page."""
    year = requested_number(value, max_digits=4)
    if year is not None and is_sensible_year(year):
        return year
    return (today or timezone.localdate()).year


def quarter_of(day):
    """(year, quarter) of a date."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year, quarter):
    """The first and last day of a quarter."""
    last_month = 3 * quarter
    return datetime.date(year, last_month - 2, 1), datetime.date(
        year, last_month, calendar.monthrange(year, last_month)[1]
    )


def quarter_label(year, quarter):
    return _("quý %(quarter)s/%(year)s") % {"quarter": ROMAN_QUARTERS[quarter], "year": year}


def previous_quarter(day):
    """The quarter before the one `day` lies in: the one whose return is due."""
    year, quarter = quarter_of(day)
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def quarters_between(start, end):
    """Every (year, quarter) that meets the dates start..end, in order."""
    year, quarter = quarter_of(start)
    last = quarter_of(end)
    while (year, quarter) <= last:
        yield year, quarter
        year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)


class PeriodKind:
    YEAR = "year"
    QUARTER = "quarter"
    MONTHS = "months"
    TERM = "term"
    RANGE = "range"


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date
    label: str
    # Which target applies: the year's (a year or a part of one) or the term's; neither for a
    # range that spans years without being a term.
    target_year: int | None = None
    term: object = None  # units.models.Term

    # --- constructors ---
    @classmethod
    def for_year(cls, year):
        return cls(
            PeriodKind.YEAR,
            datetime.date(year, 1, 1),
            datetime.date(year, 12, 31),
            str(_("Năm %(year)d") % {"year": year}),
            target_year=year,
        )

    @classmethod
    def for_quarter(cls, year, quarter):
        start, end = quarter_bounds(year, quarter)
        return cls(
            PeriodKind.QUARTER,
            start,
            end,
            str(_("Quý %(quarter)s năm %(year)d") % {"quarter": ROMAN_QUARTERS[quarter], "year": year}),
            target_year=year,
        )

    @classmethod
    def for_months(cls, year, month):
        """The first `month` months of `year` ("10 tháng đầu năm 2017"); 12 is the whole year."""
        if month == 12:
            return cls.for_year(year)
        return cls(
            PeriodKind.MONTHS,
            datetime.date(year, 1, 1),
            datetime.date(year, month, calendar.monthrange(year, month)[1]),
            str(_("%(months)d tháng đầu năm %(year)d") % {"months": month, "year": year}),
            target_year=year,
        )

    @classmethod
    def for_term(cls, term):
        return cls(
            PeriodKind.TERM, term.start_date, term.end_date, str(_("Nhiệm kỳ %(term)s") % {"term": term}), term=term
        )

    @classmethod
    def for_range(cls, start, end):
        label = str(
            _("Từ %(start)s đến %(end)s") % {"start": date_format(start, "d/m/Y"), "end": date_format(end, "d/m/Y")}
        )
        # Within one calendar year it is a part of that year, held against the year's target.
        target_year = start.year if start.year == end.year else None
        return cls(PeriodKind.RANGE, start, end, label, target_year=target_year)

    # --- what the reports need to know ---
    @property
    def year(self):
        """The calendar year the period lies in, or None when it spans years."""
        return self.start.year if self.start.year == self.end.year else None

    @property
    def target_filter(self):
        """Keyword arguments selecting the applicable Target rows, or None when none applies."""
        if self.term is not None:
            return {"term": self.term}
        if self.target_year is not None:
            return {"year": self.target_year}
        return None

    @property
    def target_label(self):
        if self.term is not None:
            return str(_("Chỉ tiêu nhiệm kỳ %(term)s") % {"term": self.term})
        if self.target_year is not None:
            return str(_("Chỉ tiêu năm %(year)d") % {"year": self.target_year})
        return ""

    @property
    def projects_year_end(self):
        """A year or any part of one: the pace from 1/1 to the period's end says where 31/12 lands."""
        return self.year is not None

    @property
    def starts_the_year(self):
        return self.year is not None and self.start == datetime.date(self.year, 1, 1)

    @property
    def headcount_year(self):
        """Members are counted for the year the period ends in."""
        return self.end.year

    @property
    def length_in_years(self):
        return ((self.end - self.start).days + 1) / 365.25

    def query_params(self):
        """GET parameters that select this period again (links to other reports, drill-down)."""
        if self.kind == PeriodKind.YEAR:
            return {"year": self.start.year}
        if self.kind == PeriodKind.QUARTER:
            year, quarter = quarter_of(self.start)
            return {"year": year, "quarter": quarter}
        if self.kind == PeriodKind.MONTHS:
            return {"year": self.start.year, "month": self.end.month}
        if self.kind == PeriodKind.TERM:
            return {"term": f"{self.term.start_year}-{self.term.end_year}"}
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def __str__(self):
        return self.label
