"""Monitoring returns from providers, and the returns the OPCC makes to each funder from them.

**Schedule.** `monitoring_returns_schedule` gives an award one `MonitoringReturn` per period of
its life: quarters (April to June, July to September, October to December, January to March),
halves (April to September, October to March) or financial years, by the reporting cadence of
the sources that pay it (the most frequent, where sources differ). A period is cut to the
award's dates, so an award from 1 October 2021 to 31 May 2022 reports quarterly for October to
December, January to March and April to May. A return falls due `WAYMARK_RETURN_DUE_DAYS`
(default 30) days after its period ends. Scheduling again after an extension adds the new
periods and moves the end (and due date) of a cut period still due; nothing else changes.

**Workflow.** due -> submitted (the provider's manager) -> changes requested (the OPCC, with
comments) -> submitted again -> accepted (the OPCC). Nothing else is allowed; an accepted return
is final. A return is **late** while it waits for the provider (due, or changes requested) after
its due date; late is worked out from today's date, never stored.

**What a return holds.** Spend against each of the award's budget lines for the years the period
touches (every line, £0.00 where nothing was spent), outputs by measure (whole numbers), a
narrative and risks. Where the award's provider runs cases in Waymark, the output form is
prefilled from its exact quarterly figures (`waymark.cases.returns`): referrals received, first
contact made by the deadline, cases opened, closed and open at the end, summed over the
provider's services and the whole quarters the period touches. The provider can correct them.

**Funder returns.** `funder_return_build` rolls up, for one source and one period of its
cadence, the accepted returns of every award paid from that source in the period: spend by
budget category and outputs summed. It refuses, listing each one, while any of those returns is
not accepted (or an award has none). Spend counts towards the source when its budget line names
the source, or names no source on an award paid only by this source that year; other spend is
shown apart as not attributed. Outputs are the awards' whole outputs (they are not split by
source); "cases open at the end of the period" is a count at a point in time, so it is taken
from each award's latest return in the period, not summed over periods.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from waymark.accounts.access import organisation_ids_with_role
from waymark.accounts.roles import Role
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.periods import FinancialQuarter, FinancialYear
from waymark.core.permissions import ensure_can

from .models import (
    PENNY,
    Award,
    AwardFunding,
    BudgetLine,
    FunderReturn,
    FundingSource,
    MonitoringReturn,
    ReturnSpend,
)

Status = MonitoringReturn.Status
Cadence = FundingSource.Cadence

# Returns waiting for the provider: these are late once their due date has passed.
AWAITING_PROVIDER = (Status.DUE, Status.CHANGES_REQUESTED)

# The outputs every return asks for; where the provider runs cases in Waymark they are prefilled.
OUTPUT_MEASURES: tuple[tuple[str, str], ...] = (
    ("referrals_received", "Referrals received"),
    ("first_contact_on_time", "Referrals with first contact made by the deadline"),
    ("cases_opened", "Cases opened"),
    ("cases_closed", "Cases closed"),
    ("cases_open_at_end", "Cases open at the end of the period"),
)
OUTPUT_LABELS: dict[str, str] = dict(OUTPUT_MEASURES)
# Counts at a point in time: rolled up by taking each award's latest figure, not by summing periods.
STOCK_MEASURES = frozenset({"cases_open_at_end"})

# Most frequent first: an award paid by several sources reports at the most frequent cadence.
_CADENCE_ORDER = (Cadence.QUARTERLY, Cadence.BIANNUAL, Cadence.ANNUAL)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def output_label(key: str) -> str:
    """A measure's label: the standard wording, or the provider's own name for it."""
    return OUTPUT_LABELS.get(key, key)


# --- periods ------------------------------------------------------------------------------------


def cadence_period(cadence: str, day: date) -> tuple[date, date]:
    """The whole period of `cadence` that contains `day`, aligned to the financial year.

    `cadence_period("biannual", date(2021, 11, 5))` is 1 October 2021 to 31 March 2022.
    """
    quarter = FinancialQuarter.from_date(day)
    if cadence == Cadence.QUARTERLY:
        return quarter.start, quarter.end
    year = quarter.year
    if cadence == Cadence.BIANNUAL:
        first, second, third, fourth = year.quarters()
        return (first.start, second.end) if quarter.number <= 2 else (third.start, fourth.end)
    if cadence == Cadence.ANNUAL:
        return year.start, year.end
    raise ValueError(f"Unknown reporting cadence {cadence!r}")


def cadence_periods(cadence: str, start: date, end: date) -> list[tuple[date, date]]:
    """The periods of `cadence` from `start` to `end`, the first and last cut to those dates."""
    periods: list[tuple[date, date]] = []
    day = start
    while day <= end:
        _, period_end = cadence_period(cadence, day)
        periods.append((day, min(period_end, end)))
        day = period_end + timedelta(days=1)
    return periods


def award_cadence(award: Award) -> str:
    """The most frequent cadence among the sources that pay the award (quarterly if none)."""
    cadences = set(
        AwardFunding.objects.filter(award=award).values_list("funding_source__reporting_cadence", flat=True)
    )
    for cadence in _CADENCE_ORDER:
        if cadence in cadences:
            return cadence
    return Cadence.QUARTERLY


def _years_touched(start: date, end: date) -> list[str]:
    year, last = FinancialYear.from_date(start), FinancialYear.from_date(end)
    labels = []
    while year <= last:
        labels.append(year.label)
        year = year.next()
    return labels


def due_days() -> int:
    return int(getattr(settings, "WAYMARK_RETURN_DUE_DAYS", 30))


# --- the provider's returns: schedule and workflow ----------------------------------------------


@transaction.atomic
def monitoring_returns_schedule(*, award: Award, by: Any = None) -> list[MonitoringReturn]:
    """Make sure the award has a return for every period of its life; return the ones made or
    moved. Idempotent: a second run with nothing changed does nothing.

    `by` is checked for `funding.manage_funding` when given (pages always give it; the demo and
    imports schedule as the system).
    """
    if by is not None:
        ensure_can(by, "funding.manage_funding")
    days = due_days()
    existing = {row.period_start: row for row in award.monitoring_returns.all()}
    changed: list[MonitoringReturn] = []
    for period_start, period_end in cadence_periods(award_cadence(award), award.start_on, award.end_on):
        due_on = period_end + timedelta(days=days)
        row = existing.get(period_start)
        if row is None:
            row = MonitoringReturn.objects.create(
                award=award, period_start=period_start, period_end=period_end, due_on=due_on
            )
            changed.append(row)
        elif row.status == Status.DUE and (row.period_end, row.due_on) != (period_end, due_on):
            row.period_end, row.due_on = period_end, due_on
            row.save(update_fields=["period_end", "due_on", "updated_at"])
            changed.append(row)
    if changed and by is not None:
        access_log_record(
            actor=by,
            action=AccessLog.Action.CREATE,
            obj=award,
            organisation=award.organisation,
            record_label=f"Returns scheduled for {award.reference}",
            detail=", ".join(f"{r.period_start} to {r.period_end}" for r in changed),
        )
    return changed


def return_budget_lines(monitoring_return: MonitoringReturn) -> list[BudgetLine]:
    """The award's budget lines for the financial years the return's period touches."""
    years = _years_touched(monitoring_return.period_start, monitoring_return.period_end)
    return list(
        BudgetLine.objects.filter(award_id=monitoring_return.award_id, financial_year__in=years).order_by(
            "financial_year", "category", "id"
        )
    )


def _ensure_provider_manager(by: Any, monitoring_return: MonitoringReturn) -> None:
    ensure_can(by, "funding.submit_returns")
    if monitoring_return.award.organisation_id not in organisation_ids_with_role(by, [Role.PROVIDER_MANAGER]):
        raise PermissionDenied("Only the provider's own managers submit its returns.")


def _refuse_transition(monitoring_return: MonitoringReturn, action: str) -> ValidationError:
    return ValidationError(
        f"This return cannot be {action}: it is {monitoring_return.get_status_display().lower()}."
    )


@transaction.atomic
def monitoring_return_submit(
    *,
    monitoring_return: MonitoringReturn,
    spend: Mapping[int, Decimal | str | None],
    outputs: Mapping[str, int],
    narrative: str,
    risks: str = "",
    by: Any,
    now: datetime | None = None,
) -> MonitoringReturn:
    """Submit (or, after changes were requested, resubmit) a provider's return.

    `spend` maps every budget line of the period (`return_budget_lines`) to the amount spent in
    the period, to the penny (0 where nothing was spent); `outputs` maps measures to whole
    numbers, at least one. Refuses, naming each problem and saving nothing, anything else; and
    refuses anyone but a provider manager of the award's organisation.
    """
    _ensure_provider_manager(by, monitoring_return)
    monitoring_return = MonitoringReturn.objects.select_for_update().get(pk=monitoring_return.pk)
    if monitoring_return.status not in AWAITING_PROVIDER:
        raise _refuse_transition(monitoring_return, "submitted")
    errors: dict[str, list[str]] = defaultdict(list)
    lines = return_budget_lines(monitoring_return)
    amounts: dict[int, Decimal] = {}
    unknown = set(spend) - {line.pk for line in lines}
    if unknown:
        errors["__all__"].append(
            "Spend was given against a budget line that is not this award's for the period."
        )
    for line in lines:
        field = f"spend_{line.pk}"
        value = spend.get(line.pk)
        if value in (None, ""):
            errors[field].append(
                f"Enter the spend on {line.description} ({line.financial_year}); enter 0 if none."
            )
            continue
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            errors[field].append(f"Enter the spend on {line.description} as an amount, like 1250.50.")
            continue
        if not amount.is_finite() or amount < 0:
            errors[field].append(f"The spend on {line.description} cannot be negative.")
        elif amount != amount.quantize(PENNY):
            errors[field].append(f"Give the spend on {line.description} to the penny.")
        else:
            amounts[line.pk] = amount.quantize(PENNY)
    clean_outputs: dict[str, int] = {}
    for key, number in outputs.items():
        name = (key or "").strip()
        if not name or len(name) > 100:
            errors["outputs"].append("Name each output in 100 characters or fewer.")
        elif isinstance(number, bool) or not isinstance(number, int) or number < 0:
            errors["outputs"].append(f"{output_label(name)}: enter a whole number, 0 or more.")
        else:
            clean_outputs[name] = number
    if not outputs and not errors["outputs"]:
        errors["outputs"].append("Enter at least one output for the period.")
    narrative = (narrative or "").strip()
    if not narrative:
        errors["narrative"].append("Describe the period's work in the narrative.")
    if errors:
        raise ValidationError(dict(errors))
    resubmitted = monitoring_return.status == Status.CHANGES_REQUESTED
    monitoring_return.spend.all().delete()
    ReturnSpend.objects.bulk_create(
        ReturnSpend(monitoring_return=monitoring_return, budget_line_id=pk, amount=amount)
        for pk, amount in amounts.items()
    )
    monitoring_return.outputs = clean_outputs
    monitoring_return.narrative = narrative
    monitoring_return.risks = (risks or "").strip()
    monitoring_return.status = Status.SUBMITTED
    monitoring_return.submitted_at = now or timezone.now()
    monitoring_return.submitted_by = by
    monitoring_return.save()
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=monitoring_return,
        organisation=monitoring_return.award.organisation,
        record_label=return_label(monitoring_return),
        detail="resubmitted" if resubmitted else "submitted",
    )
    return monitoring_return


def _ensure_reviewer(by: Any, monitoring_return: MonitoringReturn, action: str) -> MonitoringReturn:
    ensure_can(by, "funding.manage_funding")
    locked = MonitoringReturn.objects.select_for_update().get(pk=monitoring_return.pk)
    if locked.status != Status.SUBMITTED:
        raise _refuse_transition(locked, action)
    return locked


@transaction.atomic
def monitoring_return_request_changes(
    *, monitoring_return: MonitoringReturn, comments: str, by: Any
) -> MonitoringReturn:
    """Send a submitted return back to the provider with the OPCC's comments (required)."""
    comments = (comments or "").strip()
    locked = _ensure_reviewer(by, monitoring_return, "sent back for changes")
    if not comments:
        raise ValidationError({"comments": "Say what the provider needs to change."})
    locked.status = Status.CHANGES_REQUESTED
    locked.reviewer_comments = comments
    locked.save(update_fields=["status", "reviewer_comments", "updated_at"])
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=locked,
        organisation=locked.award.organisation,
        record_label=return_label(locked),
        detail="changes requested",
    )
    return locked


