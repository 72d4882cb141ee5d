"""The case state machine: every guard, self-approval, and invalid moves changing nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.accounts.models import Service
from waymark.accounts.roles import Role
from waymark.audit.models import AccessLog
from waymark.cases.lifecycle import TRANSITIONS, case_has_current_risk_assessment, case_transition
from waymark.cases.models import Case, OnwardReferral
from waymark.cases.services import (
    case_request_closure,
    needs_assessment_record,
    outcome_readings_record,
)
from waymark.core.testing.factories import make_member

from .factories import all_domains_levels, make_case, moj_framework_for

S = Case.Status
pytestmark = pytest.mark.django_db


def test_the_table_matches_the_research_diagram():
    moves = set(TRANSITIONS)
    assert (S.OPEN_ALLOCATED, S.ASSESSMENT) in moves
    assert (S.ASSESSMENT, S.ACTIVE_SUPPORT) in moves
    assert {(S.ACTIVE_SUPPORT, S.ON_HOLD), (S.ON_HOLD, S.ACTIVE_SUPPORT)} <= moves
    assert {(S.ACTIVE_SUPPORT, S.REVIEW), (S.REVIEW, S.ACTIVE_SUPPORT)} <= moves
    assert {(S.ACTIVE_SUPPORT, S.CLOSURE_REQUESTED), (S.CLOSURE_REQUESTED, S.CLOSED)} <= moves
    assert (S.CLOSURE_REQUESTED, S.ACTIVE_SUPPORT) in moves
    assert {(S.CLOSED, S.REOPENED), (S.REOPENED, S.ASSESSMENT)} <= moves
    assert all((s, S.TRANSFERRED_OUT) in moves for s in Case.OPEN_STATUSES)
    assert (S.CLOSED, S.TRANSFERRED_OUT) not in moves
    assert (S.OPEN_ALLOCATED, S.CLOSED) not in moves


def test_an_invalid_transition_is_refused_and_changes_nothing(world, case):
    by = world.member("caseworker")
    with pytest.raises(ValidationError) as error:
        case_transition(case=case, to=S.CLOSED, by=by)
    assert "cannot move to closed" in str(error.value)
    case.refresh_from_db()
    assert case.status == S.OPEN_ALLOCATED
    assert not AccessLog.objects.filter(action="change", record_id=str(case.public_id)).exists()


def test_an_unknown_status_is_refused(world, case):
    with pytest.raises(ValidationError, match="not a case status"):
        case_transition(case=case, to="limbo", by=world.member("caseworker"))


def test_someone_outside_the_case_cannot_move_it(world, case):
    with pytest.raises(PermissionDenied):
        case_transition(case=case, to=S.ASSESSMENT, by=world.member("caseworker_other"))
    case.refresh_from_db()
    assert case.status == S.OPEN_ALLOCATED


def test_active_support_needs_a_needs_assessment(world, case):
    by = world.member("caseworker")
    case_transition(case=case, to=S.ASSESSMENT, by=by)
    with pytest.raises(ValidationError, match="needs assessment"):
        case_transition(case=case, to=S.ACTIVE_SUPPORT, by=by)
    needs_assessment_record(case=case, by=by, levels=all_domains_levels())
    case_transition(case=case, to=S.ACTIVE_SUPPORT, by=by)
    case.refresh_from_db()
    assert case.status == S.ACTIVE_SUPPORT
    assert case.needs_assessed_at is not None


def test_an_idva_case_needs_a_submitted_risk_assessment(world):
    caseworker = make_member(
        role=Role.CASEWORKER, organisation=world.other_provider, teams=[world.other_team]
    )
    case = make_case(service=world.other_service, team=world.other_team)
    case_transition(case=case, to=S.ASSESSMENT, by=caseworker)
    needs_assessment_record(case=case, by=caseworker, levels=all_domains_levels())
    assert not case_has_current_risk_assessment(case)
    with pytest.raises(ValidationError, match="risk assessment"):
        case_transition(case=case, to=S.ACTIVE_SUPPORT, by=caseworker)
    case.refresh_from_db()
    assert case.status == S.ASSESSMENT


def test_the_risk_hook_passes_services_other_than_idva(case):
    assert case.service.type == Service.Type.HATE_CRIME
    assert case_has_current_risk_assessment(case)


@pytest.mark.parametrize(("to", "status"), [(S.ON_HOLD, S.ACTIVE_SUPPORT)])
def test_on_hold_needs_a_reason(world, active_case, to, status):
    by = world.member("caseworker")
    with pytest.raises(ValidationError, match="reason"):
        case_transition(case=active_case, to=to, by=by)
    case_transition(case=active_case, to=to, by=by, reason="In hospital")
    case_transition(case=active_case, to=status, by=by)
    assert active_case.history.first().history_change_reason  # kept by simple-history


def test_review_and_back(world, active_case):
    by = world.member("caseworker")
    case_transition(case=active_case, to=S.REVIEW, by=by)
    case_transition(case=active_case, to=S.ACTIVE_SUPPORT, by=by)
    assert Case.objects.get(pk=active_case.pk).status == S.ACTIVE_SUPPORT


def test_closure_request_needs_a_closure_reason(world, active_case):
    with pytest.raises(ValidationError, match="reason for closing"):
        case_request_closure(case=active_case, by=world.member("caseworker"), closure_reason="")
    assert Case.objects.get(pk=active_case.pk).status == S.ACTIVE_SUPPORT


def test_closure_request_needs_exit_readings_for_the_services_frameworks(world, active_case):
    framework = moj_framework_for(world.service)
    by = world.member("caseworker")
    with pytest.raises(ValidationError, match="exit outcome readings"):
        case_request_closure(case=active_case, by=by, closure_reason=Case.ClosureReason.GOALS_MET)
    outcome_readings_record(
        case=active_case, by=by, timepoint="exit", values=dict.fromkeys(framework.measures.all(), "4")
    )
    case_request_closure(case=active_case, by=by, closure_reason=Case.ClosureReason.GOALS_MET)
    active_case.refresh_from_db()
    assert active_case.status == S.CLOSURE_REQUESTED
    assert active_case.closure_requested_by == by


def test_unable_to_contact_needs_no_exit_readings(world, active_case):
    moj_framework_for(world.service)
    case_request_closure(
        case=active_case, by=world.member("caseworker"), closure_reason=Case.ClosureReason.UNABLE_TO_CONTACT
    )
    assert Case.objects.get(pk=active_case.pk).status == S.CLOSURE_REQUESTED


def test_a_manager_approves_a_closure(world, active_case):
    case_request_closure(case=active_case, by=world.member("caseworker"), closure_reason="goals_met")
    manager = world.member("provider_manager")
    case_transition(case=active_case, to=S.CLOSED, by=manager)
    active_case.refresh_from_db()
    assert active_case.status == S.CLOSED
    assert active_case.closure_approved_by == manager
    assert active_case.closed_at is not None


def test_the_caseworker_cannot_approve_a_closure(world, active_case):
    by = world.member("caseworker")
    case_request_closure(case=active_case, by=by, closure_reason="goals_met")
    with pytest.raises(ValidationError, match="Only a manager"):
        case_transition(case=active_case, to=S.CLOSED, by=by)
    assert Case.objects.get(pk=active_case.pk).status == S.CLOSURE_REQUESTED


def test_self_approval_is_refused(world, active_case):
    manager = world.member("provider_manager")
    case_request_closure(case=active_case, by=manager, closure_reason="goals_met")
    with pytest.raises(ValidationError, match="another manager must approve"):
        case_transition(case=active_case, to=S.CLOSED, by=manager)
    second = make_member(role=Role.PROVIDER_MANAGER, organisation=world.provider)
    case_transition(case=active_case, to=S.CLOSED, by=second)
    assert Case.objects.get(pk=active_case.pk).status == S.CLOSED


def test_another_providers_manager_cannot_approve(world, active_case):
    case_request_closure(case=active_case, by=world.member("caseworker"), closure_reason="goals_met")
    with pytest.raises(PermissionDenied):
        case_transition(case=active_case, to=S.CLOSED, by=world.member("provider_manager_other"))


def test_rejecting_a_closure_needs_a_reason_and_returns_to_active_support(world, active_case):
    case_request_closure(case=active_case, by=world.member("caseworker"), closure_reason="goals_met")
    manager = world.member("provider_manager")
    with pytest.raises(ValidationError, match="reason"):
        case_transition(case=active_case, to=S.ACTIVE_SUPPORT, by=manager)
    case_transition(case=active_case, to=S.ACTIVE_SUPPORT, by=manager, reason="Court date next month")
    active_case.refresh_from_db()
    assert active_case.status == S.ACTIVE_SUPPORT
    assert active_case.closure_reason == ""


def test_a_service_without_approval_closes_at_once(world, active_case):
    Service.objects.filter(pk=world.service.pk).update(requires_closure_approval=False)
    active_case.service.refresh_from_db()
    case_request_closure(case=active_case, by=world.member("caseworker"), closure_reason="goals_met")
    assert Case.objects.get(pk=active_case.pk).status == S.CLOSED


def test_reopening_needs_a_reason_and_goes_back_to_assessment(world, active_case):
    case_request_closure(case=active_case, by=world.member("caseworker"), closure_reason="goals_met")
    case_transition(case=active_case, to=S.CLOSED, by=world.member("provider_manager"))
    by = world.member("caseworker")
    with pytest.raises(ValidationError, match="reason"):
        case_transition(case=active_case, to=S.REOPENED, by=by)
    case_transition(case=active_case, to=S.REOPENED, by=by, reason="Repeat incident")
    active_case.refresh_from_db()
    assert active_case.closed_at is None
    assert active_case.closure_reason == ""
    case_transition(case=active_case, to=S.ASSESSMENT, by=by)


def test_transferred_out_only_through_an_accepted_transfer(world, active_case):
    by = world.member("caseworker")
    with pytest.raises(ValidationError, match="receiving service accepts"):
        case_transition(case=active_case, to=S.TRANSFERRED_OUT, by=by)
    draft = OnwardReferral.objects.create(
        case=active_case, kind="transfer", to_service=world.other_service, basis="consent", created_by=by
    )
    with pytest.raises(ValidationError):
        case_transition(case=active_case, to=S.TRANSFERRED_OUT, by=by, transfer=draft)
    assert Case.objects.get(pk=active_case.pk).status == S.ACTIVE_SUPPORT


def test_every_transition_is_access_logged_and_in_history(world, case):
    by = world.member("caseworker")
    case_transition(case=case, to=S.ASSESSMENT, by=by)
    entry = AccessLog.objects.get(action="change", record_id=str(case.public_id))
    assert entry.detail == "status open_allocated → assessment"
    assert entry.actor == by
    assert case.history.first().status == S.ASSESSMENT


def test_an_idva_case_closes_only_after_an_exit_risk_review(world, active_case):
    """Research §5.6: IDVA closure requires an exit risk review (unless the person was never reached)."""
    from waymark.risk.tests.helpers import submit_assessment

    Service.objects.filter(pk=active_case.service_id).update(type=Service.Type.IDVA)
    active_case.refresh_from_db()
    by = world.member("caseworker")
    with pytest.raises(ValidationError, match="exit risk review"):
        case_request_closure(case=active_case, by=by, closure_reason=Case.ClosureReason.GOALS_MET)
    assert Case.objects.get(pk=active_case.pk).status == S.ACTIVE_SUPPORT
    submit_assessment(case=active_case, by=by, context="intake")
    with pytest.raises(ValidationError, match="exit risk review"):
        case_request_closure(case=active_case, by=by, closure_reason=Case.ClosureReason.GOALS_MET)
    submit_assessment(case=active_case, by=by, context="closure")
    case_request_closure(case=active_case, by=by, closure_reason=Case.ClosureReason.GOALS_MET)
    assert Case.objects.get(pk=active_case.pk).status == S.CLOSURE_REQUESTED
