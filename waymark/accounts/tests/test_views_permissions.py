"""Permission matrices for the accounts pages: who may use each, and who cannot see whom."""

import pytest

from waymark.core.testing.matrix import permission_matrix

pytestmark = pytest.mark.django_db

ADMIN_ONLY = {"opcc_admin": 200, "anonymous": 302}


@permission_matrix(ADMIN_ONLY, default=403)
def test_organisation_list(client, login_as, role, expected):
    """Only an OPCC admin manages organisations; anyone signed out is sent to sign in."""
    login_as(role)
    assert client.get("/organisations/").status_code == expected


@permission_matrix(ADMIN_ONLY, default=403)
def test_organisation_detail(client, world, login_as, role, expected):
    """An organisation's admin page, with its members, is for the OPCC admin only."""
    login_as(role)
    assert client.get(world.provider.get_absolute_url()).status_code == expected


@permission_matrix(ADMIN_ONLY, default=403)
def test_people_list(client, login_as, role, expected):
    """The list of everyone who can sign in is for the OPCC admin only."""
    login_as(role)
    assert client.get("/people/").status_code == expected


@permission_matrix({"no_membership": 403, "anonymous": 302}, default=200)
def test_directory(client, login_as, role, expected):
    """Every member may browse the service directory; a user with no role may not."""
    login_as(role)
    assert client.get("/directory/").status_code == expected


@permission_matrix(
    {
        "opcc_admin": 200,
        "caseworker": 200,  # themselves
        "provider_manager": 200,  # own organisation's staff
        "auditor": 200,
        "anonymous": 302,
    },
    default=404,
)
def test_person_detail_is_hidden_outside_their_organisation(client, world, login_as, role, expected):
    """A caseworker's record: their organisation's manager and auditor see it; others get 404."""
    person = world.person("caseworker")
    login_as(role)
    assert client.get(person.get_absolute_url()).status_code == expected


def test_other_providers_staff_are_not_listed_for_a_manager(world):
    """A provider manager's people selector returns their own staff only."""
    from waymark.accounts.selectors import user_list_for_user

    manager = world.person("provider_manager")
    ours = world.person("caseworker")
    theirs = world.person("caseworker_other")
    visible = set(user_list_for_user(user=manager))
    assert ours in visible
    assert theirs not in visible
    assert manager in visible


def test_home_page_differs_by_role(client, world, login_as):
    """Each role's home page shows the panel that suits it."""
    login_as("opcc_admin")
    assert "Organisations and people" in client.get("/").content.decode()
    client.logout()
    login_as("caseworker")
    page = client.get("/").content.decode()
    assert "Your teams" in page
    assert "Home Team" in page
    assert "Organisations and people" not in page


def test_navigation_shows_only_what_the_role_may_use(client, login_as):
    """A caseworker's navigation has no admin or audit links; the admin's has them."""
    login_as("caseworker")
    page = client.get("/").content.decode()
    assert 'href="/organisations/"' not in page
    assert 'href="/audit/"' not in page
    client.logout()
    login_as("opcc_admin")
    page = client.get("/").content.decode()
    assert 'href="/organisations/"' in page
    assert 'href="/people/"' in page


ADMIN_PAGES = {
    "organisation_create": lambda w: "/organisations/new/",
    "organisation_update": lambda w: f"/organisations/{w.provider.public_id}/edit/",
    "service_create": lambda w: f"/organisations/{w.provider.public_id}/services/new/",
    "service_update": lambda w: f"/services/{w.service.public_id}/edit/",
    "team_create": lambda w: f"/organisations/{w.provider.public_id}/teams/new/",
    "team_update": lambda w: f"/teams/{w.team.public_id}/edit/",
    "user_create": lambda w: "/people/new/",
    "user_update": lambda w: f"/people/{w.person('caseworker').public_id}/edit/",
    "membership_create": lambda w: f"/people/{w.person('caseworker').public_id}/roles/new/",
    "membership_teams": lambda w: f"/roles/{w.person('caseworker').memberships.get().public_id}/teams/",
}


@pytest.mark.parametrize("page", ADMIN_PAGES)
@permission_matrix(ADMIN_ONLY, default=403)
def test_every_admin_form_page(client, world, login_as, page, role, expected):
    """Each page where organisations, services, teams and people are changed is the OPCC admin's."""
    url = ADMIN_PAGES[page](world)
    login_as(role)
    assert client.get(url).status_code == expected


ADMIN_ACTIONS = {
    "user_set_active": lambda w: (f"/people/{w.person('caseworker').public_id}/active/", {"active": "0"}),
    "membership_end": lambda w: (f"/roles/{w.person('caseworker').memberships.get().public_id}/end/", {}),
}


@pytest.mark.parametrize("action", ADMIN_ACTIONS)
@permission_matrix(
    {"opcc_admin": 302, "anonymous": 302, "caseworker": 403},
    default=403,
)
def test_every_admin_action_refuses_other_roles_and_changes_nothing(
    client, world, login_as, action, role, expected
):
    url, data = ADMIN_ACTIONS[action](world)
    caseworker = world.person("caseworker")
    login_as(role)
    response = client.post(url, data)
    assert response.status_code == expected
    caseworker.refresh_from_db()
    membership = caseworker.memberships.get()
    changed = not caseworker.is_active or not membership.is_active
    assert changed == (role == "opcc_admin")


@permission_matrix({"anonymous": 302}, default=200)
def test_home_page(client, login_as, role, expected):
    """Everyone signed in has a home page (with no panels beyond their roles if they hold none)."""
    login_as(role)
    assert client.get("/").status_code == expected


@pytest.mark.parametrize(
    ("role", "panel", "absent"),
    [
        ("auditor", "Access in the last 7 days", "Organisations and people"),
        ("force_code_lead", "API tokens", "Access in the last 7 days"),
        ("provider_manager", "Your organisation", "Access in the last 7 days"),
        ("opcc_analyst", "Commissioned services", "API tokens"),
        ("board_member", "Commissioned services", "Organisations and people"),
        ("opcc_admin", "Organisations and people", "Your teams"),
    ],
)
def test_each_role_gets_its_own_home_panel(client, login_as, role, panel, absent):
    login_as(role)
    page = client.get("/").content.decode()
    assert panel in page
    assert absent not in page
