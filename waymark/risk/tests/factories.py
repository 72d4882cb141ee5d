"""Factories for risk tests: a person and a case in the test world's services."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from waymark.cases.models import Case
from waymark.referrals.models import Person, new_code


def make_case(
    *, service: Any, team: Any = None, owner: Any = None, person: Person | None = None, **fields: Any
) -> Case:
    """An open case in `service` (for a new person unless `person` is given)."""
    if person is None:
        person = Person.objects.create(organisation=service.organisation, code=new_code("P"))
    return Case.objects.create(
        reference=new_code("C"),
        person=person,
        service=service,
        organisation=service.organisation,
        team=team,
        owner=owner,
        opened_at=timezone.now(),
        **fields,
    )
