"""The crime data API: who may call it, what it checks, and that it returns the selectors' numbers.

The extract: eight adult rapes recorded in 2023/24 in Birmingham (A0 to A7, a month apart from
3 April 2023) and three in Coventry (C0 to C2, 1 June 2023); A0 to A5 charged 20 to 70 days
after recording, A6, A7 and the Coventry three with no outcome yet; A0 to A5 are also VAWG on
the DA basis. So 11 recorded, 6 charged, 5 not yet assigned: figures both shown and hidden (the
Coventry three) at the operational threshold of 5.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from waymark.api.models import ApiToken
from waymark.api.routers.crime import rasso_metrics_out, vawg_volumes_out
from waymark.api.services import api_token_create
from waymark.audit.models import AccessLog
from waymark.core.geography import h3_cell
from waymark.core.testing.matrix import permission_matrix
from waymark.crime.metrics import CrimeFilters, rasso_metrics, vawg_volumes
from waymark.crime.models import Crime, ProgressionEvent
from waymark.crime.violence_context import OPEN_GOVERNMENT_LICENCE_URL, violence_context

from .metric_fixtures import COVENTRY, event, make_crime, police_uk_street_file

pytestmark = pytest.mark.django_db

RASSO = "/api/v1/crime/rasso-metrics"
VOLUMES = "/api/v1/crime/vawg-volumes"
VAWG_MAP = "/api/v1/crime/vawg-map"
RASSO_MAP = "/api/v1/crime/rasso-map"
BIRMINGHAM_CENTRE = (52.4797, -1.9027)


@pytest.fixture
def extract(world: Any) -> None:
    """The extract in the module docstring."""
    for index in range(8):
        recorded = date(2023, 4, 3) + timedelta(days=30 * index)
        charged = index < 6
        charged_on = recorded + timedelta(days=20 + 10 * index)
        crime = make_crime(
            f"A{index}",
            recorded=recorded,
            outcome=1 if charged else 0,
            outcome_on=charged_on if charged else None,
            bases=("sexual_offence", "da_flag") if charged else ("sexual_offence",),
            suspects=[f"S{index}"],
        )
        if charged:
            event(crime, ProgressionEvent.Kind.CHARGED, charged_on)
    for index in range(3):
        make_crime(f"C{index}", recorded=date(2023, 6, 1), local_authority=COVENTRY)


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def metric(body: dict[str, Any], metric_id: str) -> dict[str, Any]:
    return next(item for item in body["metrics"] if item["id"] == metric_id)


@permission_matrix(
    {"opcc_admin": 200, "opcc_analyst": 200, "force_code_lead": 200, "anonymous": 401},
    default=403,
)
@pytest.mark.parametrize("path", [RASSO, VOLUMES, VAWG_MAP, RASSO_MAP])
def test_who_may_see_crime_figures(client, login_as, extract, role, expected, path):
    """Providers' staff, board members, auditors and partners get 403 and no figures."""
    login_as(role)
    response = client.get(path, {"financial_year": "2023/24"})
    assert response.status_code == expected
    if expected != 200:
        assert set(response.json()) == {"error"}


def test_the_rasso_api_returns_the_selectors_numbers(client, login_as, extract):
    user = login_as("opcc_analyst")
    response = client.get(RASSO, {"financial_year": "2023/24"})
    assert response.status_code == 200
    body = response.json()
    expected = rasso_metrics_out(rasso_metrics(user=user, filters=CrimeFilters.for_financial_year("2023/24")))
    assert body == as_json(expected)
    assert metric(body, "M1")["value"] == 11
    m2 = metric(body, "M2")
    assert (m2["numerator"], m2["denominator"], m2["not_yet_assigned"]) == (6, 11, 5)
    assert m2["value"] == pytest.approx(6 / 11)
    assert metric(body, "M5")["value"] == 40  # 20, 30, ... 70 days: rank 3 of 6
    assert body["extracted_on"] == "2024-06-30"
    assert body["extraction_lag_days"] == 91
    assert body["threshold"] == 5


