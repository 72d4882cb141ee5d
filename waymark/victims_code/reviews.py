"""Review meetings and the actions they agree: who will do what, by when, about which metrics.

A meeting is the Victims and Witnesses Delivery Group of the Local Criminal Justice Board, the
Board itself, or another forum that keeps compliance under review. Each action has an owner
(an agency and a post), a due date, the metrics it means to move, a status and the latest
progress note. An action is *overdue* while it is open or in progress after its due date; a done
action always has the date it was completed.

Writes go through the services here (permission `victims_code.record_compliance`, history for
actions, access log for both); reads through the selectors, from `visible_to(user)`.
`actions_for_metric` gives a metric's page the actions addressing that metric.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.models import PoliceForceArea
from waymark.core.permissions import ensure_can
from waymark.core.visibility import get_visible_or_404

from .complaints import RECORD_PERMISSION, force_area_default
from .models import AgencyType, ComplianceAction, MetricDefinition, ReviewMeeting

if TYPE_CHECKING:
    from django.http import HttpRequest

# The statuses in which an action is still to be done (and so may be overdue).
OPEN_STATUSES = (ComplianceAction.Status.OPEN, ComplianceAction.Status.IN_PROGRESS)


def metric_choices() -> QuerySet[MetricDefinition]:
    """The metrics an action may address: the active ones, by Code version and code."""
    return (
        MetricDefinition.objects.filter(active=True)
        .select_related("code_version")
        .order_by("code_version__code", "code")
    )


# --- writes ---------------------------------------------------------------------------------------


@transaction.atomic
def review_meeting_record(
    *,
    by: Any,
    forum: str,
    held_on: date,
    title: str,
    attendees: str = "",
    minutes: str = "",
    police_force_area: PoliceForceArea | None = None,
    request: HttpRequest | None = None,
) -> ReviewMeeting:
    """Record a meeting and its minutes; a ValidationError saves nothing."""
    ensure_can(by, RECORD_PERMISSION)
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = "Enter a title for the meeting"
    if forum not in ReviewMeeting.Forum.values:
        errors["forum"] = "Select the forum"
    if errors:
        raise ValidationError(errors)
    meeting = ReviewMeeting.objects.create(
        police_force_area=police_force_area or force_area_default(),
        forum=forum,
        held_on=held_on,
        title=title,
        attendees=attendees.strip(),
        minutes=minutes.strip(),
        created_by=by,
    )
    access_log_record(
        actor=by,
        action=AccessLog.Action.CREATE,
        obj=meeting,
        request=request,
        record_label=meeting_label(meeting),
        detail="Review meeting recorded",
    )
    return meeting


def meeting_label(meeting: ReviewMeeting) -> str:
    """How a meeting is named in the access log and on pages."""
    return f"{meeting.title} ({meeting.held_on.isoformat()})"


@transaction.atomic
def compliance_action_add(
    *,
    by: Any,
    meeting: ReviewMeeting,
    description: str,
    owner_agency: str,
    owner_role: str,
    due_on: date,
    metrics: Iterable[MetricDefinition] = (),
    request: HttpRequest | None = None,
) -> ComplianceAction:
    """Add an action agreed at `meeting`, linked to the metrics it addresses."""
    ensure_can(by, RECORD_PERMISSION, meeting)
    errors: dict[str, str] = {}
    description = description.strip()
    owner_role = owner_role.strip()
    if not description:
        errors["description"] = "Enter what the action is"
    if owner_agency not in AgencyType.values:
        errors["owner_agency"] = "Select the agency that owns the action"
    if not owner_role:
        errors["owner_role"] = "Enter the post that owns the action, for example Head of Witness Care"
    if due_on < meeting.held_on:
        errors["due_on"] = "The due date must be the same as or after the date of the meeting"
    chosen = list(metrics)
    if any(not metric.active for metric in chosen):
        errors["metrics"] = "Select only metrics that are in use"
    if errors:
        raise ValidationError(errors)
    action = ComplianceAction(
        meeting=meeting,
        description=description,
        owner_agency=owner_agency,
        owner_role=owner_role,
        due_on=due_on,
    )
    action._change_reason = "agreed"  # type: ignore[attr-defined]
    action.save()
    action.metrics.set(chosen)
    access_log_record(
        actor=by,
        action=AccessLog.Action.CREATE,
        obj=action,
        request=request,
        record_label=f"Action of {meeting_label(meeting)}",
        detail="Compliance action added",
    )
    return action


@transaction.atomic
def compliance_action_update(
    *,
    action: ComplianceAction,
    by: Any,
    status: str,
    update: str = "",
    completed_on: date | None = None,
    request: HttpRequest | None = None,
) -> ComplianceAction:
    """Record progress: the status, the latest note and, for a done action, when it was done.

    Done needs a completed date; any other status has none (a reopened action loses it).
    """
    ensure_can(by, RECORD_PERMISSION, action)
    errors: dict[str, str] = {}
    if status not in ComplianceAction.Status.values:
        errors["status"] = "Select the status of the action"
    elif status == ComplianceAction.Status.DONE:
        if completed_on is None:
            errors["completed_on"] = "Enter the date the action was completed"
        elif completed_on > timezone.localdate():
            errors["completed_on"] = "The date completed must be today or in the past"
        elif completed_on < action.meeting.held_on:
            errors["completed_on"] = "The date completed must be the same as or after the date of the meeting"
    elif completed_on is not None:
        errors["completed_on"] = "Only a done action has a date completed: clear the date or choose Done"
    if errors:
        raise ValidationError(errors)
    before = action.status
    action.status = status
    action.update = update.strip()
    action.completed_on = completed_on if status == ComplianceAction.Status.DONE else None
    action._change_reason = f"status {before} to {status}"  # type: ignore[attr-defined]
    action.save()
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=action,
        request=request,
        record_label=f"Action of {meeting_label(action.meeting)}",
        detail=f"Compliance action updated: status {before} to {status}",
    )
    return action


# --- reads ----------------------------------------------------------------------------------------


def _with_overdue(actions: QuerySet[ComplianceAction], today: date) -> QuerySet[ComplianceAction]:
    """Each action annotated with `overdue`: still open or in progress after its due date."""
    return actions.annotate(
        overdue=Case(
            When(Q(status__in=OPEN_STATUSES, due_on__lt=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def meeting_list(*, user: Any) -> QuerySet[ReviewMeeting]:
    """The meetings `user` may see, newest first, with their action counts."""
    return (
        ReviewMeeting.objects.visible_to(user)
        .annotate(
            action_count=Count("actions"),
            open_action_count=Count("actions", filter=Q(actions__status__in=OPEN_STATUSES)),
        )
        .order_by("-held_on", "title")
    )


def meeting_get(*, user: Any, public_id: UUID | str) -> ReviewMeeting:
    """One meeting `user` may see, or 404."""
    return get_visible_or_404(ReviewMeeting.objects.all(), user=user, public_id=public_id)


@dataclass(frozen=True)
class ActionFilters:
    """What the action list is narrowed to. An empty status means the open ones (open or in
    progress), the list a meeting works from; `all` means every status."""

    status: str = ""
    owner_agency: str = ""

    def describe(self) -> list[tuple[str, str]]:
        status = (
            "Open or in progress"
            if not self.status
            else "Any"
            if self.status == "all"
            else ComplianceAction.Status(self.status).label
        )
        agency = AgencyType(self.owner_agency).label if self.owner_agency else "All"
        return [("Status", status), ("Owner agency", agency)]


def action_list(
    *, user: Any, filters: ActionFilters | None = None, today: date | None = None
) -> QuerySet[ComplianceAction]:
    """The actions `user` may see, narrowed by `filters`, soonest due first, with `overdue`."""
    filters = filters or ActionFilters()
    actions = ComplianceAction.objects.visible_to(user)
    if not filters.status:
        actions = actions.filter(status__in=OPEN_STATUSES)
    elif filters.status != "all":
        actions = actions.filter(status=filters.status)
    if filters.owner_agency:
        actions = actions.filter(owner_agency=filters.owner_agency)
    actions = actions.select_related("meeting").prefetch_related("metrics").order_by("due_on", "pk")
    return _with_overdue(actions, today or timezone.localdate())


def meeting_actions(
    *, user: Any, meeting: ReviewMeeting, today: date | None = None
) -> QuerySet[ComplianceAction]:
    """Every action of one meeting, soonest due first, with `overdue`."""
    actions = ComplianceAction.objects.visible_to(user).filter(meeting=meeting).prefetch_related("metrics")
    return _with_overdue(actions.order_by("due_on", "pk"), today or timezone.localdate())


def action_get(*, user: Any, public_id: UUID | str) -> ComplianceAction:
    """One action `user` may see, or 404."""
    return get_visible_or_404(
        ComplianceAction.objects.select_related("meeting"),
        user=user,
        public_id=public_id,
    )


def actions_for_metric(
    metric: MetricDefinition, *, user: Any, today: date | None = None
) -> QuerySet[ComplianceAction]:
    """The actions addressing `metric` that `user` may see, open ones first then by due date,
    each with `overdue` and its meeting: for the metric's page."""
    actions = (
        ComplianceAction.objects.visible_to(user)
        .filter(metrics=metric)
        .select_related("meeting")
        .annotate(
            still_open=Case(
                When(status__in=OPEN_STATUSES, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-still_open", "due_on", "pk")
    )
    return _with_overdue(actions, today or timezone.localdate())
