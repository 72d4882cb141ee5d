"""Staging tables for bulk imports: rows streamed in, then set-based SQL moves them on.

On PostgreSQL the rows go in with `COPY ... FROM STDIN` (psycopg 3's `cursor.copy`), the
fastest way in; on SQLite with `executemany` in batches. Either way the table is a temporary
table of the current connection, dropped at the end of the `staging_table` block, and the
caller then runs `INSERT ... SELECT` / `UPDATE ... FROM` statements against it inside the same
transaction, so a file is loaded all or nothing.

    with transaction.atomic(), staging_table("stage_crime", COLUMNS) as stage:
        stage.load(rows)                       # an iterator: constant memory
        cursor.execute(f"INSERT INTO crime_crime (...) SELECT ... FROM {stage.name} ...")
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import islice
from typing import Any

from django.db import DatabaseError, connection

# Column types as both databases spell them; the caller says which of these each column is.
_TYPES = {
    "text": "text",
    "int": "bigint",
    "float": "double precision",
    "date": "date",
    "bool": "boolean",
}
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class StagingTable:
    """A temporary table of the current connection that rows are loaded into."""

    def __init__(self, name: str, columns: Sequence[tuple[str, str]]) -> None:
        self.name = name
        self.columns = list(columns)
        self.rows = 0

    @property
    def column_names(self) -> list[str]:
        return [column for column, _ in self.columns]

    def load(self, rows: Iterable[Sequence[Any]], *, batch_size: int = 5_000) -> int:
        """Append `rows` (tuples in column order; None for NULL) and return how many went in."""
        names = ", ".join(self.column_names)
        before = self.rows
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # psycopg 3's own cursor, for COPY
                with raw.copy(f"COPY {self.name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        self.rows += 1
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f"INSERT INTO {self.name} ({names}) VALUES ({marks})"  # noqa: S608 (checked names)
                iterator: Iterator[Sequence[Any]] = iter(rows)
                while batch := list(islice(iterator, batch_size)):
                    cursor.executemany(sql, batch)
                    self.rows += len(batch)
        return self.rows - before


@contextmanager
def staging_table(name: str, columns: Sequence[tuple[str, str]]) -> Iterator[StagingTable]:
    """Create temporary table `name` with `columns` ((name, type) pairs, types from `_TYPES`),
    yield it, and drop it afterwards. Use inside the caller's transaction."""
    for identifier in [name, *(column for column, _ in columns)]:
        if not _NAME.match(identifier):
            raise ValueError(f"{identifier!r} is not a plain lower-case SQL name")
    unknown = [kind for _, kind in columns if kind not in _TYPES]
    if unknown:
        raise ValueError(f"unknown staging column type(s): {', '.join(unknown)}")
    definition = ", ".join(f"{column} {_TYPES[kind]}" for column, kind in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({definition})")
    try:
        yield StagingTable(name, columns)
    finally:
        # After a failed statement PostgreSQL refuses any other until rollback, which takes
        # the temporary table with it; the caller's error is the one to see.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
