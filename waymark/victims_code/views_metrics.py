"""Victims' Code compliance pages: the overview per right, each metric's page, the list of
definitions, the equity view, the quarterly return (page, CSV and XLSX), and providers' own
first-contact figures.

Thin views over `waymark.victims_code.metrics` (every figure after disclosure control), which
read a fresh rollup's counts where there is one (`waymark.victims_code.rollup`), one query for
a whole page, and count live otherwise. The
compliance pages need `victims_code.view_compliance` (OPCC admins and analysts, the force's Code
leads); the provider page needs a provider manager, who sees M28 for their own services only.
Every view and download is access-logged, as the crime dashboards are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.charts import Chart, time_chart
from waymark.core.csv_download import XLSX_CONTENT_TYPE, csv_filename, csv_response
from waymark.core.http import AuthenticatedHttpRequest
from waymark.core.periods import FinancialQuarter, FinancialYear

from . import metrics
from .metrics import BREAKDOWNS, EQUITY_BREAKDOWNS, Figure, MetricPeriod, MetricResult
from .models import AgencyType, MetricDefinition
from .reviews import actions_for_metric
from .rollup import RollupReader

view_compliance = permission_required("victims_code.view_compliance", raise_exception=True)

TREND_QUARTERS = 8


# --- periods and filters ------------------------------------------------------------------------


def default_quarter(today: date | None = None) -> FinancialQuarter:
    """The last complete quarter: the one a return is normally made for."""
    return FinancialQuarter.from_date(today or timezone.localdate()).previous()


def quarter_choices(count: int = 12, today: date | None = None) -> list[tuple[str, str]]:
    """The current quarter and the ones before it, newest first."""
    quarter = FinancialQuarter.from_date(today or timezone.localdate())
    choices = []
    for _ in range(count):
        choices.append((quarter.label, f"Quarter {quarter.label}"))
        quarter = quarter.previous()
    return choices


def period_choices(today: date | None = None) -> list[tuple[str, str]]:
    """Quarters, then the last three financial years, then the last twelve months."""
    today = today or timezone.localdate()
    year = FinancialYear.from_date(today)
    choices = quarter_choices(today=today)
    for _ in range(3):
        choices.append((year.label, f"Financial year {year.label}"))
        year = year.previous()
    month = today.replace(day=1)
    for _ in range(12):
        choices.append((f"{month:%Y-%m}", f"{month:%B %Y}"))
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    return choices


class QuarterForm(forms.Form):
    """The quarter of the overview and the quarterly return, and the agency shown."""

    quarter = forms.ChoiceField(label="Quarter")
    agency = forms.ChoiceField(label="Agency", required=False)

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        self.fields["quarter"].choices = quarter_choices()  # type: ignore[attr-defined]
        self.fields["agency"].choices = [("", "All agencies"), *AgencyType.choices]  # type: ignore[attr-defined]

    def chosen(self) -> tuple[FinancialQuarter, str]:
        if not self.is_valid():
            return default_quarter(), ""
        return FinancialQuarter.parse(self.cleaned_data["quarter"]), self.cleaned_data["agency"]


class PeriodForm(forms.Form):
    """The period of a metric's page and of the equity view, and the groups compared."""

    period = forms.ChoiceField(label="Period")
    breakdown = forms.ChoiceField(label="Compare groups by", required=False)

    def __init__(self, data: QueryDict, *, breakdowns: tuple[str, ...] = EQUITY_BREAKDOWNS) -> None:
        super().__init__(data)
        self.fields["period"].choices = period_choices()  # type: ignore[attr-defined]
        self.fields["breakdown"].choices = [(key, BREAKDOWNS[key]) for key in breakdowns]  # type: ignore[attr-defined]

    def chosen(self) -> tuple[MetricPeriod, str]:
        default = MetricPeriod.quarter(default_quarter())
        if not self.is_valid():
            return default, EQUITY_BREAKDOWNS[0]
        return MetricPeriod.parse(self.cleaned_data["period"]), self.cleaned_data[
            "breakdown"
        ] or EQUITY_BREAKDOWNS[0]


def _with_default(request: AuthenticatedHttpRequest, name: str, value: str) -> QueryDict:
    data = request.GET.copy()
    if not data.get(name):
        data[name] = value
    return data


