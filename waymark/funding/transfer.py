"""Importing awards and posts from a workbook: check every row, preview, then commit.

One layout (docs/formats/funding-awards-posts.md), in either of two containers:

- an XLSX workbook with the sheets `awards`, `funding_lines`, `posts` and `post_shares`;
- a ZIP file of CSV files (UTF-8) named after the sheets: `awards.csv`, `funding_lines.csv`...

Any of the four may be left out (a file of posts alone is fine), but every sheet present is
checked whole. The import is in two steps:

1. `transfer_check` reads the file and checks every row against the file and against Waymark
   (provider and funding source by name, local authority by ONS code or name, specialism by
   code, money to the penny, FTE 0.01 to 9.99...). It writes nothing and returns a `Plan`: what
   would be created and what updated, and every problem (`SheetRowError`: sheet, line, column,
   message; the header is line 1). `transfer_store` keeps the checked file in a private
   directory and returns a signed token that only the same person can use, for an hour.
2. `transfer_commit` takes the token, checks the file again against Waymark as it is now, and
   writes all of it in one transaction, or nothing (`ImportRefusedError`).

Rows are matched by key, so importing the same file twice creates nothing the second time:
an award by its reference, a funding line by award, source and year, a post by its award's
reference and its title, an FTE share by post, source and year. An import never deletes.

Overlapping periods are refused: an award row to the same provider, with the same title (case
and spaces ignored) and overlapping dates as another award under a different reference, in the
file or in Waymark, is probably that award a second time (a renewal starts after the other
ends); and an award row that changes an award's dates so that they no longer overlap a
financial year in which it has funding lines or post FTE shares, in Waymark or in the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import time
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from waymark.accounts.models import Organisation
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record_many
from waymark.core.csv_download import workbook_bytes
from waymark.core.imports import ImportRefusedError, RowError, first_value_not_text
from waymark.core.models import LocalAuthority
from waymark.core.permissions import ensure_can

from .models import (
    Award,
    AwardFunding,
    FundedPost,
    FundingSource,
    FundingStatus,
    PostFundingShare,
    PostRole,
    Specialism,
)
from .money import MONEY_IN_A_YEAR, award_money_years

IMPORT_PERMISSION = "funding.manage_funding"

# The sheets, in the order they are read and written, and their columns. The first columns of
# each sheet are required; the rest may be left out of the header or left blank.
SHEETS: tuple[str, ...] = ("awards", "funding_lines", "posts", "post_shares")
COLUMNS: dict[str, tuple[str, ...]] = {
    "awards": (
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
    ),
    "funding_lines": ("award_reference", "funding_source", "financial_year", "amount", "status"),
    "posts": (
        "award_reference",
        "title",
        "role",
        "local_authorities",
        "fte",
        "provider",
        "specialisms",
        "supports",
        "area_label",
        "status",
        "annual_cost",
        "notes",
    ),
    "post_shares": ("award_reference", "post_title", "funding_source", "financial_year", "fte_share"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "awards": ("reference", "title", "provider", "start_on", "end_on"),
    "funding_lines": ("award_reference", "funding_source", "financial_year", "amount", "status"),
    "posts": ("award_reference", "title", "role", "local_authorities", "fte"),
    "post_shares": ("award_reference", "post_title", "funding_source", "financial_year", "fte_share"),
}
SHEET_LABELS: dict[str, str] = {
    "awards": "Awards",
    "funding_lines": "Award funding lines",
    "posts": "Funded posts",
    "post_shares": "Post FTE shares",
}
# Several values in one cell (specialisms, local authorities) are separated by semicolons.
LIST_SEPARATOR = ";"

# A checked file waits this long for its commit.
TOKEN_MAX_AGE_SECONDS = 60 * 60
_TOKEN_SALT = "waymark.funding.transfer"  # noqa: S105 (a namespace for signing, not a secret)
# Bigger than any real portfolio's workbook; a ZIP may not unpack to more.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024

_MONEY = re.compile(r"^(?P<sign>-?)£?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<pence>\d+))?$")
_DECIMAL = re.compile(r"^\d+(?:\.\d+)?$")
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
_FTE_MIN, _FTE_MAX = Decimal("0.01"), Decimal("9.99")
_FORMULA_GUARD = re.compile(r"^'[=+\-@\t\r]")


@dataclass(frozen=True)
class SheetRowError(RowError):
    """A `RowError` that also names its sheet (or CSV file)."""

    sheet: str = ""

    def __str__(self) -> str:
        return f"{self.sheet}: {super().__str__()}" if self.sheet else super().__str__()


@dataclass
class _Row:
    line: int
    cells: dict[str, str]


@dataclass
class AwardRow:
    line: int
    reference: str
    title: str
    organisation: Organisation
    start_on: date
    end_on: date
    status: str
    stated_total: Decimal | None
    decision_reference: str
    # The column left out of the sheet leaves an award's decision date as it is in Waymark.
    awarded_on: date | None
    awarded_on_given: bool
    description: str
    existing: Award | None


@dataclass
class LineRow:
    line: int
    award_reference: str
    source: FundingSource
    financial_year: str
    amount: Decimal
    status: str
    existing: AwardFunding | None


@dataclass
class PostRow:
    line: int
    award_reference: str
    title: str
    role: str
    organisation: Organisation | None
    specialisms: list[Specialism]
    supports: str
    local_authorities: list[LocalAuthority]
    area_label: str
    fte: Decimal
    status: str
    annual_cost: Decimal | None
    notes: str
    existing: FundedPost | None


@dataclass
class ShareRow:
    line: int
    award_reference: str
    post_title: str
    source: FundingSource
    financial_year: str
    fte_share: Decimal
    existing: PostFundingShare | None


@dataclass
class Plan:
    """What a checked file would write (`*_rows`), and every problem found (`errors`)."""

    file_name: str
    sheets: list[str] = field(default_factory=list)
    awards: list[AwardRow] = field(default_factory=list)
    lines: list[LineRow] = field(default_factory=list)
    posts: list[PostRow] = field(default_factory=list)
    shares: list[ShareRow] = field(default_factory=list)
    errors: list[SheetRowError] = field(default_factory=list)

    def rows_of(self, sheet: str) -> list[Any]:
        """The plan's rows of one sheet."""
        rows: dict[str, list[Any]] = {
            "awards": self.awards,
            "funding_lines": self.lines,
            "posts": self.posts,
            "post_shares": self.shares,
        }
        return rows[sheet]

    def counts(self) -> list[tuple[str, str, int, int]]:
        """Per sheet read: (sheet, label, rows to create, rows to update)."""
        result = []
        for sheet in self.sheets:
            rows = self.rows_of(sheet)
            created = sum(1 for row in rows if row.existing is None)
            result.append((sheet, SHEET_LABELS[sheet], created, len(rows) - created))
        return result


