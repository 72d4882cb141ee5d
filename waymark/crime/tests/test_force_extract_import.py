"""Importing the force's extract: the samples, later files, idempotency, older extracts, the CLI."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from waymark.core.geography import h3_cell
from waymark.core.imports import ImportRefusedError, file_sha256
from waymark.core.models import PoliceForceArea
from waymark.core.testing.progress import ProgressCalls, progress_seen_from_outside
from waymark.core.testing.world import World
from waymark.crime import classification
from waymark.crime.force_extract import import_crimes, import_events
from waymark.crime.metrics import CrimeFilters, vawg_volumes
from waymark.crime.models import (
    Crime,
    CrimeOutcomeChange,
    CrimeSuspect,
    CrimeVawgBasis,
    CrimeVictim,
    ForceExtractImport,
    ProgressionEvent,
)
from waymark.crime.synthetic import write_extract
from waymark.jobs.progress import ProgressReporter
from waymark.jobs.services import job_progress_start

from .force_extract_support import (
    SAMPLE_CRIMES,
    SAMPLE_EVENTS,
    another_import_writing,
    crime_row,
    event_row,
    snapshot,
    waiting_its_turn,
    write_csv,
    write_events,
)

APRIL = date(2025, 4, 1)
MAY = date(2025, 5, 1)
JUNE = date(2025, 6, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def area() -> PoliceForceArea:
    """West Midlands, loaded by the core migrations."""
    return PoliceForceArea.objects.get(code="E23000014")


def crime(reference: str) -> Crime:
    return Crime.objects.get(crime_reference=reference)


def test_the_sample_files_import(area: PoliceForceArea) -> None:
    """docs/formats/samples: 10 crimes, 11 victims (SYN-0004-24 has two), 9 suspects, 4 crimes with
    an outcome (types 1, 16, 15, 18), 15 events."""
    crimes = import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=APRIL)
    events = import_events(SAMPLE_EVENTS, police_force_area=area, extracted_on=APRIL)

    assert (crimes.rows, crimes.created, crimes.updated, crimes.unchanged) == (10, 10, 0, 0)
    assert (events.rows, events.created, events.updated, events.unchanged) == (15, 15, 0, 0)
    assert Crime.objects.count() == 10
    assert CrimeVictim.objects.count() == 11
    assert CrimeSuspect.objects.count() == 9
    assert ProgressionEvent.objects.count() == 15
    assert sorted(CrimeOutcomeChange.objects.values_list("outcome_type", flat=True)) == [1, 15, 16, 18]

    assault = crime("SYN-0001-24")
    assert assault.domestic_abuse
    assert assault.offence_code_id == "8N"
    assert assault.local_authority_id == "E08000025"
    assert assault.h3_r7 == h3_cell(52.4797, -1.9027, 7)
    assert assault.h3_r8 == h3_cell(52.4797, -1.9027, 8)
    assert assault.extracted_on == APRIL
    two_victims = crime("SYN-0004-24")
    assert sorted(
        two_victims.victims.values_list("victim_ref", "sex", "age_band", "ethnicity", "enhanced_rights")
    ) == [
        ("V-SYN-0004", "M", "18-24", "B1", ""),
        ("V-SYN-0005", "M", "25-34", "B2", ""),
    ]
    assert two_victims.hate_strands == "race"
    assert crime("SYN-0010-24").hate_strands == "race;religion"  # the format's order, whatever the file's
    assert crime("SYN-0005-24").record_status == Crime.RecordStatus.CANCELLED
    assert crime("SYN-0009-24").record_status == Crime.RecordStatus.RECORDED  # empty means recorded
    assert crime("SYN-0009-24").latitude is None
    assert crime("SYN-0009-24").h3_r8 == ""
    charged = crime("SYN-0002-24")
    assert (charged.outcome_type_id, charged.outcome_on) == (1, date(2024, 11, 20))
    assert charged.events.get(kind="cps_decision").detail == "charge"
    withdrawn = crime("SYN-0006-24")
    assert withdrawn.outcome_type_id == 16
    assert withdrawn.events.get(kind="victim_withdrawal").detail == "no_longer_supports_investigation"
    # Classified by the current rules: adult rape is RASSO and VAWG; a DA-flagged assault is VAWG.
    assert charged.is_adult_rape
    assert charged.is_rasso
    assert charged.is_vawg
    assert assault.is_vawg
    assert not assault.is_rasso
    assert charged.classified_by is not None

    extract = ForceExtractImport.objects.get(pk=crimes.extract_id)
    assert (extract.kind, extract.file_name, extract.rows, extract.created, extract.extracted_on) == (
        "crimes",
        "force-extract-crimes.csv",
        10,
        10,
        APRIL,
    )


def test_a_later_file_updates_the_outcome_and_keeps_its_history(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    """Outcome 0 in April, 15 in May, 1 in June (the case was reopened and charged): the crime
    ends with outcome 1 and the history holds 15 and 1, each once, with the extract that first
    reported it. A June file sent again under another name adds nothing."""
    import_crimes(
        write_csv(tmp_path / "april.csv", [crime_row("R-1")]), police_force_area=area, extracted_on=APRIL
    )
    assert not CrimeOutcomeChange.objects.exists()

    may = import_crimes(
        write_csv(tmp_path / "may.csv", [crime_row("R-1", outcome_type="15", outcome_date="2024-09-01")]),
        police_force_area=area,
        extracted_on=MAY,
    )
    assert (may.created, may.updated, may.unchanged) == (0, 1, 0)
    june_rows = [crime_row("R-1", outcome_type="1", outcome_date="2025-05-20"), crime_row("R-2")]
    june = import_crimes(
        write_csv(tmp_path / "june.csv", june_rows), police_force_area=area, extracted_on=JUNE
    )
    assert (june.created, june.updated, june.unchanged) == (1, 1, 0)
    again = import_crimes(
        write_csv(tmp_path / "june-again.csv", list(reversed(june_rows))),
        police_force_area=area,
        extracted_on=JUNE,
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    reopened = crime("R-1")
    assert (reopened.outcome_type_id, reopened.outcome_on, reopened.extracted_on) == (
        1,
        date(2025, 5, 20),
        JUNE,
    )
    assert Crime.objects.count() == 2
    assert sorted(
        reopened.outcome_changes.values_list("outcome_type", "outcome_on", "first_extracted_on")
    ) == [
        (1, date(2025, 5, 20), JUNE),
        (15, date(2024, 9, 1), MAY),
    ]


def test_the_same_file_twice_changes_nothing(area: PoliceForceArea) -> None:
    first = import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=APRIL)
    import_events(SAMPLE_EVENTS, police_force_area=area, extracted_on=APRIL)
    before = snapshot()

    crimes = import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=MAY)
    events = import_events(SAMPLE_EVENTS, police_force_area=area, extracted_on=MAY)

    assert crimes.already_imported
    assert events.already_imported
    assert crimes.extract_id == first.extract_id
    assert crimes.extracted_on == APRIL  # the first import's date: this file was that extract
    assert (crimes.created, crimes.updated, crimes.unchanged) == (0, 0, 10)
    # The date given this time is not used, and the summary says so and where a date is corrected.
    assert crimes.summary() == (
        "force-extract-crimes.csv was imported before (extract of 2025-04-01, 10 crime rows): nothing"
        " changed. The extraction date given now, 2025-05-01, was not used: the date of the last file"
        " imported can be corrected on the Crime data imports page."
    )
    assert snapshot() == before
    again = import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=APRIL)
    assert again.summary().endswith("10 crime rows): nothing changed.")


def test_an_import_has_the_database_measure_the_tables_it_wrote(area: PoliceForceArea) -> None:
    """Statistics for the query planner, at once: without them SQLite planned the RASSO page's
    repeat-suspect count as a scan of every crime per suspect (core.imports.statistics_refresh)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE sqlite_schema")  # makes sure sqlite_stat1 exists
            cursor.execute("DELETE FROM sqlite_stat1")

    import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=APRIL)

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
            measured = {row[0] for row in cursor.fetchall()}
            assert {"crime_crime", "crime_crimesuspect", "crime_crimevictim"} <= measured
        else:
            # ANALYZE sets the planner's row count of each table it measures.
            cursor.execute(
                "SELECT relname, reltuples FROM pg_class"
                " WHERE relname IN ('crime_crime', 'crime_crimesuspect')"
            )
            assert dict(cursor.fetchall()) == {
                "crime_crime": Crime.objects.count(),
                "crime_crimesuspect": CrimeSuspect.objects.count(),
            }


