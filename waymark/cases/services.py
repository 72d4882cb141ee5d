"""Every write to cases. Status changes go through `waymark.cases.lifecycle`.

Each service checks the permission (`ensure_can`), validates (ValidationError changes
nothing: every service is atomic), saves with history, and writes the access log against
the case, so "who accessed this case" shows every change to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from waymark.accounts.access import organisation_ids_with_role
from waymark.accounts.models import Service, Team, User
from waymark.accounts.roles import Role
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.permissions import ensure_can
from waymark.referrals.models import Referral, new_code

from .lifecycle import case_transition
from .models import (
    Case,
    CaseAccessGrant,
    ConsentRecord,
    DisclosureRequest,
    HateCrimeDetail,
    HateStrand,
    NeedItem,
    NeedsAssessment,
    NeedsDomain,
    OnwardReferral,
    OtherHostility,
    OutcomeMeasure,
    OutcomeReading,
    SafetyPlan,
    SupportActivity,
    SupportGoal,
)

if TYPE_CHECKING:
    from django.http import HttpRequest


def _log(
    *, by: Any, case: Case, detail: str, request: HttpRequest | None, action: str = AccessLog.Action.CHANGE
) -> None:
    access_log_record(actor=by, action=action, obj=case, request=request, detail=detail)


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
        first_contact_due=referral.first_contact_due,
        first_contact_attempt_at=first_attempt.at if first_attempt else None,
        first_contact_made_at=made.at if made else None,
    )
    access_log_record(actor=by, action=AccessLog.Action.CREATE, obj=case)
    return case


# --- allocation, tier, perpetrator link ---------------------------------------------------


@transaction.atomic
def case_allocate(
    *, case: Case, by: Any, owner: User | None, team: Team | None, request: HttpRequest | None = None
) -> Case:
    """Give the case to a caseworker and/or a team of its provider; at least one of the two."""
    ensure_can(by, "cases.allocate_case", case)
    errors: dict[str, str] = {}
    if owner is None and team is None:
        errors["owner"] = "Choose a caseworker or a team (or both)."
    if team is not None and (
        team.organisation_id != case.organisation_id
        or (team.service_id is not None and team.service_id != case.service_id)
    ):
        errors["team"] = "Choose a team of this case's service."
    if owner is not None and owner.pk not in allocatable_user_ids(case=case):
        errors["owner"] = "Choose a caseworker or manager of this provider."
    if errors:
        raise ValidationError(errors)
    case.owner = owner
    case.team = team
    case._change_reason = "allocated"  # type: ignore[attr-defined]
    case.save(update_fields=["owner", "team", "updated_at"])
    _log(by=by, case=case, detail="allocated", request=request)
    return case


def allocatable_user_ids(*, case: Case) -> set[int]:
    """People who may own the case: its provider's caseworkers and managers."""
    from waymark.accounts.selectors import casework_staff_of

    return set(casework_staff_of(organisation_id=case.organisation_id).values_list("pk", flat=True))


@transaction.atomic
def case_set_support_tier(*, case: Case, by: Any, tier: str, request: HttpRequest | None = None) -> Case:
    """Short- or long-term support."""
    ensure_can(by, "cases.work_on_case", case)
    if tier not in Case.SupportTier.values:
        raise ValidationError({"support_tier": "Select short or long term support."})
    case.support_tier = tier
    case.save(update_fields=["support_tier", "updated_at"])
    _log(by=by, case=case, detail=f"support tier {tier}", request=request)
    return case


@transaction.atomic
def case_request_closure(
    *, case: Case, by: Any, closure_reason: str, reason: str = "", request: HttpRequest | None = None
) -> Case:
    """Ask to close: the lifecycle checks the reason and the exit outcome readings.

    A service that does not require a manager's approval closes at once.
    """
    case = case_transition(
        case=case,
        to=Case.Status.CLOSURE_REQUESTED,
        by=by,
        reason=reason,
        closure_reason=closure_reason,
        request=request,
    )
    if not case.service.requires_closure_approval:
        case = case_transition(case=case, to=Case.Status.CLOSED, by=by, reason=reason, request=request)
    return case


