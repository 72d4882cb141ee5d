"""Builders for funding tests: funders, sources, allocations, commitments and awards with their
lines. They write rows directly (no permission checks, no access log) so tests can set up a
case in a line; tests of the rules themselves call the services in `money.py`.

    source = make_source(name="MoJ IDVA/ISVA fund", ring_fenced=True, ring_fence_roles=["idva", "isva"])
    make_allocation(source=source, financial_year="2021/22", amount="1617802.00", status="confirmed")
    award = make_award(
        organisation=world.provider,
        stated_total="1400307.91",
        lines=[(source, "2021/22", "1400307.91", "confirmed")],
    )
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from waymark.accounts.models import Organisation

from ..models import (
    Allocation,
    Award,
    AwardFunding,
    BudgetLine,
    Commitment,
    FundedPost,
    Funder,
    FundingSource,
    FundingStatus,
    PostFundingShare,
)

_numbers = itertools.count(1)

# (source, financial year, amount, status) for an award's funding line; status defaults to confirmed.
Line = tuple[FundingSource, str, Any] | tuple[FundingSource, str, Any, str]


def make_funder(name: str = "Ministry of Justice", **fields: Any) -> Funder:
    funder, _ = Funder.objects.get_or_create(name=name, defaults=fields)
    return funder


def make_source(
    *,
    name: str | None = None,
    funder: Funder | None = None,
    programme: str = FundingSource.Programme.ISVA_IDVA_RING_FENCED,
    ring_fenced: bool = False,
    ring_fence_roles: list[str] | None = None,
    **fields: Any,
) -> FundingSource:
    return FundingSource.objects.create(
        funder=funder or make_funder(),
        name=name or f"Source {next(_numbers)}",
        programme=programme,
        ring_fenced=ring_fenced,
        ring_fence_roles=ring_fence_roles or [],
        **fields,
    )


def make_allocation(
    *,
    source: FundingSource,
    financial_year: str = "2021/22",
    amount: Any = "1000.00",
    status: str = Allocation.Status.CONFIRMED,
    notified_on: date = date(2021, 4, 1),
    supersedes: Allocation | None = None,
    reference: str = "",
) -> Allocation:
    return Allocation.objects.create(
        funding_source=source,
        financial_year=financial_year,
        amount=Decimal(str(amount)),
        status=status,
        notified_on=notified_on,
        supersedes=supersedes,
        reference=reference,
    )


def make_commitment(
    *,
    source: FundingSource,
    financial_year: str = "2021/22",
    amount: Any = "100.00",
    description: str = "Existing",
) -> Commitment:
    return Commitment.objects.create(
        funding_source=source,
        financial_year=financial_year,
        amount=Decimal(str(amount)),
        description=description,
    )


def make_award(
    *,
    organisation: Organisation,
    reference: str | None = None,
    title: str = "IDVA service",
    start_on: date = date(2021, 4, 1),
    end_on: date = date(2023, 3, 31),
    stated_total: Any = None,
    lines: Iterable[Line] = (),
    budget: Iterable[tuple[str, str, str, Any]] = (),
    **fields: Any,
) -> Award:
    """An award with its funding lines, and budget lines as (year, category, description, amount)."""
    award = Award.objects.create(
        organisation=organisation,
        reference=reference or f"AW-{next(_numbers):04d}",
        title=title,
        start_on=start_on,
        end_on=end_on,
        stated_total=None if stated_total is None else Decimal(str(stated_total)),
        **fields,
    )
    for line in lines:
        source, year, amount, *rest = line
        AwardFunding.objects.create(
            award=award,
            funding_source=source,
            financial_year=year,
            amount=Decimal(str(amount)),
            status=rest[0] if rest else FundingStatus.CONFIRMED,
        )
    for year, category, description, amount in budget:
        BudgetLine.objects.create(
            award=award,
            financial_year=year,
            category=category,
            description=description,
            amount=Decimal(str(amount)),
        )
    return award


def make_post(
    *,
    award: Award,
    title: str = "IDVA",
    role: str = "idva",
    shares: Iterable[tuple[FundingSource, str, Any]] = (),
) -> FundedPost:
    """A post paid by the award, employed by its provider, with its shares as (source, year, FTE)."""
    post = FundedPost.objects.create(award=award, organisation=award.organisation, role=role, title=title)
    for source, year, fte in shares:
        PostFundingShare.objects.create(
            post=post, funding_source=source, financial_year=year, fte_share=Decimal(str(fte))
        )
    return post