@transaction.atomic
def monitoring_return_accept(
    *, monitoring_return: MonitoringReturn, by: Any, comments: str = ""
) -> MonitoringReturn:
    """Accept a submitted return; it is then final and counts in the funder's return."""
    locked = _ensure_reviewer(by, monitoring_return, "accepted")
    locked.status = Status.ACCEPTED
    if comments.strip():
        locked.reviewer_comments = comments.strip()
    locked.save(update_fields=["status", "reviewer_comments", "updated_at"])
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=locked,
        organisation=locked.award.organisation,
        record_label=return_label(locked),
        detail="accepted",
    )
    return locked


# --- reading returns ----------------------------------------------------------------------------


def return_label(monitoring_return: MonitoringReturn) -> str:
    """ "AWD-1 return, 1 April 2021 to 30 June 2021"."""
    return (
        f"{monitoring_return.award.reference} return, {_words(monitoring_return.period_start)} "
        f"to {_words(monitoring_return.period_end)}"
    )


def is_late(monitoring_return: MonitoringReturn, *, today: date | None = None) -> bool:
    """Waiting for the provider (due or changes requested) after its due date."""
    return monitoring_return.status in AWAITING_PROVIDER and _today(today) > monitoring_return.due_on


def return_state(monitoring_return: MonitoringReturn, *, today: date | None = None) -> str:
    """Where the return stands, in words: "Late: due 30 July 2021, 3 days ago", "Due today"..."""
    today = _today(today)
    due = monitoring_return.due_on
    status = monitoring_return.status
    if status in AWAITING_PROVIDER:
        prefix = "Changes requested; " if status == Status.CHANGES_REQUESTED else ""
        days = (today - due).days
        if days > 0:
            return f"{prefix}Late: was due {_words(due)}, {days} day{'s' if days != 1 else ''} ago"
        if days == 0:
            return f"{prefix}Due today ({_words(due)})"
        return f"{prefix}Due {_words(due)}" if prefix else f"Due {_words(due)}"
    submitted = monitoring_return.submitted_at
    on = f" on {_words(timezone.localdate(submitted))}" if submitted else ""
    after = " (after the due date)" if submitted and timezone.localdate(submitted) > due else ""
    if status == Status.SUBMITTED:
        return f"Submitted{on}{after}; awaiting review"
    return f"Accepted; submitted{on}{after}"


