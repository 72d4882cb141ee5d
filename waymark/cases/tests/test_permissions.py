"""Permission matrices for every case page and endpoint: 404 outside scope, no rows for the OPCC."""

from __future__ import annotations

import pytest

from waymark.accounts.models import Team
from waymark.accounts.roles import Role
from waymark.api.services import api_token_create
from waymark.cases.models import DisclosureRequest
from waymark.core.testing.factories import make_member
from waymark.core.testing.matrix import permission_matrix

pytestmark = pytest.mark.django_db

NO_CASEWORK = (
    "opcc_admin",
    "opcc_analyst",
    "board_member",
    "force_code_lead",
    "auditor",
    "auditor_other",
    "opcc_auditor",
    "no_membership",
)
OUTSIDE = {"provider_manager_other": 404, "caseworker_other": 404, "partner_caseworker": 404}
CASE_PAGE = {"caseworker": 200, "provider_manager": 200, "anonymous": 302, **OUTSIDE}

CASE_PAGES = [
    "",
    "allocate/",
    "status/",
    "tier/",
    "needs/",
    "goals/add/",
    "safety-plan/",
    "activities/add/",
    "consents/add/",
    "onward/add/",
    "hate-crime/",
    "disclosures/add/",
]


@pytest.mark.parametrize("suffix", CASE_PAGES)
@permission_matrix(CASE_PAGE, default=403)
def test_case_pages(client, world, login_as, case, suffix, role, expected):
    login_as(role)
    assert client.get(f"{case.get_absolute_url()}{suffix}").status_code == expected


@permission_matrix({"provider_manager": 200, "anonymous": 302, **OUTSIDE}, default=403)
def test_closure_decision_page(client, world, login_as, case, role, expected):
    login_as(role)
    assert client.get(f"{case.get_absolute_url()}closure-decision/").status_code == expected


@permission_matrix({"provider_manager": 200, "anonymous": 302, **OUTSIDE}, default=403)
def test_link_victim_page(client, world, login_as, case, role, expected):
    login_as(role)
    assert client.get(f"{case.get_absolute_url()}link-victim-case/").status_code == expected


@pytest.mark.parametrize("path", ["/cases/", "/cases/team/"])
@permission_matrix(
    {"caseworker": 200, "provider_manager": 200, "anonymous": 302, **dict.fromkeys(OUTSIDE, 200)},
    default=403,
)
def test_lists_show_only_cases_in_scope(client, world, login_as, case, other_case, path, role, expected):
    case.owner = world.person(role) if role == "provider_manager" else case.owner
    case.save()
    login_as(role)
    response = client.get(path, {"status": "all"})
    assert response.status_code == expected
    body = response.content.decode()
    if role in ("caseworker", "provider_manager"):
        assert case.reference in body
    else:
        assert case.reference not in body
    assert other_case.reference not in body or role in ("provider_manager_other", "caseworker_other")


@pytest.mark.parametrize("path", ["/cases/closures/", "/cases/overdue-first-contacts/", "/cases/incoming/"])
@permission_matrix(
    {
        "provider_manager": 200,
        "provider_manager_other": 200,
        "anonymous": 302,
        "caseworker": 403,
        "caseworker_other": 403,
        "partner_caseworker": 403,
    },
    default=403,
)
def test_manager_lists(client, world, login_as, path, role, expected):
    login_as(role)
    status = client.get(path).status_code
    if path == "/cases/incoming/" and role in ("caseworker", "caseworker_other", "partner_caseworker"):
        assert status == 200  # incoming is open to casework roles; it lists only what they manage
    else:
        assert status == expected


@pytest.mark.parametrize("path", ["/cases/risk-reviews-due/", "/cases/marac-referrals-due/"])
def test_risk_lists_are_hidden_without_the_risk_app_lists(client, world, login_as, path):
    from waymark.cases.selectors import risk_lists_available

    login_as("provider_manager")
    name = "risk_reviews" if "risk" in path else "marac"
    expected = 200 if risk_lists_available()[name] else 404
    assert client.get(path).status_code == expected


def test_a_caseworker_outside_the_team_sees_nothing(client, world, case):
    # Another team of the same provider, working for a different service.
    from waymark.core.testing.factories import ServiceFactory

    isva = ServiceFactory.create(organisation=world.provider, name="ISVA", type="isva")
    team = Team.objects.create(organisation=world.provider, service=isva, name="ISVA Team")
    outsider = make_member(role=Role.CASEWORKER, organisation=world.provider, teams=[team])
    client.force_login(outsider)
    assert client.get(case.get_absolute_url()).status_code == 404
    assert case.reference not in client.get("/cases/team/", {"status": "all"}).content.decode()
    assert client.get(f"/api/v1/cases/{case.public_id}").status_code == 404
    assert client.get("/api/v1/cases", {"status": "all"}).json()["count"] == 0


