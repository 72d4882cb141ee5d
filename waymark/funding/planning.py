"""Planning the portfolio's money by financial year: the plan, scenarios and warnings.

Read-only selectors for the OPCC's funding roles (`funding.view_funding`); each raises
PermissionDenied for anyone else. Money is `Decimal` to the penny throughout; percentages are
`Decimal` too. The rules are written out in docs/funding-planning.md.

- `funding_plan`: per source and year, the current allocation (confirmed and indicative),
  commitments, what is distributed to awards (confirmed and indicative funding lines) and what is
  left: allocation - commitments - distributed.
- `scenario_run`: cut the indicative money by a percentage, raise pay by a percentage, and see,
  per source and year, the money available against the cost of the posts it pays for, and which
  posts go unfunded, by a stated priority order.
- `ring_fence_warnings`: ring-fenced money put against posts outside the ring-fence.
- `underspend_warnings`: an award's reported spend running behind the straight-line profile of
  its year's funding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils import timezone

from waymark.core.periods import FinancialYear

from .models import (
    Allocation,
    Award,
    AwardFunding,
    BudgetLine,
    Commitment,
    FundedPost,
    FundingSource,
    FundingStatus,
    MonitoringReturn,
    PostFundingShare,
    PostRole,
    ReturnSpend,
)

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

# Awards whose funding lines count as distributed: a draft award has not been made yet.
DISTRIBUTED_AWARD_STATUSES: tuple[str, ...] = (Award.Status.ACTIVE, Award.Status.CLOSED)

# The scenario's priority order within a source and year: filled posts are kept first (someone
# is in post), then posts being recruited to, then vacant, then planned; then by title, then by
# when the post was recorded (its id), so the order never depends on the database.
STATUS_PRIORITY: dict[str, int] = {
    FundedPost.Status.FILLED: 0,
    FundedPost.Status.RECRUITING: 1,
    FundedPost.Status.VACANT: 2,
    FundedPost.Status.PLANNED: 3,
}

# Budget lines that pay for people; only these tie a ring-fenced budget line to posts.
PAY_CATEGORIES: tuple[str, ...] = (BudgetLine.Category.SALARY, BudgetLine.Category.ON_COSTS)
NON_PAY_CATEGORIES: tuple[str, ...] = tuple(
    category for category in BudgetLine.Category.values if category not in PAY_CATEGORIES
)

# Returns whose spend counts as reported (a due return has reported nothing yet).
REPORTED_STATUSES: tuple[str, ...] = (
    MonitoringReturn.Status.SUBMITTED,
    MonitoringReturn.Status.CHANGES_REQUESTED,
    MonitoringReturn.Status.ACCEPTED,
)


def penny(value: Decimal) -> Decimal:
    """`value` to the penny, half-up (the way a finance paper rounds)."""
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def _require_view(user: Any) -> None:
    if user is None or not user.has_perm("funding.view_funding"):
        raise PermissionDenied("Only the OPCC's funding staff and board members see the funding plan.")


def _year_order(label: str) -> int:
    return FinancialYear.parse(label).start_year


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    """One source's money for one year (or a year's total, `source_id` None)."""

    source_id: int | None
    source_name: str
    funder_name: str
    financial_year: str
    confirmed: Decimal
    indicative: Decimal
    commitments: Decimal
    distributed_confirmed: Decimal
    distributed_indicative: Decimal

    @property
    def allocation(self) -> Decimal:
        return self.confirmed + self.indicative

    @property
    def distributed(self) -> Decimal:
        return self.distributed_confirmed + self.distributed_indicative

    @property
    def left(self) -> Decimal:
        """Left to distribute: allocation - commitments - distributed (negative if overspent)."""
        return self.allocation - self.commitments - self.distributed

    @property
    def is_total(self) -> bool:
        return self.source_id is None


@dataclass(frozen=True)
class PlanYear:
    financial_year: str
    lines: tuple[PlanLine, ...]
    total: PlanLine


@dataclass(frozen=True)
class Plan:
    years: tuple[PlanYear, ...]
    total: PlanLine  # every year shown, added up
    financial_years: tuple[str, ...]  # the years shown, oldest first


PLAN_CSV_HEADER: tuple[str, ...] = (
    "Financial year",
    "Funding source",
    "Funder",
    "Confirmed allocation (£)",
    "Indicative allocation (£)",
    "Allocation (£)",
    "Commitments (£)",
    "Distributed, confirmed (£)",
    "Distributed, indicative (£)",
    "Distributed (£)",
    "Left to distribute (£)",
)


def current_allocations() -> Any:
    """The current allocation rows: those no later row supersedes."""
    return Allocation.objects.filter(superseded_by__isnull=True)


def plan_years() -> list[str]:
    """Every financial year that has an allocation, a commitment or an award funding line."""
    years = (
        set(Allocation.objects.values_list("financial_year", flat=True))
        | set(Commitment.objects.values_list("financial_year", flat=True))
        | set(AwardFunding.objects.values_list("financial_year", flat=True))
    )
    return sorted(years, key=_year_order)


def _totals(rows: Iterable[Any], *keys: str) -> dict[tuple[Any, ...], Decimal]:
    return {tuple(row[key] for key in keys): row["total"] or ZERO for row in rows}


def _total_line(label: str, year: str, lines: Sequence[PlanLine]) -> PlanLine:
    return PlanLine(
        source_id=None,
        source_name=label,
        funder_name="",
        financial_year=year,
        confirmed=_sum(line.confirmed for line in lines),
        indicative=_sum(line.indicative for line in lines),
        commitments=_sum(line.commitments for line in lines),
        distributed_confirmed=_sum(line.distributed_confirmed for line in lines),
        distributed_indicative=_sum(line.distributed_indicative for line in lines),
    )


def funding_plan(*, user: Any, financial_years: Sequence[str] | None = None) -> Plan:
    """Per source and year, and in total: confirmed and indicative allocation, commitments,
    distributed (confirmed and indicative) and left to distribute, to the penny.

    A varied allocation (changed by an addendum) counts as confirmed. Only current allocation
    rows count (those nothing supersedes). Distributed is the funding lines of awards that are
    active or closed, not drafts. A source appears in a year if it has any of these there.
    """
    _require_view(user)
    years = list(financial_years) if financial_years is not None else plan_years()
    for year in years:
        FinancialYear.parse(year)  # ValueError on a bad label
    years = sorted(set(years), key=_year_order)

    allocations = current_allocations().filter(financial_year__in=years)
    confirmed = _totals(
        allocations.exclude(status=Allocation.Status.INDICATIVE)
        .values("funding_source", "financial_year")
        .annotate(total=Sum("amount")),
        "funding_source",
        "financial_year",
    )
    indicative = _totals(
        allocations.filter(status=Allocation.Status.INDICATIVE)
        .values("funding_source", "financial_year")
        .annotate(total=Sum("amount")),
        "funding_source",
        "financial_year",
    )
    commitments = _totals(
        Commitment.objects.filter(financial_year__in=years)
        .values("funding_source", "financial_year")
        .annotate(total=Sum("amount")),
        "funding_source",
        "financial_year",
    )
    distributed = _totals(
        AwardFunding.objects.filter(financial_year__in=years, award__status__in=DISTRIBUTED_AWARD_STATUSES)
        .values("funding_source", "financial_year", "status")
        .annotate(total=Sum("amount")),
        "funding_source",
        "financial_year",
        "status",
    )
    keys = set(confirmed) | set(indicative) | set(commitments) | {key[:2] for key in distributed}
    sources = {source.pk: source for source in FundingSource.objects.select_related("funder")}

    plan_years_: list[PlanYear] = []
    for year in years:
        source_ids = sorted(
            (source_id for source_id, key_year in keys if key_year == year),
            key=lambda pk: (sources[pk].funder.name, sources[pk].name),
        )
        lines = tuple(
            PlanLine(
                source_id=pk,
                source_name=sources[pk].name,
                funder_name=sources[pk].funder.name,
                financial_year=year,
                confirmed=confirmed.get((pk, year), ZERO),
                indicative=indicative.get((pk, year), ZERO),
                commitments=commitments.get((pk, year), ZERO),
                distributed_confirmed=distributed.get((pk, year, FundingStatus.CONFIRMED), ZERO),
                distributed_indicative=distributed.get((pk, year, FundingStatus.INDICATIVE), ZERO),
            )
            for pk in source_ids
        )
        plan_years_.append(
            PlanYear(financial_year=year, lines=lines, total=_total_line(f"Total, {year}", year, lines))
        )
    grand = _total_line("Total, all years shown", "", [year.total for year in plan_years_])
    return Plan(years=tuple(plan_years_), total=grand, financial_years=tuple(years))


def plan_csv_rows(plan: Plan) -> list[list[object]]:
    """The plan's table as CSV rows (PLAN_CSV_HEADER): each source's line, then the year's total."""
    rows: list[list[object]] = []
    for year in plan.years:
        for line in (*year.lines, year.total):
            rows.append(
                [
                    year.financial_year,
                    line.source_name,
                    line.funder_name,
                    line.confirmed,
                    line.indicative,
                    line.allocation,
                    line.commitments,
                    line.distributed_confirmed,
                    line.distributed_indicative,
                    line.distributed,
                    line.left,
                ]
            )
    return rows


