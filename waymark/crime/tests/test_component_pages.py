"""The dashboard components' examples page, its map data and its CSV downloads: who may see
them, and that they show the figures the components compute."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from waymark.core.geography import h3_cell
from waymark.core.testing.matrix import permission_matrix
from waymark.crime.views_components import (
    EXAMPLE_MAP_RESOLUTION,
    EXAMPLE_PLACES,
    example_charts,
    example_hex_map,
)

pytestmark = pytest.mark.django_db

CRIME_DATA_VIEWERS = {"opcc_admin": 200, "opcc_analyst": 200, "force_code_lead": 200, "anonymous": 302}


@permission_matrix(CRIME_DATA_VIEWERS, default=403)
def test_the_examples_page(client, login_as, role, expected):
    """Only those who may see crime data (OPCC admins and analysts, force leads) see the page."""
    login_as(role)
    assert client.get("/crime/examples/").status_code == expected


@permission_matrix(CRIME_DATA_VIEWERS, default=403)
def test_the_examples_map_data(client, login_as, role, expected):
    login_as(role)
    assert client.get("/crime/examples/hexmap.geojson").status_code == expected


@permission_matrix(CRIME_DATA_VIEWERS, default=403)
def test_the_examples_csv(client, login_as, role, expected):
    login_as(role)
    assert client.get("/crime/examples/by-local-authority.csv").status_code == expected


def test_someone_signed_out_is_sent_to_sign_in(client):
    response = client.get("/crime/examples/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_provider_caseworker_is_refused(client, login_as):
    login_as("caseworker")
    response = client.get("/crime/examples/")
    assert response.status_code == 403
    assert b"<svg" not in response.content


def test_the_page_shows_every_chart_with_its_table_the_map_and_the_downloads(client, login_as):
    login_as("opcc_analyst")
    response = client.get("/crime/examples/")
    html = response.content.decode()
    assert response.status_code == 200
    charts = example_charts()
    assert {chart.kind for chart in charts.values()} == {"bar", "column", "line", "funnel"}
    for chart in charts.values():
        assert f'<title id="{chart.id}-title">' in html
        assert f'id="{chart.id}-table"' in html
        assert f'href="/crime/examples/{chart.id}.csv" download' in html
    assert html.count('role="img"') == len(charts)
    hex_map = example_hex_map()
    assert 'data-hexmap data-src="/crime/examples/hexmap.geojson" data-tiles=""' in html
    assert html.count("data-cell=") == len(hex_map.cells)
    assert f'href="/crime/examples/{hex_map.id}.csv" download' in html
    assert "leaflet/leaflet.css" in html
    assert "js/hexmap.mjs" in html
    # Every hidden figure is [c] in a table, with the note saying why.
    assert '[c]<span class="govuk-visually-hidden"> (hidden)</span>' in html
    assert "Counts from 1 to 4 are hidden" in html
    # No inline style or script anywhere on the page (CSP: style-src and script-src 'self').
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)


@override_settings(
    WAYMARK_MAP_TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    WAYMARK_MAP_TILE_ATTRIBUTION="© OpenStreetMap contributors",
)
def test_a_configured_tile_layer_reaches_the_map(client, login_as):
    login_as("opcc_analyst")
    html = client.get("/crime/examples/").content.decode()
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert 'data-attribution="© OpenStreetMap contributors"' in html


def test_the_map_data_is_the_example_places_without_the_small_ones(client, login_as):
    login_as("opcc_analyst")
    response = client.get("/crime/examples/hexmap.geojson")
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    cells = {
        feature["properties"]["cell"]: feature["properties"]["count"] for feature in collection["features"]
    }
    expected = {
        h3_cell(place.latitude, place.longitude, EXAMPLE_MAP_RESOLUTION): place.count
        for place in EXAMPLE_PLACES
        if place.count >= 5
    }
    assert cells == expected
    assert len(cells) == len(EXAMPLE_PLACES) - 2
    labels = {feature["properties"]["label"] for feature in collection["features"]}
    assert "Solihull" not in labels
    assert "Halesowen" not in labels
    assert "Birmingham city centre" in labels


def test_a_chart_csv_has_the_rows_of_its_table(client, login_as):
    login_as("opcc_analyst")
    response = client.get("/crime/examples/by-local-authority.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="vawg-crimes-by-local-authority-march-2025-illustrative.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    chart = example_charts()["by-local-authority"]
    assert rows[0] == list(chart.table.header)
    assert rows[1:] == [
        [row.label, *("[c]" if cell.hidden else cell.text.replace(",", "") for cell in row.cells)]
        for row in chart.table.rows
    ]
    assert ["Solihull", "[c]"] in rows


def test_the_map_csv_has_the_rows_of_its_table(client, login_as):
    login_as("opcc_analyst")
    rows = list(csv.reader(io.StringIO(client.get("/crime/examples/by-area.csv").content.decode())))
    hex_map = example_hex_map()
    assert rows[0] == ["Area", "H3 cell", "VAWG crimes"]
    assert rows[1:] == [[cell.label, cell.cell, str(cell.count)] for cell in hex_map.cells]


def test_an_unknown_table_is_not_found(client, login_as):
    login_as("opcc_analyst")
    assert client.get("/crime/examples/no-such-table.csv").status_code == 404
