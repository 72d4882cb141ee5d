"""Dip-sample audits: the summary per entitlement, linking to imported crimes, and bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.audit.models import AccessLog
from waymark.crime.tests.metric_fixtures import make_crime
from waymark.victims_code.audits import (
    AuditCaseError,
    CheckInput,
    audit_case_record,
    audit_exercise_record,
    audit_summary,
    entitlements_to_check,
    exercise_list,
)
from waymark.victims_code.models import AuditCase, AuditExercise, Entitlement, EntitlementCheck

pytestmark = pytest.mark.django_db


def entitlement(code: str) -> Entitlement:
    return Entitlement.objects.get(code=code, right__code_version__code="VCOP-2020")


def exercise(by: Any, **values: Any) -> AuditExercise:
    return audit_exercise_record(
        by=by,
        title=values.pop("title", "Q1 2026/27 updates"),
        period_start=values.pop("period_start", date(2026, 4, 1)),
        period_end=values.pop("period_end", date(2026, 6, 30)),
        sampling_method=values.pop("sampling_method", "random"),
        **values,
    )


@pytest.fixture
def lead(world: Any) -> Any:
    return world.member("force_code_lead")


@pytest.fixture
def audit(lead: Any) -> AuditExercise:
    """Four audited cases, findings on R6.ARREST_UPDATE (5 working days, 1 for enhanced rights)
    and R3.WRITTEN_CONFIRMATION (no deadline).

    R6.ARREST_UPDATE:
    - A1 (standard): arrest Thu 2 Apr 2026, due 5 working days later, Mon 13 Apr (Good Friday
      and Easter Monday are bank holidays: Tue 7, Wed 8, Thu 9, Fri 10, Mon 13); delivered Thu
      9 Apr: on time. Quality 3, evidence recorded.
    - A2 (enhanced): arrest Thu 2 Apr, due 1 working day later, Tue 7 Apr; delivered Wed 8 Apr:
      late. Quality 2, evidence recorded.
    - A3 (standard): arrest Mon 11 May, delivery not recorded: not delivered, not on time.
    - A4: did not apply (the victim declined).
    So: checked 4, applied 3, delivered 2 of 3 = 66.7%, on time 1 of 3 = 33.3%, mean quality
    (3 + 2) / 2 = 2.5, evidence 2 of 3 = 66.7%.

    R3.WRITTEN_CONFIRMATION:
    - A1: delivered Fri 3 Apr by letter, quality 4, evidence recorded.
    - A2: not delivered, quality 2, no evidence.
    So: checked 2, applied 2, delivered 50.0%, on time: no deadline, mean quality 3.0, evidence 50.0%.

    Overall: checked 6, applied 5, delivered 3 of 5 = 60.0%, on time 1 of 3 = 33.3%, quality
    (3 + 2 + 4 + 2) / 4 = 2.75, evidence 3 of 5 = 60.0%.
    """
    made = exercise(lead)
    arrest, letter = entitlement("R6.ARREST_UPDATE"), entitlement("R3.WRITTEN_CONFIRMATION")
    cases: list[tuple[str, bool, list[CheckInput]]] = [
        (
            "A1/2026",
            False,
            [
                CheckInput(
                    arrest,
                    triggered_on=date(2026, 4, 2),
                    delivered=True,
                    delivered_on=date(2026, 4, 9),
                    channel="phone",
                    quality_rating=3,
                    evidence_recorded=True,
                ),
                CheckInput(
                    letter,
                    triggered_on=date(2026, 4, 2),
                    delivered=True,
                    delivered_on=date(2026, 4, 3),
                    channel="letter",
                    quality_rating=4,
                    evidence_recorded=True,
                ),
            ],
        ),
        (
            "A2/2026",
            True,
            [
                CheckInput(
                    arrest,
                    triggered_on=date(2026, 4, 2),
                    delivered=True,
                    delivered_on=date(2026, 4, 8),
                    quality_rating=2,
                    evidence_recorded=True,
                ),
                CheckInput(letter, triggered_on=date(2026, 4, 2), delivered=False, quality_rating=2),
            ],
        ),
        ("A3/2026", False, [CheckInput(arrest, triggered_on=date(2026, 5, 11))]),
        ("A4/2026", False, [CheckInput(arrest, applicable=False, not_applicable_reason="victim_declined")]),
    ]
    for ref, enhanced, checks in cases:
        audit_case_record(by=lead, exercise=made, pseudo_ref=ref, enhanced=enhanced, checks=checks)
    return made


def test_the_summary_per_entitlement(world: Any, audit: AuditExercise) -> None:
    """The figures the fixture's docstring works out."""
    summary = audit_summary(user=world.member("opcc_analyst"), exercise=audit)

    def figures(row: Any) -> tuple[Any, ...]:
        return (
            row.checked,
            row.applicable,
            row.delivered_percent,
            row.on_time_percent,
            row.mean_quality,
            row.evidence_percent,
            row.has_deadline,
        )

    assert [(row.label, figures(row)) for row in summary.rows] == [
        ("Right 3: R3.WRITTEN_CONFIRMATION", (2, 2, 50.0, None, 3.0, 50.0, False)),
        ("Right 6: R6.ARREST_UPDATE", (4, 3, 66.7, 33.3, 2.5, 66.7, True)),
    ]
    assert figures(summary.overall) == (6, 5, 60.0, 33.3, 2.75, 60.0, True)


