"""Every write to risk: assessments (draft, submit, correct), incidents and MARAC referrals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.cases.models import Case
from waymark.core.permissions import ensure_can

from . import selectors
from .models import (
    LEVEL_RANK,
    DomesticAbuseIncident,
    MaracCriterion,
    MaracReferral,
    MaracReferralDue,
    RiskAnswer,
    RiskAssessment,
    RiskLevel,
    RiskTool,
)


class AnswerInput(NamedTuple):
    """One answer as entered: yes, no, not_known (or blank in a draft), and a comment."""

    value: str
    comment: str = ""


def _ensure_case_visible(by: Any, case: Case) -> None:
    """Refuse a write to a case outside the person's scope, whatever the permission says."""
    if not Case.objects.visible_to(by).filter(pk=case.pk).exists():
        raise PermissionDenied("Not allowed: case outside your scope")


def _due_item(*, case: Case, criterion: str, reason: str, **links: Any) -> MaracReferralDue | None:
    """Open a "MARAC referral due" item, unless one for the same criterion is already open."""
    if MaracReferralDue.objects.open().filter(case=case, criterion=criterion).exists():
        return None
    return MaracReferralDue.objects.create(case=case, criterion=criterion, reason=reason[:300], **links)


@transaction.atomic
def risk_assessment_save_draft(
    *,
    case: Case,
    by: Any,
    tool: RiskTool,
    context: str,
    assessed_at: datetime,
    answers: Mapping[str, AnswerInput],
    professional_judgement_level: str = "",
    professional_judgement_rationale: str = "",
    assessment: RiskAssessment | None = None,
    request: HttpRequest | None = None,
) -> RiskAssessment:
    """Create a draft assessment of `case` with `tool`, or update the draft `assessment`.

    `answers` maps question keys to answers; a draft may leave questions unanswered.
    """
    ensure_can(by, "risk.record_assessment", case)
    _ensure_case_visible(by, case)
    if context not in RiskAssessment.Context.values:
        raise ValidationError({"context": "Choose when this assessment was made."})
    if assessed_at > timezone.now():
        raise ValidationError({"assessed_on": "The date of the assessment must be today or in the past."})
    if professional_judgement_level and professional_judgement_level not in RiskLevel.values:
        raise ValidationError({"professional_judgement_level": "Choose a level."})
    questions = {q.key: q for q in tool.questions.all()}
    unknown = set(answers) - set(questions)
    if unknown:
        raise ValidationError(f"Unknown questions for {tool.name}: {', '.join(sorted(unknown))}.")
    for key, answer in answers.items():
        if answer.value and answer.value not in RiskAnswer.Value.values:
            raise ValidationError({f"q_{key}": "Answer yes, no or not known."})

    created = assessment is None
    if assessment is None:
        assessment = RiskAssessment(case=case, tool=tool, tool_version=tool.version, assessor=by)
    elif assessment.is_submitted or assessment.case_id != case.pk:
        raise ValidationError("Only a draft assessment of this case can be changed.")
    assessment.context = context
    assessment.assessed_at = assessed_at
    assessment.professional_judgement_level = professional_judgement_level
    assessment.professional_judgement_rationale = professional_judgement_rationale.strip() or None
    assessment.save()
    existing = {a.question_id: a for a in assessment.answers.all()}
    for key, question in questions.items():
        given = answers.get(key, AnswerInput(""))
        row = existing.get(question.pk) or RiskAnswer(assessment=assessment, question=question)
        row.value = given.value
        row.comment = given.comment.strip() or None
        row.save()
    access_log_record(
        actor=by,
        action=AccessLog.Action.CREATE if created else AccessLog.Action.CHANGE,
        obj=assessment,
        request=request,
        detail="Risk assessment draft saved",
    )
    return assessment


