"""The planning pages under /funding/: the plan by financial year with its warnings, and the
scenario tool. Thin views over `waymark.funding.planning`; the OPCC's funding roles only.

Each table's download comes as CSV and as XLSX: the same header and rows, numbers as numbers
(`waymark.core.csv_download.table_download`)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.charts import Chart, bar_chart
from waymark.core.csv_download import csv_filename, table_download
from waymark.core.http import AuthenticatedHttpRequest

from . import money_format
from .forms_planning import PlanFilterForm, ScenarioForm
from .planning import (
    PLAN_CSV_HEADER,
    SCENARIO_CSV_HEADER,
    Plan,
    Scenario,
    funding_plan,
    plan_csv_rows,
    plan_years,
    planning_warnings,
    scenario_csv_rows,
    scenario_run,
)

view_funding = permission_required("funding.view_funding", raise_exception=True)


def _chosen_years(request: AuthenticatedHttpRequest) -> tuple[PlanFilterForm, list[str] | None]:
    form = PlanFilterForm(request.GET, years=plan_years())
    if form.is_valid() and form.cleaned_data["year"]:
        return form, [form.cleaned_data["year"]]
    return form, None


def plan_chart(plan: Plan) -> Chart:
    """Per year: the allocation, commitments, distributed and left, in whole pounds (the table
    beside it and the data table below hold the exact figures). An overspent year's "left" is
    negative, which a bar cannot show: it is drawn as 0 and its label says by how much it is over."""
    labels: list[str] = []
    values: list[int | None] = []
    for year in plan.years:
        total = year.total
        for name, amount in (
            ("allocation", total.allocation),
            ("commitments", total.commitments),
            ("distributed", total.distributed),
            ("left to distribute", total.left),
        ):
            whole = int(money_format.to_pound(amount))
            over = f" (over by {money_format.pounds(-amount)}, drawn as 0)" if amount < 0 else ""
            labels.append(f"{year.financial_year} {name}{over}")
            values.append(max(whole, 0))
    return bar_chart(
        chart_id="funding-plan",
        title="The portfolio's money by financial year, pounds",
        labels=labels,
        values=values,
        category_label="Year and measure",
        value_label="Pounds (rounded)",
        summary=(
            "For each financial year, the allocation, what is committed, what is distributed to awards "
            "and what is left."
        ),
    )


def _record(request: AuthenticatedHttpRequest, action: str, label: str, detail: str) -> None:
    access_log_record(actor=request.user, action=action, request=request, record_label=label, detail=detail)


@login_required
@view_funding
@require_GET
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The plan by financial year, with the warnings panel."""
    form, years = _chosen_years(request)
    status = 400 if form.errors else 200
    plan = funding_plan(user=request.user, financial_years=years)
    warnings = planning_warnings(user=request.user, financial_years=years)
    _record(
        request,
        AccessLog.Action.VIEW,
        "Funding plan",
        f"{request.path} years: {', '.join(plan.financial_years) or 'none'}",
    )
    return render(
        request,
        "funding/planning/overview.html",
        {
            "page_title": "Funding plan",
            "form": form,
            "query": request.GET.urlencode(),
            "plan": plan,
            "chart": plan_chart(plan) if plan.years else None,
            "warnings": warnings,
            "pounds": money_format.pounds,
            "pounds_rounded": money_format.pounds_rounded,
        },
        status=status,
    )


@login_required
@view_funding
@require_GET
def overview_download(request: AuthenticatedHttpRequest, file_format: str = "csv") -> HttpResponse:
    """The plan's table as CSV or XLSX, to the penny."""
    _, years = _chosen_years(request)
    plan = funding_plan(user=request.user, financial_years=years)
    _record(
        request,
        AccessLog.Action.EXPORT,
        "Funding plan",
        f"{request.path} years: {', '.join(plan.financial_years) or 'none'}",
    )
    return table_download(
        file_format,
        filename=csv_filename("funding-plan", *(years or ["every-year"])),
        sheet="Funding plan",
        header=PLAN_CSV_HEADER,
        rows=plan_csv_rows(plan),
    )


def _scenario(request: AuthenticatedHttpRequest) -> tuple[ScenarioForm, Scenario | None]:
    """The form and, when it was filled in validly, the scenario it asks for."""
    years = plan_years()
    if "cut_percent" not in request.GET and "pay_rise_percent" not in request.GET:
        return ScenarioForm(None, years=years), None
    form = ScenarioForm(request.GET, years=years)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    scenario = scenario_run(
        user=request.user,
        cut_percent=Decimal(data["cut_percent"]),
        pay_rise_percent=Decimal(data["pay_rise_percent"]),
        financial_year=data["year"] or None,
        sources=list(data["sources"]) or None,
    )
    return form, scenario


def _scenario_detail(scenario: Scenario) -> str:
    return (
        f"cut {scenario.cut_percent}% of indicative money "
        f"({', '.join(scenario.cut_source_names) or 'every source'}); pay rise {scenario.pay_rise_percent}%; "
        f"year {scenario.financial_year or 'every year'}"
    )


@login_required
@view_funding
@require_GET
def scenario(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The scenario tool: the form, and the posts that go unfunded under it."""
    form, result = _scenario(request)
    if result is not None:
        _record(
            request, AccessLog.Action.VIEW, "Funding scenario", f"{request.path} {_scenario_detail(result)}"
        )
    return render(
        request,
        "funding/planning/scenario.html",
        {
            "page_title": "Funding scenario",
            "form": form,
            "scenario": result,
            "query": request.GET.urlencode(),
            "pounds": money_format.pounds,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@view_funding
@require_GET
def scenario_download(request: AuthenticatedHttpRequest, file_format: str = "csv") -> HttpResponse:
    """The scenario's unfunded posts as CSV or XLSX; a bad scenario is answered 400 with no file."""
    form, result = _scenario(request)
    if result is None:
        messages = (
            "; ".join(str(error) for errors in form.errors.values() for error in errors)
            or "Fill in the scenario first."
        )
        return HttpResponse(messages, status=400, content_type="text/plain; charset=utf-8")
    _record(
        request, AccessLog.Action.EXPORT, "Funding scenario", f"{request.path} {_scenario_detail(result)}"
    )
    return table_download(
        file_format,
        filename=csv_filename(
            "funding-scenario-unfunded-posts",
            f"cut-{result.cut_percent}",
            f"pay-{result.pay_rise_percent}",
            result.financial_year or "",
        ),
        sheet="Unfunded posts",
        header=SCENARIO_CSV_HEADER,
        rows=scenario_csv_rows(result),
    )
