"""What every file import shares: row errors, refusal, progress (page or terminal), file hashes.

An import reads its file streaming, reports every problem as a `RowError` (line, column,
message) and raises `ImportRefusedError` with all of them before anything is written; a caller shows
`refusal.errors` in a page or prints them. Progress goes to any `ProgressCallback`: the
background task passes a `waymark.jobs.progress.ProgressReporter`, the command line a
`TerminalProgress`. Once written, `statistics_refresh` has the database measure the tables.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Protocol

from django.db import connection
from django.db.models import Model
from django.utils import timezone


class ProgressCallback(Protocol):
    """Told now and then how far a long job has got."""

    def __call__(self, *, done: int, total: int, message: str = "") -> None:
        """Record that `done` of `total` units are finished."""


@dataclass(frozen=True)
class RowError:
    """One problem: the file's line number (the header is line 1), the column, and what is wrong;
    `file_name` names the file where one import reads several (a folder or a zip), and line 0
    then means the file as a whole."""

    line: int
    column: str
    message: str
    file_name: str = ""

    @property
    def place(self) -> str:
        """Where the problem is, without what it is: "line 7, column offence_code"."""
        if self.file_name and self.line == 0:
            return self.file_name
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{self.file_name}, {where}" if self.file_name else where

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class ImportRefusedError(Exception):
    """A file was refused and nothing was written. `problems` holds the problems listed and
    `total` how many there were: an importer may list only the first of very many (`total`
    given), and then `errors` ends with a line counting the rest, for whoever prints them."""

    # A sentence about the whole file in the importer's own words, never the file's (say "This is
    # an events file: import it as events."), that a job's closing message may lead with.
    headline: str = ""

    def __init__(self, errors: Sequence[RowError], *, file_name: str = "", total: int | None = None) -> None:
        listed = list(errors)
        self.total = max(total or 0, len(listed))
        self.unlisted = self.total - len(listed)
        self._listed = len(listed)
        if self.unlisted and listed:
            last = listed[-1]
            listed.append(
                RowError(
                    last.line,
                    "",
                    f"{self.unlisted:,} more problems after this line are not listed: correct those "
                    "above and check the file again.",
                    file_name=last.file_name,
                )
            )
        self.errors = listed
        self.file_name = file_name
        head = f"{file_name}: " if file_name else ""
        super().__init__(f"{head}refused with {self.total:,} problem(s); nothing was imported")

    @property
    def problems(self) -> list[RowError]:
        """The problems listed, without the line counting the rest."""
        return self.errors[: self._listed]

    def report(self, limit: int = 50) -> str:
        """The problems as lines of text, at most `limit` of them and a count of the rest (of
        all there were, listed or not)."""
        lines = [str(error) for error in self.problems[:limit]]
        if self.total > len(lines):
            lines.append(f"… and {self.total - len(lines):,} more")
        return "\n".join(lines)


def refuse_future_extraction(extracted_on: date, *, file_name: str) -> None:
    """Refuse a file of the force's extract said to be extracted after today, before anything is
    read. Its rows are checked against the date (nothing in an extract can have happened after
    it was taken), and the date is shown beside every figure from it: a future date would let
    through what cannot have happened yet. The upload pages refuse it in their form; this stops
    it from the command line and the API too."""
    today = timezone.localdate()
    if extracted_on > today:
        message = (
            f"The extraction date {extracted_on:%Y-%m-%d} is after today ({today:%Y-%m-%d}):"
            " give the date the force extracted the data."
        )
        raise ImportRefusedError([RowError(0, "", message, file_name=file_name)], file_name=file_name)


# What bytes that are not UTF-8 become in text read with errors="surrogateescape"; and those or a
# zero byte, which is not text either (PostgreSQL cannot store it, and no format holds one).
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_NOT_TEXT = re.compile("[\udc80-\udcff\x00]")
NOT_UTF8_MESSAGE = "This value is not UTF-8 text: save the file as 'CSV UTF-8' and try again."
NUL_MESSAGE = (
    "This value holds a zero byte (NUL), which is not text: save the file as 'CSV UTF-8' and try again."
)


def first_value_not_text(values: Sequence[str]) -> tuple[int, str] | None:
    """(position, message) of the first value that is not text Waymark can store, or None.

    For rows of a file read with errors="surrogateescape": a byte that is not UTF-8 is then
    found in the value that holds it, so a refusal can name its line and column, and the rest
    of the file can still be checked (a strict decoder stops at the first, a buffer ahead of it).
    """
    if not _NOT_TEXT.search("".join(values)):
        return None
    for position, value in enumerate(values):
        if _NOT_TEXT.search(value):
            return position, NOT_UTF8_MESSAGE if _NOT_UTF8.search(value) else NUL_MESSAGE
    return None  # pragma: no cover - the joined values held one, so a value does


def file_sha256(path: Path | str, *, chunk_size: int = 1 << 20) -> str:
    """The SHA-256 of a file's bytes, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def statistics_refresh(*models: type[Model]) -> None:
    """Have the database measure the tables an import has just filled (`ANALYZE`), so that the
    next queries are planned on what is there now. SQLite keeps no statistics until asked: with
    none, it once answered the RASSO page's repeat-suspect count over a year of 300,000 crimes by
    scanning every crime of the force for each suspect, in 45 s rather than 0.4 s. PostgreSQL's
    autovacuum would get there, but not before the first dashboard after a big import."""
    tables = [connection.ops.quote_name(model._meta.db_table) for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


class TerminalProgress:
    """A progress bar on a terminal: `[#####-----]  48%  4,800 of 10,000  Checking rows`.

    Callable like any `ProgressCallback`; redraws at most `min_interval` seconds apart (and
    always at the end and for a new message), so an import may call it for every row. With
    `counts=False` (a file import, whose units are bytes read and then steps of writing) the
    numbers are left out: `[#####-----]  48%  Checking rows`.
    """

    def __init__(
        self,
        stream: IO[str] | None = None,
        *,
        width: int = 30,
        min_interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        counts: bool = True,
    ) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.counts = counts
        self.min_interval = min_interval
        self._clock = clock
        self._last: float | None = None
        self._message = ""
        self._drawn = False

    def __call__(self, *, done: int, total: int, message: str = "") -> None:
        now = self._clock()
        complete = total > 0 and done >= total
        new_stage = bool(message) and message != self._message
        if not complete and not new_stage and self._last is not None and now - self._last < self.min_interval:
            return
        self._last = now
        if message:
            self._message = message
        self.stream.write("\r" + self.line(done=done, total=total, message=message) + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def line(self, *, done: int, total: int, message: str = "") -> str:
        """The bar as text, without redrawing it."""
        if total > 0:
            share = min(done / total, 1.0)
            filled = round(share * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            numbers = f"{done:,} of {total:,}  " if self.counts else ""
            return f"[{bar}] {share:4.0%}  {numbers}{message}".rstrip()
        return f"{done:,}  {message}".rstrip()

    def close(self) -> None:
        """End the bar's line so the next output starts on its own."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
