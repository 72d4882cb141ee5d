"""Match funding: money or work put in beside an award, and the match ratio it gives.

A `MatchContribution` is cash or in kind, from a named contributor, valued by one method:

* **cash received** or **invoice value**: the amount as received or invoiced (the only methods
  cash may use);
* **hours times rate**: hours given times an hourly rate (both to two decimal places), the
  amount worked out here and rounded half-up to the penny: 12.5 hours at £18.33 is £229.125,
  recorded as £229.13. The rate's basis (where it comes from) is required, and a typed amount
  that does not agree with hours x rate is refused;
* **market value**: what the goods or service would cost to buy. Cash may only be valued as
  received or invoiced; in kind may use any method.

The **match ratio** of a year is the match (cash plus in kind) as a percentage of the award's
funding lines for that year, to one decimal place (half-up): an award funded £100,000.00 with
£20,000.00 cash and £5,000.50 in kind matched is 25.0%. No funding that year gives no ratio.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.periods import FinancialYear
from waymark.core.permissions import ensure_can

from .models import PENNY, Award, AwardFunding, MatchContribution

ZERO = Decimal("0.00")
TENTH = Decimal("0.1")

CASH_METHODS = frozenset(
    {MatchContribution.Valuation.CASH_RECEIVED, MatchContribution.Valuation.INVOICE_VALUE}
)


def _money(value: Any, field: str, errors: dict[str, list[str]], *, label: str) -> Decimal | None:
    """A non-negative amount to the penny, or an error against `field`."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors[field].append(f"Enter {label} as a number, like 1250.50.")
        return None
    if not amount.is_finite():
        errors[field].append(f"Enter {label} as a number, like 1250.50.")
        return None
    if amount < 0:
        errors[field].append(f"{label.capitalize()} cannot be negative.")
        return None
    if amount != amount.quantize(PENNY):
        errors[field].append(f"Give {label} to the penny (two decimal places at most).")
        return None
    return amount.quantize(PENNY)


def hours_times_rate(hours: Decimal, hourly_rate: Decimal) -> Decimal:
    """Hours x rate rounded half-up to the penny: 12.5 x £18.33 = £229.125 -> £229.13."""
    return (hours * hourly_rate).quantize(PENNY, rounding=ROUND_HALF_UP)


def ratio_percent(match: Decimal, funding: Decimal) -> Decimal | None:
    """Match as a percentage of funding to 1 dp, half-up (£25,000.50 of £100,000 is 25.0); None if
    there is no funding to compare with."""
    if funding <= 0:
        return None
    return (match * 100 / funding).quantize(TENTH, rounding=ROUND_HALF_UP)


@transaction.atomic
def match_contribution_add(
    *,
    award: Award,
    financial_year: str,
    kind: str,
    contributor: str,
    description: str,
    valuation_method: str,
    amount: Decimal | None = None,
    hours: Decimal | None = None,
    hourly_rate: Decimal | None = None,
    rate_basis: str = "",
    evidence: str = "",
    by: Any,
) -> MatchContribution:
    """Record a match contribution to an award, valued by its method (see the module docstring).

    Refuses, with every problem named against its field and nothing saved: an unknown kind or
    method; cash valued other than as received or invoiced; a year outside the award's life; a
    missing contributor or description; hours x rate without hours, a rate or its basis, or with
    an amount that disagrees with hours x rate; any other method without an amount.
    """
    ensure_can(by, "funding.manage_funding")
    errors: dict[str, list[str]] = defaultdict(list)
    kind = (kind or "").strip()
    method = (valuation_method or "").strip()
    if kind not in MatchContribution.Kind.values:
        errors["kind"].append("Choose whether the match is cash or in kind.")
    if method not in MatchContribution.Valuation.values:
        errors["valuation_method"].append("Choose how the match was valued.")
    elif kind == MatchContribution.Kind.CASH and method not in CASH_METHODS:
        errors["valuation_method"].append(
            "Cash match is valued as the cash received or the invoice value, not "
            f"{MatchContribution.Valuation(method).label.lower()}."
        )
    year = _award_year(award, financial_year, errors)
    contributor = (contributor or "").strip()
    description = (description or "").strip()
    if not contributor:
        errors["contributor"].append("Enter who contributed the match.")
    if not description:
        errors["description"].append("Describe what was contributed.")

    given = _money(amount, "amount", errors, label="the amount")
    hours_value = _money(hours, "hours", errors, label="the hours")
    rate_value = _money(hourly_rate, "hourly_rate", errors, label="the hourly rate")
    rate_basis = (rate_basis or "").strip()
    final: Decimal | None = given
    if method == MatchContribution.Valuation.HOURS_TIMES_RATE:
        if hours_value is None and not errors["hours"]:
            errors["hours"].append("Enter the hours given.")
        elif hours_value is not None and hours_value <= 0:
            errors["hours"].append("The hours given must be more than 0.")
        if rate_value is None and not errors["hourly_rate"]:
            errors["hourly_rate"].append("Enter the hourly rate.")
        elif rate_value is not None and rate_value <= 0:
            errors["hourly_rate"].append("The hourly rate must be more than 0.")
        if not rate_basis:
            errors["rate_basis"].append("Say where the hourly rate comes from (e.g. the pay scale point).")
        if hours_value and rate_value and hours_value > 0 and rate_value > 0:
            final = hours_times_rate(hours_value, rate_value)
            if given is not None and given != final:
                errors["amount"].append(
                    f"£{given:,} does not agree with {hours_value} hours x £{rate_value:,} an hour "
                    f"= £{final:,}. Leave the amount empty to have it worked out."
                )
    else:
        if hours_value is not None or rate_value is not None:
            errors["hours"].append(
                "Hours and an hourly rate are only used when the match is valued as hours x rate."
            )
        if given is None and not errors["amount"]:
            errors["amount"].append("Enter the amount of the match.")
    if errors:
        raise ValidationError(dict(errors))
    assert final is not None
    assert year is not None
    contribution = MatchContribution.objects.create(
        award=award,
        financial_year=year.label,
        kind=kind,
        contributor=contributor,
        description=description,
        valuation_method=method,
        hours=hours_value if method == MatchContribution.Valuation.HOURS_TIMES_RATE else None,
        hourly_rate=rate_value if method == MatchContribution.Valuation.HOURS_TIMES_RATE else None,
        rate_basis=rate_basis if method == MatchContribution.Valuation.HOURS_TIMES_RATE else "",
        amount=final,
        evidence=(evidence or "").strip(),
    )
    access_log_record(
        actor=by,
        action=AccessLog.Action.CREATE,
        obj=contribution,
        organisation=award.organisation,
        record_label=f"Match for {award.reference}: {contribution}",
    )
    return contribution


