"""The examples page of the dashboard components: every chart kind, the hexagon map and a CSV
download, drawn from fixed illustrative figures (not crime data), under /crime/examples/.

It is the visual test bed of `waymark.core.charts`, `waymark.core.hexmap` and
`waymark.core.csv_download`, and shows how a dashboard page puts them together. The figures go
through disclosure control exactly as real ones would, so hidden figures show as they will on
the VAWG and RASSO pages. Only people who may see crime data may open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from waymark.core.charts import Chart, bar_chart, funnel_chart, time_chart
from waymark.core.csv_download import csv_response
from waymark.core.disclosure import Audience, default_threshold, suppress_series
from waymark.core.geography import h3_cell
from waymark.core.hexmap import HexMap, geojson_response, hex_map_from_counts
from waymark.core.http import AuthenticatedHttpRequest

from . import rules as _rules  # noqa: F401 - registers the permissions this page checks

view_crime_data = permission_required("crime.view_crime_data", raise_exception=True)

# The map's resolution: H3 resolution 7 cells are about 5 km², coarse enough for a force area.
EXAMPLE_MAP_RESOLUTION = 7


@dataclass(frozen=True)
class ExamplePlace:
    """A point in the West Midlands with an illustrative count of crimes around it."""

    label: str
    latitude: float
    longitude: float
    count: int


# Town and city centres of the seven West Midlands districts and a few more places; the counts
# are made up for this page. Two are under the operational threshold, so the map leaves them out.
EXAMPLE_PLACES: tuple[ExamplePlace, ...] = (
    ExamplePlace("Birmingham city centre", 52.4797, -1.9027, 412),
    ExamplePlace("Sutton Coldfield", 52.5631, -1.8221, 57),
    ExamplePlace("Northfield", 52.4153, -1.9685, 76),
    ExamplePlace("Coventry", 52.4081, -1.5106, 168),
    ExamplePlace("Dudley", 52.5087, -2.0877, 97),
    ExamplePlace("West Bromwich", 52.5190, -1.9950, 143),
    ExamplePlace("Solihull", 52.4130, -1.7780, 3),
    ExamplePlace("Walsall", 52.5860, -1.9822, 88),
    ExamplePlace("Wolverhampton", 52.5870, -2.1290, 121),
    ExamplePlace("Halesowen", 52.4490, -2.0500, 2),
)

EXAMPLE_AUTHORITIES: tuple[tuple[str, int], ...] = (
    ("Birmingham", 352),
    ("Coventry", 121),
    ("Dudley", 98),
    ("Sandwell", 131),
    ("Solihull", 3),
    ("Walsall", 93),
    ("Wolverhampton", 102),
)

# April 2023 to March 2025, two financial years.
EXAMPLE_MONTHS: tuple[str, ...] = tuple(
    date(2023 + (3 + offset) // 12, (3 + offset) % 12 + 1, 1).strftime("%B %Y") for offset in range(24)
)
EXAMPLE_MONTHLY: tuple[int, ...] = (
    612, 640, 598, 655, 630, 587, 604, 571, 4, 549, 533, 601,
    628, 661, 617, 672, 648, 603, 622, 590, 566, 575, 552, 619,
)  # fmt: skip

EXAMPLE_FUNNEL: tuple[tuple[str, int], ...] = (
    ("Recorded", 640),
    ("Suspect identified", 505),
    ("Suspect interviewed", 372),
    ("Referred to the CPS", 96),
    ("Charged", 58),
    ("Convicted", 4),
)


def _threshold() -> int:
    return default_threshold(Audience.OPERATIONAL)


def example_charts() -> dict[str, Chart]:
    """The page's charts, keyed by their ids, after disclosure control at the operational threshold."""
    threshold = _threshold()
    authorities = suppress_series([count for _, count in EXAMPLE_AUTHORITIES], threshold=threshold)
    monthly = suppress_series(list(EXAMPLE_MONTHLY), threshold=threshold)
    # Funnel stages are not a series that adds up: each count is hidden on its own when small.
    stages = [
        suppress_series([count], threshold=threshold, protect_total=True).values[0]
        for _, count in EXAMPLE_FUNNEL
    ]
    charts = (
        bar_chart(
            chart_id="by-local-authority",
            title="VAWG crimes by local authority, March 2025 (illustrative)",
            labels=[name for name, _ in EXAMPLE_AUTHORITIES],
            values=list(authorities.values),
            category_label="Local authority",
            value_label="VAWG crimes",
            summary="Illustrative figures for the seven West Midlands districts.",
            total=authorities.total,
            show_total=True,
            threshold=threshold,
        ),
        time_chart(
            chart_id="by-month",
            title="VAWG crimes per month, April 2023 to March 2025 (illustrative)",
            labels=list(EXAMPLE_MONTHS),
            values=list(monthly.values),
            period_label="Month",
            value_label="VAWG crimes",
            style="column",
            threshold=threshold,
        ),
        time_chart(
            chart_id="by-month-line",
            title="VAWG crimes per month as a line (illustrative)",
            labels=list(EXAMPLE_MONTHS),
            values=list(monthly.values),
            period_label="Month",
            value_label="VAWG crimes",
            style="line",
            threshold=threshold,
        ),
        funnel_chart(
            chart_id="attrition",
            title="Adult rape offences: how far they progressed (illustrative)",
            labels=[label for label, _ in EXAMPLE_FUNNEL],
            values=stages,
            value_label="Offences",
            threshold=threshold,
        ),
    )
    return {chart.id: chart for chart in charts}


def example_hex_map() -> HexMap:
    """The page's map: the example places counted in H3 cells, after disclosure control."""
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for place in EXAMPLE_PLACES:
        cell = h3_cell(place.latitude, place.longitude, EXAMPLE_MAP_RESOLUTION)
        counts[cell] = counts.get(cell, 0) + place.count
        labels[cell] = place.label
    return hex_map_from_counts(
        counts,
        title="VAWG crimes by area (illustrative)",
        value_label="VAWG crimes",
        map_id="by-area",
        labels=labels,
        threshold=_threshold(),
    )


@login_required
@view_crime_data
@require_GET
def examples(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every dashboard component, with illustrative figures."""
    return render(
        request,
        "crime/examples.html",
        {"charts": example_charts(), "hex_map": example_hex_map(), "threshold": _threshold()},
    )


@login_required
@view_crime_data
@require_GET
def examples_hexmap(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The example map's hexagons as GeoJSON (what js/hexmap.mjs draws)."""
    return geojson_response(example_hex_map())


@login_required
@view_crime_data
@require_GET
def examples_csv(request: AuthenticatedHttpRequest, table: str) -> HttpResponse:
    """One of the page's tables as a CSV file: a chart's, or the map's (`by-area`)."""
    hex_map = example_hex_map()
    if table == hex_map.id:
        return csv_response(filename=hex_map.title, header=hex_map.csv_header(), rows=hex_map.csv_rows())
    chart = example_charts().get(table)
    if chart is None:
        raise Http404("No such table.")
    return csv_response(filename=chart.title, header=chart.csv_header(), rows=chart.csv_rows())
