"""Bad files of the force's extract: each refused with a specific problem, and nothing written.

Every test starts from the sample extract already imported, so "nothing written" also covers
the crimes a bad file would have changed, not only the ones it would have added.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from waymark.core.imports import ImportRefusedError, RowError
from waymark.core.models import PoliceForceArea
from waymark.crime.force_extract import (
    CRIME_COLUMNS,
    EVENT_COLUMNS,
    MAX_ERRORS,
    ExtractImportResult,
    import_crimes,
    import_events,
)

from .force_extract_support import (
    SAMPLE_CRIMES,
    SAMPLE_EVENTS,
    crime_row,
    event_row,
    snapshot,
    table_counts,
    write_csv,
    write_events,
)

APRIL = date(2025, 4, 1)
MAY = date(2025, 5, 1)

pytestmark = pytest.mark.django_db

Import = Callable[[Path], ExtractImportResult]


@pytest.fixture
def area() -> PoliceForceArea:
    return PoliceForceArea.objects.get(code="E23000014")


@pytest.fixture
def imported(area: PoliceForceArea) -> None:
    """The sample extract, crimes and events, loaded in April."""
    import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=APRIL)
    import_events(SAMPLE_EVENTS, police_force_area=area, extracted_on=APRIL)


@pytest.fixture
def crimes(area: PoliceForceArea, imported: None) -> Import:
    return lambda path: import_crimes(path, police_force_area=area, extracted_on=MAY)


@pytest.fixture
def events(area: PoliceForceArea, imported: None) -> Import:
    return lambda path: import_events(path, police_force_area=area, extracted_on=MAY)


def refused(run: Import, path: Path) -> list[RowError]:
    """Run an import that must be refused; check that nothing was written; return its problems."""
    counts, before = table_counts(), snapshot()
    with pytest.raises(ImportRefusedError) as refusal:
        run(path)
    assert table_counts() == counts
    assert snapshot() == before
    return refusal.value.errors


def where(errors: list[RowError]) -> list[tuple[int, str]]:
    return [(error.line, error.column) for error in errors]


def good_rows() -> list[dict[str, str]]:
    """A change to a crime already imported, and a new crime: what a refusal must not write."""
    return [crime_row("SYN-0001-24", outcome_type="15", outcome_date="2024-12-01"), crime_row("NEW-1")]


# --- headers ----------------------------------------------------------------------------------------


def test_a_header_with_a_missing_and_an_unknown_column(crimes: Import, tmp_path: Path) -> None:
    columns = [c for c in CRIME_COLUMNS if c != "outcome_date"] + ["victim_name"]
    errors = refused(crimes, write_csv(tmp_path / "f.csv", good_rows(), columns))
    assert [(e.line, e.column, e.message) for e in errors] == [
        (1, "outcome_date", "The column outcome_date is missing."),
        (
            1,
            "victim_name",
            "Unknown column victim_name: the columns are listed in docs/formats/force-extract.md.",
        ),
    ]


def test_a_header_naming_a_column_twice(crimes: Import, tmp_path: Path) -> None:
    errors = refused(crimes, write_csv(tmp_path / "f.csv", good_rows(), [*CRIME_COLUMNS, "offence_code"]))
    assert [(e.line, e.column, e.message) for e in errors] == [
        (1, "offence_code", "The column offence_code appears more than once.")
    ]


def test_an_empty_file(crimes: Import, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    errors = refused(crimes, path)
    assert [(e.line, e.message) for e in errors] == [
        (1, "The file is empty: its first line must name the columns.")
    ]


def test_a_crimes_file_given_as_events(events: Import) -> None:
    errors = refused(events, SAMPLE_CRIMES)
    assert errors[0].message.startswith("This is a crimes file: import it as crimes")


def test_a_file_with_a_header_and_no_rows_is_refused(crimes: Import, events: Import, tmp_path: Path) -> None:
    """A header alone is the wrong file or one cut short: refused, not "imported, 0 rows"."""
    for run, columns in ((crimes, CRIME_COLUMNS), (events, EVENT_COLUMNS)):
        path = tmp_path / "header-only.csv"
        path.write_text(",".join(columns) + "\n", encoding="utf-8")
        errors = refused(run, path)
        assert where(errors) == [(2, "")]
        assert errors[0].message.startswith("The file has a header but no rows: there is nothing to import.")


# --- values -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"reported_date": "2024-02-30"}, "reported_date", "'2024-02-30' is not a date: write YYYY-MM-DD"),
        ({"recorded_date": "02/04/2024"}, "recorded_date", "'02/04/2024' is not a date"),
        ({"recorded_date": "20240402"}, "recorded_date", "'20240402' is not a date"),
        ({"recorded_date": "0024-04-02"}, "recorded_date", "'0024-04-02' is before 1900: check the year."),
        ({"reported_date": ""}, "reported_date", "The reported_date column must not be empty"),
        ({"offence_code": "99Z"}, "offence_code", "Offence code '99Z' is not a Home Office offence code"),
        ({"record_status": "no_crime"}, "record_status", "'no_crime' is not a record status"),
        ({"domestic_abuse_flag": "yes"}, "domestic_abuse_flag", "Write Y or N, not 'yes'"),
        ({"online_flag": ""}, "online_flag", "Write Y or N, not ''"),
        ({"hate_strands": "race;age"}, "hate_strands", "'age' is not a hate crime strand"),
        ({"lsoa_code": "E0100"}, "lsoa_code", "'E0100' is not an LSOA code"),
        ({"latitude": "152.1"}, "latitude", "'152.1' is not a latitude"),
        ({"longitude": "west"}, "longitude", "'west' is not a longitude"),
        ({"longitude": ""}, "longitude", "Give latitude and longitude together, or neither"),
        (
            {"local_authority_code": "E08999999"},
            "local_authority_code",
            "'E08999999' is not a local authority",
        ),
        ({"outcome_type": "23", "outcome_date": "2024-05-01"}, "outcome_type", "'23' is not an outcome type"),
        ({"outcome_type": "one"}, "outcome_type", "'one' is not an outcome type"),
        # str.isdigit() is true of these, and int() reads the second as 3: neither is an outcome.
        ({"outcome_type": "\u00b2"}, "outcome_type", "'\u00b2' is not an outcome type"),
        ({"outcome_type": "\u0663"}, "outcome_type", "'\u0663' is not an outcome type"),
        ({"lsoa_code": "E01\u0660\u0660\u0660\u0660\u0660\u0661"}, "lsoa_code", "is not an LSOA code"),
        ({"latitude": "5_2.5"}, "latitude", "'5_2.5' is not a latitude"),
        ({"longitude": "-1e0"}, "longitude", "'-1e0' is not a longitude"),
        ({"crime_reference": "T-\x001"}, "crime_reference", "holds a zero byte (NUL)"),
        ({"outcome_type": "15"}, "outcome_date", "Give the date of outcome 15"),
        (
            {"outcome_date": "2024-05-01"},
            "outcome_date",
            "Leave outcome_date empty while the outcome type is 0",
        ),
        ({"victim_sex": "female"}, "victim_sex", "'female' is not a victim's sex"),
        ({"victim_age_band": "30-39"}, "victim_age_band", "'30-39' is not an age band"),
        ({"victim_disability": "maybe"}, "victim_disability", "'maybe' is not a disability answer"),
        (
            {"victim_enhanced_rights": "vip"},
            "victim_enhanced_rights",
            "'vip' is not an enhanced-rights category",
        ),
        (
            {
                "victim_ids": "V1;V1",
                "victim_sex": "F;F",
                "victim_age_band": "25-34;25-34",
                "victim_ethnicity": "W1;W1",
                "victim_disability": "N;N",
                "victim_enhanced_rights": ";",
            },
            "victim_ids",
            "'V1;V1' gives the same id twice",
        ),
        ({"suspect_ids": "S1;S1"}, "suspect_ids", "'S1;S1' gives the same id twice"),
        ({"suspect_ids": "S1;;S2"}, "suspect_ids", "has an empty id"),
        ({"crime_reference": ""}, "crime_reference", "The crime_reference column must not be empty"),
        ({"crime_reference": "R" * 41}, "crime_reference", "is longer than 40 characters"),
        # crime_row is reported on 2024-04-01: nothing is recorded or decided before that.
        (
            {"recorded_date": "2024-03-31"},
            "recorded_date",
            "2024-03-31 is before the reported_date (2024-04-01): a crime is recorded on or after",
        ),
        (
            {"outcome_type": "15", "outcome_date": "2024-03-31"},
            "outcome_date",
            "2024-03-31 is before the reported_date (2024-04-01): an outcome is given after",
        ),
        # Later than the extraction date given with the file (MAY): impossible in that extract.
        ({"recorded_date": "2025-05-02"}, "recorded_date", "2025-05-02 is after the extraction date"),
        (
            {"outcome_type": "15", "outcome_date": "2025-06-30"},
            "outcome_date",
            "2025-06-30 is after the extraction date given with the file (2025-05-01)",
        ),
    ],
)
def test_a_bad_value_is_named_by_line_and_column(
    crimes: Import, tmp_path: Path, values: dict[str, str], column: str, message: str
) -> None:
    errors = refused(crimes, write_csv(tmp_path / "f.csv", [*good_rows(), crime_row("BAD-1", **values)]))
    assert where(errors) == [(4, column)]
    assert message in errors[0].message


def test_unequal_victim_lists(crimes: Import, tmp_path: Path) -> None:
    row = crime_row("BAD-1", victim_ids="V1;V2", victim_sex="F", victim_age_band="25-34;18-24")
    row.update(victim_ethnicity="W1;A1", victim_disability="N;N", victim_enhanced_rights=";")
    errors = refused(crimes, write_csv(tmp_path / "f.csv", [*good_rows(), row]))
    assert where(errors) == [(4, "victim_sex")]
    assert errors[0].message == (
        "victim_sex has 1 entries but victim_ids has 2: "
        "give one per victim, in the same order, separated by ';'."
    )


def test_victim_details_without_victims(crimes: Import, tmp_path: Path) -> None:
    row = crime_row("BAD-1", victim_ids="", victim_sex="F", victim_age_band="", victim_ethnicity="")
    row.update(victim_disability="", victim_enhanced_rights="")
    errors = refused(crimes, write_csv(tmp_path / "f.csv", [*good_rows(), row]))
    assert where(errors) == [(4, "victim_sex")]


def test_a_crime_reference_twice_in_one_file(crimes: Import, tmp_path: Path) -> None:
    rows = [*good_rows(), crime_row("DUP-1"), crime_row("DUP-1", offence_code="8Q"), crime_row("NEW-1")]
    errors = refused(crimes, write_csv(tmp_path / "f.csv", rows))
    assert [(e.line, e.column, e.message) for e in errors] == [
        (5, "crime_reference", "Crime reference 'DUP-1' is also on line 4: a crime appears once in a file."),
        (6, "crime_reference", "Crime reference 'NEW-1' is also on line 3: a crime appears once in a file."),
    ]


def test_a_truncated_file(crimes: Import, tmp_path: Path) -> None:
    """The last row cut off part-way: fewer values than the header has columns."""
    path = write_csv(tmp_path / "f.csv", [*good_rows(), crime_row("CUT-1")])
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("52.4797")], encoding="utf-8")
    errors = refused(crimes, path)
    assert [(e.line, e.column, e.message) for e in errors] == [
        (4, "", "This row has 13 values but the header names 24 columns: is the file cut short?")
    ]


def test_a_file_cut_inside_a_quoted_value(crimes: Import, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", good_rows())
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('CUT-2,2024-04-01,"2024-04')
    errors = refused(crimes, path)
    assert where(errors) == [(4, "")]
    assert "cannot be read as CSV (unexpected end of data)" in errors[0].message


def test_a_row_with_too_many_values(crimes: Import, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", good_rows())
    with open(path, "a", encoding="utf-8") as handle:
        csv.writer(handle).writerow([*crime_row("LONG-1").values(), "extra"])
    errors = refused(crimes, path)
    assert [(e.line, e.message) for e in errors] == [
        (4, "This row has 25 values but the header names 24 columns: is a comma missing its quotes?")
    ]


def test_a_file_that_is_not_utf8(crimes: Import, tmp_path: Path) -> None:
    """Saved from a spreadsheet in Latin-1: the value is found by line and column, and the rows
    after it are still checked."""
    path = write_csv(tmp_path / "f.csv", good_rows())
    latin = ",".join(crime_row("LATIN-1", victim_ethnicity="Caf\u00e9").values()).encode("latin-1")
    with open(path, "ab") as handle:
        handle.write(
            latin + b"\r\n" + ",".join(crime_row("LATER", offence_code="99Z").values()).encode() + b"\r\n"
        )
    errors = refused(crimes, path)
    assert (errors[0].line, errors[0].column, errors[0].message) == (
        4,
        "victim_ethnicity",
        "This value is not UTF-8 text: save the file as 'CSV UTF-8' and try again.",
    )
    assert where(errors)[1:] == [(5, "offence_code")]


def test_every_problem_is_reported_in_line_order(crimes: Import, tmp_path: Path) -> None:
    rows = [
        crime_row("A", reported_date="yesterday", offence_code="ZZ"),
        crime_row("B"),
        crime_row("A"),
        crime_row("C", victim_sex="Q"),
    ]
    errors = refused(crimes, write_csv(tmp_path / "f.csv", rows))
    assert where(errors) == [
        (2, "reported_date"),
        (2, "offence_code"),
        (4, "crime_reference"),
        (5, "victim_sex"),
    ]


def test_problems_beyond_the_first_thousand_are_counted(crimes: Import, tmp_path: Path) -> None:
    rows = [crime_row(f"BAD-{n}", offence_code="99Z") for n in range(MAX_ERRORS + 250)]
    path = write_csv(tmp_path / "f.csv", rows)
    with pytest.raises(ImportRefusedError) as refusal:
        crimes(path)
    errors = refusal.value.errors
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1].message.startswith("250 more problems after this line are not listed")
    assert f"refused with {MAX_ERRORS + 250:,} problem(s)" in str(refusal.value)


# --- events -----------------------------------------------------------------------------------------


def test_an_event_for_a_crime_not_imported(events: Import, tmp_path: Path) -> None:
    rows = [
        event_row("SYN-0003-24", "arrested", "2024-05-03"),
        event_row("NOT-THERE", "arrested", "2024-05-03"),
    ]
    errors = refused(events, write_events(tmp_path / "e.csv", rows))
    assert [(e.line, e.column, e.message) for e in errors] == [
        (
            3,
            "crime_reference",
            "No crime with reference 'NOT-THERE' has been imported for West Midlands: "
            "import the crimes file first.",
        )
    ]


def test_many_dates_after_the_extraction_date_lead_the_refusal(
    area: PoliceForceArea, imported: None, tmp_path: Path
) -> None:
    """A wrong extraction date refuses every row by its dates. From ten such dates the refusal
    leads with them, the latest named, so the person checks that date before a thousand rows;
    nine (or a headline of the importer's own, such as the wrong kind of file) do not."""
    rows = [crime_row(f"R-{n}", recorded_date=f"2025-05-{n + 2:02d}") for n in range(9)]
    with pytest.raises(ImportRefusedError) as nine:
        import_crimes(write_csv(tmp_path / "nine.csv", rows), police_force_area=area, extracted_on=MAY)
    assert nine.value.headline == ""
    rows.append(crime_row("R-9", outcome_type="15", outcome_date="2025-06-30"))
    with pytest.raises(ImportRefusedError) as ten:
        import_crimes(write_csv(tmp_path / "ten.csv", rows), police_force_area=area, extracted_on=MAY)
    assert ten.value.headline == (
        "10 dates in the file are after the extraction date given with it (2025-05-01), the latest "
        "2025-06-30: check the extraction date first."
    )
    assert ten.value.total == 10


def test_a_later_crimes_file_cannot_move_a_report_after_the_crime_s_events(
    crimes: Import, tmp_path: Path, area: PoliceForceArea
) -> None:
    """SYN-0002-24's first event held is on 2024-04-12 (the sample's events): a later file
    reporting it on 2024-04-13 is refused, one reporting it on 2024-04-12 is not, and an older
    extract than the one that loaded it (which would not be applied) is not checked."""
    late = crime_row("SYN-0002-24", reported_date="2024-04-13", recorded_date="2024-04-13")
    errors = refused(crimes, write_csv(tmp_path / "late.csv", [crime_row("NEW-1"), late]))
    assert [(e.line, e.column, e.message) for e in errors] == [
        (
            3,
            "reported_date",
            "2024-04-13 is after an event Waymark holds for crime SYN-0002-24, dated 2024-04-12: every "
            "event of a case comes after its report. Check this date, or the events imported before.",
        )
    ]
    same_day = crime_row("SYN-0002-24", reported_date="2024-04-12", recorded_date="2024-04-12")
    crimes(write_csv(tmp_path / "same-day.csv", [same_day]))
    older = crime_row("SYN-0002-24", reported_date="2024-04-20", recorded_date="2024-04-20")
    import_crimes(
        write_csv(tmp_path / "older.csv", [older]), police_force_area=area, extracted_on=date(2025, 3, 1)
    )


def test_events_dated_before_their_crime_was_reported(events: Import, tmp_path: Path) -> None:
    """SYN-0003-24 was reported on 2024-05-02 (the sample extract): an event the day before is
    refused, one on the day is not."""
    rows = [
        event_row("SYN-0003-24", "arrested", "2024-05-02"),
        event_row("SYN-0003-24", "interviewed", "2024-05-01"),
        event_row("SYN-0003-24", "bailed", "2023-12-31"),
    ]
    errors = refused(events, write_events(tmp_path / "e.csv", rows))
    check = "every event of a case comes after its report. Check this date, or the crime's reported_date."
    assert [(e.line, e.column, e.message) for e in errors] == [
        (3, "event_date", f"2024-05-01 is before crime SYN-0003-24 was reported (2024-05-02): {check}"),
        (4, "event_date", f"2023-12-31 is before crime SYN-0003-24 was reported (2024-05-02): {check}"),
    ]


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"event": "sentenced"}, "event", "'sentenced' is not an event: write one of suspect_identified"),
        ({"event_date": "3 May 2024"}, "event_date", "'3 May 2024' is not a date"),
        ({"event_date": "0001-05-03"}, "event_date", "'0001-05-03' is before 1900"),
        (
            {"event": "cps_decision", "detail": "maybe"},
            "detail",
            "'maybe' is not the detail of a cps_decision event",
        ),
        ({"event": "verdict"}, "detail", "An empty value is not the detail of a verdict event"),
        ({"suspect_id": "S" * 65}, "suspect_id", "is longer than 64 characters"),
        ({"event_date": "2025-05-02"}, "event_date", "2025-05-02 is after the extraction date"),
        ({"event": "cps_decision", "detail": "charge\x00"}, "detail", "holds a zero byte (NUL)"),
    ],
)
def test_a_bad_event_is_named_by_line_and_column(
    events: Import, tmp_path: Path, values: dict[str, str], column: str, message: str
) -> None:
    rows = [event_row("SYN-0003-24", "arrested", "2024-05-03"), event_row("SYN-0003-24", **values)]
    errors = refused(events, write_events(tmp_path / "e.csv", rows))
    assert where(errors) == [(3, column)]
    assert message in errors[0].message


