"""Import police.uk's street and outcomes CSVs: one file, a folder of months, or a .zip of them.

The format, its quirks and the rules below are in docs/formats/police-uk.md.

- **What is read.** Files named as the data.police.uk archive names them,
  `YYYY-MM-<force>-street.csv`, `…-outcomes.csv` and `…-stop-and-search.csv`, found in PATH
  (a single CSV), a folder (searched recursively) or a .zip (read member by member, never
  extracted). Street rows with a Crime ID become `PoliceUkCrime`, street rows without one
  (anti-social behaviour) `PoliceUkAntisocialBehaviour`, outcome rows `PoliceUkOutcome`.
  Stop-and-search files are not imported: they are counted as skipped. Files that are not CSV
  (a README, a licence) are ignored.
- **All or nothing, for the whole PATH.** Every file is read once, streaming: each row is
  checked and, if it is good, copied into a staging table (`COPY` on PostgreSQL); a good file
  then goes into the real tables with one `INSERT ... SELECT` per table. All of it happens in
  one transaction: if any row of any file is wrong, every problem is reported and nothing at
  all is written, so a folder of months never lands half-imported.
- **Idempotent.** `PoliceUkFile` remembers each (kind, force, month) with the SHA-256 of its
  bytes. The same bytes again change nothing; different bytes (forces re-submit months)
  replace that month's rows, and only that month's.
- **Progress** is counted in bytes: `total` is the size of every street and outcomes file
  (uncompressed), `done` how many of those bytes have been read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.db import connection, transaction

from waymark.accounts.models import User
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.geography import h3_cell
from waymark.core.imports import (
    ImportRefusedError,
    ProgressCallback,
    RowError,
    first_value_not_text,
    statistics_refresh,
)
from waymark.core.permissions import ensure_can
from waymark.core.staging import StagingTable, staging_table

from .models import (
    PoliceUkAntisocialBehaviour,
    PoliceUkCrime,
    PoliceUkCrimeType,
    PoliceUkFile,
    PoliceUkOutcome,
    PoliceUkOutcomeCategory,
)

# The headers, exactly as police.uk writes them (research/crime-data.md §1.2 and §1.3).
STREET_COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
OUTCOME_COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Outcome type",
)
STOP_AND_SEARCH = "stop-and-search"
ANTISOCIAL_BEHAVIOUR = "Anti-social behaviour"
H3_RESOLUTION = 8

# `2016-07-city-of-london-street.csv`: the month (1900 to 2099, the years a date may be typed
# in; year 0 would crash), the force's slug, the kind of file.
FILE_NAME = re.compile(
    r"^(?P<month>(?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2]))-(?P<force>[a-z0-9]+(?:-[a-z0-9]+)*)"
    r"-(?P<kind>street|outcomes|stop-and-search)\.csv$"
)
FILE_NAME_HELP = (
    "The file name must be YYYY-MM-<force>-street.csv, YYYY-MM-<force>-outcomes.csv or "
    "YYYY-MM-<force>-stop-and-search.csv, as data.police.uk names its files "
    "(for example 2016-07-city-of-london-street.csv)."
)
# Each matched whole (`fullmatch`: `$` also matches before a final line break, which a quoted
# value can end with), with the digits 0 to 9 only (`\d` takes any script's).
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_CRIME_ID = re.compile(r"[0-9a-f]{64}")
_DEGREES = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]+)?")
_LSOA_CODE = re.compile(r"[A-Z][0-9]{8}")
# The street file spells it `No Location`, the outcomes file `No location`.
_NO_LOCATION = "no location"
# Lengths of the text columns they are stored in; PostgreSQL would refuse longer values.
_MAX_LENGTH = {"Reported by": 100, "Falls within": 100, "Location": 200, "LSOA name": 100}
_FORCE_SLUG_LENGTH = 60  # PoliceUkFile.force_slug
# A refused file may be wrong on every row; keep this many errors, and count the rest.
MAX_ERRORS = 10_000
# Rows staged at a time: bounds memory whatever a file's size.
STAGE_CHUNK_ROWS = 10_000
_STAGE_STREET = "police_uk_street_stage"
_STAGE_OUTCOMES = "police_uk_outcome_stage"
# Which file of the import a staged row came from: every file is staged before any is written.
_PART = ("part", "int")
_LOCATED_STAGE: tuple[tuple[str, str], ...] = (
    ("line", "int"),
    ("crime_id", "text"),
    ("month", "date"),
    ("reported_by", "text"),
    ("falls_within", "text"),
    ("longitude", "float"),
    ("latitude", "float"),
    ("location", "text"),
    ("lsoa_code", "text"),
    ("lsoa_name", "text"),
    ("h3_r8", "text"),
)
STREET_STAGE = (*_LOCATED_STAGE, ("crime_type", "text"), ("last_outcome", "text"), ("context", "text"))
OUTCOME_STAGE = (*_LOCATED_STAGE, ("outcome", "text"))


@dataclass
class PoliceUkImportResult:
    """What an import did. Row counts are rows written by this import (unchanged files add none)."""

    street_crimes: int = 0
    antisocial_behaviour: int = 0
    outcomes: int = 0
    files_imported: list[str] = field(default_factory=list)
    files_replaced: list[str] = field(default_factory=list)
    files_unchanged: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)  # stop-and-search: not imported
    files_ignored: list[str] = field(default_factory=list)  # not CSV (a README, a licence)

    def summary(self) -> str:
        """One line for the command line and the page."""
        street = self.street_crimes + self.antisocial_behaviour
        return (
            f"Imported {street:,} street rows ({self.street_crimes:,} crimes, "
            f"{self.antisocial_behaviour:,} anti-social behaviour) and {self.outcomes:,} outcome rows. "
            f"Files: {len(self.files_imported):,} new, {len(self.files_replaced):,} replaced, "
            f"{len(self.files_unchanged):,} unchanged, {len(self.files_skipped):,} skipped "
            "(stop-and-search, not imported)."
        )


@dataclass(frozen=True)
class _Source:
    """One file to read: its name as shown in messages, its size, and how to open it."""

    name: str
    size: int
    open: Callable[[], AbstractContextManager[IO[bytes]]]

    @property
    def base_name(self) -> str:
        return PurePosixPath(self.name).name


@dataclass(frozen=True)
class _Planned:
    """A police.uk file whose name was understood."""

    source: _Source
    kind: str  # PoliceUkFile.Kind value
    force_slug: str
    month: date


def import_police_uk(
    path: Path,
    *,
    by: User | None = None,
    progress: ProgressCallback | None = None,
    name: str | None = None,
) -> PoliceUkImportResult:
    """Import the police.uk street and outcomes files in `path` (a CSV, a folder or a .zip).

    One transaction for the whole path: raises `ImportRefusedError` with every problem found
    and writes nothing if any file is wrong. Each problem is a `RowError` naming its file (one
    PATH may hold many); line 0 means the file as a whole. `by`, if given, must hold
    `crime.import_crime_data`; the command line passes None. `name` is the file's own name where
    `path` is a copy under another (an upload): police.uk's file names say what a file holds.
    """
    if by is not None:
        ensure_can(by, "crime.import_crime_data")
    path = Path(path)
    with ExitStack() as stack:
        sources = _sources(path, stack, name or path.name)
        return _Import(name or path.name, by=by, progress=progress).run(sources)


# --- finding the files ------------------------------------------------------------------------


def _refuse(name: str, message: str) -> ImportRefusedError:
    return ImportRefusedError([RowError(0, "", message, file_name=name)], file_name=name)


# The first key of the PostgreSQL advisory lock a police.uk import holds while it writes (the
# second is 0): any constant no other lock in Waymark uses.
POLICE_UK_LOCK = 0x5741_4D50


def _take_turns() -> None:
    """Wait for any other police.uk import to commit, and hold it off until this transaction
    ends. Each import decides whether a month's file is new, unchanged or a replacement from
    what the last one committed: two importing the same new month at once would both create its
    record, and the second fail on its unique constraint. SQLite lets one transaction write at
    a time (and Waymark begins each IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [POLICE_UK_LOCK])


