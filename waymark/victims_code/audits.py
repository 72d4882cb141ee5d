"""Dip-sample audits: case records checked by hand against each entitlement of the Code.

An `AuditExercise` is one dip sample (the OPCC's or the force's); each `AuditCase` is a case in
it, held by the force's crime reference or pseudonymous id, never a name; each
`EntitlementCheck` is the auditor's finding on one entitlement for that case. The summary per
entitlement:

- **checked**: findings recorded; **applicable**: of those, the entitlement applied;
- **delivered %**: applicable findings marked delivered, over applicable findings ("not
  recorded" is not evidence of delivery, so it counts against);
- **on time %**: over applicable findings with a trigger date whose entitlement has a deadline
  for the victim (standard or enhanced), those delivered on or before the due day
  (`waymark.victims_code.deadlines.duty_due_on`, counted from the trigger date, or from the
  agency's receipt where the entitlement counts from it and the auditor gave that date);
- **mean quality**: of findings with a rating (1 poor to 4 outstanding);
- **evidence recorded %**: applicable findings whose record holds evidence, over applicable.

Writes go through the services here (permission `victims_code.record_compliance`, access log);
reads through the selectors, from `visible_to(user)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from waymark.accounts.access import organisation_ids_with_role
from waymark.accounts.models import Organisation
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.models import PoliceForceArea
from waymark.core.permissions import ensure_can
from waymark.core.visibility import get_visible_or_404
from waymark.crime.models import Crime

from .complaints import RECORD_PERMISSION, force_area_default, reference_problem
from .deadlines import duty_due_on
from .models import (
    COMPLIANCE_ROLES,
    AgencyType,
    AuditCase,
    AuditExercise,
    Channel,
    CodeVersion,
    Entitlement,
    EntitlementCheck,
    NotApplicableReason,
)

if TYPE_CHECKING:
    from django.http import HttpRequest


def entitlements_to_check(exercise: AuditExercise) -> QuerySet[Entitlement]:
    """The entitlements of the Code in force an exercise checks: those its agency owes (all of
    them for an exercise across all agencies), by right."""
    entitlements = Entitlement.objects.filter(right__code_version__status=CodeVersion.Status.IN_FORCE)
    if exercise.agency_type != AgencyType.ALL:
        entitlements = entitlements.filter(agency_type__in=[exercise.agency_type, AgencyType.ALL])
    return entitlements.select_related("right").order_by("right__number", "code")


# --- writes ---------------------------------------------------------------------------------------


def _organisation_for(by: Any) -> Organisation:
    """The organisation a person audits for: their first with a compliance role."""
    ids = sorted(organisation_ids_with_role(by, list(COMPLIANCE_ROLES)))
    if not ids:
        raise ValidationError("You need a compliance role in an organisation to run an audit")
    return Organisation.objects.get(pk=ids[0])


@transaction.atomic
def audit_exercise_record(
    *,
    by: Any,
    title: str,
    period_start: date,
    period_end: date,
    sampling_method: str,
    agency_type: str = AgencyType.POLICE,
    police_force_area: PoliceForceArea | None = None,
    request: HttpRequest | None = None,
) -> AuditExercise:
    """Start a dip sample, run by the recorder's organisation."""
    ensure_can(by, RECORD_PERMISSION)
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = "Enter a title for the audit"
    if agency_type not in AgencyType.values:
        errors["agency_type"] = "Select the agency whose records are audited"
    if sampling_method not in AuditExercise.SamplingMethod.values:
        errors["sampling_method"] = "Select how the cases were sampled"
    if period_end < period_start:
        errors["period_end"] = "The end of the period must be the same as or after its start"
    if errors:
        raise ValidationError(errors)
    exercise = AuditExercise.objects.create(
        police_force_area=police_force_area or force_area_default(),
        title=title,
        agency_type=agency_type,
        period_start=period_start,
        period_end=period_end,
        sampling_method=sampling_method,
        organisation=_organisation_for(by),
        created_by=by,
    )
    access_log_record(
        actor=by,
        action=AccessLog.Action.CREATE,
        obj=exercise,
        request=request,
        record_label=f"Dip-sample audit {title}",
        detail="Audit exercise recorded",
    )
    return exercise


@dataclass(frozen=True)
class CheckInput:
    """An auditor's finding on one entitlement, as entered (before checking).

    `delivered` is True (yes), False (no) or None (the record does not say).
    """

    entitlement: Entitlement
    applicable: bool = True
    not_applicable_reason: str = ""
    triggered_on: date | None = None
    received_on: date | None = None
    delivered: bool | None = None
    delivered_on: date | None = None
    channel: str = ""
    quality_rating: int | None = None
    evidence_recorded: bool = False
    notes: str = ""


