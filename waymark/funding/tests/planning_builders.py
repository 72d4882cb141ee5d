"""A small built case for the planning tests, made with the ORM directly.

Two sources, two years (2025/26 and 2026/27), five posts:

Source A, "Ring-fenced IDVA and ISVA fund" (MoJ; ring-fenced to IDVA, court IDVA and ISVA roles)
  2025/26: confirmed £100,000.00.
  2026/27: indicative £120,000.00 notified first, then superseded by indicative £100,000.00
           (the current row). Commitment £5,000.00.
  Posts charged to A in 2026/27 (all FTE 1.00, share 1.00 unless said):
    "IDVA Birmingham"   filled   £35,000.00
    "IDVA Coventry"     filled   £30,000.00
    "ISVA Dudley"       vacant   £22,000.00
    "Court IDVA Walsall" planned £12,000.00 a year at 1.00 FTE, share 0.50 -> £6,000.00
  Cost £93,000.00 against £95,000.00 available: all funded as things stand.

Source B, "OPCC victims budget" (the OPCC; not ring-fenced)
  2026/27: confirmed £25,500.00.
  "Caseworker Sandwell" filled, FTE 0.80, £24,999.99 a year, share 0.80 -> £24,999.99.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from waymark.accounts.models import Organisation
from waymark.funding.models import (
    Allocation,
    Award,
    AwardFunding,
    Commitment,
    FundedPost,
    Funder,
    FundingSource,
    PostFundingShare,
    PostRole,
)

YEAR_1 = "2025/26"
YEAR_2 = "2026/27"


@dataclass
class Case:
    ring_fenced: FundingSource
    opcc_budget: FundingSource
    posts: dict[str, FundedPost]
    award: Award


def source(name: str, *, funder: str, ring_fence_roles: list[str] | None = None) -> FundingSource:
    return FundingSource.objects.create(
        funder=Funder.objects.get_or_create(name=funder)[0],
        name=name,
        programme=FundingSource.Programme.ISVA_IDVA_RING_FENCED
        if ring_fence_roles
        else FundingSource.Programme.OPCC_BUDGET,
        ring_fenced=ring_fence_roles is not None,
        ring_fence_roles=ring_fence_roles or [],
    )


def allocation(
    funding_source: FundingSource,
    year: str,
    amount: str,
    status: str,
    *,
    supersedes: Allocation | None = None,
    notified_on: date = date(2025, 3, 1),
) -> Allocation:
    return Allocation.objects.create(
        funding_source=funding_source,
        financial_year=year,
        amount=Decimal(amount),
        status=status,
        notified_on=notified_on,
        supersedes=supersedes,
    )


def post(
    organisation: Organisation,
    title: str,
    role: str,
    status: str,
    annual_cost: str | None,
    *,
    fte: str = "1.00",
    award: Award | None = None,
) -> FundedPost:
    return FundedPost.objects.create(
        organisation=organisation,
        award=award,
        title=title,
        role=role,
        status=status,
        fte=Decimal(fte),
        annual_cost=None if annual_cost is None else Decimal(annual_cost),
    )


def share(
    funded_post: FundedPost, funding_source: FundingSource, year: str, fte_share: str
) -> PostFundingShare:
    return PostFundingShare.objects.create(
        post=funded_post, funding_source=funding_source, financial_year=year, fte_share=Decimal(fte_share)
    )


def award(
    organisation: Organisation, reference: str, *, status: str = Award.Status.ACTIVE, **dates: date
) -> Award:
    return Award.objects.create(
        organisation=organisation,
        reference=reference,
        title=f"Advocacy award {reference}",
        start_on=dates.get("start_on", date(2025, 4, 1)),
        end_on=dates.get("end_on", date(2027, 3, 31)),
        status=status,
    )


def funding_line(
    the_award: Award, funding_source: FundingSource, year: str, amount: str, status: str
) -> AwardFunding:
    return AwardFunding.objects.create(
        award=the_award,
        funding_source=funding_source,
        financial_year=year,
        amount=Decimal(amount),
        status=status,
    )


def build_case(provider: Organisation) -> Case:
    """The case described above, the posts employed by `provider` under one award."""
    ring_fenced = source(
        "Ring-fenced IDVA and ISVA fund",
        funder="Ministry of Justice",
        ring_fence_roles=[PostRole.IDVA, PostRole.COURT_IDVA, PostRole.ISVA],
    )
    opcc_budget = source("OPCC victims budget", funder="West Midlands OPCC")
    allocation(ring_fenced, YEAR_1, "100000.00", Allocation.Status.CONFIRMED)
    first = allocation(ring_fenced, YEAR_2, "120000.00", Allocation.Status.INDICATIVE)
    allocation(
        ring_fenced,
        YEAR_2,
        "100000.00",
        Allocation.Status.INDICATIVE,
        supersedes=first,
        notified_on=date(2025, 9, 1),
    )
    Commitment.objects.create(
        funding_source=ring_fenced,
        financial_year=YEAR_2,
        amount=Decimal("5000.00"),
        description="ISVA commitment",
    )
    allocation(opcc_budget, YEAR_2, "25500.00", Allocation.Status.CONFIRMED)

    the_award = award(provider, "W-1")
    filled, vacant, planned = FundedPost.Status.FILLED, FundedPost.Status.VACANT, FundedPost.Status.PLANNED
    posts = {
        "IDVA Birmingham": post(
            provider, "IDVA Birmingham", PostRole.IDVA, filled, "35000.00", award=the_award
        ),
        "IDVA Coventry": post(provider, "IDVA Coventry", PostRole.IDVA, filled, "30000.00", award=the_award),
        "ISVA Dudley": post(provider, "ISVA Dudley", PostRole.ISVA, vacant, "22000.00", award=the_award),
        "Court IDVA Walsall": post(
            provider, "Court IDVA Walsall", PostRole.COURT_IDVA, planned, "12000.00", award=the_award
        ),
        "Caseworker Sandwell": post(
            provider,
            "Caseworker Sandwell",
            PostRole.CASEWORKER,
            filled,
            "24999.99",
            fte="0.80",
            award=the_award,
        ),
    }
    for title in ("IDVA Birmingham", "IDVA Coventry", "ISVA Dudley"):
        share(posts[title], ring_fenced, YEAR_2, "1.00")
    share(posts["Court IDVA Walsall"], ring_fenced, YEAR_2, "0.50")
    share(posts["Caseworker Sandwell"], opcc_budget, YEAR_2, "0.80")
    return Case(ring_fenced=ring_fenced, opcc_budget=opcc_budget, posts=posts, award=the_award)
