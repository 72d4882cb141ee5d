"""Funding pages: money. Sources with their allocations (and each year's history) and
commitments; awards to providers with their funding lines, budget lines, variations and the
reconciliation of their lines against the stated total.

Thin: each view reads through a selector in `money.py` (awards through `visible_to`, 404 outside
scope), writes through one service, and renders. Pages that show awards write an access-log
entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms as django_forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record, access_log_record_many
from waymark.core.forms import form_flow
from waymark.core.http import AuthenticatedHttpRequest

from . import money
from .forms_money import (
    AllocationForm,
    AwardChangeForm,
    AwardForm,
    AwardFundingForm,
    AwardVariationForm,
    BudgetLineForm,
    CommitmentForm,
    FundingSourceForm,
)

view_funding = permission_required(money.VIEW_PERMISSION, raise_exception=True)
manage_funding = permission_required(money.MANAGE_PERMISSION, raise_exception=True)


def _data(request: AuthenticatedHttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _page(request: AuthenticatedHttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(
        request,
        f"funding/money/{template}",
        {
            "pounds": money.pounds,
            "role_labels": money.ring_fence_labels,
            "budget_line_label": money.budget_line_label,
            **context,
        },
    )


# --- sources --------------------------------------------------------------------------------------


@login_required
@view_funding
@require_GET
def source_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every funding source: funder, programme, ring-fence, cadence, and each year's current
    allocation with its status."""
    return _page(
        request,
        "sources.html",
        {"sources": money.source_list(), "can_manage": request.user.has_perm(money.MANAGE_PERMISSION)},
    )


@login_required
@view_funding
@require_GET
def source_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """A source: each year's allocation history, its commitments and what is left, and the
    awards paid from it."""
    source = money.source_get(public_id=public_id)
    lines = money.source_award_lines(source, user=request.user)
    access_log_record(
        actor=request.user,
        action=AccessLog.Action.VIEW,
        obj=source,
        request=request,
        record_label=source.name,
    )
    return _page(
        request,
        "source_detail.html",
        {
            "source": source,
            "years": money.source_years(source),
            "lines": lines,
            "can_manage": request.user.has_perm(money.MANAGE_PERMISSION),
        },
    )


def _source_form_save(request: AuthenticatedHttpRequest, data: dict[str, Any], source: Any = None) -> Any:
    data = dict(data)
    funder = data.pop("funder") or money.funder_get_or_create(name=data["new_funder"], by=request.user)
    data.pop("new_funder")
    if source is None:
        return money.funding_source_create(funder=funder, by=request.user, request=request, **data)
    return money.funding_source_update(source=source, funder=funder, by=request.user, request=request, **data)


def _source_url(source: Any) -> str:
    return reverse("funding:source_detail", kwargs={"public_id": source.public_id})


@login_required
@manage_funding
def source_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    back = reverse("funding:sources")
    return form_flow(
        request,
        form=FundingSourceForm(_data(request)),
        save=lambda d: _source_form_save(request, d),
        success="Funding source added.",
        then=_source_url,
        back_url=back,
        title="Add a funding source",
        caption="Funding sources",
        submit="Add source",
    )


@login_required
@manage_funding
def source_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    source = money.source_get(public_id=public_id)
    initial = {name: getattr(source, name) for name in money.SOURCE_FIELDS}
    initial["funder"] = source.funder
    return form_flow(
        request,
        form=FundingSourceForm(_data(request), initial=initial),
        save=lambda d: _source_form_save(request, d, source),
        success="Funding source updated.",
        then=_source_url,
        back_url=_source_url(source),
        title=f"Change {source.name}",
        caption="Funding sources",
        submit="Save changes",
    )


@login_required
@manage_funding
def allocation_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    source = money.source_get(public_id=public_id)
    return form_flow(
        request,
        form=AllocationForm(_data(request)),
        save=lambda d: money.allocation_record(source=source, by=request.user, request=request, **d),
        success="Allocation recorded.",
        then=lambda _: _source_url(source),
        back_url=_source_url(source),
        title="Record an allocation",
        caption=source.name,
        submit="Record allocation",
        intro=[
            "Record the money for a year as the funder notified it. The first for a year is indicative "
            "or confirmed. A later one replaces it and the earlier one is kept in the year's history: "
            "confirmed after indicative, varied (an addendum) after confirmed.",
        ],
    )


@login_required
@manage_funding
def commitment_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    source = money.source_get(public_id=public_id)
    return form_flow(
        request,
        form=CommitmentForm(_data(request)),
        save=lambda d: money.commitment_add(source=source, by=request.user, request=request, **d),
        success="Commitment recorded.",
        then=lambda _: _source_url(source),
        back_url=_source_url(source),
        title="Add a commitment",
        caption=source.name,
        submit="Add commitment",
        intro=[
            "Money already committed from a year's allocation comes off it before anything is "
            "distributed, for example an existing ISVA commitment. It cannot be more than is left."
        ],
    )


