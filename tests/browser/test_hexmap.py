"""The dashboard components in a real browser: the examples page passes axe, the hexagon map draws
every hexagon with no tiles configured, its hexagons are no tab stops, nothing is fetched from
elsewhere, and the CSP holds."""

import json
import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from waymark.core.geography import h3_cell
from waymark.core.hexmap import hex_map_from_counts
from waymark.core.testing.world import build_world
from waymark.crime.models import Crime
from waymark.crime.tests.metric_fixtures import make_crime
from waymark.crime.views_components import example_charts, example_hex_map

from .signing_in import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# The focused element, as "tag name", when it is inside the map, else null.
FOCUS_IN_MAP_JS = """() => {
  const focused = document.activeElement;
  if (!focused || !focused.closest("[data-hexmap]")) return null;
  const name = focused.getAttribute("aria-label") || focused.textContent || "";
  return `${focused.tagName.toLowerCase()} ${name.trim()}`;
}"""


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
    # The hexagons are a picture of the table beside the map: no tab stops (from the map, Tab
    # reaches Leaflet's zoom buttons and its credit, then leaves), and hidden from assistive
    # technology.
    map_element.focus()
    stops: list[str] = []
    for _ in range(shown + 3):
        page.keyboard.press("Tab")
        inside = page.evaluate(FOCUS_IN_MAP_JS)
        if inside is None:
            break
        stops.append(inside)
    assert stops == ["a Zoom in", "a Zoom out", "a Leaflet"], stops
    expect(map_element.locator(".leaflet-overlay-pane")).to_have_attribute("aria-hidden", "true")
    # Hovering a hexagon names it with its count, as the table does; Escape dismisses it.
    biggest = example_hex_map().cells[0]
    map_element.locator("path.leaflet-interactive").nth(0).hover(force=True)
    expect(page.locator(".leaflet-tooltip")).to_contain_text(re.compile(r"\d+ VAWG crimes"))
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-tooltip")).to_have_count(0)
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


def test_a_map_whose_data_has_no_hexagon_says_why_instead_of_drawing_an_empty_box(
    page, live_server, console_errors
):
    """The page had hexagons when it was made but the data fetched has none (it changed in
    between): the map's box gives way to an inset saying why."""
    analyst = build_world().member("opcc_analyst")
    sign_in(page, live_server.url, analyst.email)
    # One area with 3 VAWG crimes: under the threshold, so nothing to draw.
    empty = hex_map_from_counts(
        {example_hex_map().cells[0].cell: 3}, title="Map", value_label="VAWG crimes", threshold=5
    )
    assert empty.is_empty
    page.route(
        "**/crime/examples/hexmap.geojson",
        lambda route: route.fulfill(
            status=200, content_type="application/geo+json", body=json.dumps(empty.as_geojson())
        ),
    )

    page.goto(f"{live_server.url}/crime/examples/")
    map_element = page.locator("[data-hexmap]")
    expect(map_element).to_have_attribute("data-hexmap-ready", "0", timeout=15_000)
    expect(map_element.locator(".govuk-inset-text")).to_contain_text(
        "There is no area to show on the map for these filters: "
        "every area's count of VAWG crimes is too small"
    )
    expect(map_element).not_to_have_attribute("role", "region")
    box = map_element.bounding_box()
    assert box
    assert box["height"] < 200, "no empty map box"
    expect(page.locator("#by-area .waymark-hexmap__legend")).to_have_count(0)
    assert not console_errors, console_errors


@pytest.mark.parametrize("path", ["/crime/vawg/", "/crime/rasso/"])
def test_the_crime_pages_draw_their_crimes_hexagons_with_no_tiles(
    page, live_server, axe, console_errors, path
):
    """The VAWG and adult rape pages' own maps, from their own GeoJSON: one hexagon for each row
    of the map's table, with no tiles configured and nothing fetched from elsewhere."""
    places = {"Birmingham": (52.4797, -1.9027), "Coventry": (52.4068, -1.5197)}
    for name, (lat, lng) in places.items():
        for n in range(12):
            crime = make_crime(f"{name}-{n}", recorded=date(2024, 4, 10 + n))
            Crime.objects.filter(pk=crime.pk).update(
                latitude=lat, longitude=lng, h3_r7=h3_cell(lat, lng, 7), h3_r8=h3_cell(lat, lng, 8)
            )
    analyst = build_world().member("opcc_analyst")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server.url, analyst.email)

    page.goto(f"{live_server.url}{path}")
    map_element = page.locator("[data-hexmap]")
    rows = page.locator(".waymark-hexmap tbody tr[data-cell]")
    expect(rows).to_have_count(len(places))
    expect(map_element).to_have_attribute("data-hexmap-ready", str(len(places)), timeout=15_000)
    expect(map_element.locator("path.leaflet-interactive")).to_have_count(len(places))
    expect(map_element.locator("img")).to_have_count(0)
    axe.check(page)
    origin = urlsplit(live_server.url).netloc
    assert all(urlsplit(url).netloc == origin for url in requested if url.startswith("http")), requested
    assert not console_errors, console_errors