# --- the scenario -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioPost:
    """One post's share of one source's year, costed, and whether the scenario keeps it."""

    post_id: int
    public_id: Any
    title: str
    role: str
    role_label: str
    organisation: str
    status: str
    status_label: str
    fte: Decimal
    fte_share: Decimal
    annual_cost: Decimal
    cost: Decimal  # annual_cost x fte_share / fte, plus the pay rise, to the penny
    covered: Decimal  # the money the scenario puts against it (less than cost if unfunded)
    funded: bool
    source_name: str
    financial_year: str

    @property
    def shortfall(self) -> Decimal:
        return self.cost - self.covered

    @property
    def partly_covered(self) -> bool:
        return not self.funded and self.covered > 0


@dataclass(frozen=True)
class ScenarioLine:
    """One source's year under the scenario."""

    source_id: int
    source_name: str
    financial_year: str
    confirmed: Decimal
    indicative: Decimal  # before the cut
    cut: Decimal  # taken off the indicative money
    commitments: Decimal
    non_pay: Decimal  # awards' non-pay, overhead and capital budget lines paid by the source
    posts: tuple[ScenarioPost, ...]  # in priority order
    not_costed: tuple[str, ...]  # titles of posts with no annual cost (left out)

    @property
    def allocation(self) -> Decimal:
        """The allocation after the cut."""
        return self.confirmed + self.indicative - self.cut

    @property
    def available(self) -> Decimal:
        """Money available for posts: the allocation after the cut, less commitments and the
        non-pay spending budgeted against the source."""
        return self.allocation - self.commitments - self.non_pay

    @property
    def cost(self) -> Decimal:
        return _sum(post.cost for post in self.posts)

    @property
    def balance(self) -> Decimal:
        """Available - cost of every post: negative when the money does not cover them all."""
        return self.available - self.cost

    @property
    def unfunded(self) -> tuple[ScenarioPost, ...]:
        return tuple(post for post in self.posts if not post.funded)


