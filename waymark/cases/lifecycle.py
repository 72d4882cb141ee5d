"""The case state machine (research §5.6), as data, and the one function that moves a case.

Every status change goes through `case_transition`. A transition is allowed only if it is in
TRANSITIONS and every one of its guards passes; otherwise ValidationError is raised with a
clear message and nothing changes. Side effects (timestamps, who requested or approved a
closure) run only after every guard passed. Each change is kept by simple-history (with the
reason as the change reason) and written to the access log.

    open_allocated → assessment → active_support ⇄ on_hold
    active_support → review → active_support
    active_support → closure_requested → closed            (manager approval if the service needs it)
    closure_requested → active_support                     (approval rejected, reason required)
    closed → reopened → assessment
    any open status → transferred_out                      (only through an accepted transfer)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from waymark.accounts.models import Service
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record

from .models import Case, OnwardReferral

if TYPE_CHECKING:
    from django.http import HttpRequest

S = Case.Status


@dataclass(frozen=True)
class TransitionContext:
    """What a guard or side effect may look at: the case, who is moving it, and why."""

    case: Case
    by: Any
    reason: str
    closure_reason: str
    transfer: OnwardReferral | None


Guard = Callable[[TransitionContext], str | None]  # an error message, or None if it passes
Effect = Callable[[TransitionContext], None]


# --- the IDVA risk hook -------------------------------------------------------------------


def case_has_current_risk_assessment(case: Case) -> bool:
    """Whether the case has the risk assessment its service needs before active support.

    Only IDVA services need one (research §5.6). The `risk` app adds RiskAssessment with a
    foreign key to Case (related_name "risk_assessments") and status "submitted"; until it
    exists an IDVA case has no risk assessment, so it cannot move into active support.
    """
    if case.service.type != Service.Type.IDVA:
        return True
    related = getattr(case, "risk_assessments", None)
    if related is None:
        return False
    return bool(related.filter(status="submitted").exists())


# --- guards -------------------------------------------------------------------------------


def _needs_assessment_done(ctx: TransitionContext) -> str | None:
    if not ctx.case.needs_assessments.exists():
        return "Record a needs assessment before moving the case into active support."
    return None


def _risk_assessment_done(ctx: TransitionContext) -> str | None:
    if not case_has_current_risk_assessment(ctx.case):
        return "An IDVA case needs a submitted risk assessment before active support."
    return None


def _reason_given(ctx: TransitionContext) -> str | None:
    if not ctx.reason.strip():
        return "Give a reason for this change."
    return None


def _closure_reason_given(ctx: TransitionContext) -> str | None:
    if ctx.closure_reason not in Case.ClosureReason.values:
        return "Select a reason for closing the case."
    return None


def missing_exit_measures(case: Case) -> list[str]:
    """Labels of the service's outcome measures with no exit reading on this case."""
    from .models import OutcomeMeasure

    measures = OutcomeMeasure.objects.filter(framework__services=case.service).select_related("framework")
    read = set(case.outcome_readings.filter(timepoint="exit").values_list("measure_id", flat=True))
    return [m.label for m in measures if m.pk not in read]


def _exit_outcomes_recorded(ctx: TransitionContext) -> str | None:
    if ctx.closure_reason == Case.ClosureReason.UNABLE_TO_CONTACT:
        return None
    missing = missing_exit_measures(ctx.case)
    if missing:
        return "Record the exit outcome readings before asking to close the case: " + ", ".join(missing) + "."
    return None


def _idva_exit_risk_review_done(ctx: TransitionContext) -> str | None:
    """IDVA cases close with an exit risk review (research §5.6): a submitted assessment made in
    the closure context, unless the person could not be contacted."""
    case = ctx.case
    if case.service.type != Service.Type.IDVA or ctx.closure_reason == Case.ClosureReason.UNABLE_TO_CONTACT:
        return None
    related = getattr(case, "risk_assessments", None)
    if related is None or not related.filter(status="submitted", context="closure").exists():
        return (
            "Complete an exit risk review (a risk assessment at closure) before asking to close an IDVA case."
        )
    return None


def _may_approve_closure(ctx: TransitionContext) -> str | None:
    """Closing: a manager other than the requester when the service requires approval."""
    case = ctx.case
    if not case.service.requires_closure_approval:
        return None
    if not ctx.by.has_perm("cases.approve_closure", case):
        return "Only a manager of this provider can approve closing this case."
    if case.closure_requested_by_id == ctx.by.pk:
        return "You asked to close this case, so another manager must approve it."
    return None


def _may_reject_closure(ctx: TransitionContext) -> str | None:
    if not ctx.case.service.requires_closure_approval:
        return None
    if not ctx.by.has_perm("cases.approve_closure", ctx.case):
        return "Only a manager of this provider can reject a closure request."
    return None


def _accepted_transfer(ctx: TransitionContext) -> str | None:
    transfer = ctx.transfer
    if (
        transfer is None
        or transfer.case_id != ctx.case.pk
        or transfer.kind != OnwardReferral.Kind.TRANSFER
        or transfer.status != OnwardReferral.Status.ACCEPTED
    ):
        return "A case is transferred out only when the receiving service accepts a transfer."
    return None


# --- side effects -------------------------------------------------------------------------


def _record_closure_request(ctx: TransitionContext) -> None:
    ctx.case.closure_reason = ctx.closure_reason
    ctx.case.closure_requested_by = ctx.by


def _close(ctx: TransitionContext) -> None:
    ctx.case.closed_at = timezone.now()
    if ctx.case.service.requires_closure_approval:
        ctx.case.closure_approved_by = ctx.by


