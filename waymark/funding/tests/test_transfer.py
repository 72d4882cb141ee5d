"""Importing awards and posts: check and preview first (nothing written), then commit all or
nothing; every kind of bad row listed; re-import updates; XLSX and CSV agree."""

from __future__ import annotations

import copy
import os
import re
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from waymark.accounts.models import Organisation
from waymark.audit.models import AccessLog
from waymark.core.imports import ImportRefusedError
from waymark.core.testing.matrix import permission_matrix
from waymark.funding import transfer
from waymark.funding.models import (
    Award,
    AwardFunding,
    BudgetLine,
    FundedPost,
    MatchContribution,
    PostFundingShare,
)
from waymark.funding.transfer import (
    SheetRowError,
    parse_money,
    transfer_check,
    transfer_commit,
    transfer_store,
)

from .test_transfer_helpers import (
    MOJ_SOURCE,
    OPCC_SOURCE,
    as_xlsx,
    as_zip,
    good_tables,
    make_sources,
    snapshot,
)

pytestmark = pytest.mark.django_db

MANAGERS = {"opcc_admin": 200, "opcc_analyst": 200, "anonymous": 302}


@pytest.fixture(autouse=True)
def _uploads(tmp_path: Path, settings) -> None:
    settings.VAR_DIR = tmp_path


@pytest.fixture
def sources(world):
    return make_sources(world)


def _counts(plan) -> dict[str, tuple[int, int]]:
    return {sheet: (created, updated) for sheet, _label, created, updated in plan.counts()}


def _nothing_written() -> bool:
    return not (
        Award.objects.exists()
        or AwardFunding.objects.exists()
        or FundedPost.objects.exists()
        or PostFundingShare.objects.exists()
    )


def _import(by, tables, name="funding.zip"):
    data = as_zip(tables) if name.endswith(".zip") else as_xlsx(tables)
    plan = transfer_check(by=by, file_name=name, data=data)
    assert plan.errors == []
    return transfer_commit(by=by, token=transfer_store(by=by, file_name=name, data=data))


def test_a_good_file_previews_without_writing_then_commits_exactly(world, sources) -> None:
    """The preview counts 2 awards, 4 lines, 3 posts and 5 shares to create and writes nothing;
    the commit writes exactly those, to the penny ("£1,200,000.00" is 1200000.00; "£600,000"
    is 600000.00), with the posts' areas (codes and names) and specialisms."""
    admin = world.member("opcc_admin")
    data = as_zip(good_tables(world))
    plan = transfer_check(by=admin, file_name="funding.zip", data=data)
    assert plan.errors == []
    preview = _counts(plan)
    assert preview == {"awards": (2, 0), "funding_lines": (4, 0), "posts": (3, 0), "post_shares": (5, 0)}
    token = transfer_store(by=admin, file_name="funding.zip", data=data)
    assert _nothing_written()

    written = transfer_commit(by=admin, token=token)
    assert _counts(written) == preview
    assert (Award.objects.count(), AwardFunding.objects.count(), FundedPost.objects.count()) == (2, 4, 3)
    assert PostFundingShare.objects.count() == 5
    idva = Award.objects.get(reference="AW-IDVA")
    assert idva.stated_total == Decimal("1200000.00")
    assert idva.organisation == world.provider
    assert Award.objects.get(reference="AW-ISVA").status == Award.Status.ACTIVE
    assert sorted(idva.funding_lines.values_list("financial_year", "amount")) == [
        ("2021/22", Decimal("600000.00")),
        ("2022/23", Decimal("600000.00")),
    ]
    male = FundedPost.objects.get(title="Black Country male IDVA")
    assert sorted(male.local_authorities.values_list("code", flat=True)) == [
        "E08000027",
        "E08000028",
        "E08000030",
    ]
    assert (male.supports, male.fte, male.organisation) == ("male", Decimal("1.00"), world.provider)
    birmingham = FundedPost.objects.get(title="Birmingham IDVA")
    assert sorted(birmingham.specialisms.values_list("code", flat=True)) == ["language", "lgbt"]
    assert birmingham.funding_shares.filter(financial_year="2022/23").count() == 2
    assert (
        AccessLog.objects.filter(
            actor=admin, action=AccessLog.Action.CHANGE, record_type="funding.award"
        ).count()
        == 2
    )


