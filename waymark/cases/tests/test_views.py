"""Case pages end to end: forms save through services, bad input is 400 and changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from waymark.accounts.models import Service
from waymark.cases.models import Case, ConsentRecord, NeedsDomain, SupportActivity
from waymark.core.testing.forms import date_parts

from .factories import make_case

pytestmark = pytest.mark.django_db


def test_a_caseworker_runs_a_case_through_the_pages(client, world, login_as, case):
    login_as("caseworker")
    url = case.get_absolute_url()
    assert client.post(f"{url}status/", {"to": "assessment"}).status_code == 302
    levels = {f"level_{d.key}": "medium" for d in NeedsDomain.objects.filter(is_active=True)}
    assert client.post(f"{url}needs/", levels).status_code == 302
    assert client.post(f"{url}status/", {"to": "active_support"}).status_code == 302
    assert client.post(f"{url}tier/", {"support_tier": "long_term"}).status_code == 302
    assert client.post(f"{url}goals/add/", {"description": "Feel safe at home"}).status_code == 302
    when = date_parts("at", timezone.localtime() - timedelta(hours=1))
    assert (
        client.post(f"{url}activities/add/", {"kind": "advocacy", **when, "text": "Housing"}).status_code
        == 302
    )
    assert (
        client.post(
            f"{url}consents/add/",
            {"purpose": "share_with_agency", "given": "yes", "obtained_from": "person", **when},
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{url}safety-plan/",
            {"needed": "on", "components": ["escape_plan"], **date_parts("review_due", "2099-01-01")},
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{url}hate-crime/",
            {"strands": ["disability"], "crime_or_incident": "crime", "perceived_by": "victim"},
        ).status_code
        == 302
    )
    assert client.post(f"{url}close/", {"closure_reason": "goals_met"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSURE_REQUESTED
    assert case.support_tier == "long_term"
    assert SupportActivity.objects.get(case=case).text == "Housing"
    assert ConsentRecord.objects.filter(case=case, given=True).exists()
    page = client.get(url).content.decode()
    assert "Feel safe at home" in page
    assert "Disability" in page
    client.logout()
    login_as("provider_manager")
    assert client.post(f"{url}closure-decision/", {"decision": "approve"}).status_code == 302
    assert Case.objects.get(pk=case.pk).status == Case.Status.CLOSED


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        ("status/", {"to": "closed"}),
        ("status/", {}),
        ("needs/", {}),
        ("activities/add/", {"kind": "call", **date_parts("at", "2024-01-01"), "at-time": "not a time"}),
        ("activities/add/", {"kind": "call", **date_parts("at", "2099-01-01 10:00")}),
        (
            "consents/add/",
            {
                "purpose": "nonsense",
                "given": "yes",
                "obtained_from": "person",
                **date_parts("at", "2024-01-01 10:00"),
            },
        ),
        ("goals/add/", {"description": ""}),
        ("hate-crime/", {"crime_or_incident": "crime", "perceived_by": "victim"}),
        ("close/", {"closure_reason": ""}),
        ("onward/add/", {"kind": "transfer", "basis": "safeguarding", "to_external": "Elsewhere"}),
        ("disclosures/add/", {"requester_type": "police"}),
        ("allocate/", {}),
    ],
)
def test_bad_input_is_400_with_an_error_summary_and_changes_nothing(
    client, world, login_as, case, suffix, data
):
    login_as("caseworker")
    before = Case.history.count()
    response = client.post(f"{case.get_absolute_url()}{suffix}", data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert Case.history.count() == before
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN_ALLOCATED


@pytest.mark.parametrize(
    ("suffix", "data", "link", "message"),
    [
        (
            "goals/add/",
            {"description": "Feel safe", **date_parts("target_date", "2099-01-01"), "target_date-day": "32"},
            "target_date-day",
            "Target date must be a real date",
        ),
        (
            "safety-plan/",
            {"needed": "on", **date_parts("review_due", "2099-01-01"), "review_due-year": "99"},
            "review_due-year",
            "The year of the date of the next review must include 4 numbers",
        ),
        (
            "safety-plan/",
            {"needed": "on", **date_parts("review_due", "2099-01-01"), "review_due-month": ""},
            "review_due-month",
            "Date of the next review must include a month",
        ),
        (
            "activities/add/",
            {"kind": "call", **date_parts("at", "2024-01-01")},
            "at-time",
            "Date and time of the activity must include a time",
        ),
        (
            "activities/add/",
            {"kind": "call", **date_parts("at", "2024-01-01 10:00"), "at-time": "25:00"},
            "at-time",
            "Date and time of the activity must be a real time, like 9:30am or 14:15",
        ),
    ],
)
def test_a_wrong_date_is_400_linked_to_its_box_and_saves_nothing(
    client, world, login_as, case, suffix, data, link, message
):
    login_as("caseworker")
    response = client.post(f"{case.get_absolute_url()}{suffix}", data)
    assert response.status_code == 400
    assert f'<a href="#id_{link}">{message}</a>' in response.content.decode()
    assert not case.goals.exists()
    assert not Case.objects.filter(pk=case.pk, safety_plan__isnull=False).exists()
    assert not SupportActivity.objects.filter(case=case).exists()


def test_an_activity_is_dated_and_timed_in_four_boxes(client, world, login_as, case):
    """The date input's boxes and a time box; the time written as people write one."""
    login_as("caseworker")
    url = case.get_absolute_url()
    page = client.get(f"{url}activities/add/").content.decode()
    assert 'name="at-time" type="text" value="" inputmode="text"' in page
    data = {"kind": "call", **date_parts("at", "2024-01-02"), "at-time": "2:15pm", "text": "Called"}
    assert client.post(f"{url}activities/add/", data).status_code == 302
    activity = SupportActivity.objects.get(case=case)
    assert timezone.localtime(activity.at).strftime("%Y-%m-%d %H:%M") == "2024-01-02 14:15"


