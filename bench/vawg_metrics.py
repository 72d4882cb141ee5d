"""RASSO metrics benchmark: Waymark's `rasso_metrics` for a financial year against DuckDB.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark_bench .venv/bin/python \
        bench/vawg_metrics.py --crimes 500000

Writes a SYNTHETIC West Midlands force extract of N crimes with their events
(`waymark.crime.synthetic.write_extract`, 2023-04-01 to 2025-03-31, default N = 5,000,000),
builds a throwaway PostgreSQL database (`test_<name>`, migrations, dropped at the end unless
`--keep`), loads the extract (`--loader copy`, the default: COPY into staging tables, one
INSERT ... SELECT per table, then `classify_crimes`; or `--loader importer`: Waymark's
`import_crimes` and `import_events`, much slower at millions of rows), and then, in the same run:

  (a) times `waymark.crime.metrics.rasso_metrics` for the financial year 2023/24, as an OPCC
      analyst would ask for it (every metric, M1 to M13, and the funnel), with disclosure
      control off (threshold 1) so the true figures can be compared; once with `SET jit = on`
      (PostgreSQL's default) and once with `jit = off`, as Waymark's connections run
      (PostgreSQL's JIT compiles these queries for longer than they run at this size);
  (b) times DuckDB computing M1 to M6 and M10 from the same two CSV files (read and parsed
      each time), by the definitions in docs/crime-metrics.md;
  (c) times the VAWG and RASSO pages' other selectors for the financial year 2024/25, with
      their disclosure control on: `vawg_volumes` (five tables and the comparison with
      2023/24) and `crime_map` for VAWG and for adult rape (no reference: figures to watch);

and prints both sets of numbers, whether they agree, the best and median time of each, and the
ratio. It never fails on a time: it reports. With `--keep` the database and the files (under
`var/bench/`) are kept, and a second run with the same size and seed skips writing and loading.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from _setup import bench_analyst, django_on_postgresql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

START, END = date(2023, 4, 1), date(2025, 3, 31)
EXTRACTED_ON = date(2025, 4, 7)
AREA = "E23000014"
YEAR = "2023/24"
PAGE_YEAR = "2024/25"  # the later year, so that the VAWG page's comparison a year earlier runs


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--crimes", type=int, default=5_000_000, help="crimes in the extract (default 5,000,000)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each side (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database and the files")
    parser.add_argument(
        "--loader",
        choices=("copy", "importer"),
        default="copy",
        help="load with COPY and set-based SQL (default; fast) or with Waymark's importer",
    )
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(function: Callable[[], Any], repeats: int) -> tuple[Any, list[float]]:
    """The result of the last call, and the seconds of each."""
    seconds: list[float] = []
    result: Any = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    return result, seconds


# --- Waymark ------------------------------------------------------------------------------------


def load(crimes_path: Path, events_path: Path) -> None:
    """Import the two files with Waymark's importer, reporting rows per second."""
    from waymark.core.models import PoliceForceArea
    from waymark.crime.force_extract import import_crimes, import_events

    area = PoliceForceArea.objects.get(code=AREA)
    for label, importer, path in (
        ("crimes", import_crimes, crimes_path),
        ("events", import_events, events_path),
    ):
        started = time.perf_counter()
        result = importer(path, police_force_area=area, extracted_on=EXTRACTED_ON)
        seconds = time.perf_counter() - started
        log(f"  imported {result.rows:,} {label} in {seconds:.1f}s ({result.rows / seconds:,.0f} rows/s)")