def test_the_same_event_twice_in_one_file(events: Import, tmp_path: Path) -> None:
    rows = [event_row("SYN-0003-24", "arrested", "2024-05-03", suspect_id="P-SYN-0003")] * 2
    errors = refused(events, write_events(tmp_path / "e.csv", rows))
    assert [(e.line, e.column) for e in errors] == [(3, "crime_reference")]
    assert "is also on line 2" in errors[0].message


def test_an_events_header_with_an_unknown_column(events: Import, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", [event_row()], [*EVENT_COLUMNS, "officer"])
    assert where(refused(events, path)) == [(1, "officer")]


# --- any malformed row ------------------------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _not_a_date(text: str) -> bool:
    value = text.strip()
    if not _ISO.fullmatch(value):
        return True
    try:
        date.fromisoformat(value)
    except ValueError:
        return True
    return False


def _not_a_number_in(low: float, high: float) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        try:
            return not low <= float(text.strip()) <= high
        except ValueError:
            return bool(text.strip())  # empty is allowed (with the other one empty too)

    return check


# For each column, values that are never valid there (after the surrounding spaces are trimmed).
MALFORMED: dict[str, st.SearchStrategy[str]] = {
    "reported_date": _TEXT.filter(_not_a_date),
    "recorded_date": _TEXT.filter(_not_a_date),
    "offence_code": _TEXT.filter(lambda t: t.strip() not in {"8N", "8Q", "19C", "8U"}).filter(
        lambda t: not re.fullmatch(r"\d{1,3}[A-Z]?|4\.1", t.strip())
    ),
    "record_status": _TEXT.filter(lambda t: t.strip() not in {"", "recorded", "cancelled", "transferred"}),
    "domestic_abuse_flag": _TEXT.filter(lambda t: t.strip() not in {"Y", "N"}),
    "online_flag": _TEXT.filter(lambda t: t.strip() not in {"Y", "N"}),
    "latitude": _TEXT.filter(_not_a_number_in(-90, 90)),
    "outcome_type": _TEXT.filter(lambda t: not (t.strip().isdigit() and int(t.strip()) == 0)),
    "victim_sex": _TEXT.filter(lambda t: t.strip() not in {"F", "M", "X"}),
    "victim_age_band": _TEXT.filter(
        lambda t: t.strip() not in {"0-15", "16-17", "18-24", "25-34", "35-44"}
    ).filter(lambda t: t.strip() not in {"45-54", "55-64", "65+", "unknown"}),
    "suspect_ids": st.sampled_from([";", "S1;", ";S1", "S1;S1", "S" * 65]),
    "crime_reference": st.just(""),
}


@st.composite
def malformed_files(draw: st.DrawFn) -> tuple[list[list[str]], int]:
    """Valid rows with one malformed row among them (a bad value, a missing or extra value, or a
    repeated reference); returns the rows and the file line of the bad one."""
    count = draw(st.integers(min_value=1, max_value=6))
    rows = [list(crime_row(f"H-{n}").values()) for n in range(count)]
    position = draw(st.integers(min_value=0, max_value=count))
    bad = list(crime_row("H-BAD").values())
    how = draw(st.sampled_from(["value", "short", "long", "repeat"]))
    if how == "value":
        column = draw(st.sampled_from(sorted(MALFORMED)))
        bad[CRIME_COLUMNS.index(column)] = draw(MALFORMED[column])
        if column == "outcome_type":
            bad[CRIME_COLUMNS.index("outcome_date")] = ""  # a real outcome type then lacks its date
    elif how == "short":
        bad = bad[: draw(st.integers(min_value=1, max_value=len(bad) - 1))]
    elif how == "long":
        bad += draw(st.lists(_TEXT, min_size=1, max_size=3))
    else:
        # The reference of another row: the problem is on whichever of the two comes later.
        other = draw(st.integers(min_value=0, max_value=count - 1))
        bad[0] = rows[other][0]
        rows.insert(position, bad)
        return rows, max(position + 2, other + (2 if other < position else 3))
    rows.insert(position, bad)
    return rows, position + 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=malformed_files())
def test_any_malformed_row_refuses_the_file_and_writes_nothing(
    crimes: Import, tmp_path: Path, case: tuple[list[list[str]], int]
) -> None:
    rows, bad_line = case
    path = tmp_path / "malformed.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CRIME_COLUMNS)
        writer.writerows(rows)
    counts, before = table_counts(), snapshot()
    with pytest.raises(ImportRefusedError) as refusal:
        crimes(path)
    assert table_counts() == counts
    assert snapshot() == before
    assert bad_line in {error.line for error in refusal.value.errors}


@pytest.fixture
def callers_transaction() -> Iterator[None]:
    with transaction.atomic():
        yield


def test_a_refusal_leaves_the_callers_transaction_usable(
    crimes: Import, tmp_path: Path, callers_transaction: None
) -> None:
    """Refused inside a caller's transaction, the import leaves that transaction fit to go on."""
    refused(crimes, write_csv(tmp_path / "f.csv", [crime_row("X", offence_code="??")]))
    result = crimes(write_csv(tmp_path / "g.csv", good_rows()))
    assert (result.created, result.updated) == (1, 1)