def _sources(path: Path, stack: ExitStack, name: str) -> list[_Source]:
    """The files in `path` (named `name`), sorted by name; a zip is opened on `stack` and read
    in place."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return [
            _Source(p.relative_to(path).as_posix(), p.stat().st_size, _opener(p))
            for p in files
            if not _is_hidden(p.relative_to(path).as_posix())
        ]
    if not path.is_file():
        raise _refuse(name, "There is no such file or folder.")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".csv":
        return [_Source(name, path.stat().st_size, _opener(path))]
    if suffix == ".zip":
        try:
            archive = stack.enter_context(zipfile.ZipFile(path))
        except zipfile.BadZipFile as error:
            raise _refuse(name, f"This is not a readable .zip file ({error}).") from error
        return [
            _Source(info.filename, info.file_size, _member_opener(archive, info))
            for info in sorted(archive.infolist(), key=lambda info: info.filename)
            if not info.is_dir() and not _is_hidden(info.filename)
        ]
    raise _refuse(name, "Give a police.uk .csv file, a folder of them, or a .zip of them.")


def _is_hidden(name: str) -> bool:
    # Dot files and the `__MACOSX/` resource forks that zips made on a Mac carry.
    return any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(name).parts)


def _opener(path: Path) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    return lambda: open(path, "rb")


def _member_opener(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo
) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    def opened() -> IO[bytes]:
        try:
            return archive.open(info)
        except (RuntimeError, NotImplementedError) as error:
            # An encrypted member, or a compression method Python cannot read.
            raise zipfile.BadZipFile(str(error)) from error

    return opened


# What reading a damaged member of a zip raises: a bad CRC, a broken or cut-off deflate stream.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError)


# --- the import ---------------------------------------------------------------------------------


class _Import:
    """One run over one PATH: plans the files, reads them into staging, loads the good ones."""

    def __init__(self, name: str, *, by: User | None, progress: ProgressCallback | None) -> None:
        self.name = name
        self.by = by
        self.progress = progress
        self.result = PoliceUkImportResult()
        self.errors: list[RowError] = []
        self.more_errors = 0
        self.done = 0
        self.total = 0

    def error(self, error: RowError) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)
        else:
            self.more_errors += 1

    def run(self, sources: Sequence[_Source]) -> PoliceUkImportResult:
        planned = self.plan(sources)
        if not planned and not self.errors and not self.result.files_skipped:
            raise _refuse(self.name, "There is no police.uk street, outcomes or stop-and-search file here.")
        self.total = 2 * sum(p.source.size for p in planned)  # reading, then saving, by bytes
        vocabulary = _Vocabulary.load()
        with (
            staging_table(_STAGE_STREET, (*STREET_STAGE, _PART)) as street_stage,
            staging_table(_STAGE_OUTCOMES, (*OUTCOME_STAGE, _PART)) as outcome_stage,
        ):
            stages: dict[str, StagingTable] = {
                PoliceUkFile.Kind.STREET: street_stage,
                PoliceUkFile.Kind.OUTCOMES: outcome_stage,
            }
            # Every file is read and checked before anything is written, outside the transaction,
            # so that an upload's progress shows in its page while it runs; meanwhile only the
            # temporary tables are written, a chunk at a time.
            readers = [
                self.read(part, item, stages[item.kind], vocabulary) for part, item in enumerate(planned)
            ]
            if self.errors:
                raise ImportRefusedError(
                    self.errors, file_name=self.name, total=len(self.errors) + self.more_errors
                )
            for stage in stages.values():
                _index_parts(stage)
            with transaction.atomic():
                _take_turns()
                for part, (item, reader) in enumerate(zip(planned, readers, strict=True)):
                    assert reader is not None  # a file that could not be read refused the import
                    self.report(self.done, f"Saving {item.source.base_name}")
                    self.load(item, reader, stages[item.kind], part)
                    self.done += item.source.size
        statistics_refresh(PoliceUkCrime, PoliceUkAntisocialBehaviour, PoliceUkOutcome)
        self.report(self.total, "Done")
        return self.result

    def plan(self, sources: Sequence[_Source]) -> list[_Planned]:
        """The files to import, in name order; file-name problems become errors."""
        planned: list[_Planned] = []
        seen: dict[tuple[str, str, date], str] = {}
        for source in sources:
            if not source.base_name.lower().endswith(".csv"):
                self.result.files_ignored.append(source.name)
                continue
            match = FILE_NAME.match(source.base_name)
            if match is None:
                self.error(RowError(0, "", FILE_NAME_HELP, file_name=source.name))
                continue
            if match["kind"] == STOP_AND_SEARCH:
                self.result.files_skipped.append(source.name)
                continue
            year, month = (int(part) for part in match["month"].split("-"))
            item = _Planned(source, match["kind"], match["force"], date(year, month, 1))
            if len(item.force_slug) > _FORCE_SLUG_LENGTH:
                self.error(
                    RowError(0, "", "The force's name in the file name is too long.", file_name=source.name)
                )
                continue
            key = (item.kind, item.force_slug, item.month)
            if key in seen:
                self.error(
                    RowError(
                        0,
                        "",
                        f"{seen[key]} is the same kind of file for the same force and month.",
                        file_name=source.name,
                    )
                )
                continue
            seen[key] = source.name
            planned.append(item)
        return planned

    def report(self, done: int, message: str) -> None:
        if self.progress is not None:
            self.progress(done=done, total=self.total, message=message)

    def read(
        self, part: int, item: _Planned, stage: StagingTable, vocabulary: _Vocabulary
    ) -> _FileReader | None:
        """Read and check one file, staging its rows as `part` while the import has no problem;
        None if it cannot be read from its zip, with that its one problem noted."""
        start = self.done
        message = f"Reading {item.source.base_name}"

        def read(count: int) -> None:
            self.done += count
            self.report(self.done, message)

        reader: _FileReader | None = None
        listed, more = len(self.errors), self.more_errors
        try:
            with item.source.open() as raw:
                reader = _FileReader(item, raw, vocabulary, on_bytes=read, on_error=self.error)
                rows = reader.rows()
                # In chunks, each read in full before it is written: the progress callback (which
                # may write the job's progress row) never runs while a COPY holds the connection.
                # Once the import is refused, files are still checked, for the report, but not
                # staged.
                while chunk := list(islice(rows, STAGE_CHUNK_ROWS)):
                    if not self.errors:
                        with transaction.atomic():
                            stage.load([(*row, part) for row in chunk])
        except _DAMAGED as error:
            # The problems found in its rows came from the damage, or cannot be told from it.
            del self.errors[listed:]
            self.more_errors = more
            message = f"This file cannot be read from the zip ({error}): download the zip again."
            self.error(RowError(0, "", message, file_name=item.source.name))
            reader = None
        self.done = start + item.source.size
        return reader

    def load(self, item: _Planned, reader: _FileReader, stage: StagingTable, part: int) -> None:
        """Move a good file's staged rows (`part`) into the real tables, or leave them if nothing
        changed."""
        name = item.source.name
        existing = (
            PoliceUkFile.objects.select_for_update()
            .filter(kind=item.kind, force_slug=item.force_slug, month=item.month)
            .first()
        )
        if existing is not None and existing.sha256 == reader.sha256:
            self.result.files_unchanged.append(name)
            return
        if existing is None:
            file = PoliceUkFile.objects.create(
                kind=item.kind,
                force_slug=item.force_slug,
                month=item.month,
                file_name=item.source.base_name,
                sha256=reader.sha256,
                rows=reader.rows_read,
            )
            self.result.files_imported.append(name)
            action = AccessLog.Action.CREATE
        else:
            file = existing
            _delete_rows(file)
            file.file_name = item.source.base_name
            file.sha256 = reader.sha256
            file.rows = reader.rows_read
            file.save(update_fields=["file_name", "sha256", "rows", "updated_at"])
            self.result.files_replaced.append(name)
            action = AccessLog.Action.CHANGE
        if item.kind == PoliceUkFile.Kind.STREET:
            self.result.street_crimes += _insert(PoliceUkCrime, stage, file.pk, part, "crime_id IS NOT NULL")
            self.result.antisocial_behaviour += _insert(
                PoliceUkAntisocialBehaviour, stage, file.pk, part, "crime_id IS NULL"
            )
        else:
            self.result.outcomes += _insert(PoliceUkOutcome, stage, file.pk, part, "")
        if self.by is not None:
            # Who loaded which month; the command line's runs are not a person's.
            access_log_record(
                actor=self.by, action=action, obj=file, detail=f"police.uk import: {reader.rows_read:,} rows"
            )


def _index_parts(stage: StagingTable) -> None:
    """An index on (part, line): each file's rows are taken from the stage in line order."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {stage.name}_part ON {stage.name} (part, line)")