@dataclass(frozen=True)
class ReturnRow:
    monitoring_return: MonitoringReturn
    late: bool
    state: str


def monitoring_return_list(
    *, user: Any, status: str = "", late: str = "", today: date | None = None
) -> QuerySet[MonitoringReturn]:
    """Returns the user may see (OPCC: all; a provider manager: their organisation's), filtered by
    status and by late ("late" or "not_late"), soonest due first."""
    today = _today(today)
    rows = MonitoringReturn.objects.visible_to(user).select_related("award__organisation")
    if status:
        rows = rows.filter(status=status)
    late_q = Q(status__in=AWAITING_PROVIDER, due_on__lt=today)
    if late == "late":
        rows = rows.filter(late_q)
    elif late == "not_late":
        rows = rows.exclude(late_q)
    return rows.order_by("due_on", "award__reference", "period_start")


def return_rows(returns: Iterable[MonitoringReturn], *, today: date | None = None) -> list[ReturnRow]:
    today = _today(today)
    return [ReturnRow(r, is_late(r, today=today), return_state(r, today=today)) for r in returns]


@dataclass(frozen=True)
class SpendRow:
    budget_line: BudgetLine
    amount: Decimal | None


def return_spend(monitoring_return: MonitoringReturn) -> tuple[list[SpendRow], Decimal]:
    """Each budget line of the period with the spend reported (None before submission), and the total."""
    reported = {s.budget_line_id: s.amount for s in monitoring_return.spend.all()}
    rows = [SpendRow(line, reported.get(line.pk)) for line in return_budget_lines(monitoring_return)]
    return rows, sum((row.amount for row in rows if row.amount is not None), Decimal("0.00"))


