"""Hexagon maps: counts per H3 cell, after disclosure control, as GeoJSON for Leaflet and as a table.

    hex_map = hex_map_from_counts({"87195c05bffffff": 412, ...}, title="VAWG crimes by area")
    geojson_response(hex_map)          # the map's data, fetched by js/hexmap.mjs
    {{ hexmap(hex_map, src=...) }}     # the map and its table (templates/components/hexmap.html)

Counts go through `waymark.core.disclosure.suppress_series` (operational threshold unless told
otherwise): a cell under the threshold is not drawn, and neither is one more cell wherever a
hidden one could be worked out from a total published elsewhere on the page. Hidden cells are
left out of the GeoJSON altogether, so nothing about them reaches the browser.

GeoJSON (RFC 7946) wants [longitude, latitude] and closed rings, counter-clockwise; H3 gives
(latitude, longitude) and an open ring, so `hexagon_ring` turns one into the other.

The map draws its hexagons on a plain background. Tiles under them are optional:
`settings.WAYMARK_MAP_TILE_URL` (empty by default) with its attribution; see
docs/charts-and-maps.md for the CSP and the attribution a tile provider requires.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import h3
from django.conf import settings
from django.http import JsonResponse
from django.utils.text import slugify

from .disclosure import Audience, suppress_series

__all__ = [
    "GEOJSON_CONTENT_TYPE",
    "HEX_COLOURS",
    "HexBand",
    "HexCell",
    "HexMap",
    "MapTiles",
    "geojson_response",
    "hex_map_from_counts",
    "hexagon_ring",
    "hexmap_geojson",
    "map_tiles",
]

GEOJSON_CONTENT_TYPE = "application/geo+json"

# GOV.UK Frontend 6 blues, light to dark (tint-80, tint-50, tint-25, primary, shade-50). Every
# hexagon also has a dark outline (HEX_OUTLINE, 9.0:1 on white), so each stands out from the
# background whatever its fill; the table beside the map gives every figure.
HEX_COLOURS: tuple[str, ...] = ("#d2e2f1", "#8eb8dc", "#5694ca", "#1d70b8", "#0f385c")
HEX_OUTLINE = "#484949"

# Six decimal places of a degree is about 10 cm: far finer than any hexagon, and half the bytes.
_DECIMALS = 6


@dataclass(frozen=True)
class MapTiles:
    """The tile layer under the hexagons: a URL template and its attribution, or nothing."""

    url: str = ""
    attribution: str = ""
    attribution_url: str = ""

    @property
    def enabled(self) -> bool:
        """True when a tile URL template is configured."""
        return bool(self.url)


def map_tiles() -> MapTiles:
    """The tile layer from settings (WAYMARK_MAP_TILE_URL and its attribution); empty by default."""
    return MapTiles(
        url=str(getattr(settings, "WAYMARK_MAP_TILE_URL", "")),
        attribution=str(getattr(settings, "WAYMARK_MAP_TILE_ATTRIBUTION", "")),
        attribution_url=str(getattr(settings, "WAYMARK_MAP_TILE_ATTRIBUTION_URL", "")),
    )


@dataclass(frozen=True)
class HexBand:
    """A class of the colour scale: counts from `low` to `high` (both included) and its colour."""

    low: int
    high: int
    colour: str

    @property
    def label(self) -> str:
        """ "5 to 9", or "12" for a class of one value."""
        return f"{self.low:,}" if self.low == self.high else f"{self.low:,} to {self.high:,}"


@dataclass(frozen=True)
class HexCell:
    """One hexagon shown on the map: its H3 cell, count, colour class and a label for people.

    `named` is False when the label is the hexagon's centre ("Around 52.510° N, 1.993° W")
    because no name was given for it.
    """

    cell: str
    count: int
    band: int
    label: str
    centre: tuple[float, float]
    named: bool = False

    def ring(self) -> list[list[float]]:
        """The hexagon's boundary as a closed GeoJSON ring of [longitude, latitude]."""
        return hexagon_ring(self.cell)