def test_figures_are_as_at_the_newest_file_holding_their_period(
    area: PoliceForceArea, tmp_path: Path, world: World
) -> None:
    """A force sending a year at a time: 2024/25's crimes in the extract of 5 April 2025, then
    2025/26's alone in that of 5 April 2026. 2024/25 is as at 5 April 2025 (the newer file says
    nothing of it); 2025/26 as at 5 April 2026; each file keeps its span of recorded dates."""
    year_one = write_csv(tmp_path / "2024-25.csv", [crime_row("A-1", recorded_date="2024-06-01")])
    year_two = write_csv(
        tmp_path / "2025-26.csv",
        [
            crime_row("B-1", reported_date="2025-05-01", recorded_date="2025-05-02"),
            crime_row("B-2", reported_date="2025-05-01", recorded_date="2026-03-30"),
        ],
    )
    import_crimes(year_one, police_force_area=area, extracted_on=date(2025, 4, 5))
    import_crimes(year_two, police_force_area=area, extracted_on=date(2026, 4, 5))
    analyst = world.member("opcc_analyst")

    def as_at(year: str) -> date | None:
        return vawg_volumes(user=analyst, filters=CrimeFilters.for_financial_year(year)).extracted_on

    assert as_at("2024/25") == date(2025, 4, 5)
    assert as_at("2025/26") == date(2026, 4, 5)
    spans = ForceExtractImport.objects.order_by("extracted_on").values_list(
        "first_recorded_on", "last_recorded_on"
    )
    assert list(spans) == [
        (date(2024, 6, 1), date(2024, 6, 1)),
        (date(2025, 5, 2), date(2026, 3, 30)),
    ]