def load_with_copy(crimes_path: Path, events_path: Path) -> None:
    """Load the two files straight into the tables the metrics read: COPY into staging tables of
    text, one INSERT ... SELECT each for crimes, suspects and events, then `classify_crimes`.

    Much faster than the importer at millions of rows, because it skips what the metrics do not
    read (victims, outcome history, the checks on every value) and trusts the file. The H3
    cells the maps group by are computed in Python, as the importer does.
    """
    from django.db import connection

    from waymark.core.models import PoliceForceArea
    from waymark.crime.classification import classify_crimes
    from waymark.crime.models import Crime, CrimeSuspect, ProgressionEvent

    area = PoliceForceArea.objects.get(code=AREA)
    crime, suspect, event = (model._meta.db_table for model in (Crime, CrimeSuspect, ProgressionEvent))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table, path in (("bench_crimes", crimes_path), ("bench_events", events_path)):
            with open(path, encoding="utf-8") as handle:
                header = handle.readline().strip().split(",")
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE UNLOGGED TABLE {table} ({', '.join(f'{name} text' for name in header)})")
            with (
                open(path, "rb") as handle,
                cursor.cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER)") as copy,
            ):
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        log(f"  COPY of both files: {time.perf_counter() - started:.1f}s")
        flags = ", ".join(
            f"COALESCE(s.{name} = 'Y', false)"
            for name in (
                "domestic_abuse_flag",
                "honour_based_abuse_flag",
                "sexual_exploitation_flag",
                "child_sexual_abuse_flag",
                "online_flag",
            )
        )
        cursor.execute(
            f"""
            INSERT INTO {crime} (police_force_area_id, crime_reference, reported_on, recorded_on,
                offence_code, record_status, domestic_abuse, honour_based_abuse, sexual_exploitation,
                child_sexual_abuse, online, hate_strands, lsoa_code, local_authority_code, latitude,
                longitude, h3_r7, h3_r8, outcome_type, outcome_on, is_vawg, is_rasso, is_adult_rape,
                extracted_on)
            SELECT %s, s.crime_reference, s.reported_date::date, s.recorded_date::date, s.offence_code,
                COALESCE(NULLIF(s.record_status, ''), 'recorded'), {flags},
                COALESCE(s.hate_strands, ''), COALESCE(s.lsoa_code, ''), NULLIF(s.local_authority_code, ''),
                s.latitude::float8, s.longitude::float8, '', '', s.outcome_type::int,
                NULLIF(s.outcome_date, '')::date, false, false, false, %s
            FROM bench_crimes s
            """,  # noqa: S608 - the bench's own tables
            [area.pk, EXTRACTED_ON],
        )
        cursor.execute(
            f"""
            INSERT INTO {suspect} (crime_id, suspect_ref)
            SELECT DISTINCT c.id, ref
            FROM bench_crimes s
            JOIN {crime} c ON c.police_force_area_id = %s AND c.crime_reference = s.crime_reference
            CROSS JOIN LATERAL unnest(string_to_array(s.suspect_ids, ';')) AS ref
            WHERE s.suspect_ids <> ''
            """,  # noqa: S608
            [area.pk],
        )
        cursor.execute(
            f"""
            INSERT INTO {event} (crime_id, kind, occurred_on, suspect_ref, detail)
            SELECT c.id, e.event, e.event_date::date, COALESCE(e.suspect_id, ''), COALESCE(e.detail, '')
            FROM bench_events e
            JOIN {crime} c ON c.police_force_area_id = %s AND c.crime_reference = e.crime_reference
            ON CONFLICT DO NOTHING
            """,  # noqa: S608
            [area.pk],
        )
        cursor.execute("DROP TABLE bench_crimes, bench_events")
        log(f"  crimes, suspects and events inserted: {time.perf_counter() - started:.1f}s")
        _add_cells(cursor.cursor, crime)
    log(f"  H3 cells added: {time.perf_counter() - started:.1f}s")
    classified = classify_crimes(police_force_area_id=area.pk)
    log(f"  {classified:,} crimes classified: {time.perf_counter() - started:.1f}s in all")


def _add_cells(cursor: Any, crime: str) -> None:
    """Each located crime's H3 cells, as the importer computes them (the maps group by them)."""
    import h3

    cursor.execute(f"SELECT id, latitude, longitude FROM {crime} WHERE latitude IS NOT NULL")  # noqa: S608
    located = cursor.fetchall()  # read before the COPY starts: one connection does one thing at a time
    cursor.execute("CREATE TEMP TABLE bench_cells (id bigint, h3_r7 text, h3_r8 text)")
    with cursor.copy("COPY bench_cells FROM STDIN") as copy:
        for crime_id, latitude, longitude in located:
            cells = (h3.latlng_to_cell(latitude, longitude, resolution) for resolution in (7, 8))
            copy.write_row((crime_id, *cells))
    cursor.execute(
        f"UPDATE {crime} c SET h3_r7 = b.h3_r7, h3_r8 = b.h3_r8 FROM bench_cells b WHERE b.id = c.id"  # noqa: S608
    )
    cursor.execute("DROP TABLE bench_cells")


