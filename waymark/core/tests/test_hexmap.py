"""Hexagon maps: valid GeoJSON in [longitude, latitude], closed rings, small cells left out,
a colour scale that covers every count, and tile settings that open the CSP only as far as needed."""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
from html import unescape
from pathlib import Path

import h3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import engines
from django.test import override_settings

from config.settings.base import map_tile_origin
from waymark.core.geography import h3_cell
from waymark.core.hexmap import (
    GEOJSON_CONTENT_TYPE,
    HEX_COLOURS,
    MapTiles,
    geojson_response,
    hex_map_from_counts,
    hexagon_ring,
    hexmap_geojson,
    map_tiles,
)

# A box round the West Midlands police force area, with a margin (degrees).
WEST_MIDLANDS_LATITUDE = (52.30, 52.70)
WEST_MIDLANDS_LONGITUDE = (-2.25, -1.40)

PLACES = {
    "Birmingham": (52.4797, -1.9027),
    "Coventry": (52.4081, -1.5106),
    "Dudley": (52.5087, -2.0877),
    "West Bromwich": (52.5190, -1.9950),
    "Solihull": (52.4130, -1.7780),
    "Walsall": (52.5860, -1.9822),
    "Wolverhampton": (52.5870, -2.1290),
}


def cell_of(place: str, res: int = 7) -> str:
    lat, lng = PLACES[place]
    return h3_cell(lat, lng, res)


def contains(ring: list[list[float]], lng: float, lat: float) -> bool:
    """Ray casting in the plane of [longitude, latitude]."""
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > lat) != (y2 > lat) and lng < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


# --- rings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", sorted(PLACES))
def test_a_ring_is_closed_counter_clockwise_and_in_longitude_latitude_order(place):
    lat, lng = PLACES[place]
    ring = hexagon_ring(cell_of(place))
    assert len(ring) == 7, "six corners and the first repeated"
    assert ring[0] == ring[-1]
    for point_lng, point_lat in ring:
        assert WEST_MIDLANDS_LONGITUDE[0] <= point_lng <= WEST_MIDLANDS_LONGITUDE[1]
        assert WEST_MIDLANDS_LATITUDE[0] <= point_lat <= WEST_MIDLANDS_LATITUDE[1]
    assert contains(ring, lng, lat), "the place is inside its own hexagon"
    assert not contains(ring, lat, lng), "swapped, it would not be"
    assert signed_area(ring) > 0, "RFC 7946: exterior rings are counter-clockwise"


def test_ring_corners_are_h3s_corners_swapped():
    cell = cell_of("Birmingham")
    corners = {(round(lat, 6), round(lng, 6)) for lat, lng in h3.cell_to_boundary(cell)}
    assert {(lat, lng) for lng, lat in hexagon_ring(cell)} == corners


def test_a_ring_for_something_that_is_not_a_cell_is_refused():
    with pytest.raises(ValueError, match="'not-a-cell' is not a valid H3 cell"):
        hexagon_ring("not-a-cell")


# --- the collection -------------------------------------------------------------------------------


def counts_by_place() -> dict[str, int]:
    counts = dict.fromkeys(PLACES, 0)
    counts.update(
        {
            "Birmingham": 412,
            "Coventry": 168,
            "Dudley": 97,
            "West Bromwich": 143,
            "Solihull": 3,
            "Walsall": 2,
            "Wolverhampton": 121,
        }
    )
    return {cell_of(place): count for place, count in counts.items()}


def test_the_geojson_is_a_feature_collection_of_the_cells_not_hidden():
    counts = counts_by_place()
    collection = hexmap_geojson(counts, title="VAWG crimes by area", value_label="VAWG crimes", threshold=5)
    json.dumps(collection)  # serialisable as it stands
    assert collection["type"] == "FeatureCollection"
    shown = {
        feature["properties"]["cell"]: feature["properties"]["count"] for feature in collection["features"]
    }
    assert shown == {cell: count for cell, count in counts.items() if count >= 5}
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert feature["id"] == feature["properties"]["cell"]
        assert feature["geometry"]["type"] == "Polygon"
        [ring] = feature["geometry"]["coordinates"]
        assert ring == hexagon_ring(feature["properties"]["cell"])
    assert collection["valueLabel"] == "VAWG crimes"
    assert "fewer than 5 VAWG crimes are not shown" in collection["note"]