def test_re_importing_updates_by_key_without_duplicates(world, sources) -> None:
    """The same file again is all updates; a changed amount and FTE share are updated in place."""
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    _import(admin, tables)
    before = snapshot()
    again = transfer_check(by=admin, file_name="funding.zip", data=as_zip(tables))
    assert _counts(again) == {
        "awards": (0, 2),
        "funding_lines": (0, 4),
        "posts": (0, 3),
        "post_shares": (0, 5),
    }
    changed = copy.deepcopy(tables)
    changed["funding_lines"][1][3] = "612,345.67"
    changed["post_shares"][5][4] = "0.60"
    _import(admin, changed)
    after = snapshot()
    assert (Award.objects.count(), AwardFunding.objects.count(), FundedPost.objects.count()) == (2, 4, 3)
    assert PostFundingShare.objects.count() == 5
    assert before["posts"] == after["posts"]
    assert AwardFunding.objects.get(award__reference="AW-IDVA", financial_year="2021/22").amount == Decimal(
        "612345.67"
    )
    assert PostFundingShare.objects.get(post__title="Coventry CYP ISVA").fte_share == Decimal("0.60")


def test_xlsx_and_csv_give_the_same_result(world, sources) -> None:
    """A workbook with date and number cells and a ZIP of CSV text write the same rows."""
    admin = world.member("opcc_admin")
    tables = good_tables(world)

    def rows(plan) -> list[tuple[object, ...]]:
        return [
            *((a.reference, a.start_on, a.end_on, a.stated_total, a.status) for a in plan.awards),
            *((x.award_reference, x.source.name, x.financial_year, x.amount, x.status) for x in plan.lines),
            *((p.title, p.fte, p.role, tuple(p.local_authorities), tuple(p.specialisms)) for p in plan.posts),
            *((s.post_title, s.source.name, s.financial_year, s.fte_share) for s in plan.shares),
        ]

    xlsx_plan = transfer_check(by=admin, file_name="funding.xlsx", data=as_xlsx(tables))
    zip_plan = transfer_check(by=admin, file_name="funding.zip", data=as_zip(tables))
    assert xlsx_plan.errors == zip_plan.errors == []
    assert rows(xlsx_plan) == rows(zip_plan)
    _import(admin, tables, name="funding.xlsx")
    from_xlsx = snapshot()
    assert from_xlsx["awards"][1][6] == Decimal("200307.91")
    # The ZIP of the same tables now finds every row and changes nothing.
    _import(admin, tables, name="funding.zip")
    assert snapshot() == from_xlsx


def test_the_documented_samples_import(world, sources) -> None:
    """docs/formats/samples: the CSV files and the workbook made from them check clean against
    the demo's provider names and give the same plan."""
    for name in ("Domestic abuse advocacy provider (demo)", "Sexual violence advocacy provider (demo)"):
        Organisation.objects.create(name=name, type=Organisation.Type.PROVIDER)
    admin = world.member("opcc_admin")
    samples = Path(settings.BASE_DIR) / "docs" / "formats" / "samples"
    tables = {
        sheet: list(transfer.csv_rows(samples / f"funding-{sheet.replace('_', '-')}.csv"))
        for sheet in transfer.SHEETS
    }
    from_csv = transfer_check(by=admin, file_name="samples.zip", data=as_zip(tables))
    assert from_csv.errors == []
    from_xlsx = transfer_check(
        by=admin,
        file_name="funding-awards-posts.xlsx",
        data=(samples / "funding-awards-posts.xlsx").read_bytes(),
    )
    assert from_xlsx.errors == []
    assert (
        _counts(from_csv)
        == _counts(from_xlsx)
        == {
            "awards": (2, 0),
            "funding_lines": (4, 0),
            "posts": (3, 0),
            "post_shares": (5, 0),
        }
    )
    assert [row.amount for row in from_xlsx.lines] == [row.amount for row in from_csv.lines]
    assert [row.awarded_on for row in from_xlsx.awards] == [row.awarded_on for row in from_csv.awards]
    assert [row.awarded_on for row in from_csv.awards] == [date(2021, 3, 15), None]


