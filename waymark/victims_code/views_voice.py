"""The victim's voice, staff pages under /victims-code/voice/: the recorded-versus-recalled gap
(the page the seed paper asks for) and the making of one-time survey links.

Thin views over `waymark.victims_code.voice`. The gap page shows aggregates only, after
disclosure control; the links of a batch exist only in the CSV file that answers the request
that made them (only their hashes are stored), so they can never be shown again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Min
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.charts import Chart, bar_chart
from waymark.core.csv_download import csv_filename, csv_response
from waymark.core.date_input import DateInputField
from waymark.core.forms import add_service_errors
from waymark.core.http import AuthenticatedHttpRequest
from waymark.crime.dashboards import period_choices
from waymark.crime.metrics import CrimeFilters
from waymark.crime.models import Crime

from .voice import (
    BREAKDOWNS,
    GAP_CSV_HEADER,
    LINKS_CSV_HEADER,
    MAX_BATCH,
    PairCriteria,
    Period,
    VoiceGap,
    gap_csv_rows,
    link_days,
    links_csv_rows,
    recorded_versus_recalled,
    survey_invitation_counts,
    survey_invitations_create,
    survey_pairs_select,
)

view_compliance = permission_required("victims_code.view_compliance", raise_exception=True)


# --- the gap page -----------------------------------------------------------------------------------


def reported_range(user: Any) -> tuple[date, date] | None:
    """The first and last reported dates of the crimes `user` may see, or None if there are none."""
    found = Crime.objects.visible_to(user).aggregate(first=Min("reported_on"), last=Max("reported_on"))
    if found["first"] is None:
        return None
    return found["first"], found["last"]


def period_from_choice(value: str) -> Period:
    """A period from a filter value: `fy:2024/25`, `q:2024/25 Q1` or `m:2024-04`."""
    kind, _, text = value.partition(":")
    if kind == "fy":
        filters = CrimeFilters.for_financial_year(text)
    elif kind == "q":
        filters = CrimeFilters.for_quarter(text)
    else:
        filters = CrimeFilters.for_month(text)
    return Period(start=filters.start, end=filters.end, label=filters.label)


class VoiceFilterForm(forms.Form):
    """The period (crimes reported in it) and an optional breakdown."""

    period = forms.ChoiceField(label="Crimes reported in")
    breakdown = forms.ChoiceField(
        label="Break down by",
        required=False,
        choices=[("", "No breakdown"), *((key, label) for key, (label, _) in BREAKDOWNS.items())],
    )

    def __init__(self, data: QueryDict, *, periods: list[tuple[str, str]]) -> None:
        super().__init__(data)
        field = self.fields["period"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = periods


def _chosen(request: AuthenticatedHttpRequest) -> tuple[VoiceFilterForm, Period, str | None, str] | None:
    periods = period_choices(reported_range(request.user))
    if not periods:
        return None
    data = request.GET.copy()
    if not data.get("period"):
        # The newest financial year by default.
        data["period"] = periods[0][0]
    form = VoiceFilterForm(data, periods=periods)
    if form.is_valid():
        period = period_from_choice(form.cleaned_data["period"])
        breakdown = form.cleaned_data["breakdown"] or None
    else:
        period, breakdown = period_from_choice(periods[0][0]), None
    return form, period, breakdown, data.urlencode()


def gap_chart(gap: VoiceGap) -> Chart:
    """Two bars per right, recorded and recalled, as whole percentages of the same respondents;
    a hidden group has no bars. The table beside it holds the same figures."""
    labels: list[str] = []
    values: list[int | None] = []
    for right in gap.rights:
        row = right.overall
        labels.append(f"{right.metric_code} recorded by the force")
        values.append(None if row.recorded_rate is None else round(row.recorded_rate))
        labels.append(f"{right.metric_code} recalled by victims")
        values.append(None if row.recalled_rate is None else round(row.recalled_rate))
    return bar_chart(
        chart_id="voice-gap",
        title=f"Recorded and recalled, per cent of the same respondents, {gap.period.label}",
        labels=labels,
        values=values,
        category_label="Right and source",
        value_label="Per cent",
        summary=(
            "For each right, the share the force records as delivered beside the share of the same "
            "victims who recall it."
        ),
        threshold=gap.threshold,
    )


def _record(
    request: AuthenticatedHttpRequest, action: str, label: str, period: Period, breakdown: str | None
) -> None:
    """Who looked at or took away the gap figures (aggregates, but about victims' answers)."""
    access_log_record(
        actor=request.user,
        action=action,
        request=request,
        record_label=label,
        detail=f"{request.path} period: {period.label}; breakdown: {breakdown or 'none'}",
    )


@login_required
@view_compliance
@require_GET
def voice_gap(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Per right, the force-recorded delivery rate beside the victim-recalled rate, with the gap."""
    chosen = _chosen(request)
    if chosen is None:
        return render(request, "victims_code/voice/no_data.html", {"page_title": "Recorded and recalled"})
    form, period, breakdown, query = chosen
    gap = recorded_versus_recalled(user=request.user, period=period, breakdown=breakdown)
    _record(request, AccessLog.Action.VIEW, "Victims' voice: recorded and recalled", period, breakdown)
    return render(
        request,
        "victims_code/voice/gap.html",
        {
            "page_title": "Recorded and recalled",
            "form": form,
            "query": query,
            "gap": gap,
            "chart": gap_chart(gap),
            "counts": survey_invitation_counts(user=request.user),
        },
    )


@login_required
@view_compliance
@require_GET
def voice_download(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The gap table as CSV, hidden figures written [c]."""
    chosen = _chosen(request)
    if chosen is None:
        return csv_response(filename="recorded-and-recalled", header=GAP_CSV_HEADER, rows=[])
    _, period, breakdown, _ = chosen
    gap = recorded_versus_recalled(user=request.user, period=period, breakdown=breakdown)
    _record(request, AccessLog.Action.EXPORT, "Victims' voice: recorded and recalled", period, breakdown)
    return csv_response(
        filename=csv_filename("recorded-and-recalled", period.label, breakdown or ""),
        header=GAP_CSV_HEADER,
        rows=gap_csv_rows(gap),
    )


# --- making links -----------------------------------------------------------------------------------


class InvitationBatchForm(forms.Form):
    """Which victims to invite: crimes reported in a span, with optional narrowing, capped."""

    reported_from = DateInputField(
        label="First reported date",
        help_text="Crimes reported on or after this date.",
        example=date(2025, 4, 1),
    )
    reported_to = DateInputField(
        label="Last reported date",
        help_text="Crimes reported on or before this date.",
        example=date(2025, 6, 30),
    )
    only_with_duties = forms.BooleanField(
        label="Only victims with a Victims' Code duty recorded", required=False
    )
    only_enhanced = forms.BooleanField(label="Only victims entitled to enhanced rights", required=False)
    limit = forms.IntegerField(
        label="Most links to make",
        min_value=1,
        max_value=MAX_BATCH,
        initial=MAX_BATCH,
        help_text=f"At most {MAX_BATCH:,}. The oldest reports are invited first.",
        error_messages={
            "required": "Enter the most links to make",
            "invalid": "Enter the most links to make as a whole number",
            "min_value": "Make at least 1 link",
            "max_value": f"A batch can make at most {MAX_BATCH:,} links",
        },
    )
    valid_days = forms.IntegerField(
        label="Days the links work",
        min_value=1,
        max_value=365,
        help_text="Each link stops working this many days after it is made.",
        error_messages={
            "required": "Enter how many days the links work",
            "invalid": "Enter the days the links work as a whole number",
            "min_value": "Links must work for at least 1 day",
            "max_value": "Links can work for at most 365 days",
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("reported_from")
            and data.get("reported_to")
            and data["reported_to"] < data["reported_from"]
        ):
            self.add_error("reported_to", "The last reported date must be the same as or after the first")
        return data

    def criteria(self) -> PairCriteria:
        data = self.cleaned_data
        return PairCriteria(
            reported_from=data["reported_from"],
            reported_to=data["reported_to"],
            only_with_duties=data["only_with_duties"],
            only_enhanced=data["only_enhanced"],
            limit=data["limit"],
        )


@login_required
@view_compliance
@require_http_methods(["GET", "POST"])
def survey_invitations(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Counts of links made, used and expired; choose victims, check, then make and download.

    "Check" shows how many links would be made. "Make links" answers with the CSV of links
    (crime_reference, victim_id, link) for the force to send through its own safe-contact
    channels: the only time the links exist.
    """
    initial = {"limit": MAX_BATCH, "valid_days": link_days()}
    form = InvitationBatchForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST":
        if not request.user.has_perm("victims_code.record_compliance"):
            raise PermissionDenied("Not allowed: victims_code.record_compliance")
        if form.is_valid():
            selection = survey_pairs_select(user=request.user, criteria=form.criteria())
            if request.POST.get("action") == "make":
                try:
                    batch = survey_invitations_create(
                        pairs=selection.pairs, by=request.user, valid_days=form.cleaned_data["valid_days"]
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    access_log_record(
                        actor=request.user,
                        action=AccessLog.Action.EXPORT,
                        request=request,
                        record_label="Survey invitation links",
                        detail=f"{len(batch.links)} links downloaded for the force to send",
                    )
                    response = csv_response(
                        filename=csv_filename("survey-links", date.today().isoformat()),
                        header=LINKS_CSV_HEADER,
                        rows=links_csv_rows(batch, base_url=request.build_absolute_uri("/")),
                    )
                    response["Cache-Control"] = "no-store"
                    return response
            else:
                preview = selection
    else:
        access_log_record(
            actor=request.user,
            action=AccessLog.Action.VIEW,
            request=request,
            record_label="Survey invitation links",
            detail=request.path,
        )
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "victims_code/voice/invitations.html",
        {
            "page_title": "Survey links",
            "form": form,
            "preview": preview,
            "counts": survey_invitation_counts(user=request.user),
            "max_batch": MAX_BATCH,
            "link_days": getattr(settings, "WAYMARK_SURVEY_LINK_DAYS", 28),
            "may_make": request.user.has_perm("victims_code.record_compliance"),
        },
        status=status,
    )