def vawg_page_timings(user: Any, repeats: int) -> dict[str, list[float]]:
    """Seconds per call of the VAWG and RASSO pages' other selectors, for PAGE_YEAR: the volumes
    (with the comparison a year earlier, which the data reaches back to) and the two maps."""
    from waymark.crime.maps import crime_map
    from waymark.crime.metrics import CrimeFilters, vawg_volumes

    filters = CrimeFilters.for_financial_year(PAGE_YEAR)
    volumes = vawg_volumes(user=user, filters=filters, threshold=1)
    if volumes.year_earlier.unavailable:
        raise SystemExit(f"bench: no year-earlier figure to time: {volumes.year_earlier.unavailable}")
    return {
        f"vawg_volumes {PAGE_YEAR} ({volumes.total:,} VAWG crimes)": timed(
            lambda: vawg_volumes(user=user, filters=filters), repeats
        )[1],
        f"crime_map {PAGE_YEAR}, VAWG": timed(lambda: crime_map(user=user, filters=filters), repeats)[1],
        f"crime_map {PAGE_YEAR}, adult rape": timed(
            lambda: crime_map(user=user, filters=filters, scope="rasso"), repeats
        )[1],
    }


def waymark_figures(user: Any) -> dict[str, Any]:
    """rasso_metrics for the year with no suppression, as {figure: value}."""
    from waymark.crime.metrics import CrimeFilters, rasso_metrics

    result = rasso_metrics(user=user, filters=CrimeFilters.for_financial_year(YEAR), threshold=1)
    m = result.metric
    return {
        "extraction date": result.extracted_on,
        "M1 recorded": m("M1").value,
        "M2 charged (cohort)": m("M2").numerator,
        "M2 not yet assigned": m("M2").not_yet_assigned,
        "M3 type 1 in year": m("M3").numerator,
        "M3 outcomes 1-22 in year": m("M3").denominator,
        "M4 types 14, 16": m("M4").numerator,
        "M4b type 16": m("M4b").numerator,
        "M4b types 15, 16": m("M4b").denominator,
        "M5 cases": m("M5").denominator,
        "M5 median days": m("M5").value,
        "M5 P75 days": m("M5").p75_days,
        "M5 P90 days": m("M5").p90_days,
        "M6 suspects decided": m("M6").denominator,
        "M6 suspects charged": m("M6").numerator,
        "M10 verdicts": m("M10").denominator,
        "M10 convictions": m("M10").numerator,
    }


# --- DuckDB -------------------------------------------------------------------------------------


def adult_rape_codes() -> list[str]:
    """The offence codes the current rules make adult rape (DuckDB uses the same rule data)."""
    from waymark.crime.models import ClassificationRule

    rules = ClassificationRule.objects.filter(
        rule_set__is_current=True, target=ClassificationRule.Target.ADULT_RAPE
    )
    if any(rule.offence_group or rule.crime_flag for rule in rules):
        raise SystemExit("bench: the adult rape rules use groups or flags; the DuckDB side reads codes only")
    return sorted(rule.offence_code for rule in rules)


