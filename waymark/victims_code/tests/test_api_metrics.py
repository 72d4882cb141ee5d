"""The compliance metrics API: who may call it, what it checks, and that it returns the
selectors' numbers, suppressed as on the pages.

The data: twelve M05 referral duties reported Tue 1 April 2025 (due Thu 3 April): 3 enhanced
(on time), 9 standard (7 on time, 2 late): 10 of 12 overall; by enhanced rights both groups are
hidden at the threshold of 5 (3, and 7 which would give the 3 away).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from waymark.api.models import ApiToken
from waymark.api.routers.compliance_metrics import metric_result_out
from waymark.api.services import api_token_create
from waymark.audit.models import AccessLog
from waymark.core.testing.matrix import permission_matrix
from waymark.victims_code.metrics import MetricPeriod, metric_result

from .metric_support import duty, metric, recompute

pytestmark = pytest.mark.django_db

DEFINITIONS = "/api/v1/victims-code/metrics"
RESULTS = "/api/v1/victims-code/metric-results"
QUERY = {"metric": "M05", "quarter": "2025/26 Q1", "breakdown": "enhanced"}


@pytest.fixture
def duties(world: Any) -> None:
    for _ in range(3):
        duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 3), enhanced=True)
    for index in range(9):
        duty(
            "R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 3 if index < 7 else 4)
        )
    recompute()


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


@permission_matrix(
    {"opcc_admin": 200, "opcc_analyst": 200, "force_code_lead": 200, "anonymous": 401}, default=403
)
@pytest.mark.parametrize(("path", "query"), [(DEFINITIONS, {}), (RESULTS, QUERY)])
def test_who_may_call_the_compliance_api(client, login_as, duties, role, expected, path, query):
    """Providers' managers and caseworkers, board members, auditors and partners get 403 and
    no figures; anyone signed out 401."""
    login_as(role)
    response = client.get(path, query)
    assert response.status_code == expected
    if expected != 200:
        assert set(response.json()) == {"error"}


def test_the_results_are_the_selectors_numbers_suppressed_as_on_the_pages(client, login_as, duties):
    user = login_as("opcc_analyst")
    response = client.get(RESULTS, QUERY)
    assert response.status_code == 200
    body = response.json()
    expected = metric_result(
        user=user, metric=metric("M05"), period=MetricPeriod.quarter("2025/26 Q1"), breakdown="enhanced"
    )
    assert body == as_json(metric_result_out(expected))
    assert (body["overall"]["numerator"], body["overall"]["denominator"]) == (10, 12)
    assert body["overall"]["rag"] == "amber"
    groups = {group["key"]: group for group in body["groups"]}
    assert groups["enhanced"]["numerator"] is None
    assert groups["standard"]["rate"] is None
    assert body["threshold"] == 5
    assert {
        "table": "M05 Referral within 2 working days",
        "row": "Enhanced rights",
        "column": "Numerator",
        "reason": "under 5, or hidden so that one under 5 cannot be worked out",
    } in body["hidden"]


def test_the_definitions_list_every_seeded_metric_with_its_deadlines(client, login_as):
    login_as("force_code_lead")
    body = client.get(DEFINITIONS).json()
    by_code = {item["code"]: item for item in body}
    assert {"M01", "M04", "M05", "M07", "M08", "M12", "M14", "M15", "M17", "M18", "M19", "M20", "M22"} <= set(
        by_code
    )
    m07 = by_code["M07"]
    arrest = next(e for e in m07["entitlements"] if e["code"] == "R6.ARREST_UPDATE")
    assert (arrest["deadline_standard"], arrest["deadline_enhanced"]) == (5, 1)
    assert "enhanced" in m07["breakdowns"]
    assert by_code["M28"]["breakdowns"] == ["none", "service"]
    assert by_code["M01"]["moj_key_area"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"metric": "M05"}, "query.quarter"),
        ({"metric": "M05", "quarter": "2025/26 Q1", "month": "2025-04"}, "query.month"),
        ({"metric": "M05", "quarter": "2025/26 Q5"}, "query.quarter"),
        ({"metric": "M05", "financial_year": "2025/27"}, "query.financial_year"),
        ({"metric": "M05", "month": "2025-13"}, "query.month"),
        ({"metric": "M99", "quarter": "2025/26 Q1"}, "query.metric"),
        ({"metric": "M05", "quarter": "2025/26 Q1", "breakdown": "service"}, "query.breakdown"),
        ({"metric": "M28", "quarter": "2025/26 Q1", "breakdown": "sex"}, "query.breakdown"),
    ],
)
def test_bad_queries_are_422_naming_the_field(client, login_as, query, field):
    login_as("opcc_analyst")
    response = client.get(RESULTS, query)
    assert response.status_code == 422
    assert field in [detail["field"] for detail in response.json()["error"]["details"]]


@pytest.mark.parametrize("path", [DEFINITIONS, RESULTS])
def test_an_api_token_is_refused_even_the_opccs(client, world, duties, path):
    _, secret = api_token_create(
        by=world.member("opcc_admin"),
        organisation=world.opcc,
        name="analysis",
        scopes=[ApiToken.Scope.READ],
        expires_at=None,
    )
    response = client.get(path, QUERY, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403
    assert "API tokens" in response.json()["error"]["message"]


def test_each_call_is_access_logged(client, login_as, duties):
    user = login_as("opcc_analyst")
    client.get(RESULTS, QUERY)
    entry = AccessLog.objects.filter(actor=user).latest("pk")
    assert entry.record_label == "Victims' Code metric M05 (API)"
    assert "2025/26 Q1" in entry.detail
