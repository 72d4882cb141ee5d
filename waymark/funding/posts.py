"""Funded posts: recording them, paying for their FTE from funding sources, and the figures the
board sees (the seed paper's Table 1 and its post counts; a source's money per year).

Services are keyword-only and take the person acting as `by`; they check the domain rules and
raise `ValidationError` with a message a person can act on, changing nothing when they refuse.
Selectors take `user` and read only what that person may see (`FundedPost.objects.visible_to`:
the OPCC's funding roles see every post, a provider's manager their own organisation's).

Worked answers (the demo data, `waymark.funding.demo`):

- `post_counts(user=analyst)` -> 33 IDVA posts (9 for female and male victims, 1 for male
  victims only, 23 for female victims only) and 8 ISVA posts; `.idva_sentence()` reads "33 IDVA
  posts: nine supporting female and male victims, one exclusively male victims and twenty-three
  exclusively female victims."
- `source_money(user=analyst, funding_source=moj)`: 2021/22 £1,617,802.40 confirmed, less the
  ISVA commitment £217,494.49, leaves £1,400,307.91 to distribute; 2022/23 £1,669,330.49
  indicative; both years £3,287,132.89 (shown to the pound as "£3,287,133").
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from waymark.core.models import LocalAuthority
from waymark.core.periods import FinancialYear

from .models import (
    IDVA_ROLES,
    ISVA_ROLES,
    Allocation,
    Award,
    Commitment,
    FundedPost,
    FundingSource,
    PostFundingShare,
    PostRole,
    Specialism,
)

VIEW_PERMISSION = "funding.view_funding"
MANAGE_PERMISSION = "funding.manage_funding"
PROVIDER_PERMISSION = "funding.submit_returns"
ZERO = Decimal("0.00")
FTE_STEP = Decimal("0.01")


def can_see_posts(user: Any) -> bool:
    """The OPCC's funding roles, and providers' managers (who see their own posts only)."""
    return bool(user.has_perm(VIEW_PERMISSION) or user.has_perm(PROVIDER_PERMISSION))


# --- services -------------------------------------------------------------------------------------


POST_FTE_MAX = Decimal("1.00")


def _check_fte(value: Decimal, *, label: str = "FTE") -> Decimal:
    if value is None or value <= 0:
        raise ValidationError({"fte": f"Enter the {label} as a number above 0, like 1 or 0.5"})
    if value > POST_FTE_MAX:
        # A funded post is one post-holder's job: two people are two posts (Table 1 counts posts).
        raise ValidationError(
            {"fte": f"Enter the {label} of one post-holder, 1 or less: add a post for each person"}
        )
    if value != value.quantize(FTE_STEP):
        raise ValidationError({"fte": f"Enter the {label} to two decimal places at most, like 0.75"})
    return value


def _check_post(
    *,
    organisation: Any,
    award: Award | None,
    local_authorities: list[LocalAuthority],
    fte: Decimal,
    post: FundedPost | None = None,
) -> None:
    _check_fte(fte)
    if not local_authorities:
        raise ValidationError({"local_authorities": "Select at least one local authority the post covers"})
    if award is not None and award.organisation_id != organisation.pk:
        raise ValidationError(
            {"award": f"The award {award.reference} is to {award.organisation}, not to {organisation}"}
        )
    if post is not None:
        for year, total in _year_totals(post=post).items():
            if total > fte:
                raise ValidationError(
                    {
                        "fte": f"Sources already pay {fte_text(total)} FTE of this post in {year}; "
                        f"reduce those shares before making the post {fte_text(fte)} FTE"
                    }
                )


def _year_totals(*, post: FundedPost, exclude: FundingSource | None = None) -> dict[str, Decimal]:
    """The FTE sources pay for the post in each year, added up in Decimal (SQLite's SUM of
    decimals is a float, so the sum is not done in SQL)."""
    totals: dict[str, Decimal] = {}
    shares = PostFundingShare.objects.filter(post=post)
    if exclude is not None:
        shares = shares.exclude(funding_source=exclude)
    for year, share in shares.values_list("financial_year", "fte_share"):
        totals[year] = totals.get(year, ZERO) + share
    return totals


@transaction.atomic
def funded_post_record(
    *,
    by: Any,
    organisation: Any,
    role: str,
    title: str,
    supports: str,
    local_authorities: list[LocalAuthority],
    specialisms: list[Specialism] | None = None,
    area_label: str = "",
    fte: Decimal = Decimal("1.00"),
    status: str = FundedPost.Status.PLANNED,
    award: Award | None = None,
    annual_cost: Decimal | None = None,
    notes: str = "",
) -> FundedPost:
    """Record a post the portfolio pays for. Refuses an award to another organisation, a post
    covering no local authority, and an FTE that is not above 0 (to two places)."""
    _check_post(organisation=organisation, award=award, local_authorities=local_authorities, fte=fte)
    post = FundedPost.objects.create(
        organisation=organisation,
        role=role,
        title=title.strip(),
        supports=supports,
        area_label=area_label.strip(),
        fte=fte,
        status=status,
        award=award,
        annual_cost=annual_cost,
        notes=notes,
    )
    post.local_authorities.set(local_authorities)
    post.specialisms.set(specialisms or [])
    return post


@transaction.atomic
def funded_post_update(
    *,
    by: Any,
    post: FundedPost,
    role: str,
    title: str,
    supports: str,
    local_authorities: list[LocalAuthority],
    specialisms: list[Specialism],
    area_label: str,
    fte: Decimal,
    status: str,
    award: Award | None,
    annual_cost: Decimal | None = None,
    notes: str = "",
) -> FundedPost:
    """Change a post. Refuses an FTE below what sources already pay for in any year."""
    _check_post(
        organisation=post.organisation, award=award, local_authorities=local_authorities, fte=fte, post=post
    )
    post.role, post.title, post.supports = role, title.strip(), supports
    post.area_label, post.fte, post.status = area_label.strip(), fte, status
    post.award, post.annual_cost, post.notes = award, annual_cost, notes
    post.save()
    post.local_authorities.set(local_authorities)
    post.specialisms.set(specialisms)
    return post


@transaction.atomic
def post_funding_share_set(
    *,
    by: Any,
    post: FundedPost,
    funding_source: FundingSource,
    financial_year: str,
    fte_share: Decimal,
) -> PostFundingShare | None:
    """Say that `funding_source` pays `fte_share` of `post`'s FTE in `financial_year`; 0 removes
    the share. Refused (nothing changed) when the year's shares would exceed the post's FTE
    (a 1.00 FTE post with 0.60 from one source can take at most 0.40 from another), when a
    ring-fenced source may not pay for the post's role, or for a year that is not like 2021/22.

    Returns the share, or None when it was removed.
    """
    try:
        year = FinancialYear.parse(financial_year).label
    except (ValueError, TypeError):
        raise ValidationError({"financial_year": "Enter the financial year like 2021/22"}) from None
    if fte_share is None or fte_share < 0:
        raise ValidationError({"fte_share": "Enter the FTE share as 0 or more, like 0.5"})
    if fte_share != fte_share.quantize(FTE_STEP):
        raise ValidationError({"fte_share": "Enter the FTE share to two decimal places at most, like 0.75"})
    post = FundedPost.objects.select_for_update().get(pk=post.pk)
    existing = PostFundingShare.objects.filter(post=post, funding_source=funding_source, financial_year=year)
    if fte_share == 0:
        existing.delete()
        return None
    if (
        funding_source.ring_fenced
        and funding_source.ring_fence_roles
        and post.role not in funding_source.ring_fence_roles
    ):
        allowed = ", ".join(sorted(PostRole(role).label for role in funding_source.ring_fence_roles))
        raise ValidationError(
            {
                "funding_source": f"{funding_source} is ring-fenced to {allowed} posts; "
                f"it cannot pay for a {post.get_role_display()} post"
            }
        )
    others = _year_totals(post=post, exclude=funding_source).get(year, ZERO)
    if others + fte_share > post.fte:
        room = max(post.fte - others, ZERO)
        raise ValidationError(
            {
                "fte_share": f"The post is {fte_text(post.fte)} FTE and other sources already pay "
                f"{fte_text(others)} FTE in {year}, so this source can pay at most {fte_text(room)} FTE, "
                f"not {fte_text(fte_share)}"
            }
        )
    share, _ = PostFundingShare.objects.update_or_create(
        post=post, funding_source=funding_source, financial_year=year, defaults={"fte_share": fte_share}
    )
    return share


# --- selectors: the post list ---------------------------------------------------------------------


@dataclass(frozen=True)
class PostFilters:
    """What the post list is narrowed to; every field optional."""

    role: str = ""
    local_authority: LocalAuthority | None = None
    specialism: Specialism | None = None
    supports: str = ""
    status: str = ""
    funding_source: FundingSource | None = None

    def describe(self) -> list[tuple[str, str]]:
        """(name, value) of each filter applied, for captions and the access log."""
        parts: list[tuple[str, str]] = []
        if self.role:
            parts.append(("Role", PostRole(self.role).label))
        if self.local_authority:
            parts.append(("Area", self.local_authority.name))
        if self.specialism:
            parts.append(("Specialism", self.specialism.label))
        if self.supports:
            parts.append(("Supports", FundedPost.Supports(self.supports).label))
        if self.status:
            parts.append(("Status", FundedPost.Status(self.status).label))
        if self.funding_source:
            parts.append(("Funding source", self.funding_source.name))
        return parts or [("Posts", "all")]


def post_list(*, user: Any, filters: PostFilters | None = None) -> QuerySet[FundedPost]:
    """The posts `user` may see, narrowed by `filters`."""
    filters = filters or PostFilters()
    posts = FundedPost.objects.visible_to(user).select_related("organisation", "award")
    if filters.role:
        posts = posts.filter(role=filters.role)
    if filters.local_authority:
        posts = posts.filter(local_authorities=filters.local_authority)
    if filters.specialism:
        posts = posts.filter(specialisms=filters.specialism)
    if filters.supports:
        posts = posts.filter(supports=filters.supports)
    if filters.status:
        posts = posts.filter(status=filters.status)
    if filters.funding_source:
        posts = posts.filter(funding_shares__funding_source=filters.funding_source)
    return (
        posts.prefetch_related("local_authorities", "specialisms").distinct().order_by("role", "title", "id")
    )


def post_get(*, user: Any, public_id: Any) -> FundedPost:
    """One post `user` may see; `FundedPost.DoesNotExist` otherwise."""
    return (
        FundedPost.objects.visible_to(user).select_related("organisation", "award").get(public_id=public_id)
    )


@dataclass(frozen=True)
class YearShares:
    financial_year: str
    shares: list[PostFundingShare]
    total: Decimal
    unfunded: Decimal


def post_shares_by_year(*, post: FundedPost) -> list[YearShares]:
    """The post's FTE shares per financial year, with what is left unfunded in each."""
    by_year: dict[str, list[PostFundingShare]] = OrderedDict()
    for share in post.funding_shares.select_related("funding_source").order_by(
        "financial_year", "funding_source__name"
    ):
        by_year.setdefault(share.financial_year, []).append(share)
    result = []
    for year, shares in by_year.items():
        total = sum((share.fte_share for share in shares), ZERO)
        result.append(YearShares(year, shares, total, max(post.fte - total, ZERO)))
    return result


