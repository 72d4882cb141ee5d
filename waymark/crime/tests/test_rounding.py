"""Rounding crime figures (`CRIME_FIGURES_ROUNDING_BASE`): what it closes, and that every page,
download, map and API answer rounds the same way.

The extract (`extract` fixture), West Midlands, financial year 2024/25:

| crimes | local authority | offence | basis               | outcome      | located              |
|--------|-----------------|---------|---------------------|--------------|----------------------|
| 7      | Birmingham      | 8Q      | stalking_harassment | none         | Birmingham centre    |
| 2      | Birmingham      | 19C     | sexual_offence      | none         | Birmingham centre    |
| 6      | Coventry        | 19C     | sexual_offence      | 1 (charged)  | no                   |
| 7      | Coventry        | 19C     | sexual_offence      | none yet     | no                   |

Without rounding, Birmingham shows 9 VAWG crimes, and 7 when filtered to stalking and
harassment: 9 - 7 = 2 Birmingham crimes that are not stalking, a figure under the threshold
that no table shows. Rounded to 5, the same views show 10 and 5, and 10 - 5 = 5 says only that
the true difference is somewhere from 1 to 9.

Adult rape: 15 recorded (M1), 6 charged (M2's numerator), 9 with no outcome yet. Rounded to 5:
15, 5 and 10, and M2 is 5 / 15, worked out from the counts as shown.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from waymark.core.geography import h3_cell
from waymark.crime.metrics import (
    CrimeFilters,
    FigureTable,
    RassoMetrics,
    VawgVolumes,
    rasso_metrics,
    vawg_volumes,
)
from waymark.crime.models import Crime

from .metric_fixtures import BIRMINGHAM, COVENTRY, make_crime

pytestmark = pytest.mark.django_db

FY = CrimeFilters.for_financial_year("2024/25")
STALKING = CrimeFilters.for_financial_year("2024/25", vawg_basis="stalking_harassment")
BIRMINGHAM_CENTRE = (52.4797, -1.9027)


@pytest.fixture
def extract() -> None:
    """The extract in the module docstring."""
    for n in range(7):
        make_crime(
            f"S{n}",
            recorded=date(2024, 4, 10),
            code="8Q",
            adult_rape=False,
            bases=("stalking_harassment",),
        )
    make_crime("B0", recorded=date(2024, 5, 1))
    make_crime("B1", recorded=date(2024, 5, 2))
    lat, lng = BIRMINGHAM_CENTRE
    Crime.objects.filter(local_authority__code=BIRMINGHAM).update(
        latitude=lat, longitude=lng, h3_r7=h3_cell(lat, lng, 7), h3_r8=h3_cell(lat, lng, 8)
    )
    for n in range(6):
        make_crime(
            f"C{n}",
            recorded=date(2024, 6, 3),
            local_authority=COVENTRY,
            outcome=1,
            outcome_on=date(2024, 6, 20),
        )
    for n in range(7):
        make_crime(f"O{n}", recorded=date(2024, 6, 4), local_authority=COVENTRY)


def birmingham(volumes: VawgVolumes) -> int | None:
    table = volumes.table("local_authority")
    return next(cells[0] for key, _, cells in table.rows() if key == BIRMINGHAM)


def near(shown: int) -> range:
    """The true counts that round to `shown` (base 5, halves upwards)."""
    return range(shown - 2, shown + 3)


def every_count(result: VawgVolumes | RassoMetrics) -> list[int]:
    """Every count the result publishes (hidden ones left out)."""
    tables: list[FigureTable] = []
    figures: list[int | None] = []
    if isinstance(result, VawgVolumes):
        tables = list(result.tables)
    else:
        tables = [result.funnel.losses]
        for metric in result.metrics:
            figures += [metric.numerator, metric.denominator, metric.not_yet_assigned]
            if metric.kind == "count":
                figures.append(metric.value)  # type: ignore[arg-type]
        for stage in result.funnel.stages:
            figures += [stage.count, stage.lost_after]
    for table in tables:
        figures += [value for _, _, cells in table.rows() for value in cells]
        figures.append(table.total)
    return [value for value in figures if value is not None]


def test_without_rounding_a_small_figure_can_be_worked_out_across_filters(world, extract):
    """The gap rounding closes: each view is suppressed on its own, and both show their figure."""
    analyst = world.member("opcc_analyst")
    everything = birmingham(vawg_volumes(user=analyst, filters=FY))
    stalking = birmingham(vawg_volumes(user=analyst, filters=STALKING))
    assert (everything, stalking) == (9, 7)
    assert everything is not None
    assert stalking is not None
    assert everything - stalking == 2  # under the threshold, and shown nowhere


def test_rounded_views_no_longer_give_the_small_figure_away(world, extract):
    analyst = world.member("opcc_analyst")
    everything = birmingham(vawg_volumes(user=analyst, filters=FY, rounding_base=5))
    stalking = birmingham(vawg_volumes(user=analyst, filters=STALKING, rounding_base=5))
    assert (everything, stalking) == (10, 5)
    assert everything is not None
    assert stalking is not None
    # Each rounded figure stands for anything within 2 of it: the difference is 1 to 9.
    possible = {a - b for a in near(everything) for b in near(stalking)}
    assert possible == set(range(1, 10))
    assert 2 in possible


@pytest.mark.parametrize("base", [5, 10])
def test_every_figure_is_a_multiple_of_the_base_and_rates_use_the_rounded_counts(world, extract, base):
    analyst = world.member("opcc_analyst")
    volumes = vawg_volumes(user=analyst, filters=FY, rounding_base=base)
    metrics = rasso_metrics(user=analyst, filters=FY, rounding_base=base)
    assert (volumes.rounding_base, metrics.rounding_base) == (base, base)
    for result in (volumes, metrics):
        counts = every_count(result)
        assert counts, "the extract gives every table something to show"
        assert all(count % base == 0 for count in counts), counts
    for metric in metrics.metrics:
        if metric.kind == "rate" and metric.value is not None:
            assert metric.numerator is not None
            assert metric.denominator
            assert metric.value == metric.numerator / metric.denominator
            assert 0 <= metric.value <= 1


def test_rasso_figures_rounded_to_five(world, extract):
    """M1 15 -> 15, charged 6 -> 5, not yet assigned 9 -> 10; M2 = 5 / 15."""
    metrics = rasso_metrics(user=world.member("opcc_analyst"), filters=FY, rounding_base=5)
    m2 = metrics.metric("M2")
    assert metrics.metric("M1").numerator == 15
    assert (m2.numerator, m2.denominator, m2.not_yet_assigned) == (5, 15, 10)
    assert m2.value == pytest.approx(1 / 3)
    exact = rasso_metrics(user=world.member("opcc_analyst"), filters=FY, rounding_base=1).metric("M2")
    assert (exact.numerator, exact.denominator, exact.not_yet_assigned) == (6, 15, 9)


def test_hiding_is_decided_on_true_counts_before_rounding(world, extract):
    """Birmingham's 2 rapes are hidden at threshold 5 (and a second figure with them), rounded or not."""
    analyst = world.member("opcc_analyst")
    filters = CrimeFilters.for_financial_year("2024/25", vawg_basis="sexual_offence")
    exact = vawg_volumes(user=analyst, filters=filters, rounding_base=1)
    rounded = vawg_volumes(user=analyst, filters=filters, rounding_base=5)
    assert birmingham(exact) is None
    assert birmingham(rounded) is None
    assert {(h.table, h.row) for h in exact.hidden} == {(h.table, h.row) for h in rounded.hidden}