def test_nobody_else_sees_the_audit(world: Any, audit: AuditExercise) -> None:
    for role in ("provider_manager", "caseworker", "board_member", "caseworker_other"):
        person = world.member(role)
        assert not exercise_list(user=person).exists()
        assert audit_summary(user=person, exercise=audit).rows == []


def test_a_case_is_linked_to_the_imported_crime(lead: Any) -> None:
    """The reference 20/000123/26 is a crime in the extract: linked, and its reported date taken."""
    crime = make_crime("20/000123/26", recorded=date(2026, 4, 14))
    made = exercise(lead)
    case = audit_case_record(
        by=lead,
        exercise=made,
        pseudo_ref="20/000123/26",
        checks=[CheckInput(entitlement("R3.WRITTEN_CONFIRMATION"), delivered=True)],
    )
    other = audit_case_record(
        by=lead, exercise=made, pseudo_ref="20/999999/26", checks=[CheckInput(entitlement("R7.VPS_OFFER"))]
    )
    assert (case.crime_id, case.reported_on) == (crime.pk, date(2026, 4, 14))
    assert (other.crime_id, other.reported_on) == (None, None)


def test_the_entitlements_checked_are_the_agencys_in_the_code_in_force(lead: Any) -> None:
    """A police audit checks the 11 police entitlements and the one owed by all agencies."""
    codes = list(entitlements_to_check(exercise(lead)).values_list("code", flat=True))
    assert len(codes) == 12
    assert "R12.COMPLAINT_ACKNOWLEDGED" in codes
    assert "R8.HEARING_DETAILS" not in codes
    assert entitlements_to_check(exercise(lead, title="All", agency_type="all")).count() == 19


