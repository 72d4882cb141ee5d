"""The synthetic West Midlands force extract: format, determinism, shape, consistency, memory."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tracemalloc
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from waymark.crime import synthetic
from waymark.crime.models import OffenceCode, ProgressionEvent
from waymark.crime.synthetic import DISTRICTS, write_extract

# The pinned force-extract headers (shared brief and docs/formats/force-extract.md), spelled out
# here so that a change in the generator cannot change what the test expects.
CRIMES_HEADER = [
    "crime_reference",
    "reported_date",
    "recorded_date",
    "offence_code",
    "record_status",
    "domestic_abuse_flag",
    "honour_based_abuse_flag",
    "sexual_exploitation_flag",
    "child_sexual_abuse_flag",
    "online_flag",
    "hate_strands",
    "lsoa_code",
    "latitude",
    "longitude",
    "local_authority_code",
    "victim_ids",
    "victim_sex",
    "victim_age_band",
    "victim_ethnicity",
    "victim_disability",
    "victim_enhanced_rights",
    "suspect_ids",
    "outcome_type",
    "outcome_date",
]
EVENTS_HEADER = ["crime_reference", "event", "event_date", "suspect_id", "detail"]

START, END = date(2023, 4, 1), date(2025, 3, 31)
CRIMES = 20_000
WEST_MIDLANDS_CODES = {f"E080000{n}" for n in range(25, 32)}
AGE_BANDS = {"0-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "unknown"}
ENHANCED = {"", "most_serious_crime", "vulnerable", "intimidated", "persistently_targeted"}
STRANDS = {"race", "religion", "disability", "sexual_orientation", "transgender"}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


class Extract:
    """One written extract, parsed."""

    def __init__(self, directory: Path, **kwargs: Any) -> None:
        self.crimes_path, self.events_path = write_extract(directory, **kwargs)
        self.crimes_header, self.crimes = _read(self.crimes_path)
        self.events_header, self.events = _read(self.events_path)
        self.by_reference = {row["crime_reference"]: row for row in self.crimes}
        self.events_by_reference: dict[str, list[dict[str, str]]] = {}
        for event in self.events:
            self.events_by_reference.setdefault(event["crime_reference"], []).append(event)

    def events_of(self, reference: str) -> list[dict[str, str]]:
        return self.events_by_reference.get(reference, [])


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Extract:
    return Extract(tmp_path_factory.mktemp("syn"), crimes=CRIMES, seed=7, start=START, end=END)


# --- format ---------------------------------------------------------------------------------------


def test_files_have_the_pinned_headers_and_the_row_counts_asked_for(extract: Extract) -> None:
    assert extract.crimes_path.name == "crimes.csv"
    assert extract.events_path.name == "events.csv"
    assert extract.crimes_header == CRIMES_HEADER
    assert extract.events_header == EVENTS_HEADER
    assert len(extract.crimes) == CRIMES
    assert len(extract.by_reference) == CRIMES  # no reference twice
    assert len(extract.events) > CRIMES // 10
    # UTF-8, no comment lines (the format has none): the first line is the header.
    first_line = extract.crimes_path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == ",".join(CRIMES_HEADER)


def test_everything_is_marked_synthetic(extract: Extract) -> None:
    for row in extract.crimes:
        assert row["crime_reference"].startswith("SYN-")
        assert all(v.startswith("SYN-V") for v in row["victim_ids"].split(";"))
        assert all(s.startswith("SYN-S") for s in row["suspect_ids"].split(";") if s)
        assert row["lsoa_code"] == ""  # no invented LSOA codes


def test_values_are_in_the_format_vocabularies(extract: Extract) -> None:
    event_kinds = set(ProgressionEvent.Kind.values)
    for row in extract.crimes:
        assert row["record_status"] in {"recorded", "cancelled", "transferred"}
        for flag in (
            "domestic_abuse",
            "honour_based_abuse",
            "sexual_exploitation",
            "child_sexual_abuse",
            "online",
        ):
            assert row[f"{flag}_flag"] in {"Y", "N"}
        assert set(filter(None, row["hate_strands"].split(";"))) <= STRANDS
        assert row["local_authority_code"] in WEST_MIDLANDS_CODES
        victims = row["victim_ids"].split(";")
        for column in ("victim_sex", "victim_age_band", "victim_ethnicity", "victim_disability"):
            assert len(row[column].split(";")) == len(victims), column
        assert len(row["victim_enhanced_rights"].split(";")) == len(victims)
        assert set(row["victim_sex"].split(";")) <= {"F", "M", "X"}
        assert set(row["victim_age_band"].split(";")) <= AGE_BANDS
        assert set(row["victim_disability"].split(";")) <= {"Y", "N", "unknown"}
        assert set(row["victim_enhanced_rights"].split(";")) <= ENHANCED
        assert 0 <= int(row["outcome_type"]) <= 22
        if row["latitude"]:
            # Inside a box round the West Midlands county.
            assert 52.33 < float(row["latitude"]) < 52.69
            assert -2.22 < float(row["longitude"]) < -1.42
        else:
            assert row["longitude"] == ""
    for event in extract.events:
        assert event["event"] in event_kinds
    assert {e["event"] for e in extract.events} == event_kinds  # every stage appears


def test_generator_event_names_are_the_models_kinds() -> None:
    names = {
        synthetic.SUSPECT_IDENTIFIED,
        synthetic.ARRESTED,
        synthetic.INTERVIEWED,
        synthetic.BAILED,
        synthetic.RELEASED_UNDER_INVESTIGATION,
        synthetic.REFERRED_TO_CPS,
        synthetic.CPS_DECISION,
        synthetic.CHARGED,
        synthetic.FIRST_HEARING,
        synthetic.TRIAL,
        synthetic.VERDICT,
        synthetic.SENTENCE,
        synthetic.VICTIM_WITHDRAWAL,
    }
    assert names == set(ProgressionEvent.Kind.values)


@pytest.mark.django_db
def test_every_offence_code_exists_in_the_reference_table(extract: Extract) -> None:
    known = set(OffenceCode.objects.values_list("code", flat=True))
    used = {row["offence_code"] for row in extract.crimes}
    assert used <= known, used - known
    assert {offence.code for offence in synthetic.OFFENCE_MIX} <= known


def test_local_authorities_are_the_seeded_west_midlands_districts() -> None:
    fixture = Path(__file__).resolve().parents[2] / "core" / "fixtures" / "geography_west_midlands.json"
    seeded = {row["code"]: row["name"] for row in json.loads(fixture.read_text())["local_authorities"]}
    assert {d.code: d.name for d in DISTRICTS} == seeded


# --- determinism and stability ---------------------------------------------------------------------


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    first = write_extract(tmp_path / "a", crimes=500, seed=3, start=START, end=END)
    second = write_extract(tmp_path / "b", crimes=500, seed=3, start=START, end=END)
    other = write_extract(tmp_path / "c", crimes=500, seed=4, start=START, end=END)
    for one, two in zip(first, second, strict=True):
        assert one.read_bytes() == two.read_bytes()
    assert first[0].read_bytes() != other[0].read_bytes()


def test_overlapping_windows_agree_on_the_crimes_they_share(tmp_path: Path) -> None:
    """With the same crimes per day and the same as-of date, a longer window contains the shorter
    one's crimes unchanged: the demo's monthly re-imports update, never duplicate."""
    as_of = date(2024, 6, 30)
    short = Extract(
        tmp_path / "s", crimes=3 * 61, seed=5, start=date(2024, 3, 1), end=date(2024, 4, 30), as_of=as_of
    )
    long = Extract(
        tmp_path / "l", crimes=3 * 91, seed=5, start=date(2024, 3, 1), end=date(2024, 5, 30), as_of=as_of
    )
    assert set(short.by_reference) < set(long.by_reference)
    for reference, row in short.by_reference.items():
        assert long.by_reference[reference] == row
        assert long.events_of(reference) == short.events_of(reference)


def test_a_later_extract_shows_the_same_crimes_further_on(tmp_path: Path) -> None:
    early = Extract(tmp_path / "e", crimes=2_000, seed=9, start=START, end=date(2024, 3, 31))
    later = Extract(tmp_path / "l", crimes=2_000, seed=9, start=START, end=date(2024, 3, 31), as_of=END)
    assert set(early.by_reference) == set(later.by_reference)
    moved = 0
    for reference, row in early.by_reference.items():
        after = later.by_reference[reference]
        static = [c for c in CRIMES_HEADER if c not in ("outcome_type", "outcome_date")]
        assert [row[c] for c in static] == [after[c] for c in static]
        if row["outcome_type"] != "0":
            assert (row["outcome_type"], row["outcome_date"]) == (
                after["outcome_type"],
                after["outcome_date"],
            )
        elif after["outcome_type"] != "0":
            moved += 1
        # Earlier events are kept; later ones are added after them.
        assert later.events_of(reference)[: len(early.events_of(reference))] == early.events_of(reference)
    assert moved > 0


# --- shape ------------------------------------------------------------------------------------------


def test_volumes_per_district_follow_population(extract: Extract) -> None:
    counts = Counter(row["local_authority_code"] for row in extract.crimes)
    population = sum(d.population for d in DISTRICTS)
    for district in DISTRICTS:
        expected = district.population / population
        assert abs(counts[district.code] / CRIMES - expected) < 0.015, district.name


def test_crimes_are_spread_evenly_over_the_window(extract: Extract) -> None:
    days = Counter(row["recorded_date"] for row in extract.crimes)
    assert min(days) == START.isoformat()
    assert max(days) == END.isoformat()
    assert max(days.values()) - min(days.values()) <= 1


def test_offence_mix_has_vawg_and_non_vawg_crimes(extract: Extract) -> None:
    codes = Counter(row["offence_code"] for row in extract.crimes)
    assert min(codes["19C"], codes["8U"], codes["8Q"], codes["20A"]) > 0
    assaults = [row for row in extract.crimes if row["offence_code"] in ("8N", "105A")]
    flagged = sum(row["domestic_abuse_flag"] == "Y" for row in assaults)
    assert 0.2 < flagged / len(assaults) < 0.5  # assaults with and without the DA flag
    hate = [row for row in extract.crimes if row["hate_strands"]]
    assert len(hate) > CRIMES // 200
    assert all(
        row["hate_strands"] in ("race", "religion") for row in extract.crimes if row["offence_code"] == "8M"
    )
    statuses = Counter(row["record_status"] for row in extract.crimes)
    assert statuses["cancelled"] > 0
    assert statuses["transferred"] > 0


def test_victims_match_their_offences(extract: Extract) -> None:
    sexual = {offence.code for offence in synthetic.OFFENCE_MIX if synthetic._FAMILIES[offence.family].sexual}
    sexes = Counter(
        sex for row in extract.crimes if row["offence_code"] in sexual for sex in row["victim_sex"].split(";")
    )
    assert sexes["F"] / sum(sexes.values()) > 0.75  # sexual offences: mostly female victims
    for row in extract.crimes:
        code, sex, ages = row["offence_code"], row["victim_sex"], row["victim_age_band"]
        if code == "19C":
            assert sex in ("F", "X")
            assert ages != "0-15"
        if code == "19F":
            assert sex in ("M", "X")
            assert ages != "0-15"
        if code in ("19D", "19E", "20B", "21", "22B"):
            assert ages == "0-15"
        if row["domestic_abuse_flag"] == "Y":
            assert "0-15" not in ages.split(";")  # Domestic Abuse Act 2021 s1: both aged 16 or over
    two_victims = sum(";" in row["victim_ids"] for row in extract.crimes)
    assert 0 < two_victims < CRIMES // 10


def test_repeat_suspects_exist(extract: Extract) -> None:
    seen = Counter(s for row in extract.crimes for s in row["suspect_ids"].split(";") if s)
    repeats = {suspect for suspect, n in seen.items() if n > 1}
    assert len(repeats) > 20
    adult_rape = [r for r in extract.crimes if r["offence_code"] in ("19C", "19F") and r["suspect_ids"]]
    linked = sum(any(s in repeats for s in r["suspect_ids"].split(";")) for r in adult_rape)
    assert 0 < linked < len(adult_rape)


def test_adult_rape_outcomes_follow_the_published_anchor(tmp_path: Path) -> None:
    """Seen long after recording (every outcome known), adult rape closes roughly as in
    Cambridgeshire 2018 (15 = 35%, 16 = 33%, 14 = 23%, 18 = 3%) with 3 to 4% charged."""
    rapes: Counter[str] = Counter()
    late = Extract(tmp_path, crimes=40_000, seed=11, start=START, end=END, as_of=date(2035, 1, 1))
    for row in late.crimes:
        if row["offence_code"] in ("19C", "19F") and row["record_status"] == "recorded":
            rapes[row["outcome_type"]] += 1
    total = sum(rapes.values())
    assert rapes["0"] == 0
    assert total > 900
    for outcome, share in (("15", 0.35), ("16", 0.33), ("14", 0.23), ("18", 0.03), ("1", 0.035)):
        assert abs(rapes[outcome] / total - share) < 0.03, outcome


# --- consistency --------------------------------------------------------------------------------------


def test_dates_are_ordered(extract: Extract) -> None:
    for row in extract.crimes:
        reported, recorded = (
            date.fromisoformat(row["reported_date"]),
            date.fromisoformat(row["recorded_date"]),
        )
        assert reported <= recorded
        assert START <= recorded <= END
        if row["outcome_date"]:
            assert recorded < date.fromisoformat(row["outcome_date"]) <= END
        previous = recorded
        for event in extract.events_of(row["crime_reference"]):
            on = date.fromisoformat(event["event_date"])
            assert previous <= on <= END  # never before the last one, never after the extract
            previous = on


def test_outcomes_agree_with_dates_suspects_and_events(extract: Extract) -> None:
    not_yet = 0
    for row in extract.crimes:
        outcome = int(row["outcome_type"])
        events = extract.events_of(row["crime_reference"])
        kinds = [e["event"] for e in events]
        assert (outcome == 0) == (row["outcome_date"] == "")
        not_yet += outcome == 0
        if row["record_status"] != "recorded":
            assert outcome == 0
            assert not events
        if outcome in (14, 18):
            assert row["suspect_ids"] == ""  # no suspect identified
        elif outcome:
            assert row["suspect_ids"]
        if "charged" in kinds:
            assert outcome == 1
            charged = next(e for e in events if e["event"] == "charged")
            assert charged["event_date"] == row["outcome_date"]
            decision = [e for e in events if e["event"] == "cps_decision"][-1]
            assert decision["detail"] == "charge"
        if outcome == 1 and events:
            assert "charged" in kinds
        if outcome in (14, 16) and events:
            withdrawal = [e for e in events if e["event"] == "victim_withdrawal"]
            assert withdrawal
            assert withdrawal[0]["detail"] in (*synthetic.WITHDRAWAL_REASONS, "")
            assert withdrawal[0]["event_date"] <= row["outcome_date"]
        if "sentence" in kinds:
            verdicts = [e["detail"] for e in events if e["event"] == "verdict"]
            assert verdicts[-1] in ("convicted_plea", "convicted_trial")
        for event in events:
            if event["suspect_id"]:
                assert event["suspect_id"] in row["suspect_ids"].split(";")
    assert 0 < not_yet < CRIMES // 2  # some crimes still wait for an outcome
    reasons = Counter(e["detail"] for e in extract.events if e["event"] == "victim_withdrawal")
    assert 0 < reasons[""] < sum(reasons.values()) / 4  # most withdrawals record a reason


def test_events_reference_crimes_in_the_file_and_cover_rasso(extract: Extract) -> None:
    assert set(extract.events_by_reference) <= set(extract.by_reference)
    rasso = {"19C", "19D", "19E", "19F", "19G", "19H", "20A", "20B", "17A", "17B", "22A", "70"}
    recorded_rasso = [
        r for r in extract.crimes if r["offence_code"] in rasso and r["record_status"] == "recorded"
    ]
    # Every RASSO crime with a suspect has its progression from the suspect's identification on
    # (identified within three weeks of recording, so crimes of the last month may not yet).
    settled = [r for r in recorded_rasso if r["suspect_ids"] and r["recorded_date"] < "2025-03-01"]
    assert len(settled) > 1_000
    for row in settled:
        assert extract.events_of(row["crime_reference"])[0]["event"] == "suspect_identified"
    da_only = [
        r
        for r in extract.crimes
        if r["offence_code"] not in rasso
        and r["domestic_abuse_flag"] == "Y"
        and r["record_status"] == "recorded"
    ]
    share = sum(r["crime_reference"] in extract.events_by_reference for r in da_only) / len(da_only)
    assert 0.15 < share < 0.45  # some DA crimes, not all


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="crimes"):
        write_extract(tmp_path, crimes=-1)
    with pytest.raises(ValueError, match="before start"):
        write_extract(tmp_path, crimes=1, start=END, end=START)
    with pytest.raises(ValueError, match="as_of"):
        write_extract(tmp_path, crimes=1, start=START, end=END, as_of=START)


def test_no_crimes_writes_headers_only(tmp_path: Path) -> None:
    crimes, events = write_extract(tmp_path, crimes=0)
    assert crimes.read_text().splitlines() == [",".join(CRIMES_HEADER)]
    assert events.read_text().splitlines() == [",".join(EVENTS_HEADER)]


def test_command_writes_the_same_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("synthetic_extract", str(tmp_path / "cmd"), "--crimes", "300", "--seed", "2")
    expected = write_extract(tmp_path / "api", crimes=300, seed=2)
    assert (tmp_path / "cmd" / "crimes.csv").read_bytes() == expected[0].read_bytes()
    assert (tmp_path / "cmd" / "events.csv").read_bytes() == expected[1].read_bytes()
    assert "Synthetic extract written" in capsys.readouterr().out


# --- memory -------------------------------------------------------------------------------------------


def _traced_peak(directory: Path, crimes: int) -> int:
    tracemalloc.start()
    try:
        write_extract(directory, crimes=crimes, seed=1)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_crimes(tmp_path: Path) -> None:
    """tracemalloc's peak (Python allocations while writing) is small and the same for 1,000 and
    10,000 crimes: nothing is kept per crime. (A list of the rows would add megabytes.)"""
    small = _traced_peak(tmp_path / "small", 1_000)
    large = _traced_peak(tmp_path / "large", 10_000)
    assert large < 1024 * 1024
    assert large - small < 64 * 1024


_CHILD = """
import resource, sys
from pathlib import Path
from waymark.crime.synthetic import write_extract
write_extract(Path(sys.argv[1]), crimes=int(sys.argv[2]), seed=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _child_peak_kib(directory: Path, crimes: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(directory), str(crimes)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip())


def test_writing_200k_rows_keeps_the_process_small(tmp_path: Path) -> None:
    """125,000 crimes make about 200,000 rows with their events; the writing process's peak
    resident memory is within a few MiB of one that writes a tenth as many."""
    small = _child_peak_kib(tmp_path / "small", 12_500)
    large = _child_peak_kib(tmp_path / "large", 125_000)
    with open(tmp_path / "large" / "crimes.csv") as crimes, open(tmp_path / "large" / "events.csv") as events:
        rows = sum(1 for _ in crimes) + sum(1 for _ in events) - 2
    assert rows > 190_000
    assert large - small < 8 * 1024


# --- the demo -----------------------------------------------------------------------------------------


def _demo_counts() -> dict[str, int]:
    from waymark.crime.models import (
        Crime,
        CrimeOutcomeChange,
        CrimeSuspect,
        CrimeVawgBasis,
        CrimeVictim,
        ForceExtractImport,
    )

    models = (Crime, CrimeVictim, CrimeSuspect, CrimeOutcomeChange, CrimeVawgBasis, ProgressionEvent)
    counts = {model.__name__: model.objects.count() for model in models}
    counts["ForceExtractImport"] = ForceExtractImport.objects.count()
    return counts


@pytest.mark.django_db
def test_demo_crime_load_is_idempotent_and_a_later_month_only_adds() -> None:
    import io

    from django.db.models import Max

    from waymark.crime.demo import DEMO_CRIMES_PER_DAY, demo_crime_load, demo_crime_window
    from waymark.crime.models import Crime, ForceExtractImport

    today = date(2026, 11, 26)
    assert demo_crime_window(today) == (date(2025, 4, 1), date(2026, 10, 31))
    out = io.StringIO()
    created = demo_crime_load(out, today=today)
    expected = DEMO_CRIMES_PER_DAY * ((date(2026, 10, 31) - date(2025, 4, 1)).days + 1)
    assert created == expected
    assert "synthetic" in out.getvalue()
    first = _demo_counts()
    assert first["Crime"] == expected
    assert first["ForceExtractImport"] == 2
    # Extracted on the last day it holds, so no month after it reads as one with no crimes.
    assert set(ForceExtractImport.objects.values_list("extracted_on", flat=True)) == {date(2026, 10, 31)}
    assert Crime.objects.aggregate(latest=Max("recorded_on"))["latest"] == date(2026, 10, 31)
    assert min(first.values()) > 0
    crimes = Crime.objects.all()
    assert not crimes.exclude(crime_reference__startswith="SYN-").exists()
    assert crimes.filter(is_adult_rape=True).exists()
    assert crimes.filter(is_vawg=True).count() < expected  # VAWG and other violence
    assert crimes.exclude(h3_r8="").exists()  # located, so the map has hexagons

    # The same day again: the same files, recognised; nothing changes.
    assert demo_crime_load(today=today) == 0
    assert _demo_counts() == first

    # A month later: November's crimes are added, earlier crimes move on; nothing is duplicated.
    # The clock is there too: an extract dated after today is refused.
    with time_machine.travel(date(2026, 12, 3), tick=False):
        later = demo_crime_load(today=date(2026, 12, 3))
    assert later == DEMO_CRIMES_PER_DAY * 30
    second = _demo_counts()
    assert second["Crime"] == expected + later
    assert second["ForceExtractImport"] == 4
    for name in ("ProgressionEvent", "CrimeOutcomeChange", "CrimeVictim", "CrimeSuspect"):
        assert second[name] >= first[name], name
    with time_machine.travel(date(2026, 12, 20), tick=False):
        assert demo_crime_load(today=date(2026, 12, 20)) == 0
    assert _demo_counts() == second
