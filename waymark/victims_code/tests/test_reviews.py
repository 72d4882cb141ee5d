"""Review meetings and compliance actions: overdue flags, the done-needs-a-date rule, metric links."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.audit.models import AccessLog
from waymark.victims_code.models import ComplianceAction, MetricDefinition, ReviewMeeting
from waymark.victims_code.reviews import (
    ActionFilters,
    action_list,
    actions_for_metric,
    compliance_action_add,
    compliance_action_update,
    review_meeting_record,
)

pytestmark = pytest.mark.django_db


def metric(code: str) -> MetricDefinition:
    return MetricDefinition.objects.get(code_version__code="VCOP-2020", code=code)


def meeting(by: Any, held_on: date = date(2026, 5, 12)) -> ReviewMeeting:
    return review_meeting_record(
        by=by,
        forum="victims_witnesses",
        held_on=held_on,
        title="Delivery Group, May 2026",
        minutes="Reviewed Q4.",
    )


def action(
    by: Any, at: ReviewMeeting, due: date, *, agency: str = "police", metrics: tuple[str, ...] = ()
) -> ComplianceAction:
    return compliance_action_add(
        by=by,
        meeting=at,
        description=f"Action due {due}",
        owner_agency=agency,
        owner_role="Head of Victim Services",
        due_on=due,
        metrics=[metric(code) for code in metrics],
    )


@pytest.fixture
def lead(world: Any) -> Any:
    return world.member("force_code_lead")


@pytest.fixture
def actions(lead: Any) -> dict[str, ComplianceAction]:
    """Four actions of a meeting on 12 May 2026, looked at on Tue 2 June 2026:

    - late: due Mon 1 June, still open: overdue;
    - today: due Tue 2 June, open: not overdue (due today is not late);
    - working: due Fri 29 May, in progress: overdue;
    - done: due Fri 15 May, done on 20 May: not overdue (done late, but done). Witness care.
    """
    at = meeting(lead)
    made = {
        "late": action(lead, at, date(2026, 6, 1), metrics=("M05", "M07")),
        "today": action(lead, at, date(2026, 6, 2), metrics=("M07",)),
        "working": action(lead, at, date(2026, 5, 29)),
        "done": action(lead, at, date(2026, 5, 15), agency="witness_care", metrics=("M05",)),
    }
    compliance_action_update(action=made["working"], by=lead, status="in_progress", update="Drafted.")
    compliance_action_update(action=made["done"], by=lead, status="done", completed_on=date(2026, 5, 20))
    return made


TODAY = date(2026, 6, 2)


def test_overdue_is_open_or_in_progress_after_the_due_date(
    world: Any, actions: dict[str, ComplianceAction]
) -> None:
    everything = action_list(
        user=world.member("opcc_analyst"), filters=ActionFilters(status="all"), today=TODAY
    )
    overdue = {found.description: found.overdue for found in everything}  # type: ignore[attr-defined]
    assert overdue == {
        "Action due 2026-06-01": True,
        "Action due 2026-06-02": False,
        "Action due 2026-05-29": True,
        "Action due 2026-05-15": False,
    }


def test_the_action_list_filters(world: Any, actions: dict[str, ComplianceAction]) -> None:
    """Default: the three still open; by status done: one; witness care of any status: one."""
    analyst = world.member("opcc_analyst")

    def found(filters: ActionFilters) -> set[str]:
        return {a.public_id.hex for a in action_list(user=analyst, filters=filters, today=TODAY)}

    assert found(ActionFilters()) == {actions[k].public_id.hex for k in ("late", "today", "working")}
    assert found(ActionFilters(status="done")) == {actions["done"].public_id.hex}
    assert found(ActionFilters(status="all", owner_agency="witness_care")) == {actions["done"].public_id.hex}


def test_actions_for_a_metric(world: Any, actions: dict[str, ComplianceAction]) -> None:
    """M05: 'late' (open) then 'done'; M07: 'late' and 'today' by due date; M01: none. Nothing
    for a provider's manager."""
    analyst = world.member("opcc_analyst")
    m05 = [a.pk for a in actions_for_metric(metric("M05"), user=analyst, today=TODAY)]
    assert m05 == [actions["late"].pk, actions["done"].pk]
    m07 = actions_for_metric(metric("M07"), user=analyst, today=TODAY)
    assert [(a.pk, a.overdue) for a in m07] == [(actions["late"].pk, True), (actions["today"].pk, False)]  # type: ignore[attr-defined]
    assert not actions_for_metric(metric("M01"), user=analyst).exists()
    assert not actions_for_metric(metric("M05"), user=world.member("provider_manager")).exists()


def test_done_needs_a_completed_date(lead: Any) -> None:
    """Done without a date is refused and the action stays as it was."""
    made = action(lead, meeting(lead), date(2026, 6, 1))
    with pytest.raises(ValidationError) as raised:
        compliance_action_update(action=made, by=lead, status="done", update="All sorted.")
    assert raised.value.message_dict == {"completed_on": ["Enter the date the action was completed"]}
    made.refresh_from_db()
    assert (made.status, made.update, made.completed_on) == ("open", "", None)
    assert made.history.count() == 1


@pytest.mark.parametrize(
    ("status", "completed", "message"),
    [
        ("in_progress", date(2026, 5, 20), "Only a done action has a date completed"),
        ("done", date(2026, 5, 1), "after the date of the meeting"),
        ("done", date(2099, 1, 1), "today or in the past"),
        ("finished", None, "Select the status"),
    ],
)
def test_other_bad_updates_change_nothing(
    lead: Any, status: str, completed: date | None, message: str
) -> None:
    made = action(lead, meeting(lead), date(2026, 6, 1))
    with pytest.raises(ValidationError) as raised:
        compliance_action_update(action=made, by=lead, status=status, completed_on=completed)
    assert message in str(raised.value)
    made.refresh_from_db()
    assert made.status == "open"


def test_reopening_clears_the_completed_date(lead: Any) -> None:
    made = action(lead, meeting(lead), date(2026, 6, 1))
    compliance_action_update(action=made, by=lead, status="done", completed_on=date(2026, 5, 20))
    compliance_action_update(action=made, by=lead, status="in_progress", update="Reopened: not working.")
    made.refresh_from_db()
    assert (made.status, made.completed_on) == ("in_progress", None)
    assert made.history.count() == 3


def test_an_action_cannot_fall_due_before_its_meeting(lead: Any) -> None:
    at = meeting(lead)
    with pytest.raises(ValidationError) as raised:
        action(lead, at, date(2026, 5, 11))
    assert "after the date of the meeting" in raised.value.message_dict["due_on"][0]
    assert not ComplianceAction.objects.exists()


def test_writes_are_logged(lead: Any) -> None:
    made = action(lead, meeting(lead), date(2026, 6, 1), metrics=("M05",))
    logged = AccessLog.objects.filter(actor=lead).values_list("action", "record_type")
    assert set(logged) == {
        ("create", "victims_code.reviewmeeting"),
        ("create", "victims_code.complianceaction"),
    }
    assert list(made.metrics.values_list("code", flat=True)) == ["M05"]


@pytest.mark.parametrize("role", ["provider_manager", "caseworker", "board_member"])
def test_only_compliance_roles_record_meetings(world: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        meeting(world.member(role))
    assert not ReviewMeeting.objects.exists()