def return_outputs(monitoring_return: MonitoringReturn) -> list[tuple[str, int]]:
    """The outputs reported, standard measures first in their order, then the provider's own."""
    outputs = monitoring_return.outputs or {}
    standard = [(label, outputs[key]) for key, label in OUTPUT_MEASURES if key in outputs]
    own = sorted((key, value) for key, value in outputs.items() if key not in OUTPUT_LABELS)
    return standard + own


def provider_has_cases(award: Award) -> bool:
    """Whether the award's provider runs cases in Waymark (so its outputs can be counted)."""
    from waymark.cases.models import Case

    return Case.objects.filter(service__organisation_id=award.organisation_id).exists()


def output_prefill(*, monitoring_return: MonitoringReturn, user: Any) -> dict[str, int] | None:
    """The standard outputs counted from the provider's Waymark cases, or None if it has none.

    Uses the provider's exact quarterly return (`provider_return_for_staff`: the manager's own
    figures) for each of its services and each whole financial quarter the period touches, and
    adds them up; "cases open at the end" is the last quarter's.
    """
    from waymark.accounts.models import Service
    from waymark.cases.returns import provider_return_for_staff

    award = monitoring_return.award
    if not provider_has_cases(award):
        return None
    quarters: list[FinancialQuarter] = []
    quarter = FinancialQuarter.from_date(monitoring_return.period_start)
    while quarter.start <= monitoring_return.period_end:
        quarters.append(quarter)
        quarter = quarter.next()
    totals = dict.fromkeys(OUTPUT_LABELS, 0)
    services = Service.objects.filter(organisation_id=award.organisation_id).select_related("organisation")
    for service in services:
        for index, quarter in enumerate(quarters):
            figures = provider_return_for_staff(user=user, service=service, quarter=quarter)
            sections = {section.key: section for section in figures.sections}
            summary = dict(
                zip(
                    sections["summary"].row_labels, (row[0] for row in sections["summary"].cells), strict=True
                )
            )
            contact = dict(
                zip(
                    sections["first_contact"].row_labels,
                    (row[0] for row in sections["first_contact"].cells),
                    strict=True,
                )
            )
            totals["referrals_received"] += summary["Referrals received"] or 0
            totals["cases_opened"] += summary["Cases opened"] or 0
            totals["cases_closed"] += summary["Cases closed"] or 0
            totals["first_contact_on_time"] += contact["Contact made by the deadline"] or 0
            if index == len(quarters) - 1:
                totals["cases_open_at_end"] += summary["Cases open at the end of the quarter"] or 0
    return totals


