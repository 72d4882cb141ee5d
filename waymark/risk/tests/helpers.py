"""Small helpers that build assessments and referrals through the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from waymark.cases.models import Case
from waymark.risk import services
from waymark.risk.models import MaracReferral, RiskAssessment, RiskTool


def answers_for(tool: RiskTool, *, yes: int = 0, not_known: int = 0) -> dict[str, services.AnswerInput]:
    """`yes` 'yes' answers, then `not_known` 'not known', the rest 'no'."""
    result = {}
    for index, question in enumerate(tool.questions.order_by("number")):
        value = "yes" if index < yes else "not_known" if index < yes + not_known else "no"
        result[question.key] = services.AnswerInput(value, f"comment {question.number}")
    return result


def submit_assessment(
    *,
    case: Case,
    by: Any,
    tool: RiskTool | None = None,
    yes: int = 0,
    not_known: int = 0,
    judgement: str = "",
    rationale: str = "",
    assessed_at: datetime | None = None,
    context: str = "intake",
) -> RiskAssessment:
    """Save and submit an assessment in one go."""
    tool = tool or RiskTool.objects.get(key="safelives_dash_24")
    draft = services.risk_assessment_save_draft(
        case=case,
        by=by,
        tool=tool,
        context=context,
        assessed_at=assessed_at or timezone.now(),
        answers=answers_for(tool, yes=yes, not_known=not_known),
        professional_judgement_level=judgement,
        professional_judgement_rationale=rationale,
    )
    return services.risk_assessment_submit(assessment=draft, by=by)


def refer(*, case: Case, by: Any, days_ago: int = 0, criteria: list[str] | None = None) -> MaracReferral:
    """A MARAC referral made `days_ago` days ago."""
    return services.marac_referral_create(
        case=case,
        by=by,
        criteria=criteria or ["visible_high_risk"],
        marac_area="Test MARAC",
        consent="given",
        victim_informed="yes",
        referred_at=timezone.now() - timedelta(days=days_ago),
    )
