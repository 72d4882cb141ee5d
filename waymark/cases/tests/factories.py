"""Factories for case tests: people, referrals and cases of a service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from waymark.accounts.models import Service
from waymark.cases.models import Case, NeedsDomain, OutcomeFramework
from waymark.referrals.models import ContactMethod, Person, Referral, new_code


def make_person(*, organisation: Any, full_name: str = "Alex Example", **fields: Any) -> Person:
    """A person known to `organisation`."""
    return Person.objects.create(organisation=organisation, code=new_code("P"), full_name=full_name, **fields)


def make_referral(*, service: Service, person: Person, first_contact_due: Any = None) -> Referral:
    """A referral into `service`, received yesterday."""
    now = timezone.now()
    return Referral.objects.create(
        reference=new_code("R"),
        service=service,
        organisation=service.organisation,
        person=person,
        route=Referral.Route.AGENCY,
        source=Referral.Source.PARTNER_FORM,
        consent=Referral.Consent.GIVEN,
        received_at=now - timedelta(days=1),
        first_contact_due=first_contact_due or (now + timedelta(days=2)).date(),
        status=Referral.Status.ACCEPTED,
    )


def make_case(
    *,
    service: Service,
    team: Any = None,
    owner: Any = None,
    status: str = Case.Status.OPEN_ALLOCATED,
    full_name: str = "Alex Example",
    with_referral: bool = True,
    first_contact_due: Any = None,
    **fields: Any,
) -> Case:
    """A case in `service` for a new person (with a referral unless told not to)."""
    person = make_person(organisation=service.organisation, full_name=full_name)
    referral = (
        make_referral(service=service, person=person, first_contact_due=first_contact_due)
        if with_referral
        else None
    )
    return Case.objects.create(
        reference=new_code("C"),
        person=person,
        referral=referral,
        service=service,
        organisation=service.organisation,
        team=team,
        owner=owner,
        status=status,
        opened_at=timezone.now(),
        **fields,
    )


def add_contact_method(person: Person, *, value: str = "07700 900123") -> ContactMethod:
    """A safe mobile number for `person`."""
    return ContactMethod.objects.create(person=person, kind="mobile", value=value, safe_to_call=True)


def moj_framework_for(service: Service) -> OutcomeFramework:
    """Attach the seeded MoJ framework to `service`."""
    framework = OutcomeFramework.objects.get(key="moj_cope_and_recover")
    framework.services.add(service)
    return framework


def all_domains_levels(level: str = "low") -> dict[NeedsDomain, tuple[str, str]]:
    """A level for every active needs domain."""
    return dict.fromkeys(NeedsDomain.objects.filter(is_active=True), (level, ""))
