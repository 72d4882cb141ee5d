"""Force-extract import benchmark: Waymark's importer against a bare PostgreSQL COPY of the same file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark_bench .venv/bin/python \
        bench/import_force_extract.py --crimes 200000

Writes a SYNTHETIC West Midlands force extract of N crimes with their events
(`waymark.crime.synthetic.write_extract`, default N = 1,000,000) and one of N/10, into a
temporary directory; builds a throwaway PostgreSQL database (`test_<name>`, migrations, dropped
at the end unless `--keep`); then, for each size, from an empty crime store:

  (a) `import_crimes` of crimes.csv and then `import_events` of events.csv, each timed, in a
      child process that reports its own peak resident memory (`VmHWM`) before and after;
  (b) PostgreSQL `COPY ... FROM STDIN (FORMAT csv, HEADER)` of the same two files into bare
      tables of text columns, timed, as the reference.

  (c) the storage floor: the rows the import wrote, saved with `COPY ... TO`, removed and put
      back with `COPY ... FROM` into the same tables (indexes, unique constraints and deferred
      foreign keys in place), timed with the commits: what writing them costs with no reading,
      checking or classifying.

Then, for the large size only:

  (d) a later extract of the same crimes, six months on (`write_extract(..., as_of=...)`:
      outcomes and events that came since), imported over the first as the force's next
      monthly extract would be, timed in a child process: the import's usual case, where most
      crimes are known and each is compared with what Waymark holds.

Each timed phase starts after a `CHECKPOINT`, so none is timed while the server writes out an
earlier phase's pages.

It prints rows per second for both (a) and (b), the ratio (the goal in issue 4: the import at least half
as fast as the bare COPY), and the import's peak memory at both sizes (the goal: flat as N
grows), then the import's time against (c), and (c)'s rate against (b): the best ratio any
importer that writes these tables could reach. It never fails on a time: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from _setup import django_on_postgresql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

START, END = date(2023, 4, 1), date(2025, 3, 31)
EXTRACTED_ON = date(2025, 4, 7)
LATER_AS_OF, LATER_EXTRACTED_ON = date(2025, 9, 30), date(2025, 10, 6)
AREA = "E23000014"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--crimes", type=int, default=1_000_000, help="crimes in the large extract (default 1,000,000)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep", action="store_true", help="keep the bench database (and reuse it next time)"
    )
    parser.add_argument(
        "--child", nargs=4, metavar=("DATABASE", "CRIMES", "EVENTS", "EXTRACTED_ON"), help=argparse.SUPPRESS
    )
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _maxrss_mib() -> float:
    """This process's peak resident memory in MiB.

    On Linux, `VmHWM` of /proc/self/status: the peak of this program alone. `ru_maxrss` is kept
    across fork and exec, so in the child it starts at the parent's size when it was started
    (the parent has run the migrations), which would hide the import's own peak under it.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the child: one import, measured -----------------------------------------------------------------