@dataclass(frozen=True)
class Scenario:
    cut_percent: Decimal
    pay_rise_percent: Decimal
    financial_year: str | None
    cut_source_names: tuple[str, ...]  # empty: every source's indicative money is cut
    lines: tuple[ScenarioLine, ...]

    @property
    def unfunded(self) -> tuple[ScenarioPost, ...]:
        """Every unfunded post share, by year, source, then the priority order."""
        return tuple(post for line in self.lines for post in line.unfunded)

    @property
    def available(self) -> Decimal:
        return _sum(line.available for line in self.lines)

    @property
    def cost(self) -> Decimal:
        return _sum(line.cost for line in self.lines)


SCENARIO_CSV_HEADER: tuple[str, ...] = (
    "Financial year",
    "Funding source",
    "Post",
    "Role",
    "Employer",
    "Status",
    "FTE paid by the source",
    "Cost in the scenario (£)",
    "Money left for it (£)",
    "Shortfall (£)",
)


def _check_percent(name: str, value: Decimal, *, most: Decimal) -> None:
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite() or value < 0 or value > most:
        raise ValueError(f"{name} must be between 0 and {most}, not {value}")


def post_cost(
    *, annual_cost: Decimal, fte: Decimal, fte_share: Decimal, pay_rise_percent: Decimal
) -> Decimal:
    """A source's share of a post's cost for a year: annual_cost x fte_share / fte, raised by
    the pay rise, to the penny (half-up, once, at the end).

    >>> post_cost(annual_cost=Decimal("24999.99"), fte=Decimal("0.8"), fte_share=Decimal("0.8"),
    ...           pay_rise_percent=Decimal("3"))
    Decimal('25749.99')
    """
    return penny(annual_cost * fte_share / fte * (HUNDRED + pay_rise_percent) / HUNDRED)


