# ruff: noqa: S608 -- the SQL here names only our own tables and columns; file values are parameters
"""The force's extract: crimes and case-progression events, from CSV (docs/formats/force-extract.md).

Each file is read once, streaming (the csv module over a text stream, never a list of every
row), and every row is checked as it is read. The rows go, in chunks, into temporary staging
tables (`waymark.core.staging`: `COPY` on PostgreSQL), and set-based SQL then finds what the
row-by-row checks cannot (a crime reference twice in the file, events of crimes Waymark does not
have). A file with any problem is refused with every problem (line, column, message) and
nothing is written. Only then, in one transaction, does set-based SQL move the rows on,
classifying the crimes it creates or changes (and no others), and record the file. (Checking
happens outside that transaction, writing nothing but the temporary tables, so that a
background job's progress is seen while it runs.)

Later files update earlier ones: a crime is matched on its force area and crime reference; a
crime whose content is unchanged is not rewritten; its victims and suspects are replaced when
it changed; each outcome (1 to 22) it is reported with is kept as `CrimeOutcomeChange` history,
once. A crime last written from a newer extract than this file keeps its newer content. The
same file twice (same bytes, same area and kind) is recognised by its SHA-256 and changes
nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import h3
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Max

from waymark.accounts.models import User
from waymark.core.date_input import EARLIEST
from waymark.core.imports import (
    ImportRefusedError,
    ProgressCallback,
    RowError,
    file_sha256,
    first_value_not_text,
    refuse_future_extraction,
    statistics_refresh,
)
from waymark.core.models import LocalAuthority, PoliceForceArea
from waymark.core.staging import StagingTable, staging_table

from .models import (
    Crime,
    CrimeOutcomeChange,
    CrimeSuspect,
    CrimeVawgBasis,
    CrimeVictim,
    ForceExtractImport,
    OffenceCode,
    OutcomeType,
    ProgressionEvent,
)
from .synthetic import REFERENCE_PREFIX as SYNTHETIC_PREFIX

CRIME_COLUMNS: tuple[str, ...] = (
    "crime_reference",
    "reported_date",
    "recorded_date",
    "offence_code",
    "record_status",
    "domestic_abuse_flag",
    "honour_based_abuse_flag",
    "sexual_exploitation_flag",
    "child_sexual_abuse_flag",
    "online_flag",
    "hate_strands",
    "lsoa_code",
    "latitude",
    "longitude",
    "local_authority_code",
    "victim_ids",
    "victim_sex",
    "victim_age_band",
    "victim_ethnicity",
    "victim_disability",
    "victim_enhanced_rights",
    "suspect_ids",
    "outcome_type",
    "outcome_date",
)
EVENT_COLUMNS: tuple[str, ...] = ("crime_reference", "event", "event_date", "suspect_id", "detail")

# The file's flag columns and the `Crime` fields they fill.
FLAG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("domestic_abuse_flag", "domestic_abuse"),
    ("honour_based_abuse_flag", "honour_based_abuse"),
    ("sexual_exploitation_flag", "sexual_exploitation"),
    ("child_sexual_abuse_flag", "child_sexual_abuse"),
    ("online_flag", "online"),
)
RECORD_STATUSES: tuple[str, ...] = tuple(Crime.RecordStatus.values)
EVENT_KINDS: tuple[str, ...] = tuple(ProgressionEvent.Kind.values)
HATE_STRANDS: tuple[str, ...] = ("race", "religion", "disability", "sexual_orientation", "transgender")
VICTIM_SEXES: tuple[str, ...] = ("F", "M", "X")
VICTIM_AGE_BANDS: tuple[str, ...] = (
    "0-15",
    "16-17",
    "18-24",
    "25-34",
    "35-44",
    "45-54",
    "55-64",
    "65+",
    "unknown",
)
VICTIM_DISABILITY: tuple[str, ...] = ("Y", "N", "unknown")
ENHANCED_RIGHTS: tuple[str, ...] = (
    "most_serious_crime",
    "vulnerable",
    "intimidated",
    "persistently_targeted",
)
# The victim columns are parallel lists: entry i of each describes victim i of `victim_ids`.
VICTIM_LIST_COLUMNS: tuple[str, ...] = (
    "victim_sex",
    "victim_age_band",
    "victim_ethnicity",
    "victim_disability",
    "victim_enhanced_rights",
)
# The `detail` of these events must be one of these values (ProgressionEvent.detail's help text).
EVENT_DETAILS: dict[str, tuple[str, ...]] = {
    ProgressionEvent.Kind.CPS_DECISION: ("charge", "nfa_evidential", "nfa_public_interest", "action_plan"),
    ProgressionEvent.Kind.VERDICT: ("convicted_plea", "convicted_trial", "acquitted", "discontinued"),
}

# Problems listed before the rest are only counted: a file with a million bad rows needs its
# first screenful fixed, not a million-line report held in memory.
MAX_ERRORS = 1_000
# From this many dates after the extraction date given with a file, the refusal leads with them:
# one wrong extraction date otherwise reads as thousands of problems, one per date.
DATES_AFTER_EXTRACTION_HEADLINE = 10
# Rows staged per chunk: bounds memory whatever the file's size.
CHUNK_ROWS = 10_000
# How often (in rows) the progress callback is told how far the file has been read.
PROGRESS_EVERY = 2_000
# How much of the progress bar writing takes, as a multiple of reading and checking: writing a
# crimes file (one transaction, its commit included) takes about twice as long as reading and
# checking it, an events file about as long (docs/benchmarks.md, "Force-extract import").
WRITE_SHARE: dict[str, int] = {ForceExtractImport.Kind.CRIMES: 2, ForceExtractImport.Kind.EVENTS: 1}
# Where in the writing the commit starts: the database then checks every row's references.
COMMIT_SHARE = 0.6
# The tables each kind of file writes, measured again once it is imported (`statistics_refresh`).
WRITTEN: dict[str, tuple[type[models.Model], ...]] = {
    ForceExtractImport.Kind.CRIMES: (Crime, CrimeVictim, CrimeSuspect, CrimeVawgBasis, CrimeOutcomeChange),
    ForceExtractImport.Kind.EVENTS: (ProgressionEvent,),
}

# ASCII digits only: `\d` also matches other scripts' digits, which Python's int() and float()
# read but no force's system writes, and `str.isdigit` is true of "²", which int() refuses.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE_NUMBER = re.compile(r"[0-9]+")
# float() also takes "1_0", "inf" and exponents: decimal degrees are written plainly.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_LSOA = re.compile(r"[EW]01[0-9]{6}")
_YES_NO = frozenset(("Y", "N"))
_MAX_LENGTHS = {
    "crime_reference": Crime._meta.get_field("crime_reference").max_length or 40,
    "victim_ids": CrimeVictim._meta.get_field("victim_ref").max_length or 64,
    "victim_ethnicity": CrimeVictim._meta.get_field("ethnicity").max_length or 60,
    "suspect_ids": CrimeSuspect._meta.get_field("suspect_ref").max_length or 64,
    "suspect_id": ProgressionEvent._meta.get_field("suspect_ref").max_length or 64,
    "detail": ProgressionEvent._meta.get_field("detail").max_length or 60,
}


@dataclass(frozen=True)
class ExtractImportResult:
    """What one file did: how many rows it had and what became of them.

    `created` rows were new to Waymark, `updated` rows changed a record, `unchanged` rows matched
    it exactly and were not rewritten, and `kept_newer` rows (crimes only) were skipped because a
    newer extract had already written the crime. `already_imported` is true when this very file
    had been imported before: nothing was done, and the counts are the first import's.
    """

    kind: str
    file_name: str
    extracted_on: date
    rows: int
    created: int
    updated: int
    unchanged: int
    kept_newer: int
    extract_id: int
    already_imported: bool = False
    # For a file imported before: the extraction date given this time, which is not used.
    date_given: date | None = None

    def summary(self) -> str:
        """One line for a terminal or a job's page."""
        what = "crime" if self.kind == ForceExtractImport.Kind.CRIMES else "event"
        if self.already_imported:
            text = (
                f"{self.file_name} was imported before (extract of {self.extracted_on:%Y-%m-%d}, "
                f"{self.rows:,} {what} rows): nothing changed."
            )
            if self.date_given is not None and self.date_given != self.extracted_on:
                text += (
                    f" The extraction date given now, {self.date_given:%Y-%m-%d}, was not used: the date"
                    " of the last file imported can be corrected on the Crime data imports page."
                )
            return text
        text = (
            f"{self.file_name}: {self.rows:,} {what} rows from the extract of {self.extracted_on:%Y-%m-%d}: "
            f"{self.created:,} new, {self.updated:,} changed, {self.unchanged:,} unchanged"
        )
        if self.kept_newer:
            text += f", {self.kept_newer:,} kept as a newer extract had them"
        return text + "."


