"""Crime data API: VAWG volumes (with police.uk's violence figure beside them as context) and
RASSO metrics, as the dashboards show them (aggregates only).

The same selectors as the pages (`waymark.crime.metrics`), so the same numbers: every count
after disclosure control at the operational threshold, hidden figures `null` and listed under
`hidden`, rounded as `rounding_base` says, the extraction date beside them. Only people with
`crime.view_crime_data` (OPCC admins and analysts, force Victims' Code leads) get figures;
API tokens act for an organisation, not a person with that role, and are refused. Every call
is access-logged.

No `from __future__ import annotations` here: ninja reads the operations' annotations at
import time to build their parameters.
"""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.date_input import EARLIEST, LATEST
from waymark.core.hexmap import HexMap
from waymark.crime.maps import MAP_RESOLUTION, crime_map
from waymark.crime.metrics import (
    CrimeFilters,
    FigureTable,
    HiddenFigure,
    RassoMetrics,
    VawgVolumes,
    YearEarlier,
    latest_extraction,
    rasso_metrics,
    synthetic_data_in,
    vawg_volumes,
)
from waymark.crime.police_uk_selectors import VIOLENCE_AND_SEXUAL_OFFENCES, VIOLENCE_CONTEXT_LABEL
from waymark.crime.violence_context import (
    CAVEAT,
    OPEN_GOVERNMENT_LICENCE,
    ViolenceContext,
    violence_context,
)

from ..errors import ERROR_RESPONSES, ApiError
from ..models import ApiToken
from ..security import caller_token, ensure_caller_may

router = Router(tags=["Crime data"])

PERMISSION = "crime.view_crime_data"


class CrimeQuery(Schema):
    """The period (exactly one of month, quarter or financial_year) and the filters."""

    month: str = Field("", description="A calendar month, YYYY-MM (e.g. 2024-04).")
    quarter: str = Field("", description="A financial quarter, e.g. '2024/25 Q1' (Q1 is April to June).")
    financial_year: str = Field("", description="A financial year, e.g. '2024/25'.")
    police_force_area: str = Field("", description="ONS code of a police force area, e.g. E23000014.")
    local_authority: str = Field("", description="ONS code of a local authority, e.g. E08000025.")
    offence_group: str = Field("", description="A Home Office offence group, e.g. 'Sexual offences'.")
    vawg_basis: str = Field("", description="A VAWG basis, e.g. 'da_flag'.")
    victim_sex: str = Field("", description="F, M or X: crimes with a victim of this sex.")
    victim_age_band: str = Field("", description="e.g. '18-24': crimes with a victim in this band.")


class FiltersOut(Schema):
    """The period and filters the figures are for."""

    period: str
    start: date
    end: date
    police_force_area: str
    local_authority: str
    offence_group: str
    vawg_basis: str
    victim_sex: str
    victim_age_band: str


class HiddenOut(Schema):
    """A figure hidden by disclosure control, and why."""

    table: str
    row: str
    column: str
    reason: str


class TableRowOut(Schema):
    """One row of a table: null where a figure is hidden."""

    key: str
    label: str
    values: list[int | None]


class TableOut(Schema):
    """A table of counts; `additive` is false where a crime can be in more than one row."""

    key: str
    title: str
    note: str
    row_heading: str
    columns: list[str]
    rows: list[TableRowOut]
    total_label: str
    total: int | None
    additive: bool


class MetricOut(Schema):
    """One RASSO metric. `value` is a rate from 0 to 1, a median in days, or a count."""

    id: str
    name: str
    definition: str
    basis: str
    kind: str
    available: bool
    numerator: int | None
    numerator_label: str
    denominator: int | None
    denominator_label: str
    value: int | float | None
    p75_days: int | None
    p90_days: int | None
    not_yet_assigned: int | None = Field(None, description="Crimes with no outcome yet (type 0).")
    not_yet_assigned_basis: str
    note: str


class FunnelStageOut(Schema):
    """A stage of the attrition funnel (M11)."""

    key: str
    label: str
    count: int | None
    lost_after: int | None


class FunnelOut(Schema):
    """The attrition funnel and where the cohort stopped."""

    stages: list[FunnelStageOut]
    losses: TableOut


class RassoMetricsOut(Schema):
    """Adult rape progression and attrition metrics M1 to M13."""

    filters: FiltersOut
    extracted_on: date | None = Field(None, description="The extraction date the figures are as at.")
    extraction_lag_days: int | None = Field(None, description="Days from the end of the period to it.")
    threshold: int = Field(description="Counts from 1 to threshold - 1 are hidden.")
    rounding_base: int = Field(
        description="Counts are rounded to the nearest multiple of this (1: exact); rates are worked "
        "out from the rounded counts."
    )
    metrics: list[MetricOut]
    funnel: FunnelOut
    hidden: list[HiddenOut]
    synthetic: bool = Field(description="The figures come from a synthetic (demo or test) extract.")


