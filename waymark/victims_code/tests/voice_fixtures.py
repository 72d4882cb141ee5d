"""Builders for the victim's voice tests: victim-crime pairs with Code duties, and survey answers
made straight with the ORM (the links' tokens are random; only their hashes matter here)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.utils import timezone

from waymark.crime.models import Crime, CrimeVictim
from waymark.crime.tests.metric_fixtures import make_crime
from waymark.victims_code.models import CodeDuty, Entitlement, SurveyInvitation, SurveyResponse
from waymark.victims_code.voice import token_sha256

REPORTED = date(2024, 5, 1)  # 2024/25 Q1


def entitlement(code: str) -> Entitlement:
    """An entitlement of the 2020 Code as seeded by the migrations, e.g. R3.WRITTEN_CONFIRMATION."""
    return Entitlement.objects.get(code=code, right__code_version__code="VCOP-2020")


def pair(
    reference: str,
    *,
    reported: date = REPORTED,
    sex: str = "F",
    enhanced_rights: str = "",
) -> tuple[Crime, str]:
    """One crime with one victim; returns the crime and the victim's ref."""
    crime = make_crime(
        reference, recorded=reported, code="8N", adult_rape=False, vawg=False, victims=[(sex, "25-34")]
    )
    victim = CrimeVictim.objects.get(crime=crime)
    if enhanced_rights:
        CrimeVictim.objects.filter(pk=victim.pk).update(enhanced_rights=enhanced_rights)
    return crime, victim.victim_ref


def duty(
    crime: Crime,
    victim_ref: str,
    code: str,
    *,
    delivered: bool,
    not_applicable: str = "",
    triggered: date | None = None,
) -> CodeDuty:
    """One duty of `code` owed to the victim, delivered the day after the trigger or not."""
    on = triggered or crime.reported_on
    return CodeDuty.objects.create(
        police_force_area_id=crime.police_force_area_id,
        crime=crime,
        victim_ref=victim_ref,
        entitlement=entitlement(code),
        triggered_on=on,
        enhanced=False,
        delivered_on=on + timedelta(days=1) if delivered else None,
        not_applicable_reason=not_applicable,
        extracted_on=on + timedelta(days=30),
    )


def answered(crime: Crime, victim_ref: str, **answers: str) -> SurveyResponse:
    """A used invitation for the pair and the victim's answers."""
    invitation = SurveyInvitation.objects.create(
        police_force_area_id=crime.police_force_area_id,
        crime=crime,
        victim_ref=victim_ref,
        token_sha256=token_sha256(secrets.token_urlsafe(32)),
        expires_at=timezone.now() + timedelta(days=28),
        used_at=timezone.now(),
    )
    return SurveyResponse.objects.create(invitation=invitation, submitted_on=timezone.localdate(), **answers)