# --- funder returns -----------------------------------------------------------------------------


def _period_problem(source: FundingSource, period_start: date, period_end: date) -> str:
    """Why the dates are not one period of the source's cadence ("" if they are)."""
    expected = cadence_period(source.reporting_cadence, period_start)
    if expected == (period_start, period_end):
        return ""
    return (
        f"{source.name} reports {source.get_reporting_cadence_display().lower()}: the period that "
        f"starts {_words(period_start)} would run from {_words(expected[0])} to {_words(expected[1])}."
    )


def _awards_paid(source: FundingSource, period_start: date, period_end: date) -> list[Award]:
    years = _years_touched(period_start, period_end)
    return list(
        Award.objects.filter(
            funding_lines__funding_source=source,
            funding_lines__financial_year__in=years,
            start_on__lte=period_end,
            end_on__gte=period_start,
        )
        .exclude(status=Award.Status.DRAFT)
        .select_related("organisation")
        .distinct()
        .order_by("reference")
    )


@transaction.atomic
def funder_return_build(
    *, funding_source: FundingSource, period_start: date, period_end: date, by: Any
) -> FunderReturn:
    """Build (or rebuild, while still a draft) the return to a funder for one period.

    The period must be one period of the source's cadence. Every award paid from the source in
    the period (a funding line for a year the period touches, dates overlapping it) must have
    its returns for the period accepted; otherwise this refuses and lists each award and return
    holding it up. Returns that only partly overlap the period are refused too.
    """
    ensure_can(by, "funding.manage_funding")
    problem = _period_problem(funding_source, period_start, period_end)
    if problem:
        raise ValidationError({"period_start": problem})
    existing = FunderReturn.objects.filter(funding_source=funding_source, period_start=period_start).first()
    if existing is not None and existing.status == FunderReturn.Status.SUBMITTED:
        raise ValidationError(
            f"The return for this period was submitted on {_words(existing.submitted_on)}"
            if existing.submitted_on
            else "The return for this period was already submitted."
        )
    awards = _awards_paid(funding_source, period_start, period_end)
    problems: list[str] = []
    included: list[MonitoringReturn] = []
    for award in awards:
        returns = list(
            award.monitoring_returns.filter(
                period_start__lte=period_end, period_end__gte=period_start
            ).order_by("period_start")
        )
        who = f"{award.reference} ({award.organisation.name})"
        if not returns:
            problems.append(f"{who}: no monitoring return is scheduled for the period.")
        for r in returns:
            when = f"{_words(r.period_start)} to {_words(r.period_end)}"
            if r.period_start < period_start or r.period_end > period_end:
                problems.append(f"{who}, {when}: the return runs outside the period.")
            elif r.status != Status.ACCEPTED:
                problems.append(f"{who}, {when}: {r.get_status_display().lower()}, not accepted.")
            else:
                included.append(r)
    if problems:
        raise ValidationError(
            [
                "The return cannot be built until every provider's return for the period is accepted:",
                *problems,
            ]
        )
    if not awards:
        raise ValidationError(f"No award is paid from {funding_source.name} between those dates.")
    if existing is None:
        funder_return = FunderReturn.objects.create(
            funding_source=funding_source, period_start=period_start, period_end=period_end
        )
        action = AccessLog.Action.CREATE
    else:
        funder_return = existing
        funder_return.period_end = period_end
        funder_return.save(update_fields=["period_end", "updated_at"])
        action = AccessLog.Action.CHANGE
    funder_return.monitoring_returns.set(included)
    access_log_record(
        actor=by,
        action=action,
        obj=funder_return,
        record_label=funder_return_label(funder_return),
        detail=f"{len(included)} provider returns",
    )
    return funder_return


