"""The HTTP API: authentication, the error shape, the accounts endpoints, the schema and docs."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.test import Client, RequestFactory
from django.utils import timezone
from ninja.errors import Throttled

from waymark.accounts.models import Organisation, Service
from waymark.api.api import api
from waymark.api.errors import ApiError
from waymark.api.models import ApiToken
from waymark.api.security import session_auth
from waymark.api.services import api_token_revoke
from waymark.core.testing.factories import OrganisationFactory, ServiceFactory, UserFactory

from .conftest import bearer

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
ORGANISATIONS = "/api/v1/organisations"
SERVICES = "/api/v1/services"


def assert_error(response, status: int, code: str) -> dict:
    """The response is an error in the standard shape; return its `error` object."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]


def assert_no_integer_ids(data) -> None:
    """Every `id` anywhere in a response is a UUID string, never a database key."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "id":
                assert isinstance(value, str), value
                assert re.fullmatch(r"[0-9a-f-]{36}", value), value
            assert_no_integer_ids(value)
    elif isinstance(data, list):
        for item in data:
            assert_no_integer_ids(item)


# --- Who is calling ---------------------------------------------------------------------------


def test_me_with_a_token_names_the_token_its_organisation_and_scopes(client, world, make_token):
    token, secret = make_token(scopes=("read", "referrals:write"))
    response = client.get(ME, **bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "token"
    assert body["user"] is None
    assert body["token"] == {
        "id": str(token.public_id),
        "name": "Case system feed",
        "prefix": token.prefix,
        "organisation": {"id": str(world.provider.public_id), "name": "Home Provider"},
        "scopes": ["read", "referrals:write"],
        "expires_at": None,
    }
    assert response["Cache-Control"] == "no-store"


def test_me_with_a_session_names_the_person_and_their_roles(client, world, login_as):
    person = login_as("provider_manager")
    response = client.get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "user"
    assert body["token"] is None
    assert body["user"]["id"] == str(person.public_id)
    assert body["user"]["name"] == person.full_name
    assert body["user"]["roles"] == [
        {
            "organisation": {"id": str(world.provider.public_id), "name": "Home Provider"},
            "role": "provider_manager",
            "role_label": "Provider manager",
        }
    ]
    assert_no_integer_ids(body)


def test_me_for_anonymous_is_401_in_the_standard_shape(client):
    error = assert_error(client.get(ME), 401, "not_authenticated")
    assert "Bearer" in error["message"]


def test_401_says_how_to_authenticate(client):
    assert client.get(ME)["WWW-Authenticate"].startswith("Bearer")


def test_a_session_without_a_second_factor_is_refused(client, world):
    person = UserFactory(mfa=False)
    world.provider.memberships.create(user=person, role="provider_manager")
    client.force_login(person)
    assert_error(client.get(ME), 403, "second_factor_required")


@pytest.mark.parametrize(
    "header",
    ["Bearer wm_00000000_nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "Token wm_00000000_x", "wm_00000000_x"],
)
def test_a_bad_authorization_header_is_401(client, make_token, header):
    make_token()
    assert_error(client.get(ME, HTTP_AUTHORIZATION=header), 401, "not_authenticated")


def test_a_revoked_token_is_401(client, world, make_token):
    token, secret = make_token()
    assert client.get(ME, **bearer(secret)).status_code == 200
    api_token_revoke(by=world.person("provider_manager"), token=token)
    assert_error(client.get(ME, **bearer(secret)), 401, "not_authenticated")


def test_an_expired_token_is_401(client, make_token):
    token, secret = make_token(expires_at=timezone.now() + timedelta(hours=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client.get(ME, **bearer(secret)), 401, "not_authenticated")


def test_token_calls_are_grouped_in_the_access_log_by_token(rf, make_token):
    """The bearer auth sets the reference the access log hashes to group a token's calls."""
    from waymark.api.security import api_token_auth
    from waymark.audit.services import session_reference

    token, secret = make_token()
    request = rf.get(ME, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api_token_auth(request) == token
    assert request.auth_token_ref == str(token.public_id)
    assert session_reference(request) != ""


# --- The directory ----------------------------------------------------------------------------


def test_a_token_sees_the_directory_of_active_organisations(client, world, make_token):
    OrganisationFactory(name="Closed Provider", is_active=False)
    _, secret = make_token()
    response = client.get(ORGANISATIONS, **bearer(secret))
    assert response.status_code == 200
    body = response.json()
    names = [item["name"] for item in body["items"]]
    assert names == sorted(["Test OPCC", "Test Police", "Home Provider", "Other Provider", "Partner Agency"])
    assert body["count"] == 5
    assert_no_integer_ids(body)
    home = next(item for item in body["items"] if item["name"] == "Home Provider")
    assert home == {
        "id": str(world.provider.public_id),
        "name": "Home Provider",
        "short_name": "",
        "type": "provider",
        "type_label": "Commissioned provider",
    }


def test_a_session_sees_the_directory_through_visible_to(client, login_as):
    login_as("caseworker")
    assert client.get(ORGANISATIONS).json()["count"] == 5


def test_a_person_without_a_membership_is_refused_the_directory(client, login_as):
    login_as("no_membership")
    assert_error(client.get(ORGANISATIONS), 403, "forbidden")


def test_services_can_be_filtered_by_organisation_and_type(client, world, make_token):
    ServiceFactory(organisation=world.provider, name="Closed Service", is_active=False)
    _, secret = make_token()
    body = client.get(SERVICES, **bearer(secret)).json()
    assert [item["name"] for item in body["items"]] == ["Home Service", "Other Service"]
    assert_no_integer_ids(body)

    body = client.get(
        SERVICES, {"organisation": str(world.other_provider.public_id)}, **bearer(secret)
    ).json()
    assert [item["name"] for item in body["items"]] == ["Other Service"]
    assert body["items"][0]["organisation"] == {
        "id": str(world.other_provider.public_id),
        "name": "Other Provider",
    }

    body = client.get(SERVICES, {"type": Service.Type.HATE_CRIME}, **bearer(secret)).json()
    assert [item["name"] for item in body["items"]] == ["Home Service"]


def test_pagination_limits_and_offsets(client, make_token):
    _, secret = make_token()
    body = client.get(ORGANISATIONS, {"limit": 2, "offset": 1}, **bearer(secret)).json()
    assert body["count"] == 5
    assert len(body["items"]) == 2


def test_a_token_without_the_read_scope_is_refused_the_directory(client, make_token):
    _, secret = make_token(scopes=("referrals:write",))
    error = assert_error(client.get(ORGANISATIONS, **bearer(secret)), 403, "insufficient_scope")
    assert "read" in error["message"]
    # It can still say who it is.
    assert client.get(ME, **bearer(secret)).status_code == 200


# --- The error shape --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"organisation": "not-a-uuid"}, "query.organisation"),
        ({"type": "astrology"}, "query.type"),
        ({"limit": "many"}, "query.limit"),
        ({"limit": 0}, "query.limit"),
    ],
)
def test_a_bad_query_parameter_is_422_with_details(client, make_token, query, field):
    _, secret = make_token()
    error = assert_error(client.get(SERVICES, query, **bearer(secret)), 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == [field]
    assert all(set(detail) == {"field", "message", "type"} for detail in error["details"])


@pytest.mark.parametrize(
    "path", ["/api/v1/", "/api/v1/nowhere", "/api/v1/me/extra", "/api/v1/organisations/x/y"]
)
def test_an_unknown_path_is_404_in_the_standard_shape(client, path):
    error = assert_error(client.get(path), 404, "not_found")
    assert "/api/v1/docs" in error["message"]


def test_a_post_to_an_unknown_path_is_404_not_a_csrf_failure(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.person("provider_manager"))
    assert_error(client.post("/api/v1/nowhere", data="{}", content_type="application/json"), 404, "not_found")


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (Http404("secret record 42"), 404, "not_found"),
        (PermissionDenied("Not allowed: x"), 403, "forbidden"),
        (DjangoValidationError({"name": "Too long."}), 422, "validation_error"),
        (Throttled(wait=10), 429, "throttled"),
        (ApiError(409, "Already done.", code="conflict"), 409, "conflict"),
        (RuntimeError("boom"), 500, "server_error"),
    ],
)
def test_every_exception_becomes_the_standard_shape(rf, exc, status, code):
    response = api.on_exception(rf.get(ME), exc)
    error = assert_error(response, status, code)
    # Internal text never leaks into the answer.
    assert "secret record" not in error["message"]
    assert "boom" not in error["message"]