def child(database: str, crimes_path: str, events_path: str, extracted_on: str) -> None:
    """Import the two files into `database` as the extract of `extracted_on` (ISO date); print one
    JSON line with times, counts and memory."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DATABASES["default"]["NAME"] = database
    connection.settings_dict["NAME"] = database
    from waymark.core.models import PoliceForceArea
    from waymark.crime.force_extract import import_crimes, import_events

    area = PoliceForceArea.objects.get(code=AREA)
    extract_date = date.fromisoformat(extracted_on)
    baseline = _maxrss_mib()
    started = time.perf_counter()
    crimes = import_crimes(Path(crimes_path), police_force_area=area, extracted_on=extract_date)
    crimes_seconds = time.perf_counter() - started
    after_crimes = _maxrss_mib()
    started = time.perf_counter()
    events = import_events(Path(events_path), police_force_area=area, extracted_on=extract_date)
    events_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "crimes_rows": crimes.rows,
                "crimes_created": crimes.created,
                "crimes_updated": crimes.updated,
                "crimes_unchanged": crimes.unchanged,
                "crimes_seconds": crimes_seconds,
                "events_rows": events.rows,
                "events_created": events.created,
                "events_seconds": events_seconds,
                "rss_baseline_mib": baseline,
                "rss_after_crimes_mib": after_crimes,
                "rss_peak_mib": _maxrss_mib(),
            }
        )
    )


def run_child(
    database: str, crimes_path: Path, events_path: Path, extracted_on: date = EXTRACTED_ON
) -> dict[str, Any]:
    arguments = [database, str(crimes_path), str(events_path), extracted_on.isoformat()]
    done = subprocess.run(  # noqa: S603 - this script, with paths it wrote
        [sys.executable, __file__, "--child", *arguments],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"bench: the import failed (exit {done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- the parent ----------------------------------------------------------------------------------------


def empty_crime_store() -> None:
    """Remove every crime, its dependants and the record of imported files (not reference data)."""
    from django.db import connection

    from waymark.crime.models import Crime, ForceExtractImport

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Crime._meta.db_table}, {ForceExtractImport._meta.db_table} CASCADE")


def bare_copy(path: Path, table: str) -> tuple[int, float]:
    """COPY the CSV into a fresh table of text columns; return (rows, seconds)."""
    from django.db import connection

    with open(path, encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    columns = ", ".join(f'"{name}" text' for name in header)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} ({columns})")
        # Every timed phase starts from a checkpoint: otherwise the COPY after a large import runs
        # while the server writes out the import's pages, and is timed at a fraction of its rate.
        cursor.execute("CHECKPOINT")
    started = time.perf_counter()
    with connection.cursor() as cursor, open(path, "rb") as handle:
        with cursor.cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - the bench's own table name
        rows = int(cursor.fetchone()[0])
        cursor.execute(f"DROP TABLE {table}")
    return rows, seconds


def _crime_tables() -> tuple[list[str], list[str]]:
    """The tables `import_crimes` writes (in an order their foreign keys allow), and those
    `import_events` writes."""
    from waymark.crime.models import (
        Crime,
        CrimeOutcomeChange,
        CrimeSuspect,
        CrimeVawgBasis,
        CrimeVictim,
        ProgressionEvent,
    )

    crimes = [Crime, CrimeVictim, CrimeSuspect, CrimeVawgBasis, CrimeOutcomeChange]
    return [model._meta.db_table for model in crimes], [ProgressionEvent._meta.db_table]


def same_rows_copy(workdir: Path) -> tuple[float, float]:
    """The storage floor: the rows the import wrote, saved with `COPY ... TO`, removed, and put
    back with `COPY ... FROM` into the same tables (every index, unique constraint and deferred
    foreign key in place), the crimes' five tables in one transaction and then the events in
    another, as the import does. Returns the two times in seconds, commits included: what
    writing these rows costs with no reading, checking or classifying at all."""
    from django.db import connection, transaction

    crime_tables, event_tables = _crime_tables()
    saved: dict[str, Path] = {}
    with connection.cursor() as cursor:
        for table in crime_tables + event_tables:
            saved[table] = workdir / f"{table}.copy"
            with open(saved[table], "wb") as out, cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
                for chunk in copy:
                    out.write(chunk)
    empty_crime_store()
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # as the import and the bare COPY do

    def put_back(tables: list[str]) -> float:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for table in tables:
                with (
                    open(saved[table], "rb") as handle,
                    cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy,
                ):
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
        return time.perf_counter() - started

    return put_back(crime_tables), put_back(event_tables)


def main() -> None:
    args = _parse()
    if args.child:
        child(*args.child)
        return
    django_on_postgresql()
    from django.db import connection

    from waymark.crime.synthetic import write_extract

    large = args.crimes
    small = max(1, large // 10)
    sizes = [small, large]
    with tempfile.TemporaryDirectory(prefix="waymark-bench-extract-") as workdir:
        files: dict[int, tuple[Path, Path]] = {}
        for n in sizes:
            log(f"writing a synthetic extract of {n:,} crimes")
            started = time.perf_counter()
            files[n] = write_extract(Path(workdir) / str(n), crimes=n, seed=args.seed, start=START, end=END)
            megabytes = sum(p.stat().st_size for p in files[n]) / 1e6
            log(f"  written in {time.perf_counter() - started:.1f}s ({megabytes:.0f} MB)")
        log(f"writing the same {large:,} crimes as extracted on {LATER_AS_OF}")
        later_files = write_extract(
            Path(workdir) / "later", crimes=large, seed=args.seed, start=START, end=END, as_of=LATER_AS_OF
        )

        log("creating the bench database (migrations)")
        old_name = connection.settings_dict["NAME"]
        name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, keepdb=args.keep, serialize=False
        )
        log(f"database {name} ready")
        results: dict[int, dict[str, Any]] = {}
        try:
            for n in sizes:
                crimes_path, events_path = files[n]
                empty_crime_store()
                with connection.cursor() as cursor:
                    cursor.execute("CHECKPOINT")
                connection.close()
                log(f"importing {n:,} crimes and their events (child process)")
                result = run_child(name, crimes_path, events_path)
                log(
                    f"  crimes {result['crimes_seconds']:.1f}s, events {result['events_seconds']:.1f}s, "
                    f"peak {result['rss_peak_mib']:.0f} MiB"
                )
                log(f"COPY of the same files into bare text tables ({n:,} crimes)")
                result["copy_crimes_rows"], result["copy_crimes_seconds"] = bare_copy(
                    crimes_path, "bench_copy_crimes"
                )
                result["copy_events_rows"], result["copy_events_seconds"] = bare_copy(
                    events_path, "bench_copy_events"
                )
                log(f"COPY of the rows the import wrote back into the same tables ({n:,} crimes)")
                result["floor_crimes_seconds"], result["floor_events_seconds"] = same_rows_copy(Path(workdir))
                results[n] = result
            # (d) The store now holds the large extract, put back as the import wrote it.
            with connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
            connection.close()
            log(f"importing the later extract of the same {large:,} crimes over the first (child process)")
            later = run_child(name, *later_files, extracted_on=LATER_EXTRACTED_ON)
        finally:
            if not args.keep:
                log(f"dropping {name}")
                connection.creation.destroy_test_db(old_name, verbosity=0)

    print()
    print(f"Force-extract import benchmark (synthetic West Midlands extract, seed {args.seed}), PostgreSQL")
    print(
        f"{'crimes':>10} {'file':<7} {'rows':>10} {'import s':>9} {'import rows/s':>14} "
        f"{'COPY s':>7} {'COPY rows/s':>12} {'import/COPY':>12}"
    )
    for n in sizes:
        r = results[n]
        for kind in ("crimes", "events"):
            rows, seconds = r[f"{kind}_rows"], r[f"{kind}_seconds"]
            copy_rows, copy_seconds = r[f"copy_{kind}_rows"], r[f"copy_{kind}_seconds"]
            rate, copy_rate = rows / seconds, copy_rows / copy_seconds
            print(
                f"{n:>10,} {kind:<7} {rows:>10,} {seconds:>9.1f} {rate:>14,.0f} "
                f"{copy_seconds:>7.1f} {copy_rate:>12,.0f} {rate / copy_rate:>12.2f}"
            )
    print()
    print("The same rows COPYed into Waymark's own tables (indexes, constraints, deferred foreign keys):")
    print(
        f"{'crimes':>10} {'file':<7} {'import s':>9} {'same-rows COPY s':>17} {'import/same-rows':>17} "
        f"{'best possible import/COPY':>26}"
    )
    for n in sizes:
        r = results[n]
        for kind in ("crimes", "events"):
            seconds, floor = r[f"{kind}_seconds"], r[f"floor_{kind}_seconds"]
            # An importer that did nothing but write these rows would take `floor` seconds.
            print(
                f"{n:>10,} {kind:<7} {seconds:>9.1f} {floor:>17.1f} {floor / seconds:>17.2f} "
                f"{r[f'copy_{kind}_seconds'] / floor:>26.2f}"
            )
    print()
    print(
        f"{'crimes':>10} {'RSS before MiB':>15} {'peak after crimes MiB':>22} {'peak after events MiB':>22}"
    )
    for n in sizes:
        r = results[n]
        print(
            f"{n:>10,} {r['rss_baseline_mib']:>15.0f} "
            f"{r['rss_after_crimes_mib']:>22.0f} {r['rss_peak_mib']:>22.0f}"
        )
    r = results[large]
    ratio = (r["crimes_rows"] / r["crimes_seconds"]) / (r["copy_crimes_rows"] / r["copy_crimes_seconds"])
    verdict = "met" if ratio >= 0.5 else "NOT met"
    print(
        "\nGoal (issue 4): import at least half as fast as the bare COPY "
        f"(crimes file, {large:,} crimes): {verdict} ({ratio:.2f})."
    )
    best = r["copy_crimes_seconds"] / r["floor_crimes_seconds"]
    print(
        f"Writing the import's rows alone, by COPY into the same tables, runs at {best:.2f} of the "
        f"bare COPY's rate; the import runs at {r['floor_crimes_seconds'] / r['crimes_seconds']:.2f} "
        "of that."
    )
    growth = results[large]["rss_peak_mib"] - results[small]["rss_peak_mib"]
    print(f"Peak memory from {small:,} to {large:,} crimes: {growth:+.0f} MiB.")
    print(
        f"\nThe same {large:,} crimes extracted again on {LATER_AS_OF}, imported over the first "
        f"(the monthly case): crimes {later['crimes_seconds']:.1f} s ({later['crimes_updated']:,} changed, "
        f"{later['crimes_unchanged']:,} unchanged, {later['crimes_created']:,} new), events "
        f"{later['events_seconds']:.1f} s ({later['events_rows']:,} rows, {later['events_created']:,} new); "
        f"peak {later['rss_peak_mib']:.0f} MiB."
    )


if __name__ == "__main__":
    main()