# sheet, row index (1 = first data row), column, bad value, words of the message
BAD_ROWS = [
    ("awards", 1, "provider", "Nobody Ltd", "no organisation called 'Nobody Ltd'"),
    ("awards", 1, "start_on", "1 April 2021", "is not a date"),
    ("awards", 1, "end_on", "2020-03-31", "ends (31/03/2020) before it starts"),
    ("awards", 1, "stated_total", "12.345", "more than two decimal places"),
    ("awards", 1, "status", "live", "not a valid award status"),
    ("awards", 2, "reference", "AW-IDVA", "already on line 2"),
    # PostgreSQL cannot store a zero byte: in a reference the import failed, in a title it passed.
    ("awards", 1, "reference", "AW-\x00", "holds a zero byte (NUL)"),
    ("awards", 1, "title", "IDVA\x00 service", "holds a zero byte (NUL)"),
    ("awards", 1, "awarded_on", "March 2021", "is not a date"),
    ("funding_lines", 1, "funding_source", "Lottery", "no funding source called 'Lottery'"),
    ("funding_lines", 1, "financial_year", "2021-22", "write it as 2021/22"),
    ("funding_lines", 1, "financial_year", "2021/23", "the second part must be the next year"),
    ("funding_lines", 1, "financial_year", "2024/25", "outside the award's period"),
    ("funding_lines", 1, "amount", "-5.00", "is negative"),
    ("funding_lines", 1, "amount", "£1,00", "not an amount of money"),
    ("funding_lines", 1, "amount", "", "Enter the amount"),
    ("funding_lines", 1, "status", "maybe", "not a valid funding status"),
    ("funding_lines", 1, "award_reference", "AW-NONE", "no award 'AW-NONE'"),
    ("funding_lines", 2, "financial_year", "2021/22", "already on line 2"),
    ("posts", 1, "role", "advocate", "not a valid post role"),
    ("posts", 1, "local_authorities", "E08000025; Gotham", "Unknown local authority: 'Gotham'"),
    ("posts", 1, "fte", "0", "outside 0.01 to 9.99"),
    ("posts", 1, "fte", "10", "outside 0.01 to 9.99"),
    # A post is one post-holder's job: more than 1 FTE is refused (issue 6's "FTE over 1").
    ("posts", 1, "fte", "1.50", "more than one post-holder"),
    ("posts", 1, "fte", "0.333", "more than two decimal places"),
    ("posts", 1, "specialisms", "language; astrology", "Unknown specialism code: 'astrology'"),
    ("posts", 1, "supports", "both", "not a valid 'supports' value"),
    ("posts", 2, "title", "Birmingham IDVA", "already on line 2"),
    ("post_shares", 1, "post_title", "Nobody's IDVA", "no post"),
    ("post_shares", 1, "fte_share", "10.00", "outside 0.01 to 9.99"),
    ("post_shares", 3, "fte_share", "0.60", "add up to 1.10 FTE, more than the post's 1.00 FTE"),
    ("post_shares", 3, "funding_source", MOJ_SOURCE, "already on line 3"),
]