def test_a_service_validation_error_names_the_field(rf):
    response = api.on_exception(rf.get(ME), DjangoValidationError({"name": "Too long."}))
    assert json.loads(response.content)["error"]["details"] == [
        {"field": "name", "message": "Too long.", "type": "invalid"}
    ]


def test_an_unexpected_error_is_logged_with_its_traceback(rf, caplog):
    with caplog.at_level("ERROR", logger="django.request"):
        api.on_exception(rf.get(ME), RuntimeError("boom"))
    assert any(record.exc_info and "boom" in str(record.exc_info[1]) for record in caplog.records)


def test_an_error_answer_rolls_back_what_the_request_wrote(rf, world):
    """With ATOMIC_REQUESTS, a returned error response would otherwise commit half a write."""
    from django.db import transaction

    with transaction.atomic():
        Organisation.objects.create(name="Half-written", type="provider")
        api.on_exception(rf.get(ME), RuntimeError("boom"))
        assert transaction.get_rollback()
    assert not Organisation.objects.filter(name="Half-written").exists()


def test_a_session_post_without_the_csrf_token_is_refused(world):
    """Session auth enforces CSRF on unsafe methods (there are no unsafe endpoints yet)."""
    request = RequestFactory().post(ME, data="{}", content_type="application/json")
    request.user = world.person("provider_manager")
    request.COOKIES["sessionid"] = "x"
    with pytest.raises(ApiError) as raised:
        session_auth(request)
    assert raised.value.status_code == 403
    assert raised.value.code == "csrf_failed"


