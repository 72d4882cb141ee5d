"""The database settings: PostgreSQL connections run without JIT, and the SQLite options `make
run` uses (`SQLITE_OPTIONS`) let a request that reads and then writes share the file with
another writer, as the web server's threads and the task worker do.

The SQLite options are tested on a file of the test's own, so that test runs whichever database
the suite is on."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.db.utils import ConnectionHandler

from config.settings.base import SQLITE_OPTIONS

ALIAS = "sqlite_sharing"


@pytest.mark.django_db
def test_postgresql_connections_run_without_jit() -> None:
    """JIT compiling made the dashboards' queries slower than they run (docs/benchmarks.md)."""
    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


@contextmanager
def sqlite_alias(path: Path) -> Iterator[str]:
    """A database alias for the SQLite file at `path`, configured as `make run` configures it."""
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": dict(SQLITE_OPTIONS)}
    configured = ConnectionHandler({"default": sqlite, ALIAS: sqlite}).settings[ALIAS]
    connections.settings[ALIAS] = configured
    try:
        yield ALIAS
    finally:
        del connections.settings[ALIAS]


def in_thread(work: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    """`work` in a thread of its own, with its own connection, closed at the end."""

    def run() -> None:
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections[ALIAS].close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_request_that_reads_then_writes_waits_for_another_writer_instead_of_failing(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    """Request A reads, then writes (as a page does, ending with its access-log entry); writer
    B (the worker, say) writes in between. Begun DEFERRED, A's write would fail at once with
    "database is locked", its snapshot being older than B's commit. Begun IMMEDIATE, A holds
    the write lock from its start and B waits for A to commit: both writes land, A's first."""
    path = tmp_path / "shared.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE entry (id INTEGER PRIMARY KEY, who TEXT NOT NULL)")

    a_has_read = threading.Event()
    b_committed = threading.Event()
    errors: list[BaseException] = []

    # The test database is not used, so is not opened: only this file of the test's own is.
    with django_db_blocker.unblock(), sqlite_alias(path) as alias:

        def request_a() -> None:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("SELECT count(*) FROM entry")
                a_has_read.set()
                # Give B time to write and commit, if the lock lets it.
                b_committed.wait(timeout=1)
                cursor.execute("INSERT INTO entry (who) VALUES ('request A')")

        def writer_b() -> None:
            a_has_read.wait(timeout=10)
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("INSERT INTO entry (who) VALUES ('writer B')")
            b_committed.set()

        threads = [in_thread(request_a, errors), in_thread(writer_b, errors)]
        for thread in threads:
            thread.join(timeout=30)

    assert errors == []
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT who FROM entry ORDER BY id").fetchall() == [
            ("request A",),
            ("writer B",),
        ]