@pytest.mark.parametrize(
    ("sheet", "index", "column", "value", "message"), BAD_ROWS, ids=[f"{b[2]}={b[3]}" for b in BAD_ROWS]
)
def test_each_kind_of_bad_row_is_listed_and_nothing_written(
    world, sources, sheet, index, column, value, message
) -> None:
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    header = tables[sheet][0]
    tables[sheet][index][header.index(column)] = value
    data = as_zip(tables)
    plan = transfer_check(by=admin, file_name="bad.zip", data=data)
    assert [(e.sheet, e.line, e.column) for e in plan.errors if message in e.message] == [
        (sheet, index + 1, column)
    ], [str(e) for e in plan.errors]
    # A file with a problem gets no token from the page; forced through the service, it is refused.
    with pytest.raises(ImportRefusedError):
        transfer_commit(by=admin, token=transfer_store(by=admin, file_name="bad.zip", data=data))
    assert _nothing_written()


def test_the_award_date_is_imported_and_a_file_without_the_column_leaves_it(world, sources) -> None:
    """`awarded_on` is written where the column is given (blank clears it); a file whose awards
    sheet has no such column, as files made before it do, leaves the recorded date alone."""
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    _import(admin, tables)
    idva = Award.objects.get(reference="AW-IDVA")
    assert idva.awarded_on == date(2021, 3, 15)
    assert Award.objects.get(reference="AW-ISVA").awarded_on is None

    without = copy.deepcopy(tables)
    column = without["awards"][0].index("awarded_on")
    for row in without["awards"]:
        del row[column]
    plan = transfer_check(by=admin, file_name="old.zip", data=as_zip(without))
    assert plan.errors == []
    _import(admin, without)
    idva.refresh_from_db()
    assert idva.awarded_on == date(2021, 3, 15)

    cleared = copy.deepcopy(tables)
    cleared["awards"][1][column] = ""
    _import(admin, cleared)
    idva.refresh_from_db()
    assert idva.awarded_on is None


# Overlapping periods ------------------------------------------------------------------------


def _refused_alike(admin, tables) -> list[SheetRowError]:
    """The preview's problems; the commit of the same file is refused with the same problems
    and writes nothing. Returns them."""
    data = as_zip(tables)
    plan = transfer_check(by=admin, file_name="overlap.zip", data=data)
    assert plan.errors
    with pytest.raises(ImportRefusedError) as refused:
        transfer_commit(by=admin, token=transfer_store(by=admin, file_name="overlap.zip", data=data))
    assert refused.value.errors == plan.errors
    return plan.errors


def _awards_only(tables, *rows: list[str]):
    """The awards sheet of `tables` with `rows` in place of its own."""
    return {"awards": [tables["awards"][0], *rows]}


def _award(tables, reference: str, /, **changes: str) -> list[str]:
    """A row of the awards sheet: the row of `reference` in `tables`, changed."""
    header = tables["awards"][0]
    row = list(next(r for r in tables["awards"][1:] if r[0] == reference))
    for column, value in changes.items():
        row[header.index(column)] = value
    return row


def test_a_second_reference_for_an_award_in_the_file_is_refused(world, sources) -> None:
    """Two rows to the same provider, the same title (case and spaces ignored), overlapping
    dates, different references: the later row is refused naming the earlier's reference."""
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    tables["awards"].append(
        _award(
            tables,
            "AW-IDVA",
            reference="AW-IDVA-2",
            title="  idva  SERVICE",
            start_on="2022-04-01",
            end_on="2024-03-31",
        )
    )
    errors = _refused_alike(admin, tables)
    assert [(e.sheet, e.line, e.column) for e in errors] == [("awards", 4, "reference")]
    assert "'AW-IDVA' (on line 2)" in errors[0].message
    assert "probably the same award under a second reference" in errors[0].message
    assert "01/04/2021 to 31/03/2023" in errors[0].message
    assert _nothing_written()