def _delete_rows(file: PoliceUkFile) -> None:
    """Delete a file's rows with one statement per table (not the ORM's row-by-row cascade)."""
    with connection.cursor() as cursor:
        for model in (PoliceUkCrime, PoliceUkAntisocialBehaviour, PoliceUkOutcome):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE file_id = %s", [file.pk])  # noqa: S608


def _insert(model: type[Any], stage: StagingTable, file_id: int, part: int, where: str) -> int:
    """INSERT ... SELECT the staged rows of file `part` into `model`'s table; the stage's columns
    are named after the model's fields, and the target columns are taken from the model
    (db_column and all)."""
    meta = model._meta
    fields = [meta.get_field(name) for name in stage.column_names if _has_field(model, name)]
    targets = ", ".join(["file_id", *(f.column for f in fields)])
    selected = ", ".join(["%s", *(f.name for f in fields)])
    condition = f"WHERE part = %s AND {where}" if where else "WHERE part = %s"
    sql = (
        f"INSERT INTO {meta.db_table} ({targets}) "  # noqa: S608 (names from the model and the stage)
        f"SELECT {selected} FROM {stage.name} {condition} ORDER BY line"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [file_id, part])
        return int(cursor.rowcount)


def _has_field(model: type[Any], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


# --- reading one file ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Vocabulary:
    """The crime types and outcome categories rows may name (small tables, read once)."""

    crime_types: frozenset[str]
    outcome_categories: frozenset[str]

    @classmethod
    def load(cls) -> _Vocabulary:
        return cls(
            frozenset(PoliceUkCrimeType.objects.values_list("name", flat=True)),
            frozenset(PoliceUkOutcomeCategory.objects.values_list("name", flat=True)),
        )


class _CountingReader(io.RawIOBase):
    """Passes a binary stream's bytes through, hashing and counting them on the way: the file
    is read once, and the hash is of exactly the bytes that were checked and loaded (a zip
    member has no path for `file_sha256`)."""

    def __init__(self, raw: IO[bytes], on_bytes: Callable[[int], None]) -> None:
        super().__init__()
        self._raw = raw
        self._on_bytes = on_bytes
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        if count:
            self.sha256.update(data)
            self._on_bytes(count)
        return count


@lru_cache(maxsize=65_536)
def _h3(latitude: float, longitude: float) -> str:
    # police.uk snaps points to a limited set of map points, so most repeat.
    return h3_cell(latitude, longitude, H3_RESOLUTION)


class _FileReader:
    """Checks one police.uk CSV row by row and yields the good rows as staging tuples."""

    def __init__(
        self,
        item: _Planned,
        raw: IO[bytes],
        vocabulary: _Vocabulary,
        *,
        on_bytes: Callable[[int], None],
        on_error: Callable[[RowError], None],
    ) -> None:
        self.item = item
        self.street = item.kind == PoliceUkFile.Kind.STREET
        self.columns = STREET_COLUMNS if self.street else OUTCOME_COLUMNS
        self.vocabulary = vocabulary
        self.month_text = item.month.strftime("%Y-%m")
        self._bytes = _CountingReader(raw, on_bytes)
        self._on_error = on_error
        self.rows_read = 0
        self._row_failed = False

    @property
    def sha256(self) -> str:
        return self._bytes.sha256.hexdigest()

    def error(self, line: int, column: str, message: str) -> None:
        self._row_failed = True
        self._on_error(RowError(line, column, message, file_name=self.item.source.name))

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The good rows, streaming; every problem goes to `on_error`."""
        buffered = io.BufferedReader(self._bytes, buffer_size=1 << 16)
        # utf-8-sig: a byte order mark, which police.uk does not write, is not a column name.
        # surrogateescape: a byte that is not UTF-8 is found in the value that holds it, at its
        # line; a strict decoder would fail a buffer ahead of it, at an earlier line.
        text = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(text, strict=True)
        line = 1
        try:
            header = next(reader, None)
            if header is None:
                self.error(1, "", "The file is empty: the first line must be the header.")
                return
            if (not_text := first_value_not_text(header)) is not None:
                self.error(1, "", not_text[1])
                return
            order = self.header_order(header)
            if order is None:
                return
            line = reader.line_num + 1
            for values in reader:
                self.rows_read += 1
                if (not_text := first_value_not_text(values)) is not None:
                    index, message = not_text
                    self.error(line, header[index] if index < len(header) else "", message)
                else:
                    row = self.check(line, values, order)
                    if row is not None:
                        yield row
                line = reader.line_num + 1
        except csv.Error as error:
            self.error(line, "", f"This is not valid CSV here ({error}).")
        finally:
            # Read to the end so that the hash and the progress cover the whole file.
            while buffered.read(1 << 16):
                pass
            text.detach()

    def header_order(self, header: list[str]) -> list[int] | None:
        """Where each expected column is in this file's header, or None (with errors) if the
        header does not name exactly the expected columns."""
        kind = "street" if self.street else "outcomes"
        missing = [name for name in self.columns if name not in header]
        unknown = [name for name in header if name not in self.columns]
        repeated = sorted({name for name in header if header.count(name) > 1})
        for name in missing:
            self.error(
                1, name, f"The {name} column is missing: a police.uk {kind} file has {_listed(self.columns)}."
            )
        for name in unknown:
            self.error(
                1, name, f"Unknown column {name!r}: a police.uk {kind} file has {_listed(self.columns)}."
            )
        for name in repeated:
            self.error(1, name, f"The {name} column appears more than once.")
        if missing or unknown or repeated:
            return None
        return [header.index(name) for name in self.columns]

    def check(self, line: int, values: list[str], order: list[int]) -> tuple[Any, ...] | None:
        """The staging tuple for one row, or None after reporting what is wrong with it."""
        if len(values) != len(order):
            if not values:
                self.error(
                    line,
                    "",
                    f"The line is empty: every line after the header is a row of {len(order)} values.",
                )
            else:
                self.error(
                    line, "", f"The row has {len(values)} values but the header has {len(order)} columns."
                )
            return None
        v = [values[i] for i in order]
        self._row_failed = False
        (
            crime_id,
            month_text,
            reported_by,
            falls_within,
            longitude,
            latitude,
            location,
            lsoa_code,
            lsoa_name,
        ) = v[:9]

        if not _MONTH.fullmatch(month_text):
            self.error(line, "Month", f"{month_text!r} is not a month: police.uk writes YYYY-MM.")
        elif month_text != self.month_text:
            self.error(
                line, "Month", f"The row is for {month_text} but the file name says {self.month_text}."
            )
        for column, value in (("Reported by", reported_by), ("Falls within", falls_within)):
            if not value:
                self.error(line, column, f"The {column} column must name the force.")
        for column, value in (
            ("Reported by", reported_by),
            ("Falls within", falls_within),
            ("Location", location),
            ("LSOA name", lsoa_name),
        ):
            if len(value) > _MAX_LENGTH[column]:
                self.error(line, column, f"Longer than {_MAX_LENGTH[column]} characters.")
        if lsoa_code and not _LSOA_CODE.fullmatch(lsoa_code):
            self.error(
                line,
                "LSOA code",
                f"{lsoa_code!r} is not an LSOA code (a letter and 8 digits, e.g. E01000001).",
            )
        lat, lng, h3_r8 = self.coordinates(line, latitude, longitude, location)
        if location.lower() == _NO_LOCATION:
            location = ""

        if self.street:
            crime_type, last_outcome, context = v[9:]
            if crime_type not in self.vocabulary.crime_types:
                self.error(line, "Crime type", f"{crime_type!r} is not a police.uk crime type Waymark knows.")
            if last_outcome and last_outcome not in self.vocabulary.outcome_categories:
                self.error(
                    line,
                    "Last outcome category",
                    f"{last_outcome!r} is not a police.uk outcome category Waymark knows.",
                )
            if crime_id:
                self.check_crime_id(line, crime_id)
                if crime_type == ANTISOCIAL_BEHAVIOUR:
                    self.error(line, "Crime ID", "Anti-social behaviour rows have no Crime ID.")
            else:
                if crime_type != ANTISOCIAL_BEHAVIOUR and crime_type in self.vocabulary.crime_types:
                    self.error(
                        line,
                        "Crime ID",
                        f"A {crime_type} row must have a Crime ID (only anti-social behaviour has none).",
                    )
                if last_outcome:
                    self.error(line, "Last outcome category", "Anti-social behaviour rows have no outcome.")
            tail: tuple[Any, ...] = (crime_type, last_outcome or None, context)
        else:
            (outcome,) = v[9:]
            if not crime_id:
                self.error(line, "Crime ID", "An outcome row must have the Crime ID of its crime.")
            else:
                self.check_crime_id(line, crime_id)
            if outcome not in self.vocabulary.outcome_categories:
                self.error(
                    line, "Outcome type", f"{outcome!r} is not a police.uk outcome category Waymark knows."
                )
            tail = (outcome,)

        if self._row_failed:
            return None
        return (
            line,
            crime_id or None,
            self.item.month,
            reported_by,
            falls_within,
            lng,
            lat,
            location,
            lsoa_code,
            lsoa_name,
            h3_r8,
            *tail,
        )

    def check_crime_id(self, line: int, crime_id: str) -> None:
        if not _CRIME_ID.fullmatch(crime_id):
            self.error(
                line,
                "Crime ID",
                f"{crime_id!r} is not a police.uk Crime ID (64 lower-case hexadecimal characters).",
            )

    def coordinates(
        self, line: int, latitude: str, longitude: str, location: str
    ) -> tuple[float | None, float | None, str]:
        """(latitude, longitude, H3 cell), or Nones and '' where the row has no location."""
        if not latitude and not longitude:
            return None, None, ""
        if location.lower() == _NO_LOCATION:
            self.error(line, "Location", f"{location!r} rows have no coordinates, but this one has some.")
            return None, None, ""
        if not latitude or not longitude:
            column = "Latitude" if not latitude else "Longitude"
            self.error(line, column, "Give both Latitude and Longitude, or neither.")
            return None, None, ""
        bad = False
        for column, value in (("Latitude", latitude), ("Longitude", longitude)):
            if not _DEGREES.fullmatch(value):
                self.error(line, column, f"{value!r} is not a number of degrees.")
                bad = True
        if bad:
            return None, None, ""
        lat, lng = float(latitude), float(longitude)
        try:
            return lat, lng, _h3(lat, lng)
        except ValueError as error:
            column = "Latitude" if str(error).startswith("latitude") else "Longitude"
            self.error(line, column, f"{str(error).capitalize()}.")
            return None, None, ""


def _listed(columns: Sequence[str]) -> str:
    return ", ".join(columns)
