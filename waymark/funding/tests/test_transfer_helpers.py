"""Test data for the import, export and 360Giving tests (no tests here): the funding sources
and the good tables, built with the ORM and as XLSX or ZIP files."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

from waymark.core.csv_download import workbook_bytes
from waymark.core.models import LocalAuthority
from waymark.core.testing.world import World
from waymark.funding.models import (
    Allocation,
    Award,
    AwardFunding,
    FundedPost,
    Funder,
    FundingSource,
    PostFundingShare,
    Specialism,
)

MOJ_SOURCE = "MoJ ring-fenced IDVA and ISVA fund"
OPCC_SOURCE = "OPCC core budget"

Tables = dict[str, list[list[str]]]


def make_sources(world: World) -> dict[str, FundingSource]:
    """The MoJ's ring-fenced fund and the OPCC's own budget (the OPCC funder has a 360Giving id)."""
    moj = Funder.objects.create(name="Ministry of Justice", short_name="MoJ", org_id="GB-GOR-D18")
    opcc = Funder.objects.create(name=world.opcc.name, org_id="GB-GOR-PC000099")
    return {
        MOJ_SOURCE: FundingSource.objects.create(
            funder=moj,
            name=MOJ_SOURCE,
            programme=FundingSource.Programme.ISVA_IDVA_RING_FENCED,
            ring_fenced=True,
        ),
        OPCC_SOURCE: FundingSource.objects.create(
            funder=opcc, name=OPCC_SOURCE, programme=FundingSource.Programme.OPCC_BUDGET
        ),
    }


def good_tables(world: World) -> Tables:
    """Two awards to the home provider, four funding lines, three posts, five FTE shares."""
    home = world.provider.name
    return {
        "awards": [
            [
                "reference",
                "title",
                "provider",
                "start_on",
                "end_on",
                "status",
                "stated_total",
                "decision_reference",
                "awarded_on",
                "description",
            ],
            [
                "AW-IDVA",
                "IDVA service",
                home,
                "2021-04-01",
                "2023-03-31",
                "active",
                "£1,200,000.00",
                "D-45",
                "2021-03-15",
                "IDVAs.",
            ],
            ["AW-ISVA", "ISVA service", home, "2021-04-01", "2023-03-31", "", "200307.91", "", "", ""],
        ],
        "funding_lines": [
            ["award_reference", "funding_source", "financial_year", "amount", "status"],
            ["AW-IDVA", MOJ_SOURCE, "2021/22", "600,000.00", "confirmed"],
            ["AW-IDVA", MOJ_SOURCE, "2022/23", "£600,000", "indicative"],
            ["AW-ISVA", MOJ_SOURCE, "2021/22", "100307.91", "confirmed"],
            ["AW-ISVA", OPCC_SOURCE, "2022/23", "100000", "indicative"],
        ],
        "posts": [
            [
                "award_reference",
                "title",
                "role",
                "local_authorities",
                "fte",
                "specialisms",
                "supports",
                "status",
                "annual_cost",
            ],
            [
                "AW-IDVA",
                "Birmingham IDVA",
                "idva",
                "E08000025",
                "1.00",
                "language; lgbt",
                "female",
                "filled",
                "38500.00",
            ],
            [
                "AW-IDVA",
                "Black Country male IDVA",
                "idva",
                "Dudley; Sandwell; E08000030",
                "1",
                "male-victims",
                "male",
                "",
                "",
            ],
            ["AW-ISVA", "Coventry CYP ISVA", "cyp_isva", "Coventry", "0.80", "", "", "recruiting", ""],
        ],
        "post_shares": [
            ["award_reference", "post_title", "funding_source", "financial_year", "fte_share"],
            ["AW-IDVA", "Birmingham IDVA", MOJ_SOURCE, "2021/22", "1.00"],
            ["AW-IDVA", "Birmingham IDVA", MOJ_SOURCE, "2022/23", "0.50"],
            ["AW-IDVA", "Birmingham IDVA", OPCC_SOURCE, "2022/23", "0.50"],
            ["AW-IDVA", "Black Country male IDVA", MOJ_SOURCE, "2021/22", "1.00"],
            ["AW-ISVA", "Coventry CYP ISVA", MOJ_SOURCE, "2021/22", "0.8"],
        ],
    }


def as_zip(tables: Tables) -> bytes:
    """The tables as a ZIP of CSV files named after the sheets."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for sheet, rows in tables.items():
            text = io.StringIO()
            csv.writer(text).writerows(rows)
            archive.writestr(f"{sheet}.csv", text.getvalue())
    return buffer.getvalue()


