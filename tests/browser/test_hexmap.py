"""The dashboard components in a real browser: the examples page passes axe, the hexagon map draws
every hexagon with no tiles configured, nothing is fetched from elsewhere, and the CSP holds."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from waymark.core.testing.world import build_world
from waymark.crime.views_components import example_charts, example_hex_map

from .signing_in import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_examples_page_draws_the_map_without_tiles_and_passes_axe(page, live_server, axe, console_errors):
    analyst = build_world().member("opcc_analyst")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server.url, analyst.email)

    page.goto(f"{live_server.url}/crime/examples/")
    expect(page.get_by_role("heading", name="Dashboard components")).to_be_visible()
    shown = len(example_hex_map().cells)
    assert shown > 0
    map_element = page.locator("[data-hexmap]")
    expect(map_element).to_have_attribute("data-hexmap-ready", str(shown), timeout=15_000)
    # One SVG path per hexagon, drawn by Leaflet's SVG renderer; no tiles, no markers.
    expect(map_element.locator("path.leaflet-interactive")).to_have_count(shown)
    expect(map_element.locator("img")).to_have_count(0)
    # The hexagons fill the map's box (fitBounds), rather than a corner of it.
    box = map_element.bounding_box()
    hexagons = map_element.locator("svg.leaflet-zoom-animated").first.bounding_box()
    assert box
    assert hexagons
    assert hexagons["width"] > box["width"] / 3 or hexagons["height"] > box["height"] / 3
    # The legend is drawn from the data, one entry per colour class.
    legend = page.locator("#by-area .waymark-hexmap__legend-item")
    expect(legend).to_have_count(len(example_hex_map().bands))
    # Hovering a hexagon names it with its count, as the table does.
    biggest = example_hex_map().cells[0]
    map_element.locator("path.leaflet-interactive").nth(0).hover(force=True)
    expect(page.locator(".leaflet-tooltip")).to_contain_text(re.compile(r"\d+ VAWG crimes"))
    expect(page.get_by_role("table", name="VAWG crimes by area (illustrative)")).to_contain_text(
        biggest.label
    )

    # The charts are images named by their titles, each with its table.
    for chart in example_charts().values():
        expect(page.get_by_role("img", name=chart.title)).to_be_visible()
        expect(page.get_by_role("table", name=chart.title)).to_be_visible()

    axe.check(page)

    # A table's CSV download is the same table.
    link = page.get_by_role(
        "link", name=re.compile(r"^Download this table as CSV \(VAWG crimes by local authority")
    )
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.status == 200
    assert response.text().splitlines()[0] == "Local authority,VAWG crimes"

    origin = urlsplit(live_server.url).netloc
    assert all(urlsplit(url).netloc == origin for url in requested if url.startswith("http")), requested
    assert not [error for error in console_errors if "Content Security Policy" in error], console_errors
    assert not console_errors, console_errors