def awards_for_posts(*, user: Any) -> QuerySet[Award]:
    """The awards a post may be attached to, as `user` may see them."""
    return Award.objects.visible_to(user).select_related("organisation").order_by("reference")


# --- selectors: Table 1 and the counts ------------------------------------------------------------

# The rows of Table 1, in the order the seed paper's board sees them. A post sits in the row named
# by its `area_label`; a post with another label is in a row of its own when it covers one local
# authority (named after it) and in SEVERAL_AREAS when it covers more.
TABLE1_AREAS: tuple[str, ...] = (
    "Birmingham and Solihull",
    "Coventry",
    "Wolverhampton",
    "Black Country (Sandwell, Dudley)",
    "Walsall",
)
SEVERAL_AREAS = "Posts covering several areas"
COLUMNS: tuple[tuple[str, frozenset[str]], ...] = (("IDVAs", IDVA_ROLES), ("ISVAs", ISVA_ROLES))


@dataclass(frozen=True)
class CellItem:
    """ "12 x MARAC IDVA (6 with specialism: Language)": posts of one title in one cell."""

    count: int
    title: str
    coverage: str = ""
    partly: tuple[tuple[int, str], ...] = ()

    @property
    def text(self) -> str:
        text = f"{self.count} x {self.title}"
        if self.coverage:
            text += f", covering {self.coverage}"
        if self.partly:
            text += " (" + "; ".join(f"{n} with specialism: {label}" for n, label in self.partly) + ")"
        return text