def test_the_volumes_api_returns_the_selectors_numbers_with_small_ones_hidden(client, login_as, extract):
    """2023/24 Q1: A0, A1, A2 in Birmingham (3 April, 3 May, 2 June) and C0 to C2 in Coventry:
    3 and 3, both hidden; the total 6 is shown."""
    user = login_as("force_code_lead")
    response = client.get(VOLUMES, {"quarter": "2023/24 Q1"})
    assert response.status_code == 200
    body = response.json()
    filters = CrimeFilters.for_quarter("2023/24 Q1")
    volumes = vawg_volumes(user=user, filters=filters)
    expected = vawg_volumes_out(volumes, violence_context(user=user, filters=filters))
    assert body == as_json(expected)
    by_area = {row["key"]: row["values"][0] for row in body["tables"][0]["rows"]}
    assert (by_area["E08000025"], by_area["E08000026"]) == (None, None)
    assert body["total"] == 6
    hidden = {"table": "VAWG crimes by local authority", "row": "Coventry", "column": "VAWG crimes"}
    assert {**hidden, "reason": "under 5, or hidden so that one under 5 cannot be worked out"} in body[
        "hidden"
    ]


def test_the_volumes_api_carries_police_uks_violence_figure_as_the_page_does(client, login_as, extract):
    """40 police.uk crimes in April 2023, 20 of them in Coventry LSOAs and 3 in May, in Coventry:
    the API gives the page's sentence and figure, hides the small one and logs it, and says
    why there is no figure for a period with no police.uk file."""
    police_uk_street_file("west-midlands", date(2023, 4, 1), violence=40, lsoa_names=("Coventry 001A", ""))
    police_uk_street_file("west-midlands", date(2023, 5, 1), violence=3, lsoa_names=("Coventry 002B",))
    login_as("opcc_analyst")
    page = client.get(reverse("crime:vawg"), {"period": "fy:2023/24"}).content.decode()
    context = client.get(VOLUMES, {"financial_year": "2023/24"}).json()["violence_context"]
    assert context["available"] is True
    assert context["count"] == 43
    assert context["category"] == "Violence and sexual offences"
    assert context["statement"].startswith("police.uk lists 43 crimes of its category")
    assert context["statement"] in page.replace("&#39;", "'")
    assert context["source"] == "data.police.uk (West Midlands Police)"
    assert context["licence_url"] == OPEN_GOVERNMENT_LICENCE_URL

    body = client.get(VOLUMES, {"month": "2023-05", "local_authority": COVENTRY}).json()
    assert body["violence_context"]["count"] is None
    assert body["violence_context"]["where"] == "in Coventry"
    hidden = {"table": "Violence and sexual offences (context)", "row": "in Coventry", "column": "Crimes"}
    assert {**hidden, "reason": "under 5, or hidden so that one under 5 cannot be worked out"} in body[
        "hidden"
    ]

    body = client.get(VOLUMES, {"month": "2023-06"}).json()
    assert body["violence_context"]["available"] is False
    assert body["violence_context"]["count"] is None
    assert "No police.uk data for the West Midlands force area" in body["violence_context"]["unavailable"]