def test_a_safety_plan_saved_untouched_keeps_its_times_to_the_second(client, world, login_as, case):
    """The boxes show a stored time to the minute; sent back as they were, the time is kept."""
    from waymark.cases.models import SafetyPlan

    login_as("caseworker")
    url = case.get_absolute_url()
    stored = datetime(2024, 7, 2, 9, 30, 45, tzinfo=UTC)
    data = {"needed": "on", **date_parts("completed_at", stored), **date_parts("reviewed_at", stored)}
    assert client.post(f"{url}safety-plan/", data).status_code == 302
    SafetyPlan.objects.filter(case=case).update(completed_at=stored, reviewed_at=stored)
    assert data["completed_at-time"] == "10:30"  # shown in British Summer Time
    assert client.post(f"{url}safety-plan/", data | {"reviewed_at-time": "11:00"}).status_code == 302
    plan = SafetyPlan.objects.get(case=case)
    assert plan.completed_at == stored
    assert plan.reviewed_at == datetime(2024, 7, 2, 10, 0, tzinfo=UTC)


def test_goal_and_safety_plan_dates_are_typed_in_three_boxes(client, world, login_as, case):
    login_as("caseworker")
    url = case.get_absolute_url()
    data = {"description": "Feel safe at home", **date_parts("target_date", "2027-03-14")}
    assert client.post(f"{url}goals/add/", data).status_code == 302
    assert case.goals.get().target_date == date(2027, 3, 14)
    review = timezone.localdate() + timedelta(days=28)
    assert (
        client.post(f"{url}safety-plan/", {"needed": "on", **date_parts("review_due", review)}).status_code
        == 302
    )
    # The plan's review date comes back in its boxes, with the hint's example.
    page = client.get(f"{url}safety-plan/").content.decode()
    for part, value in date_parts("review_due", review).items():
        assert f'id="id_{part}" name="{part}" type="text" value="{value}"' in page
    assert "For example, 14 3 2027" in page


def test_a_caseworker_cannot_approve_closure_on_the_page(client, world, login_as, active_case):
    from waymark.cases.services import case_request_closure

    case_request_closure(case=active_case, by=world.member("caseworker"), closure_reason="goals_met")
    login_as("caseworker")
    assert (
        client.post(f"{active_case.get_absolute_url()}closure-decision/", {"decision": "approve"}).status_code
        == 403
    )


