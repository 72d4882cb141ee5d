"""The Victims' Code complaint register: handling times in working days, and its checks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.audit.models import AccessLog
from waymark.victims_code.complaints import (
    ComplaintFilters,
    Period,
    code_complaint_record,
    code_complaint_update,
    complaint_csv_rows,
    complaint_list,
    complaint_rows,
    complaint_summary,
)
from waymark.victims_code.models import CodeComplaint, Right

pytestmark = pytest.mark.django_db


def right(number: int) -> Right:
    """A right of the 2020 Code (seeded)."""
    return Right.objects.get(code_version__code="VCOP-2020", number=number)


def complaint(by: Any, reference: str, received: date, **values: Any) -> CodeComplaint:
    """A complaint recorded through the service; rights by number (default Right 6)."""
    numbers = values.pop("rights", (6,))
    values.setdefault("agency_type", "police")
    return code_complaint_record(
        by=by, reference=reference, received_on=received, rights=[right(n) for n in numbers], **values
    )


@pytest.fixture
def register(world: Any, settings: Any) -> list[CodeComplaint]:
    """Four complaints, the acknowledgement standard 10 working days.

    - CMP/1: received Thu 2 Apr 2026, acknowledged Tue 7 Apr (Good Friday 3 and Easter Monday
      6 April are bank holidays): 1 working day. Responded Thu 30 Apr: 4 + 5 + 5 + 4 = 18
      working days. Upheld; Rights 4 and 6.
    - CMP/2: received Fri 22 May 2026, acknowledged Mon 8 June (Mon 25 May is a bank holiday):
      4 + 5 + 1 = 10 working days, just within the standard. Responded Fri 19 June: 10 + 4 + 5 =
      19. Not upheld, escalated to the Ombudsman; Right 6.
    - CMP/3: received Mon 1 June 2026, acknowledged Tue 16 June: 4 + 5 + 2 = 11, over the
      standard. No response yet; Right 4.
    - CPS/4 (CPS): received Wed 2 Sep 2026, not acknowledged; Right 8.
    """
    settings.WAYMARK_COMPLAINT_ACK_WORKING_DAYS = 10
    lead = world.member("force_code_lead")
    return [
        complaint(
            lead,
            "CMP/1",
            date(2026, 4, 2),
            acknowledged_on=date(2026, 4, 7),
            responded_on=date(2026, 4, 30),
            outcome=CodeComplaint.Outcome.UPHELD,
            rights=(4, 6),
        ),
        complaint(
            lead,
            "CMP/2",
            date(2026, 5, 22),
            acknowledged_on=date(2026, 6, 8),
            responded_on=date(2026, 6, 19),
            outcome=CodeComplaint.Outcome.NOT_UPHELD,
            escalated_to_phso=True,
        ),
        complaint(lead, "CMP/3", date(2026, 6, 1), acknowledged_on=date(2026, 6, 16), rights=(4,)),
        complaint(lead, "CPS/4", date(2026, 9, 2), agency_type="cps", rights=(8,)),
    ]


def test_handling_times_in_working_days_across_bank_holidays(
    world: Any, register: list[CodeComplaint]
) -> None:
    """Per complaint: (to acknowledge, within 10?, to respond) = (1, yes, 18), (10, yes, 19),
    (11, no, none), (none, none, none) as the fixture's docstring works out."""
    rows = {row.complaint.reference: row for row in complaint_rows(register)}
    found = {
        ref: (row.days_to_acknowledge, row.acknowledged_within_standard, row.days_to_respond)
        for ref, row in rows.items()
    }
    assert found == {
        "CMP/1": (1, True, 18),
        "CMP/2": (10, True, 19),
        "CMP/3": (11, False, None),
        "CPS/4": (None, None, None),
    }


def test_the_summary_of_the_register(world: Any, register: list[CodeComplaint]) -> None:
    """4 received; 3 acknowledged, 2 within 10 working days (50%); 1 awaiting; the median to
    acknowledge of 1, 10, 11 is 10; to respond of 18 and 19 is 18.5; outcomes 2 open, 1 upheld,
    1 not upheld; 1 escalated; Rights 4 and 6 twice each, Right 8 once."""
    rows = complaint_rows(complaint_list(user=world.member("opcc_analyst")))
    summary = complaint_summary(rows)
    assert (summary.received, summary.acknowledged, summary.acknowledged_within_standard) == (4, 3, 2)
    assert summary.within_standard_percent == 50.0
    assert summary.awaiting_acknowledgement == 1
    assert summary.responded == 2
    assert summary.median_days_to_acknowledge == 10.0
    assert summary.median_days_to_respond == 18.5
    assert dict(summary.outcomes) == {
        "Not yet decided": 2,
        "Upheld": 1,
        "Partially upheld": 0,
        "Not upheld": 1,
        "Withdrawn": 0,
    }
    assert summary.escalated_to_phso == 1
    assert [(label.split(":")[0], count) for label, count in summary.by_right] == [
        ("Right 4", 2),
        ("Right 6", 2),
        ("Right 8", 1),
    ]


def test_the_standard_is_a_setting(world: Any, register: list[CodeComplaint], settings: Any) -> None:
    """With an 11-working-day standard CMP/3 (11 days) is within it too: 3 of 4."""
    settings.WAYMARK_COMPLAINT_ACK_WORKING_DAYS = 11
    summary = complaint_summary(complaint_rows(register))
    assert (summary.standard, summary.acknowledged_within_standard) == (11, 3)


