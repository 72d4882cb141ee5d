"""Agencies' aggregate returns, from CSV (docs/formats/aggregate-returns.md): one file per agency
per financial quarter, a numerator and denominator per metric and breakdown.

For the agencies that send no case-level data (CPS, witness care, courts, probation). A return
is small (a few hundred lines), so it is read with the extract's streaming reader and checked in
memory. A file with any problem is refused with every problem (line, column, message) and
nothing is written. A file for an agency and quarter that already has a return replaces that
return's lines, in one transaction; the same file twice (its SHA-256, for the same force area)
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from waymark.accounts.models import User
from waymark.core.imports import ProgressCallback, file_sha256
from waymark.core.models import LocalAuthority, PoliceForceArea
from waymark.core.periods import FinancialQuarter

# The extract's reader, problem list and value checks are shared (see `duties`).
from waymark.crime.force_extract import (
    VICTIM_AGE_BANDS,
    VICTIM_DISABILITY,
    VICTIM_SEXES,
    _no_progress,
    _Problems,
    _Reader,
    _Values,
)

from .duties import check_header
from .models import (
    AgencyType,
    AggregateReturn,
    AggregateReturnLine,
    CodeVersion,
    DataSource,
    MetricDefinition,
)

AGGREGATE_COLUMNS: tuple[str, ...] = (
    "agency_type",
    "agency_name",
    "quarter",
    "metric",
    "dimension",
    "value",
    "numerator",
    "denominator",
    "not_applicable",
)
# The breakdowns a line may be for; "all" (with an empty value) is the total.
DIMENSIONS: tuple[str, ...] = (
    "all",
    "enhanced",
    "crime_group",
    "local_authority",
    "age_band",
    "sex",
    "ethnicity",
    "disability",
)
# The values a dimension allows, where it has a fixed list (as the force extract spells them).
DIMENSION_VALUES: dict[str, tuple[str, ...]] = {
    "enhanced": ("Y", "N"),
    "age_band": VICTIM_AGE_BANDS,
    "sex": VICTIM_SEXES,
    "disability": VICTIM_DISABILITY,
}
# An agency's return is about its own work: "all" is a metric's owner, never a return's sender.
AGENCY_TYPES: tuple[str, ...] = tuple(value for value in AgencyType.values if value != AgencyType.ALL)
# Where each agency's figures come from.
DATA_SOURCES: dict[str, str] = {
    AgencyType.POLICE: DataSource.FORCE_RECORDS,
    AgencyType.CPS: DataSource.CPS,
    AgencyType.WITNESS_CARE: DataSource.WITNESS_CARE,
    AgencyType.HMCTS: DataSource.HMCTS,
    AgencyType.PROBATION_VCS: DataSource.PROBATION_VCS,
    AgencyType.COMMISSIONED_SERVICE: DataSource.PROVIDER_CMS,
}
# A return has at most this many lines: more is not a quarter's return of one agency.
MAX_LINES = 20_000
# PositiveIntegerField's upper bound on both databases.
MAX_COUNT = 2_147_483_647

_NAME_LENGTH = AggregateReturn._meta.get_field("agency_name").max_length or 200
_VALUE_LENGTH = AggregateReturnLine._meta.get_field("value").max_length or 60


@dataclass(frozen=True)
class AggregateImportResult:
    """What one return file did: the return it wrote (or had written before), its lines, and
    whether it replaced an earlier file's lines for the same agency and quarter."""

    file_name: str
    return_id: int
    agency_name: str
    quarter: str
    lines: int
    replaced_lines: int
    replaced: bool
    already_imported: bool = False

    def summary(self) -> str:
        """One line for a terminal, a job's page or an API answer."""
        if self.already_imported:
            return (
                f"{self.file_name} was imported before ({self.agency_name}, {self.quarter}, "
                f"{self.lines:,} lines): nothing changed."
            )
        text = f"{self.file_name}: {self.agency_name}, {self.quarter}: {self.lines:,} lines"
        if self.replaced:
            text += f", replacing the {self.replaced_lines:,} lines of the return sent before"
        return text + "."


@dataclass(frozen=True)
class _Line:
    line: int
    metric: MetricDefinition
    dimension: str
    value: str
    numerator: int
    denominator: int
    not_applicable: int


