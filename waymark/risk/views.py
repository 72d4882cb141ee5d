"""The risk pages: a case's risk, the checklist, its result, incidents and MARAC referrals.

Thin: each view finds the case through `visible_to` (404 outside scope), calls a selector or
service, logs the read and renders.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record, access_log_record_many
from waymark.cases.models import Case
from waymark.core.forms import add_service_errors, form_flow
from waymark.core.http import AuthenticatedHttpRequest

from . import selectors, services
from .forms import IncidentForm, MaracReferralForm, RiskAssessmentForm
from .models import MaracCriterion, RiskAssessment, RiskTool

view_risk = permission_required("risk.view_risk", raise_exception=True)


def _moment(day: date) -> datetime:
    """A date as a moment: now if it is today, else midday that day (local time)."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def case_risk_url(case: Case) -> str:
    """The risk page of a case (for links from the case page)."""
    return reverse("risk:case_risk", kwargs={"case_id": case.public_id})


@login_required
@view_risk
def case_risk(request: AuthenticatedHttpRequest, case_id: UUID) -> HttpResponse:
    """One case's risk: assessments, incidents, MARAC referrals, and the criteria met now."""
    case = selectors.case_get_for_risk(user=request.user, public_id=case_id)
    access_log_record(
        actor=request.user, action=AccessLog.Action.VIEW, obj=case, request=request, detail="Risk page"
    )
    return render(
        request,
        "risk/case_risk.html",
        {
            "case": case,
            "assessments": selectors.risk_assessment_list_for_case(user=request.user, case=case),
            "latest": selectors.risk_assessment_latest(case=case),
            "incidents": selectors.incident_list_for_case(user=request.user, case=case),
            "referrals": selectors.marac_referral_list_for_case(user=request.user, case=case),
            "criteria": selectors.marac_criteria_for_case(case=case),
            "criterion_labels": dict(MaracCriterion.choices),
            "tools": selectors.risk_tool_list(),
        },
    )