def test_a_second_reference_for_an_award_already_in_waymark_is_refused(world, sources) -> None:
    """A file's row that repeats an award Waymark holds under another reference is refused on
    the file's row, naming the award in Waymark; Waymark is unchanged."""
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    _import(admin, tables)
    before = snapshot()
    again = _awards_only(
        tables,
        _award(
            tables,
            "AW-IDVA",
            reference="AW-IDVA-B",
            title="IDVA Service",
            start_on="2023-03-31",
            end_on="2025-03-31",
        ),
    )
    errors = _refused_alike(admin, again)
    assert [(e.sheet, e.line, e.column) for e in errors] == [("awards", 2, "reference")]
    assert "'AW-IDVA' (already in Waymark)" in errors[0].message
    assert "probably the same award under a second reference" in errors[0].message
    assert snapshot() == before


def test_a_renewal_another_provider_or_another_title_is_not_an_overlap(world, sources) -> None:
    """A renewal starts the day after the other award ends; another provider's award or an
    award with another title may share the dates."""
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    _import(admin, tables)
    renewals = _awards_only(
        tables,
        _award(tables, "AW-IDVA", reference="AW-IDVA-2023", start_on="2023-04-01", end_on="2025-03-31"),
        _award(tables, "AW-IDVA", reference="AW-IDVA-2025", start_on="2025-04-01", end_on="2026-03-31"),
        _award(tables, "AW-IDVA", reference="AW-IDVA-OTHER", provider=world.other_provider.name),
        _award(tables, "AW-IDVA", reference="AW-IDVA-LANG", title="IDVA service (languages)"),
    )
    plan = transfer_check(by=admin, file_name="renewals.zip", data=as_zip(renewals))
    assert plan.errors == []
    _import(admin, renewals)
    assert Award.objects.count() == 6


def test_an_award_the_file_changes_is_compared_as_the_file_has_it(world, sources) -> None:
    """The file renames AW-IDVA and adds a new award under its old title: Waymark's old title
    does not count, since the import changes it."""
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    _import(admin, tables)
    renamed = _awards_only(
        tables,
        _award(tables, "AW-IDVA", title="IDVA service (to March 2023)"),
        _award(tables, "AW-IDVA", reference="AW-IDVA-NEW"),
    )
    assert transfer_check(by=admin, file_name="renamed.zip", data=as_zip(renamed)).errors == []
    # Renamed back in the same file, the two clash again: the new row is refused.
    clash = _awards_only(tables, _award(tables, "AW-IDVA"), renamed["awards"][2])
    errors = _refused_alike(admin, clash)
    assert [(e.line, e.column) for e in errors] == [(3, "reference")]
    assert "'AW-IDVA' (on line 2)" in errors[0].message


def test_an_award_made_in_waymark_after_the_preview_refuses_the_commit(world, sources) -> None:
    """The commit checks again: an award with the same title and provider entered in Waymark
    since the preview refuses the whole file."""
    admin = world.member("opcc_admin")
    data = as_zip(good_tables(world))
    assert transfer_check(by=admin, file_name="funding.zip", data=data).errors == []
    token = transfer_store(by=admin, file_name="funding.zip", data=data)
    Award.objects.create(
        reference="AW-IDVA-TYPED",
        title="IDVA service",
        organisation=world.provider,
        start_on=date(2022, 1, 1),
        end_on=date(2022, 12, 31),
    )
    with pytest.raises(ImportRefusedError) as refused:
        transfer_commit(by=admin, token=token)
    assert [(getattr(e, "sheet", ""), e.line, e.column) for e in refused.value.errors] == [
        ("awards", 2, "reference")
    ]
    assert "'AW-IDVA-TYPED' (already in Waymark)" in refused.value.errors[0].message
    assert Award.objects.count() == 1