def test_imports_of_one_force_area_take_turns_to_write(area: PoliceForceArea) -> None:
    """While another connection holds the area's import lock (another import writing), an import
    waits, and writes nothing until it has the lock: here it gives up after a lock timeout."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time anyway")
    with another_import_writing(area), pytest.raises(OperationalError, match="lock timeout"):
        import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=APRIL)
    assert not Crime.objects.exists()
    assert not ForceExtractImport.objects.exists()

    result = import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=APRIL)

    assert result.created == 10 == Crime.objects.count()


@pytest.mark.django_db(transaction=True)
def test_the_same_file_imported_by_another_job_meanwhile_changes_nothing(area: PoliceForceArea) -> None:
    """Two jobs with the same file: the second, waiting for the lock while the first writes,
    finds the file recorded once it has the lock, and reports it as imported before."""
    if connection.vendor != "postgresql":
        # The same moment on SQLite: test_the_same_file_recorded_while_it_was_checked_changes_nothing.
        pytest.skip("two jobs waiting on the area's lock need PostgreSQL's advisory lock")
    recorded: list[ForceExtractImport] = []
    result = waiting_its_turn(
        area,
        lambda: import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=MAY),
        # The first job records the file while the second waits.
        lambda: recorded.append(import_crimes_unlocked(area)),
    )

    assert result.already_imported
    assert result.extract_id == recorded[0].pk
    assert ForceExtractImport.objects.count() == 1
    assert not Crime.objects.exists()  # the stand-in first job wrote only its record


def when_checked(then: Callable[[], object]) -> Callable[..., None]:
    """A progress callback that runs `then` once, as the import finishes checking its file and
    before it takes the area's lock: what another job's commit in that moment would do."""
    ran: list[bool] = []

    def progress(*, done: int, total: int, message: str = "") -> None:
        if message.startswith("Checked.") and not ran:
            ran.append(True)
            then()

    return progress


def test_the_same_file_recorded_while_it_was_checked_changes_nothing(area: PoliceForceArea) -> None:
    """On both databases: the check for a file imported before is made again under the lock
    (on SQLite it was not, and the file's record then failed its unique constraint)."""
    recorded: list[ForceExtractImport] = []
    result = import_crimes(
        SAMPLE_CRIMES,
        police_force_area=area,
        extracted_on=MAY,
        progress=when_checked(lambda: recorded.append(import_crimes_unlocked(area))),
    )
    assert result.already_imported
    assert result.extract_id == recorded[0].pk
    assert ForceExtractImport.objects.count() == 1
    assert not Crime.objects.exists()


def test_events_imported_while_a_crimes_file_was_checked_are_checked_against_it(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    """SYN-0002-24's events arrive between the later crimes file's check and its write: the
    file, which would report the crime after its first event, is refused, and nothing changes."""
    import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=APRIL)
    late = crime_row("SYN-0002-24", reported_date="2024-04-13", recorded_date="2024-04-13")
    with pytest.raises(ImportRefusedError) as refusal:
        import_crimes(
            write_csv(tmp_path / "late.csv", [late]),
            police_force_area=area,
            extracted_on=MAY,
            progress=when_checked(
                lambda: import_events(SAMPLE_EVENTS, police_force_area=area, extracted_on=APRIL)
            ),
        )
    assert [(e.line, e.column) for e in refusal.value.errors] == [(2, "reported_date")]
    assert "is after an event Waymark holds for crime SYN-0002-24" in refusal.value.errors[0].message
    crime = Crime.objects.get(crime_reference="SYN-0002-24")
    assert crime.reported_on == date(2024, 4, 10)
    assert ProgressionEvent.objects.filter(crime=crime).exists()  # the events file's own import
    assert not ForceExtractImport.objects.filter(file_name="late.csv").exists()


def test_a_report_moved_while_an_events_file_was_checked_is_checked_against_it(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    """A later crimes file moves SYN-0003-24's report to 2024-05-04 between the events file's
    check and its write: an event of 2024-05-03 would now come before the report, so the events
    file is refused."""
    import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=APRIL)
    moved = crime_row("SYN-0003-24", reported_date="2024-05-04", recorded_date="2024-05-04")
    with pytest.raises(ImportRefusedError) as refusal:
        import_events(
            write_events(tmp_path / "e.csv", [event_row("SYN-0003-24", "arrested", "2024-05-03")]),
            police_force_area=area,
            extracted_on=MAY,
            progress=when_checked(
                lambda: import_crimes(
                    write_csv(tmp_path / "moved.csv", [moved]), police_force_area=area, extracted_on=MAY
                )
            ),
        )
    assert [(e.line, e.column) for e in refusal.value.errors] == [(2, "event_date")]
    assert not ProgressionEvent.objects.filter(crime__crime_reference="SYN-0003-24").exists()


def import_crimes_unlocked(area: PoliceForceArea) -> ForceExtractImport:
    """What the first job leaves once it commits, as far as the second can tell: the file's record."""
    return ForceExtractImport.objects.create(
        police_force_area=area,
        kind=ForceExtractImport.Kind.CRIMES,
        file_name=SAMPLE_CRIMES.name,
        sha256=file_sha256(SAMPLE_CRIMES),
        extracted_on=APRIL,
        rows=10,
        created=10,
    )


def test_a_new_file_with_the_same_content_rewrites_nothing(area: PoliceForceArea, tmp_path: Path) -> None:
    """The same crimes in another order (so another file): every row unchanged, and not rewritten:
    each crime keeps the extraction date of the file that last changed it, and its victims their ids."""
    import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=APRIL)
    lines = SAMPLE_CRIMES.read_text(encoding="utf-8").splitlines()
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    victims_before = sorted(CrimeVictim.objects.values_list("pk", "victim_ref"))

    result = import_crimes(shuffled, police_force_area=area, extracted_on=MAY)

    assert not result.already_imported
    assert (result.rows, result.created, result.updated, result.unchanged) == (10, 0, 0, 10)
    assert set(Crime.objects.values_list("extracted_on", flat=True)) == {APRIL}
    assert sorted(CrimeVictim.objects.values_list("pk", "victim_ref")) == victims_before
    assert ForceExtractImport.objects.count() == 2