def duckdb_figures(crimes_path: Path, events_path: Path, codes: list[str]) -> dict[str, Any]:
    """M1 to M6 and M10 from the CSV files, by the definitions in docs/crime-metrics.md."""
    import duckdb

    from waymark.core.periods import FinancialYear
    from waymark.crime.metrics import CHARGING_DECISIONS, CONVICTED_VERDICTS

    year = FinancialYear.parse(YEAR)
    cut = EXTRACTED_ON
    end = min(year.end, cut)
    db = duckdb.connect()
    codes_list = ", ".join(f"'{code}'" for code in codes)
    # The adult rape crimes, typed; record_status empty means recorded (the format says so).
    db.execute(
        f"""
        CREATE TEMP TABLE ar AS
        SELECT crime_reference AS ref,
               CAST(recorded_date AS DATE) AS rec,
               CAST(outcome_type AS INTEGER) AS ot,
               TRY_CAST(NULLIF(outcome_date, '') AS DATE) AS od,
               COALESCE(NULLIF(record_status, ''), 'recorded') = 'recorded' AS recorded
        FROM read_csv('{crimes_path}', header = true, all_varchar = true)
        WHERE offence_code IN ({codes_list})
        """  # noqa: S608 - the bench's own values
    )
    s, e = f"DATE '{year.start}'", f"DATE '{year.end}'"
    c, pe = f"DATE '{cut}'", f"DATE '{end}'"
    cohort = f"recorded AND rec BETWEEN {s} AND {e}"
    closed = f"recorded AND ot >= 1 AND od BETWEEN {s} AND {pe}"
    row = db.execute(
        f"""
        SELECT count(*) FILTER (WHERE {cohort}),
               count(*) FILTER (WHERE {cohort} AND ot = 1 AND od <= {c}),
               count(*) FILTER (WHERE {cohort} AND (ot = 0 OR od IS NULL OR od > {c})),
               count(*) FILTER (WHERE {closed} AND ot = 1),
               count(*) FILTER (WHERE {closed}),
               count(*) FILTER (WHERE {closed} AND ot IN (14, 16)),
               count(*) FILTER (WHERE {closed} AND ot = 16),
               count(*) FILTER (WHERE {closed} AND ot IN (15, 16))
        FROM ar
        """  # noqa: S608
    ).fetchone()
    assert row is not None
    # Nearest rank: the value at rank ceil(P/100 * n), as Waymark defines it.
    spread = db.execute(
        f"""
        WITH d AS (SELECT od - rec AS days FROM ar WHERE {closed} AND ot = 1),
             r AS (SELECT days, row_number() OVER (ORDER BY days) AS rn, count(*) OVER () AS n FROM d)
        SELECT (SELECT count(*) FROM d),
               min(days) FILTER (WHERE rn = (50 * n + 99) // 100),
               min(days) FILTER (WHERE rn = (75 * n + 99) // 100),
               min(days) FILTER (WHERE rn = (90 * n + 99) // 100)
        FROM r
        """  # noqa: S608
    ).fetchone()
    assert spread is not None
    decisions = ", ".join(f"'{value}'" for value in CHARGING_DECISIONS)
    convictions = ", ".join(f"'{value}'" for value in CONVICTED_VERDICTS)
    events = db.execute(
        f"""
        WITH ev AS (
            SELECT e.crime_reference AS ref, e.event, CAST(e.event_date AS DATE) AS on_date,
                   COALESCE(e.suspect_id, '') AS suspect, COALESCE(e.detail, '') AS detail
            FROM read_csv('{events_path}', header = true, all_varchar = true) AS e
            JOIN ar ON ar.ref = e.crime_reference AND ar.recorded
        ),
        in_year AS (SELECT * FROM ev WHERE on_date BETWEEN {s} AND {pe})
        SELECT (SELECT count(*) FROM (SELECT DISTINCT ref, suspect FROM in_year
                    WHERE event = 'cps_decision' AND detail IN ({decisions}))),
               (SELECT count(*) FROM (SELECT DISTINCT ref, suspect FROM in_year
                    WHERE event = 'cps_decision' AND detail = 'charge')),
               (SELECT count(*) FROM in_year WHERE event = 'verdict'),
               (SELECT count(*) FROM in_year WHERE event = 'verdict' AND detail IN ({convictions}))
        """  # noqa: S608
    ).fetchone()
    assert events is not None
    db.close()
    return {
        "extraction date": EXTRACTED_ON,
        "M1 recorded": row[0],
        "M2 charged (cohort)": row[1],
        "M2 not yet assigned": row[2],
        "M3 type 1 in year": row[3],
        "M3 outcomes 1-22 in year": row[4],
        "M4 types 14, 16": row[5],
        "M4b type 16": row[6],
        "M4b types 15, 16": row[7],
        "M5 cases": spread[0],
        "M5 median days": spread[1],
        "M5 P75 days": spread[2],
        "M5 P90 days": spread[3],
        "M6 suspects decided": events[0],
        "M6 suspects charged": events[1],
        "M10 verdicts": events[2],
        "M10 convictions": events[3],
    }


# --- the run ------------------------------------------------------------------------------------


def _files(args: argparse.Namespace, workdir: Path) -> tuple[Path, Path]:
    from waymark.crime.synthetic import CRIMES_FILE, EVENTS_FILE, write_extract

    crimes_path, events_path = workdir / CRIMES_FILE, workdir / EVENTS_FILE
    if args.keep and crimes_path.exists() and events_path.exists():
        log(f"reusing the extract in {workdir}")
        return crimes_path, events_path
    log(f"writing a synthetic extract of {args.crimes:,} crimes to {workdir}")
    started = time.perf_counter()
    paths = write_extract(
        workdir, crimes=args.crimes, seed=args.seed, start=START, end=END, as_of=EXTRACTED_ON
    )
    megabytes = sum(path.stat().st_size for path in paths) / 1e6
    log(f"  written in {time.perf_counter() - started:.1f}s ({megabytes:,.0f} MB)")
    return paths