def test_new_dates_that_leave_out_a_year_with_money_are_refused(world, sources) -> None:
    """AW-IDVA has funding lines and FTE shares in 2021/22 and 2022/23, AW-ISVA a funding
    line in 2022/23 and a share in 2021/22: dates that no longer overlap those years are
    refused against the date that leaves them out, naming the years; nothing changes."""
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    _import(admin, tables)
    before = snapshot()
    moved = _awards_only(
        tables,
        _award(tables, "AW-IDVA", start_on="2022-04-01", end_on="2023-03-31"),
        _award(tables, "AW-ISVA", start_on="2021-06-01", end_on="2022-03-31"),
    )
    errors = _refused_alike(admin, moved)
    assert [(e.sheet, e.line, e.column) for e in errors] == [
        ("awards", 2, "start_on"),
        ("awards", 3, "end_on"),
    ]
    assert errors[0].message == (
        "The new start date (01/04/2022) leaves out 2021/22, in which the award has funding lines "
        "(in Waymark) and post FTE shares (in Waymark). Start it on or before 31/03/2022, or move "
        "those first."
    )
    assert "leaves out 2022/23, in which the award has funding lines (in Waymark)." in errors[1].message
    assert "post FTE shares" not in errors[1].message
    assert "End it on or after 01/04/2022" in errors[1].message
    assert snapshot() == before


def test_budget_lines_and_match_funding_in_waymark_hold_their_years_too(world, sources) -> None:
    """The same rule as the award's change page (`money.award_money_years`): AW-ISVA gets a
    2021/22 budget line and 2022/23 match funding in Waymark; a file moving it to 2022/23 only
    is refused naming the budget lines, and one moving it to 2021/22 only names the match
    funding with its funding line."""
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    _import(admin, tables)
    award = Award.objects.get(reference="AW-ISVA")
    BudgetLine.objects.create(
        award=award,
        financial_year="2021/22",
        category=BudgetLine.Category.NON_PAY,
        description="Venue",
        amount=Decimal("100.00"),
    )
    MatchContribution.objects.create(
        award=award,
        financial_year="2022/23",
        kind=MatchContribution.Kind.CASH,
        contributor="A trust",
        description="Cash match",
        valuation_method=MatchContribution.Valuation.CASH_RECEIVED,
        amount=Decimal("50.00"),
    )
    before = snapshot()
    later = _refused_alike(admin, _awards_only(tables, _award(tables, "AW-ISVA", start_on="2022-04-01")))
    assert "budget lines (in Waymark)" in later[0].message
    earlier = _refused_alike(admin, _awards_only(tables, _award(tables, "AW-ISVA", end_on="2022-03-31")))
    assert "funding lines (in Waymark) and match funding (in Waymark)" in earlier[0].message
    assert snapshot() == before


def test_new_dates_that_leave_out_a_year_with_money_in_the_file_are_refused(world, sources) -> None:
    """AW-IDVA is in Waymark with no money yet; the file shortens it to 2021/22 and gives it
    a funding line and two shares in 2022/23: the award row is refused, naming the file's
    lines that hold them."""
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    _import(admin, {"awards": tables["awards"]})
    tables["awards"][1] = _award(tables, "AW-IDVA", end_on="2022-03-31")
    errors = _refused_alike(admin, tables)
    # The refused award row stands alone: its lines are not checked against dates it may not have.
    assert [(e.sheet, e.line, e.column) for e in errors] == [("awards", 2, "end_on")]
    assert errors[0].message.startswith(
        "The new end date (31/03/2022) leaves out 2022/23, in which the award has funding lines "
        "(funding_lines line 3) and post FTE shares (post_shares line 3; post_shares line 4)."
    )
    assert [a.end_on for a in Award.objects.filter(reference="AW-IDVA")] == [date(2023, 3, 31)]


def test_new_dates_that_still_overlap_every_year_with_money_are_imported(world, sources) -> None:
    """Dates may move within the years that hold money: 1 June 2021 to 31 January 2023 still
    overlaps 2021/22 and 2022/23."""
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    _import(admin, tables)
    _import(
        admin, _awards_only(tables, _award(tables, "AW-IDVA", start_on="2021-06-01", end_on="2023-01-31"))
    )
    idva = Award.objects.get(reference="AW-IDVA")
    assert (idva.start_on, idva.end_on) == (date(2021, 6, 1), date(2023, 1, 31))


