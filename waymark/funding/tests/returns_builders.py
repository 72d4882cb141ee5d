"""Small builders for the match funding and returns tests: a funder's source, an award paid from
it with budget lines, and a provider's return filled in."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from waymark.accounts.models import Organisation
from waymark.funding.models import (
    Award,
    AwardFunding,
    BudgetLine,
    Funder,
    FundingSource,
    FundingStatus,
    MonitoringReturn,
    ReturnSpend,
)

_numbers = itertools.count(1)


def make_source(*, cadence: str = FundingSource.Cadence.QUARTERLY, name: str = "") -> FundingSource:
    """A funding source of a test funder, reporting at `cadence`."""
    number = next(_numbers)
    funder, _ = Funder.objects.get_or_create(name="Test Ministry")
    return FundingSource.objects.create(
        funder=funder,
        name=name or f"Test source {number}",
        programme=FundingSource.Programme.OTHER,
        reporting_cadence=cadence,
    )


def make_award(
    *,
    organisation: Organisation,
    start: date = date(2021, 4, 1),
    end: date = date(2022, 3, 31),
    lines: list[tuple[FundingSource, str, str]] = (),  # type: ignore[assignment]
    reference: str = "",
) -> Award:
    """An active award with funding lines (source, year, amount) confirmed."""
    number = next(_numbers)
    award = Award.objects.create(
        reference=reference or f"AWD-{number:03d}",
        title=f"Test award {number}",
        organisation=organisation,
        start_on=start,
        end_on=end,
    )
    for source, year, amount in lines:
        AwardFunding.objects.create(
            award=award,
            funding_source=source,
            financial_year=year,
            amount=Decimal(amount),
            status=FundingStatus.CONFIRMED,
        )
    return award


def make_budget_line(
    award: Award,
    *,
    year: str = "2021/22",
    category: str = BudgetLine.Category.SALARY,
    amount: str = "10000.00",
    source: FundingSource | None = None,
    description: str = "",
) -> BudgetLine:
    return BudgetLine.objects.create(
        award=award,
        financial_year=year,
        category=category,
        description=description or f"{BudgetLine.Category(category).label} line",
        amount=Decimal(amount),
        funding_source=source,
    )


def make_return(
    award: Award,
    *,
    start: date,
    end: date,
    due: date | None = None,
    status: str = MonitoringReturn.Status.DUE,
    outputs: dict[str, int] | None = None,
    spend: dict[BudgetLine, str] | None = None,
) -> MonitoringReturn:
    """A return in any state, with spend and outputs written directly (no workflow)."""
    monitoring_return = MonitoringReturn.objects.create(
        award=award,
        period_start=start,
        period_end=end,
        due_on=due or date.fromordinal(end.toordinal() + 30),
        status=status,
        outputs=outputs or {},
        narrative="Work done." if status != MonitoringReturn.Status.DUE else "",
    )
    for line, amount in (spend or {}).items():
        ReturnSpend.objects.create(
            monitoring_return=monitoring_return, budget_line=line, amount=Decimal(amount)
        )
    return monitoring_return


def submit_data(monitoring_return: MonitoringReturn, **fields: Any) -> dict[str, Any]:
    """POST data for the submit page: every budget line 0 unless given, one output, a narrative."""
    from waymark.funding.returns import return_budget_lines

    data: dict[str, Any] = {f"spend_{line.pk}": "0" for line in return_budget_lines(monitoring_return)}
    data.update({"output_referrals_received": "3", "narrative": "We supported people.", "risks": ""})
    data.update(fields)
    return data