def _priority(post: FundedPost) -> tuple[int, str, int]:
    return (STATUS_PRIORITY.get(post.status, len(STATUS_PRIORITY)), post.title.casefold(), post.pk)


def _keep_in_order(
    candidates: list[tuple[FundedPost, PostFundingShare, Decimal]], available: Decimal
) -> list[Decimal]:
    """The money put against each post in priority order: each post is kept while the money
    left covers its whole cost; the first that does not fit gets what is left (partly covered,
    still unfunded) and it and every post after it are unfunded."""
    left = max(available, ZERO)
    covered: list[Decimal] = []
    running = True
    for _, _, cost in candidates:
        if running and cost <= left:
            covered.append(cost)
            left -= cost
        else:
            covered.append(left if running else ZERO)
            left = ZERO
            running = False
    return covered


def scenario_run(
    *,
    user: Any,
    cut_percent: Decimal,
    pay_rise_percent: Decimal,
    financial_year: str | None = None,
    sources: Sequence[FundingSource] | None = None,
) -> Scenario:
    """What happens if the indicative money is cut by `cut_percent` (of the sources named, or of
    every source) and pay rises by `pay_rise_percent`, in one year or every year.

    Per source and year: the current allocation, with its indicative part cut (confirmed and
    varied money is not cut), less commitments and less the non-pay, overhead and capital
    budget lines of awards (not drafts) that name the source, is the money available for
    posts. Each post
    with an FTE share of that source and year costs annual_cost x fte_share / fte, plus the pay
    rise. Posts are kept in priority order (filled, recruiting, vacant, planned; then title)
    while the money covers each whole cost; the first post that does not fit, and every post
    after it, go unfunded, even if a later, cheaper post would fit. A partly covered post counts
    as unfunded. Ended posts and posts with no annual cost are left out (the latter are listed).
    """
    _require_view(user)
    _check_percent("The cut", cut_percent, most=HUNDRED)
    _check_percent("The pay rise", pay_rise_percent, most=HUNDRED)
    if financial_year is not None:
        FinancialYear.parse(financial_year)
    cut_ids = None if not sources else {source.pk for source in sources}

    allocations = current_allocations()
    commitments = Commitment.objects.all()
    shares = PostFundingShare.objects.select_related("post", "post__organisation").exclude(
        post__status=FundedPost.Status.ENDED
    )
    # Money an award budgets for other things than pay is not there for posts; a line that
    # names no source cannot be charged to one.
    non_pay_lines = BudgetLine.objects.filter(
        category__in=NON_PAY_CATEGORIES, funding_source__isnull=False
    ).exclude(award__status=Award.Status.DRAFT)
    if financial_year is not None:
        allocations = allocations.filter(financial_year=financial_year)
        commitments = commitments.filter(financial_year=financial_year)
        shares = shares.filter(financial_year=financial_year)
        non_pay_lines = non_pay_lines.filter(financial_year=financial_year)

    confirmed: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    indicative: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for allocation in allocations:
        key = (allocation.funding_source_id, allocation.financial_year)
        if allocation.status == Allocation.Status.INDICATIVE:
            indicative[key] += allocation.amount
        else:
            confirmed[key] += allocation.amount
    committed: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for commitment in commitments:
        committed[(commitment.funding_source_id, commitment.financial_year)] += commitment.amount
    non_pay: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for row in non_pay_lines.values("funding_source_id", "financial_year").annotate(total=Sum("amount")):
        non_pay[(row["funding_source_id"], row["financial_year"])] += row["total"]
    by_key: dict[tuple[int, str], list[PostFundingShare]] = defaultdict(list)
    for share in shares:
        by_key[(share.funding_source_id, share.financial_year)].append(share)

    sources_by_id = {source.pk: source for source in FundingSource.objects.select_related("funder")}
    keys = set(confirmed) | set(indicative) | set(committed) | set(non_pay) | set(by_key)
    ordered = sorted(
        keys,
        key=lambda key: (_year_order(key[1]), sources_by_id[key[0]].funder.name, sources_by_id[key[0]].name),
    )
    lines: list[ScenarioLine] = []
    for key in ordered:
        source = sources_by_id[key[0]]
        cut = ZERO
        if cut_ids is None or source.pk in cut_ids:
            cut = penny(indicative[key] * cut_percent / HUNDRED)
        candidates: list[tuple[FundedPost, PostFundingShare, Decimal]] = []
        not_costed: list[str] = []
        for share in sorted(by_key.get(key, []), key=lambda share: _priority(share.post)):
            post = share.post
            if post.annual_cost is None or not post.fte:
                not_costed.append(post.title)
                continue
            cost = post_cost(
                annual_cost=post.annual_cost,
                fte=post.fte,
                fte_share=share.fte_share,
                pay_rise_percent=pay_rise_percent,
            )
            candidates.append((post, share, cost))
        available = confirmed[key] + indicative[key] - cut - committed[key] - non_pay[key]
        covered = _keep_in_order(candidates, available)
        posts = tuple(
            ScenarioPost(
                post_id=post.pk,
                public_id=post.public_id,
                title=post.title,
                role=post.role,
                role_label=post.get_role_display(),
                organisation=post.organisation.name,
                status=post.status,
                status_label=post.get_status_display(),
                fte=post.fte,
                fte_share=share.fte_share,
                annual_cost=post.annual_cost or ZERO,
                cost=cost,
                covered=money,
                funded=money == cost,
                source_name=source.name,
                financial_year=key[1],
            )
            for (post, share, cost), money in zip(candidates, covered, strict=True)
        )
        lines.append(
            ScenarioLine(
                source_id=source.pk,
                source_name=source.name,
                financial_year=key[1],
                confirmed=confirmed[key],
                indicative=indicative[key],
                cut=cut,
                commitments=committed[key],
                non_pay=non_pay[key],
                posts=posts,
                not_costed=tuple(not_costed),
            )
        )
    return Scenario(
        cut_percent=cut_percent,
        pay_rise_percent=pay_rise_percent,
        financial_year=financial_year,
        cut_source_names=tuple(sorted(source.name for source in sources or ())),
        lines=tuple(lines),
    )