def test_a_session_get_needs_no_csrf_token(world):
    request = RequestFactory().get(ME)
    request.user = world.person("provider_manager")
    assert session_auth(request) == world.person("provider_manager")


# --- Schema and docs ----------------------------------------------------------------------------


def test_the_openapi_schema_is_json_with_the_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["info"]["title"] == "Waymark API"
    assert {"/api/v1/me", "/api/v1/organisations", "/api/v1/services"} <= set(schema["paths"])
    assert set(schema["components"]["securitySchemes"]) == {"ApiTokenAuth", "SignedInSessionAuth"}
    assert schema["components"]["securitySchemes"]["ApiTokenAuth"]["scheme"] == "bearer"
    assert "ErrorOut" in schema["components"]["schemas"]
    assert schema["paths"]["/api/v1/me"]["get"]["operationId"] == "me_get"


def test_the_docs_page_loads_nothing_from_other_sites(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    # The settings are a JSON data block, not an inline script, so the CSP allows the page.
    assert '<script id="swagger-settings" type="application/json">' in html
    assert '"validatorUrl": null' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"])
def test_the_docs_assets_are_served_from_our_origin(client, name):
    html = client.get("/api/v1/docs").content.decode()
    url = f"/api/v1/docs/assets/{name}"
    assert url in html
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)


@pytest.mark.parametrize("name", ["redoc.standalone.js", "..%2F__init__.py", "favicon.png"])
def test_only_the_listed_docs_assets_are_served(client, name):
    assert client.get(f"/api/v1/docs/assets/{name}").status_code == 404


def test_a_method_an_endpoint_does_not_take_is_405_in_the_standard_shape(client, make_token):
    _, secret = make_token()
    response = client.delete(ME, **bearer(secret))
    error = assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
    assert "GET" in error["message"]


def test_an_unreadable_body_is_400_in_the_standard_shape(rf):
    from ninja.errors import HttpError

    assert_error(
        api.on_exception(rf.get(ME), HttpError(400, "Cannot parse request body")), 400, "bad_request"
    )