def _check_problems(check: CheckInput, today: date) -> dict[str, str]:
    """What is wrong with one finding, by field name (the form's field names)."""
    errors: dict[str, str] = {}
    if not check.applicable:
        if check.not_applicable_reason not in NotApplicableReason.values:
            errors["not_applicable_reason"] = "Select why the entitlement did not apply"
        if check.delivered is not None or check.delivered_on is not None:
            errors["delivered"] = (
                "An entitlement that did not apply was not delivered: leave delivery empty or say it applied"
            )
        return errors
    if check.not_applicable_reason:
        errors["not_applicable_reason"] = "Give a reason only when the entitlement did not apply"
    if check.triggered_on is not None and check.triggered_on > today:
        errors["triggered_on"] = "The trigger date must be today or in the past"
    if check.received_on is not None:
        if check.triggered_on is not None and check.received_on < check.triggered_on:
            errors["received_on"] = "The date received must be the same as or after the trigger date"
        elif check.received_on > today:
            errors["received_on"] = "The date received must be today or in the past"
    if check.delivered_on is not None:
        if check.delivered is not True:
            errors["delivered"] = "You gave a date delivered: choose Yes for delivered, or clear the date"
        if check.triggered_on is not None and check.delivered_on < check.triggered_on:
            errors["delivered_on"] = "The date delivered must be the same as or after the trigger date"
        elif check.delivered_on > today:
            errors["delivered_on"] = "The date delivered must be today or in the past"
    if check.channel and check.channel not in Channel.values:
        errors["channel"] = "Select how it was delivered"
    if check.channel and check.delivered is not True:
        errors["channel"] = "Give a channel only for a delivered entitlement"
    if check.quality_rating is not None and not 1 <= check.quality_rating <= 4:
        errors["quality_rating"] = "Select a quality rating from 1 to 4"
    return errors


class AuditCaseError(ValidationError):
    """A case that cannot be saved: `case_errors` by case field, `check_errors` by entitlement
    id and then field, so a page can show each against its own fieldset."""

    def __init__(self, case_errors: dict[str, str], check_errors: dict[int, dict[str, str]]) -> None:
        flat = dict(case_errors)
        for entitlement_id, problems in check_errors.items():
            for name, message in problems.items():
                flat[f"{entitlement_id}-{name}"] = message
        super().__init__(flat)
        self.case_errors = case_errors
        self.check_errors = check_errors


def matching_crime(*, by: Any, exercise: AuditExercise, pseudo_ref: str) -> Crime | None:
    """The imported crime of the exercise's force area whose crime reference is `pseudo_ref`."""
    return (
        Crime.objects.visible_to(by)
        .filter(police_force_area=exercise.police_force_area, crime_reference=pseudo_ref)
        .first()
    )


@transaction.atomic
def audit_case_record(
    *,
    by: Any,
    exercise: AuditExercise,
    pseudo_ref: str,
    checks: Sequence[CheckInput],
    reported_on: date | None = None,
    enhanced: bool = False,
    crime_group: str = "",
    notes: str = "",
    request: HttpRequest | None = None,
) -> AuditCase:
    """Add one audited case and its findings; any problem (`AuditCaseError`) saves nothing.

    The case is linked to the imported crime whose reference it is, and takes that crime's
    reported date if none was given.
    """
    ensure_can(by, RECORD_PERMISSION, exercise)
    today = timezone.localdate()
    pseudo_ref = pseudo_ref.strip()
    case_errors: dict[str, str] = {}
    problem = reference_problem(pseudo_ref, what="reference")
    if problem:
        case_errors["pseudo_ref"] = problem
    elif AuditCase.objects.filter(exercise=exercise, pseudo_ref=pseudo_ref).exists():
        case_errors["pseudo_ref"] = f"This audit already has a case with the reference {pseudo_ref}"
    if reported_on is not None and reported_on > today:
        case_errors["reported_on"] = "The date reported must be today or in the past"
    allowed = set(entitlements_to_check(exercise).values_list("pk", flat=True))
    check_errors: dict[int, dict[str, str]] = {}
    seen: set[int] = set()
    for check in checks:
        if check.entitlement.pk not in allowed or check.entitlement.pk in seen:
            raise ValueError(f"Entitlement {check.entitlement.code} is not checked by this audit, or twice")
        seen.add(check.entitlement.pk)
        problems = _check_problems(check, today)
        if problems:
            check_errors[check.entitlement.pk] = problems
    if not checks and not case_errors:
        case_errors["__all__"] = "Record a finding for at least one entitlement"
    if case_errors or check_errors:
        raise AuditCaseError(case_errors, check_errors)
    crime = matching_crime(by=by, exercise=exercise, pseudo_ref=pseudo_ref)
    case = AuditCase.objects.create(
        exercise=exercise,
        pseudo_ref=pseudo_ref,
        crime=crime,
        reported_on=reported_on or (crime.reported_on if crime else None),
        enhanced=enhanced,
        crime_group=crime_group.strip(),
        notes=notes.strip() or None,
    )
    EntitlementCheck.objects.bulk_create(
        EntitlementCheck(
            audit_case=case,
            entitlement=check.entitlement,
            applicable=check.applicable,
            not_applicable_reason="" if check.applicable else check.not_applicable_reason,
            triggered_on=check.triggered_on,
            received_on=check.received_on,
            delivered_on=check.delivered_on,
            delivered=check.delivered,
            channel=check.channel,
            quality_rating=check.quality_rating,
            evidence_recorded=check.evidence_recorded,
            notes=check.notes.strip() or None,
        )
        for check in checks
    )
    # The label names the exercise, not the reference: the reference stays on the audit's page.
    access_log_record(
        actor=by,
        action=AccessLog.Action.CREATE,
        obj=case,
        request=request,
        record_label=f"Audited case in {exercise.title}",
        detail=f"{len(checks)} entitlement findings; linked to an imported crime: {'yes' if crime else 'no'}",
    )
    return case