@dataclass
class Table1Row:
    area: str
    cells: dict[str, list[CellItem]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Table1:
    columns: tuple[str, ...]
    rows: list[Table1Row]
    totals: dict[str, int]
    financial_year: str | None


def _row_name(post: FundedPost, authorities: list[LocalAuthority]) -> str:
    if post.area_label in TABLE1_AREAS:
        return post.area_label
    if len(authorities) == 1:
        return authorities[0].name
    return SEVERAL_AREAS


def _coverage(post: FundedPost, authorities: list[LocalAuthority], row: str) -> str:
    if row != SEVERAL_AREAS:
        return ""
    return post.area_label or ", ".join(a.name for a in authorities)


def counted_posts(*, user: Any, financial_year: str | None = None) -> QuerySet[FundedPost]:
    """The posts the board's figures count: visible to `user`, not ended, and (given a year)
    paid for by some source in that year."""
    posts = FundedPost.objects.visible_to(user).exclude(status=FundedPost.Status.ENDED)
    if financial_year:
        posts = posts.filter(funding_shares__financial_year=financial_year, funding_shares__fte_share__gt=0)
    # Each post once, without DISTINCT (which would also collapse equal values in a values_list).
    return FundedPost.objects.filter(pk__in=posts.values("pk"))


def posts_by_area_and_specialism(*, user: Any, financial_year: str | None = None) -> Table1:
    """Table 1: IDVA and ISVA posts by area, each cell listing "count x title" (with the
    specialisms some but not all of those posts hold, and for posts over several areas the areas).

    Worked answer (demo): Birmingham and Solihull's IDVA cell starts "12 x MARAC IDVA (6 with
    specialism: Language)"; its ISVA cell is "2 x ISVA" and "1 x Children and young people's ISVA".
    """
    posts = (
        counted_posts(user=user, financial_year=financial_year)
        .filter(role__in=IDVA_ROLES | ISVA_ROLES)
        .prefetch_related("local_authorities", "specialisms")
        .order_by("id")
    )
    groups: dict[tuple[str, str, str, str], list[FundedPost]] = OrderedDict()
    for post in posts:
        authorities = sorted(post.local_authorities.all(), key=lambda a: a.code)
        row = _row_name(post, authorities)
        column = next(name for name, roles in COLUMNS if post.role in roles)
        groups.setdefault((row, column, post.title, _coverage(post, authorities, row)), []).append(post)
    rows: dict[str, Table1Row] = {}
    for (row, column, title, coverage), members in groups.items():
        held = Counter(s.label for post in members for s in post.specialisms.all())
        partly = tuple(sorted((n, label) for label, n in held.items() if n < len(members)))
        item = CellItem(len(members), title, coverage, partly)
        target = rows.setdefault(
            row, Table1Row(row, {name: [] for name, _ in COLUMNS}, {name: 0 for name, _ in COLUMNS})
        )
        target.cells[column].append(item)
        target.counts[column] += len(members)

    def order(name: str) -> tuple[int, str]:
        if name in TABLE1_AREAS:
            return (0, f"{TABLE1_AREAS.index(name):03}")
        return (2, "") if name == SEVERAL_AREAS else (1, name)

    ordered = [rows[name] for name in sorted(rows, key=order)]
    totals = {name: sum(r.counts[name] for r in ordered) for name, _ in COLUMNS}
    return Table1(tuple(name for name, _ in COLUMNS), ordered, totals, financial_year)


_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(number: int) -> str:
    """0 to 999 in words, British style: 9 -> "nine", 23 -> "twenty-three", 105 -> "one hundred
    and five". Larger numbers are given as digits."""
    if number < 0 or number > 999:
        return f"{number:,}"
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(number, 100)
    return f"{_ONES[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")


