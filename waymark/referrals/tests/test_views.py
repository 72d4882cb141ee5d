"""Staff pages: permission matrices, access log on every read, safe contact shown first."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from waymark.audit.models import AccessLog
from waymark.core.testing.factories import ServiceFactory, TeamFactory, make_member
from waymark.core.testing.forms import date_parts
from waymark.core.testing.matrix import permission_matrix
from waymark.referrals.models import ContactAttempt, OutreachEvent, Referral
from waymark.referrals.selectors import home_panels_for_user

from .factories import make_contact_method, make_person, make_referral

LIST = reverse("referrals:list")


@permission_matrix(
    {
        "caseworker": 200,
        "provider_manager": 200,
        "caseworker_other": 200,
        "provider_manager_other": 200,
        "partner_caseworker": 200,
        "anonymous": 302,
    },
    default=403,
)
def test_list_page(client, world, login_as, referral, role, expected):
    login_as(role)
    response = client.get(LIST)
    assert response.status_code == expected
    if expected == 200:
        shown = referral.reference in response.content.decode()
        assert shown == (role in ("caseworker", "provider_manager"))


@permission_matrix(
    {
        "caseworker": 200,
        "provider_manager": 200,
        "anonymous": 302,
        "caseworker_other": 404,
        "provider_manager_other": 404,
        "partner_caseworker": 404,
    },
    default=403,
)
def test_detail_page(client, world, login_as, referral, role, expected):
    login_as(role)
    assert client.get(referral.get_absolute_url()).status_code == expected


@permission_matrix(
    {
        "caseworker": 200,
        "provider_manager": 200,
        "anonymous": 302,
        "caseworker_other": 404,
        "provider_manager_other": 404,
        "partner_caseworker": 404,
    },
    default=403,
)
def test_contact_page(client, world, login_as, referral, role, expected):
    login_as(role)
    assert (
        client.get(reverse("referrals:contact", kwargs={"public_id": referral.public_id})).status_code
        == expected
    )


@permission_matrix(
    {
        "caseworker": 200,
        "provider_manager": 200,
        "anonymous": 302,
        "caseworker_other": 404,
        "provider_manager_other": 404,
        "partner_caseworker": 404,
    },
    default=403,
)
def test_triage_page(client, world, login_as, referral, role, expected):
    login_as(role)
    assert (
        client.get(reverse("referrals:triage", kwargs={"public_id": referral.public_id})).status_code
        == expected
    )


@permission_matrix(
    {
        "caseworker": 200,
        "provider_manager": 200,
        "caseworker_other": 200,
        "provider_manager_other": 200,
        "partner_caseworker": 200,
        "anonymous": 302,
    },
    default=403,
)
def test_create_page(client, world, login_as, role, expected):
    login_as(role)
    assert client.get(reverse("referrals:create")).status_code == expected


@permission_matrix(
    {
        "caseworker": 200,
        "provider_manager": 200,
        "caseworker_other": 200,
        "provider_manager_other": 200,
        "anonymous": 302,
    },
    default=403,
)
def test_event_list_page(client, world, login_as, role, expected):
    login_as(role)
    assert client.get(reverse("referrals:event_list")).status_code == expected


def test_caseworker_of_another_service_of_the_same_provider_sees_nothing(client, world, referral):
    second = ServiceFactory.create(organisation=world.provider, name="Second Service")
    team = TeamFactory.create(organisation=world.provider, service=second, name="Second Team")
    elsewhere = make_member(role="caseworker", organisation=world.provider, teams=[team])
    client.force_login(elsewhere)
    assert client.get(referral.get_absolute_url()).status_code == 404
    assert referral.reference not in client.get(LIST).content.decode()


def test_referrer_sees_status_only(client, world, login_as):
    referral = make_referral(
        service=world.service, referrer_organisation=world.partner, route="agency", source="partner_form"
    )
    make_contact_method(person=referral.person, safe_to_call=True, code_word="Secretword")
    login_as("partner_caseworker")
    page = client.get(referral.get_absolute_url()).content.decode()
    assert referral.reference in page
    assert "Received" in page
    assert "Secretword" not in page
    assert "07700" not in page
    assert referral.person.full_name not in page
    assert (
        client.get(reverse("referrals:contact", kwargs={"public_id": referral.public_id})).status_code == 404
    )


def test_detail_is_logged_and_shows_safe_contact_first(client, world, login_as, referral):
    user = login_as("caseworker")
    page = client.get(referral.get_absolute_url()).content.decode()
    assert AccessLog.objects.about(referral).filter(action="view", actor=user).exists()
    before = page.index("Before you contact")
    assert before < page.index("Record a contact attempt")
    assert before < page.index("The referral")
    assert "Bluebell" in page
    assert "Weekdays 10 to 2" in page


def test_list_is_logged(client, world, login_as, referral):
    user = login_as("caseworker")
    client.get(LIST)
    assert AccessLog.objects.about(referral).filter(action="list", actor=user).exists()


def test_contact_page_shows_summary_before_form(client, world, login_as, referral):
    login_as("caseworker")
    page = client.get(reverse("referrals:contact", kwargs={"public_id": referral.public_id})).content.decode()
    assert page.index("Before you contact") < page.index('id="main-form"')
    assert '<form method="post" novalidate id="main-form" autocomplete="off">' in page  # nothing remembered
    assert "Bluebell" in page
    assert "Voicemail, Text message" in page


def test_unsafe_contact_through_the_page_is_refused_with_a_clear_message(client, world, login_as, referral):
    login_as("caseworker")
    method = referral.person.contact_methods.get()
    response = client.post(
        reverse("referrals:contact", kwargs={"public_id": referral.public_id}),
        {
            "contact_method": str(method.public_id),
            "channel": "text",
            "outcome": "message_left",
            **date_parts("at", timezone.localtime()),
        },
    )
    assert response.status_code == 400
    assert (
        "This number is not marked safe for text messages: do not send a text." in response.content.decode()
    )
    assert not ContactAttempt.objects.exists()


def test_contact_then_accept_through_the_pages(client, world, login_as, referral):
    login_as("caseworker")
    method = referral.person.contact_methods.get()
    response = client.post(
        reverse("referrals:contact", kwargs={"public_id": referral.public_id}),
        {
            "contact_method": str(method.public_id),
            "channel": "call",
            "outcome": "contact_made",
            **date_parts("at", timezone.localtime()),
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("referrals:triage", kwargs={"public_id": referral.public_id}),
        {"outcome": "accepted", "owner": "", "team": str(world.team.public_id)},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert referral.case.team == world.team


def test_invalid_transition_through_the_page_is_400(client, world, login_as, referral):
    login_as("caseworker")
    response = client.post(
        reverse("referrals:triage", kwargs={"public_id": referral.public_id}), {"outcome": "declined"}
    )
    assert response.status_code == 400
    assert "record a contact attempt first" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "received"


def test_overdue_first_contact_is_first_and_highlighted(client, world, login_as):
    recent = make_referral(service=world.service)
    old = make_referral(service=world.service, days_ago=10)
    login_as("caseworker")
    page = client.get(LIST).content.decode()
    assert page.index(old.reference) < page.index(recent.reference)
    assert "Overdue" in page


def test_list_filters_by_status(client, world, login_as, referral):
    declined = make_referral(service=world.service, status=Referral.Status.DECLINED)
    login_as("caseworker")
    page = client.get(LIST, {"status": "declined"}).content.decode()
    assert declined.reference in page
    assert referral.reference not in page


def test_duplicate_notice_differs_for_caseworker_and_manager(client, world, login_as):
    known = make_person(service=world.service, full_name="Same Person", date_of_birth=date(1970, 1, 1))
    earlier = make_referral(service=world.service, person=known)
    dup = make_referral(
        service=world.service,
        person=make_person(service=world.service, full_name="Same Person", date_of_birth=date(1970, 1, 1)),
        possible_duplicate=True,
    )
    login_as("caseworker")
    page = client.get(dup.get_absolute_url()).content.decode()
    assert "A possible match exists: ask a manager." in page
    assert earlier.reference not in page
    client.logout()
    login_as("provider_manager")
    page = client.get(dup.get_absolute_url()).content.decode()
    assert earlier.reference in page
    client.post(reverse("referrals:duplicate_review", kwargs={"public_id": dup.public_id}))
    dup.refresh_from_db()
    assert dup.duplicate_reviewed_by == world.member("provider_manager")


def test_caseworker_cannot_mark_duplicate_reviewed(client, world, login_as, referral):
    referral.possible_duplicate = True
    referral.save()
    login_as("caseworker")
    client.post(reverse("referrals:duplicate_review", kwargs={"public_id": referral.public_id}))
    referral.refresh_from_db()
    assert referral.duplicate_reviewed_by is None


def _referral_form(world, **overrides):
    data = {
        "service": str(world.service.public_id),
        "full_name": "Fakey Partnerref",
        "age_band": "not_known",
        "sex": "not_known",
        "consent": "given",
        "reason": "Needs support",
        "phone": "07700 900003",
        "phone_kind": "mobile",
        "phone_safe_to_call": "on",
    }
    data.update(overrides)
    return data


def test_partner_referral_form(client, world, login_as):
    login_as("partner_caseworker")
    response = client.post(reverse("referrals:create"), _referral_form(world))
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.source == "partner_form"
    assert referral.referrer_organisation == world.partner
    assert referral.person.contact_methods.get().safe_to_call


def test_partner_referral_without_consent_changes_nothing(client, world, login_as):
    login_as("partner_caseworker")
    response = client.post(reverse("referrals:create"), _referral_form(world, consent="not_known"))
    assert response.status_code == 400
    assert "has not consented" in response.content.decode()
    assert not Referral.objects.exists()


def test_staff_entered_referral(client, world, login_as):
    login_as("caseworker")
    response = client.post(reverse("referrals:create"), _referral_form(world))
    assert response.status_code == 302
    assert Referral.objects.get().source == "staff_entered"


def test_referral_form_asks_for_the_date_of_birth_in_three_boxes(client, world, login_as):
    """A GOV.UK date input; the date is saved. The boxes do not ask the browser to fill a birthday:
    the date is someone else's, and the page asks the browser to remember nothing typed."""
    login_as("caseworker")
    page = client.get(reverse("referrals:create")).content.decode()
    assert '<form method="post" novalidate id="main-form" autocomplete="off">' in page
    for part in ("day", "month", "year"):
        assert f'name="date_of_birth-{part}" type="text" value="" inputmode="numeric"' in page
    assert "For example, 27 3 1980" in page
    data = _referral_form(world) | date_parts("date_of_birth", "1985-03-27")
    assert client.post(reverse("referrals:create"), data).status_code == 302
    assert Referral.objects.get().person.date_of_birth == "1985-03-27"  # stored as an ISO date, encrypted


