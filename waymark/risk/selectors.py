"""Reads for risk: assessments, MARAC criteria detection, and what is due.

Rows come only through `visible_to(user)` (through the case), so another provider's staff,
the OPCC, the board and the force see nothing here.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from waymark.cases.models import Case
from waymark.core.home import HomePanel
from waymark.core.visibility import get_visible_or_404

from .models import (
    DomesticAbuseIncident,
    MaracCriterion,
    MaracReferral,
    MaracReferralDue,
    RiskAssessment,
    RiskBandSet,
    RiskSettings,
    RiskTool,
)

DEFAULT_TOOL_KEY = "safelives_dash_24"


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months (negative to go back), clipped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def risk_settings_for(*, organisation: Any) -> RiskSettings:
    """The organisation's risk settings, or the defaults (unsaved) if it has none."""
    found = RiskSettings.objects.filter(organisation=organisation).first()
    return found or RiskSettings(organisation=organisation)


def band_set_for(*, tool: RiskTool, organisation: Any) -> RiskBandSet:
    """The organisation's own bands for the tool if it has them, else the tool's default set."""
    found = (
        RiskBandSet.objects.filter(tool=tool, organisation=organisation).prefetch_related("bands").first()
        or RiskBandSet.objects.filter(tool=tool, organisation__isnull=True).prefetch_related("bands").first()
    )
    if found is None:
        raise RiskBandSet.DoesNotExist(f"No bands for {tool.key}")
    return found


def review_interval_days(*, tool: RiskTool, organisation: Any) -> int:
    """Days from an assessment to its review: the organisation's setting, else the tool's."""
    return risk_settings_for(organisation=organisation).review_interval_days or tool.review_interval_days


def risk_tool_list() -> QuerySet[RiskTool]:
    """Tools offered for new assessments (reference data: no personal data)."""
    return RiskTool.objects.filter(is_active=True)


def case_get_for_risk(*, user: Any, public_id: UUID | str) -> Case:
    """A case the user may see, or 404."""
    return get_visible_or_404(
        Case.objects.select_related("organisation", "service"), user=user, public_id=public_id
    )


def risk_assessment_get(*, user: Any, public_id: UUID | str) -> RiskAssessment:
    """An assessment on a case the user may see, or 404."""
    return get_visible_or_404(
        RiskAssessment.objects.select_related("case", "case__organisation", "tool", "assessor", "supersedes"),
        user=user,
        public_id=public_id,
    )


def risk_assessment_list_for_case(*, user: Any, case: Case) -> QuerySet[RiskAssessment]:
    """Every assessment of a case (drafts included), newest first."""
    return RiskAssessment.objects.visible_to(user).filter(case=case).select_related("tool", "assessor")


def risk_assessment_latest(*, case: Case) -> RiskAssessment | None:
    """The case's current assessment: the newest submitted one that no correction superseded.

    The caller has already established that the case is visible (this takes the case, not a user).
    """
    return (
        RiskAssessment.objects.current()
        .filter(case=case)
        .select_related("tool")
        .order_by("-assessed_at", "-id")
        .first()
    )


def incident_list_for_case(*, user: Any, case: Case) -> QuerySet[DomesticAbuseIncident]:
    """The case's recorded domestic abuse incidents, newest first."""
    return DomesticAbuseIncident.objects.visible_to(user).filter(case=case)


def marac_referral_list_for_case(*, user: Any, case: Case) -> QuerySet[MaracReferral]:
    """The case's MARAC referrals, newest first."""
    return MaracReferral.objects.visible_to(user).filter(case=case)


def marac_referral_last_for_person(*, person: Any) -> MaracReferral | None:
    """The person's most recent MARAC referral, on any of their cases (people are per provider)."""
    return MaracReferral.objects.filter(case__person=person).order_by("-referred_at", "-id").first()


def escalation_incident_count(*, case: Case, on: date, months: int) -> int:
    """Incidents on the case in the `months` up to and including `on`."""
    return DomesticAbuseIncident.objects.filter(
        case=case, occurred_on__gt=add_months(on, -months), occurred_on__lte=on
    ).count()


@dataclass
class MaracCriteria:
    """Which MARAC criteria the case meets now, with a plain reason for each one met."""

    visible_high_risk: bool = False
    professional_judgement: bool = False
    potential_escalation: bool = False
    repeat: bool = False
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def met(self) -> list[str]:
        """The values of the criteria met."""
        return [c.value for c in MaracCriterion if getattr(self, c.value)]

    @property
    def any(self) -> bool:
        """Whether any criterion is met."""
        return bool(self.met)