@transaction.atomic
def funder_return_mark_submitted(
    *, funder_return: FunderReturn, submitted_on: date, by: Any, today: date | None = None
) -> FunderReturn:
    """Record that the return went to the funder, and when (not in the future; once only)."""
    ensure_can(by, "funding.manage_funding")
    locked = FunderReturn.objects.select_for_update().get(pk=funder_return.pk)
    if locked.status == FunderReturn.Status.SUBMITTED:
        raise ValidationError("This return is already marked as submitted.")
    if submitted_on is None:
        raise ValidationError({"submitted_on": "Enter the date the return was sent to the funder."})
    if submitted_on > _today(today):
        raise ValidationError({"submitted_on": "The date the return was sent cannot be in the future."})
    locked.status = FunderReturn.Status.SUBMITTED
    locked.submitted_on = submitted_on
    locked.save(update_fields=["status", "submitted_on", "updated_at"])
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=locked,
        record_label=funder_return_label(locked),
        detail=f"submitted on {submitted_on.isoformat()}",
    )
    return locked


def funder_return_label(funder_return: FunderReturn) -> str:
    return (
        f"Return to {funder_return.funding_source.name}, {_words(funder_return.period_start)} "
        f"to {_words(funder_return.period_end)}"
    )


@dataclass(frozen=True)
class UnattributedSpend:
    award_reference: str
    budget_line: str
    amount: Decimal


@dataclass(frozen=True)
class FunderReturnFigures:
    """What a funder return reports: spend by category, outputs, and the returns behind them."""

    funder_return: FunderReturn
    spend: tuple[tuple[str, Decimal], ...]
    spend_total: Decimal
    outputs: tuple[tuple[str, int], ...]
    returns: tuple[MonitoringReturn, ...]
    unattributed: tuple[UnattributedSpend, ...]

    @property
    def unattributed_total(self) -> Decimal:
        return sum((row.amount for row in self.unattributed), Decimal("0.00"))


