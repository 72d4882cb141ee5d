"""Working days in England and Wales, for every Victims' Code deadline.

A working day is Monday to Friday and not a bank holiday in England and Wales. Bank holidays come
from the `holidays` package (`holidays.UnitedKingdom(subdiv="ENG")`), which follows the gov.uk
list and the one-off proclamations (for example the 2022 state funeral and the 2023 coronation).

England and Wales share one list of bank holidays. The package keeps them as two subdivisions,
"ENG" and "WLS", whose dates are identical (checked with holidays 0.109 for 1950 to 2040), so we
use "ENG" for both. If a future release ever gives Wales a holiday England lacks, add "WLS" to
`_SUBDIVISIONS` and the union is taken; a force in Wales must not get a shorter deadline.

The counting rules, in one place:

- `working_days_between(start, end)` counts the working days in the half-open interval
  (start, end]: the start day is never counted, the end day is counted if it is a working day.
  It is negative (the same count, negated) when `end` is before `start`.
- `add_working_days(start, n)` returns the first day `d` with `working_days_between(start, d)
  == n`. For n >= 1 that is always a working day, so "within 5 working days of the trigger"
  means "on or before `add_working_days(trigger, 5)`", whatever day the trigger fell on
  (a Saturday trigger counts from the Monday). For n == 0 it returns `start` unchanged, so the
  identity `working_days_between(start, add_working_days(start, n)) == n` holds for every
  n >= 0; use `next_working_day` to roll a date forward onto a working day.

Years after the package's last known proclamation hold only the regular, rule-based holidays:
a new one-off bank holiday appears when the package is upgraded.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Mapping
from datetime import date, timedelta
from types import MappingProxyType

import holidays

_SUBDIVISIONS = ("ENG",)

# Monday=0 ... Friday=4; Saturday and Sunday are never working days.
_FIRST_WEEKEND_DAY = 5


@functools.cache
def _holidays_in_year(year: int) -> Mapping[date, str]:
    """Every England and Wales bank holiday in `year`, weekend dates included, read-only.

    Cached per year: the package rebuilds its rules on each construction, and deadline
    calculations over years of records ask about the same few years again and again.
    """
    found: dict[date, str] = {}
    for subdiv in _SUBDIVISIONS:
        for day, name in holidays.UnitedKingdom(subdiv=subdiv, years=year).items():
            found.setdefault(day, name)
    return MappingProxyType(dict(sorted(found.items())))


@functools.cache
def _weekday_holidays_in_year(year: int) -> tuple[date, ...]:
    """The bank holidays of `year` that fall Monday to Friday, sorted (for counting by bisect)."""
    return tuple(day for day in _holidays_in_year(year) if day.weekday() < _FIRST_WEEKEND_DAY)


def bank_holidays(year: int) -> dict[date, str]:
    """England and Wales bank holidays in `year` that are days off, as {date: name}, in date order.

    Matches the gov.uk list: when Christmas Day falls on a Saturday the list holds the Monday
    substitute ("Christmas Day (observed)"), not the Saturday itself. The returned dict is a
    copy; changing it changes nothing here.
    """
    every = _holidays_in_year(year)
    return {day: every[day] for day in _weekday_holidays_in_year(year)}


def is_working_day(day: date) -> bool:
    """True if `day` is Monday to Friday and not an England and Wales bank holiday."""
    if day.weekday() >= _FIRST_WEEKEND_DAY:
        return False
    return day not in _holidays_in_year(day.year)


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, otherwise the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, days: int) -> date:
    """The deadline `days` working days after `start` (see the module docstring for the rule).

    `start` itself never counts, working day or not: a trigger on Friday with 1 working day
    gives Monday (or Tuesday after a bank-holiday Monday). `days == 0` returns `start`
    unchanged. Raises ValueError for a negative `days`.
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be an int, not {type(days).__name__}")
    if days < 0:
        raise ValueError(f"days must be zero or more, not {days}")
    day = start
    remaining = days
    # Victims' Code limits are a handful of days, so a day-by-day walk is cheap and obviously right.
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def _weekdays_after(start: date, end: date) -> int:
    """Monday-to-Friday days in (start, end], for start <= end, by arithmetic."""
    span = (end - start).days
    full_weeks, extra = divmod(span, 7)
    count = full_weeks * 5
    weekday = start.weekday()
    for offset in range(1, extra + 1):
        if (weekday + offset) % 7 < _FIRST_WEEKEND_DAY:
            count += 1
    return count


def _weekday_holidays_after(start: date, end: date) -> int:
    """Bank holidays falling Monday to Friday in (start, end], for start <= end."""
    count = 0
    for year in range(start.year, end.year + 1):
        days = _weekday_holidays_in_year(year)
        low = bisect.bisect_right(days, start) if year == start.year else 0
        high = bisect.bisect_right(days, end) if year == end.year else len(days)
        count += high - low
    return count


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative if `end` is before `start`.

    `working_days_between(d, d) == 0`; Friday to the next Monday is 1; Saturday to Monday is 1.
    Antisymmetric: `working_days_between(a, b) == -working_days_between(b, a)`.
    Computed by arithmetic, so it is fast over long spans.
    """
    if end < start:
        return -working_days_between(end, start)
    return _weekdays_after(start, end) - _weekday_holidays_after(start, end)