# Reading the file -----------------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole numbers without a decimal point, a number with
    a fraction as Python writes it (so 12.345 stays 12.345 and is refused as money)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    # Undo the apostrophe our own exports put before text a spreadsheet would run as a formula.
    return text[1:] if _FORMULA_GUARD.match(text) else text


def _table(sheet: str, rows: Iterable[Iterable[object]], errors: list[SheetRowError]) -> list[_Row]:
    iterator = iter(rows)
    header_cells = next(iterator, None)
    if header_cells is None:
        errors.append(SheetRowError(1, "", "The sheet is empty: it needs a header row.", sheet=sheet))
        return []
    header = [_text(cell).lower() for cell in header_cells]
    while header and header[-1] == "":
        header.pop()
    known = COLUMNS[sheet]
    problems = False
    for name in header:
        if name not in known:
            errors.append(
                SheetRowError(
                    1, name, f"Unknown column {name!r}. The columns are: {', '.join(known)}.", sheet=sheet
                )
            )
            problems = True
    for name in REQUIRED[sheet]:
        if name not in header:
            errors.append(SheetRowError(1, name, f"The column {name!r} is missing.", sheet=sheet))
            problems = True
    if len(set(header)) != len(header):
        errors.append(SheetRowError(1, "", "A column is named twice.", sheet=sheet))
        problems = True
    if problems:
        return []
    table = []
    for line, cells in enumerate(iterator, start=2):
        values = [_text(cell) for cell in cells]
        if not any(values):
            continue
        if len(values) > len(header) and any(values[len(header) :]):
            errors.append(SheetRowError(line, "", "The row has more cells than the header.", sheet=sheet))
            continue
        # A zero byte is not text: PostgreSQL cannot store it, and the import failed on it.
        if (not_text := first_value_not_text(values[: len(header)])) is not None:
            errors.append(SheetRowError(line, header[not_text[0]], not_text[1], sheet=sheet))
            continue
        table.append(
            _Row(line, {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)})
        )
    return table


def _read_xlsx(data: bytes, errors: list[SheetRowError]) -> dict[str, list[_Row]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds for a file that is not a workbook)
        errors.append(SheetRowError(1, "", "The file is not an XLSX workbook that can be read."))
        return {}
    tables: dict[str, list[_Row]] = {}
    try:
        for worksheet in workbook.worksheets:
            name = worksheet.title.strip().lower()
            if name not in COLUMNS:
                errors.append(
                    SheetRowError(
                        1,
                        "",
                        f"Unknown sheet {worksheet.title!r}. The sheets are: {', '.join(SHEETS)}.",
                        sheet=name,
                    )
                )
                continue
            tables[name] = _table(name, worksheet.iter_rows(values_only=True), errors)
    finally:
        workbook.close()
    return tables