@pytest.mark.parametrize(
    ("boxes", "message", "box"),
    [
        ({"day": "31", "month": "2", "year": "1985"}, "Date of birth must be a real date", "day"),
        (
            {"day": "27", "month": "3", "year": "85"},
            "The year of the date of birth must include 4 numbers",
            "year",
        ),
    ],
)
def test_a_wrong_date_of_birth_is_refused_on_the_page(client, world, login_as, boxes, message, box):
    """400 with the Design System's message, linked to the box to put right; nothing saved."""
    login_as("caseworker")
    typed = {f"date_of_birth-{part}": value for part, value in boxes.items()}
    response = client.post(reverse("referrals:create"), _referral_form(world) | typed)
    assert response.status_code == 400
    assert f'<a href="#id_date_of_birth-{box}">{message}</a>' in response.content.decode()
    assert not Referral.objects.exists()


def test_an_event_without_a_date_is_refused_on_the_page(client, world, login_as):
    login_as("caseworker")
    response = client.post(
        reverse("referrals:event_create"),
        {
            "service": str(world.service.public_id),
            "name": "Fake FC v Test United",
            "kind": "football_match",
            **date_parts("held_on", ""),
            "people_supported": "0",
        },
    )
    assert response.status_code == 400
    assert '<a href="#id_held_on-day">Enter the date of the event</a>' in response.content.decode()
    assert not OutreachEvent.objects.exists()