def marac_criteria_for_case(*, case: Case, on: date | None = None) -> MaracCriteria:
    """Detect the four SafeLives MARAC criteria for a case (the caller has checked visibility).

    * visible high risk: the current assessment's 'yes' count reaches the tool's MARAC threshold;
    * professional judgement: the current assessment's level was raised to high by judgement;
    * potential escalation: the case's incidents in the local window reach the local threshold;
    * repeat: an incident (same perpetrator) within the repeat window after the person's last
      MARAC referral.
    """
    on = on or timezone.localdate()
    found = MaracCriteria()
    latest = risk_assessment_latest(case=case)
    if latest is not None and latest.yes_count is not None:
        threshold = latest.tool.marac_threshold
        if threshold is not None and latest.yes_count >= threshold:
            found.visible_high_risk = True
            found.reasons[MaracCriterion.VISIBLE_HIGH_RISK.value] = (
                f"{latest.yes_count} 'yes' answers on {latest.assessed_at:%d %b %Y} "
                f"(threshold {threshold}, {latest.tool.name})."
            )
        if latest.judgement_raised and latest.final_level == "high":
            found.professional_judgement = True
            found.reasons[MaracCriterion.PROFESSIONAL_JUDGEMENT.value] = (
                f"Professional judgement raised the level from {latest.get_score_band_display().lower()} "
                f"to high on {latest.assessed_at:%d %b %Y}."
            )
    local = risk_settings_for(organisation=case.organisation)
    count = escalation_incident_count(case=case, on=on, months=local.escalation_months)
    if count >= local.escalation_incidents:
        found.potential_escalation = True
        found.reasons[MaracCriterion.POTENTIAL_ESCALATION.value] = (
            f"{count} incidents in the last {local.escalation_months} months "
            f"(local threshold {local.escalation_incidents})."
        )
    repeat = repeat_incidents_for_case(case=case)
    if repeat:
        found.repeat = True
        found.reasons[MaracCriterion.REPEAT.value] = (
            f"{len(repeat)} incident(s) within {local.repeat_months} months of the last MARAC referral."
        )
    return found


def repeat_incidents_for_case(*, case: Case) -> list[DomesticAbuseIncident]:
    """The person's incidents (same perpetrator) since their last MARAC referral, within the window."""
    last = marac_referral_last_for_person(person=case.person)
    if last is None:
        return []
    months = risk_settings_for(organisation=case.organisation).repeat_months
    start = timezone.localdate(last.referred_at)
    return list(
        DomesticAbuseIncident.objects.filter(
            case__person=case.person,
            same_perpetrator=True,
            occurred_on__gte=start,
            occurred_on__lte=add_months(start, months),
            created_at__gt=last.created_at,
        )
    )


def risk_reviews_due(*, user: Any, on: date | None = None, within_days: int = 7) -> QuerySet[RiskAssessment]:
    """Open cases whose current risk assessment is due for review by `on` + `within_days`.

    One row per case (its current assessment: the newest submitted one not superseded),
    soonest first; overdue ones included. For the caseworker's and manager's "risk reviews
    due" views and the home panel.
    """
    on = on or timezone.localdate()
    newer = RiskAssessment.objects.current().filter(
        case=OuterRef("case"), assessed_at__gt=OuterRef("assessed_at")
    )
    return (
        RiskAssessment.objects.visible_to(user)
        .current()
        .filter(case__status__in=Case.OPEN_STATUSES, next_review_due__lte=on + timedelta(days=within_days))
        .exclude(Exists(newer))
        .select_related("case", "case__service", "case__owner", "tool")
        .order_by("next_review_due", "id")
    )


def marac_referrals_due(*, user: Any) -> QuerySet[MaracReferralDue]:
    """Open "refer (or refer back) to MARAC" items on open cases the user may see, oldest first.

    Made automatically by `risk_assessment_submit` (visible high risk, professional judgement)
    and `domestic_abuse_incident_record` (potential escalation, repeat); resolved by
    `marac_referral_create`. For the "MARAC referrals due" views and the home panel.
    """
    return (
        MaracReferralDue.objects.visible_to(user)
        .open()
        .filter(case__status__in=Case.OPEN_STATUSES)
        .select_related("case", "case__service", "case__owner")
        .order_by("created_at", "id")
    )


def marac_referral_list_for_user(*, user: Any) -> QuerySet[MaracReferral]:
    """MARAC referrals on cases the user may see, newest first."""
    return MaracReferral.objects.visible_to(user).select_related("case", "case__service", "referred_by")


def home_panels_for_user(*, user: Any) -> list[HomePanel]:
    """A "Domestic abuse risk" panel for casework roles: reviews and MARAC referrals due (counts)."""
    if not user.has_perm("risk.view_risk"):
        return []
    reviews = risk_reviews_due(user=user, within_days=0).count()
    due = marac_referrals_due(user=user).count()
    return [
        HomePanel(
            title="Domestic abuse risk",
            rows=[("Risk reviews due", str(reviews)), ("MARAC referrals due", str(due))],
            links=[
                ("Risk reviews due", reverse("risk:review_list")),
                ("MARAC referrals", reverse("risk:marac_list")),
            ],
        )
    ]
