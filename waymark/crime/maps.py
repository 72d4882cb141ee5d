"""The dashboards' maps: crimes recorded in a period counted in H3 hexagons, after disclosure
control. The VAWG page maps VAWG crimes; the adult rape page maps the offences M1 counts. The
pages, their CSV downloads, their GeoJSON and the API all take their maps from here."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from waymark.core.disclosure import Audience, default_threshold
from waymark.core.hexmap import HexMap, centre_label, hex_map_from_counts

from . import metrics
from .metrics import CrimeFilters
from .models import Crime

# The maps count crimes in H3 resolution 7 cells (about 5 km²): coarse enough for a force area.
MAP_RESOLUTION = 7
MAP_RESOLUTION_FIELD = f"h3_r{MAP_RESOLUTION}"


@dataclass(frozen=True)
class MapScope:
    """Which crimes a map counts (`flag`, a boolean field of `Crime`) and what it calls them."""

    flag: str
    title: str
    value_label: str
    map_id: str


MAPS: dict[str, MapScope] = {
    "vawg": MapScope("is_vawg", "VAWG crimes by area", "VAWG crimes", "vawg-map"),
    "rasso": MapScope("is_adult_rape", "Adult rape offences by area", "adult rape offences", "rasso-map"),
}


def _cells(*, user: Any, filters: CrimeFilters, scope: str) -> tuple[dict[str, int], dict[str, str]]:
    """Crimes of `scope` recorded in the period per H3 cell, and each cell's name: the local
    authority most of its crimes are in, then its centre (a hexagon can straddle a boundary)."""
    metrics.ensure_may_view_crime_data(user)
    crimes = filters.apply(
        Crime.objects.visible_to(user).filter(
            **{MAPS[scope].flag: True}, record_status=Crime.RecordStatus.RECORDED
        ),
        user=user,
    ).filter(filters.in_period("recorded_on"))
    rows = (
        crimes.exclude(**{MAP_RESOLUTION_FIELD: ""})
        .values(MAP_RESOLUTION_FIELD, "local_authority__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, int] = defaultdict(int)
    areas: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        cell = row[MAP_RESOLUTION_FIELD]
        counts[cell] += row["n"]
        if row["local_authority__name"]:
            areas[cell][row["local_authority__name"]] += row["n"]
    labels = {}
    for cell, named in areas.items():
        name = min(named, key=lambda area: (-named[area], area))
        centre = centre_label(cell)
        labels[cell] = f"{name}, {centre[:1].lower()}{centre[1:]}"
    return dict(counts), labels


def crime_map(*, user: Any, filters: CrimeFilters, scope: str = "vawg") -> HexMap:
    """The map of `scope`'s crimes for the filters: small cells hidden at the operational
    threshold, counts rounded as every crime figure is (`metrics.crime_rounding_base`); each
    hexagon named for its local authority and centre."""
    chosen = MAPS[scope]
    counts, labels = _cells(user=user, filters=filters, scope=scope)
    return hex_map_from_counts(
        counts,
        title=f"{chosen.title}, {filters.label}",
        value_label=chosen.value_label,
        map_id=chosen.map_id,
        labels=labels,
        threshold=default_threshold(Audience.OPERATIONAL),
        rounding_base=metrics.crime_rounding_base(),
    )
