"""Working-day deadlines: each deadline metric on hand-built duties around weekends and bank
holidays, for enhanced-rights and standard victims.

2025 bank holidays used: Good Friday 18 April, Easter Monday 21 April, early May Monday 5 May,
spring Monday 26 May. Each case is (entitlement, trigger, receipt, enhanced, delivered, the due
date, on time?); the due date is worked out by hand in the comment and checked against the
calendar table (`duties_due_recompute`). Every figure is computed with threshold 1 (nothing
hidden): disclosure control has its own tests.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from waymark.victims_code.metrics import MetricPeriod, metric_result
from waymark.victims_code.models import CodeDuty

from .metric_support import duty, metric, recompute

pytestmark = pytest.mark.django_db

Q1 = MetricPeriod.quarter("2025/26 Q1")  # 1 April to 30 June 2025
AS_OF = date(2025, 7, 15)

D = date
CASES: dict[str, list[tuple[str, date, date | None, bool, date | None, date, bool]]] = {
    # Referral within 2 WD of the report, enhanced and standard alike. Reported Thu 17 April:
    # Fri 18 and Mon 21 are bank holidays, so day 1 is Tue 22 and day 2 Wed 23 April.
    "M05": [
        ("R4.SUPPORT_REFERRAL", D(2025, 4, 17), None, False, D(2025, 4, 23), D(2025, 4, 23), True),
        ("R4.SUPPORT_REFERRAL", D(2025, 4, 17), None, False, D(2025, 4, 24), D(2025, 4, 23), False),
        ("R4.SUPPORT_REFERRAL", D(2025, 4, 17), None, True, D(2025, 4, 22), D(2025, 4, 23), True),
        # Reported Sat 19 April: counts from the Thursday's number, so also Wed 23 April.
        ("R4.SUPPORT_REFERRAL", D(2025, 4, 19), None, True, D(2025, 4, 24), D(2025, 4, 23), False),
    ],
    # Investigative updates, 5 WD standard, 1 WD enhanced. Arrest Fri 2 May; Mon 5 May is a
    # bank holiday: enhanced due Tue 6 May; standard Tue 6, Wed 7, Thu 8, Fri 9, Mon 12 May.
    "M07": [
        ("R6.ARREST_UPDATE", D(2025, 5, 2), None, True, D(2025, 5, 6), D(2025, 5, 6), True),
        ("R6.ARREST_UPDATE", D(2025, 5, 2), None, True, D(2025, 5, 7), D(2025, 5, 6), False),
        ("R6.INTERVIEW_UPDATE", D(2025, 5, 2), None, False, D(2025, 5, 12), D(2025, 5, 12), True),
        ("R6.BAIL_RUI_UPDATE", D(2025, 5, 2), None, False, D(2025, 5, 13), D(2025, 5, 12), False),
        # Released without charge on Sat 3 May (enhanced): day 1 is Tue 6 May; told that day.
        ("R6.RELEASE_NO_CHARGE_UPDATE", D(2025, 5, 3), None, True, D(2025, 5, 6), D(2025, 5, 6), True),
        # Bail conditions changed Fri 2 May, standard, never told: overdue, fails.
        ("R6.BAIL_CONDITIONS_UPDATE", D(2025, 5, 2), None, False, None, D(2025, 5, 12), False),
    ],
    # Decision not to investigate, 5 / 1 WD. Fri 23 May; Mon 26 May is a bank holiday:
    # enhanced due Tue 27 May; standard Tue 27, Wed 28, Thu 29, Fri 30 May, Mon 2 June.
    "M08": [
        ("R6.NOT_INVESTIGATED_EXPLAINED", D(2025, 5, 23), None, True, D(2025, 5, 27), D(2025, 5, 27), True),
        ("R6.NOT_INVESTIGATED_EXPLAINED", D(2025, 5, 23), None, True, D(2025, 5, 28), D(2025, 5, 27), False),
        ("R6.NOT_INVESTIGATED_EXPLAINED", D(2025, 5, 23), None, False, D(2025, 6, 2), D(2025, 6, 2), True),
        ("R6.NOT_INVESTIGATED_EXPLAINED", D(2025, 5, 23), None, False, D(2025, 6, 3), D(2025, 6, 2), False),
    ],
    # Hearing details, 1 WD for all from the Witness Care Unit's receipt. Hearing listed Mon 14
    # April, received Thu 17 April: due Tue 22 April (18 and 21 are bank holidays).
    "M14": [
        ("R8.HEARING_DETAILS", D(2025, 4, 14), D(2025, 4, 17), False, D(2025, 4, 22), D(2025, 4, 22), True),
        ("R8.HEARING_DETAILS", D(2025, 4, 14), D(2025, 4, 17), True, D(2025, 4, 23), D(2025, 4, 22), False),
        # No receipt date: counts from the listing, Mon 14 April: due Tue 15 April.
        ("R8.HEARING_DETAILS", D(2025, 4, 14), None, False, D(2025, 4, 16), D(2025, 4, 15), False),
    ],
    # Witness required, 1 WD from receipt. Triggered Wed 30 April, received Fri 2 May: Tue 6 May.
    "M15": [
        ("R8.WITNESS_REQUIRED", D(2025, 4, 30), D(2025, 5, 2), False, D(2025, 5, 6), D(2025, 5, 6), True),
        ("R8.WITNESS_REQUIRED", D(2025, 4, 30), D(2025, 5, 2), True, D(2025, 5, 5), D(2025, 5, 6), True),
        ("R8.WITNESS_REQUIRED", D(2025, 4, 30), D(2025, 5, 2), True, D(2025, 5, 7), D(2025, 5, 6), False),
    ],
    # Outcome notified, 1 WD from receipt. Concluded Thu 22 May, received Fri 23 May: Tue 27 May.
    "M17": [
        ("R9.OUTCOME_NOTIFIED", D(2025, 5, 22), D(2025, 5, 23), False, D(2025, 5, 27), D(2025, 5, 27), True),
        ("R9.OUTCOME_NOTIFIED", D(2025, 5, 22), D(2025, 5, 23), True, D(2025, 5, 28), D(2025, 5, 27), False),
    ],
    # VCS referral, 10 WD from sentence. Sentenced Thu 17 April: Tue 22, 23, 24, 25, Mon 28,
    # 29, 30, Thu 1 May, Fri 2, then Tue 6 May (Mon 5 May a bank holiday) is day 10.
    "M18": [
        ("R11.VCS_REFERRAL", D(2025, 4, 17), None, False, D(2025, 5, 6), D(2025, 5, 6), True),
        ("R11.VCS_REFERRAL", D(2025, 4, 17), None, True, D(2025, 5, 7), D(2025, 5, 6), False),
    ],
    # VLO first contact, 20 WD from referral. Referred Thu 1 May: Fri 2 May (1), Tue 6 to Fri 9
    # (2-5), 12-16 (6-10), 19-23 (11-15), Tue 27 to Fri 30 (16-19; Mon 26 a bank holiday),
    # Mon 2 June (20).
    "M19": [
        ("R11.VLO_CONTACT", D(2025, 5, 1), None, False, D(2025, 6, 2), D(2025, 6, 2), True),
        ("R11.VLO_CONTACT", D(2025, 5, 1), None, True, D(2025, 6, 3), D(2025, 6, 2), False),
    ],
    # Advance notice of release: 0 WD, the release day itself, even a Saturday (Sat 7 June).
    "M20": [
        ("R11.RELEASE_NOTICE", D(2025, 6, 7), None, False, D(2025, 6, 6), D(2025, 6, 7), True),
        ("R11.RELEASE_NOTICE", D(2025, 6, 7), None, True, D(2025, 6, 7), D(2025, 6, 7), True),
        ("R11.RELEASE_NOTICE", D(2025, 6, 7), None, False, D(2025, 6, 9), D(2025, 6, 7), False),
    ],
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_deadline_metric_counts_on_time_by_working_days(code: str, world: Any) -> None:
    """The numerator is the cases marked on time in CASES, the denominator all of them; each
    duty's due date is the one worked out by hand. Enhanced and standard split the same way."""
    cases = CASES[code]
    made = []
    for entitlement_code, triggered, received, enhanced, delivered, _, _ in cases:
        made.append(
            duty(
                entitlement_code,
                triggered=triggered,
                received=received,
                enhanced=enhanced,
                delivered=delivered,
            )
        )
    recompute()
    for case, row in zip(cases, made, strict=True):
        row.refresh_from_db()
        assert row.due_on == case[5], (code, case)

    result = metric_result(
        user=world.member("opcc_analyst"),
        metric=metric(code),
        period=Q1,
        breakdown="enhanced",
        as_of=AS_OF,
        threshold=1,
    )
    on_time = sum(1 for case in cases if case[6])
    assert (result.overall.numerator, result.overall.denominator) == (on_time, len(cases))
    assert result.overall.not_yet_due == 0
    groups = {figure.key: figure for figure in result.groups}
    for flag, key in ((True, "enhanced"), (False, "standard")):
        mine = [case for case in cases if case[3] is flag]
        assert groups[key].denominator == len(mine), (code, key)
        assert groups[key].numerator == sum(1 for case in mine if case[6]), (code, key)