def _award_year(award: Award, label: str, errors: dict[str, list[str]]) -> FinancialYear | None:
    """The financial year, which must overlap the award's life."""
    try:
        year = FinancialYear.parse(label or "")
    except (TypeError, ValueError):
        errors["financial_year"].append("Enter a financial year like 2021/22.")
        return None
    if year.end < award.start_on or year.start > award.end_on:
        errors["financial_year"].append(
            f"{year.label} is outside the award, which runs from {award.start_on:%-d %B %Y} "
            f"to {award.end_on:%-d %B %Y}."
        )
        return None
    return year


# --- selectors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchYear:
    """One year of an award (or the total row): its funding and the match behind it."""

    financial_year: str
    funding: Decimal
    cash: Decimal
    in_kind: Decimal

    @property
    def match(self) -> Decimal:
        return self.cash + self.in_kind

    @property
    def ratio(self) -> Decimal | None:
        """Match as a percentage of funding, to 1 dp; None without funding."""
        return ratio_percent(self.match, self.funding)


@dataclass(frozen=True)
class MatchSummary:
    """An award's match by year, with a total over its whole life."""

    years: tuple[MatchYear, ...]
    total: MatchYear


def _award_funding_by_year(award_ids: list[int]) -> dict[tuple[int, str], Decimal]:
    """Each award's funding lines summed per year (every source, indicative and confirmed)."""
    rows = (
        AwardFunding.objects.filter(award_id__in=award_ids)
        .values("award_id", "financial_year")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(row["award_id"], row["financial_year"]): row["total"] for row in rows}


def _match_by_year(award_ids: list[int]) -> dict[tuple[int, str, str], Decimal]:
    rows = (
        MatchContribution.objects.filter(award_id__in=award_ids)
        .values("award_id", "financial_year", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(row["award_id"], row["financial_year"], row["kind"]): row["total"] for row in rows}


def _summary(
    award_id: int, funding: dict[tuple[int, str], Decimal], match: dict[tuple[int, str, str], Decimal]
) -> MatchSummary:
    years = sorted({y for a, y in funding if a == award_id} | {y for a, y, _ in match if a == award_id})
    rows = tuple(
        MatchYear(
            financial_year=year,
            funding=funding.get((award_id, year), ZERO),
            cash=match.get((award_id, year, MatchContribution.Kind.CASH), ZERO),
            in_kind=match.get((award_id, year, MatchContribution.Kind.IN_KIND), ZERO),
        )
        for year in years
    )
    total = MatchYear(
        financial_year="All years",
        funding=sum((row.funding for row in rows), ZERO),
        cash=sum((row.cash for row in rows), ZERO),
        in_kind=sum((row.in_kind for row in rows), ZERO),
    )
    return MatchSummary(years=rows, total=total)


def match_summary(award: Award) -> MatchSummary:
    """The award's funding against its match, per financial year and in total.

    Funding is the award's funding lines (indicative and confirmed) for the year; match is its
    contributions for the year, cash and in kind; the ratio is match / funding as a percentage
    to 1 dp. Totals are Decimal sums to the penny.
    """
    return _summary(award.pk, _award_funding_by_year([award.pk]), _match_by_year([award.pk]))


def match_contributions(award: Award) -> list[MatchContribution]:
    """The award's contributions, by year then as recorded."""
    return list(award.match_contributions.order_by("financial_year", "id"))


@dataclass(frozen=True)
class AwardMatchRow:
    award: Award
    totals: MatchYear


@dataclass(frozen=True)
class PortfolioMatch:
    rows: tuple[AwardMatchRow, ...]
    total: MatchYear


def match_portfolio(*, user: Any) -> PortfolioMatch:
    """Every award the user may see with its whole-life funding, match (cash, in kind) and ratio."""
    awards = list(Award.objects.visible_to(user).select_related("organisation").order_by("reference"))
    ids = [award.pk for award in awards]
    funding, match = _award_funding_by_year(ids), _match_by_year(ids)
    rows = tuple(
        AwardMatchRow(award=award, totals=_summary(award.pk, funding, match).total) for award in awards
    )
    total = MatchYear(
        financial_year="All awards",
        funding=sum((row.totals.funding for row in rows), ZERO),
        cash=sum((row.totals.cash for row in rows), ZERO),
        in_kind=sum((row.totals.in_kind for row in rows), ZERO),
    )
    return PortfolioMatch(rows=rows, total=total)