@pytest.mark.parametrize("bad", [0, -5, True, "5"])
def test_a_bad_rounding_base_is_refused(world, extract, bad):
    with pytest.raises(ValueError, match="rounding_base must be a whole number of at least 1"):
        vawg_volumes(user=world.member("opcc_analyst"), filters=FY, rounding_base=bad)
    with (
        override_settings(CRIME_FIGURES_ROUNDING_BASE=bad),
        pytest.raises(ValueError, match=r"settings\.CRIME_FIGURES_ROUNDING_BASE must be"),
    ):
        rasso_metrics(user=world.member("opcc_analyst"), filters=FY)


def download(client: Any, name: str, table: str) -> dict[str, list[str]]:
    response = client.get(reverse(name, args=[table]), {"period": "fy:2024/25"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return {row[0]: row[1:] for row in rows if row}


def test_by_default_figures_are_exact_and_nothing_says_they_are_rounded(client, world, extract):
    client.force_login(world.member("opcc_analyst"))
    page = client.get(reverse("crime:vawg"), {"period": "fy:2024/25"}).content.decode()
    assert "rounded to the nearest" not in page
    assert download(client, "crime:vawg_download", "local_authority")["Birmingham"] == ["9"]
    assert "Rounding" not in download(client, "crime:rasso_download", "metrics")
    body = client.get("/api/v1/crime/vawg-volumes", {"financial_year": "2024/25"}).json()
    assert body["rounding_base"] == 1


@override_settings(CRIME_FIGURES_ROUNDING_BASE=5)
def test_the_setting_rounds_pages_downloads_the_map_and_the_api(client, world, extract):
    client.force_login(world.member("opcc_analyst"))
    note = "Every count shown is rounded to the nearest 5"
    for name in ("crime:vawg", "crime:rasso"):
        page = client.get(reverse(name), {"period": "fy:2024/25"}).content.decode()
        assert note in page, name

    by_area = download(client, "crime:vawg_download", "local_authority")
    assert by_area["Birmingham"] == ["10"]
    assert by_area["Rounding"][0].startswith(note)
    metrics_csv = download(client, "crime:rasso_download", "metrics")
    assert metrics_csv["Rounding"][0].startswith(note)
    assert metrics_csv["M1"][2] == "15"

    geojson = json.loads(client.get(reverse("crime:vawg_map"), {"period": "fy:2024/25"}).content)
    assert [feature["properties"]["count"] for feature in geojson["features"]] == [10]
    map_csv = download(client, "crime:vawg_download", "map")
    assert map_csv["Rounding"][0].startswith(note)
    map_api = client.get("/api/v1/crime/vawg-map", {"financial_year": "2024/25"}).json()
    assert (map_api["rounding_base"], [cell["count"] for cell in map_api["cells"]]) == (5, [10])

    volumes = client.get("/api/v1/crime/vawg-volumes", {"financial_year": "2024/25"}).json()
    assert volumes["rounding_base"] == 5
    by_key = {row["key"]: row["values"][0] for row in volumes["tables"][0]["rows"]}
    assert by_key[BIRMINGHAM] == 10
    rasso = client.get("/api/v1/crime/rasso-metrics", {"financial_year": "2024/25"}).json()
    m2 = next(item for item in rasso["metrics"] if item["id"] == "M2")
    assert (rasso["rounding_base"], m2["numerator"], m2["denominator"]) == (5, 5, 15)
