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
def _holidays(year):
    return frozenset(holidays.country_holidays("VN", years=year).keys())


def is_working_day(day):
    return day.weekday() < 5 and day not in _holidays(day.year)


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
    """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
    if end < start:
        return -working_days_between(end, start)
    days = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            days += 1
    return days