def test_nothing_about_a_hidden_cell_reaches_the_browser():
    counts = counts_by_place()
    text = json.dumps(hexmap_geojson(counts, threshold=5))
    for place in ("Solihull", "Walsall"):
        cell = cell_of(place)
        assert cell not in text
        for lng, lat in hexagon_ring(cell)[:-1]:
            assert str(lng) not in text or str(lat) not in text


def test_one_small_cell_takes_another_with_it_so_it_cannot_be_worked_out_from_a_total():
    counts = {
        cell_of("Birmingham"): 412,
        cell_of("Coventry"): 168,
        cell_of("Dudley"): 97,
        cell_of("Solihull"): 3,
    }
    hex_map = hex_map_from_counts(counts, title="Map", threshold=5)
    assert [cell.cell for cell in hex_map.cells] == [cell_of("Birmingham"), cell_of("Coventry")]
    assert hex_map.has_hidden


def test_zero_counts_draw_no_hexagon_and_hide_nothing():
    counts = {cell_of("Birmingham"): 412, cell_of("Coventry"): 0}
    hex_map = hex_map_from_counts(counts, title="Map", threshold=5)
    assert [cell.cell for cell in hex_map.cells] == [cell_of("Birmingham")]
    assert not hex_map.has_hidden
    assert hex_map.as_geojson()["note"] == ""