class ViolenceContextOut(Schema):
    """police.uk's "Violence and sexual offences" for the force area and period, as the VAWG page
    shows it: context only, never VAWG (police.uk has no offence codes or flags)."""

    available: bool = Field(description="False when there is no figure; `unavailable` says why.")
    unavailable: str
    category: str = Field(description="police.uk's crime type counted.")
    force_area: str
    count: int | None = Field(description="Crimes; null when hidden or not available.")
    where: str
    months: str = Field(description="Which months of the period police.uk files cover.")
    statement: str = Field(description="The figure in a sentence, as the page shows it.")
    notes: list[str] = Field(description="Filters the figure does not follow, and how it was narrowed.")
    caveat: str
    source: str
    licence: str
    licence_url: str


class YearEarlierOut(Schema):
    """The total for the same period a year earlier, with the same filters. Only whole periods
    are compared: with none, `unavailable` says why and `total` and `change` are null."""

    label: str
    start: date
    end: date
    total: int | None = Field(description="Null when hidden or not available.")
    change: float | None = Field(
        description="(total now - total then) / total then, from the figures shown; null when either "
        "is hidden or the earlier one is 0."
    )
    unavailable: str = Field(description="Why there is no comparison; empty when there is one.")


class VawgVolumesOut(Schema):
    """VAWG crimes recorded in the period, by local authority, basis, month, offence group and victim."""

    filters: FiltersOut
    extracted_on: date | None
    threshold: int
    rounding_base: int = Field(description="Counts are rounded to the nearest multiple of this (1: exact).")
    total: int | None
    year_earlier: YearEarlierOut
    tables: list[TableOut]
    violence_context: ViolenceContextOut
    hidden: list[HiddenOut]
    synthetic: bool = Field(description="The figures come from a synthetic (demo or test) extract.")


class MapCellOut(Schema):
    """One H3 hexagon shown on the map."""

    cell: str = Field(description="The H3 cell index.")
    label: str = Field(description="The area's name, or the centre of its hexagon.")
    count: int
    latitude: float = Field(description="The hexagon's centre.")
    longitude: float


class CrimeMapOut(Schema):
    """Crimes recorded in the period counted in H3 hexagons, as the dashboard's map shows them:
    a cell whose count is hidden by disclosure control is left out (`not_shown` says so)."""

    filters: FiltersOut
    extracted_on: date | None
    threshold: int
    rounding_base: int = Field(description="Counts are rounded to the nearest multiple of this (1: exact).")
    synthetic: bool = Field(description="The figures come from a synthetic (demo or test) extract.")
    title: str
    value_label: str
    h3_resolution: int
    cells: list[MapCellOut]
    not_shown: str = Field(description="Why some areas are left out; empty when none is.")
    empty_note: str = Field(description="Why there is no area to show; empty when there is one.")


# --- helpers ------------------------------------------------------------------------------------


def _ensure_person_with_access(request: HttpRequest) -> None:
    """Crime figures go to people with the role, never to an organisation's token."""
    if caller_token(request) is not None:
        raise ApiError(
            403,
            "Crime data is not available to API tokens: sign in as a person with access to crime data.",
        )
    ensure_caller_may(request, scope=ApiToken.Scope.READ, permission=PERMISSION)


def _filters(query: CrimeQuery) -> CrimeFilters:
    """The query as CrimeFilters; 422 naming the field for anything that does not fit."""
    periods = {"month": query.month, "quarter": query.quarter, "financial_year": query.financial_year}
    given = [name for name, value in periods.items() if value]
    if len(given) != 1:
        raise ApiError(
            422,
            "Give exactly one period: month, quarter or financial_year.",
            details=[
                {"field": f"query.{name}", "message": "Give exactly one period.", "type": "invalid"}
                for name in (given or list(periods))
            ],
        )
    dimensions = {
        "police_force_area": query.police_force_area,
        "local_authority": query.local_authority,
        "offence_group": query.offence_group,
        "vawg_basis": query.vawg_basis,
        "victim_sex": query.victim_sex,
        "victim_age_band": query.victim_age_band,
    }
    name = given[0]
    try:
        if name == "month":
            filters = CrimeFilters.for_month(query.month, **dimensions)
        elif name == "quarter":
            filters = CrimeFilters.for_quarter(query.quarter, **dimensions)
        else:
            filters = CrimeFilters.for_financial_year(query.financial_year, **dimensions)
    except (ValueError, TypeError) as error:
        raise ApiError(
            422,
            "The request is not valid; see details.",
            details=[{"field": f"query.{name}", "message": str(error), "type": "invalid"}],
        ) from None
    if filters.start < EARLIEST or filters.end > LATEST:
        # Years a date may be typed in (`waymark.core.date_input`); year 1's year earlier would
        # be year 0, which no date can hold.
        raise ApiError(
            422,
            "The request is not valid; see details.",
            details=[
                {
                    "field": f"query.{name}",
                    "message": f"Give a period from {EARLIEST.year} to {LATEST.year}.",
                    "type": "invalid",
                }
            ],
        )
    problems = filters.errors()
    if problems:
        raise ApiError(
            422,
            "The request is not valid; see details.",
            details=[
                {"field": f"query.{field}", "message": message, "type": "invalid"}
                for field, message in problems
            ],
        )
    return filters


