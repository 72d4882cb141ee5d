"""Victims' Code API: compliance metric definitions and results (see docs/api.md).

The same selectors as the pages (`waymark.victims_code.metrics`), so the same numbers: every
count after disclosure control at the operational threshold, hidden figures `null` and listed
under `hidden`. Only people with `victims_code.view_compliance` (OPCC admins and analysts, the
force's Code leads) get them; API tokens act for an organisation, not a person with that role,
and are refused. Every call is access-logged.

No `from __future__ import annotations` here: ninja reads the operations' annotations at
import time to build their parameters.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.victims_code.metrics import (
    BREAKDOWNS,
    Figure,
    MetricPeriod,
    MetricResult,
    active_metrics,
    breakdowns_for,
    metric_result,
)
from waymark.victims_code.models import MetricDefinition

from ..errors import ERROR_RESPONSES, ApiError
from ..models import ApiToken
from ..security import caller_token, ensure_caller_may

router = Router(tags=["Victims' Code"])

PERMISSION = "victims_code.view_compliance"


class EntitlementOut(Schema):
    """An entitlement a metric counts, with its deadlines in working days (null: none)."""

    code: str
    description: str
    agency_type: str
    trigger_event: str
    deadline_standard: int | None
    deadline_enhanced: int | None
    anchor: str
    applies_to: str
    verified: bool
    source: str


class MetricDefinitionOut(Schema):
    """A compliance metric as data: what it counts, over what, and how good is good."""

    code: str
    name: str
    code_version: str
    right: int | None = Field(None, description="The right's number, if the metric belongs to one.")
    agency_type: str
    measure: str
    numerator_definition: str
    denominator_definition: str
    counting_unit: str
    period_basis: str
    authority: str
    moj_key_area: int | None
    polarity: str
    rag_green_min: Decimal | None = Field(None, description="Percent.")
    rag_amber_min: Decimal | None = Field(None, description="Percent.")
    survey_question: str
    explanation: str
    verified: bool
    source: str
    entitlements: list[EntitlementOut]
    breakdowns: list[str] = Field(description="The breakdowns `metric-results` accepts for it.")


class ExcludedOut(Schema):
    """Cases left out of the denominator for one reason (null: hidden)."""

    reason: str
    label: str
    count: int | None


class FigureOut(Schema):
    """One row of a result; hidden counts are null, and so is a rate whose counts are hidden."""

    key: str
    label: str
    agency: str = Field(description="The agency, for a row of an agency's own return.")
    numerator: int | None
    denominator: int | None
    rate: float | None = Field(None, description="From 0 to 1.")
    ci_low: float | None = Field(None, description="Wilson score 95% interval.")
    ci_high: float | None
    rag: str = Field(description="green, amber, red or not_rated.")
    excluded_total: int | None
    excluded: list[ExcludedOut]
    not_yet_due: int | None
    not_yet_assigned: int | None


class HiddenOut(Schema):
    """A figure hidden by disclosure control, and why."""

    table: str
    row: str
    column: str
    reason: str


class MetricResultOut(Schema):
    """A metric for a period and breakdown, after disclosure control."""

    metric: str
    name: str
    period: str
    start: date
    end: date
    breakdown: str
    as_of: date = Field(description="Duties open and due after this date are not yet due.")
    threshold: int = Field(description="Counts from 1 to threshold - 1 are hidden.")
    overall: FigureOut
    groups: list[FigureOut]
    aggregate: list[FigureOut] = Field(description="Agencies' own returns, never mixed into the rest.")
    hidden: list[HiddenOut]
    notes: list[str]


class ResultQuery(Schema):
    """The metric, the period (exactly one of quarter, financial_year or month) and the breakdown."""

    metric: str = Field(description="A metric code, e.g. M05.")
    quarter: str = Field("", description="A financial quarter, e.g. '2025/26 Q1' (Q1 is April to June).")
    financial_year: str = Field("", description="A financial year, e.g. '2025/26'.")
    month: str = Field("", description="A calendar month, YYYY-MM.")
    breakdown: str = Field("none", description=f"One of: {', '.join(BREAKDOWNS)}.")


def _ensure_person_with_access(request: HttpRequest) -> None:
    """Compliance figures go to people with the role, never to an organisation's token."""
    if caller_token(request) is not None:
        raise ApiError(
            403,
            "Compliance figures are not available to API tokens: sign in as a person with access to them.",
        )
    ensure_caller_may(request, scope=ApiToken.Scope.READ, permission=PERMISSION)


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422,
        "The request is not valid; see details.",
        details=[{"field": f"query.{field}", "message": message, "type": "invalid"}],
    )


