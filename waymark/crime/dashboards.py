"""The VAWG and RASSO dashboards: pages for OPCC analysts and force leads, and their downloads.

Thin views over `waymark.crime.metrics` (the figures, after disclosure control) and the shared
components (`waymark.core.charts`, `waymark.core.hexmap`, `waymark.core.csv_download`). Every
table on a page has a CSV download of the same figures, and the API
(`waymark/api/routers/crime.py`) returns them too. No page shows a crime row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Max, Min
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.charts import Chart, bar_chart, funnel_chart, time_chart
from waymark.core.csv_download import csv_filename, csv_response
from waymark.core.hexmap import geojson_response
from waymark.core.http import AuthenticatedHttpRequest
from waymark.core.models import LocalAuthority
from waymark.core.periods import FinancialQuarter, FinancialYear

from . import metrics
from .maps import crime_map
from .metrics import AGE_BANDS, VICTIM_SEXES, CrimeFilters, FigureTable, RassoMetrics, VawgVolumes
from .models import Crime, CrimeVawgBasis, CrimeVictim, OffenceCode, VawgBasis
from .violence_context import CAVEAT, OPEN_GOVERNMENT_LICENCE, context_csv_rows, violence_context

view_crime_data = permission_required("crime.view_crime_data", raise_exception=True)


# --- filters ------------------------------------------------------------------------------------


def recorded_range(user: Any) -> tuple[date, date] | None:
    """The first and last recorded dates of the crimes `user` may see, or None if there are none."""
    found = Crime.objects.visible_to(user).aggregate(first=Min("recorded_on"), last=Max("recorded_on"))
    if found["first"] is None:
        return None
    return found["first"], found["last"]


def period_choices(span: tuple[date, date] | None) -> list[tuple[str, str]]:
    """Financial years, then quarters, then months the data covers, newest first."""
    if span is None:
        return []
    first, last = span
    years = [
        FinancialYear(start)
        for start in range(
            FinancialYear.from_date(last).start.year, FinancialYear.from_date(first).start.year - 1, -1
        )
    ]
    choices = [(f"fy:{year.label}", f"Financial year {year.label}") for year in years]
    for year in years:
        for number in (4, 3, 2, 1):
            quarter = FinancialQuarter(year, number)
            if quarter.start <= last and quarter.end >= first:
                choices.append((f"q:{quarter.label}", f"Quarter {quarter.label}"))
    month = date(last.year, last.month, 1)
    while month >= date(first.year, first.month, 1):
        choices.append((f"m:{month:%Y-%m}", f"{month:%B %Y}"))
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    return choices


def _filters_for(period: str, **dimensions: str) -> CrimeFilters:
    kind, _, value = period.partition(":")
    if kind == "fy":
        return CrimeFilters.for_financial_year(value, **dimensions)
    if kind == "q":
        return CrimeFilters.for_quarter(value, **dimensions)
    return CrimeFilters.for_month(value, **dimensions)


def _choose(what: str) -> dict[str, str]:
    # Django's own message quotes the value asked for ("fy:2030/31"), which is the page's code,
    # not words a person chose.
    return {"invalid_choice": f"Choose {what} from the list: the one asked for is not on it."}


class DashboardFilterForm(forms.Form):
    """The period and dimensions a dashboard is narrowed by (all optional but the period).

    The choices are those the dashboard's crimes can have (`scope`: VAWG crimes, or adult rape),
    so that no choice can only ever give nothing: on the RASSO page an offence group, basis or
    age band no adult rape has is not offered.
    """

    period = forms.ChoiceField(label="Period", error_messages=_choose("a period the data covers"))
    local_authority = forms.ChoiceField(
        label="Local authority", required=False, error_messages=_choose("a local authority")
    )
    offence_group = forms.ChoiceField(
        label="Offence group", required=False, error_messages=_choose("an offence group")
    )
    vawg_basis = forms.ChoiceField(label="VAWG basis", required=False, error_messages=_choose("a VAWG basis"))
    victim_sex = forms.ChoiceField(label="Victim sex", required=False, error_messages=_choose("a victim sex"))
    victim_age_band = forms.ChoiceField(
        label="Victim age band", required=False, error_messages=_choose("a victim age band")
    )

    DIMENSIONS = ("local_authority", "offence_group", "vawg_basis", "victim_sex", "victim_age_band")

    def __init__(
        self, data: QueryDict, *, periods: list[tuple[str, str]], scope: str = "vawg", user: Any = None
    ) -> None:
        super().__init__(data)
        everything = [("", "All")]
        groups = OffenceCode.objects.order_by("group").values_list("group", flat=True).distinct()
        bases = list(VawgBasis.choices)
        bands = list(AGE_BANDS)
        if scope == "rasso":
            adult_rape = Crime.objects.visible_to(user).filter(is_adult_rape=True)
            groups = groups.filter(group__in=adult_rape.values("offence_code__group"))
            present = set(CrimeVawgBasis.objects.filter(crime__in=adult_rape).values_list("basis", flat=True))
            bases = [(value, label) for value, label in bases if value in present]
            present = set(CrimeVictim.objects.filter(crime__in=adult_rape).values_list("age_band", flat=True))
            bands = [band for band in bands if band in present]
        choices: dict[str, list[tuple[str, str]]] = {
            "period": periods,
            "local_authority": everything
            + [(la.code, la.name) for la in LocalAuthority.objects.order_by("name")],
            "offence_group": everything + [(group, group) for group in groups],
            "vawg_basis": everything + bases,
            "victim_sex": everything + list(VICTIM_SEXES),
            "victim_age_band": everything + [(band, band) for band in bands],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options

    def crime_filters(self) -> CrimeFilters | None:
        """The filters chosen, or None if any is not valid: figures for other filters than the
        form shows would be taken for the ones asked for."""
        if not self.is_valid():
            return None
        dimensions = {name: self.cleaned_data[name] for name in self.DIMENSIONS if self.cleaned_data[name]}
        return _filters_for(self.cleaned_data["period"], **dimensions)

    def problems(self) -> str:
        """What is wrong with the filters, in one line: "Victim sex: Select a valid choice. …"."""
        return " ".join(
            f"{self.fields[name].label}: {' '.join(str(m) for m in messages)}"
            for name, messages in self.errors.items()
        )


@dataclass(frozen=True)
class Filtered:
    """A dashboard request's filters: the form to show again, the filters (None with no crime
    data, or with filters that are not valid), and the query string."""

    form: DashboardFilterForm | None
    filters: CrimeFilters | None
    query: str

    @property
    def refused(self) -> bool:
        """The filters asked for are not valid: show the form's errors, and no figures."""
        return self.form is not None and self.filters is None


