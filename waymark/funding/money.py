"""Funding sources, their allocations and commitments, awards to providers, their variations,
and the reconciliation of each award's lines against its stated total.

Writes (`<noun>_<verb>` services) check `funding.manage_funding`, validate, save and write the
access log; reads (selectors) are keyword-only or take the object they describe. Money is
`Decimal` to the penny throughout: sums are taken in SQL (`Sum` of a decimal column) or in
Python `Decimal`, never in floats, and every amount is quantised to `PENNY` before it is saved.

The allocation history rules (docs/funding-money.md):

- the first allocation for a source's year is indicative or confirmed (never "varied": there is
  nothing to vary);
- a later one supersedes the current one: confirmed after indicative (the money is confirmed,
  perhaps at a different amount), varied after confirmed or varied (an addendum), indicative
  after indicative (a revised indicative figure); anything else is refused (indicative after
  confirmed: money once confirmed is not made indicative again; confirmed after confirmed or
  varied: a change to confirmed money is a variation);
- a notified date cannot be before the one it supersedes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from waymark.accounts.models import Organisation
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.periods import FinancialYear
from waymark.core.permissions import ensure_can
from waymark.core.visibility import get_visible_or_404

from . import money_format
from .models import (
    PENNY,
    Allocation,
    Award,
    AwardFunding,
    AwardVariation,
    BudgetLine,
    Commitment,
    Funder,
    FundingSource,
    FundingStatus,
    MatchContribution,
    PostFundingShare,
    PostRole,
)

VIEW_PERMISSION = "funding.view_funding"
MANAGE_PERMISSION = "funding.manage_funding"
SUBMIT_PERMISSION = "funding.submit_returns"

ZERO = Decimal("0.00")
_MONEY_OUTPUT = DecimalField(max_digits=16, decimal_places=2)

# Which status may follow which: the current allocation's status -> statuses that may supersede it.
ALLOWED_NEXT: dict[str, frozenset[str]] = {
    Allocation.Status.INDICATIVE: frozenset({Allocation.Status.INDICATIVE, Allocation.Status.CONFIRMED}),
    Allocation.Status.CONFIRMED: frozenset({Allocation.Status.VARIED}),
    Allocation.Status.VARIED: frozenset({Allocation.Status.VARIED}),
}
_REFUSALS: dict[tuple[str, str], str] = {
    (
        Allocation.Status.CONFIRMED,
        Allocation.Status.INDICATIVE,
    ): "This year's money is already confirmed: it cannot become indicative again. Record a "
    "change to confirmed money as varied.",
    (
        Allocation.Status.VARIED,
        Allocation.Status.INDICATIVE,
    ): "This year's money is already confirmed and varied: it cannot become indicative again.",
    (
        Allocation.Status.CONFIRMED,
        Allocation.Status.CONFIRMED,
    ): "This year's money is already confirmed: record a change to it (an addendum) as varied.",
    (
        Allocation.Status.VARIED,
        Allocation.Status.CONFIRMED,
    ): "This year's money is already confirmed and varied: record a further change as varied.",
}


def money(value: Any) -> Decimal:
    """`value` as a Decimal to the penny (half up, as a finance team rounds); ValueError if it is
    not a number. Floats are refused: 0.1 + 0.2 is not 0.3 in binary."""
    if isinstance(value, float):
        raise TypeError("Money is never a float: pass a Decimal or a string such as '1617802.00'.")
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not an amount of money") from exc
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount of money")
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def pounds(value: Decimal | None) -> str:
    """An amount exactly, to the penny (£1,400,307.91, -£0.01), as `money_format.pounds` shows
    it; "none" for no amount."""
    return "none" if value is None else money_format.pounds(money(value))


def year_label(text: str) -> str:
    """The canonical label of a financial year ("2021-22" -> "2021/22"); ValidationError if not one."""
    try:
        return FinancialYear.parse(text).label
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            {"financial_year": f"Enter the financial year as 2021/22, not {text!r}"}
        ) from exc


def _log(by: Any, action: str, obj: Any, detail: str = "", request: Any = None) -> None:
    access_log_record(actor=by, action=action, obj=obj, detail=detail, request=request)


# --- funders and sources --------------------------------------------------------------------------


SOURCE_FIELDS = (
    "name",
    "programme",
    "ring_fenced",
    "ring_fence_roles",
    "conditions",
    "reporting_cadence",
    "grant_agreement_ref",
)


def funder_get_or_create(*, name: str, short_name: str = "", org_id: str = "", by: Any) -> Funder:
    """The funder of that name (case-insensitive), created if new."""
    ensure_can(by, MANAGE_PERMISSION)
    name = name.strip()
    if not name:
        raise ValidationError({"funder": "Enter the funder's name"})
    existing = Funder.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    funder = Funder.objects.create(name=name, short_name=short_name.strip(), org_id=org_id.strip())
    _log(by, AccessLog.Action.CREATE, funder)
    return funder


def _check_source(*, name: str, ring_fenced: bool, ring_fence_roles: list[str], exclude: int | None) -> None:
    errors: dict[str, str] = {}
    clash = FundingSource.objects.filter(name__iexact=name.strip())
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        errors["name"] = f"There is already a funding source called {name.strip()!r}"
    unknown = sorted(set(ring_fence_roles) - set(PostRole.values))
    if unknown:
        errors["ring_fence_roles"] = f"Unknown post roles: {', '.join(unknown)}"
    elif ring_fenced and not ring_fence_roles:
        errors["ring_fence_roles"] = "Select the post roles the ring-fenced money may pay for"
    elif ring_fence_roles and not ring_fenced:
        errors["ring_fence_roles"] = "Only ring-fenced money has roles it is limited to: clear the roles"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def funding_source_create(
    *,
    funder: Funder,
    name: str,
    programme: str,
    ring_fenced: bool = False,
    ring_fence_roles: list[str] | None = None,
    conditions: str = "",
    reporting_cadence: str = FundingSource.Cadence.QUARTERLY,
    grant_agreement_ref: str = "",
    by: Any,
    request: Any = None,
) -> FundingSource:
    """Add a funding source (a programme of money) for a funder."""
    ensure_can(by, MANAGE_PERMISSION)
    roles = list(ring_fence_roles or [])
    _check_source(name=name, ring_fenced=ring_fenced, ring_fence_roles=roles, exclude=None)
    source = FundingSource(
        funder=funder,
        name=name.strip(),
        programme=programme,
        ring_fenced=ring_fenced,
        ring_fence_roles=roles,
        conditions=conditions.strip(),
        reporting_cadence=reporting_cadence,
        grant_agreement_ref=grant_agreement_ref.strip(),
    )
    source.full_clean()
    source.save()
    _log(by, AccessLog.Action.CREATE, source, request=request)
    return source


@transaction.atomic
def funding_source_update(
    *,
    source: FundingSource,
    funder: Funder,
    name: str,
    programme: str,
    ring_fenced: bool = False,
    ring_fence_roles: list[str] | None = None,
    conditions: str = "",
    reporting_cadence: str = FundingSource.Cadence.QUARTERLY,
    grant_agreement_ref: str = "",
    by: Any,
    request: Any = None,
) -> FundingSource:
    """Change a funding source's funder, name, programme, ring-fence, conditions or cadence
    (the source's history keeps what it was)."""
    ensure_can(by, MANAGE_PERMISSION)
    roles = list(ring_fence_roles or [])
    _check_source(name=name, ring_fenced=ring_fenced, ring_fence_roles=roles, exclude=source.pk)
    source.funder = funder
    source.name = name.strip()
    source.programme = programme
    source.ring_fenced = ring_fenced
    source.ring_fence_roles = roles
    source.conditions = conditions.strip()
    source.reporting_cadence = reporting_cadence
    source.grant_agreement_ref = grant_agreement_ref.strip()
    source.full_clean()
    source.save()
    _log(by, AccessLog.Action.CHANGE, source, request=request)
    return source


def ring_fence_labels(source: FundingSource) -> list[str]:
    """The roles ring-fenced money may pay for, as people read them ("IDVA", "Court IDVA")."""
    labels = dict(PostRole.choices)
    return [str(labels.get(role, role)) for role in source.ring_fence_roles or []]


def source_get(*, public_id: UUID | str) -> FundingSource:
    """One funding source (the view checks `funding.view_funding`), or 404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(FundingSource.objects.select_related("funder"), public_id=public_id)


# --- allocations ----------------------------------------------------------------------------------


def allocation_current(source: FundingSource, year: str) -> Allocation | None:
    """The allocation in force for a source's year: the one nothing supersedes (None if none)."""
    return (
        Allocation.objects.filter(funding_source=source, financial_year=year, superseded_by__isnull=True)
        .order_by("-notified_on", "-id")
        .first()
    )


def allocation_history(source: FundingSource, year: str) -> list[Allocation]:
    """Every allocation notified for a source's year, oldest first: the chain from the first
    (indicative or confirmed) to the current one."""
    return list(
        Allocation.objects.filter(funding_source=source, financial_year=year)
        .select_related("supersedes", "recorded_by")
        .order_by("notified_on", "id")
    )


@transaction.atomic
def allocation_record(
    *,
    source: FundingSource,
    financial_year: str,
    amount: Decimal,
    status: str,
    notified_on: date,
    reference: str = "",
    notes: str = "",
    by: Any,
    request: Any = None,
) -> Allocation:
    """Record a source's money for a year as notified, superseding the current allocation.

    Worked example (the seed paper): 2022/23 indicative £1,669,330.00 notified 1 April 2021,
    then confirmed £1,669,330.00 notified 1 March 2022, then varied £1,702,716.60 by an
    addendum: three rows, each superseding the one before; the current one is the varied row.
    """
    ensure_can(by, MANAGE_PERMISSION)
    year = year_label(financial_year)
    amount = money(amount)
    if amount < 0:
        raise ValidationError({"amount": "An allocation cannot be less than £0.00"})
    if status not in Allocation.Status.values:
        raise ValidationError({"status": "Select indicative, confirmed or varied"})
    # Lock the source's row so two people recording at once cannot both supersede the same row.
    FundingSource.objects.select_for_update().filter(pk=source.pk).first()
    current = allocation_current(source, year)
    if current is None:
        if status == Allocation.Status.VARIED:
            raise ValidationError(
                {
                    "status": f"There is no allocation for {year} to vary: record the first as "
                    "indicative or confirmed"
                }
            )
    else:
        if status not in ALLOWED_NEXT[current.status]:
            message = _REFUSALS.get((current.status, status), "That change of status is not allowed")
            raise ValidationError({"status": message})
        if notified_on < current.notified_on:
            raise ValidationError(
                {
                    "notified_on": f"The date notified cannot be before that of the allocation it "
                    f"replaces ({current.notified_on:%-d %B %Y})"
                }
            )
    allocation = Allocation.objects.create(
        funding_source=source,
        financial_year=year,
        amount=amount,
        status=status,
        notified_on=notified_on,
        reference=reference.strip(),
        notes=notes.strip(),
        supersedes=current,
        recorded_by=by,
    )
    _log(
        by,
        AccessLog.Action.CREATE,
        allocation,
        f"{source.name} {year}: {allocation.get_status_display()} {pounds(amount)}",
        request,
    )
    return allocation


# --- commitments ----------------------------------------------------------------------------------


def _sum(queryset: QuerySet[Any], column: str = "amount") -> Decimal:
    total = queryset.aggregate(total=Coalesce(Sum(column), Value(ZERO), output_field=_MONEY_OUTPUT))["total"]
    return money(total)


def committed_total(source: FundingSource, year: str) -> Decimal:
    return _sum(Commitment.objects.filter(funding_source=source, financial_year=year))


def awarded_total(source: FundingSource, year: str) -> Decimal:
    return _sum(AwardFunding.objects.filter(funding_source=source, financial_year=year))


@transaction.atomic
def commitment_add(
    *,
    source: FundingSource,
    financial_year: str,
    amount: Decimal,
    description: str,
    by: Any,
    request: Any = None,
) -> Commitment:
    """Take money already committed off a source's year before anything is distributed.

    Refused when the year has no allocation, or when the commitment is more than is left (the
    current allocation less what is committed and what is awarded already).
    """
    ensure_can(by, MANAGE_PERMISSION)
    year = year_label(financial_year)
    amount = money(amount)
    if amount <= 0:
        raise ValidationError({"amount": "Enter a commitment of more than £0.00"})
    if not description.strip():
        raise ValidationError({"description": "Say what the money is committed to"})
    FundingSource.objects.select_for_update().filter(pk=source.pk).first()
    current = allocation_current(source, year)
    if current is None:
        raise ValidationError(
            {"financial_year": f"{source.name} has no allocation for {year}: record the allocation first"}
        )
    left = current.amount - committed_total(source, year) - awarded_total(source, year)
    if amount > left:
        raise ValidationError(
            {
                "amount": f"The commitment of {pounds(amount)} is more than is left of {year}'s "
                f"allocation ({pounds(left)} after commitments and awards)"
            }
        )
    commitment = Commitment.objects.create(
        funding_source=source, financial_year=year, amount=amount, description=description.strip()
    )
    _log(by, AccessLog.Action.CREATE, commitment, f"{source.name} {year}: {pounds(amount)}", request)
    return commitment


# --- a source's years -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceYear:
    """One financial year of a source: its allocation history, what comes off it, what is left."""

    financial_year: str
    history: list[Allocation]
    current: Allocation | None
    commitments: list[Commitment]
    committed: Decimal
    awarded: Decimal

    @property
    def allocated(self) -> Decimal:
        return self.current.amount if self.current is not None else ZERO

    @property
    def to_distribute(self) -> Decimal:
        """The allocation less commitments: the money there is to award."""
        return self.allocated - self.committed

    @property
    def left(self) -> Decimal:
        """What is neither committed nor awarded (negative when over-awarded)."""
        return self.allocated - self.committed - self.awarded


def source_years(source: FundingSource) -> list[SourceYear]:
    """Every year the source has an allocation, commitment or award line, earliest first."""
    allocations: dict[str, list[Allocation]] = defaultdict(list)
    for allocation in Allocation.objects.filter(funding_source=source).order_by("notified_on", "id"):
        allocations[allocation.financial_year].append(allocation)
    commitments: dict[str, list[Commitment]] = defaultdict(list)
    for commitment in Commitment.objects.filter(funding_source=source).order_by("id"):
        commitments[commitment.financial_year].append(commitment)
    awarded = {
        row["financial_year"]: money(row["total"])
        for row in AwardFunding.objects.filter(funding_source=source)
        .values("financial_year")
        .annotate(total=Sum("amount"))
    }
    years = sorted(set(allocations) | set(commitments) | set(awarded))
    result = []
    for year in years:
        history = allocations.get(year, [])
        superseded = {a.supersedes_id for a in history if a.supersedes_id}
        current = [a for a in history if a.pk not in superseded]
        result.append(
            SourceYear(
                financial_year=year,
                history=history,
                current=current[-1] if current else None,
                commitments=commitments.get(year, []),
                committed=money(sum((c.amount for c in commitments.get(year, [])), ZERO)),
                awarded=awarded.get(year, ZERO),
            )
        )
    return result


def source_list() -> list[tuple[FundingSource, list[SourceYear]]]:
    """Every funding source with its years (the sources page)."""
    return [(source, source_years(source)) for source in FundingSource.objects.select_related("funder")]


def source_award_lines(source: FundingSource, *, user: Any) -> list[AwardFunding]:
    """The award lines paid from a source, for awards the user may see."""
    return list(
        AwardFunding.objects.filter(funding_source=source, award__in=Award.objects.visible_to(user))
        .select_related("award", "award__organisation")
        .order_by("financial_year", "award__reference")
    )


# --- awards ---------------------------------------------------------------------------------------


AWARD_FIELDS = (
    "reference",
    "title",
    "organisation",
    "awarded_on",
    "start_on",
    "end_on",
    "status",
    "stated_total",
    "decision_reference",
    "description",
)
# What the award's page may change: everything but the reference, which other records and
# funders' letters quote.
AWARD_CHANGE_FIELDS = tuple(name for name in AWARD_FIELDS if name != "reference")
# How the access log names a changed field.
_AWARD_FIELD_LABELS = {
    "title": "title",
    "organisation": "provider",
    "awarded_on": "date decided",
    "start_on": "start date",
    "end_on": "end date",
    "status": "status",
    "stated_total": "stated total",
    "decision_reference": "decision reference",
    "description": "description",
}


def can_see_awards(user: Any) -> bool:
    """Whether the person may use the awards pages at all: the OPCC's funding roles, and a
    provider's managers (who then see their own organisation's awards only)."""
    return bool(user.has_perm(VIEW_PERMISSION) or user.has_perm(SUBMIT_PERMISSION))


def award_list(*, user: Any) -> QuerySet[Award]:
    """Awards the user may see, with their totals of funding lines (`lines_total`)."""
    lines = (
        AwardFunding.objects.filter(award=OuterRef("pk"))
        .order_by()
        .values("award")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        Award.objects.visible_to(user)
        .select_related("organisation")
        .annotate(lines_total=Coalesce(Subquery(lines), Value(ZERO), output_field=_MONEY_OUTPUT))
    )


def award_get(*, user: Any, public_id: UUID | str) -> Award:
    """One award the user may see, or 404 (whether or not it exists)."""
    return get_visible_or_404(Award.objects.select_related("organisation"), user=user, public_id=public_id)


def provider_choices(*, current: Organisation | None = None) -> QuerySet[Organisation]:
    """Active providers an award may be made to, and `current` (an award's provider, which stays
    selectable on its change page even if it has since been marked inactive)."""
    choices = Q(type=Organisation.Type.PROVIDER, is_active=True)
    if current is not None:
        choices |= Q(pk=current.pk)
    return Organisation.objects.filter(choices).order_by("name")


def _check_award(data: dict[str, Any]) -> None:
    """The rules an award's header keeps, whether it is being made or changed; quantises the
    stated total in place."""
    if data.get("start_on") and data.get("end_on") and data["end_on"] < data["start_on"]:
        raise ValidationError({"end_on": "The end date must be on or after the start date"})
    if data.get("stated_total") is not None:
        data["stated_total"] = money(data["stated_total"])
        if data["stated_total"] < 0:
            raise ValidationError({"stated_total": "The stated total cannot be less than £0.00"})
    if data.get("organisation") is None or data["organisation"].type != Organisation.Type.PROVIDER:
        raise ValidationError({"organisation": "Select the provider the award is made to"})


@transaction.atomic
def award_create(*, by: Any, request: Any = None, **fields: Any) -> Award:
    """Make an award to a provider; its funding and budget lines are added after."""
    ensure_can(by, MANAGE_PERMISSION)
    data = {name: fields[name] for name in AWARD_FIELDS if name in fields}
    data["reference"] = str(data.get("reference", "")).strip()
    if Award.objects.filter(reference__iexact=data["reference"]).exists():
        raise ValidationError({"reference": f"There is already an award {data['reference']}"})
    _check_award(data)
    award = Award(**data)
    award.full_clean()
    award.save()
    _log(by, AccessLog.Action.CREATE, award, request=request)
    return award


def _overlaps(year: str, start_on: date, end_on: date) -> bool:
    financial_year = FinancialYear.parse(year)
    return financial_year.start <= end_on and financial_year.end >= start_on


# What puts an award's money in a financial year, in the order messages name them.
MONEY_IN_A_YEAR: tuple[str, ...] = ("funding lines", "budget lines", "post FTE shares", "match funding")


def award_money_years(awards: Iterable[Award]) -> dict[int, dict[str, list[str]]]:
    """For each award (by id) that has money, each financial year it has money in and what it
    has there, in the order of `MONEY_IN_A_YEAR`. An award's dates must keep overlapping those
    years: the award page's change (`award_update`) and the awards import (`transfer`) both
    refuse dates that leave one out."""
    ids = [award.pk for award in awards]
    held = (
        AwardFunding.objects.filter(award_id__in=ids).values_list("award_id", "financial_year"),
        BudgetLine.objects.filter(award_id__in=ids).values_list("award_id", "financial_year"),
        PostFundingShare.objects.filter(post__award_id__in=ids).values_list(
            "post__award_id", "financial_year"
        ),
        MatchContribution.objects.filter(award_id__in=ids).values_list("award_id", "financial_year"),
    )
    found: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for label, pairs in zip(MONEY_IN_A_YEAR, held, strict=True):
        for award_id, year in sorted(set(pairs.order_by())):
            found[award_id][year].append(label)
    return {award_id: dict(years) for award_id, years in found.items()}


def _years_left_out(award: Award, *, start_on: date, end_on: date) -> None:
    """Refuse new dates that would leave money in a year the award no longer runs in.

    Only years the current dates overlap count: a line already outside the award (recorded
    before this rule) does not stop a change that does not touch it.
    """
    errors: dict[str, str] = {}
    before: list[str] = []
    after: list[str] = []
    kinds = award_money_years([award]).get(award.pk, {})
    for year in sorted(kinds):
        if not _overlaps(year, award.start_on, award.end_on) or _overlaps(year, start_on, end_on):
            continue
        (before if FinancialYear.parse(year).end < start_on else after).append(year)

    def named(years: list[str]) -> str:
        return ", ".join(f"{year} ({' and '.join(kinds[year])})" for year in years)

    if before:
        errors["start_on"] = (
            f"The award would no longer run in {named(before)}: it must start on or before "
            f"{FinancialYear.parse(before[0]).end:%-d %B %Y} to keep them"
        )
    if after:
        errors["end_on"] = (
            f"The award would no longer run in {named(after)}: it must end on or after "
            f"{FinancialYear.parse(after[-1]).start:%-d %B %Y} to keep them"
        )
    if errors:
        raise ValidationError(errors)


def _check_provider_change(award: Award, organisation: Organisation) -> None:
    """An award with funded posts or monitoring returns stays with its provider: the posts are
    that provider's staff, and the returns hold its narrative and risks, which another
    provider's managers must never see."""
    if organisation.pk == award.organisation_id:
        return
    held = [
        label
        for label, exists in (
            ("funded posts", award.posts.exists()),
            ("monitoring returns", award.monitoring_returns.exists()),
        )
        if exists
    ]
    if held:
        raise ValidationError(
            {
                "organisation": f"The award has {' and '.join(held)} of {award.organisation.name}, so it "
                f"cannot move to {organisation.name}: make a new award to {organisation.name} instead"
            }
        )


@transaction.atomic
def award_update(*, award: Award, by: Any, request: Any = None, **fields: Any) -> Award:
    """Change an award's header: title, provider, date decided, start and end dates, status,
    stated total, decision reference and description (`AWARD_CHANGE_FIELDS`; the reference
    stays). The award's history keeps what it was and the access log names what changed.

    Refused: an end before the start; dates that would leave funding lines, budget lines, post
    shares or match funding in a financial year the award no longer overlaps (the message names
    the years); a move to another provider of an award with funded posts or monitoring returns.
    Moving the end date here corrects it; an extension is recorded as a variation instead
    (`award_vary`), which keeps the old end date.
    """
    ensure_can(by, MANAGE_PERMISSION)
    unknown = sorted(set(fields) - set(AWARD_CHANGE_FIELDS))
    if unknown:
        raise TypeError(f"award_update cannot change {', '.join(unknown)}")
    award = Award.objects.select_for_update().select_related("organisation").get(pk=award.pk)
    data = {name: getattr(award, name) for name in AWARD_CHANGE_FIELDS}
    data.update(fields)
    for name in ("title", "decision_reference", "description"):
        data[name] = str(data[name] or "").strip()
    _check_award(data)
    if (data["start_on"], data["end_on"]) != (award.start_on, award.end_on):
        _years_left_out(award, start_on=data["start_on"], end_on=data["end_on"])
    _check_provider_change(award, data["organisation"])
    changed = [name for name in AWARD_CHANGE_FIELDS if getattr(award, name) != data[name]]
    if not changed:
        return award
    for name in changed:
        setattr(award, name, data[name])
    award.full_clean()
    award.save()
    _log(
        by,
        AccessLog.Action.CHANGE,
        award,
        f"Changed {', '.join(_AWARD_FIELD_LABELS[n] for n in changed)}",
        request,
    )
    return award


@transaction.atomic
def award_funding_add(
    *,
    award: Award,
    source: FundingSource,
    financial_year: str,
    amount: Decimal,
    status: str,
    by: Any,
    request: Any = None,
) -> AwardFunding:
    """Add a funding line: how much of one source in one year the award is paid. One line per
    source and year (change an existing line by a variation)."""
    ensure_can(by, MANAGE_PERMISSION)
    year = year_label(financial_year)
    amount = money(amount)
    if amount < 0:
        raise ValidationError({"amount": "A funding line cannot be less than £0.00"})
    if status not in FundingStatus.values:
        raise ValidationError({"status": "Select indicative or confirmed"})
    if AwardFunding.objects.filter(award=award, funding_source=source, financial_year=year).exists():
        raise ValidationError(
            {
                "funding_source": f"The award already has a line from {source.name} for {year}: "
                "change it by a variation (uplift or reduction)"
            }
        )
    try:
        with transaction.atomic():
            line = AwardFunding.objects.create(
                award=award, funding_source=source, financial_year=year, amount=amount, status=status
            )
    except IntegrityError as exc:  # a second request raced this one
        raise ValidationError({"funding_source": "That line was just added by someone else"}) from exc
    _log(by, AccessLog.Action.CHANGE, award, f"Funding line {source.name} {year}: {pounds(amount)}", request)
    return line


@transaction.atomic
def budget_line_add(
    *,
    award: Award,
    financial_year: str,
    category: str,
    description: str,
    amount: Decimal,
    funding_source: FundingSource | None = None,
    by: Any,
    request: Any = None,
) -> BudgetLine:
    """Add what a year of the award is budgeted to be spent on."""
    ensure_can(by, MANAGE_PERMISSION)
    year = year_label(financial_year)
    amount = money(amount)
    if amount < 0:
        raise ValidationError({"amount": "A budget line cannot be less than £0.00"})
    if category not in BudgetLine.Category.values:
        raise ValidationError({"category": "Select the category"})
    if not description.strip():
        raise ValidationError({"description": "Describe the budget line"})
    line = BudgetLine.objects.create(
        award=award,
        financial_year=year,
        category=category,
        description=description.strip(),
        amount=amount,
        funding_source=funding_source,
    )
    _log(
        by,
        AccessLog.Action.CHANGE,
        award,
        f"Budget line {year} {description.strip()}: {pounds(amount)}",
        request,
    )
    return line


# --- variations -----------------------------------------------------------------------------------

MONEY_KINDS = frozenset({AwardVariation.Kind.UPLIFT, AwardVariation.Kind.REDUCTION})


@transaction.atomic
def award_vary(
    *,
    award: Award,
    kind: str,
    reason: str,
    decided_on: date,
    decision_reference: str = "",
    new_end_on: date | None = None,
    funding_source: FundingSource | None = None,
    financial_year: str = "",
    amount_delta: Decimal = ZERO,
    from_budget_line: BudgetLine | None = None,
    to_budget_line: BudgetLine | None = None,
    by: Any,
    request: Any = None,
) -> AwardVariation:
    """Change an award after it was made, keeping the change as an `AwardVariation`.

    - extension: `new_end_on` after the current end; the award's end date moves and the old one
      is kept as `previous_end_on` (e.g. 31 March 2022 -> 31 May 2022, "a two-month extension
      to allow safe demobilisation");
    - uplift (`amount_delta` > 0) or reduction (`amount_delta` < 0) of one source's line for one
      year: the line changes by the delta (an uplift may add a new, confirmed line; a reduction
      cannot take a line below £0.00), and a stated total moves by the same amount, since the
      variation restates the award's total;
    - virement: `amount_delta` (more than £0.00, at most what the from line holds) moves from
      `from_budget_line` to `to_budget_line`, two different budget lines of this award in one
      financial year (e.g. £2,000.00 from non-pay to salaries in 2021/22); the funding lines
      and the stated total do not change, since the money moves within the award's budget,
      not between sources;
    - change of scope: recorded with its reason and decision; no money moves.
    """
    ensure_can(by, MANAGE_PERMISSION)
    if kind not in AwardVariation.Kind.values:
        raise ValidationError({"kind": "Select the kind of variation"})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the variation"})
    award = Award.objects.select_for_update().get(pk=award.pk)
    variation = AwardVariation(
        award=award,
        kind=kind,
        reason=reason.strip(),
        decision_reference=decision_reference.strip(),
        decided_on=decided_on,
        recorded_by=by,
    )
    if kind == AwardVariation.Kind.EXTENSION:
        if new_end_on is None:
            raise ValidationError({"new_end_on": "Enter the new end date of the award"})
        if new_end_on <= award.end_on:
            raise ValidationError(
                {
                    "new_end_on": f"An extension must end after the award's current end date "
                    f"({award.end_on:%-d %B %Y})"
                }
            )
        variation.previous_end_on = award.end_on
        variation.new_end_on = new_end_on
        award.end_on = new_end_on
        award.save()
    elif kind in MONEY_KINDS:
        variation.funding_source, variation.financial_year, variation.amount_delta = _move_line(
            award=award,
            kind=kind,
            source=funding_source,
            financial_year=financial_year,
            amount_delta=amount_delta,
        )
        if award.stated_total is not None:
            award.stated_total = money(award.stated_total + variation.amount_delta)
            award.save()
    elif kind == AwardVariation.Kind.VIREMENT:
        (
            variation.from_budget_line,
            variation.to_budget_line,
            variation.financial_year,
            variation.amount_delta,
        ) = _vire(award=award, from_line=from_budget_line, to_line=to_budget_line, amount=amount_delta)
    variation.save()
    detail = f"Variation: {variation.get_kind_display()}"
    if variation.from_budget_line is not None and variation.to_budget_line is not None:
        detail += (
            f": {pounds(variation.amount_delta)} from {budget_line_label(variation.from_budget_line)} "
            f"to {budget_line_label(variation.to_budget_line)}"
        )
    _log(by, AccessLog.Action.CHANGE, award, detail, request)
    return variation


def _move_line(
    *, award: Award, kind: str, source: FundingSource | None, financial_year: str, amount_delta: Decimal
) -> tuple[FundingSource, str, Decimal]:
    errors: dict[str, str] = {}
    if source is None:
        errors["funding_source"] = "Select the funding source the change is to"
    if not financial_year:
        errors["financial_year"] = "Enter the financial year the change is to"
    if errors:
        raise ValidationError(errors)
    assert source is not None
    year = year_label(financial_year)
    delta = money(amount_delta)
    if kind == AwardVariation.Kind.UPLIFT and delta <= 0:
        raise ValidationError({"amount_delta": "An uplift must add more than £0.00"})
    if kind == AwardVariation.Kind.REDUCTION and delta >= 0:
        raise ValidationError({"amount_delta": "A reduction must take off more than £0.00"})
    line = (
        AwardFunding.objects.select_for_update()
        .filter(award=award, funding_source=source, financial_year=year)
        .first()
    )
    if line is None:
        if kind == AwardVariation.Kind.REDUCTION:
            raise ValidationError(
                {"funding_source": f"The award has no line from {source.name} for {year} to reduce"}
            )
        AwardFunding.objects.create(
            award=award,
            funding_source=source,
            financial_year=year,
            amount=delta,
            status=FundingStatus.CONFIRMED,
        )
        return source, year, delta
    if line.amount + delta < 0:
        raise ValidationError(
            {
                "amount_delta": f"A reduction of {pounds(-delta)} would take the {year} line from "
                f"{source.name} below £0.00 (it is {pounds(line.amount)})"
            }
        )
    line.amount = money(line.amount + delta)
    line.save(update_fields=["amount"])
    return source, year, delta


def budget_line_label(line: BudgetLine) -> str:
    """A budget line as people name it: "IDVA salaries (Salaries, 2021/22)"."""
    return f"{line.description} ({line.get_category_display()}, {line.financial_year})"


def _vire(
    *, award: Award, from_line: BudgetLine | None, to_line: BudgetLine | None, amount: Decimal
) -> tuple[BudgetLine, BudgetLine, str, Decimal]:
    """Move `amount` between two budget lines of the award in one year: the lines as saved,
    their year and the sum moved; ValidationError (nothing moved) otherwise."""
    errors: dict[str, str] = {}
    if from_line is None:
        errors["from_budget_line"] = "Select the budget line the money moves from"
    if to_line is None:
        errors["to_budget_line"] = "Select the budget line the money moves to"
    if errors:
        raise ValidationError(errors)
    assert from_line is not None
    assert to_line is not None
    amount = money(amount)
    if amount <= 0:
        raise ValidationError({"amount_delta": "A virement must move more than £0.00"})
    if from_line.pk == to_line.pk:
        raise ValidationError(
            {"to_budget_line": "A virement moves money between two different budget lines: select another"}
        )
    # Read both lines afresh under a lock: the amount checked is the amount changed, even when
    # two virements from the same line are recorded at once.
    locked = {
        line.pk: line
        for line in BudgetLine.objects.select_for_update().filter(pk__in=[from_line.pk, to_line.pk])
    }
    for name, line in (("from_budget_line", from_line), ("to_budget_line", to_line)):
        fresh = locked.get(line.pk)
        if fresh is None or fresh.award_id != award.pk:
            errors[name] = f"{budget_line_label(line)} is not a budget line of {award.reference}"
    if errors:
        raise ValidationError(errors)
    source, target = locked[from_line.pk], locked[to_line.pk]
    if source.financial_year != target.financial_year:
        raise ValidationError(
            {
                "to_budget_line": f"A virement moves money within one financial year: "
                f"{budget_line_label(source)} and {budget_line_label(target)} are in different years"
            }
        )
    if amount > source.amount:
        raise ValidationError(
            {
                "amount_delta": f"The virement of {pounds(amount)} is more than "
                f"{budget_line_label(source)} holds ({pounds(source.amount)})"
            }
        )
    source.amount = money(source.amount - amount)
    target.amount = money(target.amount + amount)
    source.save(update_fields=["amount"])
    target.save(update_fields=["amount"])
    return source, target, source.financial_year, amount


def award_variations(award: Award) -> list[AwardVariation]:
    """An award's variations in the order they were decided."""
    return list(
        award.variations.select_related(
            "funding_source", "from_budget_line", "to_budget_line", "recorded_by"
        ).order_by("decided_on", "id")
    )


# --- profile and reconciliation -------------------------------------------------------------------


@dataclass(frozen=True)
class AwardProfile:
    """An award's funding lines as a grid of source by year, with totals to the penny."""

    years: list[str]
    sources: list[FundingSource]
    lines: list[AwardFunding]
    cell: dict[tuple[int, str], AwardFunding] = field(default_factory=dict)
    by_year: dict[str, Decimal] = field(default_factory=dict)
    by_source: dict[int, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO


def award_profile(award: Award) -> AwardProfile:
    """The award's money by source and year. Worked example: lines of £0.10 and £0.20 from one
    source in 2021/22 and £0.30 from another give 2021/22 £0.60 exactly, not 0.6000000000000001."""
    lines = list(
        AwardFunding.objects.filter(award=award)
        .select_related("funding_source", "funding_source__funder")
        .order_by("financial_year", "funding_source__name")
    )
    years = sorted({line.financial_year for line in lines})
    sources: list[FundingSource] = []
    for line in lines:
        if line.funding_source not in sources:
            sources.append(line.funding_source)
    sources.sort(key=lambda s: s.name)
    by_year: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_source: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        by_year[line.financial_year] += line.amount
        by_source[line.funding_source_id] += line.amount
    return AwardProfile(
        years=years,
        sources=sources,
        lines=lines,
        cell={(line.funding_source_id, line.financial_year): line for line in lines},
        by_year=dict(by_year),
        by_source=dict(by_source),
        total=money(sum((line.amount for line in lines), ZERO)),
    )


def award_budget(award: Award) -> list[tuple[str, list[BudgetLine], Decimal]]:
    """Budget lines grouped by year, each year with its total."""
    grouped: dict[str, list[BudgetLine]] = defaultdict(list)
    for line in award.budget_lines.select_related("funding_source").order_by(
        "financial_year", "category", "id"
    ):
        grouped[line.financial_year].append(line)
    return [
        (year, rows, money(sum((r.amount for r in rows), ZERO))) for year, rows in sorted(grouped.items())
    ]


@dataclass(frozen=True)
class Reconciliation:
    """An award's stated total against the sum of its funding lines, to the penny."""

    stated_total: Decimal | None
    lines_total: Decimal
    difference: Decimal | None
    ok: bool

    @property
    def checked(self) -> bool:
        """False when the award states no total (nothing to reconcile against)."""
        return self.stated_total is not None


def _reconcile(stated: Decimal | None, lines_total: Decimal) -> Reconciliation:
    lines_total = money(lines_total)
    if stated is None:
        return Reconciliation(stated_total=None, lines_total=lines_total, difference=None, ok=True)
    stated = money(stated)
    difference = lines_total - stated
    return Reconciliation(
        stated_total=stated, lines_total=lines_total, difference=difference, ok=difference == 0
    )


def award_reconciliation(award: Award) -> Reconciliation:
    """Stated total, sum of lines, difference (lines less stated) and whether they agree.

    Worked example: stated £1,400,307.91; lines £700,153.95 and £700,153.95 sum to
    £1,400,307.90, a difference of minus £0.01: not ok. An award with no stated total is ok
    (`checked` is False).
    """
    return _reconcile(award.stated_total, _sum(AwardFunding.objects.filter(award=award)))


def awards_not_reconciling(*, user: Any) -> list[tuple[Award, Reconciliation]]:
    """The awards the user may see whose lines do not add up to their stated total."""
    result = []
    for award in award_list(user=user).filter(stated_total__isnull=False):
        reconciliation = _reconcile(award.stated_total, award.lines_total)  # type: ignore[attr-defined]
        if not reconciliation.ok:
            result.append((award, reconciliation))
    return result
