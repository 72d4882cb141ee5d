"""The compliance upload API: who may send, what a good file returns, and that a bad file is a 422
listing every problem with nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from waymark.api.models import ApiToken
from waymark.api.routers.compliance_uploads import UPLOAD_SCOPE
from waymark.api.services import api_token_create
from waymark.audit.models import AccessLog
from waymark.core.testing.matrix import permission_matrix
from waymark.core.testing.world import World
from waymark.crime.models import ForceExtractImport
from waymark.victims_code.duties import CODE_DUTIES_KIND
from waymark.victims_code.models import AggregateReturn, AggregateReturnLine, CodeDuty

from .duties_support import SAMPLE_DUTIES, SAMPLE_RETURN, load_sample_crimes

pytestmark = pytest.mark.django_db

DUTIES = "/api/v1/victims-code/duties"
RETURNS = "/api/v1/victims-code/aggregate-returns"


def token_for(world: World, organisation: Any, scopes: tuple[str, ...] = (UPLOAD_SCOPE,)) -> str:
    _, secret = api_token_create(
        by=world.member("opcc_admin"),
        organisation=organisation,
        name="Compliance feed",
        scopes=list(scopes),
        expires_at=None,
    )
    return secret


def send(client: Client, url: str, body: bytes, secret: str | None = None, query: str = "") -> Any:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return client.post(url + query, data=body, content_type="text/csv", headers=headers)


def test_a_force_token_sends_the_duties_file(client: Client, world: World) -> None:
    load_sample_crimes()
    secret = token_for(world, world.force)
    response = send(
        client, DUTIES, SAMPLE_DUTIES.read_bytes(), secret, "?extracted_on=2025-04-01&file_name=april.csv"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("file_name", "rows", "new", "not_applicable", "already_imported")} == {
        "file_name": "april.csv",
        "rows": 18,
        "new": 18,
        "not_applicable": 3,
        "already_imported": False,
    }
    assert CodeDuty.objects.count() == 18
    record = ForceExtractImport.objects.get(kind=CODE_DUTIES_KIND)
    assert record.imported_by is None  # a token acts for its organisation, not a person
    entry = AccessLog.objects.get(action=AccessLog.Action.CREATE, detail__endswith="(API)")
    assert entry.actor is None
    assert entry.actor_label == "API token Compliance feed"
    assert "18 Code duty rows" in entry.detail
    # The same file again: 200, nothing changed.
    again = send(client, DUTIES, SAMPLE_DUTIES.read_bytes(), secret, "?extracted_on=2025-04-01")
    assert (again.status_code, again.json()["already_imported"]) == (200, True)
    assert CodeDuty.objects.count() == 18


def test_a_file_may_come_as_a_multipart_field(client: Client, world: World) -> None:
    secret = token_for(world, world.force)
    with open(SAMPLE_RETURN, "rb") as handle:
        response = client.post(RETURNS, {"file": handle}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["agency_name"], body["quarter"], body["lines"], body["replaced"]) == (
        "West Midlands Witness Care Unit",
        "2025/26 Q1",
        12,
        False,
    )
    assert str(AggregateReturn.objects.get().public_id) == body["id"]


def test_a_partner_agency_sends_a_return_but_not_duties(client: Client, world: World) -> None:
    secret = token_for(world, world.partner)
    assert send(client, RETURNS, SAMPLE_RETURN.read_bytes(), secret).status_code == 201
    refused = send(client, DUTIES, SAMPLE_DUTIES.read_bytes(), secret, "?extracted_on=2025-04-01")
    assert refused.status_code == 403
    assert (
        refused.json()["error"]["message"] == "This organisation's token may not send Victims' Code duties."
    )


def test_a_token_without_the_scope_is_refused(client: Client, world: World) -> None:
    load_sample_crimes()
    secret = token_for(world, world.force, scopes=(ApiToken.Scope.READ,))
    for url, body, query in (
        (DUTIES, SAMPLE_DUTIES, "?extracted_on=2025-04-01"),
        (RETURNS, SAMPLE_RETURN, ""),
    ):
        response = send(client, url, body.read_bytes(), secret, query)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "insufficient_scope"
    assert not CodeDuty.objects.exists()
    assert not AggregateReturn.objects.exists()


def test_a_providers_token_is_refused(client: Client, world: World) -> None:
    secret = token_for(world, world.provider)
    assert send(client, RETURNS, SAMPLE_RETURN.read_bytes(), secret).status_code == 403
    assert not AggregateReturn.objects.exists()


def test_a_bad_duties_file_is_a_422_listing_every_problem_and_writes_nothing(
    client: Client, world: World
) -> None:
    load_sample_crimes()
    secret = token_for(world, world.force)
    lines = SAMPLE_DUTIES.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("SYN-0001-24", "SYN-9999-24")  # line 3: a crime not imported
    lines[5] = lines[5].replace(",Y,", ",yes,")  # line 6: a bad Y/N
    response = send(client, DUTIES, ("\n".join(lines) + "\n").encode(), secret, "?extracted_on=2025-04-01")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "file_refused"
    assert error["message"].startswith("The file was refused with 2 problems; nothing was imported.")
    assert [(d["line"], d["field"], d["type"]) for d in error["details"]] == [
        (3, "crime_reference", "row_error"),
        (6, "enhanced", "row_error"),
    ]
    assert error["details"][1]["message"] == "Line 6: Write Y or N, not 'yes'."
    assert not CodeDuty.objects.exists()
    assert not ForceExtractImport.objects.filter(kind=CODE_DUTIES_KIND).exists()
    assert not AccessLog.objects.filter(detail__endswith="(API)").exists()


def test_an_extraction_date_after_today_is_a_422_about_the_whole_file(client: Client, world: World) -> None:
    load_sample_crimes()
    secret = token_for(world, world.force)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = send(client, DUTIES, SAMPLE_DUTIES.read_bytes(), secret, f"?extracted_on={tomorrow}")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "file_refused"
    assert error["details"] == [
        {
            "field": None,
            "message": f"The extraction date {tomorrow:%Y-%m-%d} is after today"
            f" ({timezone.localdate():%Y-%m-%d}): give the date the force extracted the data.",
            "type": "file_error",
            "line": None,
        }
    ]
    assert not CodeDuty.objects.exists()
    assert not ForceExtractImport.objects.filter(kind=CODE_DUTIES_KIND).exists()


def test_a_bad_return_is_a_422_and_keeps_the_return_held(client: Client, world: World) -> None:
    """A bad corrected return leaves the return already held as it was."""
    secret = token_for(world, world.force)
    assert send(client, RETURNS, SAMPLE_RETURN.read_bytes(), secret).status_code == 201
    held = list(AggregateReturnLine.objects.values_list("pk", "numerator"))
    bad = SAMPLE_RETURN.read_text(encoding="utf-8").replace(",M15,all,,301,322,0", ",M15,all,,301,,0")
    response = send(client, RETURNS, bad.encode(), secret)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "denominator"
    assert list(AggregateReturnLine.objects.values_list("pk", "numerator")) == held


def test_the_extraction_date_is_required_and_the_body_must_be_csv(client: Client, world: World) -> None:
    secret = token_for(world, world.force)
    assert send(client, DUTIES, SAMPLE_DUTIES.read_bytes(), secret).status_code == 422
    response = client.post(
        DUTIES + "?extracted_on=2025-04-01",
        data={"a": 1},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 400
    assert "text/csv" in response.json()["error"]["message"]


@permission_matrix(
    {"opcc_admin": 201, "opcc_analyst": 201, "force_code_lead": 201, "anonymous": 401}, default=403
)
def test_signed_in_people_who_may_import_may_send_a_return(
    client: Client, login_as: Any, role: str, expected: int, settings: Any
) -> None:
    """From Waymark's own pages: the compliance roles may; nobody else."""
    settings.WAYMARK_MFA_REQUIRED = False
    login_as(role)
    response = client.post(RETURNS, data=SAMPLE_RETURN.read_bytes(), content_type="text/csv")
    assert response.status_code == expected
    assert AggregateReturn.objects.exists() == (expected == 201)
