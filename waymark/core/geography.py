"""H3 hexagonal cells for points, used to count and map reports without showing where anyone is.

Waymark stores the cells of resolutions 7 to 10 for every located record (res 7 is about
5.2 km², res 10 about 0.015 km²; see research/safety-surveys-funding.md, source [G1]); public
layers group by a coarse resolution and hide cells with small counts. The reference tables of
areas (police force areas, local authorities, community safety partnerships) are models in
`waymark.core.models`.
"""

from __future__ import annotations

import math
from numbers import Real

import h3

H3_RESOLUTIONS: tuple[int, ...] = (7, 8, 9, 10)
"""The resolutions Waymark stores for every point, coarsest first."""

# h3 itself accepts a latitude of 91 without complaint, so range checks are ours.
_LATITUDE_RANGE = (-90.0, 90.0)
_LONGITUDE_RANGE = (-180.0, 180.0)
_MAX_H3_RESOLUTION = 15


def _coordinate(value: object, name: str, bounds: tuple[float, float]) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a number of degrees, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number of degrees, not {value!r}")
    low, high = bounds
    if not low <= number <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g} degrees, not {value!r}")
    return number


def validate_latlng(lat: object, lng: object) -> tuple[float, float]:
    """Return (lat, lng) as floats, or raise ValueError saying which one is wrong and why.

    Latitude is -90 to 90 and longitude -180 to 180 (WGS84 degrees); NaN, infinities, booleans
    and strings are refused. A swapped pair is caught only when it lands out of range.
    """
    return (
        _coordinate(lat, "latitude", _LATITUDE_RANGE),
        _coordinate(lng, "longitude", _LONGITUDE_RANGE),
    )


def h3_cell(lat: float, lng: float, res: int) -> str:
    """The H3 cell (hex string) at resolution `res` containing the point; ValueError on bad input."""
    latitude, longitude = validate_latlng(lat, lng)
    _check_resolution(res)
    return str(h3.latlng_to_cell(latitude, longitude, res))


def h3_cells_for(lat: float, lng: float) -> dict[int, str]:
    """The H3 cells containing the point at resolutions 7 to 10, as {resolution: cell}.

    Raises ValueError with a clear message if the coordinates are out of range or not numbers.
    """
    latitude, longitude = validate_latlng(lat, lng)
    # Each resolution's cell is the one containing the point. H3 nests only approximately, so
    # near a cell edge this can differ from the parent of the finer cell (see `h3_parent`).
    return {res: str(h3.latlng_to_cell(latitude, longitude, res)) for res in H3_RESOLUTIONS}


def h3_parent(cell: str, res: int) -> str:
    """The ancestor of `cell` at resolution `res` (the cell itself at its own resolution).

    Raises ValueError if `cell` is not a valid H3 cell or `res` is finer than the cell.
    """
    if not isinstance(cell, str) or not h3.is_valid_cell(cell):
        raise ValueError(f"{cell!r} is not a valid H3 cell")
    _check_resolution(res)
    own = int(h3.get_resolution(cell))
    if res > own:
        raise ValueError(f"resolution {res} is finer than the cell's own resolution {own}")
    return str(h3.cell_to_parent(cell, res))


def _check_resolution(res: object) -> None:
    if isinstance(res, bool) or not isinstance(res, int) or not 0 <= res <= _MAX_H3_RESOLUTION:
        raise ValueError(f"an H3 resolution is a whole number from 0 to {_MAX_H3_RESOLUTION}, not {res!r}")
