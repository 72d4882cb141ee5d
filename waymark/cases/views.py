"""Case pages: lists for caseworkers and managers, the case page, and a form for each write.

Thin: each view finds the case through a selector (404 outside scope), calls one service,
and renders. Every read of a case page writes a VIEW entry; every page of a list one LIST entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms as django_forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.forms import form_flow
from waymark.core.http import AuthenticatedHttpRequest

from . import forms, lifecycle, selectors, services
from .models import Case, ConsentRecord, OnwardReferral

PAGE_SIZE = 25

view_cases = permission_required("cases.view_cases", raise_exception=True)
manage_cases = permission_required("cases.manage_cases", raise_exception=True)


class ConfirmForm(django_forms.Form):
    """A form with nothing to fill in: the button is the answer."""


def _form(
    request: AuthenticatedHttpRequest,
    *,
    form: django_forms.Form,
    save: Callable[[dict[str, Any]], Any],
    success: str,
    then: str,
    title: str,
    submit: str,
    caption: str = "",
    intro: list[str] | None = None,
) -> HttpResponse:
    """A one-form page about a case: the shared form flow, with nothing remembered by the browser."""
    return form_flow(
        request,
        form=form,
        save=save,
        success=success,
        then=lambda _: then,
        title=title,
        submit=submit,
        caption=caption,
        back_url=then,
        intro=intro,
        no_autocomplete=True,
    )


def _data(request: AuthenticatedHttpRequest) -> Any:
    """The POST data for a form (bound even when empty, so a bare confirm button submits)."""
    return request.POST if request.method == "POST" else None


def _case(request: AuthenticatedHttpRequest, public_id: UUID) -> Case:
    return selectors.case_get(user=request.user, public_id=public_id)


def _work(request: AuthenticatedHttpRequest, public_id: UUID) -> Case:
    """A case the user may see and work on: 404 outside scope, 403 for a read-only share."""
    case = _case(request, public_id)
    if not request.user.has_perm("cases.work_on_case", case):
        raise PermissionDenied
    return case


# --- lists ------------------------------------------------------------------------------------


SORT_LABELS = [
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("reference", "Reference"),
    ("status", "Status"),
    ("first_contact_due", "First contact due"),
]


def list_page(
    request: AuthenticatedHttpRequest,
    *,
    cases: QuerySet[Case],
    title: str,
    description: str,
    filters: selectors.CaseFilters | None = None,
    show_filters: bool = True,
) -> HttpResponse:
    """One page of a case list, with one LIST entry in the access log naming the cases shown.

    Lists with filters (My cases, the team queue) page by keyset in the chosen sort, "Previous" and
    "Next" only: one query per page however many cases there are, where an exact page count would
    COUNT every open case of the team. The managers' shorter lists keep numbered pages and a count.
    (Public so `bench/caseload.py` times exactly this.)
    """
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    keyset: selectors.KeysetPage | None = None
    page: Any = None
    cases = selectors.for_list(cases)
    if filters is not None:
        keyset = selectors.keyset_page(
            cases,
            ordering=selectors.sort_ordering(filters.sort),
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            size=PAGE_SIZE,
        )
        cases_shown, position = keyset.rows, keyset.position
    else:
        page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
        cases_shown, position = list(page.object_list), f"page {page.number}"
    rows = [(case, selectors.case_display_name(case)) for case in cases_shown]
    access_log_record(
        actor=request.user,
        action=AccessLog.Action.LIST,
        request=request,
        record_label=title,
        detail=f"{request.path} {position}: " + ", ".join(c.reference for c, _ in rows),
    )
    return render(
        request,
        "cases/list.html",
        {
            "title": title,
            "description": description,
            "rows": rows,
            "page": page,
            "keyset": keyset,
            "filters": filters,
            "show_filters": show_filters,
            "query": query.urlencode(),
            "statuses": [("open", "Open"), ("closed", "Closed"), ("all", "All"), *Case.Status.choices],
            "sorts": SORT_LABELS,
            "sort_label": dict(SORT_LABELS).get(filters.sort, "Newest first") if filters else "",
            "risk_lists": selectors.risk_lists_available(),
        },
    )


@login_required
@view_cases
def my_cases(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The caseworker's own cases."""
    filters = selectors.CaseFilters.from_query(request.GET)
    return list_page(
        request,
        cases=selectors.my_cases(user=request.user, filters=filters),
        title="My cases",
        description="Cases allocated to you.",
        filters=filters,
    )