def _read_zip(data: bytes, errors: list[SheetRowError]) -> dict[str, list[_Row]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        errors.append(SheetRowError(1, "", "The file is not a ZIP file that can be read."))
        return {}
    tables: dict[str, list[_Row]] = {}
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES:
            errors.append(SheetRowError(1, "", "The ZIP file unpacks to more than 50 MB."))
            return {}
        for info in members:
            name = Path(info.filename).name
            if name.startswith(".") or info.filename.startswith("__MACOSX/"):
                continue
            stem = name.lower().removesuffix(".csv")
            if not name.lower().endswith(".csv") or stem not in COLUMNS:
                errors.append(
                    SheetRowError(
                        1,
                        "",
                        f"Unknown file {name!r} in the ZIP file. The files are: "
                        + ", ".join(f"{sheet}.csv" for sheet in SHEETS)
                        + ".",
                        sheet=name,
                    )
                )
                continue
            try:
                text = archive.read(info).decode("utf-8-sig")
            except UnicodeDecodeError:
                errors.append(SheetRowError(1, "", "The file is not UTF-8 text.", sheet=stem))
                continue
            tables[stem] = _table(stem, csv.reader(io.StringIO(text, newline="")), errors)
    return tables


def read_tables(*, file_name: str, data: bytes, errors: list[SheetRowError]) -> dict[str, list[_Row]]:
    """The sheets of an XLSX workbook or a ZIP of CSV files, by sheet name, in `SHEETS` order."""
    lowered = file_name.lower()
    if lowered.endswith(".xlsx"):
        tables = _read_xlsx(data, errors)
    elif lowered.endswith(".zip"):
        tables = _read_zip(data, errors)
    else:
        errors.append(
            SheetRowError(1, "", "The file must be an XLSX workbook (.xlsx) or a ZIP of CSV files (.zip).")
        )
        return {}
    if not tables and not errors:
        errors.append(SheetRowError(1, "", "The file has none of the sheets: " + ", ".join(SHEETS) + "."))
    return {sheet: tables[sheet] for sheet in SHEETS if sheet in tables}


# Checking values ------------------------------------------------------------------------------


class _BadCellError(Exception):
    """One cell's problem (caught per cell, so every problem of a row is listed)."""


def parse_money(text: str, *, allow_negative: bool = False) -> Decimal:
    """Pounds to the penny: "1000", "1,000.50", "£1,000" are read; "12.345", "1,00" and "£" are
    not. Thousands separators must group in threes."""
    match = _MONEY.match(text.replace(" ", ""))
    if match is None:
        raise _BadCellError(
            f"{text!r} is not an amount of money: write pounds and pence, for example 1617802.00."
        )
    pence = match.group("pence")
    if pence is not None and len(pence) > 2:
        raise _BadCellError(f"{text!r} has more than two decimal places: money is held to the penny.")
    value = Decimal(match.group("whole").replace(",", "") + "." + (pence or "0").ljust(2, "0"))
    if match.group("sign"):
        if not allow_negative:
            raise _BadCellError(f"{text!r} is negative: an amount must be zero or more.")
        value = -value
    if value >= Decimal("1e12"):
        raise _BadCellError(f"{text!r} is too large.")
    return value


def parse_post_fte(text: str) -> Decimal:
    """A post's FTE: as `parse_fte`, and at most 1, since a post is one post-holder's job."""
    value = parse_fte(text)
    if value > Decimal("1"):
        raise _BadCellError(
            f"{text} FTE is more than one post-holder: give one row per post, each 1 FTE or less."
        )
    return value


def parse_fte(text: str) -> Decimal:
    """A full-time equivalent from 0.01 to 9.99, at most two decimal places."""
    if not _DECIMAL.match(text):
        raise _BadCellError(f"{text!r} is not a number of full-time equivalents, for example 0.5.")
    value = Decimal(text)
    if value != value.quantize(Decimal("0.01")):
        raise _BadCellError(f"{text!r} has more than two decimal places.")
    if not _FTE_MIN <= value <= _FTE_MAX:
        raise _BadCellError(f"{text} is outside 0.01 to 9.99 full-time equivalents.")
    return value.quantize(Decimal("0.01"))


def parse_financial_year(text: str) -> str:
    """A financial year written as 2021/22 (the second year the next one)."""
    match = _YEAR.match(text)
    if match is None:
        raise _BadCellError(f"{text!r} is not a financial year: write it as 2021/22.")
    start = int(match.group(1))
    if (start + 1) % 100 != int(match.group(2)):
        raise _BadCellError(
            f"{text!r} is not a financial year: the second part must be the next year, as in 2021/22."
        )
    return text


def _year_bounds(label: str) -> tuple[date, date]:
    start = int(label[:4])
    return date(start, 4, 1), date(start + 1, 3, 31)


def parse_date(text: str) -> date:
    """A date as YYYY-MM-DD (a date cell in a workbook is read as one) or DD/MM/YYYY."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise _BadCellError(f"{text!r} is not a date: write it as YYYY-MM-DD, for example 2021-04-01.")


def _choice(text: str, choices: Any, what: str, *, default: str | None = None) -> str:
    if not text and default is not None:
        return default
    value = text.strip().lower()
    if value in choices.values:
        return str(value)
    raise _BadCellError(f"{text!r} is not a valid {what}. Use one of: {', '.join(choices.values)}.")


class _Lookups:
    """Everything a file names, loaded once: organisations, sources, areas, specialisms."""

    def __init__(self) -> None:
        self.organisations = {o.name.casefold(): o for o in Organisation.objects.all()}
        self.sources = {s.name.casefold(): s for s in FundingSource.objects.all()}
        self.specialisms = {s.code: s for s in Specialism.objects.all()}
        self.areas: dict[str, LocalAuthority] = {}
        for area in LocalAuthority.objects.all():
            self.areas[area.code.upper()] = area
            self.areas[area.name.casefold()] = area

    def organisation(self, name: str) -> Organisation:
        found = self.organisations.get(name.casefold())
        if found is None:
            raise _BadCellError(f"There is no organisation called {name!r} in Waymark.")
        return found

    def source(self, name: str) -> FundingSource:
        found = self.sources.get(name.casefold())
        if found is None:
            raise _BadCellError(f"There is no funding source called {name!r} in Waymark.")
        return found

    def area_list(self, text: str) -> list[LocalAuthority]:
        items = [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]
        if not items:
            raise _BadCellError(
                "Name at least one local authority, by ONS code (E08000025) or name (Birmingham)."
            )
        unknown = [
            item
            for item in items
            if (self.areas.get(item.upper()) or self.areas.get(item.casefold())) is None
        ]
        if unknown:
            raise _BadCellError("Unknown local authority: " + ", ".join(repr(item) for item in unknown) + ".")
        found = [self.areas.get(item.upper()) or self.areas[item.casefold()] for item in items]
        return list(dict.fromkeys(found))

    def specialism_list(self, text: str) -> list[Specialism]:
        items = [item.strip().lower() for item in text.split(LIST_SEPARATOR) if item.strip()]
        unknown = [item for item in items if item not in self.specialisms]
        if unknown:
            raise _BadCellError(
                "Unknown specialism code: "
                + ", ".join(repr(item) for item in unknown)
                + ". The codes are: "
                + ", ".join(sorted(self.specialisms))
                + "."
            )
        return list(dict.fromkeys(self.specialisms[item] for item in items))


class _RowChecker:
    """Collects one row's values and problems: `get` returns None where a cell is bad."""

    def __init__(self, sheet: str, row: _Row, errors: list[SheetRowError]) -> None:
        self.sheet, self.row, self.errors = sheet, row, errors
        self.ok = True

    def cell(self, column: str) -> str:
        return self.row.cells.get(column, "")

    def fail(self, column: str, message: str) -> None:
        self.ok = False
        self.errors.append(SheetRowError(self.row.line, column, message, sheet=self.sheet))

    def get(
        self, column: str, parse: Any = None, *, required: bool = False, max_length: int | None = None
    ) -> Any:
        text = self.cell(column)
        if not text:
            if required:
                self.fail(column, f"Enter the {column.replace('_', ' ')}.")
            return None
        if max_length is not None and len(text) > max_length:
            self.fail(column, f"At most {max_length} characters (this has {len(text)}).")
            return None
        if parse is None:
            return text
        try:
            return parse(text)
        except _BadCellError as bad:
            self.fail(column, str(bad))
            return None


def _title_key(title: str) -> str:
    """A title with case and spaces ignored: "IDVA Service" and "idva  service" are one."""
    return "".join(title.split()).casefold()


def _overlap(first: tuple[date, date], second: tuple[date, date]) -> bool:
    return first[0] <= second[1] and second[0] <= first[1]


def _dates(start_on: date, end_on: date) -> str:
    return f"{start_on:%d/%m/%Y} to {end_on:%d/%m/%Y}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class _OverlapCheck:
    """Finds an award row that is probably another award, in the file or already in Waymark,
    under a second reference: the same provider, the same title (case and spaces ignored) and
    dates that overlap. A renewal starts after the other ends, so it is not one."""

    def __init__(self, rows: list[_Row], lookups: _Lookups, references: list[str]) -> None:
        providers = {lookups.organisations.get(row.cells.get("provider", "").casefold()) for row in rows}
        self.in_waymark: dict[tuple[int, str], list[Award]] = defaultdict(list)
        # An award the file names is compared as the file has it, not as Waymark has it.
        for award in (
            Award.objects.filter(organisation__in=[p for p in providers if p is not None])
            .exclude(reference__in=references)
            .order_by("reference")
        ):
            self.in_waymark[(award.organisation_id, _title_key(award.title))].append(award)
        self.in_file: dict[tuple[int, str], list[tuple[str, int, date, date]]] = defaultdict(list)

    def clashes(
        self,
        *,
        line: int,
        reference: str,
        title: str,
        organisation: Organisation,
        start_on: date,
        end_on: date,
    ) -> list[tuple[str, str]]:
        """(column, message) for each other award this row's award is probably the same as."""
        key = (organisation.pk, _title_key(title))
        others = [
            (other, f"on line {other_line}", (other_start, other_end))
            for other, other_line, other_start, other_end in self.in_file[key]
            if other != reference and _overlap((start_on, end_on), (other_start, other_end))
        ] + [
            (award.reference, "already in Waymark", (award.start_on, award.end_on))
            for award in self.in_waymark[key]
            if _overlap((start_on, end_on), (award.start_on, award.end_on))
        ]
        self.in_file[key].append((reference, line, start_on, end_on))
        return [
            (
                "reference",
                f"The award {other!r} ({where}) is to the same provider with the same title, and its "
                f"dates ({_dates(*dates)}) overlap these: this is probably the same award under a "
                f"second reference. Use the reference {other!r} to change it; a renewal starts after "
                "the other award ends.",
            )
            for other, where, dates in others
        ]


class _MoneyYears:
    """The financial years in which awards already in Waymark have money (funding lines,
    budget lines, post FTE shares or match funding: `money.award_money_years`), in Waymark or
    in the file: an award row may not change its dates so that they no longer overlap one of
    those years."""

    # The file's sheets that put money in a year, and what they hold.
    SHEET_KINDS = (("funding_lines", "funding lines"), ("post_shares", "post FTE shares"))

    def __init__(self, tables: dict[str, list[_Row]], existing: dict[str, Award]) -> None:
        # (reference, year, kind) -> where: "in Waymark", "funding_lines line 3"...
        self.where: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        self.years: dict[str, set[str]] = defaultdict(set)
        held = award_money_years(existing.values())
        for reference, award in sorted(existing.items()):
            for year, kinds in sorted(held.get(award.pk, {}).items()):
                for kind in kinds:
                    self._add(reference, year, kind, "in Waymark")
        for sheet, kind in self.SHEET_KINDS:
            for row in tables.get(sheet, []):
                reference = row.cells.get("award_reference", "")
                if reference not in existing:
                    continue
                try:
                    year = parse_financial_year(row.cells.get("financial_year", ""))
                except _BadCellError:
                    continue  # refused on its own row
                self._add(reference, year, kind, f"{sheet} line {row.line}")

    def _add(self, reference: str, year: str, kind: str, where: str) -> None:
        self.years[reference].add(year)
        self.where[(reference, year, kind)].append(where)

    def left_out(self, *, reference: str, start_on: date, end_on: date) -> list[tuple[str, str]]:
        """(column, message) for the years with money that new dates no longer overlap: years
        before the new start against `start_on`, years after the new end against `end_on`."""
        before = sorted(y for y in self.years[reference] if _year_bounds(y)[1] < start_on)
        after = sorted(y for y in self.years[reference] if _year_bounds(y)[0] > end_on)
        problems = []
        if before:
            problems.append(
                (
                    "start_on",
                    f"The new start date ({start_on:%d/%m/%Y}) leaves out {_and(before)}, in which "
                    f"the award has {self._held(reference, before)}. Start it on or before "
                    f"{_year_bounds(before[0])[1]:%d/%m/%Y}, or move those first.",
                )
            )
        if after:
            problems.append(
                (
                    "end_on",
                    f"The new end date ({end_on:%d/%m/%Y}) leaves out {_and(after)}, in which "
                    f"the award has {self._held(reference, after)}. End it on or after "
                    f"{_year_bounds(after[-1])[0]:%d/%m/%Y}, or move those first.",
                )
            )
        return problems

    def _held(self, reference: str, years: list[str]) -> str:
        parts = []
        for kind in MONEY_IN_A_YEAR:
            places = list(dict.fromkeys(w for y in years for w in self.where[(reference, y, kind)]))
            if places:
                parts.append(f"{kind} ({'; '.join(places)})")
        return _and(parts)


def transfer_check(*, by: Any, file_name: str, data: bytes) -> Plan:
    """Read and check a file without writing anything: what it would create and update, and
    every problem. Raises PermissionDenied for anyone who may not manage funding."""
    ensure_can(by, IMPORT_PERMISSION)
    plan = Plan(file_name=file_name)
    tables = read_tables(file_name=file_name, data=data, errors=plan.errors)
    plan.sheets = list(tables)
    if not tables:
        return plan
    lookups = _Lookups()
    errors = plan.errors

    # Awards -----------------------------------------------------------------------------------
    file_awards: dict[str, int] = {}  # reference -> line, every reference the sheet names
    award_dates: dict[str, tuple[date, date]] = {}
    award_orgs: dict[str, Organisation] = {}
    award_rows = tables.get("awards", [])
    references = [row.cells.get("reference", "") for row in award_rows]
    existing_awards = {a.reference: a for a in Award.objects.filter(reference__in=references)}
    overlaps = _OverlapCheck(award_rows, lookups, references)
    money_years = _MoneyYears(tables, existing_awards)
    for row in award_rows:
        check = _RowChecker("awards", row, errors)
        reference = check.get("reference", required=True, max_length=40)
        reference_once = False  # the first row with this reference
        if reference is not None:
            if reference in file_awards:
                check.fail(
                    "reference", f"The award {reference!r} is already on line {file_awards[reference]}."
                )
            else:
                file_awards[reference] = row.line
                reference_once = True
        title = check.get("title", required=True, max_length=200)
        organisation = check.get("provider", lookups.organisation, required=True)
        start_on = check.get("start_on", parse_date, required=True)
        end_on = check.get("end_on", parse_date, required=True)
        dates_ok = start_on is not None and end_on is not None and end_on >= start_on
        if start_on and end_on and not dates_ok:
            check.fail(
                "end_on", f"The award ends ({end_on:%d/%m/%Y}) before it starts ({start_on:%d/%m/%Y})."
            )
        status = check.get("status", lambda t: _choice(t, Award.Status, "award status"))
        stated_total = check.get("stated_total", parse_money)
        decision_reference = check.get("decision_reference", max_length=100) or ""
        awarded_on = check.get("awarded_on", parse_date)
        existing = existing_awards.get(reference) if reference is not None else None
        if reference is not None and reference_once and title and organisation and dates_ok:
            for column, message in overlaps.clashes(
                line=row.line,
                reference=reference,
                title=title,
                organisation=organisation,
                start_on=start_on,
                end_on=end_on,
            ):
                check.fail(column, message)
        if existing is not None and dates_ok and (start_on, end_on) != (existing.start_on, existing.end_on):
            for column, message in money_years.left_out(
                reference=reference, start_on=start_on, end_on=end_on
            ):
                check.fail(column, message)
        if check.ok and reference is not None:
            award_dates[reference] = (start_on, end_on)
            award_orgs[reference] = organisation
            plan.awards.append(
                AwardRow(
                    line=row.line,
                    reference=reference,
                    title=title,
                    organisation=organisation,
                    start_on=start_on,
                    end_on=end_on,
                    status=status or Award.Status.ACTIVE,
                    stated_total=stated_total,
                    decision_reference=decision_reference,
                    awarded_on=awarded_on,
                    awarded_on_given="awarded_on" in row.cells,
                    description=check.cell("description"),
                    existing=existing,
                )
            )

    named = {
        row.cells.get("award_reference", "")
        for sheet in ("funding_lines", "posts", "post_shares")
        for row in tables.get(sheet, [])
    }
    db_awards = {a.reference: a for a in Award.objects.filter(reference__in=named - set(file_awards))}
    for reference, award in db_awards.items():
        award_dates[reference] = (award.start_on, award.end_on)
        award_orgs[reference] = award.organisation

    def award_reference(check: _RowChecker) -> str | None:
        reference = check.get("award_reference", required=True)
        if reference is not None and reference not in file_awards and reference not in db_awards:
            check.fail(
                "award_reference", f"There is no award {reference!r} in the awards sheet or in Waymark."
            )
            return None
        return reference

    def year_in_award(check: _RowChecker, reference: str | None, year: str | None) -> None:
        if reference is None or year is None or reference not in award_dates:
            return
        start, end = award_dates[reference]
        year_start, year_end = _year_bounds(year)
        if year_end < start or year_start > end:
            check.fail(
                "financial_year",
                f"{year} is outside the award's period ({start:%d/%m/%Y} to {end:%d/%m/%Y}).",
            )

    # Funding lines ----------------------------------------------------------------------------
    seen_lines: dict[tuple[str, int, str], int] = {}
    existing_lines = {
        (line.award.reference, line.funding_source_id, line.financial_year): line
        for line in AwardFunding.objects.filter(award__reference__in=named | set(file_awards)).select_related(
            "award"
        )
    }
    for row in tables.get("funding_lines", []):
        check = _RowChecker("funding_lines", row, errors)
        reference = award_reference(check)
        source = check.get("funding_source", lookups.source, required=True)
        year = check.get("financial_year", parse_financial_year, required=True)
        amount = check.get("amount", parse_money, required=True)
        status = check.get("status", lambda t: _choice(t, FundingStatus, "funding status"), required=True)
        year_in_award(check, reference, year)
        if reference is not None and source is not None and year is not None:
            line_key = (reference, source.pk, year)
            if line_key in seen_lines:
                check.fail(
                    "financial_year",
                    f"{source.name} in {year} for {reference} is already on line {seen_lines[line_key]}.",
                )
            else:
                seen_lines[line_key] = row.line
        if check.ok and reference is not None:
            plan.lines.append(
                LineRow(
                    row.line,
                    reference,
                    source,
                    year,
                    amount,
                    status,
                    existing_lines.get((reference, source.pk, year)),
                )
            )

    # Posts ------------------------------------------------------------------------------------
    existing_posts: dict[tuple[str, str], list[FundedPost]] = defaultdict(list)
    for post in FundedPost.objects.filter(award__reference__in=named | set(file_awards)).select_related(
        "award"
    ):
        existing_posts[(post.award.reference, post.title)].append(post)
    seen_posts: dict[tuple[str, str], int] = {}
    post_fte: dict[tuple[str, str], Decimal] = {}
    for row in tables.get("posts", []):
        check = _RowChecker("posts", row, errors)
        reference = award_reference(check)
        title = check.get("title", required=True, max_length=200)
        role = check.get("role", lambda t: _choice(t, PostRole, "post role"), required=True)
        areas = check.get("local_authorities", lookups.area_list, required=True)
        fte = check.get("fte", parse_post_fte, required=True)
        organisation = check.get("provider", lookups.organisation)
        specialisms = check.get("specialisms", lookups.specialism_list) or []
        supports = check.get("supports", lambda t: _choice(t, FundedPost.Supports, "'supports' value"))
        status = check.get("status", lambda t: _choice(t, FundedPost.Status, "post status"))
        annual_cost = check.get("annual_cost", parse_money)
        area_label = check.get("area_label", max_length=100) or ""
        existing = None
        if reference is not None and title is not None:
            post_key = (reference, title)
            if post_key in seen_posts:
                check.fail(
                    "title",
                    f"The post {title!r} of award {reference!r} is already on line {seen_posts[post_key]}.",
                )
            else:
                seen_posts[post_key] = row.line
            matches = existing_posts.get(post_key, [])
            if len(matches) > 1:
                check.fail(
                    "title",
                    f"Waymark has {len(matches)} posts called {title!r} under award {reference!r}, so the "
                    "row cannot say which to update: give them different titles first.",
                )
            existing = matches[0] if len(matches) == 1 else None
        if check.ok and reference is not None:
            post_fte[(reference, title)] = fte
            plan.posts.append(
                PostRow(
                    line=row.line,
                    award_reference=reference,
                    title=title,
                    role=role,
                    organisation=organisation or award_orgs.get(reference),
                    specialisms=specialisms,
                    supports=supports or FundedPost.Supports.ALL,
                    local_authorities=areas,
                    area_label=area_label,
                    fte=fte,
                    status=status or FundedPost.Status.PLANNED,
                    annual_cost=annual_cost,
                    notes=check.cell("notes"),
                    existing=existing,
                )
            )

    # FTE shares -------------------------------------------------------------------------------
    seen_shares: dict[tuple[str, str, int, str], int] = {}
    share_totals: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    share_lines: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    existing_shares = {
        (
            share.post.award.reference if share.post.award else "",
            share.post.title,
            share.funding_source_id,
            share.financial_year,
        ): share
        for share in PostFundingShare.objects.filter(
            post__award__reference__in=named | set(file_awards)
        ).select_related("post__award")
    }
    for row in tables.get("post_shares", []):
        check = _RowChecker("post_shares", row, errors)
        reference = award_reference(check)
        post_title = check.get("post_title", required=True)
        source = check.get("funding_source", lookups.source, required=True)
        year = check.get("financial_year", parse_financial_year, required=True)
        fte_share = check.get("fte_share", parse_fte, required=True)
        year_in_award(check, reference, year)
        if reference is not None and post_title is not None:
            post_key = (reference, post_title)
            in_db = existing_posts.get(post_key, [])
            if post_key not in seen_posts and len(in_db) != 1:
                check.fail(
                    "post_title",
                    f"There is no post {post_title!r} under award {reference!r} "
                    "in the posts sheet or in Waymark.",
                )
            elif post_key not in post_fte and in_db:
                post_fte[post_key] = in_db[0].fte
        if reference is not None and post_title is not None and source is not None and year is not None:
            share_key = (reference, post_title, source.pk, year)
            if share_key in seen_shares:
                check.fail(
                    "funding_source",
                    f"{source.name} in {year} for the post {post_title!r} "
                    f"is already on line {seen_shares[share_key]}.",
                )
            else:
                seen_shares[share_key] = row.line
        if check.ok and reference is not None:
            share_totals[(reference, post_title, year)] += fte_share
            share_lines[(reference, post_title, year)].append(row.line)
            plan.shares.append(
                ShareRow(
                    row.line, reference, post_title, source, year, fte_share, existing_shares.get(share_key)
                )
            )
    # Shares already in Waymark that the file leaves alone still count towards the post's FTE.
    for (reference, title, source_id, year), share in existing_shares.items():
        if (reference, title, year) in share_totals and (
            reference,
            title,
            source_id,
            year,
        ) not in seen_shares:
            share_totals[(reference, title, year)] += share.fte_share
    for (reference, title, year), total in share_totals.items():
        fte = post_fte.get((reference, title))
        if fte is not None and total > fte:
            errors.append(
                SheetRowError(
                    share_lines[(reference, title, year)][-1],
                    "fte_share",
                    f"The shares of the post {title!r} in {year} add up to {total} FTE, "
                    f"more than the post's {fte} FTE.",
                    sheet="post_shares",
                )
            )
    return plan


# Keeping the checked file for its commit -------------------------------------------------------


def upload_directory() -> Path:
    """Where checked files wait for their commit: under VAR_DIR, never a served directory."""
    return Path(settings.VAR_DIR) / "uploads" / "funding-transfer"


def _upload_path(upload_id: str) -> Path:
    return upload_directory() / uuid.UUID(hex=upload_id).hex


def _expired_uploads_delete(directory: Path) -> None:
    """Delete checked files nobody committed whose tokens have expired."""
    cutoff = time.time() - TOKEN_MAX_AGE_SECONDS
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def transfer_store(*, by: Any, file_name: str, data: bytes) -> str:
    """Keep a checked file (owner-only permissions) and return a signed token for its commit:
    it names the file, its SHA-256 and the person, and expires after an hour."""
    ensure_can(by, IMPORT_PERMISSION)
    directory = upload_directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _expired_uploads_delete(directory)
    upload_id = uuid.uuid4().hex
    descriptor = os.open(_upload_path(upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    payload = {
        "upload": upload_id,
        "user": str(by.public_id),
        "name": file_name,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return signing.dumps(payload, salt=_TOKEN_SALT)


def _token_load(token: str) -> dict[str, str]:
    try:
        payload: dict[str, str] = signing.loads(token, salt=_TOKEN_SALT, max_age=TOKEN_MAX_AGE_SECONDS)
    except signing.SignatureExpired as expired:
        raise ValidationError("The checked file has expired (after an hour): upload it again.") from expired
    except signing.BadSignature as bad:
        raise ValidationError("This is not a checked file Waymark knows: upload it again.") from bad
    return payload


def transfer_stored_file_name(*, token: str) -> str:
    """The name of the file a token stands for (for a page; no permission is given by it)."""
    return _token_load(token)["name"]


def transfer_commit(*, by: Any, token: str) -> Plan:
    """Import a checked file in one transaction: all of it, or nothing.

    The token must be this person's and unexpired, the stored file unchanged; the file is
    checked again against Waymark as it is now, and any problem refuses it whole
    (`ImportRefusedError`). Returns the plan that was written.
    """
    ensure_can(by, IMPORT_PERMISSION)
    payload = _token_load(token)
    if payload["user"] != str(by.public_id):
        raise PermissionDenied("This file was checked by someone else.")
    path = _upload_path(payload["upload"])
    if not path.is_file():
        raise ValidationError("The checked file has already been imported or has expired: upload it again.")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != payload["sha256"]:
        raise ValidationError("The stored file has changed since it was checked: upload it again.")
    plan = transfer_check(by=by, file_name=payload["name"], data=data)
    if plan.errors:
        raise ImportRefusedError(plan.errors, file_name=payload["name"])
    with transaction.atomic():
        _write(plan, by=by)
    path.unlink(missing_ok=True)
    return plan


def _write(plan: Plan, *, by: Any) -> None:
    awards: dict[str, Award] = {}
    for row in plan.awards:
        award = row.existing or Award(reference=row.reference)
        award.title = row.title
        award.organisation = row.organisation
        award.start_on, award.end_on = row.start_on, row.end_on
        award.status = row.status
        award.stated_total = row.stated_total
        award.decision_reference = row.decision_reference
        if row.awarded_on_given:
            award.awarded_on = row.awarded_on
        award.description = row.description
        award.full_clean(validate_unique=False, validate_constraints=False)
        award.save()
        awards[row.reference] = award
    named: list[LineRow | PostRow | ShareRow] = [*plan.lines, *plan.posts, *plan.shares]
    needed = {item.award_reference for item in named} - set(awards)
    awards.update({a.reference: a for a in Award.objects.filter(reference__in=needed)})
    for line in plan.lines:
        AwardFunding.objects.update_or_create(
            award=awards[line.award_reference],
            funding_source=line.source,
            financial_year=line.financial_year,
            defaults={"amount": line.amount, "status": line.status},
        )
    posts: dict[tuple[str, str], FundedPost] = {}
    for post_row in plan.posts:
        award = awards[post_row.award_reference]
        post = post_row.existing or FundedPost(award=award, title=post_row.title)
        post.role = post_row.role
        post.organisation = post_row.organisation or award.organisation
        post.supports = post_row.supports
        post.area_label = post_row.area_label
        post.fte = post_row.fte
        post.status = post_row.status
        post.annual_cost = post_row.annual_cost
        post.notes = post_row.notes
        post.save()
        post.specialisms.set(post_row.specialisms)
        post.local_authorities.set(post_row.local_authorities)
        posts[(post_row.award_reference, post_row.title)] = post
    for share in plan.shares:
        post = posts.get((share.award_reference, share.post_title)) or FundedPost.objects.get(
            award=awards[share.award_reference], title=share.post_title
        )
        PostFundingShare.objects.update_or_create(
            post=post,
            funding_source=share.source,
            financial_year=share.financial_year,
            defaults={"fte_share": share.fte_share},
        )
    written: list[Any] = [*awards.values(), *posts.values()]
    access_log_record_many(
        actor=by, action=AccessLog.Action.CHANGE, objects=written, detail=f"Imported from {plan.file_name}"
    )


# Writing a workbook in the import layout (samples, exports) ----------------------------------


def _typed(text: str) -> object:
    """A CSV cell as a spreadsheet program would store it: dates as dates, plain numbers as
    numbers (Decimal, so no penny is lost), anything else as text."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return Decimal(text)
    return text


def csv_rows(path: Path) -> Iterator[list[str]]:
    """The rows of a CSV file (UTF-8, with or without a byte order mark)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        yield from csv.reader(handle)


def samples_workbook_write(directory: Path | None = None) -> Path:
    """Write docs/formats/samples/funding-awards-posts.xlsx from the CSV samples beside it
    (`manage.py shell -c "from waymark.funding.transfer import samples_workbook_write as w; w()"`)."""
    directory = directory or Path(settings.BASE_DIR) / "docs" / "formats" / "samples"
    tables: dict[str, tuple[list[str], Iterable[Iterable[object]]]] = {}
    for sheet in SHEETS:
        rows = list(csv_rows(directory / f"funding-{sheet.replace('_', '-')}.csv"))
        tables[sheet] = (rows[0], [[_typed(value) for value in row] for row in rows[1:]])
    target = directory / "funding-awards-posts.xlsx"
    target.write_bytes(workbook_bytes(tables))
    return target