def scenario_csv_rows(scenario: Scenario) -> list[list[object]]:
    """The unfunded posts as CSV rows (SCENARIO_CSV_HEADER)."""
    return [
        [
            post.financial_year,
            post.source_name,
            post.title,
            post.role_label,
            post.organisation,
            post.status_label,
            post.fte_share,
            post.cost,
            post.covered,
            post.shortfall,
        ]
        for post in scenario.unfunded
    ]


# --- warnings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RingFenceWarning:
    """A post outside a ring-fence that ring-fenced money is put against, and how."""

    source_name: str
    financial_year: str
    post_id: int
    post_title: str
    role_label: str
    organisation: str
    award_reference: str  # "" when the money reaches the post through an FTE share
    routes: tuple[str, ...]  # e.g. "FTE share 0.50", "funding line £10,000.00", "budget line Salaries"
    allowed_roles: tuple[str, ...]

    @property
    def direct(self) -> bool:
        """The post's own FTE is charged to the ring-fenced source (not only its award's money)."""
        return not self.award_reference


def _allowed(source: FundingSource) -> set[str]:
    return {str(role) for role in (source.ring_fence_roles or [])}


def _role_labels(roles: Iterable[str]) -> tuple[str, ...]:
    labels = dict(PostRole.choices)
    return tuple(sorted(str(labels.get(role, role)) for role in roles))


