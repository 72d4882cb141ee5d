"""The working-day calendar table (`CalendarDay`), built from `waymark.core.workdays`.

Deadlines over millions of rows are computed in SQL against this table; `calendar_refresh`
rebuilds it (run by the core migration, and again with `waymark calendar refresh` after the
`holidays` package gains a new one-off bank holiday).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction

from .workdays import is_working_day

CALENDAR_START = date(2000, 1, 1)
CALENDAR_END = date(2045, 12, 31)


def calendar_rows(start: date = CALENDAR_START, end: date = CALENDAR_END) -> list[tuple[date, bool, int]]:
    """(day, is working day, working days since `start` up to and including the day)."""
    rows: list[tuple[date, bool, int]] = []
    number = 0
    day = start
    while day <= end:
        working = is_working_day(day)
        number += working
        rows.append((day, working, number))
        day += timedelta(days=1)
    return rows


def calendar_refresh(model: Any = None) -> int:
    """Rebuild the calendar table; return its number of days. `model` is for migrations."""
    if model is None:
        from .models import CalendarDay

        model = CalendarDay
    with transaction.atomic():
        model.objects.all().delete()
        model.objects.bulk_create(
            (
                model(day=day, is_working_day=working, working_day_number=number)
                for day, working, number in calendar_rows()
            ),
            batch_size=2_000,
        )
    return int(model.objects.count())