@dataclass(frozen=True)
class HexMap:
    """A map ready to draw: the cells shown (largest count first), the colour scale, the tiles.

    `has_hidden` says whether any cell was left out by disclosure control (how many is not
    said: the number of small cells is itself a figure about them).
    """

    id: str
    title: str
    value_label: str
    cells: tuple[HexCell, ...]
    bands: tuple[HexBand, ...]
    threshold: int
    has_hidden: bool
    tiles: MapTiles = field(default_factory=map_tiles)
    # Counts shown are rounded to the nearest multiple of this (None: exact).
    rounding_base: int | None = None

    @property
    def is_empty(self) -> bool:
        """True when there is no hexagon to draw (the page then says why, and draws no map)."""
        return not self.cells

    @property
    def empty_note(self) -> str:
        """Why there is no area to show: nothing counted, or every area hidden or rounded away."""
        if self.has_hidden:
            return (
                "There is no area to show on the map for these filters: every area's count of "
                f"{self.value_label} is too small to show."
            )
        return (
            "There is no area to show on the map for these filters: there are no "
            f"{self.value_label} with a location."
        )

    @property
    def area_heading(self) -> str:
        """The heading of the table's label column, saying what the labels are: names, or the
        centres of hexagons that have no name."""
        if all(cell.named for cell in self.cells):
            return "Area"
        if any(cell.named for cell in self.cells):
            return "Area (its name, or the centre of its hexagon)"
        return "Area (centre of its hexagon)"

    @property
    def hidden_note(self) -> str:
        """Why some areas are missing from the map and its table."""
        return (
            f"Areas with fewer than {self.threshold} {self.value_label} are not shown, to protect "
            "confidentiality, and nor is an area whose figure could be worked out from a total."
        )

    def as_geojson(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection: a Polygon per cell shown, with its count, colour and label.

        `legend`, `title`, `valueLabel`, `roundingBase`, `note` and `emptyNote` are foreign members
        (RFC 7946 §6.1) that js/hexmap.mjs uses for the legend, or to say why there is no map.
        """
        return {
            "type": "FeatureCollection",
            "title": self.title,
            "valueLabel": self.value_label,
            "roundingBase": self.rounding_base or 1,
            "note": self.hidden_note if self.has_hidden else "",
            "emptyNote": self.empty_note if self.is_empty else "",
            "legend": [{"label": band.label, "colour": band.colour} for band in self.bands],
            "outline": HEX_OUTLINE,
            "features": [
                {
                    "type": "Feature",
                    "id": cell.cell,
                    "geometry": {"type": "Polygon", "coordinates": [cell.ring()]},
                    "properties": {
                        "cell": cell.cell,
                        "count": cell.count,
                        "label": cell.label,
                        "band": cell.band,
                        "colour": self.bands[cell.band].colour,
                    },
                }
                for cell in self.cells
            ],
        }

    @property
    def value_heading(self) -> str:
        """The value label as a column heading ("VAWG crimes", "Crimes")."""
        return self.value_label[:1].upper() + self.value_label[1:]

    def csv_header(self) -> tuple[str, ...]:
        """The header row of the map's table as a CSV download."""
        return ("Area", "H3 cell", self.value_heading)

    def csv_rows(self) -> Iterator[list[object]]:
        """The rows of the map's table as a CSV download (hidden cells are not in it)."""
        for cell in self.cells:
            yield [cell.label, cell.cell, cell.count]


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def hexagon_ring(cell: str) -> list[list[float]]:
    """The cell's boundary as GeoJSON wants it: [longitude, latitude] pairs, counter-clockwise,
    the first point repeated at the end. ValueError for anything that is not an H3 cell."""
    if not isinstance(cell, str) or not h3.is_valid_cell(cell):
        raise ValueError(f"{cell!r} is not a valid H3 cell")
    ring = [[round(lng, _DECIMALS), round(lat, _DECIMALS)] for lat, lng in h3.cell_to_boundary(cell)]
    ring.append(list(ring[0]))
    if _signed_area(ring) < 0:
        ring.reverse()
    return ring


def _centre(cell: str) -> tuple[float, float]:
    lat, lng = h3.cell_to_latlng(cell)
    return (round(lat, _DECIMALS), round(lng, _DECIMALS))


def centre_label(cell: str) -> str:
    """A hexagon named by its centre: "Around 52.510° N, 1.993° W"."""
    lat, lng = h3.cell_to_latlng(cell)
    north_south = "N" if lat >= 0 else "S"
    east_west = "E" if lng >= 0 else "W"
    return f"Around {abs(lat):.3f}° {north_south}, {abs(lng):.3f}° {east_west}"


def _bands(values: list[int], step: int = 1) -> list[tuple[int, int]]:
    """Up to five classes for the colour scale, each (low, high) with both ends included.

    The highs are the shown counts that close each class: every distinct count when there are
    few, else quintiles (nearest rank), so a city centre with hundreds does not wash out every
    other area. Each class then starts one `step` above the previous high (the first at the
    smallest count), so the legend runs without a gap: "5 to 6, 7 to 8, 9 to 10", never "7 to 8,
    10". Counts rounded to a base are all multiples of it; `step` is that base, so the classes
    read "10 to 20, 30 to 50" and still leave no count a reader could see unaccounted for.
    """
    distinct = sorted(set(values))
    if not distinct:
        return []
    classes = len(HEX_COLOURS)
    if len(distinct) <= classes:
        highs = distinct
    else:
        ordered = sorted(values)
        highs = [ordered[math.ceil(q * len(ordered) / classes) - 1] for q in range(1, classes)]
        highs.append(distinct[-1])
    bands: list[tuple[int, int]] = []
    low = distinct[0]
    for high in highs:
        if high < low:  # a quintile that repeats the previous one
            continue
        bands.append((low, high))
        low = high + step
    return bands


def _colours_for(count: int) -> list[str]:
    """`count` colours spread across the palette, light to dark."""
    if count == 1:
        return [HEX_COLOURS[3]]
    last = len(HEX_COLOURS) - 1
    return [HEX_COLOURS[round(index * last / (count - 1))] for index in range(count)]


def _check_counts(counts: Mapping[str, int]) -> None:
    resolutions: set[int] = set()
    for cell, count in counts.items():
        if not isinstance(cell, str) or not h3.is_valid_cell(cell):
            raise ValueError(f"{cell!r} is not a valid H3 cell")
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"the count for {cell} must be a whole number, not {count!r}")
        if count < 0:
            raise ValueError(f"the count for {cell} is {count}; counts cannot be negative")
        resolutions.add(int(h3.get_resolution(cell)))
    if len(resolutions) > 1:
        raise ValueError(
            f"the cells are of resolutions {sorted(resolutions)}; a map shows one resolution "
            "(use waymark.core.geography.h3_parent to bring them to one)"
        )