def test_every_problem_of_a_file_is_listed_at_once(world, sources) -> None:
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    tables["awards"][1][2] = "Nobody Ltd"
    tables["funding_lines"][2][3] = "12.345"
    tables["posts"][3][3] = "Atlantis"
    tables["post_shares"][1][3] = "21/22"
    plan = transfer_check(by=admin, file_name="bad.zip", data=as_zip(tables))
    assert [(e.sheet, e.line, e.column) for e in plan.errors] == [
        ("awards", 2, "provider"),
        ("funding_lines", 3, "amount"),
        ("posts", 4, "local_authorities"),
        ("post_shares", 2, "financial_year"),
    ]


def test_unknown_sheets_and_columns_and_missing_columns_are_refused(world, sources) -> None:
    admin = world.member("opcc_admin")
    tables = good_tables(world)
    tables["notes"] = [["anything"], ["x"]]
    tables["posts"][0][tables["posts"][0].index("fte")] = "hours"
    plan = transfer_check(by=admin, file_name="bad.xlsx", data=as_xlsx(tables))
    messages = [str(e) for e in plan.errors]
    assert any("Unknown sheet 'notes'" in m for m in messages)
    assert any("posts: line 1, column hours: Unknown column 'hours'" in m for m in messages)
    assert any("posts: line 1, column fte: The column 'fte' is missing." in m for m in messages)
    not_a_file = transfer_check(by=admin, file_name="funding.csv", data=b"reference\n")
    assert "must be an XLSX workbook" in not_a_file.errors[0].message
    broken = transfer_check(by=admin, file_name="funding.xlsx", data=b"not a workbook")
    assert "not an XLSX workbook" in broken.errors[0].message


def test_money_is_read_to_the_penny() -> None:
    """ "£1,000" is 1000.00, "1,234,567.8" is 1234567.80; "12.345", "1,00", "12,3456" are refused."""
    assert parse_money("£1,000") == Decimal("1000.00")
    assert parse_money("1,234,567.8") == Decimal("1234567.80")
    assert parse_money("0.01") == Decimal("0.01")
    for bad in ("12.345", "1,00", "12,3456", "£", "1.2.3", "ten"):
        with pytest.raises(transfer._BadCellError):
            parse_money(bad)


def test_only_the_person_who_checked_a_file_may_commit_it(world, sources) -> None:
    admin, analyst = world.member("opcc_admin"), world.member("opcc_analyst")
    data = as_zip(good_tables(world))
    token = transfer_store(by=admin, file_name="funding.zip", data=data)
    with pytest.raises(PermissionDenied):
        transfer_commit(by=analyst, token=token)
    assert _nothing_written()
    with pytest.raises(ValidationError, match="not a checked file"):
        transfer_commit(by=admin, token=token[:-2] + "xx")
    transfer_commit(by=admin, token=token)
    with pytest.raises(ValidationError, match="already been imported"):
        transfer_commit(by=admin, token=token)


def test_an_expired_token_is_refused(world, sources, monkeypatch) -> None:
    admin = world.member("opcc_admin")
    token = transfer_store(by=admin, file_name="funding.zip", data=as_zip(good_tables(world)))
    monkeypatch.setattr(transfer, "TOKEN_MAX_AGE_SECONDS", -1)
    with pytest.raises(ValidationError, match="expired"):
        transfer_commit(by=admin, token=token)
    assert _nothing_written()


def test_files_never_committed_are_deleted_once_expired(world, sources) -> None:
    admin = world.member("opcc_admin")
    data = as_zip(good_tables(world))
    transfer_store(by=admin, file_name="funding.zip", data=data)
    (stale,) = list(transfer.upload_directory().iterdir())
    old = time.time() - transfer.TOKEN_MAX_AGE_SECONDS - 60
    os.utime(stale, (old, old))
    transfer_store(by=admin, file_name="funding.zip", data=data)
    kept = list(transfer.upload_directory().iterdir())
    assert len(kept) == 1
    assert stale not in kept
    assert oct(kept[0].stat().st_mode & 0o777) == "0o600"