class _ReturnRows:
    """Checks the rows of a return, noting every problem, and keeps the good lines."""

    def __init__(self, columns: dict[str, int], problems: _Problems) -> None:
        self.positions = tuple(columns[name] for name in AGGREGATE_COLUMNS)
        self.width = len(columns)
        self.values = _Values(problems)
        self.problems = problems
        metrics = MetricDefinition.objects.filter(code_version__status=CodeVersion.Status.IN_FORCE)
        self.metrics = {metric.code: metric for metric in metrics}
        self.local_authorities = set(LocalAuthority.objects.values_list("code", flat=True))
        self.header: tuple[str, str, str] | None = None  # agency type, name and quarter of line 2
        self.quarter: FinancialQuarter | None = None
        self.lines: list[_Line] = []
        self.seen: dict[tuple[str, str, str], int] = {}

    def add(self, line: int, row: list[str]) -> None:
        v = self.values
        v.start(line)
        if len(row) != self.width:
            v.bad(
                "",
                f"This row has {len(row)} values but the header names {self.width} columns: "
                + ("is the file cut short?" if len(row) < self.width else "is a comma missing its quotes?"),
            )
            return
        agency_type, agency_name, quarter_text, code, dimension, value, *counts = [
            row[position].strip() for position in self.positions
        ]
        self._agency_and_quarter(agency_type, agency_name, quarter_text)
        metric = self.metrics.get(code)
        if metric is None:
            shown = f"'{code}' is" if code else "An empty value is"
            v.bad("metric", f"{shown} not a metric of the Code in force: write its code, e.g. M14.")
        elif not metric.active:
            v.bad("metric", f"Metric {code} is not active: it is no longer reported.")
        elif agency_type in AGENCY_TYPES and metric.agency_type not in (agency_type, AgencyType.ALL):
            v.bad(
                "metric",
                f"Metric {code} is reported by the {metric.get_agency_type_display()}, not by the "
                f"{AgencyType(agency_type).label}.",
            )
        self._dimension(dimension, value)
        numerator = self._count("numerator", counts[0], required=True)
        denominator = self._count("denominator", counts[1], required=True)
        not_applicable = self._count("not_applicable", counts[2], required=False)
        if numerator is not None and denominator is not None and numerator > denominator:
            v.bad(
                "numerator",
                f"The numerator ({numerator:,}) must not be more than the denominator ({denominator:,}).",
            )
        key = (code, dimension, value)
        first = self.seen.get(key)
        if first is not None:
            shown = f"{dimension} = {value}" if value else dimension
            v.bad("metric", f"Metric {code} for {shown} is also on line {first}: give each figure once.")
        else:
            self.seen[key] = line
        if v.ok and metric is not None and numerator is not None and denominator is not None:
            self.lines.append(
                _Line(line, metric, dimension, value, numerator, denominator, not_applicable or 0)
            )

    def _agency_and_quarter(self, agency_type: str, agency_name: str, quarter_text: str) -> None:
        v = self.values
        if self.header is None:
            self.header = (agency_type, agency_name, quarter_text)
            v.choice("agency_type", agency_type, AGENCY_TYPES, what="an agency type")
            if not agency_name:
                v.bad("agency_name", "The agency_name column must not be empty.")
            elif len(agency_name) > _NAME_LENGTH:
                v.bad("agency_name", f"'{agency_name[:20]}…' is longer than {_NAME_LENGTH} characters.")
            try:
                self.quarter = FinancialQuarter.parse(quarter_text)
            except (TypeError, ValueError):
                v.bad(
                    "quarter",
                    f"'{quarter_text}' is not a financial quarter: write e.g. 2025/26 Q1 "
                    "(Q1 is April to June).",
                )
            return
        # A return is one agency's quarter: every line says the same as the first.
        for column, given, first in zip(
            ("agency_type", "agency_name", "quarter"),
            (agency_type, agency_name, quarter_text),
            self.header,
            strict=True,
        ):
            if given != first:
                v.bad(
                    column,
                    f"'{given}' differs from line 2's '{first}': a file is one agency's return for "
                    "one quarter.",
                )

    def _dimension(self, dimension: str, value: str) -> None:
        v = self.values
        if dimension not in DIMENSIONS:
            v.choice("dimension", dimension, DIMENSIONS, what="a dimension")
            return
        if dimension == "all":
            if value:
                v.bad("value", "Leave value empty on a line for the dimension all (the total).")
            return
        if not value:
            v.bad("value", f"Give the {dimension} this line is for.")
            return
        allowed = DIMENSION_VALUES.get(dimension)
        if allowed is not None:
            v.choice("value", value, allowed, what=f"a value of {dimension}")
        elif dimension == "local_authority" and value not in self.local_authorities:
            v.bad("value", f"'{value}' is not a local authority code Waymark knows.")
        elif len(value) > _VALUE_LENGTH:
            v.bad("value", f"'{value[:20]}…' is longer than {_VALUE_LENGTH} characters.")

    def _count(self, column: str, text: str, *, required: bool) -> int | None:
        if not text:
            if required:
                self.values.bad(column, f"The {column} column must not be empty: write a whole number.")
            return None
        if not text.isascii() or not text.isdigit() or int(text) > MAX_COUNT:
            self.values.bad(column, f"'{text}' is not a count: write a whole number, 0 or more.")
            return None
        return int(text)