def _assessment_page(
    request: AuthenticatedHttpRequest, *, case: Case, tool: RiskTool, assessment: RiskAssessment | None
) -> HttpResponse:
    """Show the checklist; on POST save a draft and, if asked, submit it (all or nothing)."""
    questions = list(tool.questions.all())
    initial: dict[str, Any] = {"context": RiskAssessment.Context.INTAKE, "assessed_on": timezone.localdate()}
    if assessment is not None:
        initial = {
            "context": assessment.context,
            "assessed_on": timezone.localdate(assessment.assessed_at),
            "professional_judgement_level": assessment.professional_judgement_level,
            "professional_judgement_rationale": assessment.professional_judgement_rationale or "",
        }
        for answer in assessment.answers.select_related("question"):
            initial[f"q_{answer.question.key}"] = answer.value
            initial[f"c_{answer.question.key}"] = answer.comment or ""
    form = RiskAssessmentForm(request.POST or None, questions=questions, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        submit = request.POST.get("action") == "submit"
        try:
            with transaction.atomic():
                saved = services.risk_assessment_save_draft(
                    case=case,
                    by=request.user,
                    tool=tool,
                    context=data["context"],
                    assessed_at=_moment(data["assessed_on"]),
                    answers={
                        q.key: services.AnswerInput(data[f"q_{q.key}"], data[f"c_{q.key}"]) for q in questions
                    },
                    professional_judgement_level=data["professional_judgement_level"],
                    professional_judgement_rationale=data["professional_judgement_rationale"],
                    assessment=assessment,
                    request=request,
                )
                if submit:
                    services.risk_assessment_submit(assessment=saved, by=request.user, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Assessment submitted." if submit else "Draft saved.")
            return redirect(saved.get_absolute_url())
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "risk/assessment_form.html",
        {"form": form, "case": case, "tool": tool, "assessment": assessment, "back_url": case_risk_url(case)},
        status=status,
    )


@login_required
@view_risk
def assessment_create(request: AuthenticatedHttpRequest, case_id: UUID) -> HttpResponse:
    """A new risk assessment of a case with the chosen tool (SafeLives Dash 24 by default)."""
    case = selectors.case_get_for_risk(user=request.user, public_id=case_id)
    key = request.GET.get("tool", selectors.DEFAULT_TOOL_KEY)
    tool = selectors.risk_tool_list().filter(key=key).first()
    if tool is None:
        raise Http404("No such risk tool.")
    if request.method == "GET":
        access_log_record(
            actor=request.user,
            action=AccessLog.Action.VIEW,
            obj=case,
            request=request,
            detail="New risk assessment",
        )
    return _assessment_page(request, case=case, tool=tool, assessment=None)


@login_required
@view_risk
def assessment_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Carry on with a draft; a submitted assessment cannot be edited (correct it instead)."""
    assessment = selectors.risk_assessment_get(user=request.user, public_id=public_id)
    if assessment.is_submitted:
        messages.info(request, "A submitted assessment cannot be changed; start a correction.")
        return redirect(assessment.get_absolute_url())
    if request.method == "GET":
        access_log_record(actor=request.user, action=AccessLog.Action.VIEW, obj=assessment, request=request)
    return _assessment_page(request, case=assessment.case, tool=assessment.tool, assessment=assessment)


@login_required
@view_risk
def assessment_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """The result: count, band, final level, review date, and the MARAC criteria met."""
    assessment = selectors.risk_assessment_get(user=request.user, public_id=public_id)
    access_log_record(actor=request.user, action=AccessLog.Action.VIEW, obj=assessment, request=request)
    latest = selectors.risk_assessment_latest(case=assessment.case)
    is_current = latest is not None and latest.pk == assessment.pk
    return render(
        request,
        "risk/assessment_detail.html",
        {
            "assessment": assessment,
            "case": assessment.case,
            "answers": assessment.answers.select_related("question"),
            "is_current": is_current,
            "criteria": selectors.marac_criteria_for_case(case=assessment.case) if is_current else None,
            "criterion_labels": dict(MaracCriterion.choices),
            "correction": RiskAssessment.objects.filter(supersedes=assessment).first(),
        },
    )


@login_required
@view_risk
@require_POST
def assessment_correct(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Start (or resume) a correction of a submitted assessment."""
    assessment = selectors.risk_assessment_get(user=request.user, public_id=public_id)
    try:
        draft = services.risk_assessment_correct(assessment=assessment, by=request.user, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(assessment.get_absolute_url())
    return redirect(reverse("risk:assessment_edit", kwargs={"public_id": draft.public_id}))


@login_required
@view_risk
def incident_create(request: AuthenticatedHttpRequest, case_id: UUID) -> HttpResponse:
    """Record a domestic abuse incident on a case."""
    case = selectors.case_get_for_risk(user=request.user, public_id=case_id)
    return form_flow(
        request,
        form=IncidentForm(request.POST or None),
        save=lambda data: services.domestic_abuse_incident_record(
            case=case,
            by=request.user,
            occurred_on=data["occurred_on"],
            reported_to_police=data["reported_to_police"],
            same_perpetrator=data["same_perpetrator"],
            notes=data["notes"],
            request=request,
        ),
        success=lambda incident: (
            "Incident recorded. It is a repeat: refer the case back to MARAC."
            if incident.is_repeat
            else "Incident recorded."
        ),
        then=lambda _: case_risk_url(case),
        title="Record a domestic abuse incident",
        caption=f"Case {case.reference}",
        submit="Record incident",
        back_url=case_risk_url(case),
        no_autocomplete=True,
    )


@login_required
@view_risk
def marac_referral_create(request: AuthenticatedHttpRequest, case_id: UUID) -> HttpResponse:
    """Refer a case to MARAC, with the criteria ticked from what was detected."""
    case = selectors.case_get_for_risk(user=request.user, public_id=case_id)
    detected = selectors.marac_criteria_for_case(case=case)
    local = selectors.risk_settings_for(organisation=case.organisation)
    form = MaracReferralForm(
        request.POST or None,
        initial={
            "criteria": detected.met,
            "referred_on": timezone.localdate(),
            "marac_area": local.marac_area,
        },
    )
    if request.method == "GET":
        access_log_record(
            actor=request.user,
            action=AccessLog.Action.VIEW,
            obj=case,
            request=request,
            detail="MARAC referral form",
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.marac_referral_create(
                case=case,
                by=request.user,
                criteria=data["criteria"],
                concerns=data["concerns"],
                referred_at=_moment(data["referred_on"]),
                marac_area=data["marac_area"],
                meeting_date=data["meeting_date"],
                consent=data["consent"],
                victim_informed=data["victim_informed"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "MARAC referral recorded.")
            return redirect(case_risk_url(case))
    return render(
        request,
        "risk/marac_form.html",
        {
            "form": form,
            "case": case,
            "detected": detected,
            "criterion_labels": dict(MaracCriterion.choices),
            "back_url": case_risk_url(case),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@view_risk
def marac_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """MARAC referrals due (including "refer back") and referrals made, in the user's scope."""
    due = list(selectors.marac_referrals_due(user=request.user)[:200])
    referrals = list(selectors.marac_referral_list_for_user(user=request.user)[:200])
    access_log_record_many(
        actor=request.user,
        action=AccessLog.Action.LIST,
        objects=[*{item.case for item in due}, *referrals],
        request=request,
        detail="MARAC referrals",
    )
    return render(request, "risk/marac_list.html", {"due": due, "referrals": referrals})


@login_required
@view_risk
def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Risk reviews due in the next week or overdue, on open cases in the user's scope."""
    reviews: list[Model] = list(selectors.risk_reviews_due(user=request.user)[:200])
    access_log_record_many(
        actor=request.user,
        action=AccessLog.Action.LIST,
        objects=reviews,
        request=request,
        detail="Risk reviews due",
    )
    return render(request, "risk/review_list.html", {"reviews": reviews, "today": timezone.localdate()})
