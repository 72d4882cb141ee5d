"""Code duties import benchmark: a force's first duties file, then its next month's over it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark_bench .venv/bin/python \
        bench/import_code_duties.py --crimes 100000

Builds a throwaway PostgreSQL database (`test_<name>`, migrations, dropped at the end unless
`--keep`), imports a SYNTHETIC West Midlands force extract of N crimes with its events
(`waymark.crime.synthetic.write_extract`, default N = 100,000), and writes the Code duties owed
on them twice (`waymark.victims_code.synthetic.write_code_duties`): as at the extraction date,
and as at two months later, when more duties are delivered or documented as not applicable.
Then, each after a `CHECKPOINT`:

  (a) `import_code_duties` of the first file into an empty duties table;
  (b) PostgreSQL `COPY ... FROM STDIN (FORMAT csv, HEADER)` of the same file into a bare table
      of text columns, as the reference;
  (c) `import_code_duties` of the later file over the first: the usual case, where nearly every
      duty is known and each is compared with what Waymark holds.

It prints each import's time, rows per second and counts (new, changed, unchanged), and (a)'s
rate against (b)'s. It never fails on a time: it reports.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _setup import django_on_postgresql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

START, END = date(2023, 4, 1), date(2025, 3, 31)
EXTRACTED_ON = date(2025, 4, 7)
LATER_EXTRACTED_ON = date(2025, 6, 7)
AREA = "E23000014"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--crimes", type=int, default=100_000, help="crimes in the extract (default 100,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep", action="store_true", help="keep the bench database (and reuse it next time)"
    )
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def checkpoint() -> None:
    """Start a timed phase with the server's earlier writes on disk."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def bare_copy(path: Path) -> float:
    """Seconds to COPY the CSV into a fresh table of text columns (dropped after)."""
    from django.db import connection

    with open(path, encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    columns = ", ".join(f'"{name}" text' for name in header)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_duties")
        cursor.execute(f"CREATE TABLE bench_copy_duties ({columns})")
    checkpoint()
    started = time.perf_counter()
    with connection.cursor() as cursor, open(path, "rb") as handle:
        with cursor.cursor.copy("COPY bench_copy_duties FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_duties")
    return seconds


def main() -> None:
    args = _parse()
    django_on_postgresql()
    from django.db import connection

    from waymark.core.models import PoliceForceArea
    from waymark.crime.force_extract import import_crimes, import_events
    from waymark.crime.models import Crime, ForceExtractImport
    from waymark.crime.synthetic import write_extract
    from waymark.victims_code.duties import import_code_duties
    from waymark.victims_code.synthetic import write_code_duties

    with tempfile.TemporaryDirectory(prefix="waymark-bench-duties-") as workdir:
        log(f"writing a synthetic extract of {args.crimes:,} crimes")
        crimes_path, events_path = write_extract(
            Path(workdir), crimes=args.crimes, seed=args.seed, start=START, end=END
        )
        log("creating the bench database (migrations)")
        old_name = connection.settings_dict["NAME"]
        name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, keepdb=args.keep, serialize=False
        )
        try:
            # A kept database (`--keep`) still has the last run's crimes and duties.
            tables = f"{Crime._meta.db_table}, {ForceExtractImport._meta.db_table}"
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {tables} CASCADE")
            area = PoliceForceArea.objects.get(code=AREA)
            log(f"importing the extract into {name}")
            import_crimes(crimes_path, police_force_area=area, extracted_on=EXTRACTED_ON)
            import_events(events_path, police_force_area=area, extracted_on=EXTRACTED_ON)
            first, later = Path(workdir) / "duties-first.csv", Path(workdir) / "duties-later.csv"
            log("writing the duties as at the extraction date, and two months later")
            write_code_duties(first, police_force_area_id=area.pk, as_of=EXTRACTED_ON, seed=args.seed)
            write_code_duties(later, police_force_area_id=area.pk, as_of=LATER_EXTRACTED_ON, seed=args.seed)

            results = []
            for label, path, extracted_on in (
                ("(a) first file", first, EXTRACTED_ON),
                ("(c) later file", later, LATER_EXTRACTED_ON),
            ):
                checkpoint()
                log(f"importing the {label[4:]}")
                started = time.perf_counter()
                result = import_code_duties(path, police_force_area=area, extracted_on=extracted_on)
                results.append((label, result, time.perf_counter() - started))
            log("COPY of the first file into a bare text table")
            copy_seconds = bare_copy(first)
        finally:
            if not args.keep:
                log(f"dropping {name}")
                connection.creation.destroy_test_db(old_name, verbosity=0)

    print()
    print(f"Code duties import benchmark ({args.crimes:,} synthetic crimes, seed {args.seed}), PostgreSQL")
    print(f"{'':<16} {'rows':>9} {'s':>7} {'rows/s':>9} {'new':>9} {'changed':>9} {'unchanged':>10}")
    for label, result, seconds in results:
        print(
            f"{label:<16} {result.rows:>9,} {seconds:>7.1f} {result.rows / seconds:>9,.0f} "
            f"{result.new:>9,} {result.changed:>9,} {result.unchanged:>10,}"
        )
    rows = results[0][1].rows
    print(f"{'(b) bare COPY':<16} {rows:>9,} {copy_seconds:>7.1f} {rows / copy_seconds:>9,.0f}")
    print(f"\nThe first file imports at {copy_seconds / results[0][2]:.2f} of the bare COPY's rate.")


if __name__ == "__main__":
    main()
