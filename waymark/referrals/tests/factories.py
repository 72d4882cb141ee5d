"""Factories for referral tests: people, contact methods and referrals made directly (no service checks)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from waymark.accounts.models import Service
from waymark.core.workdays import add_working_days
from waymark.referrals.models import ContactMethod, Person, Referral, new_code
from waymark.referrals.services import identity_key_for


def make_person(*, service: Service, full_name: str = "Testy McFakeperson", **fields: Any) -> Person:
    """A person known to the service's provider."""
    dob = fields.pop("date_of_birth", None)
    return Person.objects.create(
        organisation=service.organisation,
        code=new_code("P"),
        full_name=full_name,
        date_of_birth=dob.isoformat() if dob else None,
        identity_key=identity_key_for(full_name, dob),
        **fields,
    )


def make_contact_method(
    *, person: Person, kind: str = ContactMethod.Kind.MOBILE, **flags: Any
) -> ContactMethod:
    """A contact method; unsafe for everything unless flags say otherwise."""
    flags.setdefault("value", "07700 900123" if kind in ("mobile", "landline") else "fake@example.invalid")
    return ContactMethod.objects.create(person=person, kind=kind, **flags)


def make_referral(
    *, service: Service, days_ago: int = 0, person: Person | None = None, **fields: Any
) -> Referral:
    """A referral received `days_ago` days ago, by the police route unless said otherwise."""
    received_at = timezone.now() - timedelta(days=days_ago)
    person = person or make_person(service=service)
    fields.setdefault("route", Referral.Route.POLICE)
    fields.setdefault("source", Referral.Source.POLICE_FEED)
    fields.setdefault("consent", Referral.Consent.GIVEN)
    return Referral.objects.create(
        reference=new_code("R"),
        service=service,
        organisation=service.organisation,
        person=person,
        received_at=received_at,
        first_contact_due=add_working_days(
            timezone.localdate(received_at), service.first_contact_working_days
        ),
        **fields,
    )