def test_an_older_extract_does_not_overwrite_a_newer_one(area: PoliceForceArea, tmp_path: Path) -> None:
    """The June extract is loaded first; the April one, loaded late, adds its new crime and the
    outcome history it knew of, but leaves June's crime as June had it."""
    june_row = crime_row("R-1", outcome_type="1", outcome_date="2025-05-20", victim_age_band="35-44")
    import_crimes(write_csv(tmp_path / "june.csv", [june_row]), police_force_area=area, extracted_on=JUNE)
    april_rows = [
        crime_row(
            "R-1", outcome_type="15", outcome_date="2024-09-01", victim_age_band="25-34", suspect_ids=""
        ),
        crime_row("R-2"),
    ]

    result = import_crimes(
        write_csv(tmp_path / "april.csv", april_rows), police_force_area=area, extracted_on=APRIL
    )

    assert (result.rows, result.created, result.updated, result.unchanged, result.kept_newer) == (
        2,
        1,
        0,
        0,
        1,
    )
    assert "kept as a newer extract had them" in result.summary()
    kept = crime("R-1")
    assert (kept.outcome_type_id, kept.extracted_on) == (1, JUNE)
    assert list(kept.victims.values_list("age_band", flat=True)) == ["35-44"]
    assert list(kept.suspects.values_list("suspect_ref", flat=True)) == ["S-R-1"]
    assert crime("R-2").extracted_on == APRIL
    assert sorted(kept.outcome_changes.values_list("outcome_type", "first_extracted_on")) == [
        (1, JUNE),
        (15, APRIL),
    ]


