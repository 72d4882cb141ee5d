"""Helpers for the force-extract import tests: CSV rows, files, and a snapshot of every crime table."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db import connections as django_connections

from waymark.core.models import PoliceForceArea
from waymark.core.testing.forms import date_parts
from waymark.crime.force_extract import CRIME_COLUMNS, EVENT_COLUMNS, IMPORT_LOCK
from waymark.crime.models import (
    Crime,
    CrimeOutcomeChange,
    CrimeSuspect,
    CrimeVawgBasis,
    CrimeVictim,
    ForceExtractImport,
    ProgressionEvent,
)

T = TypeVar("T")

SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "formats" / "samples"
SAMPLE_CRIMES = SAMPLES / "force-extract-crimes.csv"
SAMPLE_EVENTS = SAMPLES / "force-extract-events.csv"

# Every table an import writes to, in an order that shows what changed first.
CRIME_TABLES: tuple[type[Any], ...] = (
    Crime,
    CrimeVictim,
    CrimeSuspect,
    CrimeOutcomeChange,
    CrimeVawgBasis,
    ProgressionEvent,
    ForceExtractImport,
)


def crime_row(reference: str = "T-1", **values: str) -> dict[str, str]:
    """A valid crimes-file row (one female victim of a DA-flagged assault, no outcome yet)."""
    row = {
        "crime_reference": reference,
        "reported_date": "2024-04-01",
        "recorded_date": "2024-04-02",
        "offence_code": "8N",
        "record_status": "recorded",
        "domestic_abuse_flag": "Y",
        "honour_based_abuse_flag": "N",
        "sexual_exploitation_flag": "N",
        "child_sexual_abuse_flag": "N",
        "online_flag": "N",
        "hate_strands": "",
        "lsoa_code": "",
        "latitude": "52.4797",
        "longitude": "-1.9027",
        "local_authority_code": "E08000025",
        "victim_ids": f"V-{reference}",
        "victim_sex": "F",
        "victim_age_band": "25-34",
        "victim_ethnicity": "W1",
        "victim_disability": "N",
        "victim_enhanced_rights": "most_serious_crime",
        "suspect_ids": f"S-{reference}",
        "outcome_type": "0",
        "outcome_date": "",
    }
    unknown = set(values) - set(row)
    assert not unknown, f"not crime columns: {unknown}"
    row.update(values)
    return row


def event_row(
    reference: str = "T-1", event: str = "arrested", on: str = "2024-04-03", **values: str
) -> dict[str, str]:
    """A valid events-file row."""
    row = {"crime_reference": reference, "event": event, "event_date": on, "suspect_id": "", "detail": ""}
    row.update(values)
    return row


def write_csv(
    path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = CRIME_COLUMNS
) -> Path:
    """Write rows under a header of `columns` (UTF-8, as the format says)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(column, "") for column in columns])
    return path


def write_events(path: Path, rows: list[dict[str, str]]) -> Path:
    return write_csv(path, rows, EVENT_COLUMNS)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every crime table, ids included: equal snapshots mean nothing was written."""
    return {
        model._meta.label: sorted(model.objects.order_by("pk").values_list(), key=repr)
        for model in CRIME_TABLES
    }


def table_counts() -> dict[str, int]:
    """How many rows each crime table has."""
    return {model._meta.label: model.objects.count() for model in CRIME_TABLES}


@contextmanager
def another_import_writing(area: PoliceForceArea) -> Iterator[psycopg.Connection[Any]]:
    """A second connection holding `area`'s import lock, as another import's write transaction
    would (PostgreSQL only). Meanwhile this connection waits at most 200 ms for a lock, so an
    import that waits its turn fails with a lock timeout rather than hang the test."""
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        # A timeout here too: should this test's own transaction hold the lock, fail, not hang.
        other.execute("SET lock_timeout = '10s'")
        other.execute("SELECT pg_advisory_lock(%s, %s)", (IMPORT_LOCK, area.pk))
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            yield other
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        other.close()  # which lets the lock go


def waiting_its_turn(
    area: PoliceForceArea | None,
    job: Callable[[], T],
    meanwhile: Callable[[], Any],
    *,
    keys: tuple[int, int] | None = None,
) -> T:
    """`job`'s result when it runs in a thread of its own while another import holds `area`'s
    lock (or the advisory lock of `keys`): once the job waits for the lock, `meanwhile` runs
    (what the other import commits), and then the lock goes (PostgreSQL only; the test must be
    transactional, so that the job's connection sees what `meanwhile` wrote)."""
    if keys is None:
        assert area is not None, "give the area whose import lock is held, or the lock's keys"
        keys = (IMPORT_LOCK, area.pk)
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    outcome: dict[str, Any] = {}

    def in_a_thread() -> None:
        try:
            outcome["result"] = job()
        except Exception as error:  # noqa: BLE001 - raised again below, in the test's thread
            outcome["error"] = error
        finally:
            django_connections.close_all()

    try:
        other.execute("SET lock_timeout = '10s'")
        other.execute("SELECT pg_advisory_lock(%s, %s)", keys)
        thread = threading.Thread(target=in_a_thread)
        thread.start()
        for _ in range(200):  # until the job waits for the lock (at most 20 s)
            waiting = other.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ).fetchone()
            if waiting and waiting[0]:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("The job never waited for the import lock.")
        meanwhile()
        other.execute("SELECT pg_advisory_unlock(%s, %s)", keys)
        thread.join(timeout=60)
    finally:
        other.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def upload_form(path: Path, kind: str = "crimes", extracted_on: str = "2025-04-01") -> dict[str, Any]:
    """The upload page's form, filled in as a person does, with the file at `path`."""
    return {
        "kind": kind,
        **date_parts("extracted_on", extracted_on),
        "file": SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv"),
    }
