"""Making, revoking and authenticating API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from waymark.api.models import ApiToken, hash_token, token_prefix_of
from waymark.api.services import api_token_authenticate, api_token_revoke
from waymark.audit.models import AccessLog

pytestmark = pytest.mark.django_db


def test_the_database_holds_a_hash_and_never_the_secret(make_token):
    """Only the SHA-256 of the token is stored: no column of the row contains the secret."""
    token, secret = make_token()
    assert secret.startswith(f"wm_{token.prefix}_")
    assert token.token_hash == hash_token(secret)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken WHERE id = %s", [token.pk])
        row = cursor.fetchone()
    secret_part = secret.split("_", 2)[2]
    assert all(secret_part not in str(value) for value in row)
    assert all(secret not in str(value) for value in row)


def test_making_a_token_is_audited_without_the_secret(world, make_token):
    token, secret = make_token()
    entry = AccessLog.objects.get(record_type="api.apitoken", record_id=str(token.public_id))
    assert entry.action == AccessLog.Action.CREATE
    assert entry.actor == world.person("provider_manager")
    assert entry.organisation == world.provider
    assert secret not in f"{entry.detail} {entry.record_label}"


def test_authentication_succeeds_then_fails_after_revoke(world, make_token):
    token, secret = make_token()
    assert api_token_authenticate(raw=secret) == token

    api_token_revoke(by=world.person("provider_manager"), token=token)

    assert api_token_authenticate(raw=secret) is None
    token.refresh_from_db()
    assert token.status == ApiToken.Status.REVOKED
    assert token.revoked_by == world.person("provider_manager")
    assert (
        AccessLog.objects.filter(record_id=str(token.public_id), action=AccessLog.Action.CHANGE).count() == 1
    )


def test_authentication_fails_after_expiry(make_token):
    token, secret = make_token(expires_at=timezone.now() + timedelta(days=1))
    assert api_token_authenticate(raw=secret) == token
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert api_token_authenticate(raw=secret) is None
        token.refresh_from_db()
        assert token.status == ApiToken.Status.EXPIRED


def test_authentication_fails_when_the_organisation_is_inactive(world, make_token):
    _, secret = make_token()
    world.provider.is_active = False
    world.provider.save()
    assert api_token_authenticate(raw=secret) is None


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"), id="wrong-secret"),
        pytest.param(lambda s: s.replace("wm_", "xx_", 1), id="wrong-lead"),
        pytest.param(lambda s: s.split("_", 2)[2], id="secret-only"),
        pytest.param(lambda s: "wm_zzzzzzzz_" + s.split("_", 2)[2], id="unknown-prefix"),
        pytest.param(lambda s: s + "x" * 200, id="too-long"),
        pytest.param(lambda s: "", id="empty"),
    ],
)
def test_authentication_refuses_anything_but_the_exact_token(make_token, mangle):
    _, secret = make_token()
    assert api_token_authenticate(raw=mangle(secret)) is None


def test_last_used_is_written_at_most_once_a_minute(make_token):
    token, secret = make_token()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api_token_authenticate(raw=secret)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        api_token_authenticate(raw=secret)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api_token_authenticate(raw=secret)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


def test_a_provider_manager_cannot_make_a_token_for_another_organisation(world, make_token):
    with pytest.raises(PermissionDenied):
        make_token(organisation=world.other_provider, by=world.person("provider_manager"))
    assert not ApiToken.objects.exists()


def test_an_opcc_admin_may_make_a_token_for_any_organisation(world, make_token):
    token, _ = make_token(organisation=world.other_provider, by=world.person("opcc_admin"))
    assert token.organisation == world.other_provider


@pytest.mark.parametrize("role", ["caseworker", "auditor", "opcc_analyst", "no_membership"])
def test_roles_without_the_permission_cannot_make_tokens(world, make_token, role):
    with pytest.raises(PermissionDenied):
        make_token(organisation=world.provider, by=world.person(role))


def test_a_provider_manager_cannot_revoke_another_organisations_token(world, make_token):
    token, secret = make_token(organisation=world.other_provider, by=world.person("provider_manager_other"))
    with pytest.raises(PermissionDenied):
        api_token_revoke(by=world.person("provider_manager"), token=token)
    assert api_token_authenticate(raw=secret) == token


@pytest.mark.parametrize("scopes", [(), ("everything",), ("read", "admin")])
def test_scopes_must_be_known_and_not_empty(make_token, scopes):
    with pytest.raises(ValidationError):
        make_token(scopes=scopes)


def test_expiry_must_be_in_the_future(make_token):
    with pytest.raises(ValidationError):
        make_token(expires_at=timezone.now() - timedelta(minutes=1))


def test_revoking_twice_changes_nothing_the_second_time(world, make_token):
    token, _ = make_token()
    manager = world.person("provider_manager")
    api_token_revoke(by=manager, token=token)
    first = token.revoked_at
    api_token_revoke(by=manager, token=token)
    assert token.revoked_at == first
    assert (
        AccessLog.objects.filter(record_id=str(token.public_id), action=AccessLog.Action.CHANGE).count() == 1
    )


def test_token_prefix_of_reads_only_well_formed_tokens():
    assert token_prefix_of("wm_0123abcd_secret_with_underscores") == "0123abcd"
    assert token_prefix_of("wm_0123ABCD_secret") is None
    assert token_prefix_of("wm_0123abc_secret") is None
    assert token_prefix_of("wm_0123abcd_") is None


def test_visible_to_shows_managers_only_their_own_organisations_tokens(world, make_token):
    home, _ = make_token()
    other, _ = make_token(organisation=world.other_provider, by=world.person("provider_manager_other"))
    assert list(ApiToken.objects.visible_to(world.person("provider_manager"))) == [home]
    assert list(ApiToken.objects.visible_to(world.person("provider_manager_other"))) == [other]
    assert set(ApiToken.objects.visible_to(world.person("opcc_admin"))) == {home, other}
    assert not ApiToken.objects.visible_to(world.person("force_code_lead")).exists()
    for role in ("caseworker", "auditor", "opcc_analyst", "no_membership", "anonymous"):
        assert not ApiToken.objects.visible_to(world.person(role)).exists()