def _clear_closure_request(ctx: TransitionContext) -> None:
    ctx.case.closure_requested_by = None
    ctx.case.closure_reason = ""


def _reopen(ctx: TransitionContext) -> None:
    ctx.case.closed_at = None
    ctx.case.closure_reason = ""
    ctx.case.closure_requested_by = None
    ctx.case.closure_approved_by = None


def _transfer_out(ctx: TransitionContext) -> None:
    ctx.case.closed_at = timezone.now()
    ctx.case.closure_reason = Case.ClosureReason.TRANSFERRED


# --- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """One allowed move, with what must be true first and what happens after."""

    source: str
    target: str
    label: str
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    manual: bool = True  # offered on the case page (False: only via its own service)
    needs_reason: bool = False


_TABLE: list[Transition] = [
    Transition(S.OPEN_ALLOCATED, S.ASSESSMENT, "Start the assessment"),
    Transition(
        S.ASSESSMENT,
        S.ACTIVE_SUPPORT,
        "Start active support",
        guards=(_needs_assessment_done, _risk_assessment_done),
    ),
    Transition(S.ACTIVE_SUPPORT, S.ON_HOLD, "Put on hold", guards=(_reason_given,), needs_reason=True),
    Transition(S.ON_HOLD, S.ACTIVE_SUPPORT, "Resume active support"),
    Transition(S.ACTIVE_SUPPORT, S.REVIEW, "Start a review"),
    Transition(S.REVIEW, S.ACTIVE_SUPPORT, "Finish the review"),
    Transition(
        S.ACTIVE_SUPPORT,
        S.CLOSURE_REQUESTED,
        "Ask to close",
        guards=(_closure_reason_given, _exit_outcomes_recorded, _idva_exit_risk_review_done),
        effects=(_record_closure_request,),
        manual=False,
    ),
    Transition(
        S.CLOSURE_REQUESTED,
        S.CLOSED,
        "Approve closure",
        guards=(_may_approve_closure,),
        effects=(_close,),
        manual=False,
    ),
    Transition(
        S.CLOSURE_REQUESTED,
        S.ACTIVE_SUPPORT,
        "Reject closure",
        guards=(_reason_given, _may_reject_closure),
        effects=(_clear_closure_request,),
        manual=False,
        needs_reason=True,
    ),
    Transition(
        S.CLOSED, S.REOPENED, "Reopen", guards=(_reason_given,), effects=(_reopen,), needs_reason=True
    ),
    Transition(S.REOPENED, S.ASSESSMENT, "Start the assessment"),
] + [
    Transition(
        source,
        S.TRANSFERRED_OUT,
        "Transfer out",
        guards=(_accepted_transfer,),
        effects=(_transfer_out,),
        manual=False,
    )
    for source in Case.OPEN_STATUSES
]
TRANSITIONS: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in _TABLE}


def transitions_from(status: str, *, manual_only: bool = True) -> list[Transition]:
    """The moves a case in `status` may make (those offered on the case page by default)."""
    return [t for (source, _), t in TRANSITIONS.items() if source == status and (t.manual or not manual_only)]


@transaction.atomic
def case_transition(
    *,
    case: Case,
    to: str,
    by: Any,
    reason: str = "",
    closure_reason: str = "",
    transfer: OnwardReferral | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Move `case` to status `to`, if that move is allowed and its guards pass.

    Raises PermissionDenied if `by` may not work on the case, and ValidationError (naming the
    problem) for a move that is not allowed or whose guards fail; in both cases nothing changes.
    """
    if not _may_move(by, case, transfer):
        raise PermissionDenied("Not allowed: cases.work_on_case")
    # Work on a fresh, locked row so two people cannot move the same case at once.
    current = Case.objects.select_for_update().select_related("service").get(pk=case.pk)
    source = current.status
    transition = TRANSITIONS.get((source, to))
    if transition is None:
        raise ValidationError(
            {
                "to": f"A case that is {current.get_status_display().lower()} cannot move to {_label(to)}.",
            }
        )
    ctx = TransitionContext(
        case=current, by=by, reason=reason.strip(), closure_reason=closure_reason, transfer=transfer
    )
    errors = [message for guard in transition.guards if (message := guard(ctx))]
    if errors:
        raise ValidationError(errors)
    for effect in transition.effects:
        effect(ctx)
    current.status = to
    current._change_reason = (reason or transition.label)[:100]  # type: ignore[attr-defined]
    current.save()
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=current,
        request=request,
        # The reason stays in the case history, not the log: it may hold personal detail.
        detail=f"status {source} → {to}",
    )
    # Keep the caller's object in step with the saved row.
    for name in (
        "status",
        "closed_at",
        "closure_reason",
        "closure_requested_by_id",
        "closure_approved_by_id",
    ):
        setattr(case, name, getattr(current, name))
    return current


def _may_move(by: Any, case: Case, transfer: OnwardReferral | None) -> bool:
    """Staff working on the case, its managers, or (for a transfer) the receiving service's manager."""
    if by.has_perm("cases.work_on_case", case) or by.has_perm("cases.approve_closure", case):
        return True
    if transfer is not None and transfer.to_service is not None:
        from waymark.accounts.access import organisation_ids_with_role
        from waymark.accounts.roles import Role

        return transfer.to_service.organisation_id in organisation_ids_with_role(by, [Role.PROVIDER_MANAGER])
    return False


def _label(status: str) -> str:
    try:
        return str(Case.Status(status).label).lower()
    except ValueError:
        return f"“{status}” (not a case status)"
