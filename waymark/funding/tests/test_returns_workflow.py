"""Monitoring returns: the schedule by cadence, the workflow, late in words, and who may submit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from waymark.funding.models import AwardFunding, FundingSource, MonitoringReturn
from waymark.funding.returns import (
    cadence_periods,
    is_late,
    monitoring_return_accept,
    monitoring_return_list,
    monitoring_return_request_changes,
    monitoring_return_submit,
    monitoring_returns_schedule,
    output_prefill,
    return_state,
)

from .returns_builders import make_award, make_budget_line, make_return, make_source

pytestmark = pytest.mark.django_db
Status = MonitoringReturn.Status


def _periods(award):
    return [
        (r.period_start, r.period_end, r.due_on) for r in award.monitoring_returns.order_by("period_start")
    ]


def test_a_quarterly_award_gets_a_return_per_quarter_cut_to_its_dates(world) -> None:
    """1 October 2021 to 31 May 2022, quarterly, due 30 days after each period:
    Oct-Dec 2021 due 30 January 2022; Jan-Mar 2022 due 30 April; April-31 May 2022 due 30 June."""
    award = make_award(
        organisation=world.provider,
        start=date(2021, 10, 1),
        end=date(2022, 5, 31),
        lines=[(make_source(cadence="quarterly"), "2021/22", "1000.00")],
    )
    made = monitoring_returns_schedule(award=award)
    assert len(made) == 3
    assert _periods(award) == [
        (date(2021, 10, 1), date(2021, 12, 31), date(2022, 1, 30)),
        (date(2022, 1, 1), date(2022, 3, 31), date(2022, 4, 30)),
        (date(2022, 4, 1), date(2022, 5, 31), date(2022, 6, 30)),
    ]
    assert monitoring_returns_schedule(award=award) == []  # idempotent
    assert award.monitoring_returns.count() == 3


@override_settings(WAYMARK_RETURN_DUE_DAYS=14)
def test_the_most_frequent_cadence_wins_and_due_days_come_from_settings(world) -> None:
    """Annual and biannual sources: biannual. 2021/22 halves: April-September due 14 October,
    October-March due 14 April 2022."""
    award = make_award(
        organisation=world.provider,
        lines=[
            (make_source(cadence="annual"), "2021/22", "1.00"),
            (make_source(cadence="biannual"), "2021/22", "1.00"),
        ],
    )
    monitoring_returns_schedule(award=award)
    assert _periods(award) == [
        (date(2021, 4, 1), date(2021, 9, 30), date(2021, 10, 14)),
        (date(2021, 10, 1), date(2022, 3, 31), date(2022, 4, 14)),
    ]


def test_annual_periods_follow_the_financial_year() -> None:
    assert cadence_periods("annual", date(2021, 6, 1), date(2023, 1, 31)) == [
        (date(2021, 6, 1), date(2022, 3, 31)),
        (date(2022, 4, 1), date(2023, 1, 31)),
    ]


def test_rescheduling_after_an_extension_moves_the_cut_period_and_adds_the_new(world) -> None:
    """Ends 31 May 2022 (April-May return due 30 June), extended to 31 July 2022: the April
    return now runs to 30 June (due 30 July) and a July return is added (due 30 August)."""
    award = make_award(
        organisation=world.provider,
        start=date(2022, 1, 1),
        end=date(2022, 5, 31),
        lines=[(make_source(), "2022/23", "1.00")],
    )
    monitoring_returns_schedule(award=award)
    award.end_on = date(2022, 7, 31)
    award.save()
    changed = monitoring_returns_schedule(award=award, by=world.member("opcc_admin"))
    assert len(changed) == 2
    assert _periods(award)[1:] == [
        (date(2022, 4, 1), date(2022, 6, 30), date(2022, 7, 30)),
        (date(2022, 7, 1), date(2022, 7, 31), date(2022, 8, 30)),
    ]


def test_only_opcc_staff_schedule_returns(world) -> None:
    award = make_award(organisation=world.provider)
    with pytest.raises(PermissionDenied):
        monitoring_returns_schedule(award=award, by=world.member("provider_manager"))
    assert not award.monitoring_returns.exists()


@pytest.fixture
def due_return(world):
    """Q1 2021/22 of a home-provider award with one salary line; due 30 July 2021."""
    award = make_award(organisation=world.provider, lines=[(make_source(), "2021/22", "40000.00")])
    line = make_budget_line(award, amount="30000.00")
    monitoring_return = make_return(
        award, start=date(2021, 4, 1), end=date(2021, 6, 30), due=date(2021, 7, 30)
    )
    return monitoring_return, line


def _submit(monitoring_return, line, by, **fields):
    data: dict[str, Any] = {
        "spend": {line.pk: Decimal("7250.10")},
        "outputs": {"referrals_received": 12, "Programme completions": 3},
        "narrative": "A steady quarter.",
        "risks": "Recruitment.",
    }
    data.update(fields)
    return monitoring_return_submit(monitoring_return=monitoring_return, by=by, **data)


def test_submit_changes_requested_resubmit_accepted(world, due_return) -> None:
    monitoring_return, line = due_return
    manager, analyst = world.member("provider_manager"), world.member("opcc_analyst")
    submitted = _submit(monitoring_return, line, manager)
    assert submitted.status == Status.SUBMITTED
    assert submitted.submitted_by == manager
    assert list(submitted.spend.values_list("amount", flat=True)) == [Decimal("7250.10")]
    assert submitted.outputs == {"referrals_received": 12, "Programme completions": 3}

    sent_back = monitoring_return_request_changes(
        monitoring_return=submitted, comments="Salary spend looks low.", by=analyst
    )
    assert (sent_back.status, sent_back.reviewer_comments) == (
        Status.CHANGES_REQUESTED,
        "Salary spend looks low.",
    )

    resubmitted = _submit(sent_back, line, manager, spend={line.pk: "7500.00"})
    assert resubmitted.status == Status.SUBMITTED
    assert list(resubmitted.spend.values_list("amount", flat=True)) == [Decimal("7500.00")]

    accepted = monitoring_return_accept(monitoring_return=resubmitted, by=analyst)
    assert accepted.status == Status.ACCEPTED
    assert accepted.history.count() >= 4  # each step kept in the change history


def test_transitions_that_are_not_allowed_are_refused(world, due_return) -> None:
    monitoring_return, line = due_return
    analyst = world.member("opcc_analyst")
    # Due: the OPCC cannot accept or send back what was never submitted.
    with pytest.raises(ValidationError, match="cannot be accepted: it is due"):
        monitoring_return_accept(monitoring_return=monitoring_return, by=analyst)
    with pytest.raises(ValidationError, match="cannot be sent back for changes: it is due"):
        monitoring_return_request_changes(monitoring_return=monitoring_return, comments="x", by=analyst)
    submitted = _submit(monitoring_return, line, world.member("provider_manager"))
    # Submitted: cannot be submitted again until sent back; sending back needs comments.
    with pytest.raises(ValidationError, match="cannot be submitted: it is submitted"):
        _submit(submitted, line, world.member("provider_manager"))
    with pytest.raises(ValidationError) as error:
        monitoring_return_request_changes(monitoring_return=submitted, comments="  ", by=analyst)
    assert "Say what the provider needs to change" in error.value.message_dict["comments"][0]
    accepted = monitoring_return_accept(monitoring_return=submitted, by=analyst)
    # Accepted is final.
    for attempt in (
        lambda: _submit(accepted, line, world.member("provider_manager")),
        lambda: monitoring_return_request_changes(
            monitoring_return=accepted, comments="Late edit", by=analyst
        ),
        lambda: monitoring_return_accept(monitoring_return=accepted, by=analyst),
    ):
        with pytest.raises(ValidationError, match="it is accepted"):
            attempt()
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED


def test_a_bad_submission_names_each_problem_and_changes_nothing(world, due_return) -> None:
    monitoring_return, line = due_return
    with pytest.raises(ValidationError) as error:
        _submit(
            monitoring_return, line, world.member("provider_manager"), spend={}, outputs={}, narrative=" "
        )
    problems = error.value.message_dict
    assert "Enter the spend on Salaries line (2021/22); enter 0 if none." in problems[f"spend_{line.pk}"]
    assert "Enter at least one output for the period." in problems["outputs"]
    assert "Describe the period's work in the narrative." in problems["narrative"]
    with pytest.raises(ValidationError) as error:
        _submit(
            monitoring_return,
            line,
            world.member("provider_manager"),
            spend={line.pk: "-5"},
            outputs={"cases_opened": -1},
        )
    assert "cannot be negative" in error.value.message_dict[f"spend_{line.pk}"][0]
    assert "Cases opened: enter a whole number, 0 or more." in error.value.message_dict["outputs"]
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == Status.DUE
    assert not monitoring_return.spend.exists()


@pytest.mark.parametrize("role", ["provider_manager_other", "opcc_admin", "caseworker"])
def test_nobody_but_the_providers_manager_submits(world, due_return, role) -> None:
    monitoring_return, line = due_return
    with pytest.raises(PermissionDenied):
        _submit(monitoring_return, line, world.member(role))
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == Status.DUE


@pytest.mark.parametrize("role", ["provider_manager", "board_member"])
def test_only_opcc_staff_review(world, due_return, role) -> None:
    monitoring_return, line = due_return
    submitted = _submit(monitoring_return, line, world.member("provider_manager"))
    with pytest.raises(PermissionDenied):
        monitoring_return_accept(monitoring_return=submitted, by=world.member(role))


def test_late_is_worked_out_around_the_due_date(world, due_return) -> None:
    """Due 30 July 2021: on the 29th it is due, on the 30th due today, on the 31st late by a day;
    once submitted it is no longer late; sent back after the due date it is late again."""
    monitoring_return, line = due_return
    assert not is_late(monitoring_return, today=date(2021, 7, 30))
    assert return_state(monitoring_return, today=date(2021, 7, 29)) == "Due 30 July 2021"
    assert return_state(monitoring_return, today=date(2021, 7, 30)) == "Due today (30 July 2021)"
    assert is_late(monitoring_return, today=date(2021, 7, 31))
    assert return_state(monitoring_return, today=date(2021, 7, 31)) == "Late: was due 30 July 2021, 1 day ago"
    assert (
        return_state(monitoring_return, today=date(2021, 8, 9)) == "Late: was due 30 July 2021, 10 days ago"
    )
    late_list = monitoring_return_list(user=world.member("opcc_admin"), late="late", today=date(2021, 7, 31))
    assert list(late_list) == [monitoring_return]
    assert not monitoring_return_list(
        user=world.member("opcc_admin"), late="late", today=date(2021, 7, 30)
    ).exists()

    submitted_at = timezone.make_aware(datetime(2021, 8, 2, 10))
    submitted = _submit(monitoring_return, line, world.member("provider_manager"), now=submitted_at)
    assert not is_late(submitted, today=date(2021, 8, 9))
    assert return_state(submitted, today=date(2021, 8, 9)) == (
        "Submitted on 2 August 2021 (after the due date); awaiting review"
    )
    sent_back = monitoring_return_request_changes(
        monitoring_return=submitted, comments="Fix", by=world.member("opcc_admin")
    )
    assert is_late(sent_back, today=date(2021, 8, 9))
    assert return_state(sent_back, today=date(2021, 8, 9)).startswith(
        "Changes requested; Late: was due 30 July 2021"
    )


def test_a_provider_lists_only_its_own_returns(world, due_return) -> None:
    monitoring_return, _ = due_return
    other_award = make_award(organisation=world.other_provider)
    other = make_return(other_award, start=date(2021, 4, 1), end=date(2021, 6, 30))
    assert list(monitoring_return_list(user=world.member("provider_manager"))) == [monitoring_return]
    assert list(monitoring_return_list(user=world.member("provider_manager_other"))) == [other]
    assert set(monitoring_return_list(user=world.member("opcc_analyst"))) == {monitoring_return, other}
    assert not monitoring_return_list(user=world.member("caseworker")).exists()


def test_outputs_are_prefilled_from_the_providers_cases(world) -> None:
    """Home Service, Q1 2021/22: three referrals received (10 April, 20 May, 1 June), two with
    contact made by the deadline, one late; two cases opened, one of them closed in May:
    referrals 3, first contact on time 2, cases opened 2, closed 1, open at the end 1."""
    from waymark.cases.models import Case
    from waymark.returns.tests.factories import make_case, make_contact, make_referral, staff_user

    staff = staff_user()
    first = make_referral(service=world.service, received=date(2021, 4, 10))
    make_contact(first, date(2021, 4, 11), staff)
    second = make_referral(service=world.service, received=date(2021, 5, 20))
    make_contact(second, date(2021, 5, 21), staff)
    third = make_referral(service=world.service, received=date(2021, 6, 1))
    make_contact(third, date(2021, 6, 10), staff)
    make_case(first, opened=date(2021, 4, 12))
    make_case(
        second,
        opened=date(2021, 5, 22),
        status=Case.Status.CLOSED,
        closed=date(2021, 5, 30),
        closure_reason=Case.ClosureReason.values[0],
    )
    award = make_award(organisation=world.provider)
    monitoring_return = make_return(award, start=date(2021, 4, 1), end=date(2021, 6, 30))
    prefill = output_prefill(monitoring_return=monitoring_return, user=world.member("provider_manager"))
    assert prefill == {
        "referrals_received": 3,
        "first_contact_on_time": 2,
        "cases_opened": 2,
        "cases_closed": 1,
        "cases_open_at_end": 1,
    }
    no_cases = make_return(
        make_award(organisation=world.other_provider), start=date(2021, 4, 1), end=date(2021, 6, 30)
    )
    assert output_prefill(monitoring_return=no_cases, user=world.member("provider_manager_other")) is None


def test_budget_lines_of_other_years_are_not_asked_for(world) -> None:
    """A Q4 2021/22 return asks for 2021/22 lines only."""
    source = make_source(cadence=FundingSource.Cadence.QUARTERLY)
    award = make_award(
        organisation=world.provider, end=date(2023, 3, 31), lines=[(source, "2021/22", "2.00")]
    )
    this_year = make_budget_line(award, year="2021/22")
    make_budget_line(award, year="2022/23")
    monitoring_return = make_return(award, start=date(2022, 1, 1), end=date(2022, 3, 31))
    from waymark.funding.returns import return_budget_lines

    assert return_budget_lines(monitoring_return) == [this_year]
    assert AwardFunding.objects.count() == 1
