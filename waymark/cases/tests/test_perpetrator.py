"""Perpetrator programmes: staff see the linked victim's safety status, never the victim's details."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from waymark.accounts.models import Team
from waymark.accounts.roles import Role
from waymark.cases.selectors import victim_safety_status
from waymark.cases.services import case_link_victim_case, safety_plan_save
from waymark.core.testing.factories import ServiceFactory, make_member

from .factories import add_contact_method, make_case

pytestmark = pytest.mark.django_db

VICTIM_NAME = "Victoria Hidden-Name"
VICTIM_PHONE = "07700 900999"


@pytest.fixture
def setup(world):
    """A DVPP and a partner-support service at the home provider, each with its own team."""
    dvpp = ServiceFactory.create(organisation=world.provider, name="DVPP", type="perpetrator")
    partner_support = ServiceFactory.create(organisation=world.provider, name="Partner support", type="idva")
    dvpp_team = Team.objects.create(organisation=world.provider, service=dvpp, name="DVPP team")
    ps_team = Team.objects.create(organisation=world.provider, service=partner_support, name="PS team")
    programme_worker = make_member(role=Role.CASEWORKER, organisation=world.provider, teams=[dvpp_team])
    victim_case = make_case(service=partner_support, team=ps_team, full_name=VICTIM_NAME)
    add_contact_method(victim_case.person, value=VICTIM_PHONE)
    perpetrator_case = make_case(service=dvpp, team=dvpp_team, full_name="Percy Programme")
    manager = world.member("provider_manager")
    safety_plan_save(case=victim_case, by=manager, needed=True, components=["escape_plan"])
    case_link_victim_case(case=perpetrator_case, by=manager, victim_reference=victim_case.reference.lower())
    return programme_worker, victim_case, perpetrator_case


def test_the_status_selector_returns_no_personal_fields(setup):
    _, _victim_case, perpetrator_case = setup
    status = victim_safety_status(case=perpetrator_case)
    assert status is not None
    assert status.is_open
    assert status.has_safety_plan
    assert set(vars(status)) == {"is_open", "has_safety_plan", "safety_plan_review_due", "risk_level"}


def test_programme_staff_cannot_open_the_victims_case(client, setup):
    worker, victim_case, _ = setup
    client.force_login(worker)
    assert client.get(victim_case.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/cases/{victim_case.public_id}").status_code == 404


def test_the_perpetrator_case_page_and_api_never_show_the_victims_details(client, setup):
    worker, victim_case, perpetrator_case = setup
    client.force_login(worker)
    page = client.get(perpetrator_case.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Partner safety" in html
    assert "In place" in html
    api = client.get(f"/api/v1/cases/{perpetrator_case.public_id}")
    assert api.json()["victim_safety"]["has_safety_plan"] is True
    for body in (html, api.content.decode(), client.get("/cases/team/").content.decode()):
        assert VICTIM_NAME not in body
        assert VICTIM_PHONE not in body
        assert victim_case.person.code not in body
        assert victim_case.reference not in body


def test_even_a_manager_who_can_see_both_gets_only_the_status_on_the_perpetrator_page(client, world, setup):
    _, _victim_case, perpetrator_case = setup
    client.force_login(world.member("provider_manager"))
    html = client.get(perpetrator_case.get_absolute_url()).content.decode()
    assert VICTIM_NAME not in html
    assert VICTIM_PHONE not in html


def test_linking_needs_a_visible_non_perpetrator_case(world, setup):
    _, _, perpetrator_case = setup
    manager = world.member("provider_manager")
    other = make_case(service=world.other_service, team=world.other_team)
    with pytest.raises(ValidationError):
        case_link_victim_case(case=perpetrator_case, by=manager, victim_reference=other.reference)
    with pytest.raises(ValidationError):
        case_link_victim_case(case=perpetrator_case, by=manager, victim_reference=perpetrator_case.reference)