def definition_out(metric: MetricDefinition) -> dict[str, Any]:
    """A definition as the API returns it."""
    return {
        "code": metric.code,
        "name": metric.name,
        "code_version": metric.code_version.code,
        "right": metric.right.number if metric.right else None,
        "agency_type": metric.agency_type,
        "measure": metric.measure,
        "numerator_definition": metric.numerator_definition,
        "denominator_definition": metric.denominator_definition,
        "counting_unit": metric.counting_unit,
        "period_basis": metric.period_basis,
        "authority": metric.authority,
        "moj_key_area": metric.moj_key_area,
        "polarity": metric.polarity,
        "rag_green_min": metric.rag_green_min,
        "rag_amber_min": metric.rag_amber_min,
        "survey_question": metric.survey_question,
        "explanation": metric.explanation,
        "verified": metric.verified,
        "source": metric.source,
        "entitlements": [
            {
                "code": e.code,
                "description": e.description,
                "agency_type": e.agency_type,
                "trigger_event": e.trigger_event,
                "deadline_standard": e.deadline_standard,
                "deadline_enhanced": e.deadline_enhanced,
                "anchor": e.anchor,
                "applies_to": e.applies_to,
                "verified": e.verified,
                "source": e.source,
            }
            for e in metric.entitlements.all()
        ],
        "breakdowns": list(breakdowns_for(metric)),
    }


def _figure_out(figure: Figure) -> dict[str, Any]:
    return {
        "key": figure.key,
        "label": figure.label,
        "agency": figure.agency,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "rate": figure.rate,
        "ci_low": figure.ci_low,
        "ci_high": figure.ci_high,
        "rag": figure.rag.value,
        "excluded_total": figure.excluded_total,
        "excluded": [{"reason": r, "label": label, "count": count} for r, label, count in figure.excluded],
        "not_yet_due": figure.not_yet_due,
        "not_yet_assigned": figure.not_yet_assigned,
    }


def metric_result_out(result: MetricResult) -> dict[str, Any]:
    """A result as the API returns it."""
    return {
        "metric": result.metric.code,
        "name": result.metric.name,
        "period": result.period.label,
        "start": result.period.start,
        "end": result.period.end,
        "breakdown": result.breakdown,
        "as_of": result.as_of,
        "threshold": result.threshold,
        "overall": _figure_out(result.overall),
        "groups": [_figure_out(f) for f in result.groups],
        "aggregate": [_figure_out(f) for f in result.aggregate],
        "hidden": [
            {"table": h.table, "row": h.row, "column": h.column, "reason": h.reason} for h in result.hidden
        ],
        "notes": list(result.notes),
    }


def _period(query: ResultQuery) -> MetricPeriod:
    periods = {"quarter": query.quarter, "financial_year": query.financial_year, "month": query.month}
    given = [name for name, value in periods.items() if value]
    if len(given) != 1:
        raise ApiError(
            422,
            "Give exactly one period: quarter, financial_year or month.",
            details=[
                {"field": f"query.{name}", "message": "Give exactly one period.", "type": "invalid"}
                for name in (given or list(periods))
            ],
        )
    name = given[0]
    try:
        if name == "quarter":
            return MetricPeriod.quarter(query.quarter)
        if name == "financial_year":
            return MetricPeriod.year(query.financial_year)
        return MetricPeriod.month(query.month)
    except (ValueError, TypeError) as error:
        raise _invalid(name, str(error)) from None


@router.get(
    "/victims-code/metrics",
    response={200: list[MetricDefinitionOut], **ERROR_RESPONSES},
    summary="Victims' Code compliance metric definitions",
)
def compliance_metric_definitions(request: HttpRequest) -> list[dict[str, Any]]:
    """Every active metric of the Code in force: what it counts and how it is rated."""
    _ensure_person_with_access(request)
    access_log_record(
        actor=request.user,
        action=AccessLog.Action.LIST,
        request=request,
        record_label="Victims' Code metric definitions (API)",
    )
    return [definition_out(metric) for metric in active_metrics()]


@router.get(
    "/victims-code/metric-results",
    response={200: MetricResultOut, **ERROR_RESPONSES},
    summary="A Victims' Code compliance metric for a period and breakdown",
)
def compliance_metric_results(request: HttpRequest, query: Query[ResultQuery]) -> dict[str, Any]:
    """The metric's figure, its groups and the agencies' own returns, after disclosure control,
    as the metric's page shows them."""
    _ensure_person_with_access(request)
    metric = active_metrics().filter(code=query.metric).first()
    if metric is None:
        raise _invalid("metric", f"No active metric has the code {query.metric!r}.")
    period = _period(query)
    if query.breakdown not in breakdowns_for(metric):
        raise _invalid(
            "breakdown",
            f"{metric.code} cannot be broken down by {query.breakdown!r}: "
            f"choose one of {', '.join(breakdowns_for(metric))}.",
        )
    result = metric_result(user=request.user, metric=metric, period=period, breakdown=query.breakdown)
    access_log_record(
        actor=request.user,
        action=AccessLog.Action.VIEW,
        request=request,
        record_label=f"Victims' Code metric {metric.code} (API)",
        detail=f"aggregates after disclosure control: period {period.label}; breakdown {query.breakdown}",
    )
    return metric_result_out(result)
