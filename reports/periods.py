"""Reporting periods: a year, a quarter, the first months of a year, a term, or any date range.

A period knows its dates, its Vietnamese label ("Quý III năm 2026", "10 tháng đầu năm 2017",
"Nhiệm kỳ 2020–2025") and which target it is held against: a part of a year against the year's
target, a term against the term's. Admissions count on their decision date (Candidate.admitted_between).
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from units.models import Term

ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}
EARLIEST_YEAR = 1930  # the Party's founding; anything earlier is a typing error
LATEST_YEAR = 2100


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
    term: Term | None = None

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
        first_month = 3 * (quarter - 1) + 1
        last_month = first_month + 2
        return cls(
            PeriodKind.QUARTER,
            datetime.date(year, first_month, 1),
            datetime.date(year, last_month, calendar.monthrange(year, last_month)[1]),
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
            return {"year": self.start.year, "quarter": (self.start.month - 1) // 3 + 1}
        if self.kind == PeriodKind.MONTHS:
            return {"year": self.start.year, "month": self.end.month}
        if self.kind == PeriodKind.TERM:
            return {"term": f"{self.term.start_year}-{self.term.end_year}"}
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def __str__(self):
        return self.label


TERM_PATTERN = re.compile(r"^\s*(\d{4})\s*[-–—/]\s*(\d{4})\s*$")


class PeriodForm(forms.Form):
    """Reads a period from GET parameters (or the command line): one of
    year [+ quarter | + month], term ("2020-2025"), or from + to. Errors are Vietnamese messages."""

    year = forms.IntegerField(label=_("Năm"), required=False, min_value=EARLIEST_YEAR, max_value=LATEST_YEAR)
    quarter = forms.IntegerField(label=_("Quý"), required=False, min_value=1, max_value=4)
    month = forms.IntegerField(label=_("Đến hết tháng"), required=False, min_value=1, max_value=12)
    term = forms.CharField(label=_("Nhiệm kỳ"), required=False, max_length=20)
    date_from = forms.DateField(label=_("Từ ngày"), required=False)
    date_to = forms.DateField(label=_("Đến ngày"), required=False)

    error_messages = {
        "mixed": _("Chọn một loại kỳ báo cáo: năm (có thể kèm quý hoặc tháng), nhiệm kỳ, hoặc khoảng ngày."),
        "quarter_and_month": _("Chọn quý hoặc số tháng đầu năm, không chọn cả hai."),
        "needs_year": _("Quý hoặc tháng cần đi kèm năm."),
        "range_incomplete": _("Khoảng ngày cần cả ngày bắt đầu và ngày kết thúc."),
        "range_order": _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."),
        "term_format": _("Nhiệm kỳ ghi dạng 2020-2025."),
        "term_unknown": _("Không có nhiệm kỳ %(term)s."),
        "out_of_range": _("Ngày phải trong khoảng năm %(first)d đến năm %(last)d."),
    }

    # GET names (short, in URLs) -> field names
    PARAM_NAMES = {"from": "date_from", "to": "date_to"}

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = {
                self.PARAM_NAMES.get(key, key): value
                for key, value in data.items()
                if key in self.PARAM_NAMES or key in self.base_fields
            }
        super().__init__(data, *args, **kwargs)
        for field in ("date_from", "date_to"):
            self.fields[field].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["date_from"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["date_to"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def clean_term(self):
        text = self.cleaned_data.get("term") or ""
        if not text.strip():
            return None
        match = TERM_PATTERN.match(text)
        if not match:
            raise forms.ValidationError(self.error_messages["term_format"], code="term_format")
        start_year, end_year = int(match.group(1)), int(match.group(2))
        term = Term.objects.filter(start_year=start_year, end_year=end_year).first()
        if term is None:
            raise forms.ValidationError(
                self.error_messages["term_unknown"],
                code="term_unknown",
                params={"term": f"{start_year}–{end_year}"},
            )
        return term

    def _clean_day(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise forms.ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            )
        return day

    def clean_date_from(self):
        return self._clean_day("date_from")

    def clean_date_to(self):
        return self._clean_day("date_to")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        year, quarter, month = data.get("year"), data.get("quarter"), data.get("month")
        term, start, end = data.get("term"), data.get("date_from"), data.get("date_to")
        chosen = [
            kind
            for kind, present in (
                ("year", year is not None or quarter is not None or month is not None),
                ("term", term is not None),
                ("range", start is not None or end is not None),
            )
            if present
        ]
        if len(chosen) > 1:
            raise forms.ValidationError(self.error_messages["mixed"], code="mixed")
        if not chosen:
            data["period"] = None
            return data
        if chosen == ["term"]:
            data["period"] = Period.for_term(term)
        elif chosen == ["range"]:
            if start is None or end is None:
                raise forms.ValidationError(self.error_messages["range_incomplete"], code="range_incomplete")
            if end < start:
                raise forms.ValidationError(self.error_messages["range_order"], code="range_order")
            data["period"] = Period.for_range(start, end)
        else:
            if year is None:
                raise forms.ValidationError(self.error_messages["needs_year"], code="needs_year")
            if quarter is not None and month is not None:
                raise forms.ValidationError(self.error_messages["quarter_and_month"], code="quarter_and_month")
            if quarter is not None:
                data["period"] = Period.for_quarter(year, quarter)
            elif month is not None:
                data["period"] = Period.for_months(year, month)
            else:
                data["period"] = Period.for_year(year)
        return data

    def error_list(self):
        """Every error as one line, field label first, for messages and CommandError."""
        lines = []
        for name, errors in self.errors.items():
            prefix = f"{self.fields[name].label}: " if name in self.fields else ""
            lines.extend(f"{prefix}{error}" for error in errors)
        return lines


def default_period(today=None):
    return Period.for_year((today or timezone.localdate()).year)


def period_from_params(params, today=None):
    """(period, errors): the period the parameters ask for, or this year with the reasons it was refused."""
    form = PeriodForm(params)
    if form.is_valid():
        return form.cleaned_data["period"] or default_period(today), []
    return default_period(today), form.error_list()