def test_the_map_apis_return_the_pages_cells(client, login_as, extract):
    """A0 to A7 located in one Birmingham cell: 8 adult rapes (all VAWG); the three Coventry
    crimes have no location. The APIs give the cells the page's GeoJSON and CSV give; with the
    DA filter only A0 to A5 are counted; a month with 1 located crime shows no cell and says why."""
    lat, lng = BIRMINGHAM_CENTRE
    cell = h3_cell(lat, lng, 7)
    Crime.objects.filter(crime_reference__startswith="A").update(latitude=lat, longitude=lng, h3_r7=cell)
    make_crime("V0", recorded=date(2023, 5, 1), code="8N", adult_rape=False, bases=("da_flag",))
    Crime.objects.filter(crime_reference="V0").update(latitude=lat, longitude=lng, h3_r7=cell)
    login_as("opcc_analyst")
    geojson = client.get(reverse("crime:rasso_map"), {"period": "fy:2023/24"}).json()
    body = client.get(RASSO_MAP, {"financial_year": "2023/24"}).json()
    assert [(c["cell"], c["count"]) for c in body["cells"]] == [(cell, 8)]
    assert [(f["properties"]["cell"], f["properties"]["count"]) for f in geojson["features"]] == [(cell, 8)]
    assert body["title"] == geojson["title"] == "Adult rape offences by area, 2023/24"
    assert body["h3_resolution"] == 7
    assert body["extracted_on"] == "2024-06-30"
    assert abs(body["cells"][0]["latitude"] - lat) < 0.05
    assert body["not_shown"] == body["empty_note"] == ""

    vawg = client.get(VAWG_MAP, {"financial_year": "2023/24"}).json()
    assert [(c["cell"], c["count"]) for c in vawg["cells"]] == [(cell, 9)]  # V0 is VAWG, not rape
    da = client.get(VAWG_MAP, {"financial_year": "2023/24", "vawg_basis": "da_flag"}).json()
    assert [c["count"] for c in da["cells"]] == [7]
    small = client.get(RASSO_MAP, {"month": "2023-04"}).json()
    assert small["cells"] == []
    assert "too small to show" in small["empty_note"]
    assert small["not_shown"].startswith("Areas with fewer than 5 adult rape offences are not shown")


def test_filters_reach_the_selector(client, login_as, extract):
    login_as("opcc_analyst")
    body = client.get(RASSO, {"financial_year": "2023/24", "local_authority": COVENTRY}).json()
    assert metric(body, "M1")["value"] is None  # 3 recorded in Coventry: hidden
    assert body["filters"]["local_authority"] == COVENTRY
    body = client.get(RASSO, {"month": "2023-04"}).json()
    assert (body["filters"]["start"], body["filters"]["end"]) == ("2023-04-01", "2023-04-30")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "query.month"),
        ({"month": "2023-04", "financial_year": "2023/24"}, "query.financial_year"),
        ({"month": "2023-13"}, "query.month"),
        ({"quarter": "2023/24 Q5"}, "query.quarter"),
        ({"financial_year": "2023/25"}, "query.financial_year"),
        # A year earlier than year 1 is year 0, which no date holds: this was a 500.
        ({"month": "0001-01"}, "query.month"),
        ({"financial_year": "0001/02"}, "query.financial_year"),
        ({"quarter": "1899/00 Q3"}, "query.quarter"),
        ({"month": "2100-01"}, "query.month"),
        ({"financial_year": "2023/24", "local_authority": "E0800XXXX"}, "query.local_authority"),
        ({"financial_year": "2023/24", "vawg_basis": "nope"}, "query.vawg_basis"),
        ({"financial_year": "2023/24", "victim_sex": "female"}, "query.victim_sex"),
        ({"financial_year": "2023/24", "victim_age_band": "18-25"}, "query.victim_age_band"),
        ({"financial_year": "2023/24", "offence_group": "Burglary of dreams"}, "query.offence_group"),
        ({"financial_year": "2023/24", "police_force_area": "E23999999"}, "query.police_force_area"),
    ],
)
@pytest.mark.parametrize("path", [RASSO, VOLUMES, VAWG_MAP])
def test_bad_queries_are_422_naming_the_field(client, login_as, query, field, path):
    login_as("opcc_analyst")
    response = client.get(path, query)
    assert response.status_code == 422
    assert field in [detail["field"] for detail in response.json()["error"]["details"]]


def test_an_api_token_is_refused_even_the_opccs(client, world, extract):
    _, secret = api_token_create(
        by=world.member("opcc_admin"),
        organisation=world.opcc,
        name="analysis",
        scopes=[ApiToken.Scope.READ],
        expires_at=None,
    )
    response = client.get(RASSO, {"financial_year": "2023/24"}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403
    assert "API tokens" in response.json()["error"]["message"]


def test_each_call_is_access_logged(client, login_as, extract):
    user = login_as("opcc_analyst")
    client.get(VOLUMES, {"financial_year": "2023/24"})
    entry = AccessLog.objects.filter(actor=user).latest("at")
    assert entry.record_label == "VAWG volumes (API)"
    assert "2023/24" in entry.detail