# --- reads ----------------------------------------------------------------------------------------


def exercise_list(*, user: Any) -> QuerySet[AuditExercise]:
    """The audits `user` may see, newest period first, with their case counts."""
    return (
        AuditExercise.objects.visible_to(user)
        .select_related("organisation")
        .annotate(case_count=Count("cases"))
        .order_by("-period_start", "title")
    )


def exercise_get(*, user: Any, public_id: UUID | str) -> AuditExercise:
    """One audit `user` may see, or 404."""
    return get_visible_or_404(
        AuditExercise.objects.select_related("organisation"),
        user=user,
        public_id=public_id,
    )


def exercise_cases(*, user: Any, exercise: AuditExercise) -> QuerySet[AuditCase]:
    """The audited cases of one exercise, in reference order, with their finding counts."""
    return (
        AuditCase.objects.visible_to(user)
        .filter(exercise=exercise)
        .annotate(
            check_count=Count("checks"),
            delivered_count=Count("checks", filter=Q(checks__delivered=True)),
        )
        .order_by("pseudo_ref")
    )


def _percent(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


@dataclass(frozen=True)
class EntitlementSummary:
    """One row of an audit's summary (see the module docstring for each figure)."""

    label: str
    checked: int
    applicable: int
    delivered: int
    not_recorded: int
    timed: int
    on_time: int
    rated: int
    quality_total: int
    evidence: int
    has_deadline: bool

    @property
    def delivered_percent(self) -> float | None:
        return _percent(self.delivered, self.applicable)

    @property
    def on_time_percent(self) -> float | None:
        return _percent(self.on_time, self.timed)

    @property
    def mean_quality(self) -> float | None:
        return None if not self.rated else round(self.quality_total / self.rated, 2)

    @property
    def evidence_percent(self) -> float | None:
        return _percent(self.evidence, self.applicable)


def _summarise(label: str, findings: Iterable[EntitlementCheck], *, has_deadline: bool) -> EntitlementSummary:
    checked = applicable = delivered = not_recorded = timed = on_time = rated = quality_total = evidence = 0
    for finding in findings:
        checked += 1
        if finding.quality_rating is not None:
            rated += 1
            quality_total += finding.quality_rating
        if not finding.applicable:
            continue
        applicable += 1
        delivered += finding.delivered is True
        not_recorded += finding.delivered is None
        evidence += finding.evidence_recorded
        due = (
            duty_due_on(
                finding.entitlement,
                triggered_on=finding.triggered_on,
                received_on=finding.received_on,
                enhanced=finding.audit_case.enhanced,
            )
            if finding.triggered_on is not None
            else None
        )
        if due is not None:
            timed += 1
            on_time += bool(
                finding.delivered and finding.delivered_on is not None and finding.delivered_on <= due
            )
    return EntitlementSummary(
        label=label,
        checked=checked,
        applicable=applicable,
        delivered=delivered,
        not_recorded=not_recorded,
        timed=timed,
        on_time=on_time,
        rated=rated,
        quality_total=quality_total,
        evidence=evidence,
        has_deadline=has_deadline,
    )


@dataclass(frozen=True)
class AuditSummary:
    """An audit's findings summarised per entitlement checked at least once, and overall."""

    rows: list[EntitlementSummary]
    overall: EntitlementSummary


def audit_summary(*, user: Any, exercise: AuditExercise) -> AuditSummary:
    """The summary of one audit's findings that `user` may see."""
    findings = list(
        EntitlementCheck.objects.filter(audit_case__in=exercise_cases(user=user, exercise=exercise))
        .select_related("entitlement__right", "audit_case")
        .order_by("entitlement__right__number", "entitlement__code")
    )
    by_entitlement: dict[int, list[EntitlementCheck]] = {}
    for finding in findings:
        by_entitlement.setdefault(finding.entitlement_id, []).append(finding)
    rows = []
    for group in by_entitlement.values():
        entitlement = group[0].entitlement
        has_deadline = entitlement.deadline_standard is not None or entitlement.deadline_enhanced is not None
        rows.append(
            _summarise(
                f"Right {entitlement.right.number}: {entitlement.code}", group, has_deadline=has_deadline
            )
        )
    overall = _summarise("All entitlements", findings, has_deadline=any(row.has_deadline for row in rows))
    return AuditSummary(rows=rows, overall=overall)