def ring_fence_warnings(*, user: Any, financial_years: Sequence[str] | None = None) -> list[RingFenceWarning]:
    """Ring-fenced money put against posts outside the ring-fence (roles not in the source's
    `ring_fence_roles`; ended posts are left out), in two ways:

    - directly: a post's FTE share is paid from the ring-fenced source (`PostFundingShare`);
    - through an award: an award has a funding line (`AwardFunding`) or a pay budget line
      (`BudgetLine`, salaries or on-costs) from the ring-fenced source in a year, and employs a
      post outside the ring-fence (`FundedPost.award`), so the award's budget must show the
      ring-fenced money does not pay it.
    """
    _require_view(user)
    ring_fenced = {source.pk: source for source in FundingSource.objects.filter(ring_fenced=True)}
    if not ring_fenced:
        return []
    posts = (
        FundedPost.objects.visible_to(user)
        .exclude(status=FundedPost.Status.ENDED)
        .select_related("organisation")
    )
    found: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    post_of: dict[int, FundedPost] = {}

    shares = PostFundingShare.objects.filter(
        funding_source__in=list(ring_fenced), post__in=posts
    ).select_related("post", "post__organisation")
    if financial_years is not None:
        shares = shares.filter(financial_year__in=financial_years)
    for share in shares:
        source = ring_fenced[share.funding_source_id]
        if share.post.role not in _allowed(source):
            post_of[share.post_id] = share.post
            found[(source.pk, share.financial_year, share.post_id, "")].append(f"FTE share {share.fte_share}")

    award_posts: dict[int, list[FundedPost]] = defaultdict(list)
    for post in posts.filter(award__isnull=False):
        award_posts[post.award_id].append(post)
    lines = AwardFunding.objects.filter(funding_source__in=list(ring_fenced), award_id__in=list(award_posts))
    budget = BudgetLine.objects.filter(
        funding_source__in=list(ring_fenced), award_id__in=list(award_posts), category__in=PAY_CATEGORIES
    )
    if financial_years is not None:
        lines = lines.filter(financial_year__in=financial_years)
        budget = budget.filter(financial_year__in=financial_years)
    references = dict(Award.objects.filter(pk__in=list(award_posts)).values_list("pk", "reference"))
    routes: list[tuple[int, int | None, str, str]] = [
        (line.award_id, line.funding_source_id, line.financial_year, f"funding line £{line.amount:,}")
        for line in lines
    ] + [
        (line.award_id, line.funding_source_id, line.financial_year, f"budget line {line.description}")
        for line in budget
    ]
    for award_id, source_id, year, route in routes:
        if source_id is None:  # never: the lines were chosen by their ring-fenced source
            continue
        source = ring_fenced[source_id]
        for post in award_posts[award_id]:
            if post.role not in _allowed(source):
                post_of[post.pk] = post
                found[(source.pk, year, post.pk, references[award_id])].append(route)

    warnings = [
        RingFenceWarning(
            source_name=ring_fenced[source_id].name,
            financial_year=year,
            post_id=post_id,
            post_title=post_of[post_id].title,
            role_label=post_of[post_id].get_role_display(),
            organisation=post_of[post_id].organisation.name,
            award_reference=reference,
            routes=tuple(routes_),
            allowed_roles=_role_labels(_allowed(ring_fenced[source_id])),
        )
        for (source_id, year, post_id, reference), routes_ in found.items()
    ]
    return sorted(
        warnings,
        key=lambda w: (
            _year_order(w.financial_year),
            w.source_name,
            w.award_reference,
            w.post_title,
            w.post_id,
        ),
    )