# --- awards ---------------------------------------------------------------------------------------


def _can_see_awards(request: AuthenticatedHttpRequest) -> None:
    if not money.can_see_awards(request.user):
        raise PermissionDenied("Not allowed: funding awards")


@login_required
@require_GET
def award_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Awards the person may see (the OPCC: all; a provider's manager: their own), with a
    warning panel of awards whose lines do not add up to their stated total."""
    _can_see_awards(request)
    awards = list(money.award_list(user=request.user))
    access_log_record_many(
        actor=request.user,
        action=AccessLog.Action.LIST,
        objects=list(awards),
        request=request,
        detail="Funding awards",
    )
    return _page(
        request,
        "awards.html",
        {
            "awards": awards,
            "not_reconciling": money.awards_not_reconciling(user=request.user),
            "can_manage": request.user.has_perm(money.MANAGE_PERMISSION),
        },
    )


def _award_url(award: Any) -> str:
    return reverse("funding:award_detail", kwargs={"public_id": award.public_id})


@login_required
@require_GET
def award_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    _can_see_awards(request)
    award = money.award_get(user=request.user, public_id=public_id)
    access_log_record(
        actor=request.user, action=AccessLog.Action.VIEW, obj=award, request=request, record_label=str(award)
    )
    return _page(
        request,
        "award_detail.html",
        {
            "award": award,
            "profile": money.award_profile(award),
            "budget": money.award_budget(award),
            "variations": money.award_variations(award),
            "reconciliation": money.award_reconciliation(award),
            "can_manage": request.user.has_perm(money.MANAGE_PERMISSION),
        },
    )


@login_required
@manage_funding
def award_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    return form_flow(
        request,
        form=AwardForm(_data(request), providers=money.provider_choices()),
        save=lambda d: money.award_create(by=request.user, request=request, **d),
        success="Award made. Now add its funding lines and budget lines.",
        then=_award_url,
        back_url=reverse("funding:awards"),
        title="Make an award",
        caption="Awards",
        submit="Make award",
    )


@login_required
@manage_funding
def award_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Change an award's header (not its reference); an extension is a variation instead."""
    award = money.award_get(user=request.user, public_id=public_id)
    initial = {name: getattr(award, name) for name in money.AWARD_CHANGE_FIELDS}
    return form_flow(
        request,
        form=AwardChangeForm(
            _data(request), initial=initial, providers=money.provider_choices(current=award.organisation)
        ),
        save=lambda d: money.award_update(award=award, by=request.user, request=request, **d),
        success="Award updated.",
        then=_award_url,
        back_url=_award_url(award),
        title="Change the award",
        caption=str(award),
        submit="Save changes",
    )


def _award_form(
    request: AuthenticatedHttpRequest,
    public_id: UUID,
    *,
    form_class: type[django_forms.Form],
    save: Callable[[Any, dict[str, Any]], Any],
    **page: Any,
) -> HttpResponse:
    award = money.award_get(user=request.user, public_id=public_id)
    return form_flow(
        request,
        form=form_class(_data(request)),
        save=lambda d: save(award, d),
        then=lambda _: _award_url(award),
        back_url=_award_url(award),
        caption=str(award),
        **page,
    )


@login_required
@manage_funding
def award_line_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    return _award_form(
        request,
        public_id,
        form_class=AwardFundingForm,
        save=lambda award, d: money.award_funding_add(
            award=award,
            source=d["funding_source"],
            financial_year=d["financial_year"],
            amount=d["amount"],
            status=d["status"],
            by=request.user,
            request=request,
        ),
        success="Funding line added.",
        title="Add a funding line",
        submit="Add funding line",
        intro=["One source's money for one year of the award. To change a line later, record a variation."],
    )


@login_required
@manage_funding
def award_budget_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    return _award_form(
        request,
        public_id,
        form_class=BudgetLineForm,
        save=lambda award, d: money.budget_line_add(award=award, by=request.user, request=request, **d),
        success="Budget line added.",
        title="Add a budget line",
        submit="Add budget line",
    )


@login_required
@manage_funding
def award_vary(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    award = money.award_get(user=request.user, public_id=public_id)
    form = AwardVariationForm(_data(request), award=award)
    return form_flow(
        request,
        form=form,
        save=lambda _: money.award_vary(
            award=award, by=request.user, request=request, **form.service_arguments()
        ),
        success="Variation recorded.",
        then=lambda _: _award_url(award),
        back_url=_award_url(award),
        title="Record a variation",
        caption=str(award),
        submit="Record variation",
        intro=[
            f"The award runs from {award.start_on:%-d %B %Y} to {award.end_on:%-d %B %Y}. An extension moves "
            "the end date; an uplift or a reduction changes one source's line for one year (and the "
            "stated total with it); a virement moves an amount from one of the award's budget lines to "
            "another in the same financial year; a change of scope is recorded with its reason.",
        ],
    )