@transaction.atomic
def case_link_victim_case(
    *, case: Case, by: Any, victim_reference: str, request: HttpRequest | None = None
) -> Case:
    """Link a perpetrator programme case to the associated victim's partner-support case.

    The manager linking them must be able to see the victim's case; programme staff then see
    only its safety status (`selectors.victim_safety_status`).
    """
    ensure_can(by, "cases.link_victim_case", case)
    if case.service.type != Service.Type.PERPETRATOR:
        raise ValidationError("Only a perpetrator programme case is linked to a victim's case.")
    victim_case = (
        Case.objects.visible_to(by)
        .exclude(service__type=Service.Type.PERPETRATOR)
        .filter(reference=victim_reference.strip().upper())
        .first()
    )
    if victim_case is None:
        raise ValidationError({"victim_reference": "No partner-support case you can see has that reference."})
    case.victim_case = victim_case
    case.save(update_fields=["victim_case", "updated_at"])
    _log(by=by, case=case, detail="linked to the victim's partner-support case", request=request)
    return case


# --- needs, goals, safety plan, activities --------------------------------------------------


@transaction.atomic
def needs_assessment_record(
    *,
    case: Case,
    by: Any,
    levels: Mapping[NeedsDomain, tuple[str, str]],
    request: HttpRequest | None = None,
) -> NeedsAssessment:
    """Record the level of each need (domain → (level, notes)); every active domain must be assessed."""
    ensure_can(by, "cases.work_on_case", case)
    active = set(NeedsDomain.objects.filter(is_active=True).values_list("pk", flat=True))
    missing = active - {d.pk for d in levels}
    if missing:
        raise ValidationError("Give a level for every area of need.")
    bad = [d.label for d, (level, _) in levels.items() if level not in NeedItem.Level.values]
    if bad:
        raise ValidationError(f"Choose a level for: {', '.join(bad)}.")
    now = timezone.now()
    assessment = NeedsAssessment.objects.create(case=case, assessed_at=now, by=by)
    NeedItem.objects.bulk_create(
        NeedItem(assessment=assessment, domain=d, level=level, notes=notes or None)
        for d, (level, notes) in levels.items()
    )
    if case.needs_assessed_at is None:
        case.needs_assessed_at = now  # the first assessment, for Victims' Code right 4
        case.save(update_fields=["needs_assessed_at", "updated_at"])
    _log(by=by, case=case, detail="needs assessment recorded", request=request)
    return assessment


@transaction.atomic
def support_goal_add(
    *,
    case: Case,
    by: Any,
    description: str,
    domain: NeedsDomain | None = None,
    target_date: date | None = None,
    request: HttpRequest | None = None,
) -> SupportGoal:
    """Add a goal to the support plan."""
    ensure_can(by, "cases.work_on_case", case)
    if not description.strip():
        raise ValidationError({"description": "Describe the goal."})
    goal = SupportGoal.objects.create(
        case=case, domain=domain, description=description.strip(), target_date=target_date
    )
    _log(by=by, case=case, detail="support goal added", request=request)
    return goal


@transaction.atomic
def support_goal_set_status(
    *, goal: SupportGoal, by: Any, status: str, request: HttpRequest | None = None
) -> SupportGoal:
    """Mark a goal's progress."""
    ensure_can(by, "cases.work_on_case", goal.case)
    if status not in SupportGoal.Status.values:
        raise ValidationError({"status": "Select the goal's status."})
    goal.status = status
    goal.save(update_fields=["status", "updated_at"])
    _log(by=by, case=goal.case, detail=f"support goal {status}", request=request)
    return goal


@transaction.atomic
def safety_plan_save(
    *,
    case: Case,
    by: Any,
    needed: bool,
    components: Iterable[str],
    notes: str = "",
    completed_at: datetime | None = None,
    reviewed_at: datetime | None = None,
    review_due: date | None = None,
    request: HttpRequest | None = None,
) -> SafetyPlan:
    """Create or change the case's safety plan."""
    ensure_can(by, "cases.work_on_case", case)
    if review_due is not None and review_due < timezone.localdate() and reviewed_at is None:
        raise ValidationError({"review_due": "The review date must be today or later."})
    plan, _ = SafetyPlan.objects.get_or_create(case=case)
    plan.needed = needed
    plan.components = sorted(set(components))
    plan.notes = notes or None
    plan.completed_at = completed_at
    plan.reviewed_at = reviewed_at
    plan.review_due = review_due
    plan.save()
    _log(by=by, case=case, detail="safety plan saved", request=request)
    return plan


