"""Pages for match funding, providers' monitoring returns and the returns made to funders.

Thin: each view checks the page permission, reads through `Award`/`MonitoringReturn`
`visible_to` (404 outside the person's scope, so another provider's award or return is not
revealed), writes through one service in `match.py` or `returns.py`, and records the read in
the access log.

Who may do what: OPCC admins and analysts see everything and review; board members read; a
provider's managers see their own organisation's awards and returns and submit its returns.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from waymark.accounts.access import organisation_ids_with_role
from waymark.accounts.roles import Role
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.csv_download import csv_filename, csv_response, xlsx_response
from waymark.core.forms import add_service_errors, form_flow
from waymark.core.http import AuthenticatedHttpRequest
from waymark.core.visibility import get_visible_or_404

from . import match, returns
from .forms_returns import (
    FunderReturnBuildForm,
    FunderReturnSubmittedForm,
    MatchContributionForm,
    MonitoringReturnForm,
    ReturnFilterForm,
    ReviewForm,
    ScheduleForm,
)
from .models import Award, FunderReturn, MonitoringReturn
from .money_format import pounds, pounds_rounded

view_funding = permission_required("funding.view_funding", raise_exception=True)
manage_funding = permission_required("funding.manage_funding", raise_exception=True)
submit_returns = permission_required("funding.submit_returns", raise_exception=True)

_MONEY = {"pounds": pounds, "pounds_rounded": pounds_rounded}


def funding_reader(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OPCC's funding roles, or a provider's manager (who then sees only their own rows)."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (
            request.user.has_perm("funding.view_funding") or request.user.has_perm("funding.submit_returns")
        ):
            raise PermissionDenied("Not allowed: funding pages")
        return view(request, *args, **kwargs)

    return wrapped


def returns_reader(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OPCC's reviewers, or a provider's manager (who then sees only their own returns); not
    the board, which sees the roll-ups (funder returns, the plan)."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("funding.view_returns"):
            raise PermissionDenied("Not allowed: providers' returns")
        return view(request, *args, **kwargs)

    return wrapped


def _log(
    request: AuthenticatedHttpRequest,
    action: str,
    label: str,
    obj: Any = None,
    organisation: Any = None,
    detail: str = "",
) -> None:
    access_log_record(
        actor=request.user,
        action=action,
        obj=obj,
        organisation=organisation,
        request=request,
        record_label=label,
        detail=detail,
    )


# --- match funding ------------------------------------------------------------------------------


@require_GET
@login_required
@view_funding
def match_portfolio(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every award: its funding, the cash and in-kind match behind it, and the match ratio."""
    portfolio = match.match_portfolio(user=request.user)
    _log(
        request,
        AccessLog.Action.LIST,
        "Match funding across the portfolio",
        detail=f"{len(portfolio.rows)} awards",
    )
    return render(request, "funding/returns/match.html", {"portfolio": portfolio, **_MONEY})