def test_an_outcome_first_seen_in_an_older_extract_takes_its_date(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    row = crime_row("R-1", outcome_type="15", outcome_date="2024-09-01")
    import_crimes(write_csv(tmp_path / "june.csv", [row]), police_force_area=area, extracted_on=JUNE)
    import_crimes(
        write_csv(tmp_path / "april.csv", [row, crime_row("R-2")]), police_force_area=area, extracted_on=APRIL
    )
    assert list(CrimeOutcomeChange.objects.values_list("outcome_type", "first_extracted_on")) == [(15, APRIL)]


def test_outcome_1a_an_alternate_offence_charge_is_taken_as_type_1(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    rows = [
        crime_row("A-1", outcome_type="1A", outcome_date="2024-09-01"),
        crime_row("A-2", outcome_type="1a", outcome_date="2024-09-02"),
    ]
    import_crimes(write_csv(tmp_path / "june.csv", rows), police_force_area=area, extracted_on=JUNE)
    assert [crime(ref).outcome_type_id for ref in ("A-1", "A-2")] == [1, 1]
    assert sorted(CrimeOutcomeChange.objects.values_list("outcome_type", flat=True)) == [1, 1]


def test_victims_and_suspects_are_replaced_by_a_later_file(area: PoliceForceArea, tmp_path: Path) -> None:
    first = [
        crime_row(
            "R-1",
            victim_ids="V1;V2",
            victim_sex="F;M",
            victim_age_band="25-34;35-44",
            victim_ethnicity="W1;A1",
            victim_disability="N;Y",
            victim_enhanced_rights="most_serious_crime;",
            suspect_ids="S1;S2",
        ),
        crime_row("R-2"),
    ]
    import_crimes(write_csv(tmp_path / "april.csv", first), police_force_area=area, extracted_on=APRIL)
    untouched = sorted(crime("R-2").victims.values_list("pk", flat=True))
    later = [
        crime_row(
            "R-1",
            victim_ids="V2",
            victim_sex="M",
            victim_age_band="45-54",
            victim_ethnicity="A1",
            victim_disability="Y",
            victim_enhanced_rights="intimidated",
            suspect_ids="S3",
        ),
        first[1],
    ]

    result = import_crimes(write_csv(tmp_path / "may.csv", later), police_force_area=area, extracted_on=MAY)

    assert (result.updated, result.unchanged) == (1, 1)
    changed = crime("R-1")
    assert list(
        changed.victims.values_list("victim_ref", "sex", "age_band", "disability", "enhanced_rights")
    ) == [("V2", "M", "45-54", "Y", "intimidated")]
    assert list(changed.suspects.values_list("suspect_ref", flat=True)) == ["S3"]
    assert sorted(crime("R-2").victims.values_list("pk", flat=True)) == untouched


def test_a_change_of_suspects_alone_counts_as_a_change(area: PoliceForceArea, tmp_path: Path) -> None:
    import_crimes(
        write_csv(tmp_path / "a.csv", [crime_row("R-1")]), police_force_area=area, extracted_on=APRIL
    )
    result = import_crimes(
        write_csv(tmp_path / "b.csv", [crime_row("R-1", suspect_ids="")]),
        police_force_area=area,
        extracted_on=MAY,
    )
    assert (result.updated, result.unchanged) == (1, 0)
    assert not CrimeSuspect.objects.exists()
    assert crime("R-1").extracted_on == MAY


def test_a_later_file_finds_each_kind_of_change_and_only_those(area: PoliceForceArea, tmp_path: Path) -> None:
    """Every way a crime can differ is a change, and nothing else is: R-SAME and R-BARE are the
    same in both files (R-BARE with every optional value empty, which must compare equal to
    itself); each other crime differs in one way only, R-AUTHORITY and R-VICTIM-DETAIL from an
    empty value, which a comparison that is not NULL-safe would miss. A changed crime takes the
    later extract's date; an unchanged one keeps its own."""
    bare = {
        "latitude": "",
        "longitude": "",
        "local_authority_code": "",
        "victim_ids": "",
        "victim_sex": "",
        "victim_age_band": "",
        "victim_ethnicity": "",
        "victim_disability": "",
        "victim_enhanced_rights": "",
        "suspect_ids": "",
    }
    two_victims = {
        "victim_ids": "V1;V2",
        "victim_sex": "F;M",
        "victim_age_band": "25-34;35-44",
        "victim_ethnicity": "W1;A1",
        "victim_disability": "N;Y",
        "victim_enhanced_rights": "most_serious_crime;",
    }
    first = [
        crime_row("R-SAME"),
        crime_row("R-BARE", **bare),
        crime_row("R-FIELD"),
        crime_row("R-EMPTIED", lsoa_code="E01009150"),
        crime_row("R-PLACED", **bare),
        crime_row("R-AUTHORITY", **bare),
        crime_row("R-VICTIM-DETAIL", **two_victims),
        crime_row("R-VICTIM-ADDED"),
        crime_row("R-VICTIM-GONE", **two_victims),
        crime_row("R-SUSPECT-ADDED"),
        crime_row("R-SUSPECT-GONE", suspect_ids="S1;S2"),
    ]
    later = [
        crime_row("R-SAME"),
        crime_row("R-BARE", **bare),
        crime_row("R-FIELD", offence_code="8L"),
        crime_row("R-EMPTIED", lsoa_code=""),
        crime_row("R-PLACED", **{**bare, "latitude": "52.4797", "longitude": "-1.9027"}),
        crime_row("R-AUTHORITY", **{**bare, "local_authority_code": "E08000025"}),
        crime_row(
            "R-VICTIM-DETAIL", **{**two_victims, "victim_enhanced_rights": "most_serious_crime;intimidated"}
        ),
        crime_row("R-VICTIM-ADDED", **two_victims),
        crime_row("R-VICTIM-GONE", **{name: value.split(";")[0] for name, value in two_victims.items()}),
        crime_row("R-SUSPECT-ADDED", suspect_ids="S-R-SUSPECT-ADDED;S2"),
        crime_row("R-SUSPECT-GONE", suspect_ids="S2"),
    ]
    import_crimes(write_csv(tmp_path / "april.csv", first), police_force_area=area, extracted_on=APRIL)

    result = import_crimes(write_csv(tmp_path / "may.csv", later), police_force_area=area, extracted_on=MAY)

    assert (result.created, result.updated, result.unchanged) == (0, 9, 2)
    assert dict(Crime.objects.values_list("crime_reference", "extracted_on")) == {
        "R-SAME": APRIL,
        "R-BARE": APRIL,
        "R-FIELD": MAY,
        "R-EMPTIED": MAY,
        "R-PLACED": MAY,
        "R-AUTHORITY": MAY,
        "R-VICTIM-DETAIL": MAY,
        "R-VICTIM-ADDED": MAY,
        "R-VICTIM-GONE": MAY,
        "R-SUSPECT-ADDED": MAY,
        "R-SUSPECT-GONE": MAY,
    }
    assert crime("R-EMPTIED").lsoa_code in (None, "")
    assert crime("R-AUTHORITY").local_authority_id == "E08000025"
    assert list(
        crime("R-VICTIM-DETAIL").victims.order_by("victim_ref").values_list("enhanced_rights", flat=True)
    ) == ["most_serious_crime", "intimidated"]
    assert list(crime("R-VICTIM-GONE").victims.values_list("victim_ref", flat=True)) == ["V1"]
    assert sorted(crime("R-SUSPECT-ADDED").suspects.values_list("suspect_ref", flat=True)) == [
        "S-R-SUSPECT-ADDED",
        "S2",
    ]


def test_a_crimes_import_classifies_the_crimes_it_writes(
    area: PoliceForceArea, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import classifies the crimes it creates or changes as it writes them (the rules
    matched once per combination of offence code and flags), never by reclassifying the whole
    area: the DA flag makes an assault VAWG with that basis; an offence changed later adds its
    basis and keeps the one still given; a flag taken away later is reclassified."""
    keys: list[str] = []
    whole_area: list[dict[str, Any]] = []
    real_keys = classification.classified_keys

    def keys_spy(source: str, *args: Any, **kwargs: Any) -> Any:
        keys.append(source)
        return real_keys(source, *args, **kwargs)

    def classify_spy(**kwargs: Any) -> int:
        whole_area.append(kwargs)
        return 0

    monkeypatch.setattr(classification, "classified_keys", keys_spy)
    monkeypatch.setattr(classification, "classify_crimes", classify_spy)
    version = classification.rule_set_current().version
    import_crimes(
        write_csv(tmp_path / "a.csv", [crime_row("R-1")]), police_force_area=area, extracted_on=APRIL
    )
    assert len(keys) == 1
    assert crime("R-1").is_vawg
    assert crime("R-1").classified_by == version
    assert list(CrimeVawgBasis.objects.values_list("basis", flat=True)) == ["da_flag"]
    da_flag = CrimeVawgBasis.objects.get()

    import_crimes(
        write_csv(tmp_path / "b.csv", [crime_row("R-1", offence_code="20A")]),
        police_force_area=area,
        extracted_on=MAY,
    )
    assert len(keys) == 2
    assert crime("R-1").is_vawg
    assert set(CrimeVawgBasis.objects.values_list("basis", flat=True)) == {"da_flag", "sexual_offence"}
    assert CrimeVawgBasis.objects.get(basis="da_flag").pk == da_flag.pk  # kept, not rewritten

    import_crimes(
        write_csv(tmp_path / "c.csv", [crime_row("R-1", domestic_abuse_flag="N")]),
        police_force_area=area,
        extracted_on=JUNE,
    )
    assert len(keys) == 3
    assert not crime("R-1").is_vawg
    assert crime("R-1").classified_by == version
    assert not CrimeVawgBasis.objects.exists()

    write_events(tmp_path / "events.csv", [event_row("R-1")])
    import_events(tmp_path / "events.csv", police_force_area=area, extracted_on=JUNE)
    assert len(keys) == 3  # events do not change any classification
    assert whole_area == []


def test_an_import_does_not_reclassify_crimes_it_does_not_write(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    """A crime whose stored classification is stale (here: made so by hand) stays as it is
    through an import that leaves it unchanged or does not have it, while the crimes the file
    creates or changes are classified; `classify_crimes` for the area then corrects it."""
    import_crimes(
        write_csv(tmp_path / "a.csv", [crime_row("R-1"), crime_row("R-2"), crime_row("R-3")]),
        police_force_area=area,
        extracted_on=APRIL,
    )
    stale = ["R-2", "R-3"]
    Crime.objects.filter(crime_reference__in=stale).update(is_vawg=False, classified_by=None)
    CrimeVawgBasis.objects.filter(crime__crime_reference__in=stale).delete()

    result = import_crimes(
        write_csv(
            tmp_path / "b.csv",
            [crime_row("R-1", domestic_abuse_flag="N"), crime_row("R-2"), crime_row("R-4")],
        ),
        police_force_area=area,
        extracted_on=MAY,
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    for reference in stale:  # R-2 unchanged in the file, R-3 not in it: both left as they were
        assert (crime(reference).is_vawg, crime(reference).classified_by) == (False, None)
        assert not CrimeVawgBasis.objects.filter(crime__crime_reference=reference).exists()
    assert not crime("R-1").is_vawg
    assert crime("R-4").is_vawg
    assert set(CrimeVawgBasis.objects.values_list("crime__crime_reference", "basis")) == {("R-4", "da_flag")}

    classification.classify_crimes(police_force_area_id=area.pk)
    version = classification.rule_set_current().version
    for reference in stale:
        assert (crime(reference).is_vawg, crime(reference).classified_by) == (True, version)
    assert set(CrimeVawgBasis.objects.values_list("crime__crime_reference", "basis")) == {
        ("R-2", "da_flag"),
        ("R-3", "da_flag"),
        ("R-4", "da_flag"),
    }


def test_events_later_files_add_new_events_and_update_details(area: PoliceForceArea, tmp_path: Path) -> None:
    import_crimes(
        write_csv(tmp_path / "c.csv", [crime_row("R-1")]), police_force_area=area, extracted_on=APRIL
    )
    first = [
        event_row("R-1", "arrested", "2024-04-03", suspect_id="S-R-1"),
        event_row("R-1", "cps_decision", "2024-06-01", suspect_id="S-R-1", detail="action_plan"),
    ]
    import_events(write_events(tmp_path / "e1.csv", first), police_force_area=area, extracted_on=APRIL)
    later = [
        *first[:1],
        event_row("R-1", "cps_decision", "2024-06-01", suspect_id="S-R-1", detail="charge"),
        event_row("R-1", "charged", "2024-06-03", suspect_id="S-R-1"),
    ]

    result = import_events(write_events(tmp_path / "e2.csv", later), police_force_area=area, extracted_on=MAY)

    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 1, 1, 1)
    assert sorted(ProgressionEvent.objects.values_list("kind", "detail")) == [
        ("arrested", ""),
        ("charged", ""),
        ("cps_decision", "charge"),
    ]
    # An older events file adds what it has that is new but does not undo a newer detail.
    older = [event_row("R-1", "cps_decision", "2024-06-01", suspect_id="S-R-1", detail="action_plan")]
    older.append(event_row("R-1", "interviewed", "2024-04-04", suspect_id="S-R-1"))
    stale = import_events(
        write_events(tmp_path / "e0.csv", older), police_force_area=area, extracted_on=APRIL
    )
    assert (stale.created, stale.updated, stale.kept_newer) == (1, 0, 1)
    assert ProgressionEvent.objects.get(kind="cps_decision").detail == "charge"
    assert ProgressionEvent.objects.count() == 4


def test_progress_counts_the_bytes_read_then_each_step_of_writing(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    """One bar for the whole import: reading and checking fill the first third (by bytes read),
    writing the crimes the rest, step by step, ending full once the transaction has committed."""
    path = write_csv(tmp_path / "big.csv", [crime_row(f"R-{n}") for n in range(5_000)])
    progress = ProgressCalls()
    calls = progress.calls
    import_crimes(path, police_force_area=area, extracted_on=APRIL, progress=progress)

    size = path.stat().st_size
    assert progress.totals == {3 * size}
    assert calls[0] == (0, 3 * size, "Checking rows")
    checking = [done for done, _, message in calls if message == "Checking rows"]
    assert len(checking) > 2
    assert 0 < checking[1] < size
    assert progress.dones == sorted(progress.dones)
    writing = progress.messages(leaving_out="Checking rows")
    assert writing == [
        "Checking the file as a whole",
        "Checked. Writing 5,000 rows in one transaction (all or nothing)",
        "Writing crimes, classified",
        "Writing victims, suspects and VAWG bases",
        "Writing outcome history",
        "Saving: the database checks every row's references",
        "Imported",
    ]
    assert calls[-1][0] == 3 * size
    assert (size, "Checking the file as a whole") in [(done, message) for done, _, message in calls]


def test_events_progress_gives_writing_as_much_of_the_bar_as_reading(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    import_crimes(
        write_csv(tmp_path / "c.csv", [crime_row("R-1")]), police_force_area=area, extracted_on=APRIL
    )
    path = write_events(tmp_path / "e.csv", [event_row("R-1", "arrested", "2024-05-02")])
    progress = ProgressCalls()
    calls = progress.calls
    import_events(path, police_force_area=area, extracted_on=APRIL, progress=progress)

    size = path.stat().st_size
    assert progress.totals == {2 * size}
    assert (size, "Checked. Writing 1 row in one transaction (all or nothing)") in [
        (done, message) for done, _, message in calls
    ]
    assert calls[-1] == (2 * size, 2 * size, "Imported")


@pytest.mark.django_db(transaction=True)
def test_a_job_s_page_sees_each_writing_step_while_the_transaction_runs(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    """On PostgreSQL the steps the import reports inside its one transaction reach the job's page
    as they come: each is read here, from another connection, as it is reported."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one connection write at a time: the page sees them at the commit")
    job = job_progress_start(task_result_id="import-1", name="Import", started_by=None, organisation=None)
    report = ProgressReporter(job.task_result_id, counts_rows=False, min_interval=0.0)
    seen_inside: list[str] = []

    def progress(*, done: int, total: int, message: str = "") -> None:
        report(done=done, total=total, message=message)
        if connection.in_atomic_block:
            seen_inside.append(progress_seen_from_outside(job.task_result_id)[1])

    path = write_csv(tmp_path / "c.csv", [crime_row(f"R-{n}") for n in range(50)])
    import_crimes(path, police_force_area=area, extracted_on=APRIL, progress=progress)

    assert seen_inside == [
        "Writing crimes, classified",
        "Writing victims, suspects and VAWG bases",
        "Writing outcome history",
        "Saving: the database checks every row's references",
    ]
    assert Crime.objects.count() == 50


def test_a_synthetic_extract_imports_and_a_later_one_updates_it(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    """The demo generator writes the format this import reads; a later extract of the same crimes
    (further on) updates outcomes without duplicating any crime, event or outcome."""
    crimes_path, events_path = write_extract(tmp_path / "march", crimes=300, end=date(2024, 9, 30))
    crimes = import_crimes(crimes_path, police_force_area=area, extracted_on=date(2024, 10, 1))
    events = import_events(events_path, police_force_area=area, extracted_on=date(2024, 10, 1))
    assert crimes.created == 300 == Crime.objects.count()
    assert events.created == ProgressionEvent.objects.count()

    later_crimes, later_events = write_extract(
        tmp_path / "later", crimes=300, end=date(2024, 9, 30), as_of=date(2025, 9, 30)
    )
    result = import_crimes(later_crimes, police_force_area=area, extracted_on=date(2025, 10, 1))
    import_events(later_events, police_force_area=area, extracted_on=date(2025, 10, 1))

    assert result.created == 0
    assert result.updated + result.unchanged == 300
    assert result.updated > 0
    assert Crime.objects.count() == 300
    history = list(CrimeOutcomeChange.objects.values_list("crime_id", "outcome_type", "outcome_on"))
    assert len(history) == len(set(history))
    with_outcome = Crime.objects.exclude(outcome_type=0).count()
    assert CrimeOutcomeChange.objects.values("crime_id").distinct().count() >= with_outcome


def test_the_command_line_imports_with_a_progress_bar(area: PoliceForceArea) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import", "force-extract", str(SAMPLE_CRIMES), "--extracted-on", "2025-04-01", stdout=out, stderr=err
    )
    assert "force-extract-crimes.csv: 10 crime rows from the extract of 2025-04-01: 10 new" in out.getvalue()
    assert "Writing crimes, classified" in err.getvalue()
    assert "100%  Imported" in err.getvalue()
    # The bar's units are the import's own (bytes, then steps): no counts are printed.
    assert " of " not in err.getvalue()

    out = io.StringIO()
    call_command(
        "import",
        "force-extract",
        str(SAMPLE_EVENTS),
        "--events",
        "--extracted-on",
        "2025-04-01",
        "--force-area",
        "E23000014",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "15 event rows" in out.getvalue()
    assert ProgressionEvent.objects.count() == 15


def test_the_command_line_refuses_a_bad_file_listing_every_problem(tmp_path: Path) -> None:
    bad = write_csv(
        tmp_path / "bad.csv", [crime_row("R-1", offence_code="99Z"), crime_row("R-2", reported_date="x")]
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import",
            "force-extract",
            str(bad),
            "--extracted-on",
            "2025-04-01",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "line 2, column offence_code: Offence code '99Z'" in err.getvalue()
    assert "line 3, column reported_date: 'x' is not a date" in err.getvalue()
    assert not Crime.objects.exists()


def test_the_command_line_leads_with_the_refusal_s_headline(tmp_path: Path) -> None:
    """A crimes file given an extraction date before its dates: the headline comes before the rows."""
    rows = [crime_row(f"R-{n}", recorded_date="2025-03-01") for n in range(12)]
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import",
            "force-extract",
            str(write_csv(tmp_path / "late.csv", rows)),
            "--extracted-on",
            "2025-02-01",
            stdout=io.StringIO(),
            stderr=err,
        )
    text = err.getvalue()
    headline = "12 dates in the file are after the extraction date given with it (2025-02-01)"
    assert headline in text
    assert text.index(headline) < text.index("line 2, column recorded_date")


def test_an_extraction_date_after_today_is_refused_before_the_file_is_read(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    """Rows are checked against the extraction date, so a future one would let through what has
    not happened yet. The upload form refuses it; the importer does too, for the command line."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    for importer in (import_crimes, import_events):
        with pytest.raises(ImportRefusedError) as refused:
            importer(SAMPLE_CRIMES, police_force_area=area, extracted_on=tomorrow)
        assert [str(error) for error in refused.value.errors] == [
            f"{SAMPLE_CRIMES.name}: The extraction date {tomorrow:%Y-%m-%d} is after today"
            f" ({timezone.localdate():%Y-%m-%d}): give the date the force extracted the data."
        ]
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import",
            "force-extract",
            str(SAMPLE_CRIMES),
            "--extracted-on",
            tomorrow.isoformat(),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert f"The extraction date {tomorrow:%Y-%m-%d} is after today" in err.getvalue()
    assert not Crime.objects.exists()
    assert not ForceExtractImport.objects.exists()
    today = import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=timezone.localdate())
    assert today.created > 0  # today itself is allowed


def test_the_command_line_names_an_unknown_force_area(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No police force area has the code 'E23999999'"):
        call_command(
            "import",
            "force-extract",
            str(SAMPLE_CRIMES),
            "--extracted-on",
            "2025-04-01",
            "--force-area",
            "E23999999",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_an_events_file_given_as_crimes_is_refused_saying_so(area: PoliceForceArea) -> None:
    with pytest.raises(ImportRefusedError) as refused:
        import_crimes(SAMPLE_EVENTS, police_force_area=area, extracted_on=APRIL)
    assert "This is an events file" in refused.value.errors[0].message


def test_a_synthetic_extract_is_marked_and_the_figures_from_it_say_so(
    area: PoliceForceArea, tmp_path: Path, world: World, client: Any
) -> None:
    """A file whose every crime reference is synthetic (`SYN-…`) is recorded as synthetic, and
    the pages, downloads and API answers with its figures say so; one real reference is enough
    for a file not to be."""
    crimes, _ = write_extract(
        tmp_path / "demo", crimes=30, seed=3, start=date(2024, 4, 1), end=date(2024, 9, 30)
    )
    import_crimes(crimes, police_force_area=area, extracted_on=date(2024, 10, 7))
    real = write_csv(tmp_path / "real.csv", [crime_row("20/1234/24")])
    import_crimes(real, police_force_area=area, extracted_on=date(2024, 10, 7))
    # The prefix is matched exactly, case and all, on both databases (LIKE ignores case on SQLite).
    lower = write_csv(tmp_path / "lower.csv", [crime_row("syn-0001-24")])
    import_crimes(lower, police_force_area=area, extracted_on=date(2024, 10, 7))
    assert list(ForceExtractImport.objects.order_by("pk").values_list("synthetic", flat=True)) == [
        True,
        False,
        False,
    ]

    client.force_login(world.member("opcc_analyst"))
    period = {"period": "fy:2024/25"}
    for page in ("crime:vawg", "crime:rasso", "crime:imports"):
        assert "Synthetic" in client.get(reverse(page), period).content.decode(), page
    download = client.get(reverse("crime:vawg_download", args=["month"]), period).content.decode("utf-8-sig")
    assert "Synthetic data: these figures come from a synthetic extract" in download
    answer = client.get("/api/v1/crime/vawg-volumes", {"financial_year": "2024/25"}).json()
    assert answer["synthetic"] is True

    ForceExtractImport.objects.update(synthetic=False)
    assert "Synthetic data" not in client.get(reverse("crime:vawg"), period).content.decode()
    assert (
        client.get("/api/v1/crime/vawg-volumes", {"financial_year": "2024/25"}).json()["synthetic"] is False
    )