@transaction.atomic
def support_activity_record(
    *,
    case: Case,
    by: Any,
    kind: str,
    at: datetime,
    text: str = "",
    duration_minutes: int | None = None,
    is_factual_note_only: bool | None = None,
    request: HttpRequest | None = None,
) -> SupportActivity:
    """Log a piece of work. ISVA notes are factual only unless said otherwise (ISVAs are not
    part of the evidence, research §2.4)."""
    ensure_can(by, "cases.work_on_case", case)
    if kind not in SupportActivity.Kind.values:
        raise ValidationError({"kind": "Select what kind of activity it was."})
    if at > timezone.now():
        raise ValidationError({"at": "The activity cannot be in the future."})
    if is_factual_note_only is None:
        is_factual_note_only = case.service.type == Service.Type.ISVA
    activity = SupportActivity.objects.create(
        case=case,
        kind=kind,
        at=at,
        duration_minutes=duration_minutes,
        text=text or None,
        is_factual_note_only=is_factual_note_only,
        by=by,
    )
    _log(by=by, case=case, detail=f"activity recorded ({kind})", request=request)
    return activity


# --- consent and onward referral ----------------------------------------------------------


@transaction.atomic
def consent_record_add(
    *,
    case: Case,
    by: Any,
    purpose: str,
    given: bool,
    obtained_from: str = ConsentRecord.ObtainedFrom.PERSON,
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> ConsentRecord:
    """Record a consent (or refusal) for one purpose."""
    ensure_can(by, "cases.work_on_case", case)
    if purpose not in ConsentRecord.Purpose.values:
        raise ValidationError({"purpose": "Select what the consent is for."})
    at = at or timezone.now()
    if at > timezone.now():
        raise ValidationError({"at": "The consent cannot be dated in the future."})
    consent = ConsentRecord.objects.create(
        case=case, purpose=purpose, given=given, obtained_from=obtained_from, at=at, recorded_by=by
    )
    _log(by=by, case=case, detail=f"consent recorded ({purpose})", request=request)
    return consent


@transaction.atomic
def consent_record_withdraw(
    *, consent: ConsentRecord, by: Any, request: HttpRequest | None = None
) -> ConsentRecord:
    """The person withdrew a consent; it stops counting from now."""
    ensure_can(by, "cases.work_on_case", consent.case)
    if consent.withdrawn_at is not None:
        raise ValidationError("This consent was already withdrawn.")
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at", "updated_at"])
    _log(by=by, case=consent.case, detail=f"consent withdrawn ({consent.purpose})", request=request)
    return consent


def current_sharing_consent(case: Case) -> ConsentRecord | None:
    """The latest live consent to share with another agency, if there is one."""
    return (
        case.consents.filter(
            purpose=ConsentRecord.Purpose.SHARE_WITH_AGENCY, given=True, withdrawn_at__isnull=True
        )
        .order_by("-at")
        .first()
    )


@transaction.atomic
def onward_referral_create(
    *,
    case: Case,
    by: Any,
    kind: str,
    basis: str,
    to_service: Service | None = None,
    to_external: str = "",
    override_reason: str = "",
    request: HttpRequest | None = None,
) -> OnwardReferral:
    """Draft a referral or transfer to another service; it is shared only when sent."""
    ensure_can(by, "cases.work_on_case", case)
    errors: dict[str, str] = {}
    if kind not in OnwardReferral.Kind.values:
        errors["kind"] = "Select a referral or a transfer."
    if basis not in OnwardReferral.Basis.values:
        errors["basis"] = "Select the basis for sharing."
    elif basis != OnwardReferral.Basis.CONSENT and not override_reason.strip():
        errors["override_reason"] = "Explain why the case is shared without consent."
    if (to_service is None) == (not to_external.strip()):
        errors["to_service"] = "Choose a service in Waymark, or name one outside it (not both)."
    elif to_service is not None and to_service.pk == case.service_id:
        errors["to_service"] = "Choose a different service from the case's own."
    elif to_service is not None and not to_service.is_active:
        errors["to_service"] = "That service is not taking referrals."
    if errors:
        raise ValidationError(errors)
    onward = OnwardReferral.objects.create(
        case=case,
        kind=kind,
        to_service=to_service,
        to_external=to_external.strip(),
        basis=basis,
        override_reason=override_reason.strip(),
        created_by=by,
    )
    _log(by=by, case=case, detail=f"onward {kind} drafted", request=request)
    return onward


@transaction.atomic
def onward_referral_send(
    *, onward: OnwardReferral, by: Any, request: HttpRequest | None = None
) -> OnwardReferral:
    """Send it, behind the consent gate.

    Sent on consent only with a current consent to share; otherwise only by someone with
    `cases.override_consent` (a manager of the provider), on a basis other than consent, with
    a written reason. Refused sends change nothing.
    """
    case = onward.case
    ensure_can(by, "cases.work_on_case", case)
    if onward.status != OnwardReferral.Status.DRAFT:
        raise ValidationError("Only a draft can be sent.")
    consent = None
    if onward.basis == OnwardReferral.Basis.CONSENT:
        consent = current_sharing_consent(case)
        if consent is None:
            raise ValidationError(
                "There is no current consent to share this case with another agency. Record the "
                "person's consent, or ask a manager to send it on another lawful basis."
            )
    else:
        if not by.has_perm("cases.override_consent", case):
            raise ValidationError(
                "Sharing without consent needs a manager with the consent override permission."
            )
        if not onward.override_reason.strip():
            raise ValidationError("Explain why the case is shared without consent.")
    onward.status = OnwardReferral.Status.SENT
    onward.sent_at = timezone.now()
    onward.sent_by = by
    onward.consent_record = consent
    onward.save()
    detail = f"onward {onward.kind} sent on {onward.basis}"
    if consent is None:
        detail += " (consent override)"
    _log(by=by, case=case, detail=detail, request=request, action=AccessLog.Action.SHARE)
    return onward


def _ensure_may_respond(onward: OnwardReferral, by: Any) -> None:
    """The receiving service's managers respond; the sender records an outside service's answer."""
    if onward.to_service is not None:
        if onward.to_service.organisation_id not in organisation_ids_with_role(by, [Role.PROVIDER_MANAGER]):
            raise PermissionDenied("Not allowed: only the receiving service's managers respond.")
    else:
        ensure_can(by, "cases.work_on_case", onward.case)


@transaction.atomic
def onward_referral_accept(
    *, onward: OnwardReferral, by: Any, request: HttpRequest | None = None
) -> OnwardReferral:
    """The receiving service accepts: its organisation gets a share of the case (a live
    CaseAccessGrant); a transfer also moves the case to transferred out."""
    _ensure_may_respond(onward, by)
    if onward.status != OnwardReferral.Status.SENT:
        raise ValidationError("Only a sent referral can be accepted.")
    onward.status = OnwardReferral.Status.ACCEPTED
    onward.responded_at = timezone.now()
    onward.responded_by = by
    if onward.to_service is not None:
        onward.access_grant = CaseAccessGrant.objects.create(
            case=onward.case,
            organisation=onward.to_service.organisation,
            reason=(
                CaseAccessGrant.Reason.TRANSFER
                if onward.kind == OnwardReferral.Kind.TRANSFER
                else CaseAccessGrant.Reason.ONWARD_REFERRAL
            ),
            explanation=f"{onward.get_kind_display()} accepted by {onward.to_service.name}",
            granted_by=onward.sent_by or onward.created_by,
        )
    onward.save()
    _log(
        by=by,
        case=onward.case,
        detail=f"onward {onward.kind} accepted",
        request=request,
        action=AccessLog.Action.SHARE,
    )
    if onward.kind == OnwardReferral.Kind.TRANSFER:
        case_transition(
            case=onward.case, to=Case.Status.TRANSFERRED_OUT, by=by, transfer=onward, request=request
        )
    return onward


@transaction.atomic
def onward_referral_reject(
    *, onward: OnwardReferral, by: Any, reason: str, request: HttpRequest | None = None
) -> OnwardReferral:
    """The receiving service declines, with a reason; nothing is shared."""
    _ensure_may_respond(onward, by)
    if onward.status != OnwardReferral.Status.SENT:
        raise ValidationError("Only a sent referral can be rejected.")
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for rejecting it."})
    onward.status = OnwardReferral.Status.REJECTED
    onward.responded_at = timezone.now()
    onward.responded_by = by
    onward.rejection_reason = reason.strip()[:500]
    onward.save()
    _log(by=by, case=onward.case, detail=f"onward {onward.kind} rejected", request=request)
    return onward


@transaction.atomic
def onward_referral_revoke(
    *, onward: OnwardReferral, by: Any, request: HttpRequest | None = None
) -> OnwardReferral:
    """The sender (or their manager) withdraws it: the receiving organisation's share ends now."""
    ensure_can(by, "cases.work_on_case", onward.case)
    if onward.status not in (OnwardReferral.Status.SENT, OnwardReferral.Status.ACCEPTED):
        raise ValidationError("Only a sent or accepted referral can be revoked.")
    now = timezone.now()
    onward.status = OnwardReferral.Status.REVOKED
    onward.revoked_at = now
    onward.revoked_by = by
    onward.save()
    if onward.access_grant is not None and onward.access_grant.revoked_at is None:
        onward.access_grant.revoked_at = now
        onward.access_grant.save(update_fields=["revoked_at", "updated_at"])
    _log(by=by, case=onward.case, detail=f"onward {onward.kind} revoked; share ended", request=request)
    return onward


# --- hate crime, outcomes -----------------------------------------------------------------


@transaction.atomic
def hate_crime_detail_save(
    *,
    case: Case,
    by: Any,
    strands: Iterable[str],
    other_hostilities: Iterable[OtherHostility] = (),
    crime_or_incident: str = HateCrimeDetail.CrimeOrIncident.NOT_KNOWN,
    perceived_by: str = HateCrimeDetail.PerceivedBy.VICTIM,
    location_type: str = "",
    request: HttpRequest | None = None,
) -> HateCrimeDetail:
    """What the hate crime or incident was: one or more strands (or another hostility)."""
    ensure_can(by, "cases.work_on_case", case)
    strands = sorted(set(strands))
    others = list(other_hostilities)
    errors: dict[str, str] = {}
    if any(s not in HateStrand.values for s in strands):
        errors["strands"] = "Select strands from the list."
    elif not strands and not others:
        errors["strands"] = "Select at least one strand or other hostility."
    if crime_or_incident not in HateCrimeDetail.CrimeOrIncident.values:
        errors["crime_or_incident"] = "Select crime, non-crime incident or not known."
    if perceived_by not in HateCrimeDetail.PerceivedBy.values:
        errors["perceived_by"] = "Select who perceived the hostility."
    if location_type and location_type not in HateCrimeDetail.LocationType.values:
        errors["location_type"] = "Select where it happened."
    if errors:
        raise ValidationError(errors)
    detail, _ = HateCrimeDetail.objects.update_or_create(
        case=case,
        defaults={
            "strands": strands,
            "crime_or_incident": crime_or_incident,
            "perceived_by": perceived_by,
            "location_type": location_type,
        },
    )
    detail.other_hostilities.set(others)
    _log(by=by, case=case, detail="hate crime details saved", request=request)
    return detail


@transaction.atomic
def outcome_readings_record(
    *,
    case: Case,
    by: Any,
    timepoint: str,
    values: Mapping[OutcomeMeasure, str],
    asked_person: bool = True,
    request: HttpRequest | None = None,
) -> list[OutcomeReading]:
    """Record one reading per measure at intake, review or exit; values must be on each scale."""
    ensure_can(by, "cases.work_on_case", case)
    if timepoint not in OutcomeReading.Timepoint.values:
        raise ValidationError({"timepoint": "Select intake, review or exit."})
    if not values:
        raise ValidationError("Give at least one reading.")
    allowed = set(
        OutcomeMeasure.objects.filter(framework__services=case.service).values_list("pk", flat=True)
    )
    errors = []
    for measure, value in values.items():
        if measure.pk not in allowed:
            errors.append(f"{measure.label} is not used by this service.")
        elif [str(v) for v in measure.scale] and str(value) not in [str(v) for v in measure.scale]:
            errors.append(f"{measure.label}: choose one of {', '.join(str(v) for v in measure.scale)}.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    readings = OutcomeReading.objects.bulk_create(
        OutcomeReading(
            case=case, measure=m, timepoint=timepoint, value=str(v), asked_person=asked_person, at=now, by=by
        )
        for m, v in values.items()
    )
    _log(by=by, case=case, detail=f"outcome readings recorded ({timepoint})", request=request)
    return readings


# --- disclosure requests ------------------------------------------------------------------


@transaction.atomic
def disclosure_request_create(
    *,
    case: Case,
    by: Any,
    requester_type: str,
    requester_name: str,
    legal_basis: str,
    scope_requested: str,
    is_counselling_information: bool,
    received_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> DisclosureRequest:
    """Enter a request for a person's records in the register; a decision is made separately."""
    ensure_can(by, "cases.work_on_case", case)
    errors: dict[str, str] = {}
    if requester_type not in DisclosureRequest.Requester.values:
        errors["requester_type"] = "Select who made the request."
    if not requester_name.strip():
        errors["requester_name"] = "Enter who made the request (officer, court, firm)."
    if not legal_basis.strip():
        errors["legal_basis"] = "Enter the legal basis the requester gives."
    if not scope_requested.strip():
        errors["scope_requested"] = "Describe what was asked for."
    received_at = received_at or timezone.now()
    if received_at > timezone.now():
        errors["received_at"] = "The request cannot be received in the future."
    if errors:
        raise ValidationError(errors)
    obj = DisclosureRequest.objects.create(
        case=case,
        requester_type=requester_type,
        requester_name=requester_name.strip(),
        legal_basis=legal_basis.strip(),
        scope_requested=scope_requested.strip(),
        is_counselling_information=is_counselling_information,
        received_at=received_at,
        recorded_by=by,
    )
    _log(by=by, case=case, detail="disclosure request recorded", request=request)
    return obj


@transaction.atomic
def disclosure_request_decide(
    *,
    disclosure: DisclosureRequest,
    by: Any,
    decision: str,
    necessity_and_proportionality: str,
    counselling_test: str = "",
    victim_informed_at: datetime | None = None,
    victim_not_informed_reason: str = "",
    victim_view: str = "",
    disclosed_at: datetime | None = None,
    items_disclosed: str = "",
    request: HttpRequest | None = None,
) -> DisclosureRequest:
    """Record the DPO's or manager's decision, with the necessity and proportionality test (and
    the higher test for counselling material), whether the person was told, and what went."""
    ensure_can(by, "cases.decide_disclosure", disclosure.case)
    errors: dict[str, str] = {}
    disclosing = decision in (
        DisclosureRequest.Decision.DISCLOSE_FULL,
        DisclosureRequest.Decision.DISCLOSE_PARTIAL,
    )
    if decision not in DisclosureRequest.Decision.values or decision == DisclosureRequest.Decision.PENDING:
        errors["decision"] = "Select the decision."
    if not necessity_and_proportionality.strip():
        errors["necessity_and_proportionality"] = (
            "Explain why disclosure is or is not necessary and proportionate."
        )
    if disclosure.is_counselling_information and disclosing and not counselling_test.strip():
        errors["counselling_test"] = (
            "This is counselling information: explain how the higher test for disclosing it is met."
        )
    if victim_informed_at is None and not victim_not_informed_reason.strip():
        errors["victim_not_informed_reason"] = "Say when the person was told, or why they were not."
    if disclosing and disclosed_at is not None and not items_disclosed.strip():
        errors["items_disclosed"] = "List what was disclosed."
    if not disclosing and (disclosed_at is not None or items_disclosed.strip()):
        errors["items_disclosed"] = "Nothing is disclosed under this decision."
    now = timezone.now()
    for name, value in (("victim_informed_at", victim_informed_at), ("disclosed_at", disclosed_at)):
        if value is not None and value > now:
            errors[name] = "The date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    disclosure.decision = decision
    disclosure.necessity_and_proportionality = necessity_and_proportionality.strip()
    disclosure.counselling_test = counselling_test.strip() or None
    disclosure.victim_informed_at = victim_informed_at
    disclosure.victim_not_informed_reason = "" if victim_informed_at else victim_not_informed_reason.strip()
    disclosure.victim_view = victim_view.strip() or None
    disclosure.disclosed_at = disclosed_at
    disclosure.items_disclosed = items_disclosed.strip() or None
    disclosure.decided_by = by
    disclosure.decided_at = now
    disclosure.save()
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=disclosure,
        request=request,
        detail=f"decided: {decision}",
    )
    _log(by=by, case=disclosure.case, detail=f"disclosure request decided: {decision}", request=request)
    return disclosure