def _record(request: AuthenticatedHttpRequest, action: str, label: str, detail: str) -> None:
    """An access-log entry: aggregates only, but who looked at which compliance figures, and who
    took them away, is worth knowing."""
    access_log_record(
        actor=request.user,
        action=action,
        request=request,
        record_label=label,
        detail=f"{request.path} {detail}",
    )


def _metric(code: str) -> MetricDefinition:
    found = metrics.active_metrics().filter(code=code).first()
    if found is None:
        raise Http404("No such metric.")
    return found


# --- the overview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewRow:
    """A metric on the overview: its figure for the quarter, its agencies' sum, and its trend."""

    metric: MetricDefinition
    figure: Figure
    agencies: Figure | None
    trend: tuple[Figure, ...]
    chart: Chart


def trend_chart(
    metric: MetricDefinition, quarters: list[FinancialQuarter], trend: list[Figure], threshold: int
) -> Chart:
    """The metric's rate per quarter as a line, in whole percentages, with its table."""
    return time_chart(
        chart_id=f"trend-{metric.code.lower()}",
        title=f"{metric.code} {metric.name}: per cent by quarter",
        labels=[quarter.label for quarter in quarters],
        values=[None if figure.rate is None else round(figure.rate * 100) for figure in trend],
        period_label="Quarter",
        value_label="Per cent (rounded)",
        style="line",
        summary="A quarter with no cases, or whose figures are hidden, has no point.",
        threshold=threshold,
    )


def _agencies_total(result: MetricResult) -> Figure | None:
    rows = [row for row in result.aggregate if row.key == "agency:all"]
    if rows:
        return rows[0]
    totals = [row for row in result.aggregate if row.label.endswith(": total")]
    return totals[0] if len(totals) == 1 else None


@login_required
@view_compliance
@require_GET
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Per right, each metric's rate for the quarter with its rating and its trend."""
    form = QuarterForm(_with_default(request, "quarter", default_quarter().label))
    quarter, agency = form.chosen()
    quarters = [quarter]
    while len(quarters) < TREND_QUARTERS:
        quarters.insert(0, quarters[0].previous())
    period = MetricPeriod.quarter(quarter)
    force_as_of = metrics.evidence_as_of()
    active = metrics.active_metrics()
    if agency:
        active = active.filter(agency_type=agency)
    chosen = list(active)
    # Every metric's counts for the quarter and its trend in one query from a fresh rollup, and
    # the agencies' returns in two: a few queries, not two or three per metric.
    reader = RollupReader(user=request.user)
    reader.preload(metrics=chosen, periods=[MetricPeriod.quarter(q) for q in quarters], breakdowns=["none"])
    reader.preload_aggregate_lines(metrics=chosen, period=period)
    sections: dict[str, list[OverviewRow]] = {}
    threshold = 0
    for metric in chosen:
        as_of = (
            metrics.default_as_of(metric)
            if metric.measure == metric.Measure.PROVIDER_FIRST_CONTACT
            else force_as_of
        )
        result = metrics.metric_result(
            user=request.user, metric=metric, period=period, as_of=as_of, rollup=reader
        )
        threshold = result.threshold
        trend = metrics.metric_trend(
            user=request.user, metric=metric, quarters=quarters, as_of=as_of, rollup=reader
        )
        heading = (
            f"Right {metric.right.number}: {metric.right.title}"
            if metric.right
            else "Outcomes and the victim's voice"
        )
        sections.setdefault(heading, []).append(
            OverviewRow(
                metric=metric,
                figure=result.overall,
                agencies=_agencies_total(result),
                trend=tuple(trend),
                chart=trend_chart(metric, quarters, trend, result.threshold),
            )
        )
    ordered = sorted(
        sections.items(), key=lambda item: (not item[0].startswith("Right"), _right_number(item[0]))
    )
    _record(
        request,
        AccessLog.Action.VIEW,
        "Victims' Code compliance overview",
        f"quarter: {quarter.label}; agency: {agency or 'all'}",
    )
    return render(
        request,
        "victims_code/metrics/overview.html",
        {
            "form": form,
            "quarter": quarter,
            "sections": ordered,
            "as_of": force_as_of,
            "threshold": threshold or 5,
        },
    )


def _right_number(heading: str) -> int:
    try:
        return int(heading.split(":")[0].removeprefix("Right "))
    except ValueError:
        return 99


# --- the list of definitions and a metric's page ------------------------------------------------