@dataclass(frozen=True)
class PostCounts:
    """IDVA and ISVA posts, the IDVA posts by who they support."""

    idva: int
    idva_all: int
    idva_male: int
    idva_female: int
    isva: int

    def idva_sentence(self) -> str:
        """ "33 IDVA posts: nine supporting female and male victims, one exclusively male victims
        and twenty-three exclusively female victims." (the seed paper's paragraph 37 in figures)."""
        return (
            f"{self.idva} IDVA {'post' if self.idva == 1 else 'posts'}: "
            f"{number_words(self.idva_all)} supporting female and male victims, "
            f"{number_words(self.idva_male)} exclusively male victims and "
            f"{number_words(self.idva_female)} exclusively female victims."
        )

    def isva_sentence(self) -> str:
        """ "8 ISVA posts." """
        return f"{self.isva} ISVA {'post' if self.isva == 1 else 'posts'}."


def post_counts(*, user: Any, financial_year: str | None = None) -> PostCounts:
    """Count the IDVA posts (by `supports`) and the ISVA posts `user` may see (not ended)."""
    posts = counted_posts(user=user, financial_year=financial_year)
    idva = Counter(posts.filter(role__in=IDVA_ROLES).values_list("supports", flat=True))
    return PostCounts(
        idva=sum(idva.values()),
        idva_all=idva[FundedPost.Supports.ALL],
        idva_male=idva[FundedPost.Supports.MALE],
        idva_female=idva[FundedPost.Supports.FEMALE],
        isva=posts.filter(role__in=ISVA_ROLES).count(),
    )