def _log(request: HttpRequest, *, label: str, filters: CrimeFilters) -> None:
    access_log_record(
        actor=request.user,
        action=AccessLog.Action.VIEW,
        request=request,
        record_label=label,
        detail="aggregates after disclosure control: "
        + "; ".join(f"{name}: {value}" for name, value in filters.describe()),
    )


def _filters_out(filters: CrimeFilters) -> dict[str, Any]:
    return {
        "period": filters.label,
        "start": filters.start,
        "end": filters.end,
        "police_force_area": filters.police_force_area,
        "local_authority": filters.local_authority,
        "offence_group": filters.offence_group,
        "vawg_basis": filters.vawg_basis,
        "victim_sex": filters.victim_sex,
        "victim_age_band": filters.victim_age_band,
    }


def _table_out(table: FigureTable) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "row_heading": table.row_heading,
        "columns": list(table.column_labels),
        "rows": [{"key": key, "label": label, "values": list(values)} for key, label, values in table.rows()],
        "total_label": table.total_label,
        "total": table.total,
        "additive": table.additive,
    }


def _hidden_out(hidden: tuple[HiddenFigure, ...]) -> list[dict[str, str]]:
    return [{"table": h.table, "row": h.row, "column": h.column, "reason": h.reason} for h in hidden]


def rasso_metrics_out(result: RassoMetrics) -> dict[str, Any]:
    """The metrics as the API returns them."""
    return {
        "filters": _filters_out(result.filters),
        "extracted_on": result.extracted_on,
        "extraction_lag_days": result.extraction_lag_days,
        "threshold": result.threshold,
        "rounding_base": result.rounding_base,
        "synthetic": result.synthetic,
        "metrics": [
            {
                "id": m.id,
                "name": m.name,
                "definition": m.definition,
                "basis": m.basis,
                "kind": m.kind,
                "available": m.available,
                "numerator": m.numerator,
                "numerator_label": m.numerator_label,
                "denominator": m.denominator,
                "denominator_label": m.denominator_label,
                "value": m.value,
                "p75_days": m.p75_days,
                "p90_days": m.p90_days,
                "not_yet_assigned": m.not_yet_assigned,
                "not_yet_assigned_basis": m.not_yet_assigned_basis,
                "note": m.note,
            }
            for m in result.metrics
        ],
        "funnel": {
            "stages": [
                {"key": s.key, "label": s.label, "count": s.count, "lost_after": s.lost_after}
                for s in result.funnel.stages
            ],
            "losses": _table_out(result.funnel.losses),
        },
        "hidden": _hidden_out(result.hidden),
    }


def _violence_context_out(context: ViolenceContext) -> dict[str, Any]:
    return {
        "available": not context.unavailable,
        "unavailable": context.unavailable,
        "category": VIOLENCE_AND_SEXUAL_OFFENCES,
        "force_area": context.area_name,
        "count": context.count,
        "where": context.where,
        "months": context.months,
        "statement": context.statement,
        "notes": list(context.notes),
        "caveat": CAVEAT,
        "source": context.source if not context.unavailable else "",
        "licence": OPEN_GOVERNMENT_LICENCE,
        "licence_url": context.licence_url,
    }


def _year_earlier_out(earlier: YearEarlier) -> dict[str, Any]:
    return {
        "label": earlier.label,
        "start": earlier.start,
        "end": earlier.end,
        "total": earlier.total,
        "change": earlier.change,
        "unavailable": earlier.unavailable,
    }


