"""Property-based tests of the whole API against its own OpenAPI document (schemathesis).

Schemathesis generates requests from the schema, valid and invalid, for every operation, and
checks that no answer is a server error and that each answer matches what the schema
documents (status codes, content type, body shape).
"""

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from waymark.api.api import api
from waymark.api.models import ApiToken
from waymark.api.services import api_token_create

# Built from the code at collection (pytest-django has configured Django by then), not fetched
# over HTTP, because every request needs the database and collection has none.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = get_wsgi_application()
# No NUL characters in generated text: PostgreSQL text cannot hold them, and every endpoint
# refuses them with a documented 422 (waymark/api/middleware.py, tested in
# waymark/referrals/tests/test_api.py), which this check would take for valid data refused.
schema.config.generation.update(allow_x00=False)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Requests through the WSGI app close the database connection when they end, which would
    close the test's transaction; Django's own test client switches that off the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token_headers(world: Any) -> dict[str, str]:
    """A police force's token that may read and send referrals and Code evidence, as a machine
    client has."""
    _, secret = api_token_create(
        by=world.member("opcc_admin"),
        organisation=world.force,
        name="schema tests",
        scopes=[ApiToken.Scope.READ, ApiToken.Scope.REFERRALS_WRITE, ApiToken.Scope.COMPLIANCE_WRITE],
        expires_at=None,
    )
    return {"Authorization": f"Bearer {secret}"}


CSV_UPLOADS = {"/api/v1/victims-code/duties", "/api/v1/victims-code/aggregate-returns"}


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@pytest.mark.django_db
def test_every_operation_matches_its_schema(case: Any, token_headers: dict[str, str]) -> None:
    # A CSV upload's body is a string to JSON Schema, and a schema-valid string is rarely a valid
    # file: its refusals (422 with the row errors) are not failures to accept valid data.
    csv_upload = case.path in CSV_UPLOADS
    case.call_and_validate(
        headers=token_headers, excluded_checks=[positive_data_acceptance] if csv_upload else []
    )