@dataclass(frozen=True)
class UnderspendWarning:
    """An award's year whose reported spend is behind the straight-line profile."""

    award_id: int
    award_reference: str
    award_title: str
    organisation: str
    financial_year: str
    funding: Decimal  # the year's funding lines, every source
    profile_to: date  # the end of the last period ended
    elapsed_days: int
    span_days: int
    profile: Decimal  # funding x elapsed_days / span_days, to the penny
    spend: Decimal  # reported in returns for periods ending on or before profile_to
    threshold_percent: Decimal
    returns_not_in: int  # returns for those periods not submitted yet (they report nothing)
    flagged: bool

    @property
    def spend_percent(self) -> Decimal:
        """Spend as a percentage of the profile, to one decimal place."""
        if not self.profile:
            return ZERO
        return (self.spend * HUNDRED / self.profile).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def underspend_check(
    *, user: Any, as_of: date | None = None, threshold_percent: Decimal | None = None
) -> list[UnderspendWarning]:
    """Every award's year with a period ended, checked against its profile (flagged or not).

    For each award (active or closed) and each financial year it has funding lines in: the
    year's span is the part of the financial year the award runs (from the later of 1 April and
    the award's start, to the earlier of 31 March and its end). The last period ended is the
    latest `period_end` on or before `as_of` (today) among the award's monitoring returns whose
    period ends in that span. The profile is the year's funding x (days from the span's start
    to that period end, inclusive) / (days in the span), to the penny. Spend is what returns
    submitted, sent back for changes or accepted report against the award's budget lines of that
    year, for periods ending by then. Flagged when spend < profile x threshold / 100 (the
    threshold is WAYMARK_UNDERSPEND_WARNING_PERCENT, 75 unless set).
    """
    _require_view(user)
    if as_of is None:
        as_of = timezone.localdate()
    if threshold_percent is None:
        threshold_percent = Decimal(settings.WAYMARK_UNDERSPEND_WARNING_PERCENT)
    awards = (
        Award.objects.visible_to(user)
        .filter(status__in=DISTRIBUTED_AWARD_STATUSES)
        .select_related("organisation")
    )
    funding = _totals(
        AwardFunding.objects.filter(award__in=awards)
        .values("award", "financial_year")
        .annotate(total=Sum("amount")),
        "award",
        "financial_year",
    )
    returns: dict[int, list[MonitoringReturn]] = defaultdict(list)
    for monitoring_return in MonitoringReturn.objects.filter(award__in=awards, period_end__lte=as_of):
        returns[monitoring_return.award_id].append(monitoring_return)
    awards_by_id = {award.pk: award for award in awards}
    results: list[UnderspendWarning] = []
    for (award_id, year_label), year_funding in sorted(
        funding.items(), key=lambda item: (item[0][0], _year_order(item[0][1]))
    ):
        award = awards_by_id[award_id]
        year = FinancialYear.parse(year_label)
        span_start, span_end = max(year.start, award.start_on), min(year.end, award.end_on)
        if span_end < span_start:
            continue
        ended = [r for r in returns.get(award_id, []) if span_start <= r.period_end <= span_end]
        if not ended:
            continue
        profile_to = max(r.period_end for r in ended)
        elapsed = (profile_to - span_start).days + 1
        span = (span_end - span_start).days + 1
        profile = penny(year_funding * elapsed / span)
        reported = [r for r in ended if r.status in REPORTED_STATUSES]
        spend = (
            ReturnSpend.objects.filter(
                monitoring_return__in=reported, budget_line__financial_year=year_label
            ).aggregate(total=Sum("amount"))["total"]
            or ZERO
        )
        results.append(
            UnderspendWarning(
                award_id=award.pk,
                award_reference=award.reference,
                award_title=award.title,
                organisation=award.organisation.name,
                financial_year=year_label,
                funding=year_funding,
                profile_to=profile_to,
                elapsed_days=elapsed,
                span_days=span,
                profile=profile,
                spend=spend,
                threshold_percent=threshold_percent,
                returns_not_in=len(ended) - len(reported),
                flagged=spend * HUNDRED < profile * threshold_percent,
            )
        )
    return results


def underspend_warnings(
    *, user: Any, as_of: date | None = None, threshold_percent: Decimal | None = None
) -> list[UnderspendWarning]:
    """The award years whose spend runs behind profile (see `underspend_check`)."""
    return [
        check
        for check in underspend_check(user=user, as_of=as_of, threshold_percent=threshold_percent)
        if check.flagged
    ]


@dataclass(frozen=True)
class Warnings:
    ring_fence: list[RingFenceWarning] = field(default_factory=list)
    underspend: list[UnderspendWarning] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.ring_fence) + len(self.underspend)


def planning_warnings(
    *, user: Any, financial_years: Sequence[str] | None = None, as_of: date | None = None
) -> Warnings:
    """Both kinds of warning, for the overview's panel (underspend for the years shown)."""
    underspend = underspend_warnings(user=user, as_of=as_of)
    if financial_years is not None:
        underspend = [warning for warning in underspend if warning.financial_year in financial_years]
    return Warnings(
        ring_fence=ring_fence_warnings(user=user, financial_years=financial_years), underspend=underspend
    )