def funder_return_figures(funder_return: FunderReturn) -> FunderReturnFigures:
    """Roll up the funder return's accepted provider returns (see the module docstring)."""
    source_id = funder_return.funding_source_id
    returns = list(
        funder_return.monitoring_returns.select_related("award__organisation").order_by(
            "award__reference", "period_start"
        )
    )
    award_ids = {r.award_id for r in returns}
    sources_by_award_year: dict[tuple[int, str], set[int]] = defaultdict(set)
    for award_id, year, line_source in AwardFunding.objects.filter(award_id__in=award_ids).values_list(
        "award_id", "financial_year", "funding_source_id"
    ):
        sources_by_award_year[(award_id, year)].add(line_source)
    by_category: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    unattributed: list[UnattributedSpend] = []
    spend_rows = ReturnSpend.objects.filter(monitoring_return__in=returns).select_related(
        "budget_line", "monitoring_return__award"
    )
    for row in spend_rows.order_by("monitoring_return__award__reference", "budget_line_id"):
        line = row.budget_line
        ours = line.funding_source_id == source_id or (
            line.funding_source_id is None
            and sources_by_award_year[(line.award_id, line.financial_year)] == {source_id}
        )
        if ours:
            by_category[line.category] += row.amount
        elif row.amount:
            unattributed.append(
                UnattributedSpend(
                    row.monitoring_return.award.reference,
                    f"{line.description} ({line.financial_year})",
                    row.amount,
                )
            )
    spend = tuple(
        (label, by_category[value]) for value, label in BudgetLine.Category.choices if value in by_category
    )
    flows: dict[str, int] = defaultdict(int)
    latest_stock: dict[tuple[int, str], tuple[date, int]] = {}
    for r in returns:
        for key, value in (r.outputs or {}).items():
            if key in STOCK_MEASURES:
                seen = latest_stock.get((r.award_id, key))
                if seen is None or seen[0] < r.period_start:
                    latest_stock[(r.award_id, key)] = (r.period_start, int(value))
            else:
                flows[key] += int(value)
    for (_, key), (_, value) in latest_stock.items():
        flows[key] += value
    order = [key for key, _ in OUTPUT_MEASURES if key in flows] + sorted(
        k for k in flows if k not in OUTPUT_LABELS
    )
    return FunderReturnFigures(
        funder_return=funder_return,
        spend=spend,
        spend_total=sum((amount for _, amount in spend), Decimal("0.00")),
        outputs=tuple((output_label(key), flows[key]) for key in order),
        returns=tuple(returns),
        unattributed=tuple(unattributed),
    )


FUNDER_RETURN_CSV_HEADER: tuple[str, ...] = ("Section", "Item", "Value")


def funder_return_csv_rows(figures: FunderReturnFigures) -> list[list[Any]]:
    """The funder return as rows for its CSV and XLSX downloads (FUNDER_RETURN_CSV_HEADER)."""
    fr = figures.funder_return
    rows: list[list[Any]] = [
        ["Return", "Funding source", fr.funding_source.name],
        ["Return", "Period start", fr.period_start.isoformat()],
        ["Return", "Period end", fr.period_end.isoformat()],
        ["Return", "Status", fr.get_status_display()],
        ["Return", "Submitted on", fr.submitted_on.isoformat() if fr.submitted_on else ""],
    ]
    rows += [["Spend by budget category (£)", label, amount] for label, amount in figures.spend]
    rows.append(["Spend by budget category (£)", "Total", figures.spend_total])
    rows += [["Outputs", label, value] for label, value in figures.outputs]
    rows += [
        ["Spend not attributed to this source (£)", f"{row.award_reference}: {row.budget_line}", row.amount]
        for row in figures.unattributed
    ]
    rows += [
        [
            "Provider returns included",
            f"{r.award.reference} ({r.award.organisation.name})",
            f"{r.period_start.isoformat()} to {r.period_end.isoformat()}",
        ]
        for r in figures.returns
    ]
    return rows


def funder_return_list() -> QuerySet[FunderReturn]:
    """Every funder return, newest period first."""
    return FunderReturn.objects.select_related("funding_source__funder").order_by(
        "-period_start", "funding_source__name"
    )
