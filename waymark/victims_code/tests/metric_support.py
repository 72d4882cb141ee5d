"""Builders for the metric tests: Code duties, survey responses and referrals made with the ORM.

Duties are written straight to `CodeDuty` and their `due_on` set by
`waymark.victims_code.deadlines.duties_due_recompute()`, the statement the imports use; crimes
come from `waymark.crime.tests.metric_fixtures.make_crime` (victim refs `<reference>-V<n>`).
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from waymark.accounts.models import Service
from waymark.crime.models import Crime, CrimeVictim
from waymark.crime.tests.metric_fixtures import make_crime, west_midlands
from waymark.referrals.models import ContactAttempt, Referral
from waymark.victims_code.deadlines import duties_due_recompute
from waymark.victims_code.models import (
    AggregateReturn,
    AggregateReturnLine,
    CodeDuty,
    DataSource,
    Entitlement,
    MetricDefinition,
    SurveyInvitation,
    SurveyResponse,
)

EXTRACTED = date(2025, 7, 15)
_numbers = itertools.count(1)


def metric(code: str) -> MetricDefinition:
    """A seeded metric of the 2020 Code."""
    return MetricDefinition.objects.get(code=code, code_version__code="VCOP-2020")


def entitlement(code: str) -> Entitlement:
    return Entitlement.objects.get(code=code, right__code_version__code="VCOP-2020")


def victim_crime(
    *,
    recorded: date = date(2025, 4, 1),
    code: str = "8N",
    vawg: bool = False,
    local_authority: str | None = "E08000025",
    sex: str = "F",
    age_band: str = "25-34",
    ethnicity: str = "",
    disability: str = "",
    enhanced_rights: str = "",
    outcome: int = 0,
    outcome_on: date | None = None,
) -> tuple[Crime, str]:
    """A crime with one victim, and the victim's ref."""
    reference = f"VC{next(_numbers)}"
    crime = make_crime(
        reference,
        recorded=recorded,
        code=code,
        vawg=vawg,
        adult_rape=False,
        local_authority=local_authority,
        victims=[(sex, age_band)],
        outcome=outcome,
        outcome_on=outcome_on,
    )
    victim_ref = f"{reference}-V0"
    CrimeVictim.objects.filter(crime=crime, victim_ref=victim_ref).update(
        ethnicity=ethnicity, disability=disability, enhanced_rights=enhanced_rights
    )
    return crime, victim_ref


def duty(
    entitlement_code: str,
    *,
    triggered: date,
    delivered: date | None = None,
    enhanced: bool = False,
    received: date | None = None,
    not_applicable: str = "",
    crime: Crime | None = None,
    victim_ref: str = "",
    **victim: Any,
) -> CodeDuty:
    """One duty (on a new one-victim crime unless given); call `recompute()` after the last."""
    if crime is None:
        crime, victim_ref = victim_crime(recorded=triggered, **victim)
    return CodeDuty.objects.create(
        police_force_area=west_midlands(),
        crime=crime,
        victim_ref=victim_ref,
        entitlement=entitlement(entitlement_code),
        triggered_on=triggered,
        received_on=received,
        enhanced=enhanced,
        delivered_on=delivered,
        not_applicable_reason=not_applicable,
        extracted_on=EXTRACTED,
    )


def recompute() -> int:
    """Set every duty's `due_on` from the calendar table, as an import does."""
    return duties_due_recompute()


def survey_response(
    *, submitted: date, crime: Crime | None = None, victim_ref: str = "", **answers: str
) -> SurveyResponse:
    """A response to a one-time invitation for a victim-crime pair (a new crime unless given)."""
    if crime is None:
        crime, victim_ref = victim_crime(recorded=submitted - timedelta(days=60))
    invitation = SurveyInvitation.objects.create(
        police_force_area=west_midlands(),
        crime=crime,
        victim_ref=victim_ref,
        token_sha256=hashlib.sha256(f"token-{next(_numbers)}".encode()).hexdigest(),
        expires_at=datetime.combine(submitted + timedelta(days=30), time.min, tzinfo=UTC),
        used_at=datetime.combine(submitted, time(12), tzinfo=UTC),
    )
    return SurveyResponse.objects.create(invitation=invitation, submitted_on=submitted, **answers)


def referral(
    *, service: Service, received: datetime, due: date, contact: datetime | None = None, by: Any
) -> Referral:
    """A referral received at `received` (UK time), first contact due `due`, and contact made at
    `contact` if given."""
    from waymark.referrals.models import new_code
    from waymark.referrals.tests.factories import make_person

    made = Referral.objects.create(
        reference=new_code("R"),
        service=service,
        organisation=service.organisation,
        person=make_person(service=service),
        received_at=timezone.make_aware(received),
        first_contact_due=due,
        route=Referral.Route.POLICE,
        source=Referral.Source.POLICE_FEED,
        consent=Referral.Consent.GIVEN,
    )
    if contact is not None:
        ContactAttempt.objects.create(
            referral=made,
            channel=ContactAttempt.Channel.CALL,
            outcome=ContactAttempt.Outcome.CONTACT_MADE,
            at=timezone.make_aware(contact),
            by=by,
        )
    return made


def aggregate_return(
    *,
    agency_name: str,
    agency_type: str,
    start: date,
    end: date,
    lines: list[tuple[str, str, str, int, int, int]],
    status: str = AggregateReturn.Status.ACCEPTED,
) -> AggregateReturn:
    """An agency's return with lines (metric code, dimension, value, numerator, denominator,
    not applicable)."""
    made = AggregateReturn.objects.create(
        police_force_area=west_midlands(),
        agency_type=agency_type,
        agency_name=agency_name,
        period_start=start,
        period_end=end,
        data_source=DataSource.WITNESS_CARE,
        status=status,
    )
    AggregateReturnLine.objects.bulk_create(
        AggregateReturnLine(
            aggregate_return=made,
            metric=metric(code),
            dimension=dimension,
            value=value,
            numerator=numerator,
            denominator=denominator,
            not_applicable=not_applicable,
        )
        for code, dimension, value, numerator, denominator, not_applicable in lines
    )
    return made