@require_http_methods(["GET", "POST"])
@login_required
@funding_reader
def award_match(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """One award's match: summary by year, the contributions, and (OPCC staff) the add form."""
    award = get_visible_or_404(
        Award.objects.select_related("organisation"), user=request.user, public_id=public_id
    )
    may_manage = request.user.has_perm("funding.manage_funding")
    form = MatchContributionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied("Not allowed: funding.manage_funding")
        if form.is_valid():
            try:
                contribution = match.match_contribution_add(award=award, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Match of {pounds(contribution.amount)} from {contribution.contributor} recorded.",
                )
                return redirect("funding:award_match", public_id=award.public_id)
        status = 400
    _log(
        request,
        AccessLog.Action.VIEW,
        f"Match funding for {award.reference}",
        obj=award,
        organisation=award.organisation,
    )
    return render(
        request,
        "funding/returns/award_match.html",
        {
            "award": award,
            "summary": match.match_summary(award),
            "contributions": match.match_contributions(award),
            "form": form if may_manage else None,
            **_MONEY,
        },
        status=status,
    )


# --- monitoring returns -------------------------------------------------------------------------


@require_GET
@login_required
@returns_reader
def return_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Returns with their status and whether they are late: the OPCC sees all, a provider its own."""
    form = ReturnFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {"status": "", "late": ""}
    rows = returns.return_rows(
        returns.monitoring_return_list(user=request.user, status=filters["status"], late=filters["late"])
    )
    _log(
        request,
        AccessLog.Action.LIST,
        "Monitoring returns",
        detail=", ".join(returns.return_label(row.monitoring_return) for row in rows)[:2000],
    )
    return render(
        request,
        "funding/returns/returns.html",
        {
            "form": form if request.GET else ReturnFilterForm(),
            "rows": rows,
            "late_count": sum(row.late for row in rows),
            "may_manage": request.user.has_perm("funding.manage_funding"),
            "may_submit": request.user.has_perm("funding.submit_returns"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@manage_funding
def return_schedule(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Schedule an award's returns by its sources' cadence."""
    awards = Award.objects.visible_to(request.user).exclude(status=Award.Status.DRAFT).order_by("reference")
    back = reverse("funding:returns")
    return form_flow(
        request,
        form=ScheduleForm(request.POST or None, awards=awards),
        save=lambda data: (
            data["award"],
            returns.monitoring_returns_schedule(award=data["award"], by=request.user),
        ),
        success=lambda result: f"{len(result[1])} returns scheduled or moved for {result[0].reference}.",
        then=lambda _: back,
        title="Schedule an award's monitoring returns",
        intro=[
            "Returns are scheduled for every quarter, half year or year of the award's life, by the "
            "reporting cadence of the sources that pay it, each due "
            f"{returns.due_days()} days after its period ends.",
            "Scheduling again after an extension adds the new periods; returns already made are kept.",
        ],
        submit="Schedule returns",
        back_url=back,
    )


def _visible_return(request: AuthenticatedHttpRequest, public_id: UUID) -> MonitoringReturn:
    return get_visible_or_404(
        MonitoringReturn.objects.select_related("award__organisation", "submitted_by"),
        user=request.user,
        public_id=public_id,
    )


@require_GET
@login_required
@returns_reader
def return_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """One return: its status in words, spend by budget line, outputs, narrative, risks, comments."""
    monitoring_return = _visible_return(request, public_id)
    spend, spend_total = returns.return_spend(monitoring_return)
    own = monitoring_return.award.organisation_id in _managed_organisations(request)
    _log(
        request,
        AccessLog.Action.VIEW,
        returns.return_label(monitoring_return),
        obj=monitoring_return,
        organisation=monitoring_return.award.organisation,
    )
    return render(
        request,
        "funding/returns/return_detail.html",
        {
            "r": monitoring_return,
            "state": returns.return_state(monitoring_return),
            "late": returns.is_late(monitoring_return),
            "spend": spend,
            "spend_total": spend_total,
            "outputs": returns.return_outputs(monitoring_return),
            "may_submit": own and monitoring_return.status in returns.AWAITING_PROVIDER,
            "may_review": request.user.has_perm("funding.manage_funding")
            and monitoring_return.status == MonitoringReturn.Status.SUBMITTED,
            **_MONEY,
        },
    )


def _managed_organisations(request: AuthenticatedHttpRequest) -> list[int]:
    return list(organisation_ids_with_role(request.user, [Role.PROVIDER_MANAGER]))


@require_http_methods(["GET", "POST"])
@login_required
@submit_returns
def return_submit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """The provider's manager fills in and submits (or resubmits) the return."""
    monitoring_return = _visible_return(request, public_id)
    lines = returns.return_budget_lines(monitoring_return)
    intro = [
        f"Award {monitoring_return.award.reference}: {monitoring_return.award.title}.",
        f"{returns.return_state(monitoring_return)}.",
    ]
    initial: dict[str, Any] = {}
    if monitoring_return.status == MonitoringReturn.Status.CHANGES_REQUESTED:
        intro.append(f"The OPCC asked for changes: {monitoring_return.reviewer_comments}")
    if monitoring_return.submitted_at:
        initial = {f"spend_{s.budget_line_id}": s.amount for s in monitoring_return.spend.all()}
        for key, value in (monitoring_return.outputs or {}).items():
            if key in returns.OUTPUT_LABELS:
                initial[f"output_{key}"] = value
        initial["other_outputs"] = "\n".join(
            f"{key}: {value}"
            for key, value in (monitoring_return.outputs or {}).items()
            if key not in returns.OUTPUT_LABELS
        )
        initial["narrative"] = monitoring_return.narrative
        initial["risks"] = monitoring_return.risks
    elif request.method == "GET" and monitoring_return.status in returns.AWAITING_PROVIDER:
        prefill = returns.output_prefill(monitoring_return=monitoring_return, user=request.user)
        if prefill is not None:
            initial.update({f"output_{key}": value for key, value in prefill.items()})
            intro.append(
                "The outputs are filled in from your cases in Waymark for the quarters this period "
                "covers. Check them and correct them if they are wrong."
            )
    if not lines:
        intro.append("This award has no budget lines for the period, so no spend is asked for.")
    form = MonitoringReturnForm(request.POST or None, initial=initial, budget_lines=lines)
    detail = reverse("funding:return_detail", kwargs={"public_id": monitoring_return.public_id})
    return form_flow(
        request,
        form=form,
        save=lambda data: returns.monitoring_return_submit(
            monitoring_return=monitoring_return,
            spend=form.spend(),
            outputs=form.outputs(),
            narrative=data["narrative"],
            risks=data["risks"],
            by=request.user,
        ),
        success="Return submitted. The OPCC will review it.",
        then=lambda _: detail,
        title="Submit the monitoring return",
        caption=returns.return_label(monitoring_return),
        intro=intro,
        submit="Submit the return",
        back_url=detail,
    )


@require_http_methods(["GET", "POST"])
@login_required
@manage_funding
def return_review(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """The OPCC accepts a submitted return or sends it back with comments."""
    monitoring_return = _visible_return(request, public_id)
    detail = reverse("funding:return_detail", kwargs={"public_id": monitoring_return.public_id})

    def save(data: dict[str, Any]) -> MonitoringReturn:
        if data["decision"] == "accept":
            return returns.monitoring_return_accept(
                monitoring_return=monitoring_return, by=request.user, comments=data["comments"]
            )
        return returns.monitoring_return_request_changes(
            monitoring_return=monitoring_return, comments=data["comments"], by=request.user
        )

    return form_flow(
        request,
        form=ReviewForm(request.POST or None),
        save=save,
        success=lambda r: (
            "Return accepted."
            if r.status == MonitoringReturn.Status.ACCEPTED
            else "Return sent back for changes."
        ),
        then=lambda _: detail,
        title="Review the monitoring return",
        caption=returns.return_label(monitoring_return),
        intro=[
            f"{returns.return_state(monitoring_return)}.",
            "An accepted return is final and counts in the funder's return.",
        ],
        submit="Save the decision",
        back_url=detail,
    )


# --- funder returns -----------------------------------------------------------------------------


@require_GET
@login_required
@view_funding
def funder_return_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = list(returns.funder_return_list())
    _log(request, AccessLog.Action.LIST, "Returns to funders", detail=f"{len(rows)} returns")
    return render(
        request,
        "funding/returns/funder_returns.html",
        {"rows": rows, "may_manage": request.user.has_perm("funding.manage_funding")},
    )


@require_http_methods(["GET", "POST"])
@login_required
@manage_funding
def funder_return_build(request: AuthenticatedHttpRequest) -> HttpResponse:
    back = reverse("funding:funder_returns")
    return form_flow(
        request,
        form=FunderReturnBuildForm(request.POST or None),
        save=lambda data: returns.funder_return_build(by=request.user, **data),
        success="Funder return built from the accepted provider returns.",
        then=lambda fr: reverse("funding:funder_return_detail", kwargs={"public_id": fr.public_id}),
        title="Build a return to a funder",
        intro=[
            "Choose the source and one of its reporting periods (a quarter, half year or year, by "
            "its cadence). Every provider return for that period must be accepted first.",
        ],
        submit="Build the return",
        back_url=back,
    )


def _funder_return(public_id: UUID) -> FunderReturn:
    return get_object_or_404(
        FunderReturn.objects.select_related("funding_source__funder"), public_id=public_id
    )


@require_GET
@login_required
@view_funding
def funder_return_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    funder_return = _funder_return(public_id)
    figures = returns.funder_return_figures(funder_return)
    _log(request, AccessLog.Action.VIEW, returns.funder_return_label(funder_return), obj=funder_return)
    return render(
        request,
        "funding/returns/funder_return_detail.html",
        {
            "fr": funder_return,
            "figures": figures,
            "may_manage": request.user.has_perm("funding.manage_funding"),
            **_MONEY,
        },
    )


@require_GET
@login_required
@view_funding
def funder_return_download(
    request: AuthenticatedHttpRequest, public_id: UUID, file_format: str = "csv"
) -> HttpResponse:
    """The funder return as CSV or XLSX: the same rows (section, item, value) either way."""
    funder_return = _funder_return(public_id)
    figures = returns.funder_return_figures(funder_return)
    _log(
        request,
        AccessLog.Action.EXPORT,
        returns.funder_return_label(funder_return),
        obj=funder_return,
        detail=file_format.upper(),
    )
    filename = csv_filename(
        "funder return", funder_return.funding_source.name, funder_return.period_start.isoformat()
    )
    header, rows = returns.FUNDER_RETURN_CSV_HEADER, returns.funder_return_csv_rows(figures)
    if file_format == "xlsx":
        return xlsx_response(filename=filename, sheet="Return to funder", header=header, rows=rows)
    return csv_response(filename=filename, header=header, rows=rows, none_as="")


@require_http_methods(["GET", "POST"])
@login_required
@manage_funding
def funder_return_submitted(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    funder_return = _funder_return(public_id)
    detail = reverse("funding:funder_return_detail", kwargs={"public_id": funder_return.public_id})
    return form_flow(
        request,
        form=FunderReturnSubmittedForm(request.POST or None),
        save=lambda data: returns.funder_return_mark_submitted(
            funder_return=funder_return, submitted_on=data["submitted_on"], by=request.user
        ),
        success="Return marked as submitted.",
        then=lambda _: detail,
        title="Mark the return as sent to the funder",
        caption=returns.funder_return_label(funder_return),
        submit="Mark as submitted",
        back_url=detail,
    )