def test_counts_are_rounded_after_hiding_and_a_cell_rounded_to_nothing_is_not_drawn():
    """Solihull's 3 and Walsall's 2 are hidden at threshold 5 whatever the rounding; with it, the
    rest are shown to the nearest 10 (97 -> 100, 143 -> 140, 412 -> 410, 168 -> 170, 121 -> 120).
    At threshold 1, a count of 2 rounds to 0: no hexagon says "none here" of a place with two."""
    counts = counts_by_place()
    rounded = hex_map_from_counts(counts, title="Map", threshold=5, rounding_base=10)
    exact = hex_map_from_counts(counts, title="Map", threshold=5)
    assert {cell.cell for cell in rounded.cells} == {cell.cell for cell in exact.cells}
    assert {cell.cell: cell.count for cell in rounded.cells} == {
        cell.cell: 10 * ((cell.count + 5) // 10) for cell in exact.cells
    }
    assert {cell.count for cell in rounded.cells} >= {100, 410}
    assert rounded.rounding_base == 10
    assert exact.rounding_base is None
    for cell in rounded.cells:
        assert rounded.bands[cell.band].low <= cell.count <= rounded.bands[cell.band].high

    small = hex_map_from_counts(
        {cell_of("Birmingham"): 412, cell_of("Walsall"): 2}, title="Map", threshold=1, rounding_base=5
    )
    assert [(cell.cell, cell.count) for cell in small.cells] == [(cell_of("Birmingham"), 410)]
    assert small.has_hidden


@override_settings(DISCLOSURE_THRESHOLD_OPERATIONAL=100)
def test_the_operational_threshold_is_the_default():
    hex_map = hex_map_from_counts(counts_by_place(), title="Map")
    assert hex_map.threshold == 100
    assert all(cell.count >= 100 for cell in hex_map.cells)
    assert {cell.count for cell in hex_map.cells} == {412, 168, 143, 121}


def test_cells_are_largest_first_and_labelled_for_people():
    counts = counts_by_place()
    labels = {cell_of("Birmingham"): "Birmingham city centre"}
    hex_map = hex_map_from_counts(counts, title="Map", labels=labels, threshold=5)
    assert [cell.count for cell in hex_map.cells] == [412, 168, 143, 121, 97]
    assert hex_map.cells[0].label == "Birmingham city centre"
    lat, lng = h3.cell_to_latlng(cell_of("Coventry"))
    assert hex_map.cells[1].label == f"Around {lat:.3f}° N, {abs(lng):.3f}° W"
    assert hex_map.cells[1].centre == (round(lat, 6), round(lng, 6))


def test_every_count_falls_in_its_colour_class_and_classes_go_light_to_dark():
    counts = {cell: index * 7 + 5 for index, cell in enumerate(h3.grid_disk(cell_of("Birmingham", 8), 3))}
    hex_map = hex_map_from_counts(counts, title="Map", threshold=5)
    assert len(hex_map.bands) == len(HEX_COLOURS)
    assert [band.colour for band in hex_map.bands] == list(HEX_COLOURS)
    lows = [band.low for band in hex_map.bands]
    assert lows == sorted(lows)
    for earlier, later in zip(hex_map.bands, hex_map.bands[1:], strict=False):
        assert earlier.high < later.low
    for cell in hex_map.cells:
        band = hex_map.bands[cell.band]
        assert band.low <= cell.count <= band.high
    assert hex_map.bands[0].low == min(counts.values())
    assert hex_map.bands[-1].high == max(counts.values())
    legend = hex_map.as_geojson()["legend"]
    assert legend[0] == {
        "label": f"{hex_map.bands[0].low} to {hex_map.bands[0].high}",
        "colour": HEX_COLOURS[0],
    }


def test_a_few_distinct_counts_get_one_class_each():
    """One class per count shown, each starting just above the one before, so the legend has no
    gap a reader would wonder about ("9", "10 to 40", not "9", "40")."""
    counts = {cell_of("Birmingham"): 40, cell_of("Coventry"): 40, cell_of("Dudley"): 9}
    hex_map = hex_map_from_counts(counts, title="Map", threshold=5)
    assert [(band.low, band.high, band.label) for band in hex_map.bands] == [
        (9, 9, "9"),
        (10, 40, "10 to 40"),
    ]
    assert [band.colour for band in hex_map.bands] == [HEX_COLOURS[0], HEX_COLOURS[-1]]


def test_a_count_no_area_has_still_has_a_class():
    """The usability review's legend read "5 to 6, 7 to 8, 10, 11 to 15": no area had 9, and a
    class started at the next count shown rather than just above the class before."""
    cells = list(h3.grid_disk(cell_of("Birmingham", 8), 2))
    counts = dict(zip(cells, [5, 6, 7, 8, 10, 11, 12, 13, 14, 15], strict=False))
    hex_map = hex_map_from_counts(counts, title="Map", threshold=5)
    assert [band.label for band in hex_map.bands] == ["5 to 6", "7 to 8", "9 to 11", "12 to 13", "14 to 15"]


def assert_classes_cover_the_counts_without_a_gap(hex_map, step: int) -> None:
    shown = [cell.count for cell in hex_map.cells]
    bands = hex_map.bands
    assert len(bands) <= len(HEX_COLOURS)
    assert bands[0].low == min(shown)
    assert bands[-1].high == max(shown)
    for earlier, later in itertools.pairwise(bands):
        assert later.low == earlier.high + step, [band.label for band in bands]
    for band in bands:
        assert band.low <= band.high
        assert band.low % step == 0
        assert band.high % step == 0
        assert any(band.low <= count <= band.high for count in shown), f"{band.label} is an empty class"
    for cell in hex_map.cells:
        holding = [index for index, band in enumerate(bands) if band.low <= cell.count <= band.high]
        assert holding == [cell.band]


@pytest.mark.parametrize("rounding_base", [None, 1, 2, 5, 10])
def test_every_count_shown_falls_in_exactly_one_class_and_the_classes_leave_no_gap(rounding_base):
    """Many random maps: counts rounded to a base are multiples of it, so its classes step by it
    ("10 to 20, 30 to 50"); exact counts step by one."""
    step = rounding_base or 1
    cells = list(h3.grid_disk(cell_of("Birmingham", 8), 3))
    chance = random.Random(f"hexmap bands {rounding_base}")
    drawn = 0
    for _ in range(300):
        chosen = chance.sample(cells, chance.randint(1, len(cells)))
        largest = chance.choice([12, 40, 200, 5_000])
        counts = {cell: chance.randint(0, largest) for cell in chosen}
        threshold = chance.randint(1, 10)
        hex_map = hex_map_from_counts(counts, title="Map", threshold=threshold, rounding_base=rounding_base)
        if hex_map.is_empty:
            assert hex_map.bands == ()
            continue
        drawn += 1
        assert all(cell.count % step == 0 for cell in hex_map.cells)
        assert_classes_cover_the_counts_without_a_gap(hex_map, step)
    assert drawn > 250


def test_rounded_counts_make_classes_of_multiples_of_the_base_and_the_legend_says_so():
    hex_map = hex_map_from_counts(counts_by_place(), title="Map", threshold=5, rounding_base=10)
    assert sorted(cell.count for cell in hex_map.cells) == [100, 120, 140, 170, 410]
    assert [band.label for band in hex_map.bands] == [
        "100",
        "110 to 120",
        "130 to 140",
        "150 to 170",
        "180 to 410",
    ]
    assert hex_map.as_geojson()["roundingBase"] == 10
    assert hex_map_from_counts(counts_by_place(), title="Map", threshold=5).as_geojson()["roundingBase"] == 1


def test_an_empty_map_is_an_empty_collection_that_says_why():
    collection = hexmap_geojson({}, value_label="VAWG crimes", threshold=5)
    assert collection["features"] == []
    assert collection["legend"] == []
    assert collection["emptyNote"] == (
        "There is no area to show on the map for these filters: there are no VAWG crimes with a location."
    )
    assert hexmap_geojson(counts_by_place(), threshold=5)["emptyNote"] == ""


@pytest.mark.parametrize(
    ("counts", "error", "message"),
    [
        ({"zzz": 5}, ValueError, "'zzz' is not a valid H3 cell"),
        ({"87195c05bffffff": -1}, ValueError, "counts cannot be negative"),
        ({"87195c05bffffff": True}, TypeError, "whole number"),
        ({"87195c05bffffff": 2.5}, TypeError, "whole number"),
    ],
)
def test_bad_counts_are_refused(counts, error, message):
    with pytest.raises(error, match=message):
        hex_map_from_counts(counts, title="Map")


def test_cells_of_different_resolutions_are_refused():
    with pytest.raises(ValueError, match=r"resolutions \[7, 8\]; a map shows one resolution"):
        hex_map_from_counts({cell_of("Birmingham", 7): 9, cell_of("Coventry", 8): 9}, title="Map")


def test_the_csv_rows_are_the_table():
    hex_map = hex_map_from_counts(counts_by_place(), title="Map", value_label="VAWG crimes", threshold=5)
    assert hex_map.csv_header() == ("Area", "H3 cell", "VAWG crimes")
    assert [row[1:] for row in hex_map.csv_rows()] == [[cell.cell, cell.count] for cell in hex_map.cells]


def test_the_response_is_geojson():
    hex_map = hex_map_from_counts(counts_by_place(), title="Map", threshold=5)
    response = geojson_response(hex_map)
    assert response["Content-Type"] == GEOJSON_CONTENT_TYPE
    assert json.loads(response.content) == hex_map.as_geojson()


# --- the component --------------------------------------------------------------------------------


def render(hex_map: object) -> str:
    template = engines["jinja2"].from_string(
        '{% from "components/hexmap.html" import hexmap %}'
        '{{ hexmap(hex_map, src="/map.geojson", csv_href="/map.csv") }}'
    )
    return template.render({"hex_map": hex_map})


def test_the_component_has_the_map_element_and_a_table_of_the_same_figures():
    hex_map = hex_map_from_counts(
        counts_by_place(),
        title="VAWG crimes by area",
        value_label="VAWG crimes",
        threshold=5,
        tiles=MapTiles(),
    )
    html = render(hex_map)
    assert 'data-hexmap data-src="/map.geojson" data-tiles=""' in html
    assert " style=" not in html
    assert "<script" not in html
    rows = [(cell.cell, f"{cell.count:,}") for cell in hex_map.cells]
    for cell, _count in rows:
        assert f'data-cell="{cell}"' in html
    assert html.count('<tr class="govuk-table__row" data-cell=') == len(rows)
    assert ">VAWG crimes</th>" in html
    assert "fewer than 5 VAWG crimes are not shown" in html
    assert 'href="/map.csv" download>Download this table as CSV' in html


@pytest.mark.parametrize(
    ("counts", "why"),
    [
        ({}, "there are no VAWG crimes with a location."),
        ({cell_of("Birmingham"): 0}, "there are no VAWG crimes with a location."),
        (
            {cell_of("Birmingham"): 3, cell_of("Coventry"): 4},
            "every area's count of VAWG crimes is too small",
        ),
        # Coventry's 9 would give Birmingham's 3 away from the total, so it is hidden too.
        (
            {cell_of("Birmingham"): 3, cell_of("Coventry"): 9},
            "every area's count of VAWG crimes is too small",
        ),
    ],
)
def test_with_no_area_to_show_the_component_says_why_and_draws_no_empty_map(counts, why):
    hex_map = hex_map_from_counts(counts, title="VAWG crimes by area", value_label="VAWG crimes", threshold=5)
    assert hex_map.is_empty
    html = render(hex_map)
    assert "data-hexmap" not in html, "no map box"
    assert "<table" not in html, "no empty table"
    assert "/map.csv" not in html
    assert '<div class="govuk-inset-text">' in html
    assert f"There is no area to show on the map for these filters: {why}" in unescape(html)
    assert ("fewer than 5 VAWG crimes are not shown" in html) == hex_map.has_hidden


@pytest.mark.parametrize(
    ("named", "heading"),
    [
        ((), "Area (centre of its hexagon)"),
        (("Birmingham",), "Area (its name, or the centre of its hexagon)"),
        (("Birmingham", "Coventry", "Dudley", "West Bromwich", "Wolverhampton"), "Area"),
    ],
)
def test_the_tables_area_heading_says_what_the_labels_are(named, heading):
    """Unnamed cells are labelled by their centre ("Around 52.510° N, 1.993° W"): the column
    heading says so, rather than "Area" above a list of coordinates."""
    labels = {cell_of(place): f"{place} centre" for place in named}
    hex_map = hex_map_from_counts(counts_by_place(), title="Map", labels=labels, threshold=5)
    assert hex_map.area_heading == heading
    assert f'<th scope="col" class="govuk-table__header">{heading}</th>' in render(hex_map)
    assert [cell.named for cell in hex_map.cells] == [
        cell.label.endswith(" centre") for cell in hex_map.cells
    ]


def test_the_component_passes_the_tile_settings_to_the_map():
    tiles = MapTiles(
        url="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        attribution="© OpenStreetMap contributors",
        attribution_url="https://www.openstreetmap.org/copyright",
    )
    html = render(hex_map_from_counts(counts_by_place(), title="Map", threshold=5, tiles=tiles))
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert 'data-attribution="© OpenStreetMap contributors"' in html
    assert 'data-attribution-url="https://www.openstreetmap.org/copyright"' in html


# --- tiles and the CSP ----------------------------------------------------------------------------


def test_no_tiles_by_default():
    assert map_tiles() == MapTiles()
    assert not map_tiles().enabled


@override_settings(
    WAYMARK_MAP_TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    WAYMARK_MAP_TILE_ATTRIBUTION="© OpenStreetMap contributors",
)
def test_tiles_come_from_settings():
    tiles = map_tiles()
    assert tiles.enabled
    assert tiles.url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert hex_map_from_counts({}, title="Map").tiles == tiles


@pytest.mark.parametrize(
    ("template", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example.org/base/{z}/{x}/{y}.png", "https://*.tiles.example.org"),
        ("https://maps.example.org:8443/{z}/{y}/{x}.png?key=abc", "https://maps.example.org:8443"),
    ],
)
def test_the_csp_source_is_the_tile_hosts_origin(template, origin):
    assert map_tile_origin(template) == origin


@pytest.mark.parametrize(
    "template",
    [
        "http://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://tile.openstreetmap.org/tiles.png",
        "https://a.example.org;script-src 'unsafe-inline'/{z}/{x}/{y}.png",
        "https://{z}.example.org/{x}/{y}.png",
        "https://user@example.org/{z}/{x}/{y}.png",
        "tile.openstreetmap.org/{z}/{x}/{y}.png",
    ],
)
def test_a_bad_tile_template_stops_start_up(template):
    with pytest.raises(ImproperlyConfigured, match="WAYMARK_MAP_TILE_URL"):
        map_tile_origin(template)


def _img_src(environment: dict[str, str]) -> list[str]:
    """The img-src the settings compute in a fresh interpreter with this environment."""
    code = (
        "import json, config.settings.test as s; "
        "print(json.dumps(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **environment},
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_csp_lets_images_in_from_the_tile_host_only_when_tiles_are_configured():
    assert _img_src({"WAYMARK_MAP_TILE_URL": ""}) == ["'self'", "data:"]
    assert _img_src({"WAYMARK_MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png"}) == [
        "'self'",
        "data:",
        "https://tile.openstreetmap.org",
    ]
