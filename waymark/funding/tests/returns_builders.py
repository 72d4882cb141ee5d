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


# --- downloads ----------------------------------------------------------------------------------


def xlsx_rows(content: bytes) -> list[list[object]]:
    """The cells of the only sheet of an XLSX download, blanks as ""."""
    import io

    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert len(workbook.sheetnames) == 1
    return [
        ["" if cell is None else cell for cell in row] for row in workbook.active.iter_rows(values_only=True)
    ]


def assert_xlsx_matches_csv(
    xlsx: bytes, csv_content: bytes, *, money_columns: set[int]
) -> list[list[object]]:
    """The XLSX holds the CSV's rows cell for cell; numbers are numbers, not text (every cell in
    `money_columns` after the header is one), equal to the CSV's to the penny. Returns its rows."""
    import csv
    import io

    expected = list(csv.reader(io.StringIO(csv_content.decode("utf-8-sig"))))
    rows = xlsx_rows(xlsx)
    assert len(rows) == len(expected)
    assert rows[0] == expected[0]
    for got, want in zip(rows[1:], expected[1:], strict=True):
        assert len(got) == len(want)
        for column, (cell, text) in enumerate(zip(got, want, strict=True)):
            if isinstance(cell, int | float):
                assert Decimal(str(cell)) == Decimal(text), (cell, text)
            else:
                assert column not in money_columns, f"column {column} should be a number: {cell!r}"
                assert cell == text
    return rows