@login_required
@view_compliance
@require_GET
def metric_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every metric definition of the Code in force, with what it counts."""
    definitions = metrics.active_metrics()
    _record(request, AccessLog.Action.LIST, "Victims' Code metric definitions", "")
    return render(request, "victims_code/metrics/list.html", {"definitions": definitions})


@login_required
@view_compliance
@require_GET
def metric_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """A metric's definition in plain English, its figure, and every breakdown it has."""
    metric = _metric(code)
    form = PeriodForm(_with_default(request, "period", default_quarter().label), breakdowns=("none",))
    period, _ = form.chosen()
    breakdowns = metrics.breakdowns_for(metric)
    as_of = metrics.default_as_of(metric)
    reader = RollupReader(user=request.user)
    reader.preload(metrics=[metric], periods=[period], breakdowns=breakdowns)
    results = [
        metrics.metric_result(
            user=request.user, metric=metric, period=period, breakdown=breakdown, as_of=as_of, rollup=reader
        )
        for breakdown in breakdowns
    ]
    _record(request, AccessLog.Action.VIEW, f"Victims' Code metric {metric.code}", f"period: {period.label}")
    return render(
        request,
        "victims_code/metrics/detail.html",
        {
            "form": form,
            "metric": metric,
            "entitlements": list(metric.entitlements.all().select_related("right")),
            "overall": results[0],
            "breakdowns": results[1:],
            "period": period,
            "actions": list(actions_for_metric(metric, user=request.user)),
        },
    )


# --- equity -------------------------------------------------------------------------------------


@login_required
@view_compliance
@require_GET
def equity(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Gaps between groups of victims, per metric: each group against the rest."""
    form = PeriodForm(_with_default(request, "period", default_quarter().label))
    period, breakdown = form.chosen()
    rows = metrics.equity_gaps(user=request.user, period=period, breakdown=breakdown)
    _record(
        request,
        AccessLog.Action.VIEW,
        "Victims' Code equity view",
        f"period: {period.label}; groups: {breakdown}",
    )
    return render(
        request,
        "victims_code/metrics/equity.html",
        {"form": form, "period": period, "breakdown": BREAKDOWNS[breakdown], "rows": rows},
    )


# --- the quarterly return -----------------------------------------------------------------------


@login_required
@view_compliance
@require_GET
def quarterly_return(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The MoJ's five key areas for a quarter, with CSV and XLSX downloads."""
    form = QuarterForm(_with_default(request, "quarter", default_quarter().label))
    quarter, _ = form.chosen()
    result = metrics.quarterly_return(user=request.user, quarter=quarter)
    _record(request, AccessLog.Action.VIEW, "Victims' Code quarterly return", f"quarter: {quarter.label}")
    return render(request, "victims_code/metrics/quarterly_return.html", {"form": form, "result": result})


@login_required
@view_compliance
@require_GET
def quarterly_return_download(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """The quarterly return as CSV or XLSX: the same cells either way."""
    if file_format not in ("csv", "xlsx"):
        raise Http404("No such format.")
    form = QuarterForm(_with_default(request, "quarter", default_quarter().label))
    if not form.is_valid():
        return HttpResponse(
            "Choose a quarter from the list, e.g. 2025/26 Q1.", status=400, content_type="text/plain"
        )
    quarter, _ = form.chosen()
    result = metrics.quarterly_return(user=request.user, quarter=quarter)
    _record(
        request,
        AccessLog.Action.EXPORT,
        f"Victims' Code quarterly return ({file_format})",
        f"quarter: {quarter.label}",
    )
    name = csv_filename("victims-code-quarterly-return", quarter.label).removesuffix(".csv")
    if file_format == "csv":
        return csv_response(filename=name, rows=result.rows())
    response = HttpResponse(metrics.quarterly_return_xlsx(result), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# --- providers ----------------------------------------------------------------------------------


@login_required
@permission_required("victims_code.view_own_service_metrics", raise_exception=True)
@require_GET
def provider_metrics(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A provider manager's own services' first-contact timeliness (M28): nothing else."""
    form = PeriodForm(_with_default(request, "period", default_quarter().label), breakdowns=("none",))
    period, _ = form.chosen()
    # PermissionDenied (403) for anyone who manages no service.
    results = metrics.provider_metrics_for(user=request.user, period=period)
    _record(request, AccessLog.Action.VIEW, "Own services' first contact (M28)", f"period: {period.label}")
    return render(
        request, "victims_code/metrics/provider.html", {"form": form, "results": results, "period": period}
    )