def test_pseudonymous_lists_show_the_case_code_not_the_name(client, world, login_as):
    Service.objects.filter(pk=world.service.pk).update(pseudonymous_lists=True)
    case = make_case(service=world.service, team=world.team, full_name="Sam Secret")
    login_as("caseworker")
    body = client.get("/cases/team/").content.decode()
    assert case.reference in body
    assert "Sam Secret" not in body


def test_lists_show_names_when_the_service_does_not_ask_for_pseudonyms(client, world, login_as):
    make_case(service=world.service, team=world.team, full_name="Nina Named")
    login_as("caseworker")
    assert "Nina Named" in client.get("/cases/team/").content.decode()


def test_filters_sorting_and_pagination(client, world, login_as):
    # The queues page by keyset ("Next page" / "Previous page", no count of every case): the
    # caption names the sort instead of a count, and the links carry a cursor, not a page number.
    cases = [make_case(service=world.service, team=world.team) for _ in range(27)]
    Case.objects.filter(pk=cases[0].pk).update(status=Case.Status.ON_HOLD)
    login_as("caseworker")
    first = client.get("/cases/team/", {"sort": "reference"}).content.decode()
    assert "Cases, sorted by reference" in first
    assert "after=" in first
    assert "Previous" not in first
    refs = sorted(c.reference for c in cases)
    assert refs[0] in first
    assert refs[-1] not in first
    link = re.search(r'href="\?([^"]*after=[^"]*)"', first)
    assert link is not None
    after = link.group(1).replace("&amp;", "&")
    second = client.get(f"/cases/team/?{after}").content.decode()
    assert refs[-1] in second
    assert refs[0] not in second
    assert "before=" in second
    on_hold = client.get("/cases/team/", {"status": "on_hold"}).content.decode()
    assert on_hold.count("case page</span>") == 1
    assert cases[0].reference in on_hold
    assert "No cases." in client.get("/cases/team/", {"owner": "me"}).content.decode()
    assert "No cases." in client.get("/cases/team/", {"status": "closed"}).content.decode()


def test_overdue_first_contacts(client, world, login_as):
    yesterday = timezone.localdate() - timedelta(days=1)
    overdue = make_case(service=world.service, team=world.team, first_contact_due=yesterday)
    contacted = make_case(service=world.service, team=world.team, first_contact_due=yesterday)
    Case.objects.filter(pk=contacted.pk).update(first_contact_made_at=timezone.now())
    not_due = make_case(service=world.service, team=world.team)
    login_as("provider_manager")
    body = client.get("/cases/overdue-first-contacts/").content.decode()
    assert overdue.reference in body
    assert contacted.reference not in body
    assert not_due.reference not in body


def test_closures_awaiting_approval(client, world, login_as, active_case):
    from waymark.cases.services import case_request_closure

    case_request_closure(case=active_case, by=world.member("caseworker"), closure_reason="goals_met")
    login_as("provider_manager")
    assert active_case.reference in client.get("/cases/closures/").content.decode()
    client.logout()
    login_as("provider_manager_other")
    assert active_case.reference not in client.get("/cases/closures/").content.decode()


def test_list_queries_do_not_grow_with_rows(client, world, login_as, django_assert_max_num_queries):
    for _ in range(30):
        make_case(service=world.service, team=world.team, owner=world.member("caseworker"))
    login_as("caseworker")
    client.get("/cases/")  # warm the session and permission caches
    with django_assert_max_num_queries(20):
        assert client.get("/cases/team/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/api/v1/cases", {"limit": 30}).status_code == 200


def test_home_panel(world):
    from waymark.cases.selectors import home_panels_for_user

    make_case(service=world.service, team=world.team, owner=world.member("caseworker"))
    panels = home_panels_for_user(user=world.member("caseworker"))
    assert dict(panels[0].rows)["My open cases"] == "1"
    manager_rows = dict(home_panels_for_user(user=world.member("provider_manager"))[0].rows)
    assert "Closures awaiting approval" in manager_rows
    assert home_panels_for_user(user=world.member("opcc_analyst")) == []
