# ruff: noqa: S608 -- the SQL here names only our own tables and columns
"""When a Victims' Code duty falls due: working days from its anchor, in Python for one duty and
in SQL for millions (`duties_due_recompute`), by the same rule (`waymark.core.workdays`).

The anchor is the trigger date, or the agency's receipt date where the entitlement counts from
receipt (falling back to the trigger date when the receipt date is not known). The deadline is
the entitlement's enhanced one for a victim entitled to enhanced rights at the trigger, its
standard one otherwise; none means the duty has no due date (it is measured "at all").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection

from waymark.core.models import CalendarDay
from waymark.core.workdays import add_working_days

from .models import CodeDuty, DeadlineAnchor, Entitlement


def duty_anchor(entitlement: Entitlement, *, triggered_on: date, received_on: date | None) -> date:
    """The day a duty's deadline counts from."""
    if entitlement.anchor == DeadlineAnchor.RECEIPT and received_on is not None:
        return received_on
    return triggered_on


def duty_due_on(
    entitlement: Entitlement, *, triggered_on: date, received_on: date | None, enhanced: bool
) -> date | None:
    """The last day on which delivering the duty is on time, or None if it has no deadline."""
    days = entitlement.deadline_for(enhanced=enhanced)
    if days is None:
        return None
    return add_working_days(
        duty_anchor(entitlement, triggered_on=triggered_on, received_on=received_on), days
    )


def duties_due_recompute(
    *, entitlement_ids: Iterable[int] | None = None, duty_table: str | None = None
) -> int:
    """Set `due_on` of every duty (or of those of `entitlement_ids`) from the calendar table, in
    one statement; return how many rows were updated.

    `duty_table` names another table with CodeDuty's columns (an import's staging table) to fill
    instead. The anchor is rolled forward to a working day's number by the calendar: a trigger on
    a Saturday has the Friday's number, so "1 working day" is the Monday, as
    `add_working_days` says.
    """
    table = duty_table or connection.ops.quote_name(CodeDuty._meta.db_table)
    calendar = connection.ops.quote_name(CalendarDay._meta.db_table)
    entitlements = connection.ops.quote_name(Entitlement._meta.db_table)
    where = ""
    params: list[int] = []
    if entitlement_ids is not None:
        ids = list(entitlement_ids)
        if not ids:
            return 0
        where = f" AND {table}.entitlement_id IN ({', '.join(['%s'] * len(ids))})"
        params = ids
    deadline = f"CASE WHEN {table}.enhanced THEN e.deadline_enhanced ELSE e.deadline_standard END"
    anchor = (
        f"CASE WHEN e.anchor = 'receipt' AND {table}.received_on IS NOT NULL"
        f" THEN {table}.received_on ELSE {table}.triggered_on END"
    )
    sql = (
        f"UPDATE {table} SET due_on = CASE WHEN {deadline} IS NULL THEN NULL"
        f" WHEN {deadline} = 0 THEN {anchor}"
        f" ELSE (SELECT d.day FROM {calendar} d WHERE d.is_working_day AND d.working_day_number ="
        f" (SELECT a.working_day_number FROM {calendar} a WHERE a.day = {anchor}) + {deadline}) END"
        f" FROM {entitlements} e WHERE e.id = {table}.entitlement_id{where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)