@transaction.atomic
def risk_assessment_submit(
    *, assessment: RiskAssessment, by: Any, request: HttpRequest | None = None
) -> RiskAssessment:
    """Submit a draft: count the 'yes' answers, band them, apply judgement, set the review date.

    Every question must be answered. Professional judgement may raise the level above the
    band (with a rationale) but never lower it. Once submitted the assessment cannot change.
    Opens a "MARAC referral due" item at visible high risk or when judgement raises the level
    to high.
    """
    ensure_can(by, "risk.record_assessment", assessment.case)
    _ensure_case_visible(by, assessment.case)
    if assessment.is_submitted:
        raise ValidationError("This assessment has already been submitted.")
    tool = assessment.tool
    answers = {a.question_id: a for a in assessment.answers.all()}
    errors: dict[str, str] = {}
    yes_count = 0
    for question in tool.questions.all():
        answer = answers.get(question.pk)
        if answer is None or not answer.value:
            errors[f"q_{question.key}"] = f"Answer question {question.number}: yes, no or not known."
        elif answer.value == RiskAnswer.Value.YES:
            yes_count += 1
    organisation = assessment.case.organisation
    band = selectors.band_set_for(tool=tool, organisation=organisation).level_for(yes_count)
    judgement = assessment.professional_judgement_level
    rationale = (assessment.professional_judgement_rationale or "").strip()
    final = band
    if judgement:
        if LEVEL_RANK[judgement] < LEVEL_RANK[band]:
            errors["professional_judgement_level"] = (
                f"Professional judgement cannot lower the level below the band ({band}); "
                "it may only raise it."
            )
        elif LEVEL_RANK[judgement] > LEVEL_RANK[band]:
            final = judgement
            if not rationale:
                errors["professional_judgement_rationale"] = (
                    "Say why your professional judgement puts the level above the band."
                )
    if errors:
        raise ValidationError(errors)

    assessment.yes_count = yes_count
    assessment.score_band = band
    assessment.final_level = final
    days = selectors.review_interval_days(tool=tool, organisation=organisation)
    assessment.next_review_due = timezone.localdate(assessment.assessed_at) + timedelta(days=days)
    assessment.status = RiskAssessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.save()
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=assessment,
        request=request,
        detail="Risk assessment submitted",
    )

    case = assessment.case
    if tool.marac_threshold is not None and yes_count >= tool.marac_threshold:
        _due_item(
            case=case,
            criterion=MaracCriterion.VISIBLE_HIGH_RISK,
            reason=f"{yes_count} 'yes' answers (threshold {tool.marac_threshold}).",
            risk_assessment=assessment,
        )
    if final == RiskLevel.HIGH and LEVEL_RANK[final] > LEVEL_RANK[band]:
        _due_item(
            case=case,
            criterion=MaracCriterion.PROFESSIONAL_JUDGEMENT,
            reason=f"Professional judgement raised the level from {band} to high.",
            risk_assessment=assessment,
        )
    return assessment


@transaction.atomic
def risk_assessment_correct(
    *, assessment: RiskAssessment, by: Any, request: HttpRequest | None = None
) -> RiskAssessment:
    """Start a correction: a draft copy of a submitted assessment that will supersede it.

    The original is never changed; once the correction is submitted the original stops being
    current but stays on record. If a correction is already in draft, that draft is returned.
    """
    ensure_can(by, "risk.record_assessment", assessment.case)
    _ensure_case_visible(by, assessment.case)
    if not assessment.is_submitted:
        raise ValidationError("Only a submitted assessment can be corrected; change the draft instead.")
    existing = RiskAssessment.objects.filter(supersedes=assessment).first()
    if existing is not None:
        if existing.is_submitted:
            raise ValidationError("This assessment has already been corrected.")
        return existing
    copy = RiskAssessment.objects.create(
        case=assessment.case,
        tool=assessment.tool,
        tool_version=assessment.tool_version,
        context=assessment.context,
        assessed_at=assessment.assessed_at,
        assessor=by,
        supersedes=assessment,
        professional_judgement_level=assessment.professional_judgement_level,
        professional_judgement_rationale=assessment.professional_judgement_rationale,
    )
    for answer in assessment.answers.all():
        RiskAnswer.objects.create(
            assessment=copy, question_id=answer.question_id, value=answer.value, comment=answer.comment
        )
    access_log_record(
        actor=by, action=AccessLog.Action.CREATE, obj=copy, request=request, detail="Correction started"
    )
    return copy


