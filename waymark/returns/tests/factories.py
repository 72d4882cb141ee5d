"""Small builders for provider return tests: referrals, contact, cases, strands and outcomes."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from waymark.accounts.models import Service, User
from waymark.cases.models import Case, HateCrimeDetail, OutcomeFramework, OutcomeMeasure, OutcomeReading
from waymark.core.testing.factories import UserFactory
from waymark.referrals.models import ContactAttempt, Person, Referral

_numbers = itertools.count(1)


def at(day: date, hour: int = 10) -> datetime:
    """An aware datetime in UK time on `day`."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def staff_user() -> User:
    """Someone to record contact attempts and readings as."""
    return UserFactory.create(mfa=False)


def make_referral(
    *,
    service: Service,
    received: date,
    due: date | None = None,
    route: str = Referral.Route.POLICE,
    source: str = Referral.Source.POLICE_FEED,
    status: str = Referral.Status.RECEIVED,
    outcome_at: datetime | None = None,
) -> Referral:
    """A referral into `service` received on `received` (due two days later unless told)."""
    number = next(_numbers)
    person = Person.objects.create(
        organisation=service.organisation, code=f"TP-{number:05d}", full_name=f"Test Person {number}"
    )
    return Referral.objects.create(
        reference=f"TR-{number:05d}",
        service=service,
        organisation=service.organisation,
        person=person,
        route=route,
        source=source,
        consent=Referral.Consent.GIVEN,
        received_at=at(received),
        first_contact_due=due or date.fromordinal(received.toordinal() + 2),
        status=status,
        outcome_at=outcome_at,
    )


def make_contact(
    referral: Referral, day: date, by: User, outcome: str = ContactAttempt.Outcome.CONTACT_MADE
) -> Any:
    """A contact attempt on a referral."""
    return ContactAttempt.objects.create(
        referral=referral, channel=ContactAttempt.Channel.CALL, outcome=outcome, at=at(day, 11), by=by
    )


def make_case(
    referral: Referral,
    *,
    opened: date,
    status: str = Case.Status.ACTIVE_SUPPORT,
    closed: date | None = None,
    closure_reason: str = "",
    strands: list[str] | None = None,
) -> Case:
    """The case opened from an accepted referral, with hate crime strands if given."""
    case = Case.objects.create(
        reference=f"TC-{referral.reference[3:]}",
        person=referral.person,
        referral=referral,
        service=referral.service,
        organisation=referral.organisation,
        status=status,
        opened_at=at(opened, 12),
        closed_at=at(closed, 15) if closed else None,
        closure_reason=closure_reason,
    )
    if strands is not None:
        HateCrimeDetail.objects.create(case=case, strands=strands)
    return case


def make_measure(
    label: str = "Feeling safe", scale: list[Any] | None = None, higher: bool = True
) -> OutcomeMeasure:
    """A measure in a test framework."""
    framework, _ = OutcomeFramework.objects.get_or_create(key="test-framework", defaults={"name": "Test"})
    return OutcomeMeasure.objects.create(
        framework=framework,
        key=label.lower().replace(" ", "-"),
        label=label,
        scale=scale if scale is not None else [1, 2, 3, 4, 5],
        improvement_is_higher=higher,
    )


def make_reading(case: Case, measure: OutcomeMeasure, timepoint: str, value: Any, day: date, by: User) -> Any:
    """One outcome reading."""
    return OutcomeReading.objects.create(
        case=case, measure=measure, timepoint=timepoint, value=str(value), at=at(day, 14), by=by
    )