@login_required
@view_cases
def team_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every case the person's teams (or, for a manager, their organisation) work on."""
    filters = selectors.CaseFilters.from_query(request.GET)
    return list_page(
        request,
        cases=selectors.case_list_for_user(user=request.user, filters=filters),
        title="Team queue",
        description="Cases your teams work on. Filter by “unallocated” to find cases to pick up.",
        filters=filters,
    )


@login_required
@manage_cases
def closures(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Cases waiting for a manager to approve their closure."""
    return list_page(
        request,
        cases=selectors.closures_awaiting_approval(user=request.user),
        title="Closures awaiting approval",
        description="Approve or reject each; you cannot approve a closure you asked for.",
        show_filters=False,
    )


@login_required
@manage_cases
def overdue_first_contacts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open cases past their referral's first-contact deadline with no contact made."""
    return list_page(
        request,
        cases=selectors.overdue_first_contacts(user=request.user),
        title="Overdue first contacts",
        description="The first-contact deadline (Victims' Code right 4) has passed with no contact recorded.",
        show_filters=False,
    )


def _risk_list(request: AuthenticatedHttpRequest, *, name: str, title: str, description: str) -> HttpResponse:
    cases = selectors.risk_list(name=name, user=request.user)
    if cases is None:
        raise Http404("This list needs the risk app.")
    return list_page(request, cases=cases, title=title, description=description, show_filters=False)


@login_required
@manage_cases
def risk_reviews_due(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Cases whose risk assessment review is due (from the risk app)."""
    return _risk_list(
        request, name="risk_reviews", title="Risk reviews due", description="Risk assessments due for review."
    )


@login_required
@manage_cases
def marac_referrals_due(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Cases that meet a MARAC referral criterion but have not been referred (from the risk app)."""
    return _risk_list(
        request,
        name="marac",
        title="MARAC referrals due",
        description="Cases that meet a MARAC referral criterion and have not been referred.",
    )


# --- the case page ----------------------------------------------------------------------------


@login_required
@view_cases
def detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """The case, in sections; the read is written to the access log."""
    case = _case(request, public_id)
    access_log_record(actor=request.user, action=AccessLog.Action.VIEW, obj=case, request=request)
    can_work = request.user.has_perm("cases.work_on_case", case)
    is_perpetrator = case.service.type == "perpetrator"
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "s": selectors.case_sections(case=case),
            "can_work": can_work,
            "can_manage": request.user.has_perm("cases.approve_closure", case),
            "is_perpetrator": is_perpetrator,
            "is_hate_crime": case.service.type == "hate_crime",
            "transitions": lifecycle.transitions_from(case.status) if can_work else [],
            "missing_exit": lifecycle.missing_exit_measures(case) if can_work else [],
            "access_history_url": reverse(
                "audit:record", kwargs={"record_type": "cases.case", "record_id": str(case.public_id)}
            ),
        },
    )