def post_years(*, user: Any) -> list[str]:
    """The financial years any visible post has a funding share in, earliest first."""
    return sorted(
        set(
            PostFundingShare.objects.filter(post__in=FundedPost.objects.visible_to(user)).values_list(
                "financial_year", flat=True
            )
        )
    )


# --- selectors: a source's money per year ---------------------------------------------------------


@dataclass(frozen=True)
class SourceYear:
    """One financial year of a source: its current allocation, commitments and what is left."""

    financial_year: str
    allocation: Decimal
    status: str
    committed: Decimal

    @property
    def distributable(self) -> Decimal:
        """The allocation less what is already committed from it."""
        return self.allocation - self.committed


@dataclass(frozen=True)
class SourceMoney:
    funding_source: FundingSource
    years: list[SourceYear]

    @property
    def total(self) -> Decimal:
        """The current allocations of every year added up (indicative ones included)."""
        return sum((year.allocation for year in self.years), ZERO)

    @property
    def committed(self) -> Decimal:
        return sum((year.committed for year in self.years), ZERO)

    def year(self, label: str) -> SourceYear:
        return next(year for year in self.years if year.financial_year == label)


def current_allocations(*, funding_source: FundingSource) -> QuerySet[Allocation]:
    """The source's allocations that nothing supersedes: one per year in a tidy history."""
    return Allocation.objects.filter(funding_source=funding_source, superseded_by__isnull=True).order_by(
        "financial_year", "notified_on", "id"
    )


def source_money(*, user: Any, funding_source: FundingSource) -> SourceMoney:
    """A source's current allocation, commitments and distributable money per year, for people
    who may see the portfolio's money (`funding.view_funding`); empty for anyone else.

    Sums are Python Decimals of the penny amounts (never SQLite's float SUM); nothing is rounded
    here (display with `money_format.pounds`).
    """
    if not user.has_perm(VIEW_PERMISSION):
        return SourceMoney(funding_source, [])
    allocations: dict[str, Allocation] = {}
    for allocation in current_allocations(funding_source=funding_source):
        allocations[allocation.financial_year] = allocation  # the latest notified wins
    committed: dict[str, Decimal] = {}
    for year, amount in Commitment.objects.filter(funding_source=funding_source).values_list(
        "financial_year", "amount"
    ):
        committed[year] = committed.get(year, ZERO) + amount
    years = sorted(set(allocations) | set(committed))
    return SourceMoney(
        funding_source,
        [
            SourceYear(
                year,
                allocations[year].amount if year in allocations else ZERO,
                allocations[year].status if year in allocations else "",
                committed.get(year) or ZERO,
            )
            for year in years
        ],
    )


def fte_text(value: Decimal | None) -> str:
    """An FTE without trailing zeros: 1.00 -> "1", 0.50 -> "0.5", 0.75 -> "0.75"."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return text