def main() -> None:
    args = _parse()
    import tempfile

    django_on_postgresql()
    from django.db import connection

    from waymark.core.models import PoliceForceArea
    from waymark.crime.models import Crime, ForceExtractImport

    temporary = None
    if args.keep:
        workdir = ROOT / "var" / "bench" / f"vawg-metrics-{args.crimes}-seed{args.seed}"
    else:
        temporary = tempfile.TemporaryDirectory(prefix="waymark-bench-metrics-")
        workdir = Path(temporary.name)
    try:
        crimes_path, events_path = _files(args, workdir)
        log("creating the bench database (migrations)")
        old_name = connection.settings_dict["NAME"]
        name = connection.creation.create_test_db(
            verbosity=0, autoclobber=not args.keep, keepdb=args.keep, serialize=False
        )
        log(f"database {name} ready")
        try:
            # The COPY loader classifies last: a load of it cut short leaves crimes unclassified.
            loaded = not Crime.objects.filter(classified_by__isnull=True).exists()
            if Crime.objects.count() != args.crimes or not loaded:
                log(f"loading {args.crimes:,} crimes and their events ({args.loader})")
                with connection.cursor() as cursor:  # a half-loaded kept database starts again
                    cursor.execute(
                        f"TRUNCATE {Crime._meta.db_table}, {ForceExtractImport._meta.db_table} CASCADE"
                    )
                (load if args.loader == "importer" else load_with_copy)(crimes_path, events_path)
            else:
                log("reusing the crimes already loaded")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            # Crime data is seen in the analyst's own force area only (`CrimeDataQuerySet`).
            user = bench_analyst(police_force_area=PoliceForceArea.objects.get(code=AREA))
            codes = adult_rape_codes()
            adult_rape = Crime.objects.filter(is_adult_rape=True).count()
            log(f"{adult_rape:,} adult rape crimes (codes {', '.join(codes)}) of {args.crimes:,}")

            # PostgreSQL's default first; Waymark's connections turn JIT off (config/settings).
            with connection.cursor() as cursor:
                cursor.execute("SET jit = on")
            jit = "on"
            log(f"timing rasso_metrics for {YEAR} ({args.repeats} runs, jit = on)")
            ours, jit_seconds = timed(lambda: waymark_figures(user), args.repeats)
            with connection.cursor() as cursor:
                cursor.execute("SET jit = off")
            log(f"timing rasso_metrics for {YEAR} ({args.repeats} runs, jit = off)")
            ours_again, our_seconds = timed(lambda: waymark_figures(user), args.repeats)
            assert ours_again == ours
            log(f"timing DuckDB over the same CSV files ({args.repeats} runs)")
            theirs, their_seconds = timed(
                lambda: duckdb_figures(crimes_path, events_path, codes), args.repeats
            )
            log(f"timing the VAWG and RASSO pages' volumes and maps for {PAGE_YEAR} (jit = off)")
            page_seconds = vawg_page_timings(user, args.repeats)
        finally:
            if not args.keep:
                log(f"dropping {name}")
                connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        if temporary is not None:
            temporary.cleanup()

    print()
    print(
        f"RASSO metrics for {YEAR}: synthetic West Midlands extract, {args.crimes:,} crimes, seed {args.seed}"
    )
    print(f"{'figure':<28} {'Waymark':>12} {'DuckDB':>12}  agree")
    agree = True
    for key, value in ours.items():
        same = value == theirs[key]
        agree = agree and same
        print(f"{key:<28} {value!s:>12} {theirs[key]!s:>12}  {'yes' if same else 'NO'}")
    print(f"\nThe numbers {'agree' if agree else 'DO NOT agree'}.")
    print(f"\n{'':<42} {'best s':>8} {'median s':>9}")
    for label, seconds in (
        (f"Waymark rasso_metrics (all), jit = {jit}", jit_seconds),
        ("Waymark rasso_metrics (all), jit = off", our_seconds),
        ("DuckDB M1-M6, M10 from the CSV files", their_seconds),
    ):
        print(f"{label:<42} {min(seconds):>8.2f} {statistics.median(seconds):>9.2f}")
    for label, seconds in page_seconds.items():
        print(f"{label:<42} {min(seconds):>8.2f} {statistics.median(seconds):>9.2f}")
    print(
        f"\nRatio (Waymark / DuckDB, best times): {min(our_seconds) / min(their_seconds):.2f} (jit = off), "
        f"{min(jit_seconds) / min(their_seconds):.2f} (jit = {jit})"
    )


if __name__ == "__main__":
    main()