def aggregate_return_import(
    path: Path | str,
    *,
    police_force_area: PoliceForceArea,
    by: User | None = None,
    progress: ProgressCallback | None = None,
    file_name: str | None = None,
) -> AggregateImportResult:
    """Load one agency's aggregate return for one quarter, all or nothing.

    A return already held for the same agency (type and name) and quarter has its lines replaced
    by the file's and goes back to *submitted*. Raises `ImportRefusedError` (an
    `ExtractRefusedError`) with every problem if anything is wrong; nothing is written then.
    """
    path = Path(path)
    name = (file_name or path.name)[:255]
    sha256 = file_sha256(path)
    earlier = AggregateReturn.objects.filter(police_force_area=police_force_area, sha256=sha256).first()
    if earlier is not None:
        return AggregateImportResult(
            file_name=name,
            return_id=earlier.pk,
            agency_name=earlier.agency_name,
            quarter=FinancialQuarter.from_date(earlier.period_start).label,
            lines=earlier.lines.count(),
            replaced_lines=0,
            replaced=False,
            already_imported=True,
        )
    report: ProgressCallback = progress or _no_progress
    problems = _Problems()
    reader = _Reader(path, problems)
    try:
        report(done=0, total=reader.size, message="Checking rows")
        columns = check_header(reader, AGGREGATE_COLUMNS, format_doc="docs/formats/aggregate-returns.md")
        if columns is None:
            raise problems.refusal(name)
        rows = _ReturnRows(columns, problems)
        for count, (line, row) in enumerate(reader.rows(), start=1):
            if count > MAX_LINES:
                problems.add(
                    line, "", f"A return has at most {MAX_LINES:,} lines: is this one agency's quarter?"
                )
                break
            rows.add(line, row)
        if rows.header is None and not problems:
            problems.add(2, "", "The file has no lines: give at least one figure.")
        if problems:
            raise problems.refusal(name)
    finally:
        reader.close()
    # No problems, so the first line's agency and quarter were read.
    assert rows.header is not None
    assert rows.quarter is not None
    agency_type, agency_name, _ = rows.header
    report(done=reader.size, total=reader.size, message="Loading")
    return _write(rows, agency_type, agency_name, rows.quarter, police_force_area, by, sha256, name)


@transaction.atomic
def _write(
    rows: _ReturnRows,
    agency_type: str,
    agency_name: str,
    quarter: FinancialQuarter,
    area: PoliceForceArea,
    by: User | None,
    sha256: str,
    name: str,
) -> AggregateImportResult:
    """Create the return, or replace the lines of the one held for the agency and quarter."""
    values: dict[str, Any] = {
        "period_end": quarter.end,
        "data_source": DATA_SOURCES.get(agency_type, DataSource.MANUAL),
        "status": AggregateReturn.Status.SUBMITTED,
        "submitted_by": by,
        "sha256": sha256,
    }
    held, created = AggregateReturn.objects.select_for_update().get_or_create(
        police_force_area=area,
        agency_type=agency_type,
        agency_name=agency_name,
        period_start=quarter.start,
        defaults=values,
    )
    replaced_lines = 0
    if not created:
        replaced_lines, _ = held.lines.all().delete()
        for field, value in values.items():
            setattr(held, field, value)
        held.save()
    AggregateReturnLine.objects.bulk_create(
        AggregateReturnLine(
            aggregate_return=held,
            metric=line.metric,
            dimension=line.dimension,
            value=line.value,
            numerator=line.numerator,
            denominator=line.denominator,
            not_applicable=line.not_applicable,
        )
        for line in rows.lines
    )
    return AggregateImportResult(
        file_name=name,
        return_id=held.pk,
        agency_name=agency_name,
        quarter=quarter.label,
        lines=len(rows.lines),
        replaced_lines=replaced_lines,
        replaced=not created,
    )


def quarter_label(day: date) -> str:
    """The financial quarter's label of a return's first day, e.g. '2025/26 Q1'."""
    return FinancialQuarter.from_date(day).label
