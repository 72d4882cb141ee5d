"""The API token pages: who may use them, whose tokens they show, and the secret shown once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from waymark.api.models import ApiToken, hash_token
from waymark.api.services import api_token_authenticate
from waymark.core.testing.forms import date_parts
from waymark.core.testing.matrix import permission_matrix

pytestmark = pytest.mark.django_db

LIST = reverse("api_tokens:list")
CREATE = reverse("api_tokens:create")
MANAGERS = {"opcc_admin": 200, "provider_manager": 200, "provider_manager_other": 200, "force_code_lead": 200}


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@permission_matrix({**MANAGERS, "anonymous": "login"}, default=403)
def test_token_list_permissions(client, login_as, role, expected):
    login_as(role)
    response = client.get(LIST)
    assert _is_login_redirect(response) if expected == "login" else response.status_code == expected


@permission_matrix({**MANAGERS, "anonymous": "login"}, default=403)
def test_token_create_page_permissions(client, login_as, role, expected):
    login_as(role)
    response = client.get(CREATE)
    assert _is_login_redirect(response) if expected == "login" else response.status_code == expected


@permission_matrix(
    {
        "opcc_admin": "revoked",
        "provider_manager": "revoked",
        "provider_manager_other": 404,
        "force_code_lead": 404,
        "anonymous": "login",
    },
    default=403,
)
def test_token_revoke_permissions(client, login_as, make_token, role, expected):
    """Only the home provider's manager and the OPCC admin may revoke the home provider's token."""
    token, secret = make_token()
    login_as(role)
    response = client.post(reverse("api_tokens:revoke", kwargs={"public_id": token.public_id}))
    token.refresh_from_db()
    if expected == "revoked":
        assert response.status_code == 302
        assert response["Location"] == LIST
        assert token.revoked_at is not None
        assert api_token_authenticate(raw=secret) is None
    else:
        assert _is_login_redirect(response) if expected == "login" else response.status_code == expected
        assert token.revoked_at is None


def test_revoke_needs_a_post(client, login_as, make_token):
    token, _ = make_token()
    login_as("provider_manager")
    assert client.get(reverse("api_tokens:revoke", kwargs={"public_id": token.public_id})).status_code == 405


def test_the_list_shows_only_the_managers_own_organisations_tokens(client, world, login_as, make_token):
    home, _ = make_token(name="Home feed")
    other, _ = make_token(
        name="Other feed", organisation=world.other_provider, by=world.person("provider_manager_other")
    )
    login_as("provider_manager")
    html = client.get(LIST).content.decode()
    assert "Home feed" in html
    assert home.prefix in html
    assert "Other feed" not in html
    assert other.prefix not in html


def test_the_opcc_admin_sees_every_organisations_tokens(client, world, login_as, make_token):
    make_token(name="Home feed")
    make_token(
        name="Other feed", organisation=world.other_provider, by=world.person("provider_manager_other")
    )
    login_as("opcc_admin")
    html = client.get(LIST).content.decode()
    assert "Home feed" in html
    assert "Other feed" in html


def test_making_a_token_shows_the_secret_once(client, world, login_as):
    login_as("provider_manager")
    response = client.post(
        CREATE,
        {"name": "Case system feed", "organisation": str(world.provider.public_id), "scopes": ["read"]},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    html = response.content.decode()
    secret = next(word for word in html.replace('"', " ").split() if word.startswith(f"wm_{token.prefix}_"))
    assert token.token_hash == hash_token(secret)
    assert "It will not be shown again" in html
    assert response["Cache-Control"] == "no-store"
    assert token.organisation == world.provider
    assert token.created_by == world.person("provider_manager")
    assert token.scopes == ["read"]
    assert token.expires_at is None
    # Never again: not on the list page.
    assert secret not in client.get(LIST).content.decode()


def test_the_expiry_date_ends_the_token_at_the_end_of_that_day(client, world, login_as):
    login_as("opcc_admin")
    response = client.post(
        CREATE,
        {
            "name": "Feed",
            "organisation": str(world.force.public_id),
            "scopes": ["read", "referrals:write"],
        }
        | date_parts("expires_on", "2099-03-31"),
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    from django.utils import timezone

    local = timezone.localtime(token.expires_at)
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2099, 4, 1, 0, 0)
    assert token.scopes == ["read", "referrals:write"]


def test_a_past_expiry_date_is_refused(client, world, login_as):
    login_as("provider_manager")
    response = client.post(
        CREATE,
        {
            "name": "Feed",
            "organisation": str(world.provider.public_id),
            "scopes": ["read"],
        }
        | date_parts("expires_on", "2000-01-01"),
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    html = response.content.decode()
    assert '<a href="#id_expires_on-day">The expiry date must be today or in the future.</a>' in html


def test_an_expiry_date_may_be_today(client, world, login_as):
    from django.utils import timezone

    login_as("provider_manager")
    today = timezone.localdate()
    response = client.post(
        CREATE,
        {"name": "Feed", "organisation": str(world.provider.public_id), "scopes": ["read"]}
        | date_parts("expires_on", today),
    )
    assert response.status_code == 200
    assert timezone.localtime(ApiToken.objects.get().expires_at).date() == today + timedelta(days=1)


def test_empty_expiry_boxes_mean_no_expiry(client, world, login_as):
    login_as("provider_manager")
    response = client.post(
        CREATE,
        {"name": "Feed", "organisation": str(world.provider.public_id), "scopes": ["read"]}
        | date_parts("expires_on", ""),
    )
    assert response.status_code == 200
    assert ApiToken.objects.get().expires_at is None


def test_a_wrong_expiry_date_gets_the_design_systems_message(client, world, login_as):
    login_as("provider_manager")
    response = client.post(
        CREATE,
        {
            "name": "Feed",
            "organisation": str(world.provider.public_id),
            "scopes": ["read"],
            "expires_on-day": "31",
            "expires_on-month": "3",
            "expires_on-year": "99",
        },
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    html = response.content.decode()
    # The error summary links to the year, the box to put right; what was typed is kept.
    assert '<a href="#id_expires_on-year">The year of the expiry date must include 4 numbers</a>' in html
    assert re.search(r'<input[^>]*name="expires_on-year"[^>]*value="99"', html)


def test_the_organisation_choices_are_only_those_the_person_manages(client, world, login_as):
    login_as("provider_manager")
    html = client.get(CREATE).content.decode()
    assert str(world.provider.public_id) in html
    assert str(world.other_provider.public_id) not in html
    response = client.post(
        CREATE,
        {"name": "Feed", "organisation": str(world.other_provider.public_id), "scopes": ["read"]},
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_form_never_shows_integer_keys(client, login_as):
    """Organisation choices are public UUIDs."""
    login_as("opcc_admin")
    html = client.get(CREATE).content.decode()
    assert 'value="1"' not in html


def test_a_token_needs_a_scope(client, world, login_as):
    login_as("provider_manager")
    response = client.post(CREATE, {"name": "Feed", "organisation": str(world.provider.public_id)})
    assert response.status_code == 400
    assert "Choose at least one thing the token may do." in response.content.decode()


def test_another_organisations_token_is_404_not_403(client, world, login_as, make_token):
    """A manager cannot tell that another organisation's token exists."""
    other, secret = make_token(organisation=world.other_provider, by=world.person("provider_manager_other"))
    login_as("provider_manager")
    response = client.post(reverse("api_tokens:revoke", kwargs={"public_id": other.public_id}))
    assert response.status_code == 404
    assert api_token_authenticate(raw=secret) == other