def hex_map_from_counts(
    counts: Mapping[str, int],
    *,
    title: str,
    value_label: str = "crimes",
    map_id: str | None = None,
    labels: Mapping[str, str] | None = None,
    threshold: int | None = None,
    audience: Audience = Audience.OPERATIONAL,
    tiles: MapTiles | None = None,
    rounding_base: int | None = None,
) -> HexMap:
    """The map of `{h3_cell: count}` (true counts, one resolution) after disclosure control.

    Zero counts are dropped (no hexagon for nowhere). `labels` names cells for people ("Coventry
    city centre"); others are labelled by their centre's coordinates. `threshold` defaults to
    the audience's (operational: `DISCLOSURE_THRESHOLD_OPERATIONAL`); counts shown are rounded to
    `rounding_base` when one is given. `tiles` defaults to the settings. ValueError or TypeError
    names the first bad cell or count.
    """
    _check_counts(counts)
    present = sorted((cell, count) for cell, count in counts.items() if count > 0)
    result = suppress_series(
        [count for _, count in present],
        threshold=threshold,
        audience=audience,
        rounding_base=rounding_base,
    )
    shown = [
        (cell, published)
        for (cell, _), published in zip(present, result.values, strict=True)
        # Hidden, or rounded down to nothing (a rounding base above the threshold): not drawn.
        if published
    ]
    step = result.rounding_base or 1
    band_ranges = _bands([count for _, count in shown], step)
    bands = tuple(
        HexBand(low, high, colour)
        for (low, high), colour in zip(band_ranges, _colours_for(len(band_ranges)), strict=True)
    )
    names = labels or {}
    cells = tuple(
        HexCell(
            cell=cell,
            count=count,
            band=next(index for index, band in enumerate(bands) if band.low <= count <= band.high),
            label=names.get(cell) or centre_label(cell),
            centre=_centre(cell),
            named=bool(names.get(cell)),
        )
        for cell, count in sorted(shown, key=lambda pair: (-pair[1], pair[0]))
    )
    return HexMap(
        id=slugify(map_id or title) or "hexmap",
        title=title,
        value_label=value_label,
        cells=cells,
        bands=bands,
        threshold=result.threshold,
        has_hidden=len(shown) < len(present),
        tiles=tiles if tiles is not None else map_tiles(),
        rounding_base=result.rounding_base,
    )


def hexmap_geojson(
    counts: Mapping[str, int],
    *,
    title: str = "",
    value_label: str = "crimes",
    labels: Mapping[str, str] | None = None,
    threshold: int | None = None,
    audience: Audience = Audience.OPERATIONAL,
) -> dict[str, Any]:
    """`{h3_cell: count}` as the GeoJSON FeatureCollection the map draws (see `HexMap.as_geojson`)."""
    return hex_map_from_counts(
        counts,
        title=title or "Map",
        value_label=value_label,
        labels=labels,
        threshold=threshold,
        audience=audience,
    ).as_geojson()


def geojson_response(hex_map: HexMap) -> JsonResponse:
    """The map's GeoJSON as an HTTP response (`application/geo+json`)."""
    return JsonResponse(hex_map.as_geojson(), content_type=GEOJSON_CONTENT_TYPE)
