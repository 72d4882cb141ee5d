"""Duty deadlines: the calendar table in SQL gives the same day as `add_working_days`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from waymark.core.calendar import calendar_rows
from waymark.core.models import CalendarDay
from waymark.core.workdays import add_working_days, working_days_between
from waymark.crime.tests.metric_fixtures import make_crime, west_midlands
from waymark.victims_code.deadlines import duties_due_recompute, duty_due_on
from waymark.victims_code.models import CodeDuty, Entitlement

pytestmark = pytest.mark.django_db


def test_calendar_numbers_are_working_days_between() -> None:
    """The table's numbers differ by `working_days_between` for any two days, e.g. across
    Christmas 2026 (Fri 25 and Mon 28 December are bank holidays)."""
    start, end = date(2026, 12, 20), date(2027, 1, 10)
    numbers = dict(
        CalendarDay.objects.filter(day__range=(start, end)).values_list("day", "working_day_number")
    )
    for day in (start + timedelta(days=offset) for offset in range((end - start).days + 1)):
        assert numbers[day] - numbers[start] == working_days_between(start, day), day


def test_calendar_table_matches_workdays_everywhere() -> None:
    """The stored table is what `calendar_rows` builds today: a `holidays` upgrade that adds a
    bank holiday makes this fail until `calendar_refresh` is run in a migration."""
    stored = list(
        CalendarDay.objects.order_by("day").values_list("day", "is_working_day", "working_day_number")
    )
    assert stored == calendar_rows()


@pytest.mark.parametrize(
    ("code", "triggered", "received", "enhanced", "expected"),
    [
        # Arrest on Thursday 24 Dec 2026, standard 5 WD: Fri 25 and Mon 28 are bank holidays,
        # so Tue 29, Wed 30, Thu 31, Mon 4 Jan (Fri 1 Jan is a bank holiday), Tue 5 Jan.
        ("R6.ARREST_UPDATE", date(2026, 12, 24), None, False, date(2027, 1, 5)),
        # The same arrest for an enhanced-rights victim, 1 WD: Tue 29 December.
        ("R6.ARREST_UPDATE", date(2026, 12, 24), None, True, date(2026, 12, 29)),
        # A Saturday trigger counts from the Monday: 1 WD after Sat 6 June 2026 is Mon 8 June.
        ("R6.ARREST_UPDATE", date(2026, 6, 6), None, True, date(2026, 6, 8)),
        # Hearing details count from the Witness Care Unit's receipt (Fri 22 May 2026), 1 WD:
        # Mon 25 May is the spring bank holiday, so Tue 26 May.
        ("R8.HEARING_DETAILS", date(2026, 5, 18), date(2026, 5, 22), False, date(2026, 5, 26)),
        # Receipt anchor with no receipt date falls back to the trigger (Mon 18 May): Tue 19 May.
        ("R8.HEARING_DETAILS", date(2026, 5, 18), None, False, date(2026, 5, 19)),
        # Advance notice of release: 0 WD, the release day itself.
        ("R11.RELEASE_NOTICE", date(2026, 8, 29), None, False, date(2026, 8, 29)),
        # Written confirmation has no deadline in the Code.
        ("R3.WRITTEN_CONFIRMATION", date(2026, 8, 29), None, False, None),
    ],
)
def test_due_on_in_python_and_sql(
    code: str, triggered: date, received: date | None, enhanced: bool, expected: date | None
) -> None:
    entitlement = Entitlement.objects.get(code=code, right__code_version__code="VCOP-2020")
    assert (
        duty_due_on(entitlement, triggered_on=triggered, received_on=received, enhanced=enhanced) == expected
    )
    crime = make_crime("DL1", recorded=triggered)
    duty = CodeDuty.objects.create(
        police_force_area=west_midlands(),
        crime=crime,
        victim_ref="DL1-V0",
        entitlement=entitlement,
        triggered_on=triggered,
        received_on=received,
        enhanced=enhanced,
        extracted_on=date(2027, 2, 1),
    )
    assert duties_due_recompute() == 1
    duty.refresh_from_db()
    assert duty.due_on == expected


def test_recompute_only_the_entitlements_asked_for() -> None:
    """An admin changes one entitlement's deadline: only its duties are recomputed."""
    arrest = Entitlement.objects.get(code="R6.ARREST_UPDATE")
    referral = Entitlement.objects.get(code="R4.SUPPORT_REFERRAL")
    crime = make_crime("DL2", recorded=date(2026, 3, 2))
    for entitlement in (arrest, referral):
        CodeDuty.objects.create(
            police_force_area=west_midlands(),
            crime=crime,
            victim_ref="DL2-V0",
            entitlement=entitlement,
            triggered_on=date(2026, 3, 2),
            enhanced=False,
            extracted_on=date(2026, 4, 1),
        )
    assert duties_due_recompute(entitlement_ids=[referral.pk]) == 1
    due = dict(CodeDuty.objects.values_list("entitlement__code", "due_on"))
    assert due == {"R6.ARREST_UPDATE": None, "R4.SUPPORT_REFERRAL": add_working_days(date(2026, 3, 2), 2)}