def filtered(request: AuthenticatedHttpRequest, scope: str = "vawg") -> Filtered:
    """The filters of a dashboard request (`scope`: "vawg" or "rasso", whose crimes the choices
    are drawn from). With no crime data at all there is nothing to filter."""
    periods = period_choices(recorded_range(request.user))
    if not periods:
        return Filtered(form=None, filters=None, query="")
    data = request.GET.copy()
    if not data.get("period"):
        # Newest financial year by default.
        data["period"] = periods[0][0]
    form = DashboardFilterForm(data, periods=periods, scope=scope, user=request.user)
    return Filtered(form=form, filters=form.crime_filters(), query=data.urlencode())


def _name_parts(filters: CrimeFilters) -> list[str]:
    """The period and the filters' values, for a download's file name: two downloads of the same
    table with different filters must not take the same name."""
    return [filters.label] + [value for name, value in filters.describe()[1:]]


def _refused_page(request: AuthenticatedHttpRequest, chosen: Filtered, title: str) -> HttpResponse:
    """A dashboard whose filters are not valid: the form with its errors, and no figures."""
    return render(request, "crime/bad_filters.html", {"form": chosen.form, "title": title}, status=400)


def _refused_download(chosen: Filtered) -> HttpResponse:
    """A download whose filters are not valid: why, and no file of other figures."""
    assert chosen.form is not None
    return HttpResponse(
        f"Nothing was downloaded: the filters are not valid. {chosen.form.problems()}",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


# --- charts from the metric tables ---------------------------------------------------------------


def _column(table: FigureTable, index: int = 0) -> list[int | None]:
    return [cells[index] for cells in table.cells]


def vawg_charts(volumes: VawgVolumes) -> dict[str, Chart]:
    """A chart for each VAWG volume table that has one column (the victim table stays a table)."""
    threshold = volumes.threshold
    period = volumes.filters.label
    charts: dict[str, Chart] = {}
    for key in ("local_authority", "basis", "offence_group"):
        table = volumes.table(key)
        charts[key] = bar_chart(
            chart_id=f"vawg-{key.replace('_', '-')}",
            title=f"{table.title}, {period}",
            labels=list(table.row_labels),
            values=_column(table),
            category_label=table.row_heading,
            value_label=table.column_labels[0],
            summary=table.note,
            total=table.total,
            total_label=table.total_label,
            # A table that is not additive (a crime under two bases) still has its total: each crime once.
            show_total=True,
            threshold=threshold,
        )
    months = volumes.table("month")
    charts["month"] = time_chart(
        chart_id="vawg-month",
        title=f"{months.title}, {period}",
        labels=list(months.row_labels),
        values=_column(months),
        period_label=months.row_heading,
        value_label=months.column_labels[0],
        summary=months.note,
        total=months.total,
        total_label=months.total_label,
        show_total=True,
        threshold=threshold,
    )
    return charts


def rasso_funnel_chart(result: RassoMetrics) -> Chart:
    """M11 as a funnel: the cohort at each stage, and what stopped there."""
    stages = result.funnel.stages
    return funnel_chart(
        chart_id="rasso-funnel",
        title=f"Adult rape offences recorded in {result.filters.label}: how far they progressed",
        labels=[stage.label for stage in stages],
        values=[stage.count for stage in stages],
        lost_after=[stage.lost_after for stage in stages],
        value_label="Offences",
        summary="Each stage counts the offences of the cohort that reached it by the extraction date.",
        threshold=result.threshold,
    )


# --- pages --------------------------------------------------------------------------------------


def _record(request: AuthenticatedHttpRequest, action: str, label: str, filters: CrimeFilters) -> None:
    """An access-log entry for a dashboard view or download: aggregates only, but who looked at
    which crime figures, and who took them away, is worth knowing."""
    described = "; ".join(f"{name}: {value}" for name, value in filters.describe())
    access_log_record(
        actor=request.user,
        action=action,
        request=request,
        record_label=label,
        detail=f"{request.path} {described}",
    )


def _no_data(request: AuthenticatedHttpRequest, title: str) -> HttpResponse:
    return render(request, "crime/no_data.html", {"title": title})


@login_required
@view_crime_data
@require_GET
def vawg_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """VAWG crimes recorded in a period, by area, basis, month, offence group and victim."""
    chosen = filtered(request)
    if chosen.refused:
        return _refused_page(request, chosen, "VAWG crimes")
    if chosen.filters is None or chosen.form is None:
        return _no_data(request, "VAWG crimes")
    volumes = metrics.vawg_volumes(user=request.user, filters=chosen.filters)
    _record(request, AccessLog.Action.VIEW, "VAWG crimes dashboard", chosen.filters)
    context = violence_context(
        user=request.user,
        filters=chosen.filters,
        threshold=volumes.threshold,
        rounding_base=volumes.rounding_base,
    )
    return render(
        request,
        "crime/vawg.html",
        {
            "form": chosen.form,
            "query": chosen.query,
            "volumes": volumes,
            "rounding": metrics.rounding_note(volumes.rounding_base),
            "synthetic_note": metrics.SYNTHETIC_NOTE if volumes.synthetic else "",
            "charts": vawg_charts(volumes),
            "victim_table": volumes.table("victim"),
            "hex_map": crime_map(user=request.user, filters=chosen.filters),
            "violence_context": context,
            "caveat": CAVEAT,
            "licence": OPEN_GOVERNMENT_LICENCE,
        },
    )


@login_required
@view_crime_data
@require_GET
def vawg_download(request: AuthenticatedHttpRequest, table: str) -> HttpResponse:
    """One VAWG table as CSV, with its heading block (period, filters, extraction date) and the
    log of hidden figures; `map` is the map's cells."""
    chosen = filtered(request)
    if chosen.refused:
        return _refused_download(chosen)
    if chosen.filters is None:
        raise Http404("No crime data.")
    _record(request, AccessLog.Action.EXPORT, f"VAWG crimes table {table}", chosen.filters)
    if table == "map":
        return _map_download(request, chosen.filters, "vawg")
    volumes = metrics.vawg_volumes(user=request.user, filters=chosen.filters)
    if table == "context":
        context = violence_context(
            user=request.user,
            filters=chosen.filters,
            threshold=volumes.threshold,
            rounding_base=volumes.rounding_base,
        )
        rows = list(context_csv_rows(context, chosen.filters))
        # Named for what the figure counts: the filters it cannot follow are not in its name.
        counted = [context.place] if context.place else []
        return csv_response(filename=csv_filename("vawg", table, chosen.filters.label, *counted), rows=rows)
    try:
        rows = list(metrics.volumes_csv_rows(volumes, table=table))
    except KeyError as missing:
        raise Http404("No such table.") from missing
    return csv_response(filename=csv_filename("vawg", table, *_name_parts(chosen.filters)), rows=rows)


def _map_download(request: AuthenticatedHttpRequest, filters: CrimeFilters, scope: str) -> HttpResponse:
    """A dashboard map's cells as CSV (`scope`: "vawg" or "rasso", as `maps.MAPS`)."""
    hex_map = crime_map(user=request.user, filters=filters, scope=scope)
    rows = list(metrics.map_csv_rows(hex_map, user=request.user, filters=filters))
    return csv_response(filename=csv_filename(scope, "map", *_name_parts(filters)), rows=rows)


def _map_geojson(request: AuthenticatedHttpRequest, scope: str) -> HttpResponse:
    """A dashboard map's hexagons as GeoJSON, for the map script; the page's filters."""
    chosen = filtered(request, scope)
    if chosen.refused:
        return _refused_download(chosen)
    if chosen.filters is None:
        raise Http404("No crime data.")
    return geojson_response(crime_map(user=request.user, filters=chosen.filters, scope=scope))


@login_required
@view_crime_data
@require_GET
def vawg_map_geojson(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The VAWG map's hexagons as GeoJSON, for the map script."""
    return _map_geojson(request, "vawg")


@login_required
@view_crime_data
@require_GET
def rasso_map_geojson(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The adult rape map's hexagons as GeoJSON, for the map script."""
    return _map_geojson(request, "rasso")


@login_required
@view_crime_data
@require_GET
def rasso_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Adult rape progression and attrition: M1 to M13 and the funnel, with their definitions."""
    chosen = filtered(request, "rasso")
    if chosen.refused:
        return _refused_page(request, chosen, "Adult rape case progression")
    if chosen.filters is None or chosen.form is None:
        return _no_data(request, "Adult rape case progression")
    result = metrics.rasso_metrics(user=request.user, filters=chosen.filters)
    _record(request, AccessLog.Action.VIEW, "Adult rape progression dashboard", chosen.filters)
    return render(
        request,
        "crime/rasso.html",
        {
            "form": chosen.form,
            "query": chosen.query,
            "result": result,
            "rounding": metrics.rounding_note(result.rounding_base),
            "synthetic_note": metrics.SYNTHETIC_NOTE if result.synthetic else "",
            "funnel_chart": rasso_funnel_chart(result),
            "losses": result.funnel.losses,
            "hex_map": crime_map(user=request.user, filters=chosen.filters, scope="rasso"),
        },
    )


@login_required
@view_crime_data
@require_GET
def rasso_download(request: AuthenticatedHttpRequest, table: str) -> HttpResponse:
    """The RASSO metrics, funnel or losses table as CSV, with the heading block and hidden log;
    `map` is the map's cells."""
    if table not in (*metrics.METRICS_CSV_TABLES, "map"):
        raise Http404("No such table.")
    chosen = filtered(request, "rasso")
    if chosen.refused:
        return _refused_download(chosen)
    if chosen.filters is None:
        raise Http404("No crime data.")
    if table == "map":
        _record(request, AccessLog.Action.EXPORT, "Adult rape map", chosen.filters)
        return _map_download(request, chosen.filters, "rasso")
    result = metrics.rasso_metrics(user=request.user, filters=chosen.filters)
    _record(request, AccessLog.Action.EXPORT, f"Adult rape metrics table {table}", chosen.filters)
    rows = list(metrics.metrics_csv_rows(result, table=table))
    return csv_response(filename=csv_filename("rasso", table, *_name_parts(chosen.filters)), rows=rows)