def vawg_volumes_out(result: VawgVolumes, context: ViolenceContext) -> dict[str, Any]:
    """The volumes, and police.uk's violence figure beside them, as the API returns them."""
    hidden = _hidden_out(result.hidden)
    if context.hidden_reason:
        hidden.append(
            {
                "table": VIOLENCE_CONTEXT_LABEL,
                "row": context.where,
                "column": "Crimes",
                "reason": context.hidden_reason,
            }
        )
    return {
        "filters": _filters_out(result.filters),
        "extracted_on": result.extracted_on,
        "threshold": result.threshold,
        "rounding_base": result.rounding_base,
        "synthetic": result.synthetic,
        "total": result.total,
        "year_earlier": _year_earlier_out(result.year_earlier),
        "tables": [_table_out(table) for table in result.tables],
        "violence_context": _violence_context_out(context),
        "hidden": hidden,
    }


def crime_map_out(hex_map: HexMap, *, user: Any, filters: CrimeFilters) -> dict[str, Any]:
    """A dashboard map as the API returns it."""
    return {
        "filters": _filters_out(filters),
        "extracted_on": latest_extraction(user=user, filters=filters),
        "threshold": hex_map.threshold,
        "rounding_base": hex_map.rounding_base or 1,
        "synthetic": synthetic_data_in(filters, user=user),
        "title": hex_map.title,
        "value_label": hex_map.value_label,
        "h3_resolution": MAP_RESOLUTION,
        "cells": [
            {
                "cell": cell.cell,
                "label": cell.label,
                "count": cell.count,
                "latitude": cell.centre[0],
                "longitude": cell.centre[1],
            }
            for cell in hex_map.cells
        ],
        "not_shown": hex_map.hidden_note if hex_map.has_hidden else "",
        "empty_note": hex_map.empty_note if hex_map.is_empty else "",
    }


# --- operations ---------------------------------------------------------------------------------


@router.get(
    "/crime/rasso-metrics",
    response={200: RassoMetricsOut, **ERROR_RESPONSES},
    summary="Adult rape progression and attrition metrics (M1 to M13)",
)
def crime_rasso_metrics(request: HttpRequest, query: Query[CrimeQuery]) -> dict[str, Any]:
    """The RASSO metrics for a period, after disclosure control, with the extraction date.
    Needs a signed-in person with access to crime data; definitions in each metric."""
    _ensure_person_with_access(request)
    filters = _filters(query)
    result = rasso_metrics(user=request.user, filters=filters)
    _log(request, label="RASSO metrics (API)", filters=filters)
    return rasso_metrics_out(result)


@router.get(
    "/crime/vawg-volumes",
    response={200: VawgVolumesOut, **ERROR_RESPONSES},
    summary="VAWG crimes recorded, by area, basis, month, offence group and victim",
)
def crime_vawg_volumes(request: HttpRequest, query: Query[CrimeQuery]) -> dict[str, Any]:
    """VAWG crime volumes for a period, after disclosure control, with the extraction date.
    Needs a signed-in person with access to crime data."""
    _ensure_person_with_access(request)
    filters = _filters(query)
    result = vawg_volumes(user=request.user, filters=filters)
    context = violence_context(
        user=request.user, filters=filters, threshold=result.threshold, rounding_base=result.rounding_base
    )
    _log(request, label="VAWG volumes (API)", filters=filters)
    return vawg_volumes_out(result, context)


def _map(request: HttpRequest, query: CrimeQuery, scope: str, label: str) -> dict[str, Any]:
    _ensure_person_with_access(request)
    filters = _filters(query)
    hex_map = crime_map(user=request.user, filters=filters, scope=scope)
    _log(request, label=label, filters=filters)
    return crime_map_out(hex_map, user=request.user, filters=filters)


@router.get(
    "/crime/vawg-map",
    response={200: CrimeMapOut, **ERROR_RESPONSES},
    summary="VAWG crimes recorded, by H3 hexagon (the VAWG dashboard's map)",
)
def crime_vawg_map(request: HttpRequest, query: Query[CrimeQuery]) -> dict[str, Any]:
    """VAWG crimes recorded in the period with a location, per H3 resolution 7 hexagon, after
    disclosure control. Needs a signed-in person with access to crime data."""
    return _map(request, query, "vawg", "VAWG map (API)")


@router.get(
    "/crime/rasso-map",
    response={200: CrimeMapOut, **ERROR_RESPONSES},
    summary="Adult rape offences recorded, by H3 hexagon (the adult rape dashboard's map)",
)
def crime_rasso_map(request: HttpRequest, query: Query[CrimeQuery]) -> dict[str, Any]:
    """Adult rape offences recorded in the period (M1) with a location, per H3 resolution 7
    hexagon, after disclosure control. Needs a signed-in person with access to crime data."""
    return _map(request, query, "rasso", "Adult rape map (API)")