@pytest.mark.parametrize(
    ("ref", "check", "key", "message"),
    [
        ("Jane Smith", {}, "pseudo_ref", "never a person's name"),
        ("Smith", {}, "pseudo_ref", "at least one number"),
        (
            "A1/2026",
            {"triggered_on": date(2026, 4, 9), "delivered": True, "delivered_on": date(2026, 4, 8)},
            "delivered_on",
            "after the trigger date",
        ),
        ("A1/2026", {"delivered_on": date(2026, 4, 8)}, "delivered", "choose Yes for delivered"),
        ("A1/2026", {"applicable": False}, "not_applicable_reason", "Select why"),
        ("A1/2026", {"not_applicable_reason": "victim_declined"}, "not_applicable_reason", "only when"),
        (
            "A1/2026",
            {"applicable": False, "not_applicable_reason": "not_eligible", "delivered": True},
            "delivered",
            "did not apply was not delivered",
        ),
        ("A1/2026", {"channel": "email", "delivered": False}, "channel", "only for a delivered"),
        ("A1/2026", {"quality_rating": 5}, "quality_rating", "from 1 to 4"),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(
    lead: Any, ref: str, check: dict[str, Any], key: str, message: str
) -> None:
    made = exercise(lead)
    arrest = entitlement("R6.ARREST_UPDATE")
    logged = AccessLog.objects.count()
    with pytest.raises(AuditCaseError) as raised:
        audit_case_record(by=lead, exercise=made, pseudo_ref=ref, checks=[CheckInput(arrest, **check)])
    errors = raised.value.case_errors if key == "pseudo_ref" else raised.value.check_errors[arrest.pk]
    assert message in errors[key]
    assert not AuditCase.objects.exists()
    assert not EntitlementCheck.objects.exists()
    assert AccessLog.objects.count() == logged


def test_a_reference_is_once_per_audit(lead: Any) -> None:
    made = exercise(lead)
    letter = entitlement("R3.WRITTEN_CONFIRMATION")
    audit_case_record(by=lead, exercise=made, pseudo_ref="A1/2026", checks=[CheckInput(letter)])
    with pytest.raises(ValidationError) as raised:
        audit_case_record(by=lead, exercise=made, pseudo_ref="A1/2026", checks=[CheckInput(letter)])
    assert "already has a case" in raised.value.message_dict["pseudo_ref"][0]
    assert AuditCase.objects.count() == 1


def test_a_case_needs_a_finding(lead: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        audit_case_record(by=lead, exercise=exercise(lead), pseudo_ref="A1/2026", checks=[])
    assert "at least one entitlement" in str(raised.value)
    assert not AuditCase.objects.exists()


def test_an_exercise_period_must_not_end_before_it_starts(lead: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        exercise(lead, period_end=date(2026, 3, 31))
    assert "must be the same as or after its start" in raised.value.message_dict["period_end"][0]
    assert not AuditExercise.objects.exists()


def test_the_exercise_is_run_by_the_recorders_organisation(world: Any) -> None:
    made = exercise(world.member("opcc_analyst"))
    assert made.organisation == world.opcc


def test_the_log_never_holds_the_reference(lead: Any, audit: AuditExercise) -> None:
    """The audited case's reference stays on the audit's page: not in the access log."""
    entries = AccessLog.objects.filter(record_type="victims_code.auditcase")
    assert entries.count() == 4
    for entry in entries:
        for ref in ("A1/2026", "A2/2026", "A3/2026", "A4/2026"):
            assert ref not in entry.record_label
            assert ref not in entry.detail


@pytest.mark.parametrize("role", ["provider_manager", "caseworker", "auditor"])
def test_only_compliance_roles_audit(world: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        exercise(world.member(role))
    assert not AuditExercise.objects.exists()


def test_an_entitlement_counted_from_receipt_uses_the_date_received(world: Any, lead: Any) -> None:
    """R8.HEARING_DETAILS is 1 working day from the Witness Care Unit's receipt. A hearing listed
    Mon 18 May 2026 but received by the unit on Fri 22 May is due Tue 26 May (Mon 25 May is the
    spring bank holiday): told on Tue 26 May is on time. Without the date received the same
    finding would count from Mon 18 May (due Tue 19 May) and be late. A date received before
    the trigger is refused."""
    hearing = entitlement("R8.HEARING_DETAILS")
    made = exercise(lead, agency_type="witness_care")
    audit_case_record(
        by=lead,
        exercise=made,
        pseudo_ref="W1/2026",
        checks=[
            CheckInput(
                hearing,
                triggered_on=date(2026, 5, 18),
                received_on=date(2026, 5, 22),
                delivered=True,
                delivered_on=date(2026, 5, 26),
            )
        ],
    )
    audit_case_record(
        by=lead,
        exercise=made,
        pseudo_ref="W2/2026",
        checks=[
            CheckInput(
                hearing, triggered_on=date(2026, 5, 18), delivered=True, delivered_on=date(2026, 5, 26)
            )
        ],
    )
    row = audit_summary(user=world.member("opcc_analyst"), exercise=made).rows[0]
    assert (row.timed, row.on_time) == (2, 1)
    with pytest.raises(ValidationError):
        audit_case_record(
            by=lead,
            exercise=made,
            pseudo_ref="W3/2026",
            checks=[CheckInput(hearing, triggered_on=date(2026, 5, 18), received_on=date(2026, 5, 17))],
        )
