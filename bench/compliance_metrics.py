# ruff: noqa: S608 -- SQL of the bench's own tables and generated values
"""Victims' Code compliance benchmark: the metric rollup against DuckDB, and the overview page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark_bench .venv/bin/python \
        bench/compliance_metrics.py --pairs 200000

Builds a throwaway PostgreSQL database (`test_<name>`, migrations, dropped at the end unless
`--keep`) and fills it with SYNTHETIC West Midlands evidence in set-based SQL (INSERT ... SELECT
over generate_series, every value a deterministic hash of the row number and `--seed`): N
crimes recorded from April 2023 to March 2025, each with one victim (N victim-crime pairs,
default 2,000,000; outcomes 1, 9, 14, 16 or none), `--duties` Code duties per pair (default
10: 20,000,000) of the metrics' entitlements, triggered up to 120 days after recording,
delivered on time, late, not at all or documented as not applicable, with `due_on` from the
calendar table by the rule of `deadlines.duties_due_recompute`; and a survey answer for one
pair in 20. Then, in the same run:

  (a) times `waymark.victims_code.rollup.metrics_rollup`: every rolled-up metric (duty,
      attrition and survey metrics: 24 of the seeded ones), every quarter of the rollup and
      every breakdown, counted and stored; once with `SET jit = on` (PostgreSQL's default),
      once with `jit = off`, as Waymark's connections run;
  (b) exports the same tables with `COPY ... TO` into CSV files in a temporary directory and
      times DuckDB reading them and computing the same counts (every metric, quarter,
      breakdown and group), and compares them with the rollup's rows, group by group;
  (c) times the overview page (`/victims-code/`) for 2024/25 Q4 after the rollup, through the
      Django test client signed in as an OPCC analyst: the first request and the median of
      `--requests`, and how many queries one request runs.

It prints the figures, whether they agree, and the ratio of the rollup to DuckDB (the goal in
issue 5: within 3x). It never fails on a time: it reports. With `--keep` the database is kept
and a second run with the same size and seed skips the loading.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from _setup import bench_analyst, django_on_postgresql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

AREA = "E23000014"
EXTRACTED_ON = date(2025, 7, 7)
OVERVIEW_QUARTER = "2024/25 Q4"

# (group key, DuckDB expression) per breakdown; the same keys as `metrics._group_key`.
VAWG = "CASE WHEN c.is_vawg THEN 'vawg' ELSE 'not_vawg' END"
VICTIM_KEYS = {name: f"coalesce(v.{name}, '')" for name in ("age_band", "sex", "ethnicity", "disability")}
CRIME_KEYS = {
    "vawg": VAWG,
    "crime_group": f"{VAWG} || ':' || coalesce(o.grp, '')",
    "local_authority": "coalesce(c.la, '')",
}


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=2_000_000, help="victim-crime pairs (default 2,000,000)")
    parser.add_argument("--duties", type=int, default=10, help="Code duties per pair (default 10)")
    parser.add_argument("--requests", type=int, default=5, help="timed overview requests (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


# --- building the data --------------------------------------------------------------------------


def _sql_list(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + "]::text[]"


def load(pairs: int, duties: int, seed: int) -> None:
    """Crimes, victims, duties and survey answers in a few INSERT ... SELECT statements."""
    from django.db import connection

    from waymark.core.models import CalendarDay, LocalAuthority, PoliceForceArea
    from waymark.crime.models import Crime, CrimeVictim, ForceExtractImport, OffenceCode
    from waymark.victims_code.models import CodeDuty, Entitlement, SurveyInvitation, SurveyResponse
    from waymark.victims_code.rollup import rolled_up_metrics

    area = PoliceForceArea.objects.get(code=AREA)
    offences = list(OffenceCode.objects.order_by("code").values_list("code", flat=True))
    authorities = list(LocalAuthority.objects.order_by("code").values_list("code", flat=True)[:12])
    entitlement_ids = sorted(
        {pk for metric in rolled_up_metrics() for pk in metric.entitlements.values_list("pk", flat=True)}
    )
    if len(entitlement_ids) < duties:
        raise SystemExit(f"bench: only {len(entitlement_ids)} entitlements: ask for at most that many duties")
    crime, victim, duty = (m._meta.db_table for m in (Crime, CrimeVictim, CodeDuty))
    calendar, entitlement = CalendarDay._meta.db_table, Entitlement._meta.db_table
    invitation, response = SurveyInvitation._meta.db_table, SurveyResponse._meta.db_table

    def h(value: str, salt: int) -> str:
        """A deterministic pseudo-random non-negative integer from a row number and a salt."""
        return f"abs(hashint8extended(({value})::bigint, {seed * 1000 + salt}))"

    def run(sql: str, params: list[Any] | None = None) -> None:
        # "%" is the modulo operator here; with parameters the driver wants it doubled.
        cursor.execute(sql.replace(" % ", " %% ") if params else sql, params)

    started = time.perf_counter()
    with connection.cursor() as cursor:
        run(
            f"""
            INSERT INTO {crime} (police_force_area_id, crime_reference, reported_on, recorded_on,
                offence_code, record_status, domestic_abuse, honour_based_abuse, sexual_exploitation,
                child_sexual_abuse, online, hate_strands, lsoa_code, local_authority_code, latitude,
                longitude, h3_r7, h3_r8, outcome_type, outcome_on, is_vawg, is_rasso, is_adult_rape,
                classified_by, extracted_on)
            SELECT %s, 'BENCH-' || g, r.day, r.day,
                ({_sql_list(offences)})[1 + {h("g", 2)} % {len(offences)}], 'recorded',
                false, false, false, false, false, '', '',
                CASE WHEN {h("g", 4)} % 20 = 0 THEN NULL
                     ELSE ({_sql_list(authorities)})[1 + {h("g", 4)} % {len(authorities)}] END,
                NULL, NULL, '', '', o.type,
                CASE WHEN o.type = 0 THEN NULL ELSE r.day + 10 + ({h("g", 6)} % 300)::int END,
                {h("g", 3)} % 100 < 25, false, false, 1, %s
            FROM generate_series(1, %s) AS g
            CROSS JOIN LATERAL (SELECT DATE '2023-04-01' + ({h("g", 1)} % 731)::int AS day) AS r
            CROSS JOIN LATERAL (
                SELECT (ARRAY[0, 0, 0, 0, 1, 9, 9, 14, 16, 16])[1 + {h("g", 5)} % 10] AS type
            ) AS o
            """,
            [area.pk, EXTRACTED_ON, pairs],
        )
        log(f"  {pairs:,} crimes: {time.perf_counter() - started:.1f}s")
        run("DROP TABLE IF EXISTS bench_pair")
        run(
            f"""
            CREATE UNLOGGED TABLE bench_pair AS
            SELECT substr(crime_reference, 7)::int AS g, id AS crime_id, 'V' || substr(crime_reference, 7)
                AS victim_ref, recorded_on
            FROM {crime} WHERE police_force_area_id = %s
            """,
            [area.pk],
        )
        run(
            f"""
            INSERT INTO {victim} (crime_id, victim_ref, sex, age_band, ethnicity, disability, enhanced_rights)
            SELECT crime_id, victim_ref,
                (ARRAY['F', 'F', 'M', 'M', 'X', ''])[1 + {h("g", 11)} % 6],
                (ARRAY['0-15', '16-17', '18-24', '25-34', '35-44', '45-54', '55-64', '65+', 'unknown', ''])
                    [1 + {h("g", 12)} % 10],
                (ARRAY['White', 'White', 'Asian', 'Black', 'Mixed', 'Other', ''])[1 + {h("g", 13)} % 7],
                (ARRAY['Y', 'N', 'N', ''])[1 + {h("g", 14)} % 4],
                (ARRAY['', '', '', 'vulnerable', 'intimidated', 'persistently_targeted'])
                    [1 + {h("g", 15)} % 6]
            FROM bench_pair
            """
        )
        log(f"  {pairs:,} victims: {time.perf_counter() - started:.1f}s")
        # Duties: `duties` distinct entitlements per pair. due_on by the rule of
        # `deadlines.duties_due_recompute`, joined here rather than updated afterwards.
        run(
            f"""
            INSERT INTO {duty} (police_force_area_id, crime_id, victim_ref, entitlement_id, triggered_on,
                received_on, enhanced, due_on, delivered_on, channel, not_applicable_reason,
                not_applicable_detail, source, extracted_on)
            WITH d AS (
                SELECT p.crime_id, p.victim_ref, s.e AS entitlement_id,
                    p.recorded_on + ({h("p.g * 64 + s.slot", 21)} % 120)::int AS triggered_on,
                    ({h("p.g * 64 + s.slot", 22)} % 3)::int AS receipt_lag,
                    {h("p.g", 15)} % 6 >= 3 AS enhanced,
                    {h("p.g * 64 + s.slot", 23)} % 100 AS fate,
                    ({h("p.g * 64 + s.slot", 24)} % 8)::int AS delivery_lag
                FROM bench_pair p
                CROSS JOIN LATERAL (
                    SELECT slot, (ARRAY[{", ".join(map(str, entitlement_ids))}])
                        [1 + (slot + p.g) % {len(entitlement_ids)}] AS e
                    FROM generate_series(0, %s - 1) AS slot
                ) AS s
            ), a AS (
                SELECT d.*, d.triggered_on + d.receipt_lag AS received_on,
                    CASE WHEN d.enhanced THEN e.deadline_enhanced ELSE e.deadline_standard END AS days,
                    CASE WHEN e.anchor = 'receipt' THEN d.triggered_on + d.receipt_lag ELSE d.triggered_on END
                        AS anchor
                FROM d JOIN {entitlement} e ON e.id = d.entitlement_id
            )
            SELECT %s, a.crime_id, a.victim_ref, a.entitlement_id, a.triggered_on, a.received_on, a.enhanced,
                CASE WHEN a.days IS NULL THEN NULL WHEN a.days = 0 THEN a.anchor ELSE due.day END,
                CASE WHEN a.fate < 65 THEN a.triggered_on + a.delivery_lag END, '',
                CASE WHEN a.fate >= 85 THEN
                    (ARRAY['victim_declined', 'unable_to_contact', 'not_eligible', 'victim_opted_out'])
                    [1 + a.fate % 4] ELSE '' END,
                '', 'force_records', %s
            FROM a
            LEFT JOIN {calendar} anchor_day ON anchor_day.day = a.anchor
            LEFT JOIN {calendar} due ON due.is_working_day
                AND due.working_day_number = anchor_day.working_day_number + a.days
            """,
            [duties, area.pk, EXTRACTED_ON],
        )
        log(f"  {pairs * duties:,} duties: {time.perf_counter() - started:.1f}s")
        satisfaction = (
            "(ARRAY['completely_satisfied', 'very_satisfied', 'fairly_satisfied', 'neither', "
            "'fairly_dissatisfied', 'very_dissatisfied', 'dont_know', ''])"
        )
        yes_no = "(ARRAY['yes', 'yes', 'no', 'dont_know', ''])"
        run(
            f"""
            INSERT INTO {invitation} (public_id, created_at, updated_at, police_force_area_id, crime_id,
                victim_ref, token_sha256, expires_at, used_at, created_by_id)
            SELECT gen_random_uuid(), now(), now(), %s, crime_id, victim_ref,
                md5('a' || g) || md5('b' || g), now(), (recorded_on + 90)::timestamptz, NULL
            FROM bench_pair WHERE g % 20 = 0
            """,
            [area.pk],
        )
        answers = ", ".join(
            f"{satisfaction}[1 + {h('p.g', 30 + i)} % 8]" for i, _ in enumerate(("a", "b", "c", "d", "e"))
        )
        yes_nos = ", ".join(f"{yes_no}[1 + {h('p.g', 40 + i)} % 5]" for i in range(6))
        run(
            f"""
            INSERT INTO {response} (invitation_id, submitted_on, ease_of_contact, actions_taken,
                kept_informed, treatment, whole_experience, would_report_again, aware_of_code,
                recall_written_confirmation, recall_referral_offer, recall_vps_offer, recall_updates,
                confidence, comments)
            SELECT i.id, p.recorded_on + 90, {answers}, {yes_nos},
                (ARRAY['very', 'fairly', 'not_very', 'not_at_all', 'dont_know', ''])[1 + {h("p.g", 50)} % 6],
                NULL
            FROM {invitation} i JOIN bench_pair p ON p.crime_id = i.crime_id
            """
        )
        cursor.execute("DROP TABLE bench_pair")
        # The record an import leaves: the "as of" date and the rollup's freshness read it.
        ForceExtractImport.objects.create(
            police_force_area=area,
            kind=ForceExtractImport.Kind.CODE_DUTIES,
            file_name="bench-code-duties.csv",
            sha256=f"{seed:064d}",
            extracted_on=EXTRACTED_ON,
            rows=pairs * duties,
        )
        log(f"  {pairs // 20:,} survey answers: {time.perf_counter() - started:.1f}s")
        cursor.execute("ANALYZE")


# --- Waymark's figures --------------------------------------------------------------------------

Key = tuple[str, date, str, str]
Value = tuple[int, int, int, tuple[tuple[str, int], ...]]


def rollup_rows() -> dict[Key, Value]:
    """The rollup's rows: (metric, quarter start, breakdown, group) -> (numerator, denominator,
    open cases, what was left out)."""
    from waymark.victims_code.models import MetricRollup

    rows: dict[Key, Value] = {}
    for code, start, breakdown, group, num, den, open_count, excluded in MetricRollup.objects.values_list(
        "metric__code",
        "period_start",
        "breakdown",
        "group_key",
        "numerator",
        "denominator",
        "not_yet_due",
        "excluded",
    ):
        rows[(code, start, breakdown, group)] = (
            num,
            den,
            open_count,
            tuple(sorted((k, int(v)) for k, v in excluded.items() if v)),
        )
    return rows


# --- DuckDB -------------------------------------------------------------------------------------


def export(workdir: Path) -> dict[str, Path]:
    """The evidence and the definitions as CSV files, by COPY ... TO STDOUT."""
    from django.db import connection

    from waymark.core.models import PoliceForceArea

    area = PoliceForceArea.objects.get(code=AREA).pk
    queries = {
        "duties": "SELECT entitlement_id, crime_id, victim_ref, triggered_on, enhanced, due_on, "
        f"delivered_on, not_applicable_reason FROM victims_code_codeduty WHERE police_force_area_id = {area}",
        "crimes": "SELECT id, recorded_on, outcome_type, outcome_on, is_vawg, offence_code, "
        f"local_authority_code, record_status FROM crime_crime WHERE police_force_area_id = {area}",
        "victims": "SELECT crime_id, victim_ref, sex, age_band, ethnicity, disability, enhanced_rights "
        "FROM crime_crimevictim",
        "offences": 'SELECT code, "group" AS grp FROM crime_offencecode',
        "answers": "SELECT i.crime_id, i.victim_ref, r.* FROM victims_code_surveyresponse r "
        "JOIN victims_code_surveyinvitation i ON i.id = r.invitation_id "
        f"WHERE i.police_force_area_id = {area}",
        "metric_entitlements": "SELECT m.code, me.entitlement_id "
        "FROM victims_code_metricdefinition_entitlements me "
        "JOIN victims_code_metricdefinition m ON m.id = me.metricdefinition_id",
    }
    paths: dict[str, Path] = {}
    with connection.cursor() as cursor:
        for name, query in queries.items():
            path = workdir / f"{name}.csv"
            with (
                open(path, "wb") as out,
                cursor.cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER)") as copy,
            ):
                for block in copy:
                    out.write(block)
            paths[name] = path
    return paths


def duckdb_rows(paths: dict[str, Path], quarters: list[tuple[date, date]], as_of: date) -> dict[Key, Value]:
    """The same counts as the rollup, by the definitions in docs/victims-code-metrics.md."""
    import duckdb

    from waymark.victims_code.metrics import _survey_answers  # the answers that count, as data
    from waymark.victims_code.models import MetricDefinition, NotApplicableReason
    from waymark.victims_code.rollup import rolled_up_metrics

    measures = {m.code: m for m in rolled_up_metrics()}
    db = duckdb.connect()
    for name, path in paths.items():
        db.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header = true)")
    found: dict[Key, Value] = {}
    reasons = list(NotApplicableReason.values)
    first, last = quarters[0][0], quarters[-1][1]

    def keep(
        code: str, breakdown: str, row: tuple[Any, ...], open_count: int, excluded: dict[str, int]
    ) -> None:
        start, group, num, den = row[0], row[1], row[2], row[3]
        found[(code, start, breakdown, group)] = (
            int(num),
            int(den),
            int(open_count),
            tuple(sorted((k, int(v)) for k, v in excluded.items() if v)),
        )

    # Duties joined once with their metric, crime, offence group and victim.
    db.execute(
        f"""
        CREATE TABLE d AS
        SELECT me.code, date_trunc('quarter', du.triggered_on)::date AS q, du.enhanced,
               coalesce(du.not_applicable_reason, '') AS na, du.due_on, du.delivered_on,
               c.is_vawg, c.local_authority_code AS la, o.grp,
               v.age_band, v.sex, v.ethnicity, v.disability
        FROM duties du
        JOIN metric_entitlements me ON me.entitlement_id = du.entitlement_id
        JOIN crimes c ON c.id = du.crime_id
        LEFT JOIN offences o ON o.code = c.offence_code
        LEFT JOIN victims v ON v.crime_id = du.crime_id AND v.victim_ref = du.victim_ref
        WHERE du.triggered_on BETWEEN DATE '{first}' AND DATE '{last}'
        """
    )
    duty_keys = {"none": "''", "enhanced": "CASE WHEN enhanced THEN 'enhanced' ELSE 'standard' END"}
    duty_keys |= {k: v.replace("c.", "").replace("o.", "").replace("v.", "") for k, v in CRIME_KEYS.items()}
    duty_keys |= {k: v.replace("v.", "") for k, v in VICTIM_KEYS.items()}
    nyd = f"na = '' AND delivered_on IS NULL AND coalesce(due_on > DATE '{as_of}', false)"
    for breakdown, key in duty_keys.items():
        counted = db.execute(
            f"""
            SELECT q, {key} AS k, code,
                count(*) FILTER (WHERE na = '' AND delivered_on IS NOT NULL),
                count(*) FILTER (WHERE na = ''),
                count(*) FILTER (WHERE na = '' AND delivered_on <= due_on
                                 OR na = '' AND due_on IS NULL AND delivered_on IS NOT NULL),
                count(*) FILTER (WHERE na = '' AND NOT ({nyd})),
                count(*) FILTER (WHERE {nyd}),
                {", ".join(f"count(*) FILTER (WHERE na = '{r}')" for r in reasons)}
            FROM d GROUP BY ALL
            """
        ).fetchall()
        for row in counted:
            q, k, code = row[0], row[1], row[2]
            metric = measures.get(code)
            if metric is None:
                continue
            excluded = dict(zip(reasons, row[8:], strict=True))
            if metric.measure == MetricDefinition.Measure.ON_TIME:
                keep(code, breakdown, (q, k, row[5], row[6]), row[7], excluded)
            else:
                keep(code, breakdown, (q, k, row[3], row[4]), 0, excluded)
    # Survey answers, joined with the pair.
    db.execute(
        """
        CREATE TABLE s AS
        SELECT a.*, date_trunc('quarter', a.submitted_on)::date AS q, c.is_vawg, c.local_authority_code AS la,
               o.grp, v.age_band, v.sex, v.ethnicity, v.disability,
               CASE WHEN v.crime_id IS NULL THEN '' WHEN coalesce(v.enhanced_rights, '') <> '' THEN 'enhanced'
                    ELSE 'standard' END AS enh
        FROM answers a JOIN crimes c ON c.id = a.crime_id
        LEFT JOIN offences o ON o.code = c.offence_code
        LEFT JOIN victims v ON v.crime_id = a.crime_id AND v.victim_ref = a.victim_ref
        """
    )
    survey_keys = {"none": "''", "enhanced": "enh"} | {
        k: v.replace("c.", "").replace("o.", "").replace("v.", "")
        for k, v in (CRIME_KEYS | VICTIM_KEYS).items()
    }
    for code, metric in measures.items():
        if metric.measure != MetricDefinition.Measure.SURVEY:
            continue
        question = metric.survey_question
        positive, dont_know = _survey_answers(question)
        answer = f"coalesce({question}, '')"
        listed = ", ".join(f"'{value}'" for value in positive)
        for breakdown, key in survey_keys.items():
            for row in db.execute(
                f"""
                SELECT q, {key}, count(*) FILTER (WHERE {answer} IN ({listed})),
                    count(*) FILTER (WHERE {answer} NOT IN ('', '{dont_know}')),
                    count(*) FILTER (WHERE {answer} = '{dont_know}'), count(*) FILTER (WHERE {answer} = '')
                FROM s WHERE submitted_on BETWEEN DATE '{first}' AND DATE '{last}' GROUP BY ALL
                """
            ).fetchall():
                keep(code, breakdown, row[:4], 0, {"dont_know": row[4], "not_answered": row[5]})
    # Attrition: every quarter against every pair of a recorded crime.
    db.execute(
        "CREATE TABLE quarters AS SELECT * FROM (VALUES "
        + ", ".join(f"(DATE '{s}', DATE '{e}')" for s, e in quarters)
        + ") AS t(qs, qe)"
    )
    db.execute(
        """
        CREATE TABLE p AS
        SELECT c.recorded_on, c.outcome_type, c.outcome_on, c.is_vawg, c.local_authority_code AS la, o.grp,
               v.age_band, v.sex, v.ethnicity, v.disability,
               CASE WHEN coalesce(v.enhanced_rights, '') <> '' THEN 'enhanced' ELSE 'standard' END AS enh
        FROM victims v JOIN crimes c ON c.id = v.crime_id LEFT JOIN offences o ON o.code = c.offence_code
        WHERE c.record_status = 'recorded'
        """
    )
    attrition = [code for code, m in measures.items() if m.measure == MetricDefinition.Measure.ATTRITION]
    decided = "outcome_type >= 1 AND outcome_on BETWEEN qs AND qe"
    still_open = "recorded_on <= qe AND (outcome_type = 0 OR outcome_on IS NULL OR outcome_on > qe)"
    for breakdown, key in survey_keys.items():
        for row in db.execute(
            f"""
            SELECT qs, {key}, count(*) FILTER (WHERE {decided} AND outcome_type IN (14, 16)),
                count(*) FILTER (WHERE {decided}), count(*) FILTER (WHERE {still_open})
            FROM p JOIN quarters ON ({decided}) OR ({still_open}) GROUP BY ALL
            """
        ).fetchall():
            for code in attrition:
                keep(code, breakdown, row[:4], row[4], {})
    db.close()
    return found


def compare(ours: dict[Key, Value], theirs: dict[Key, Value]) -> tuple[int, int, list[str]]:
    """(rows compared, rows that differ, the first differences); a row missing on one side is
    all zeros (the rollup stores an overall row for every quarter, even an empty one)."""
    zero: Value = (0, 0, 0, ())
    differ: list[str] = []
    keys = set(ours) | set(theirs)
    for key in sorted(keys, key=str):
        if ours.get(key, zero) != theirs.get(key, zero):
            differ.append(f"{key}: rollup {ours.get(key, zero)}, DuckDB {theirs.get(key, zero)}")
    return len(keys), len(differ), differ[:10]


# --- the run ------------------------------------------------------------------------------------


def main() -> None:
    args = _parse()
    django_on_postgresql()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from waymark.core.models import PoliceForceArea
    from waymark.crime.models import Crime
    from waymark.victims_code.models import CodeDuty, MetricRollup
    from waymark.victims_code.rollup import metrics_rollup

    log("creating the bench database (migrations)")
    old_name = connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(
        verbosity=0, autoclobber=not args.keep, keepdb=args.keep, serialize=False
    )
    log(f"database {name} ready")
    temporary = tempfile.TemporaryDirectory(prefix="waymark-bench-compliance-")
    try:
        wanted = args.pairs * args.duties
        if Crime.objects.count() != args.pairs or CodeDuty.objects.count() != wanted:
            log(f"loading {args.pairs:,} victim-crime pairs and {wanted:,} duties")
            with connection.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE victims_code_metricrollup, victims_code_surveyresponse, "
                    "victims_code_surveyinvitation, victims_code_codeduty, crime_crime, "
                    "crime_forceextractimport CASCADE"
                )
            _, seconds = timed(lambda: load(args.pairs, args.duties, args.seed))
            log(f"loaded in {seconds:.1f}s")
        else:
            log("reusing the data already loaded")
        area = PoliceForceArea.objects.get(code=AREA)
        # PostgreSQL's default first; Waymark's connections turn JIT off (config/settings).
        with connection.cursor() as cursor:
            cursor.execute("SET jit = on")
        jit = "on"

        log(f"(a) the rollup, jit = {jit}")
        summary, rollup_jit = timed(lambda: metrics_rollup(police_force_area=area))
        log(f"    {summary.summary()}")
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        log("(a) the rollup, jit = off")
        summary, rollup_off = timed(lambda: metrics_rollup(police_force_area=area))
        log(f"    {summary.summary()}")
        ours = rollup_rows()

        log("(b) COPY ... TO CSV files, then DuckDB")
        workdir = Path(temporary.name)
        paths, export_seconds = timed(lambda: export(workdir))
        megabytes = sum(path.stat().st_size for path in paths.values()) / 1e6
        log(f"    exported {megabytes:,.0f} MB in {export_seconds:.1f}s")
        quarters = sorted(
            {
                (row.period_start, row.period_end)
                for row in MetricRollup.objects.filter(breakdown="none", metric__code="M05")
            }
        )
        theirs, duckdb_seconds = timed(lambda: duckdb_rows(paths, quarters, summary.as_of))
        compared, differ, examples = compare(ours, theirs)

        log(f"(c) the overview for {OVERVIEW_QUARTER}, {args.requests} requests")
        client = Client()
        client.force_login(bench_analyst(police_force_area=PoliceForceArea.objects.get(code=AREA)))
        url = reverse("victims_code:overview")
        request_seconds: list[float] = []
        for _ in range(args.requests + 1):
            response, seconds = timed(lambda: client.get(url, {"quarter": OVERVIEW_QUARTER}))
            assert response.status_code == 200, response.status_code
            request_seconds.append(seconds)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, {"quarter": OVERVIEW_QUARTER})
    finally:
        temporary.cleanup()
        if not args.keep:
            log(f"dropping {name}")
            connection.creation.destroy_test_db(old_name, verbosity=0)

    print()
    print(
        f"Victims' Code metrics: {args.pairs:,} victim-crime pairs, {args.pairs * args.duties:,} duties, "
        f"{args.pairs // 20:,} survey answers, seed {args.seed}"
    )
    print(
        f"Rollup: {summary.metrics} metrics, {len(summary.quarters)} quarters "
        f"({summary.quarters[0]} to {summary.quarters[-1]}), every breakdown, {summary.rows:,} rows"
    )
    print(f"Rows compared with DuckDB: {compared:,}; differing: {differ}")
    for line in examples:
        print(f"  {line}")
    print(f"The figures {'agree' if not differ else 'DO NOT agree'}.")
    print()
    print(f"{'':<52} {'seconds':>9}")
    print(f"{'(a) rollup, all quarters and breakdowns, jit = ' + jit:<52} {rollup_jit:>9.2f}")
    print(f"{'(a) rollup, all quarters and breakdowns, jit = off':<52} {rollup_off:>9.2f}")
    print(f"{'    COPY of the tables to CSV (not in either time)':<52} {export_seconds:>9.2f}")
    print(f"{'(b) DuckDB: read the CSV files and count the same':<52} {duckdb_seconds:>9.2f}")
    print(f"{'(c) overview ' + OVERVIEW_QUARTER + ', first request':<52} {request_seconds[0]:>9.3f}")
    print(
        f"{'(c) overview ' + OVERVIEW_QUARTER + ', median of the next':<52} "
        f"{statistics.median(request_seconds[1:]):>9.3f}"
    )
    print(f"    queries per overview request: {len(queries)}")
    best = min(rollup_jit, rollup_off)
    print(
        f"\nRatio (rollup / DuckDB): {best / duckdb_seconds:.2f} "
        "(best of the two JIT settings; goal: 3 or less)"
    )


if __name__ == "__main__":
    main()
