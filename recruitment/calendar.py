"""Calendar arithmetic of the Charter: calendar months, and working days without weekends and
Vietnamese public holidays (Tết and the rest)."""

import datetime
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta


def add_months(day, months):
    return day + relativedelta(months=months)


def whole_months_between(start, end):
    """Completed calendar months from `start` to `end` (age "tính theo tháng")."""
    delta = relativedelta(end, start)
    return delta.years * 12 + delta.months


@lru_cache(maxsize=64)
def public_holidays(year):
    """The days off of Vietnam in `year` (Tết and the rest, and the days they are moved to), from the
    holidays package's public API."""
    return frozenset(holidays.country_holidays("VN", years=year).keys())


def is_working_day(day):
    return day.weekday() < 5 and day not in public_holidays(day.year)


@lru_cache(maxsize=4096)
def add_working_days(day, count):
    """The date `count` working days after `day` (the deadline of "within N working days").

    Cached: a province's reports ask it for thousands of people whose dates fall on a few hundred days."""
    current = day
    remaining = count
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start, end):
    """Working days after `start` up to and including `end`; negative when `end` is before `start`.

    The one count of lateness: the to-do's "due in n working days" and "n working days late", and
    the probation report's recognitions overdue. By arithmetic rather than a walk day by day, since
    some records are years late."""
    if end < start:
        return -working_days_between(end, start)
    weeks, rest = divmod((end - start).days, 7)
    count = weeks * 5 + sum(
        1 for offset in range(1, rest + 1) if (start + datetime.timedelta(days=offset)).weekday() < 5
    )
    for year in range(start.year, end.year + 1):
        count -= sum(1 for day in public_holidays(year) if start < day <= end and day.weekday() < 5)
    return count


def working_days_late(due, today):
    """How late something due on `due` is on `today`, in working days: 0 until the day has passed, and
    at least 1 after (a deadline missed on a Friday is late on the Saturday). The to-do and the
    probation report say the same number for the same person."""
    if today <= due:
        return 0
    return max(working_days_between(due, today), 1)