# --- API ------------------------------------------------------------------------------------

API_CASE = {"caseworker": 200, "provider_manager": 200, "anonymous": 401, "no_membership": 403}


@permission_matrix(API_CASE, default=404)
def test_api_case_detail(client, world, login_as, case, role, expected):
    login_as(role)
    assert client.get(f"/api/v1/cases/{case.public_id}").status_code == expected


@permission_matrix(API_CASE, default=200)
def test_api_case_list_holds_only_cases_in_scope(client, world, login_as, case, other_case, role, expected):
    login_as(role)
    response = client.get("/api/v1/cases", {"status": "all"})
    assert response.status_code == expected
    if expected != 200:
        return
    references = {c["reference"] for c in response.json()["items"]}
    if role in ("caseworker", "provider_manager"):
        assert references == {case.reference}
    elif role in ("caseworker_other", "provider_manager_other"):
        assert references == {other_case.reference}
    else:
        assert references == set()  # OPCC, board, force, auditors, partners: no case rows


def _token(world, organisation, scopes=("read",)):
    by = world.member("provider_manager") if organisation == world.provider else world.member("opcc_admin")
    return api_token_create(
        by=by, organisation=organisation, name="feed", scopes=list(scopes), expires_at=None
    )[1]


def test_a_provider_token_reads_its_organisations_cases(client, world, case, other_case):
    secret = _token(world, world.provider)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    body = client.get("/api/v1/cases", {"status": "all"}, **auth).json()
    assert [c["reference"] for c in body["items"]] == [case.reference]
    assert client.get(f"/api/v1/cases/{case.public_id}", **auth).status_code == 200
    assert client.get(f"/api/v1/cases/{other_case.public_id}", **auth).status_code == 404


@pytest.mark.parametrize("org", ["opcc", "force", "partner"])
def test_opcc_force_and_partner_tokens_see_no_cases(client, world, case, org):
    secret = _token(world, getattr(world, org))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/cases", {"status": "all"}, **auth).json() == {"items": [], "count": 0}
    assert client.get(f"/api/v1/cases/{case.public_id}", **auth).status_code == 404


def test_a_token_without_read_scope_is_refused(client, world, case):
    secret = _token(world, world.provider, scopes=("referrals:write",))
    response = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403


def test_the_api_never_returns_names(client, world, login_as, case):
    login_as("caseworker")
    body = client.get(f"/api/v1/cases/{case.public_id}").content.decode()
    assert "Alex Example" not in body
    assert case.person.code in body


# --- disclosure register ----------------------------------------------------------------------


@pytest.fixture
def disclosure(world, case):
    from waymark.cases.services import disclosure_request_create

    return disclosure_request_create(
        case=case,
        by=world.member("caseworker"),
        requester_type="police",
        requester_name="DC Smith",
        legal_basis="PCSCA 2022 s.44A",
        scope_requested="Notes from March",
        is_counselling_information=True,
    )


REGISTER_VIEWERS = {"caseworker": 200, "provider_manager": 200, "auditor": 200, "anonymous": 302}


@permission_matrix({**REGISTER_VIEWERS, **OUTSIDE, "auditor_other": 404, "opcc_auditor": 404}, default=403)
def test_disclosure_detail(client, world, login_as, disclosure, role, expected):
    login_as(role)
    assert client.get(disclosure.get_absolute_url()).status_code == expected


@permission_matrix(
    {
        "provider_manager": 200,
        "auditor": 200,
        "caseworker": 403,
        "anonymous": 302,
        **OUTSIDE,
        "auditor_other": 404,
        "opcc_auditor": 404,
    },
    default=403,
)
def test_disclosure_decide_page(client, world, login_as, disclosure, role, expected):
    login_as(role)
    assert client.get(f"{disclosure.get_absolute_url()}decide/").status_code == expected


def test_the_register_lists_only_the_organisations_requests(client, world, login_as, disclosure):
    login_as("auditor_other")
    assert "DC Smith" not in client.get("/cases/disclosures/").content.decode()
    client.logout()
    login_as("auditor")
    assert "DC Smith" in client.get("/cases/disclosures/").content.decode()
    assert DisclosureRequest.objects.visible_to(world.member("opcc_analyst")).count() == 0