class _Problems:
    """The problems found so far: the first `MAX_ERRORS` kept, the rest counted."""

    def __init__(self) -> None:
        self.listed: list[RowError] = []
        self.count = 0
        self.headline = ""
        # Dates after the extraction date given with the file: many of them point at that date.
        self.after_extraction = 0
        self.latest: date | None = None
        self.extracted_on: date | None = None

    def date_after_extraction(self, day: date, extracted_on: date) -> None:
        self.after_extraction += 1
        self.latest = day if self.latest is None else max(self.latest, day)
        self.extracted_on = extracted_on

    def add(self, line: int, column: str, message: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_ERRORS:
            self.listed.append(RowError(line, column, message))

    def __bool__(self) -> bool:
        return self.count > 0

    def refusal(
        self, file_name: str, found_in_sql: Sequence[RowError] = (), sql_count: int = 0
    ) -> ExtractRefusedError:
        """The refusal with every problem in line order, at most `MAX_ERRORS` of them listed."""
        extra = list(found_in_sql)
        if self.count > len(self.listed) and self.listed:
            # Problems after the last one listed here are not known: keep the order honest.
            last = self.listed[-1].line
            extra = [error for error in extra if error.line <= last]
        errors = sorted(self.listed + extra, key=lambda error: error.line)[:MAX_ERRORS]
        refusal = ExtractRefusedError(errors, file_name=file_name, total=self.count + sql_count)
        refusal.headline = self.headline
        if not refusal.headline and self.after_extraction >= DATES_AFTER_EXTRACTION_HEADLINE:
            refusal.headline = (
                f"{self.after_extraction:,} dates in the file are after the extraction date given with it "
                f"({self.extracted_on:%Y-%m-%d}), the latest {self.latest:%Y-%m-%d}: check the "
                "extraction date first."
            )
        return refusal


class ExtractRefusedError(ImportRefusedError):
    """A refused file of the extract. `errors` holds the first problems (at most `MAX_ERRORS`,
    then a line counting the rest); `total` counts them all, and `unlisted` those not listed."""

    def __init__(self, errors: Sequence[RowError], *, file_name: str, total: int) -> None:
        super().__init__(errors, file_name=file_name, total=total)


# --- reading ----------------------------------------------------------------------------------------


class _Reader:
    """Reads a CSV file as (line, row) pairs, streaming, noting the bytes read for progress.

    `line` is the file line the row starts on (the header is line 1). Bytes that are not UTF-8,
    and zero bytes, are noted against their line and column, and the row is left out. A row the csv module
    cannot read ends the reading with a problem noted: nothing after it can be trusted.
    """

    def __init__(self, path: Path, problems: _Problems) -> None:
        self.path = path
        self.problems = problems
        self.size = path.stat().st_size
        self.header: list[str] = []
        self._raw = open(path, "rb")  # noqa: SIM115 (closed by close())
        # surrogateescape: a byte that is not UTF-8 becomes a marker the row check finds, so
        # the problem is reported where it is, and the rest of the file is still checked.
        self._text = io.TextIOWrapper(self._raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        # strict: an unterminated quote at the end (a cut-off file) is an error, not a value.
        self._csv = csv.reader(self._text, strict=True)

    def read_header(self) -> list[str] | None:
        """The header's names, or None (with the problem noted) if there is none."""
        try:
            header = next(self._csv, None)
        except csv.Error as error:
            self._unreadable(1, error)
            return None
        if not header or not any(name.strip() for name in header):
            self.problems.add(1, "", "The file is empty: its first line must name the columns.")
            return None
        if (not_text := first_value_not_text(header)) is not None:
            self.problems.add(1, "", not_text[1])
            return None
        self.header = header
        return header

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line, values) for each data row; blank lines and rows that are not UTF-8 are skipped."""
        last_line = self._csv.line_num
        while True:
            try:
                row = next(self._csv)
            except StopIteration:
                return
            except csv.Error as error:
                self._unreadable(last_line + 1, error)
                return
            line = last_line + 1
            last_line = self._csv.line_num
            if not row:
                continue
            if (not_text := first_value_not_text(row)) is not None:
                index, message = not_text
                self.problems.add(
                    line, self.header[index].strip() if index < len(self.header) else "", message
                )
                continue
            yield line, row

    @property
    def bytes_read(self) -> int:
        """How far into the file reading has got (to the nearest buffer)."""
        return min(self._raw.tell(), self.size)

    def close(self) -> None:
        self._text.close()

    def _unreadable(self, line: int, error: Exception) -> None:
        self.problems.add(
            line,
            "",
            f"This line cannot be read as CSV ({error}): is the file cut short or its quoting broken?",
        )


def _is_other_kind(header: list[str], expected: Sequence[str], other: Sequence[str]) -> bool:
    """The header is the other kind of file's: crimes for events, or events for crimes."""
    names = {name.strip() for name in header}
    return set(other) <= names and not set(expected) <= names


def _header_problems(
    header: list[str], expected: Sequence[str], other: Sequence[str], other_kind: str
) -> list[tuple[str, str]]:
    """(column, message) for each thing wrong with a header: the wrong kind of file, columns
    named twice, missing and unknown columns."""
    problems: list[tuple[str, str]] = []
    names = [name.strip() for name in header]
    if _is_other_kind(header, expected, other):
        problems.append(("", f"This is {other_kind} (its header has the columns {', '.join(other)})."))
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append((name, f"The column {name} appears more than once."))
        seen.add(name)
    problems += [(name, f"The column {name} is missing.") for name in expected if name not in seen]
    problems += [
        (
            name,
            f"Unknown column {name or '(no name)'}: the columns are listed in docs/formats/force-extract.md.",
        )
        for name in names
        if name not in expected
    ]
    return problems


def _check_header(
    reader: _Reader, expected: Sequence[str], other: Sequence[str], other_kind: str
) -> dict[str, int] | None:
    """The position of each expected column, or None with every header problem noted."""
    header = reader.read_header()
    if header is None:
        return None
    problems = _header_problems(header, expected, other, other_kind)
    for column, message in problems:
        reader.problems.add(1, column, message)
    if _is_other_kind(header, expected, other):
        # The wrong kind of file: every other problem follows from it, so it leads the job's words.
        reader.problems.headline = f"This is {other_kind}."
    if problems:
        return None
    return {name.strip(): index for index, name in enumerate(header)}


_Date = date  # for `_Values`, whose method `date` hides the type's name inside the class


class _Values:
    """Parses the values of one row, noting each problem against its line and column."""

    def __init__(self, problems: _Problems, *, extracted_on: date | None = None) -> None:
        self.problems = problems
        self.line = 0
        # Dates repeat across rows (a few thousand distinct days); a bounded cache saves parsing.
        self._dates: dict[str, date] = {}
        self.ok = True
        # A file cannot hold what happened after it was extracted: a later date is a mistake in
        # the date or in the extraction date given with the file.
        self.extracted_on = extracted_on

    def start(self, line: int) -> None:
        self.line = line
        self.ok = True

    def bad(self, column: str, message: str) -> None:
        self.ok = False
        self.problems.add(self.line, column, message)

    def text(self, column: str, value: str, *, required: bool = False) -> str:
        if required and not value:
            self.bad(column, f"The {column} column must not be empty.")
        limit = _MAX_LENGTHS.get(column)
        if limit and len(value) > limit:
            self.bad(column, f"'{value[:20]}…' is longer than {limit} characters.")
        return value

    def date(self, column: str, value: str, *, required: bool = True) -> date | None:
        if not value:
            if required:
                self.bad(column, f"The {column} column must not be empty: write a date as YYYY-MM-DD.")
            return None
        cached = self._dates.get(value)
        if cached is not None:
            return self._not_after_extraction(column, cached)
        parsed: date | None = None
        if _ISO_DATE.fullmatch(value):
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None:
            self.bad(column, f"'{value}' is not a date: write YYYY-MM-DD, e.g. 2024-05-31.")
            return None
        if parsed < EARLIEST:
            # A typo ("0024" for "2024"): the pages count financial years and a year earlier
            # back from these dates, and year 1's would be year 0.
            self.bad(column, f"'{value}' is before {EARLIEST.year}: check the year.")
            return None
        if len(self._dates) > 50_000:
            self._dates.clear()
        self._dates[value] = parsed
        return self._not_after_extraction(column, parsed)

    def _not_after_extraction(self, column: str, day: _Date) -> _Date | None:
        if self.extracted_on is not None and day > self.extracted_on:
            self.problems.date_after_extraction(day, self.extracted_on)
            self.bad(
                column,
                f"{day:%Y-%m-%d} is after the extraction date given with the file "
                f"({self.extracted_on:%Y-%m-%d}): an extract cannot hold what happened after it was "
                "taken. Check this date, or the extraction date.",
            )
            return None
        return day

    def not_before_report(self, column: str, day: _Date | None, reported: _Date | None, why: str) -> None:
        """A date of the crime's (recorded, outcome) cannot be before it was reported."""
        if day is not None and reported is not None and day < reported:
            self.bad(column, f"{day:%Y-%m-%d} is before the reported_date ({reported:%Y-%m-%d}): {why}")

    def flag(self, column: str, value: str) -> bool:
        if value == "Y":
            return True
        if value != "N":
            self.bad(column, f"Write Y or N, not '{value}'.")
        return False

    def choice(self, column: str, value: str, choices: Sequence[str], *, what: str) -> str:
        if value not in choices:
            shown = f"'{value}'" if value else "An empty value"
            self.bad(column, f"{shown} is not {what}: write one of {', '.join(choices)}.")
        return value

    def coordinate(self, column: str, value: str, low: float, high: float) -> float | None:
        if not value:
            return None
        number = float(value) if _DECIMAL.fullmatch(value) else float("nan")
        if not low <= number <= high:  # also false for NaN and infinities
            self.bad(column, f"'{value}' is not a {column}: write decimal degrees from {low:g} to {high:g}.")
            return None
        return number

    def ids(self, column: str, value: str) -> list[str]:
        """A ';'-separated list of pseudonymous ids: none empty, none twice."""
        if not value:
            return []
        ids = value.split(";")
        if "" in ids:
            self.bad(column, f"'{value}' has an empty id: separate ids with single ';'.")
        elif len(ids) > 1 and len(set(ids)) < len(ids):
            self.bad(column, f"'{value}' gives the same id twice.")
        limit = _MAX_LENGTHS[column]
        if max(map(len, ids)) > limit:
            self.bad(column, f"An id in '{value[:40]}' is longer than {limit} characters.")
        return ids


# --- crimes -----------------------------------------------------------------------------------------

# (name, type) of the crime staging table; `crime_id` and `status` are filled in SQL.
_STAGE_CRIME = (
    ("line", "int"),
    ("crime_reference", "text"),
    ("reported_on", "date"),
    ("recorded_on", "date"),
    ("offence_code", "text"),
    ("record_status", "text"),
    ("domestic_abuse", "bool"),
    ("honour_based_abuse", "bool"),
    ("sexual_exploitation", "bool"),
    ("child_sexual_abuse", "bool"),
    ("online", "bool"),
    ("hate_strands", "text"),
    ("lsoa_code", "text"),
    ("local_authority", "text"),
    ("latitude", "float"),
    ("longitude", "float"),
    ("h3_r7", "text"),
    ("h3_r8", "text"),
    ("outcome_type", "int"),
    ("outcome_on", "date"),
    ("crime_id", "int"),
    ("status", "text"),
)
# The staged columns that are `Crime` fields the file sets, named after them (the reference is the key).
_CRIME_FIELDS = tuple(
    name for name, _ in _STAGE_CRIME if name not in ("line", "crime_reference", "crime_id", "status")
)
_STAGE_VICTIM = (
    ("line", "int"),
    ("victim_ref", "text"),
    ("sex", "text"),
    ("age_band", "text"),
    ("ethnicity", "text"),
    ("disability", "text"),
    ("enhanced_rights", "text"),
)
_VICTIM_FIELDS = tuple(name for name, _ in _STAGE_VICTIM if name != "line")
_STAGE_SUSPECT = (("line", "int"), ("suspect_ref", "text"))


class _CrimeRows:
    """Turns rows of a crimes file into staging rows, noting every problem."""

    def __init__(self, columns: dict[str, int], problems: _Problems, extracted_on: date) -> None:
        # Each row's values are read by position, in `CRIME_COLUMNS` order, whatever the file's.
        self.positions = tuple(columns[name] for name in CRIME_COLUMNS)
        self.width = len(columns)
        self.values = _Values(problems, extracted_on=extracted_on)
        self.offence_codes = set(OffenceCode.objects.values_list("code", flat=True))
        self.outcome_types = set(OutcomeType.objects.values_list("number", flat=True))
        self.local_authorities = set(LocalAuthority.objects.values_list("code", flat=True))

    def parse(
        self, line: int, row: list[str]
    ) -> tuple[tuple[Any, ...] | None, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """(crime row, victim rows, suspect rows); the crime row is None if it cannot be staged.

        A row with a problem is still staged (its bad values empty) while its crime reference can
        be read, so that a reference given twice is found whatever else is wrong.
        """
        v = self.values
        v.start(line)
        if len(row) != self.width:
            v.bad(
                "",
                f"This row has {len(row)} values but the header names {self.width} columns: "
                + ("is the file cut short?" if len(row) < self.width else "is a comma missing its quotes?"),
            )
            return None, [], []
        (
            reference,
            reported_text,
            recorded_text,
            code,
            status,
            domestic_abuse,
            honour_based_abuse,
            sexual_exploitation,
            child_sexual_abuse,
            online,
            strands_text,
            lsoa,
            latitude_text,
            longitude_text,
            authority_text,
            victim_ids,
            victim_sex,
            victim_age_band,
            victim_ethnicity,
            victim_disability,
            victim_enhanced_rights,
            suspect_ids,
            outcome_text,
            outcome_date,
        ) = [row[position].strip() for position in self.positions]

        flag_texts = (domestic_abuse, honour_based_abuse, sexual_exploitation, child_sexual_abuse, online)
        victim_lists = (
            victim_sex,
            victim_age_band,
            victim_ethnicity,
            victim_disability,
            victim_enhanced_rights,
        )
        v.text("crime_reference", reference, required=True)
        reported = v.date("reported_date", reported_text)
        recorded = v.date("recorded_date", recorded_text)
        v.not_before_report(
            "recorded_date", recorded, reported, "a crime is recorded on or after the day it is reported."
        )
        offence_code: str | None = code
        if code not in self.offence_codes:
            shown = f"Offence code '{code}' is" if code else "An empty offence code is"
            v.bad(
                "offence_code", f"{shown} not a Home Office offence code Waymark knows (see Offence codes)."
            )
            offence_code = None
        status = status or Crime.RecordStatus.RECORDED
        if status not in RECORD_STATUSES:
            v.choice("record_status", status, RECORD_STATUSES, what="a record status")
        if _YES_NO.issuperset(flag_texts):
            flags = [text == "Y" for text in flag_texts]
        else:
            flags = [v.flag(column, text) for (column, _), text in zip(FLAG_COLUMNS, flag_texts, strict=True)]
        strands = self._hate_strands(strands_text) if strands_text else ""
        if lsoa and not _LSOA.fullmatch(lsoa):
            v.bad(
                "lsoa_code", f"'{lsoa}' is not an LSOA code: write E01 or W01 and six digits, e.g. E01000001."
            )
        latitude = v.coordinate("latitude", latitude_text, -90.0, 90.0) if latitude_text else None
        longitude = v.coordinate("longitude", longitude_text, -180.0, 180.0) if longitude_text else None
        h3_r7 = h3_r8 = ""
        if (latitude is None) != (longitude is None):
            if latitude_text and longitude_text:
                pass  # one of them was refused above
            else:
                missing = "longitude" if latitude is not None else "latitude"
                v.bad(missing, "Give latitude and longitude together, or neither.")
        elif latitude is not None and longitude is not None:
            # The coordinates were range-checked just above (`_Values.coordinate`, which also
            # refuses NaN and infinities), so h3 is called directly rather than through
            # `waymark.core.geography.h3_cell`, which would check them again.
            h3_r7 = h3.latlng_to_cell(latitude, longitude, 7)
            h3_r8 = h3.latlng_to_cell(latitude, longitude, 8)
        authority = authority_text or None
        if authority is not None and authority not in self.local_authorities:
            v.bad("local_authority_code", f"'{authority}' is not a local authority code Waymark knows.")
            authority = None
        # 1A (charged or summonsed with an alternate offence) is a kind of type 1, and the Home
        # Office counts it as type 1 (research/crime-data.md §2), so it is taken as 1.
        if outcome_text in ("1A", "1a"):
            outcome_text = "1"
        outcome: int | None = int(outcome_text) if _WHOLE_NUMBER.fullmatch(outcome_text) else None
        if outcome is None or not 0 <= outcome <= 22:
            v.bad(
                "outcome_type",
                f"'{outcome_text}' is not an outcome type: write a whole number from 0 to 22 (or 1A).",
            )
            outcome = None
        elif outcome not in self.outcome_types:
            v.bad("outcome_type", f"Outcome type {outcome} is not in Waymark's table of outcome types.")
            outcome = None
        outcome_on = v.date("outcome_date", outcome_date, required=False) if outcome_date else None
        if outcome == 0 and outcome_date:
            v.bad("outcome_date", "Leave outcome_date empty while the outcome type is 0 (not yet assigned).")
        elif outcome and not outcome_date:
            v.bad("outcome_date", f"Give the date of outcome {outcome} as YYYY-MM-DD.")
        else:
            v.not_before_report(
                "outcome_date", outcome_on, reported, "an outcome is given after the crime is reported."
            )
        victims = self._victims(victim_ids, victim_lists)
        suspects = v.ids("suspect_ids", suspect_ids) if suspect_ids else []

        if not reference or len(reference) > _MAX_LENGTHS["crime_reference"]:
            return None, [], []
        crime = (
            line,
            reference,
            reported,
            recorded,
            offence_code,
            status,
            *flags,
            strands,
            lsoa,
            authority,
            latitude,
            longitude,
            h3_r7,
            h3_r8,
            outcome,
            outcome_on,
            None,
            "new",
        )
        return crime, [(line, *victim) for victim in victims], [(line, suspect) for suspect in suspects]

    def _hate_strands(self, value: str) -> str:
        """The strands in the format's order, each once: the same flags always read the same."""
        if not value:
            return ""
        given = value.split(";")
        unknown = [strand for strand in given if strand not in HATE_STRANDS]
        if unknown:
            self.values.bad(
                "hate_strands",
                f"'{unknown[0]}' is not a hate crime strand: write any of {', '.join(HATE_STRANDS)}, "
                "separated by ';'.",
            )
            return ""
        return ";".join(strand for strand in HATE_STRANDS if strand in given)

    def _victims(self, ids_text: str, list_texts: Sequence[str]) -> list[tuple[str, ...]]:
        """The victims of `victim_ids` with their entries of the parallel lists (`list_texts`, in
        `VICTIM_LIST_COLUMNS` order), every problem noted."""
        v = self.values
        if ids_text and ";" not in ids_text and ";" not in "".join(list_texts):
            # One victim, the usual case: the same checks, without splitting any list.
            if len(ids_text) > _MAX_LENGTHS["victim_ids"]:
                v.ids("victim_ids", ids_text)
            sex, band, ethnicity, disability, category = list_texts
            if sex not in VICTIM_SEXES:
                v.choice("victim_sex", sex, VICTIM_SEXES, what="a victim's sex")
            if band not in VICTIM_AGE_BANDS:
                v.choice("victim_age_band", band, VICTIM_AGE_BANDS, what="an age band")
            if disability not in VICTIM_DISABILITY:
                v.choice("victim_disability", disability, VICTIM_DISABILITY, what="a disability answer")
            if category and category not in ENHANCED_RIGHTS:
                v.choice(
                    "victim_enhanced_rights", category, ENHANCED_RIGHTS, what="an enhanced-rights category"
                )
            if len(ethnicity) > _MAX_LENGTHS["victim_ethnicity"]:
                v.text("victim_ethnicity", ethnicity)
            return [(ids_text, sex, band, ethnicity, disability, category)]
        ids = v.ids("victim_ids", ids_text) if ids_text else []
        if not ids:
            for column, value in zip(VICTIM_LIST_COLUMNS, list_texts, strict=True):
                if value:
                    v.bad(column, f"{column} has values but victim_ids is empty: give the victims' ids.")
            return []
        lists: list[list[str]] = []
        for column, value in zip(VICTIM_LIST_COLUMNS, list_texts, strict=True):
            entries = value.split(";")
            if len(entries) > 1:  # the value itself was stripped as the row was read
                entries = [entry.strip() for entry in entries]
            if len(entries) != len(ids):
                v.bad(
                    column,
                    f"{column} has {len(entries)} entries but victim_ids has {len(ids)}: "
                    "give one per victim, in the same order, separated by ';'.",
                )
                return []
            lists.append(entries)
        sexes, bands, ethnicities, disabilities, rights = lists
        # The checks' messages are `_Values.choice`'s and `.text`'s; the common case, every
        # value good, does not call them.
        for sex in sexes:
            if sex not in VICTIM_SEXES:
                v.choice("victim_sex", sex, VICTIM_SEXES, what="a victim's sex")
        for band in bands:
            if band not in VICTIM_AGE_BANDS:
                v.choice("victim_age_band", band, VICTIM_AGE_BANDS, what="an age band")
        for disability in disabilities:
            if disability not in VICTIM_DISABILITY:
                v.choice("victim_disability", disability, VICTIM_DISABILITY, what="a disability answer")
        for category in rights:
            if category and category not in ENHANCED_RIGHTS:
                v.choice(
                    "victim_enhanced_rights", category, ENHANCED_RIGHTS, what="an enhanced-rights category"
                )
        ethnicity_limit = _MAX_LENGTHS["victim_ethnicity"]
        for ethnicity in ethnicities:
            if len(ethnicity) > ethnicity_limit:
                v.text("victim_ethnicity", ethnicity)
        return list(zip(ids, sexes, bands, ethnicities, disabilities, rights, strict=True))


def import_crimes(
    path: Path,
    *,
    police_force_area: PoliceForceArea,
    extracted_on: date,
    by: User | None = None,
    progress: ProgressCallback | None = None,
    file_name: str | None = None,
) -> ExtractImportResult:
    """Load a crimes file of the force's extract, all or nothing, classifying the crimes it creates
    or changes (the area's other crimes are not reclassified: `classify_crimes` does that).

    Raises `ImportRefusedError` with every problem if any row is bad; nothing is written then.
    `file_name` is the name recorded (the path's own name by default, e.g. for an upload saved
    under another name).
    """
    return _import(
        Path(path),
        kind=ForceExtractImport.Kind.CRIMES,
        police_force_area=police_force_area,
        extracted_on=extracted_on,
        by=by,
        progress=progress,
        file_name=file_name,
    )


def import_events(
    path: Path,
    *,
    police_force_area: PoliceForceArea,
    extracted_on: date,
    by: User | None = None,
    progress: ProgressCallback | None = None,
    file_name: str | None = None,
) -> ExtractImportResult:
    """Load a case-progression events file of the force's extract, all or nothing.

    Every event's crime must already be in Waymark for this force area. Raises
    `ImportRefusedError` with every problem if any row is bad; nothing is written then.
    """
    return _import(
        Path(path),
        kind=ForceExtractImport.Kind.EVENTS,
        police_force_area=police_force_area,
        extracted_on=extracted_on,
        by=by,
        progress=progress,
        file_name=file_name,
    )


# Told how far the writing has got: (share of the writing done, from 0 to 1, message).
_Step = Callable[[float, str], None]


class _Bar:
    """One progress bar for a whole import, in its own units: reading and checking the file fill
    the first part (by bytes read), writing it the rest (step by step, `WRITE_SHARE`)."""

    def __init__(self, report: ProgressCallback, size: int, write_share: int) -> None:
        self.report = report
        self.size = size
        self.total = size * (1 + write_share)

    def checking(self, *, done: int, total: int, message: str = "") -> None:
        """The readers' progress: `done` bytes of the file's `total` read."""
        self.report(done=min(done, self.size), total=self.total, message=message)

    def writing(self, share: float, message: str) -> None:
        """`share` of the writing (0 to 1) is done."""
        self.report(
            done=self.size + round((self.total - self.size) * share), total=self.total, message=message
        )


def _import(
    path: Path,
    *,
    kind: str,
    police_force_area: PoliceForceArea,
    extracted_on: date,
    by: User | None,
    progress: ProgressCallback | None,
    file_name: str | None,
) -> ExtractImportResult:
    name = (file_name or path.name)[:255]
    refuse_future_extraction(extracted_on, file_name=name)
    sha256 = file_sha256(path)
    same_file = ForceExtractImport.objects.filter(
        police_force_area=police_force_area, kind=kind, sha256=sha256
    )
    earlier = same_file.first()
    if earlier is not None:
        return _already_imported(earlier, name, extracted_on)
    bar = _Bar(progress or _no_progress, path.stat().st_size, WRITE_SHARE[kind])
    written: list[ForceExtractImport] = []

    def write(
        upsert: Callable[[_Step], dict[str, int]],
        rows: int,
        *,
        recheck: Callable[[], None],
        recorded: tuple[date, date] | None = None,
        synthetic: bool = False,
    ) -> dict[str, int]:
        """Run the checked file's writes (crimes are classified as they are written) and record
        the file: all or nothing. `recheck` runs once this import holds the area's lock: the
        checks against what other files wrote, which another import may have changed since."""
        # On PostgreSQL a job's page sees the steps reported inside the transaction as they
        # come (`job_progress_update` writes them on a connection of its own); on SQLite it
        # shows this until the commit.
        plural = "" if rows == 1 else "s"
        bar.writing(0.0, f"Checked. Writing {rows:,} row{plural} in one transaction (all or nothing)")
        with transaction.atomic():
            # On SQLite the transaction is begun IMMEDIATE (config/settings/base.py), so it holds
            # the write lock from here as PostgreSQL holds the area's: what it reads is current.
            take_turns(police_force_area)
            if (earlier := same_file.first()) is not None:
                # The same file, imported by another job while this one was checking it.
                raise _AlreadyImportedError(earlier)
            recheck()
            extract = ForceExtractImport.objects.create(
                police_force_area=police_force_area,
                kind=kind,
                file_name=name,
                sha256=sha256,
                extracted_on=extracted_on,
                imported_by=by,
                synthetic=synthetic,
                first_recorded_on=recorded[0] if recorded else None,
                last_recorded_on=recorded[1] if recorded else None,
            )
            counts = upsert(bar.writing)
            extract.rows = sum(counts.values())
            extract.created = counts.get("new", 0)
            extract.updated = counts.get("changed", 0)
            extract.save(update_fields=["rows", "created", "updated", "updated_at"])
            bar.writing(COMMIT_SHARE, "Saving: the database checks every row's references")
        statistics_refresh(*WRITTEN[kind])
        bar.writing(1.0, "Imported")
        written.append(extract)
        return counts

    loader = _load_crimes if kind == ForceExtractImport.Kind.CRIMES else _load_events
    try:
        counts = loader(path, name, police_force_area, extracted_on, bar.checking, write)
    except _AlreadyImportedError as already:
        return _already_imported(already.extract, name, extracted_on)
    return ExtractImportResult(
        kind=kind,
        file_name=name,
        extracted_on=extracted_on,
        rows=written[0].rows,
        created=counts.get("new", 0),
        updated=counts.get("changed", 0),
        unchanged=counts.get("unchanged", 0),
        kept_newer=counts.get("kept_newer", 0),
        extract_id=written[0].pk,
    )


# The first key of the PostgreSQL advisory lock an import of a force area's extract holds while
# it writes (the second is the area's id): any constant no other lock in Waymark uses.
IMPORT_LOCK = 0x5741_4D58


def take_turns(area: PoliceForceArea) -> None:
    """Wait for any other import of `area`'s extract to commit, and hold it off until this
    transaction ends. Each import decides what is new, changed, unchanged or newer against what
    the last one committed: two at once could both take a crime as new (and the second fail on
    its victims) or let an older extract overwrite a newer one. SQLite needs no lock: it lets
    one transaction write at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK, area.pk])


class _AlreadyImportedError(Exception):
    """The file was imported by another job while this one was checking it."""

    def __init__(self, extract: ForceExtractImport) -> None:
        super().__init__(extract.file_name)
        self.extract = extract


def _already_imported(earlier: ForceExtractImport, name: str, date_given: date) -> ExtractImportResult:
    """The result for a file imported before: nothing done, the first import's counts and date
    (and the date given this time, which may differ)."""
    return ExtractImportResult(
        kind=earlier.kind,
        file_name=name,
        extracted_on=earlier.extracted_on,
        rows=earlier.rows,
        created=0,
        updated=0,
        unchanged=earlier.rows,
        kept_newer=0,
        extract_id=earlier.pk,
        already_imported=True,
        date_given=date_given,
    )


def _no_progress(*, done: int, total: int, message: str = "") -> None:
    """Progress for nobody."""


def _stream_into(
    reader: _Reader,
    parse: Callable[
        [int, list[str]], tuple[tuple[Any, ...] | None, list[tuple[Any, ...]], list[tuple[Any, ...]]]
    ],
    tables: tuple[StagingTable, StagingTable | None, StagingTable | None],
    problems: _Problems,
    report: ProgressCallback,
) -> None:
    """Read every row, parse it, and stage the rows in chunks (constant memory)."""
    main, second, third = tables
    batches: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]] = ([], [], [])

    def flush() -> None:
        # One transaction per chunk: only temporary tables are written, and on SQLite a batch
        # outside a transaction would commit row by row.
        with transaction.atomic():
            main.load(batches[0])
            if second is not None and batches[1]:
                second.load(batches[1])
            if third is not None and batches[2]:
                third.load(batches[2])
        for batch in batches:
            batch.clear()

    count = 0
    for count, (line, row) in enumerate(reader.rows(), start=1):
        staged, seconds, thirds = parse(line, row)
        if staged is not None:
            batches[0].append(staged)
            # Once the file is refused its victims and suspects are not needed: skip them.
            if not problems:
                batches[1].extend(seconds)
                batches[2].extend(thirds)
        if len(batches[0]) >= CHUNK_ROWS:
            flush()
        if count % PROGRESS_EVERY == 0:
            report(done=reader.bytes_read, total=reader.size, message="Checking rows")
    flush()
    if count == 0 and not problems:
        # Most likely the wrong file, or one cut short: an import of nothing would say "succeeded".
        problems.add(
            2, "", "The file has a header but no rows: there is nothing to import. Is it the whole file?"
        )
    report(done=reader.size, total=reader.size, message="Checking the file as a whole")


def _columns(model: type[models.Model], *fields: str) -> dict[str, str]:
    """The quoted database column of each of the model's fields, by field name."""
    columns: dict[str, str] = {}
    for name in fields:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)  # a concrete field, never a reverse relation
        columns[name] = connection.ops.quote_name(str(field.column))
    return columns


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class _Sql:
    """Runs the set-based statements of one import. Every name in them is ours (the staging
    tables' or the models'); every value from the file is a parameter."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def index(self, table: StagingTable, column: str) -> None:
        """Index a staged column, on SQLite only: SQLite joins by looking rows up in an index.
        PostgreSQL hash-joins the staged rows, and there an index only slows every UPDATE of
        them, which writes each row anew, into every index too (a third of the events import)."""
        if self.postgres:
            return
        self.run(f"CREATE INDEX {table.name}_{column} ON {table.name} ({column})")

    def analyse(self, *tables: StagingTable) -> None:
        # Temporary tables are never analysed automatically; without statistics PostgreSQL
        # guesses their size and may choose nested loops over a million rows.
        if self.postgres:
            for table in tables:
                self.run(f"ANALYZE {table.name}")

    def duplicates(
        self, table: StagingTable, key: Sequence[str], describe: Callable[[tuple[Any, ...]], str]
    ) -> tuple[list[RowError], int]:
        """Rows whose `key` an earlier row of the same file already had, as problems (the first
        `MAX_ERRORS`), and how many there are."""
        keys = ", ".join(key)
        # Most files have none: one pass that stops at the first settles it, before the join
        # that finds and counts them reads the table twice more.
        if not self.rows(f"SELECT 1 FROM {table.name} GROUP BY {keys} HAVING COUNT(*) > 1 LIMIT 1"):
            return [], 0
        on = " AND ".join(f"d.{column} = s.{column}" for column in key)
        body = (
            f"FROM {table.name} s JOIN (SELECT {keys}, MIN(line) AS first_line FROM {table.name}"
            f" GROUP BY {keys} HAVING COUNT(*) > 1) d ON {on} WHERE s.line > d.first_line"
        )
        shown = ", ".join(f"s.{column}" for column in key)
        return self.found(f"SELECT s.line, d.first_line, {shown} {body}", (), key[0], describe)

    def found(
        self, select: str, params: Sequence[Any], column: str, describe: Callable[[tuple[Any, ...]], str]
    ) -> tuple[list[RowError], int]:
        """The rows a set-based check `select`s (each starting with its line) as problems in
        `column`: the first `MAX_ERRORS` in line order, and how many there are."""
        count = int(self.rows(f"SELECT COUNT(*) FROM ({select}) f", params)[0][0])
        if not count:
            return [], 0
        rows = self.rows(f"SELECT * FROM ({select}) f ORDER BY 1 LIMIT %s", [*params, MAX_ERRORS])
        return [RowError(row[0], column, describe(row)) for row in rows], count

    def differs(self, pairs: Sequence[tuple[str, str]]) -> str:
        """SQL true where any pair of expressions differs, a NULL equal only to a NULL."""
        # SQLite's IS NOT is PostgreSQL's IS DISTINCT FROM (which SQLite only has from 3.39).
        operator = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        return " OR ".join(f"{one} {operator} {other}" for one, other in pairs)

    def status_counts(self, table: StagingTable) -> dict[str, int]:
        counts = self.rows(f"SELECT status, COUNT(*) FROM {table.name} GROUP BY status")
        return {status: int(n) for status, n in counts}


class _Write(Protocol):
    """`_import`'s `write`: the loaders' one way into the transaction."""

    def __call__(
        self,
        upsert: Callable[[_Step], dict[str, int]],
        rows: int,
        *,
        recheck: Callable[[], None],
        recorded: tuple[date, date] | None = None,
        synthetic: bool = False,
    ) -> dict[str, int]: ...


def _load_crimes(
    path: Path,
    name: str,
    area: PoliceForceArea,
    extracted_on: date,
    report: ProgressCallback,
    write: _Write,
) -> dict[str, int]:
    """Check and stage every row, refuse the file on any problem, else upsert it through `write`
    (the transaction). Counts of rows by status: new, changed, unchanged, kept_newer."""
    problems = _Problems()
    reader = _Reader(path, problems)
    sql = _Sql()
    try:
        report(done=0, total=reader.size, message="Checking rows")
        columns = _check_header(reader, CRIME_COLUMNS, EVENT_COLUMNS, "an events file: import it as events")
        if columns is None:
            raise problems.refusal(name)
        with (
            staging_table("stage_extract_crime", _STAGE_CRIME) as crimes,
            staging_table("stage_extract_victim", _STAGE_VICTIM) as victims,
            staging_table("stage_extract_suspect", _STAGE_SUSPECT) as suspects,
        ):
            parse = _CrimeRows(columns, problems, extracted_on).parse
            _stream_into(reader, parse, (crimes, victims, suspects), problems, report)
            sql.index(crimes, "crime_reference")
            sql.analyse(crimes)
            duplicates, duplicate_count = sql.duplicates(
                crimes,
                ["crime_reference"],
                lambda row: (
                    f"Crime reference '{row[2]}' is also on line {row[1]}: a crime appears once in a file."
                ),
            )
            late, late_count = _reported_after_their_events(sql, crimes, area, extracted_on)
            if problems or duplicates or late:
                found = sorted(duplicates + late, key=lambda error: error.line)
                raise problems.refusal(name, found, duplicate_count + late_count)
            for table in (crimes, victims, suspects):
                sql.index(table, "line")
            sql.analyse(victims, suspects)
            first, last = sql.rows(f"SELECT MIN(recorded_on), MAX(recorded_on) FROM {crimes.name}")[0]
            # A real file's first reference ends the search; only a synthetic one is read through.
            # substr, not LIKE, which ignores case on SQLite: "syn-1" is not synthetic.
            real = f"SELECT 1 FROM {crimes.name} WHERE substr(crime_reference, 1, %s) <> %s"
            prefix = [len(SYNTHETIC_PREFIX), SYNTHETIC_PREFIX]
            synthetic = not sql.rows(f"SELECT EXISTS ({real})", prefix)[0][0]

            def recheck() -> None:
                # An events file imported since may hold an event before a new reported date.
                late, late_count = _reported_after_their_events(sql, crimes, area, extracted_on)
                if late:
                    raise problems.refusal(name, late, late_count)

            return write(
                lambda step: _upsert_crimes(sql, crimes, victims, suspects, area, extracted_on, step),
                crimes.rows,
                recheck=recheck,
                recorded=(first, last) if first is not None else None,
                synthetic=synthetic,
            )
    finally:
        reader.close()


def _reported_after_their_events(
    sql: _Sql, stage: StagingTable, area: PoliceForceArea, extracted_on: date
) -> tuple[list[RowError], int]:
    """Staged crimes Waymark already holds whose reported date would fall after one of the
    events it holds for them (the events file's own check, from the other side). A row that an
    older extract than the crime's gives is not applied, so not checked. The first
    `MAX_ERRORS`, and how many there are."""
    s = stage.name
    c = _columns(Crime, "police_force_area", "crime_reference", "extracted_on")
    p = _columns(ProgressionEvent, "crime", "occurred_on")
    return sql.found(
        f"SELECT {s}.line, {s}.crime_reference, {s}.reported_on, MIN(e.{p['occurred_on']})"
        f" FROM {s} JOIN {_table(Crime)} c ON c.{c['police_force_area']} = %s"
        f" AND c.{c['crime_reference']} = {s}.crime_reference AND c.{c['extracted_on']} <= %s"
        f" JOIN {_table(ProgressionEvent)} e ON e.{p['crime']} = c.id"
        f" WHERE e.{p['occurred_on']} < {s}.reported_on"
        f" GROUP BY {s}.line, {s}.crime_reference, {s}.reported_on",
        [area.pk, extracted_on],
        "reported_date",
        lambda row: (
            f"{row[2]} is after an event Waymark holds for crime {row[1]}, dated {row[3]}: every "
            "event of a case comes after its report. Check this date, or the events imported before."
        ),
    )


def _upsert_crimes(
    sql: _Sql,
    stage: StagingTable,
    victims: StagingTable,
    suspects: StagingTable,
    area: PoliceForceArea,
    extracted_on: date,
    step: _Step,
) -> dict[str, int]:
    """Move staged crimes into `Crime`, classified, with their victims, suspects, VAWG bases and
    outcome history, telling `step` how far it has got. Only the crimes the file creates or
    changes are classified; the rest of the area's crimes are left as they are."""
    # Imported here, not at the top: classification imports models this module shares.
    from .classification import KEY_FIELDS, classified_keys

    s, sv, sp = stage.name, victims.name, suspects.name
    crime = _table(Crime)
    c = _columns(Crime, *_CRIME_FIELDS, "police_force_area", "crime_reference", "extracted_on")
    c.update(_columns(Crime, "is_vawg", "is_rasso", "is_adult_rape", "classified_by"))
    victim = _table(CrimeVictim)
    cv = _columns(CrimeVictim, "crime", *_VICTIM_FIELDS)
    suspect = _table(CrimeSuspect)
    cs = _columns(CrimeSuspect, "crime", "suspect_ref")
    basis_table = _table(CrimeVawgBasis)
    b = _columns(CrimeVawgBasis, "id", "crime", "basis")

    # What each row is: new (as staged), from an older extract than the crime's (kept_newer), or
    # unchanged until a difference is found below. Only rows of crimes already in Waymark are touched.
    known = sql.run(
        f"UPDATE {s} SET crime_id = c.id, status = CASE WHEN c.{c['extracted_on']} > %s"
        f" THEN 'kept_newer' ELSE 'unchanged' END FROM {crime} c"
        f" WHERE c.{c['police_force_area']} = %s AND c.{c['crime_reference']} = {s}.crime_reference",
        [extracted_on, area.pk],
    )
    staged_victim = ", ".join(f"x.{field}" for field in _VICTIM_FIELDS)
    if known:
        # Changed: a field, a victim or a suspect differs, NULLs counting as equal. Each side is
        # matched to the other by key, once (a crime by its id, a victim or suspect by its
        # reference within the crime), which costs far less than comparing whole rows both ways.
        # (A file of crimes that are all new, such as the first, has nothing to compare.)
        sql.analyse(stage)  # the statuses just set: without them the planner expects no row to check
        checked = f"JOIN {s} s ON s.line = x.line AND s.status = 'unchanged'"
        stored = f"JOIN {s} s ON s.crime_id = x.{{crime}} AND s.status = 'unchanged'"
        victim_differs = sql.differs(
            [(f"x.{field}", f"y.{cv[field]}") for field in _VICTIM_FIELDS if field != "victim_ref"]
        )
        changed_lines = " UNION ".join(
            (
                f"SELECT s.line FROM {s} s JOIN {crime} x ON x.id = s.crime_id WHERE s.status = 'unchanged'"
                f" AND ({sql.differs([(f's.{field}', f'x.{c[field]}') for field in _CRIME_FIELDS])})",
                # A victim in the file that Waymark lacks, or holds with other details.
                f"SELECT s.line FROM {sv} x {checked} LEFT JOIN {victim} y ON y.{cv['crime']} = s.crime_id"
                f" AND y.{cv['victim_ref']} = x.victim_ref WHERE y.{cv['crime']} IS NULL OR {victim_differs}",
                # A victim Waymark holds that the file no longer gives.
                f"SELECT s.line FROM {victim} x {stored.format(crime=cv['crime'])} WHERE NOT EXISTS"
                f" (SELECT 1 FROM {sv} y WHERE y.line = s.line AND y.victim_ref = x.{cv['victim_ref']})",
                # The same for suspects, who have nothing but their reference.
                f"SELECT s.line FROM {sp} x {checked} WHERE NOT EXISTS (SELECT 1 FROM {suspect} y"
                f" WHERE y.{cs['crime']} = s.crime_id AND y.{cs['suspect_ref']} = x.suspect_ref)",
                f"SELECT s.line FROM {suspect} x {stored.format(crime=cs['crime'])} WHERE NOT EXISTS"
                f" (SELECT 1 FROM {sp} y WHERE y.line = s.line AND y.suspect_ref = x.{cs['suspect_ref']})",
            )
        )
        # Only the changed rows are rewritten: an UPDATE writes a new copy of every row it touches.
        sql.run(f"UPDATE {s} SET status = 'changed' WHERE status = 'unchanged' AND line IN ({changed_lines})")

    # The new and changed crimes are classified as they are written: the current rules are
    # matched once per (offence code, flags) combination among them, and each crime takes its
    # combination's result by an equality join. Unchanged crimes, and the area's other crimes,
    # are not reclassified (`classify_crimes` does the whole area, for a new rule set).
    step(0.05, "Writing crimes, classified")
    written_statuses = "s.status IN ('new', 'changed')"
    staged_key = [f"s.{field}" for field in KEY_FIELDS]
    with classified_keys(f"{s} s WHERE {written_statuses}", staged_key) as keys:
        # New crimes are inserted and changed ones updated, each with its classification. Not one
        # INSERT ... ON CONFLICT: which is which was settled above, under the import's lock, and
        # checking every new row for a conflict first costs a fifth of the insert.
        written = (*_CRIME_FIELDS, "extracted_on", "is_vawg", "is_rasso", "is_adult_rape", "classified_by")
        insert = ", ".join(c[field] for field in ("police_force_area", "crime_reference", *written))
        staged_fields = ", ".join(f"s.{field}" for field in _CRIME_FIELDS)
        classified = f"{keys.key} k ON {keys.same_key('k', staged_key)}"
        sql.run(
            f"INSERT INTO {crime} ({insert})"
            f" SELECT %s, s.crime_reference, {staged_fields}, %s, k.is_vawg, k.is_rasso, k.is_adult_rape, %s"
            f" FROM {s} s JOIN {classified} WHERE s.status = 'new'",
            [area.pk, extracted_on, keys.version],
        )
        if known:
            updates = ", ".join(
                [f"{c[field]} = s.{field}" for field in _CRIME_FIELDS]
                + [f"{c[field]} = k.{field}" for field in ("is_vawg", "is_rasso", "is_adult_rape")]
                + [f"{c['extracted_on']} = %s", f"{c['classified_by']} = %s"]
            )
            sql.run(
                f"UPDATE {crime} SET {updates} FROM {s} s JOIN {classified}"
                f" WHERE s.status = 'changed' AND {crime}.id = s.crime_id",
                [extracted_on, keys.version],
            )

        # Victims and suspects of changed crimes are replaced by the file's; new crimes get theirs.
        step(0.25, "Writing victims, suspects and VAWG bases")
        rewritten = f"SELECT crime_id FROM {s} WHERE status = 'changed'"
        if known:
            sql.run(f"DELETE FROM {victim} WHERE {cv['crime']} IN ({rewritten})")
            sql.run(f"DELETE FROM {suspect} WHERE {cs['crime']} IN ({rewritten})")
        # New crimes' ids are found by reference: cheaper than writing them into every staged row.
        their_crime = (
            f"JOIN {crime} c ON c.{c['police_force_area']} = %s"
            f" AND c.{c['crime_reference']} = s.crime_reference"
        )
        written_rows = f"JOIN {s} s ON s.line = x.line {their_crime} WHERE {written_statuses}"
        victim_columns = ", ".join(cv[field] for field in _VICTIM_FIELDS)
        sql.run(
            f"INSERT INTO {victim} ({cv['crime']}, {victim_columns})"
            f" SELECT c.id, {staged_victim} FROM {sv} x {written_rows}",
            [area.pk],
        )
        sql.run(
            f"INSERT INTO {suspect} ({cs['crime']}, {cs['suspect_ref']})"
            f" SELECT c.id, x.suspect_ref FROM {sp} x {written_rows}",
            [area.pk],
        )

        # VAWG bases: a changed crime loses those no rule gives it any more; every written crime
        # gets those it lacks. (A new crime has none yet.)
        has_basis = f"{keys.same_key('k', staged_key)} AND k.basis = x.{b['basis']}"
        not_yet = ""
        if known:
            sql.run(
                f"DELETE FROM {basis_table} WHERE {b['id']} IN (SELECT x.{b['id']} FROM {basis_table} x"
                f" JOIN {s} s ON s.crime_id = x.{b['crime']} AND s.status = 'changed'"
                f" LEFT JOIN {keys.key_basis} k ON {has_basis} WHERE k.basis IS NULL)"
            )
            not_yet = (
                f" AND NOT EXISTS (SELECT 1 FROM {basis_table} x"
                f" WHERE x.{b['crime']} = c.id AND x.{b['basis']} = k.basis)"
            )
        sql.run(
            f"INSERT INTO {basis_table} ({b['crime']}, {b['basis']}) SELECT c.id, k.basis FROM {s} s"
            f" {their_crime} JOIN {keys.key_basis} k ON {keys.same_key('k', staged_key)}"
            f" WHERE {written_statuses}{not_yet}",
            [area.pk],
        )

    # Outcome history: each outcome (1 to 22) and date once, with the first extract reporting it.
    step(0.5, "Writing outcome history")
    # Rows of an older extract count too: that the crime had the outcome then is still true.
    history = _table(CrimeOutcomeChange)
    h = _columns(CrimeOutcomeChange, "crime", "outcome_type", "outcome_on", "first_extracted_on")
    first = h["first_extracted_on"]
    columns = f"{h['crime']}, {h['outcome_type']}, {h['outcome_on']}, {first}"
    outcomes = (
        f"SELECT c.id, s.outcome_type, s.outcome_on, %s FROM {s} s {their_crime} WHERE s.outcome_type > 0"
    )
    # A new crime has no history yet: a plain INSERT, as for the crimes themselves.
    sql.run(f"INSERT INTO {history} ({columns}) {outcomes} AND s.status = 'new'", [extracted_on, area.pk])
    if known:
        sql.run(
            f"INSERT INTO {history} ({columns}) {outcomes} AND s.status <> 'new'"
            f" ON CONFLICT ({h['crime']}, {h['outcome_type']}, {h['outcome_on']})"
            f" DO UPDATE SET {first} = excluded.{first} WHERE {history}.{first} > excluded.{first}",
            [extracted_on, area.pk],
        )
    return sql.status_counts(stage)


# --- events -----------------------------------------------------------------------------------------

_STAGE_EVENT = (
    ("line", "int"),
    ("crime_reference", "text"),
    ("kind", "text"),
    ("occurred_on", "date"),
    ("suspect_ref", "text"),
    ("detail", "text"),
    ("crime_id", "int"),
    ("status", "text"),
)


class _EventRows:
    """Turns rows of an events file into staging rows, noting every problem."""

    def __init__(self, columns: dict[str, int], problems: _Problems, extracted_on: date) -> None:
        # Each row's values are read by position, in `EVENT_COLUMNS` order, whatever the file's.
        self.positions = tuple(columns[name] for name in EVENT_COLUMNS)
        self.width = len(columns)
        self.values = _Values(problems, extracted_on=extracted_on)

    def parse(
        self, line: int, row: list[str]
    ) -> tuple[tuple[Any, ...] | None, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        v = self.values
        v.start(line)
        if len(row) != self.width:
            v.bad(
                "",
                f"This row has {len(row)} values but the header names {self.width} columns: "
                + ("is the file cut short?" if len(row) < self.width else "is a comma missing its quotes?"),
            )
            return None, [], []
        reference_text, kind_text, date_text, suspect_text, detail_text = [
            row[position].strip() for position in self.positions
        ]
        reference = v.text("crime_reference", reference_text, required=True)
        kind = v.choice("event", kind_text, EVENT_KINDS, what="an event")
        occurred_on = v.date("event_date", date_text)
        suspect = v.text("suspect_id", suspect_text)
        detail = v.text("detail", detail_text)
        allowed = EVENT_DETAILS.get(kind)
        if allowed is not None:
            v.choice("detail", detail, allowed, what=f"the detail of a {kind} event")
        if not v.ok:
            return None, [], []
        return (line, reference, kind, occurred_on, suspect, detail, None, "new"), [], []


def _load_events(
    path: Path,
    name: str,
    area: PoliceForceArea,
    extracted_on: date,
    report: ProgressCallback,
    write: _Write,
) -> dict[str, int]:
    """Check and stage every event, refuse the file on any problem, else insert it through `write`
    (the transaction). Counts of rows by status."""
    problems = _Problems()
    reader = _Reader(path, problems)
    sql = _Sql()
    try:
        report(done=0, total=reader.size, message="Checking rows")
        columns = _check_header(reader, EVENT_COLUMNS, CRIME_COLUMNS, "a crimes file: import it as crimes")
        if columns is None:
            raise problems.refusal(name)
        with staging_table("stage_extract_event", _STAGE_EVENT) as events:
            parse = _EventRows(columns, problems, extracted_on).parse
            _stream_into(reader, parse, (events, None, None), problems, report)
            sql.index(events, "crime_reference")
            sql.analyse(events)
            e = events.name
            c = _columns(Crime, "police_force_area", "crime_reference")
            sql.run(
                f"UPDATE {e} SET crime_id = c.id FROM {_table(Crime)} c"
                f" WHERE c.{c['police_force_area']} = %s AND c.{c['crime_reference']} = {e}.crime_reference",
                [area.pk],
            )
            unknown, unknown_count = sql.found(
                f"SELECT line, crime_reference FROM {e} WHERE crime_id IS NULL",
                (),
                "crime_reference",
                lambda row: (
                    f"No crime with reference '{row[1]}' has been imported for {area.name}: "
                    "import the crimes file first."
                ),
            )
            early, early_count = _events_before_their_report(sql, events)
            duplicates, duplicate_count = sql.duplicates(
                events,
                ["crime_reference", "kind", "occurred_on", "suspect_ref"],
                lambda row: (
                    f"The same event ({row[2]}: {row[3]} on {row[4]}"
                    + (f", suspect {row[5]}" if row[5] else "")
                    + f") is also on line {row[1]}: give each event once."
                ),
            )
            if problems or unknown or early or duplicates:
                found = sorted(unknown + early + duplicates, key=lambda error: error.line)
                raise problems.refusal(name, found, unknown_count + early_count + duplicate_count)

            def recheck() -> None:
                # A crimes file imported since may have moved a crime's report after its events.
                early, early_count = _events_before_their_report(sql, events)
                if early:
                    raise problems.refusal(name, early, early_count)

            return write(
                lambda step: _upsert_events(sql, events, area, extracted_on), events.rows, recheck=recheck
            )
    finally:
        reader.close()


def _events_before_their_report(sql: _Sql, stage: StagingTable) -> tuple[list[RowError], int]:
    """Staged events dated before their crime was reported (each step of a case follows the
    report): the first `MAX_ERRORS`, and how many there are."""
    e = stage.name
    c = _columns(Crime, "reported_on")
    return sql.found(
        f"SELECT {e}.line, {e}.crime_reference, {e}.occurred_on, c.{c['reported_on']}"
        f" FROM {e} JOIN {_table(Crime)} c ON c.id = {e}.crime_id"
        f" WHERE {e}.occurred_on < c.{c['reported_on']}",
        (),
        "event_date",
        lambda row: (
            f"{row[2]} is before crime {row[1]} was reported ({row[3]}): every event of a case comes "
            "after its report. Check this date, or the crime's reported_date."
        ),
    )


def _upsert_events(
    sql: _Sql, stage: StagingTable, area: PoliceForceArea, extracted_on: date
) -> dict[str, int]:
    """Insert new events; a known event (same crime, kind, date and suspect) gets the file's detail
    unless an events file with a later extraction date was imported before."""
    e = stage.name
    table = _table(ProgressionEvent)
    p = _columns(ProgressionEvent, "crime", "kind", "occurred_on", "suspect_ref", "detail")
    sql.run(
        f"UPDATE {e} SET status = CASE WHEN x.{p['detail']} = {e}.detail THEN 'unchanged' ELSE 'changed' END"
        f" FROM {table} x WHERE x.{p['crime']} = {e}.crime_id AND x.{p['kind']} = {e}.kind"
        f" AND x.{p['occurred_on']} = {e}.occurred_on AND x.{p['suspect_ref']} = {e}.suspect_ref"
    )
    latest = ForceExtractImport.objects.filter(
        police_force_area=area, kind=ForceExtractImport.Kind.EVENTS
    ).aggregate(latest=Max("extracted_on"))["latest"]
    if latest is not None and latest > extracted_on:
        sql.run(f"UPDATE {e} SET status = 'kept_newer' WHERE status = 'changed'")
    key = ", ".join(p[field] for field in ("crime", "kind", "occurred_on", "suspect_ref"))
    # A plain INSERT, not INSERT ... ON CONFLICT: "new" was decided under the import's lock, and
    # the file's own duplicates were refused, so no new row can conflict, and checking each one
    # for a conflict first made the insert about a fifth slower.
    sql.run(
        f"INSERT INTO {table} ({key}, {p['detail']})"
        f" SELECT crime_id, kind, occurred_on, suspect_ref, detail FROM {e} WHERE status = 'new'"
    )
    sql.run(
        f"UPDATE {table} SET {p['detail']} = {e}.detail FROM {e} WHERE {e}.status = 'changed'"
        f" AND {table}.{p['crime']} = {e}.crime_id AND {table}.{p['kind']} = {e}.kind"
        f" AND {table}.{p['occurred_on']} = {e}.occurred_on AND {table}.{p['suspect_ref']} = {e}.suspect_ref"
    )
    return sql.status_counts(stage)


def police_force_area_default() -> PoliceForceArea:
    """The force area imports load into unless told otherwise: settings.WAYMARK_POLICE_FORCE_AREA."""
    code = getattr(settings, "WAYMARK_POLICE_FORCE_AREA", "")
    try:
        return PoliceForceArea.objects.get(code=code)
    except PoliceForceArea.DoesNotExist:
        raise PoliceForceArea.DoesNotExist(
            f"No police force area has the code {code!r} (settings.WAYMARK_POLICE_FORCE_AREA)."
        ) from None