def test_filters_narrow_the_register(world: Any, register: list[CodeComplaint]) -> None:
    """Police only: 3; open only: CMP/3 and CPS/4; received in 2026/27 Q1 (April to June): 3."""
    analyst = world.member("opcc_analyst")

    def refs(filters: ComplaintFilters) -> set[str]:
        return set(complaint_list(user=analyst, filters=filters).values_list("reference", flat=True))

    assert refs(ComplaintFilters(agency_type="police")) == {"CMP/1", "CMP/2", "CMP/3"}
    assert refs(ComplaintFilters(outcome="open")) == {"CMP/3", "CPS/4"}
    assert refs(ComplaintFilters(period=Period.parse("q:2026/27 Q1"))) == {"CMP/1", "CMP/2", "CMP/3"}
    assert refs(ComplaintFilters(period=Period.parse("m:2026-09"))) == {"CPS/4"}


def test_the_csv_rows_carry_the_handling_times(world: Any, register: list[CodeComplaint]) -> None:
    rows = {row[1]: row for row in complaint_csv_rows(complaint_rows(register))}
    assert rows["CMP/1"] == [
        "Police",
        "CMP/1",
        "2026-04-02",
        "2026-04-07",
        1,
        True,
        "2026-04-30",
        18,
        "Right 4; Right 6",
        "Upheld",
        False,
    ]
    assert rows["CPS/4"][3:6] == ["", "", ""]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"acknowledged_on": date(2026, 4, 1)},
            "acknowledged_on",
            "must be the same as or after the date received",
        ),
        (
            {"responded_on": date(2026, 3, 31)},
            "responded_on",
            "must be the same as or after the date received",
        ),
        (
            {"acknowledged_on": date(2026, 4, 10), "responded_on": date(2026, 4, 8)},
            "responded_on",
            "after the date acknowledged",
        ),
        ({"outcome": "upheld"}, "responded_on", "to record an outcome"),
        ({"escalated_to_phso": True}, "escalated_to_phso", "only after the provider's response"),
        ({"reference": "Jane Smith"}, "reference", "never a person's name"),
        ({"reference": "JaneSmith"}, "reference", "at least one number"),
        ({"rights": ()}, "rights", "Select at least one right"),
        ({"received": date(2099, 1, 1)}, "received_on", "today or in the past"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    world: Any, values: dict[str, Any], field: str, message: str
) -> None:
    """Each problem has its own message against its field; no complaint, no log entry."""
    lead = world.member("force_code_lead")
    reference = values.pop("reference", "CMP/9")
    received = values.pop("received", date(2026, 4, 2))
    logged = AccessLog.objects.count()
    with pytest.raises(ValidationError) as raised:
        complaint(lead, reference, received, **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert not CodeComplaint.objects.exists()
    assert AccessLog.objects.count() == logged


def test_a_reference_is_once_per_agency(world: Any) -> None:
    lead = world.member("force_code_lead")
    complaint(lead, "CMP/1", date(2026, 4, 2))
    with pytest.raises(ValidationError) as raised:
        complaint(lead, "CMP/1", date(2026, 4, 3))
    assert "already has a complaint" in raised.value.message_dict["reference"][0]
    complaint(lead, "CMP/1", date(2026, 4, 3), agency_type="cps")  # another agency's numbering
    assert CodeComplaint.objects.count() == 2


@pytest.mark.parametrize("role", ["provider_manager", "caseworker", "board_member", "auditor"])
def test_only_compliance_roles_record(world: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        complaint(world.member(role), "CMP/1", date(2026, 4, 2))
    assert not CodeComplaint.objects.exists()


def test_an_update_keeps_history_and_logs_the_fields_changed(world: Any) -> None:
    """Acknowledging and answering a complaint: two history rows; the log names the fields, not values."""
    lead = world.member("force_code_lead")
    made = complaint(lead, "CMP/1", date(2026, 4, 2))
    code_complaint_update(
        complaint=made,
        by=world.member("opcc_analyst"),
        acknowledged_on=date(2026, 4, 7),
        responded_on=date(2026, 4, 30),
        outcome="partially_upheld",
        learning="Letters now checked daily.",
    )
    made.refresh_from_db()
    assert (made.acknowledged_on, made.outcome) == (date(2026, 4, 7), "partially_upheld")
    assert made.history.count() == 2
    entry = AccessLog.objects.filter(action=AccessLog.Action.CHANGE).get()
    assert entry.detail == "Code complaint changed: acknowledged_on, responded_on, outcome, learning"
    assert "daily" not in entry.detail


def test_a_bad_update_changes_nothing(world: Any) -> None:
    lead = world.member("force_code_lead")
    made = complaint(lead, "CMP/1", date(2026, 4, 2))
    with pytest.raises(ValidationError):
        code_complaint_update(complaint=made, by=lead, acknowledged_on=date(2026, 3, 1), outcome="withdrawn")
    made.refresh_from_db()
    assert (made.acknowledged_on, made.outcome) == (None, "open")
    assert made.history.count() == 1


@pytest.mark.parametrize(
    "role", ["provider_manager", "caseworker", "board_member", "auditor", "caseworker_other"]
)
def test_nobody_else_sees_the_register(world: Any, register: list[CodeComplaint], role: str) -> None:
    """Outside the OPCC's analysts and admins and the force's Code lead, the register is empty."""
    person = world.member(role)
    assert not complaint_list(user=person).exists()
    assert complaint_summary(complaint_rows(complaint_list(user=person))).received == 0
