"""The returns page and its downloads: who may see which return, and that the OPCC sees no case."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from openpyxl import load_workbook

from waymark.audit.models import AccessLog
from waymark.cases.models import HateStrand
from waymark.core.testing.matrix import permission_matrix
from waymark.returns.tests.factories import make_case, make_referral

pytestmark = pytest.mark.urls("waymark.returns.tests.urls")

PAGE = "/returns/"
QUARTER = "2024/25 Q1"


@pytest.fixture(autouse=True)
def _today():
    """Fix "today", so the quarters offered always include the one under test."""
    with time_machine.travel(datetime(2025, 1, 15, 12, tzinfo=UTC), tick=True):
        yield


def params(service, quarter=QUARTER):
    return {"service": str(service.public_id), "quarter": quarter}


@pytest.fixture
def cases(world):
    """Enough referrals to publish some figures, and three cases with references and codes."""
    made = []
    for day in range(1, 13):
        referral = make_referral(service=world.service, received=date(2024, 4, day), status="accepted")
        if day <= 3:
            made.append(make_case(referral, opened=date(2024, 4, day + 1), strands=[HateStrand.DISABILITY]))
    return made


OPCC_AND_MANAGERS = {
    "provider_manager": 200,
    "provider_manager_other": 200,
    "opcc_admin": 200,
    "opcc_analyst": 200,
    "board_member": 200,
    "anonymous": 302,
}


@permission_matrix(OPCC_AND_MANAGERS, default=403)
def test_returns_page(client, world, login_as, role, expected):
    login_as(role)
    assert client.get(PAGE).status_code == expected


@permission_matrix({**OPCC_AND_MANAGERS, "provider_manager_other": 404}, default=403)
def test_home_service_return(client, world, login_as, role, expected):
    """Another provider's manager cannot tell the service exists; caseworkers may not use returns."""
    login_as(role)
    assert client.get(PAGE, params(world.service)).status_code == expected


@permission_matrix({**OPCC_AND_MANAGERS, "provider_manager_other": 404}, default=403)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_home_service_download(client, world, login_as, role, expected, file_format):
    login_as(role)
    assert client.get(f"{PAGE}download.{file_format}", params(world.service)).status_code == expected


def test_manager_sees_exact_figures_for_their_own_service(client, world, login_as, cases):
    login_as("provider_manager")
    response = client.get(PAGE, params(world.service))
    page = response.content.decode()
    assert "Exact figures" in page
    assert "Home Service, 2024/25 Q1" in page
    assert HIDDEN_MARKER_HTML not in page


HIDDEN_MARKER_HTML = "[c]<span"


@pytest.mark.parametrize("role", ["opcc_admin", "opcc_analyst", "board_member"])
def test_opcc_sees_only_suppressed_aggregates(client, world, login_as, cases, role):
    login_as(role)
    page = client.get(PAGE, params(world.service)).content.decode()
    assert "Disclosure control applied" in page
    assert HIDDEN_MARKER_HTML in page  # 3 disability cases are under either threshold
    assert "Hidden figures" in page
    for name in ("csv", "xlsx"):
        response = client.get(f"{PAGE}download.{name}", params(world.service))
        assert response.status_code == 200
        body = response.content.decode() if name == "csv" else _xlsx_text(response.content)
        assert "[c]" in body
        _assert_no_case_rows(body, cases)
    _assert_no_case_rows(page, cases)


def _xlsx_text(content: bytes) -> str:
    sheet = load_workbook(io.BytesIO(content)).active
    return "\n".join(
        str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None
    )


def _assert_no_case_rows(text, cases):
    for case in cases:
        assert case.reference not in text
        assert case.person.code not in text
        assert str(case.public_id) not in text
        assert str(case.person.public_id) not in text
        assert case.referral.reference not in text


def test_opcc_may_see_any_providers_service(client, world, login_as):
    login_as("opcc_analyst")
    assert client.get(PAGE, params(world.other_service)).status_code == 200


def test_manager_choices_are_only_their_own_services(client, world, login_as):
    login_as("provider_manager")
    page = client.get(PAGE).content.decode()
    assert str(world.service.public_id) in page
    assert str(world.other_service.public_id) not in page


def test_download_is_an_export_in_the_access_log(client, world, login_as):
    user = login_as("opcc_analyst")
    response = client.get(f"{PAGE}download.csv", params(world.service))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    assert "suppressed" in response["Content-Disposition"]
    entry = AccessLog.objects.get(actor=user)
    assert entry.action == AccessLog.Action.EXPORT
    assert entry.record_label == "provider return Home Service 2024/25 Q1"


def test_page_view_is_in_the_access_log(client, world, login_as):
    user = login_as("provider_manager")
    client.get(PAGE, params(world.service))
    assert AccessLog.objects.filter(actor=user, action=AccessLog.Action.VIEW).count() == 1


@pytest.mark.parametrize("quarter", ["", "2024/25 Q7", "2001/02 Q1", "not a quarter"])
def test_bad_quarter_is_a_400_with_the_error_summary(client, world, login_as, quarter):
    user = login_as("provider_manager")
    response = client.get(PAGE, params(world.service, quarter))
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not AccessLog.objects.filter(actor=user).exists()


@pytest.mark.parametrize("service", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_service_is_a_404(client, world, login_as, service):
    login_as("opcc_admin")
    assert client.get(PAGE, {"service": service, "quarter": QUARTER}).status_code == 404


def test_unknown_download_format_is_a_404(client, world, login_as):
    login_as("provider_manager")
    assert client.get(f"{PAGE}download.pdf", params(world.service)).status_code == 404