def test_m07_counts_each_trigger_event_of_its_entitlements_only(world: Any) -> None:
    """M07 covers five investigative updates; a CPS decision (R6.CPS_DECISION_UPDATE) on the same
    day is another metric's: 1 of 1, not 1 of 2."""
    duty("R6.ARREST_UPDATE", triggered=D(2025, 5, 2), enhanced=True, delivered=D(2025, 5, 6))
    duty("R6.CPS_DECISION_UPDATE", triggered=D(2025, 5, 2), enhanced=True, delivered=D(2025, 5, 20))
    recompute()
    result = metric_result(
        user=world.member("opcc_analyst"), metric=metric("M07"), period=Q1, as_of=AS_OF, threshold=1
    )
    assert (result.overall.numerator, result.overall.denominator) == (1, 1)


def test_a_duty_triggered_outside_the_period_is_not_counted(world: Any) -> None:
    """Triggered Mon 31 March 2025 (2024/25 Q4): not in 2025/26 Q1."""
    duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 3, 31), delivered=D(2025, 4, 1))
    duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 4, 1), delivered=D(2025, 4, 2))
    recompute()
    result = metric_result(
        user=world.member("opcc_analyst"), metric=metric("M05"), period=Q1, as_of=AS_OF, threshold=1
    )
    assert result.overall.denominator == 1
    assert CodeDuty.objects.count() == 2