@login_required
@view_cases
def allocate(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Give the case to a caseworker and/or team."""
    case = _case(request, public_id)
    if not request.user.has_perm("cases.allocate_case", case):
        raise PermissionDenied
    form = forms.AllocateForm(
        _data(request),
        case=case,
        owner_ids=services.allocatable_user_ids(case=case),
        initial={"owner": case.owner_id, "team": case.team_id},
    )
    return _form(
        request,
        form=form,
        save=lambda d: services.case_allocate(
            case=case, by=request.user, owner=d["owner"], team=d["team"], request=request
        ),
        success="Case allocated.",
        then=case.get_absolute_url(),
        title="Allocate the case",
        caption=case.reference,
        submit="Allocate",
    )


@login_required
@view_cases
def status(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Move the case along its lifecycle (the moves that need no other form)."""
    case = _work(request, public_id)
    choices = [(t.target, t.label) for t in lifecycle.transitions_from(case.status)]
    form = forms.TransitionForm(_data(request), choices=choices)
    return _form(
        request,
        form=form,
        save=lambda d: lifecycle.case_transition(
            case=case, to=d["to"], by=request.user, reason=d["reason"], request=request
        ),
        success="Case status changed.",
        then=case.get_absolute_url(),
        title="Change the case's status",
        caption=case.reference,
        submit="Change status",
        intro=[f"The case is {case.get_status_display().lower()}."],
    )


@login_required
@view_cases
def request_closure(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Ask to close the case (a manager approves where the service requires it)."""
    case = _work(request, public_id)
    missing = lifecycle.missing_exit_measures(case)
    intro = []
    if missing:
        intro.append(
            "Exit outcome readings still to record (not needed if the person could not be contacted): "
            + ", ".join(missing)
            + "."
        )
    if case.service.requires_closure_approval:
        intro.append("A manager other than you must approve the closure.")
    return _form(
        request,
        form=forms.ClosureRequestForm(_data(request)),
        save=lambda d: services.case_request_closure(
            case=case,
            by=request.user,
            closure_reason=d["closure_reason"],
            reason=d["reason"],
            request=request,
        ),
        success="Closure requested." if case.service.requires_closure_approval else "Case closed.",
        then=case.get_absolute_url(),
        title="Close the case",
        caption=case.reference,
        submit="Ask to close" if case.service.requires_closure_approval else "Close the case",
        intro=intro,
    )


@login_required
@view_cases
def closure_decision(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """A manager approves or rejects a closure request."""
    case = _case(request, public_id)
    if not request.user.has_perm("cases.approve_closure", case):
        raise PermissionDenied

    def save(d: dict[str, Any]) -> Case:
        to = Case.Status.CLOSED if d["decision"] == "approve" else Case.Status.ACTIVE_SUPPORT
        return lifecycle.case_transition(
            case=case, to=to, by=request.user, reason=d["reason"], request=request
        )

    return _form(
        request,
        form=forms.ClosureDecisionForm(_data(request)),
        save=save,
        success="Decision recorded.",
        then=case.get_absolute_url(),
        title="Approve or reject the closure",
        caption=case.reference,
        submit="Record decision",
        intro=[f"Reason for closing: {case.get_closure_reason_display() or 'not given'}."],
    )


@login_required
@view_cases
def support_tier(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Short- or long-term support."""
    case = _work(request, public_id)
    return _form(
        request,
        form=forms.SupportTierForm(_data(request), initial={"support_tier": case.support_tier}),
        save=lambda d: services.case_set_support_tier(
            case=case, by=request.user, tier=d["support_tier"], request=request
        ),
        success="Support tier saved.",
        then=case.get_absolute_url(),
        title="Support tier",
        caption=case.reference,
        submit="Save",
    )


@login_required
@view_cases
def needs_assessment(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Assess each area of need."""
    case = _work(request, public_id)
    form = forms.NeedsAssessmentForm(_data(request), domains=list(selectors.needs_domains()))
    return _form(
        request,
        form=form,
        save=lambda d: services.needs_assessment_record(
            case=case, by=request.user, levels=form.levels(), request=request
        ),
        success="Needs assessment saved.",
        then=case.get_absolute_url(),
        title="Needs assessment",
        caption=case.reference,
        submit="Save assessment",
    )


@login_required
@view_cases
def goal_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Add a goal to the support plan."""
    case = _work(request, public_id)
    return _form(
        request,
        form=forms.GoalForm(_data(request)),
        save=lambda d: services.support_goal_add(case=case, by=request.user, request=request, **d),
        success="Goal added.",
        then=case.get_absolute_url(),
        title="Add a support goal",
        caption=case.reference,
        submit="Add goal",
    )


@login_required
@view_cases
def goal_status(request: AuthenticatedHttpRequest, public_id: UUID, goal_id: UUID) -> HttpResponse:
    """Mark a goal's progress."""
    case = _work(request, public_id)
    goal = case.goals.filter(public_id=goal_id).first()
    if goal is None:
        raise Http404("No such goal.")
    return _form(
        request,
        form=forms.GoalStatusForm(_data(request), initial={"status": goal.status}),
        save=lambda d: services.support_goal_set_status(
            goal=goal, by=request.user, status=d["status"], request=request
        ),
        success="Goal updated.",
        then=case.get_absolute_url(),
        title="Goal progress",
        caption=case.reference,
        submit="Save",
    )


@login_required
@view_cases
def safety_plan(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Create or change the safety plan."""
    case = _work(request, public_id)
    plan = selectors.case_sections(case=case).safety_plan
    initial: dict[str, Any] = {"needed": True}
    if plan is not None:
        initial = {
            "needed": plan.needed,
            "components": plan.components,
            "notes": plan.notes,
            "completed_at": plan.completed_at,
            "reviewed_at": plan.reviewed_at,
            "review_due": plan.review_due,
        }
    return _form(
        request,
        form=forms.SafetyPlanForm(_data(request), initial=initial),
        save=lambda d: services.safety_plan_save(case=case, by=request.user, request=request, **d),
        success="Safety plan saved.",
        then=case.get_absolute_url(),
        title="Safety plan",
        caption=case.reference,
        submit="Save safety plan",
    )


@login_required
@view_cases
def activity_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Log a call, visit, court support, advocacy..."""
    case = _work(request, public_id)
    intro = []
    if case.service.type == "isva":
        intro.append("ISVA notes are factual only: record what happened, not the account of the offence.")
    return _form(
        request,
        form=forms.ActivityForm(_data(request)),
        save=lambda d: services.support_activity_record(case=case, by=request.user, request=request, **d),
        success="Activity recorded.",
        then=case.get_absolute_url(),
        title="Record an activity",
        caption=case.reference,
        submit="Save activity",
        intro=intro,
    )


@login_required
@view_cases
def consent_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Record a consent or refusal."""
    case = _work(request, public_id)
    return _form(
        request,
        form=forms.ConsentForm(_data(request)),
        save=lambda d: services.consent_record_add(
            case=case,
            by=request.user,
            purpose=d["purpose"],
            given=d["given"] == "yes",
            obtained_from=d["obtained_from"],
            at=d["at"],
            request=request,
        ),
        success="Consent recorded.",
        then=case.get_absolute_url(),
        title="Record consent",
        caption=case.reference,
        submit="Save",
    )


@login_required
@view_cases
def consent_withdraw(request: AuthenticatedHttpRequest, public_id: UUID, consent_id: UUID) -> HttpResponse:
    """The person withdrew a consent."""
    case = _work(request, public_id)
    consent: ConsentRecord | None = case.consents.filter(public_id=consent_id).first()
    if consent is None:
        raise Http404("No such consent.")
    return _form(
        request,
        form=ConfirmForm(_data(request)),
        save=lambda d: services.consent_record_withdraw(consent=consent, by=request.user, request=request),
        success="Consent withdrawn.",
        then=case.get_absolute_url(),
        title="Withdraw consent",
        caption=case.reference,
        submit="Withdraw consent",
        intro=[f"{consent.get_purpose_display()}: recorded {consent.at:%d %B %Y}."],
    )


@login_required
@view_cases
def onward_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Draft a referral or transfer to another service."""
    case = _work(request, public_id)
    form = forms.OnwardReferralForm(_data(request), destinations=selectors.transfer_destinations(case=case))
    return _form(
        request,
        form=form,
        save=lambda d: services.onward_referral_create(case=case, by=request.user, request=request, **d),
        success="Draft saved: check it and send it from the case page.",
        then=case.get_absolute_url(),
        title="Refer or transfer the case",
        caption=case.reference,
        submit="Save draft",
    )


def _onward_for_sender(
    request: AuthenticatedHttpRequest, public_id: UUID, onward_id: UUID
) -> tuple[Case, OnwardReferral]:
    case = _work(request, public_id)
    onward = (
        case.onward_referrals.select_related("to_service__organisation", "access_grant")
        .filter(public_id=onward_id)
        .first()
    )
    if onward is None:
        raise Http404("No such referral.")
    return case, onward


@login_required
@view_cases
def onward_send(request: AuthenticatedHttpRequest, public_id: UUID, onward_id: UUID) -> HttpResponse:
    """Send a draft, behind the consent gate."""
    case, onward = _onward_for_sender(request, public_id, onward_id)
    consent = services.current_sharing_consent(case)
    intro = [
        f"{onward.get_kind_display()} to {onward.destination}, on the basis: {onward.get_basis_display()}."
    ]
    if onward.basis == OnwardReferral.Basis.CONSENT:
        intro.append(
            f"Consent to share recorded {consent.at:%d %B %Y}."
            if consent
            else "No current consent to share is recorded."
        )
    return _form(
        request,
        form=ConfirmForm(_data(request)),
        save=lambda d: services.onward_referral_send(onward=onward, by=request.user, request=request),
        success="Sent.",
        then=case.get_absolute_url(),
        title="Send the referral",
        caption=case.reference,
        submit="Send",
        intro=intro,
    )


@login_required
@view_cases
def onward_revoke(request: AuthenticatedHttpRequest, public_id: UUID, onward_id: UUID) -> HttpResponse:
    """Withdraw a sent or accepted referral: the receiving organisation's share ends."""
    case, onward = _onward_for_sender(request, public_id, onward_id)
    return _form(
        request,
        form=ConfirmForm(_data(request)),
        save=lambda d: services.onward_referral_revoke(onward=onward, by=request.user, request=request),
        success="Revoked: the other service can no longer see the case.",
        then=case.get_absolute_url(),
        title="Revoke the referral",
        caption=case.reference,
        submit="Revoke",
        intro=[f"{onward.get_kind_display()} to {onward.destination}."],
    )


@login_required
@view_cases
def incoming(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Referrals and transfers sent to the services the person manages."""
    rows = list(selectors.incoming_onward_referrals(user=request.user)[:200])
    access_log_record(
        actor=request.user,
        action=AccessLog.Action.LIST,
        request=request,
        record_label="Incoming referrals",
        detail=", ".join(o.case.reference for o in rows)[:480],
    )
    return render(request, "cases/incoming.html", {"rows": rows})


def _onward_for_receiver(request: AuthenticatedHttpRequest, onward_id: UUID) -> OnwardReferral:
    onward = selectors.onward_referral_get(user=request.user, public_id=onward_id)
    if onward.to_service is None:
        raise Http404("No such referral.")
    return onward


@login_required
@view_cases
def onward_accept(request: AuthenticatedHttpRequest, onward_id: UUID) -> HttpResponse:
    """The receiving service accepts: its organisation may then read the case."""
    onward = _onward_for_receiver(request, onward_id)
    return _form(
        request,
        form=ConfirmForm(_data(request)),
        save=lambda d: services.onward_referral_accept(onward=onward, by=request.user, request=request),
        success="Accepted.",
        then=reverse("cases:incoming"),
        title=f"Accept the {onward.get_kind_display().lower()}",
        caption=onward.case.reference,
        submit="Accept",
    )


@login_required
@view_cases
def onward_reject(request: AuthenticatedHttpRequest, onward_id: UUID) -> HttpResponse:
    """The receiving service declines, with a reason."""
    onward = _onward_for_receiver(request, onward_id)
    return _form(
        request,
        form=forms.RejectForm(_data(request)),
        save=lambda d: services.onward_referral_reject(
            onward=onward, by=request.user, reason=d["reason"], request=request
        ),
        success="Rejected.",
        then=reverse("cases:incoming"),
        title=f"Reject the {onward.get_kind_display().lower()}",
        caption=onward.case.reference,
        submit="Reject",
    )


@login_required
@view_cases
def hate_crime(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """The hate crime or incident: strands, other hostility, who perceived it, where."""
    case = _work(request, public_id)
    current = selectors.case_sections(case=case).hate_crime
    initial: dict[str, Any] = {}
    if current is not None:
        initial = {
            "strands": current.strands,
            "other_hostilities": [h.pk for h in current.other_hostilities.all()],
            "crime_or_incident": current.crime_or_incident,
            "perceived_by": current.perceived_by,
            "location_type": current.location_type,
        }
    return _form(
        request,
        form=forms.HateCrimeForm(_data(request), initial=initial),
        save=lambda d: services.hate_crime_detail_save(case=case, by=request.user, request=request, **d),
        success="Hate crime details saved.",
        then=case.get_absolute_url(),
        title="Hate crime details",
        caption=case.reference,
        submit="Save",
    )


@login_required
@view_cases
def outcomes_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Record outcome readings at intake, review or exit."""
    case = _work(request, public_id)
    measures = list(selectors.outcome_measures_for(case=case))
    if not measures:
        raise Http404("This service uses no outcome framework.")
    form = forms.OutcomeReadingsForm(_data(request), measures=measures)
    return _form(
        request,
        form=form,
        save=lambda d: services.outcome_readings_record(
            case=case,
            by=request.user,
            timepoint=d["timepoint"],
            values=form.values(),
            asked_person=d["asked_person"],
            request=request,
        ),
        success="Outcome readings saved.",
        then=case.get_absolute_url(),
        title="Outcome readings",
        caption=case.reference,
        submit="Save readings",
    )


@login_required
@view_cases
def link_victim_case(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Link a perpetrator programme case to the victim's partner-support case."""
    case = _case(request, public_id)
    if not request.user.has_perm("cases.link_victim_case", case):
        raise PermissionDenied
    return _form(
        request,
        form=forms.LinkVictimCaseForm(_data(request)),
        save=lambda d: services.case_link_victim_case(
            case=case, by=request.user, victim_reference=d["victim_reference"], request=request
        ),
        success="Linked.",
        then=case.get_absolute_url(),
        title="Link the victim's partner-support case",
        caption=case.reference,
        submit="Link",
    )


# --- disclosure requests ----------------------------------------------------------------------


@login_required
@view_cases
def disclosure_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Enter a police, CPS or court request for the person's records in the register."""
    case = _work(request, public_id)
    return _form(
        request,
        form=forms.DisclosureRequestForm(_data(request)),
        save=lambda d: services.disclosure_request_create(case=case, by=request.user, request=request, **d),
        success="Request recorded: the DPO or a manager decides it.",
        then=case.get_absolute_url(),
        title="Record a disclosure request",
        caption=case.reference,
        submit="Save",
    )


@login_required
@permission_required("cases.view_disclosure_register", raise_exception=True)
def disclosure_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The register of requests for people's records."""
    page = Paginator(selectors.disclosure_register(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    access_log_record(
        actor=request.user,
        action=AccessLog.Action.LIST,
        request=request,
        record_label="Disclosure register",
        detail=f"page {page.number}: " + ", ".join(d.case.reference for d in page.object_list),
    )
    return render(request, "cases/disclosure_register.html", {"page": page})


@login_required
@permission_required("cases.view_disclosure_register", raise_exception=True)
def disclosure_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """One request: what was asked, and the decision."""
    disclosure = selectors.disclosure_get(user=request.user, public_id=public_id)
    access_log_record(actor=request.user, action=AccessLog.Action.VIEW, obj=disclosure, request=request)
    return render(
        request,
        "cases/disclosure_detail.html",
        {
            "d": disclosure,
            "can_decide": request.user.has_perm("cases.decide_disclosure", disclosure.case),
        },
    )


@login_required
@permission_required("cases.view_disclosure_register", raise_exception=True)
def disclosure_decide(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """The DPO or a manager records the decision."""
    disclosure = selectors.disclosure_get(user=request.user, public_id=public_id)
    if not request.user.has_perm("cases.decide_disclosure", disclosure.case):
        raise PermissionDenied
    intro = [f"Asked for by {disclosure.requester_name} ({disclosure.get_requester_type_display()})."]
    if disclosure.is_counselling_information:
        intro.append("This covers counselling information: the higher test applies to disclosing it.")
    return _form(
        request,
        form=forms.DisclosureDecisionForm(_data(request)),
        save=lambda d: services.disclosure_request_decide(
            disclosure=disclosure, by=request.user, request=request, **d
        ),
        success="Decision recorded.",
        then=disclosure.get_absolute_url(),
        title="Decide the disclosure request",
        caption=disclosure.case.reference,
        submit="Record decision",
        intro=intro,
    )
