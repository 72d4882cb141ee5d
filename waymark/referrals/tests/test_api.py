"""The referrals API: police feed intake (idempotent) and the referrer's status view."""

from __future__ import annotations

import pytest

from waymark.api.models import ApiToken
from waymark.api.services import api_token_create
from waymark.audit.models import AccessLog
from waymark.core.testing.matrix import permission_matrix
from waymark.referrals.models import Person, Referral
from waymark.referrals.services import NO_CONSENT_MESSAGE

URL = "/api/v1/referrals"


def _token(world, organisation=None, scopes=(ApiToken.Scope.REFERRALS_WRITE,)):
    organisation = organisation or world.force
    by = world.member("force_code_lead") if organisation == world.force else world.member("opcc_admin")
    _, secret = api_token_create(
        by=by, organisation=organisation, name="Feed", scopes=list(scopes), expires_at=None
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _body(world, **overrides):
    body = {
        "service": str(world.service.public_id),
        "external_reference": "WMP-API-1",
        "consent": "given",
        "person": {"full_name": "Fakey McTestface", "date_of_birth": "1990-05-06"},
        "contact_methods": [{"kind": "mobile", "value": "07700 900002", "safe_to_call": True}],
        "reason": "Homophobic abuse in the street",
        "crime_reference": "20/999/26",
    }
    body.update(overrides)
    return body


def _post(client, body, auth):
    return client.post(URL, body, content_type="application/json", **auth)


def test_create_then_resend_is_idempotent(client, world):
    auth = _token(world)
    first = _post(client, _body(world), auth)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["status"] == "received"
    assert data["external_reference"] == "WMP-API-1"
    assert "person" not in data
    assert "Fakey" not in first.content.decode()
    again = _post(client, _body(world), auth)
    assert again.status_code == 200
    assert again.json()["id"] == data["id"]
    assert Referral.objects.count() == 1
    assert Person.objects.count() == 1


def test_same_reference_different_content_is_409_and_changes_nothing(client, world):
    auth = _token(world)
    _post(client, _body(world), auth)
    response = _post(client, _body(world, reason="Different"), auth)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert "already used" in response.json()["error"]["message"]
    assert Referral.objects.count() == 1


def test_missing_consent_is_a_specific_error(client, world):
    response = _post(client, _body(world, consent="not_given"), _token(world))
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert {"field": "body.body.consent", "message": NO_CONSENT_MESSAGE, "type": "no_consent"} in details
    assert not Referral.objects.exists()
    assert not Person.objects.exists()


def test_text_with_a_nul_character_is_refused_against_its_field_and_changes_nothing(client, world):
    """PostgreSQL text cannot hold NUL: a referral with one in a name is a 422 naming the field,
    not a server error, on either database, and nothing is saved; a query with one too."""
    body = _body(world, person={"full_name": "Fakey\x00McTestface", "date_of_birth": "1990-05-06"})
    response = _post(client, body, _token(world))
    assert response.status_code == 422, response.content
    assert response.json()["error"]["details"] == [
        {
            "field": "body.person.full_name",
            "message": "Text cannot contain the NUL character (U+0000).",
            "type": "string_nul_character",
        }
    ]
    assert not Referral.objects.exists()
    assert not Person.objects.exists()
    query = client.get("/api/v1/crime/vawg-volumes", {"financial_year": "2024/25\x00"}, **_token(world))
    assert query.status_code == 422
    assert query.json()["error"]["details"][0]["field"] == "query.financial_year"


def test_unknown_service_is_a_specific_error(client, world):
    response = _post(client, _body(world, service="Nope"), _token(world))
    assert response.status_code == 404
    assert "There is no active service 'Nope'" in response.json()["error"]["message"]
    assert response.json()["error"]["details"][0]["field"] == "service"
    assert not Referral.objects.exists()


def test_contact_value_required(client, world):
    response = _post(client, _body(world, contact_methods=[{"kind": "email", "value": ""}]), _token(world))
    assert response.status_code == 422
    assert not Referral.objects.exists()


def test_token_without_scope_is_refused(client, world):
    response = _post(client, _body(world), _token(world, scopes=(ApiToken.Scope.READ,)))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_non_police_token_is_refused(client, world):
    response = _post(client, _body(world), _token(world, organisation=world.partner))
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_session_cannot_post(client, world, login_as):
    login_as("force_code_lead")
    response = client.post(URL, _body(world), content_type="application/json")
    assert response.status_code == 403


def test_no_auth_is_401(client, world):
    assert _post(client, _body(world), {}).status_code == 401


def test_status_for_the_referrer_only_and_logged(client, world):
    auth = _token(world)
    referral_id = _post(client, _body(world), auth).json()["id"]
    response = client.get(f"{URL}/{referral_id}", **auth)
    assert response.status_code == 200
    assert set(response.json()) == {
        "id",
        "reference",
        "external_reference",
        "service",
        "status",
        "status_label",
        "received_at",
        "first_contact_due",
        "outcome_at",
    }
    referral = Referral.objects.get()
    assert AccessLog.objects.about(referral).filter(action="view", actor_label="API token Feed").exists()
    other_force = world.force.__class__.objects.create(name="Other Police", type="police_force")
    other = _token(world, organisation=other_force, scopes=(ApiToken.Scope.READ,))
    assert client.get(f"{URL}/{referral_id}", **other).status_code == 404
    assert (
        client.get(
            f"{URL}/{referral_id}", **_token(world, organisation=world.other_provider, scopes=("read",))
        ).status_code
        == 404
    )


@permission_matrix(
    {"caseworker": 200, "provider_manager": 200, "anonymous": 401},
    default=404,
)
def test_status_by_session(client, world, login_as, role, expected):
    from .factories import make_referral

    referral = make_referral(service=world.service, referrer_organisation=world.force, external_reference="X")
    login_as(role)
    assert client.get(f"{URL}/{referral.public_id}").status_code == expected


@pytest.mark.parametrize("bad", ["not-a-uuid"])
def test_bad_id_is_422(client, world, bad):
    assert client.get(f"{URL}/{bad}", **_token(world)).status_code == 422
