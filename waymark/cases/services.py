"""Every write to cases. Status changes go through `waymark.cases.lifecycle`."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.referrals.models import Referral, new_code

from .models import Case


@transaction.atomic
def case_open_from_referral(*, referral: Referral, by: Any, owner: Any = None, team: Any = None) -> Case:
    """Open the case for an accepted referral, allocated to `owner` and/or `team`.

    Called by the referral triage service when the outcome is "accepted"; the caller has
    already checked that `by` may accept the referral. The case keeps the referral's first
    contact times for the Victims' Code.
    """
    first_attempt = referral.contact_attempts.order_by("at").first()
    made = referral.contact_attempts.filter(outcome="contact_made").order_by("at").first()
    case = Case.objects.create(
        reference=new_code("C"),
        person=referral.person,
        referral=referral,
        service=referral.service,
        organisation=referral.organisation,
        owner=owner,
        team=team or referral.team,
        opened_at=timezone.now(),
        first_contact_attempt_at=first_attempt.at if first_attempt else None,
        first_contact_made_at=made.at if made else None,
    )
    access_log_record(actor=by, action=AccessLog.Action.CREATE, obj=case)
    return case