@transaction.atomic
def domestic_abuse_incident_record(
    *,
    case: Case,
    by: Any,
    occurred_on: date,
    reported_to_police: bool = False,
    same_perpetrator: bool = True,
    notes: str = "",
    request: HttpRequest | None = None,
) -> DomesticAbuseIncident:
    """Record an incident; flag a repeat and open "MARAC referral due" items as the rules say.

    * repeat: the incident (same perpetrator) happened within the repeat window (12 months)
      of the person's last MARAC referral: a "refer back to MARAC" item;
    * potential escalation: the case's incidents in the local window reach the local
      threshold (default 3 in 12 months).
    """
    ensure_can(by, "risk.record_incident", case)
    _ensure_case_visible(by, case)
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": "The date of the incident must be today or in the past."})
    local = selectors.risk_settings_for(organisation=case.organisation)
    last = selectors.marac_referral_last_for_person(person=case.person)
    is_repeat = False
    if last is not None and same_perpetrator:
        start = timezone.localdate(last.referred_at)
        is_repeat = start <= occurred_on <= selectors.add_months(start, local.repeat_months)
    incident = DomesticAbuseIncident.objects.create(
        case=case,
        occurred_on=occurred_on,
        reported_to_police=reported_to_police,
        same_perpetrator=same_perpetrator,
        notes=notes.strip() or None,
        is_repeat=is_repeat,
        recorded_by=by,
    )
    access_log_record(actor=by, action=AccessLog.Action.CREATE, obj=incident, request=request)
    if is_repeat and last is not None:
        _due_item(
            case=case,
            criterion=MaracCriterion.REPEAT,
            reason=f"Refer back to MARAC: new incident within {local.repeat_months} months of the "
            f"referral on {last.referred_at:%d %b %Y}.",
            incident=incident,
        )
    count = selectors.escalation_incident_count(case=case, on=occurred_on, months=local.escalation_months)
    if count >= local.escalation_incidents:
        _due_item(
            case=case,
            criterion=MaracCriterion.POTENTIAL_ESCALATION,
            reason=f"{count} incidents in {local.escalation_months} months "
            f"(local threshold {local.escalation_incidents}).",
            incident=incident,
        )
    return incident


@transaction.atomic
def marac_referral_create(
    *,
    case: Case,
    by: Any,
    marac_area: str,
    consent: str,
    victim_informed: str,
    criteria: Iterable[str] | None = None,
    concerns: str = "",
    referred_at: datetime | None = None,
    meeting_date: date | None = None,
    request: HttpRequest | None = None,
) -> MaracReferral:
    """Refer a case to MARAC on one or more criteria, and resolve its open "due" items.

    `criteria` defaults to those detected now (`selectors.marac_criteria_for_case`); the
    practitioner may add or remove. Professional judgement needs the concerns written down.
    Consent not given is allowed: the referral is then made on risk grounds.
    """
    ensure_can(by, "risk.refer_to_marac", case)
    _ensure_case_visible(by, case)
    chosen = set(criteria) if criteria is not None else set(selectors.marac_criteria_for_case(case=case).met)
    errors: dict[str, str] = {}
    if not chosen:
        errors["criteria"] = "Choose at least one MARAC referral criterion."
    elif not chosen <= set(MaracCriterion.values):
        errors["criteria"] = "Choose criteria from the list."
    if MaracCriterion.PROFESSIONAL_JUDGEMENT.value in chosen and not concerns.strip():
        errors["concerns"] = "Describe your concerns: professional judgement must be explained."
    if not marac_area.strip():
        errors["marac_area"] = "Enter the MARAC area."
    if consent not in MaracReferral.Consent.values:
        errors["consent"] = "Say whether the person consented."
    if victim_informed not in MaracReferral.VictimInformed.values:
        errors["victim_informed"] = "Say whether the person was told about the referral."
    referred_at = referred_at or timezone.now()
    if referred_at > timezone.now():
        errors["referred_on"] = "The referral date must be today or in the past."
    if errors:
        raise ValidationError(errors)
    referral = MaracReferral.objects.create(
        case=case,
        risk_assessment=selectors.risk_assessment_latest(case=case),
        concerns=concerns.strip() or None,
        referred_at=referred_at,
        referred_by=by,
        marac_area=marac_area.strip(),
        meeting_date=meeting_date,
        consent=consent,
        victim_informed=victim_informed,
        **{c.value: c.value in chosen for c in MaracCriterion},
    )
    MaracReferralDue.objects.open().filter(case=case).update(
        resolved_at=timezone.now(), resolved_by_referral=referral
    )
    access_log_record(actor=by, action=AccessLog.Action.CREATE, obj=referral, request=request)
    return referral