def as_xlsx(tables: Tables, *, typed: bool = True) -> bytes:
    """The tables as an XLSX workbook. `typed`: dates as date cells and plain numbers as number
    cells, as a spreadsheet program would store them."""

    def cell(value: str) -> Any:
        if not typed:
            return value
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return date.fromisoformat(value)
        try:
            number = Decimal(value)
        except ArithmeticError:
            return value
        return float(number) if "." in value else int(number)

    return workbook_bytes(
        {sheet: (rows[0], [[cell(v) for v in row] for row in rows[1:]]) for sheet, rows in tables.items()}
    )


def snapshot() -> dict[str, Any]:
    """Everything the import writes, as plain values, to compare two imports."""
    return {
        "awards": sorted(
            Award.objects.values_list(
                "reference",
                "title",
                "organisation__name",
                "start_on",
                "end_on",
                "status",
                "stated_total",
                "decision_reference",
                "awarded_on",
            )
        ),
        "lines": sorted(
            AwardFunding.objects.values_list(
                "award__reference", "funding_source__name", "financial_year", "amount", "status"
            )
        ),
        "posts": sorted(
            (
                p.award.reference,
                p.title,
                p.role,
                p.fte,
                p.supports,
                p.status,
                p.annual_cost,
                tuple(sorted(a.code for a in p.local_authorities.all())),
                tuple(sorted(s.code for s in p.specialisms.all())),
            )
            for p in FundedPost.objects.select_related("award")
        ),
        "shares": sorted(
            PostFundingShare.objects.values_list(
                "post__title", "funding_source__name", "financial_year", "fte_share"
            )
        ),
    }


def make_portfolio(world: World, sources: dict[str, FundingSource]) -> dict[str, Any]:
    """An award and a post for each provider, and an allocation with its history."""
    birmingham = LocalAuthority.objects.get(code="E08000025")
    coventry = LocalAuthority.objects.get(code="E08000026")
    made: dict[str, Any] = {}
    for key, organisation, area in (
        ("home", world.provider, birmingham),
        ("other", world.other_provider, coventry),
    ):
        award = Award.objects.create(
            reference=f"AW-{key.upper()}",
            title=f"{organisation.name} service",
            organisation=organisation,
            start_on=date(2021, 4, 1),
            end_on=date(2023, 3, 31),
            stated_total=Decimal("1400307.91"),
        )
        AwardFunding.objects.create(
            award=award,
            funding_source=sources[MOJ_SOURCE],
            financial_year="2021/22",
            amount=Decimal("1400307.90"),
            status="confirmed",
        )
        AwardFunding.objects.create(
            award=award,
            funding_source=sources[OPCC_SOURCE],
            financial_year="2022/23",
            amount=Decimal("0.01"),
            status="indicative",
        )
        post = FundedPost.objects.create(
            award=award, organisation=organisation, role="idva", title=f"{key} IDVA", fte=Decimal("1.00")
        )
        post.local_authorities.set([area])
        post.specialisms.set([Specialism.objects.get(code="language")])
        PostFundingShare.objects.create(
            post=post, funding_source=sources[MOJ_SOURCE], financial_year="2021/22", fte_share=Decimal("1.00")
        )
        made[key] = award
        made[f"{key}_post"] = post
    indicative = Allocation.objects.create(
        funding_source=sources[MOJ_SOURCE],
        financial_year="2021/22",
        amount=Decimal("1617802.00"),
        status="indicative",
        notified_on=date(2021, 1, 15),
    )
    made["confirmed"] = Allocation.objects.create(
        funding_source=sources[MOJ_SOURCE],
        financial_year="2021/22",
        amount=Decimal("1617802.00"),
        status="confirmed",
        notified_on=date(2021, 3, 1),
        supersedes=indicative,
    )
    made["indicative"] = indicative
    return made