def test_staff_cannot_enter_for_another_providers_service(client, world, login_as):
    login_as("caseworker")
    response = client.post(
        reverse("referrals:create"), _referral_form(world, service=str(world.other_service.public_id))
    )
    assert response.status_code == 400
    assert not Referral.objects.exists()


def test_outreach_event_flow(client, world, login_as):
    login_as("caseworker")
    response = client.post(
        reverse("referrals:event_create"),
        {
            "service": str(world.service.public_id),
            "name": "Fake FC v Test United",
            "kind": "football_match",
            "venue": "Example Park",
            **date_parts("held_on", "2026-03-21"),
            "people_supported": "7",
        },
    )
    assert response.status_code == 302
    event = OutreachEvent.objects.get()
    assert event.held_on == date(2026, 3, 21)
    response = client.post(
        reverse("referrals:event_referral_create", kwargs={"public_id": event.public_id}),
        {
            "full_name": "Fakey Fan",
            **date_parts("date_of_birth", "1990-05-06"),
            "consent": "given",
            "reason": "Abuse at the match",
            "phone": "07700 900004",
            "phone_kind": "mobile",
            "phone_safe_text": "on",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.outreach_event == event
    assert referral.person.date_of_birth == "1990-05-06"
    assert referral.source == "self_outreach"
    assert referral.route == "self"
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'id="people-supported">7<' in page
    assert 'id="referral-count">1<' in page
    client.post(event.get_absolute_url(), {"people_supported": "9"})
    event.refresh_from_db()
    assert event.people_supported == 9


def test_other_provider_cannot_see_event(client, world, login_as):
    from waymark.referrals.services import outreach_event_create

    event = outreach_event_create(
        by=world.member("caseworker"),
        service=world.service,
        name="Match",
        kind="football_match",
        venue="",
        held_on=date(2026, 3, 1),
        people_supported=1,
    )
    login_as("caseworker_other")
    assert client.get(event.get_absolute_url()).status_code == 404
    assert (
        client.get(
            reverse("referrals:event_referral_create", kwargs={"public_id": event.public_id})
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["opcc_admin", "opcc_analyst", "board_member", "force_code_lead", "auditor"])
def test_home_panel_is_only_for_casework_staff(world, referral, role):
    assert home_panels_for_user(user=world.member(role)) == []


def test_home_panel_counts(world):
    make_referral(service=world.service)
    make_referral(service=world.service, days_ago=10)
    make_referral(service=world.other_service, days_ago=10)
    [panel] = home_panels_for_user(user=world.member("caseworker"))
    assert panel.rows == [("Referrals waiting", "2"), ("First contact overdue", "1")]