def test_a_file_checked_clean_is_checked_again_at_commit(world, sources) -> None:
    """The OPCC source is renamed between the preview and the commit: the commit is refused
    whole, including the awards whose rows are still good."""
    admin = world.member("opcc_admin")
    token = transfer_store(by=admin, file_name="funding.zip", data=as_zip(good_tables(world)))
    sources[OPCC_SOURCE].name = "OPCC budget (renamed)"
    sources[OPCC_SOURCE].save()
    with pytest.raises(ImportRefusedError) as refused:
        transfer_commit(by=admin, token=token)
    assert {(getattr(e, "sheet", ""), e.column) for e in refused.value.errors} == {
        ("funding_lines", "funding_source"),
        ("post_shares", "funding_source"),
    }
    assert _nothing_written()


def test_services_refuse_people_who_may_not_manage_funding(world, sources) -> None:
    for key in ("board_member", "provider_manager"):
        with pytest.raises(PermissionDenied):
            transfer_check(by=world.member(key), file_name="funding.zip", data=as_zip(good_tables(world)))


# Pages --------------------------------------------------------------------------------------------


@permission_matrix(MANAGERS, default=403)
def test_the_import_page(client, login_as, role, expected) -> None:
    """Only the OPCC's admins and analysts import; board members and providers do not."""
    login_as(role)
    response = client.get(reverse("funding:import"))
    assert response.status_code == expected
    if expected == 200:
        assert "Import awards and posts" in response.content.decode()


@permission_matrix({"opcc_admin": 400, "opcc_analyst": 400, "anonymous": 302}, default=403)
def test_the_commit_page(client, login_as, role, expected) -> None:
    login_as(role)
    assert client.post(reverse("funding:import_commit"), {}).status_code == expected


def _token_from(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "no commit form"
    return match.group(1)


def test_upload_preview_and_commit_through_the_pages(client, world, sources, login_as) -> None:
    login_as("opcc_analyst")
    upload = SimpleUploadedFile("funding.xlsx", as_xlsx(good_tables(world)))
    response = client.post(reverse("funding:import"), {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "nothing has been written yet" in html
    assert "Birmingham IDVA" in html
    assert "Create" in html
    assert _nothing_written()
    token = _token_from(html)

    # Another manager cannot commit it.
    client.force_login(world.member("opcc_admin"))
    assert client.post(reverse("funding:import_commit"), {"token": token}).status_code == 403
    assert _nothing_written()

    client.force_login(world.member("opcc_analyst"))
    done = client.post(reverse("funding:import_commit"), {"token": token})
    assert done.status_code == 200
    assert "File imported" in done.content.decode()
    assert Award.objects.count() == 2


def test_a_bad_upload_lists_every_problem_and_offers_no_commit(client, world, sources, login_as) -> None:
    login_as("opcc_admin")
    tables = good_tables(world)
    tables["posts"][1][3] = "Gotham"
    response = client.post(reverse("funding:import"), {"file": SimpleUploadedFile("bad.zip", as_zip(tables))})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Unknown local authority: &#39;Gotham&#39;" in html
    assert 'name="token"' not in html
    assert _nothing_written()


def test_the_upload_form_refuses_other_kinds_of_file(client, login_as) -> None:
    login_as("opcc_admin")
    response = client.post(reverse("funding:import"), {"file": SimpleUploadedFile("funding.csv", b"a,b\n")})
    assert response.status_code == 400
    assert "must be an XLSX workbook (.xlsx) or a ZIP of CSV files" in response.content.decode()
    # A browser sends the CSRF token even with no file chosen, so the form is bound.
    response = client.post(reverse("funding:import"), {"csrfmiddlewaretoken": "token"})
    assert response.status_code == 400
    assert "Choose the file to check." in response.content.decode()
    response = client.post(reverse("funding:import"), {"file": SimpleUploadedFile("FUNDING.XLSX", b"")})
    assert "The file is empty." in response.content.decode()
