"""The police.uk import, on the real City of London files (shared/data/police-uk/SOURCE.md).

The expected counts are the ones SOURCE.md states for those files; the refusals are built by
changing one thing in a real file.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import string
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from waymark.audit.models import AccessLog
from waymark.core.geography import h3_cell
from waymark.core.imports import ImportRefusedError
from waymark.core.testing.progress import ProgressCalls
from waymark.core.testing.world import World
from waymark.crime import police_uk
from waymark.crime.models import (
    PoliceUkAntisocialBehaviour,
    PoliceUkCrime,
    PoliceUkCrimeType,
    PoliceUkFile,
    PoliceUkOutcome,
)
from waymark.crime.police_uk import (
    OUTCOME_COLUMNS,
    STREET_COLUMNS,
    PoliceUkImportResult,
    import_police_uk,
)
from waymark.crime.police_uk_selectors import (
    VIOLENCE_AND_SEXUAL_OFFENCES,
    PoliceUkFilters,
    police_uk_crimes_by_month_and_type,
    police_uk_last_outcome_mix,
    police_uk_outcome_histories,
    police_uk_outcome_summary,
    police_uk_violence_context_by_month_and_lsoa,
)

from .force_extract_support import waiting_its_turn

pytestmark = pytest.mark.django_db

# The real police.uk files (shared/data/police-uk/, next to the repository).
POLICE_UK_DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "police-uk"
JULY_STREET = "2016-07/2016-07-city-of-london-street.csv"
JULY_OUTCOMES = "2016-07/2016-07-city-of-london-outcomes.csv"
AUGUST_STREET = "2016-08/2016-08-city-of-london-street.csv"

# SOURCE.md's figures for the 12 months.
STREET_ROWS = 7_194
CRIMES = 5_621
ANTISOCIAL_BEHAVIOUR = 1_573
OUTCOME_ROWS = 6_058
VIOLENCE_AND_SEXUAL = 932
CRIMES_WITH_SEVERAL_OUTCOMES = 575
OUTCOME_ROWS_JOINED = 5_031
NO_LOCATION_ROWS = 323
DISTINCT_LSOAS = 24
STREET_FILES = OUTCOME_FILES = 12
STOP_AND_SEARCH_FILES = 9

ROW_MODELS: tuple[type[Model], ...] = (PoliceUkCrime, PoliceUkAntisocialBehaviour, PoliceUkOutcome)


@pytest.fixture(scope="module")
def data() -> Path:
    if not POLICE_UK_DATA.is_dir():
        pytest.fail(f"The police.uk test files are not at {POLICE_UK_DATA}.")
    return POLICE_UK_DATA


@pytest.fixture
def analyst(world: World) -> Any:
    return world.member("opcc_analyst")


def _source_checksums() -> dict[str, str]:
    """SOURCE.md's sha256 of each file, by file name."""
    text = (POLICE_UK_DATA / "SOURCE.md").read_text(encoding="utf-8")
    return {Path(name).name: digest for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", text, re.M)}


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*ROW_MODELS, PoliceUkFile)}  # type: ignore[attr-defined]


def _ids() -> dict[str, list[int]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values_list("pk", flat=True))  # type: ignore[attr-defined]
        for model in (*ROW_MODELS, PoliceUkFile)
    }


def _fingerprint() -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row without its ids: what two imports of the same data must agree on."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for model in ROW_MODELS:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "file_id")]
        rows[model.__name__] = sorted(
            model.objects.values_list("file__file_name", *fields),  # type: ignore[attr-defined]
            key=repr,
        )
    rows["files"] = sorted(
        PoliceUkFile.objects.values_list("kind", "force_slug", "month", "file_name", "sha256", "rows")
    )
    return rows


def _nothing_written() -> None:
    assert _counts() == dict.fromkeys(_counts(), 0)


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def _write(path: Path, rows: list[list[str]], *, quote_all: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # surrogateescape: a value may carry a byte that is not UTF-8 ("\udce9" writes 0xE9).
    with path.open("w", encoding="utf-8", errors="surrogateescape", newline="") as file:
        csv.writer(
            file, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
        ).writerows(rows)
    return path


def _real_copy(data: Path, tmp_path: Path, relative: str = JULY_STREET) -> tuple[Path, list[list[str]]]:
    """A path in tmp_path with the real file's name, and the real file's rows to change."""
    return tmp_path / Path(relative).name, _read(data / relative)


def _refusal(path: Path) -> ImportRefusedError:
    with pytest.raises(ImportRefusedError) as refused:
        import_police_uk(path)
    return refused.value


# --- the real files --------------------------------------------------------------------------


def test_the_real_files_import_with_the_counts_source_md_states(data: Path) -> None:
    progress = ProgressCalls()
    result = import_police_uk(data, progress=progress)

    assert (result.street_crimes, result.antisocial_behaviour, result.outcomes) == (
        CRIMES,
        ANTISOCIAL_BEHAVIOUR,
        OUTCOME_ROWS,
    )
    assert result.street_crimes + result.antisocial_behaviour == STREET_ROWS
    assert len(result.files_imported) == STREET_FILES + OUTCOME_FILES
    assert len(result.files_skipped) == STOP_AND_SEARCH_FILES
    assert all(name.endswith("-stop-and-search.csv") for name in result.files_skipped)
    assert result.files_replaced == result.files_unchanged == []
    assert result.files_ignored == ["SOURCE.md"]
    assert "5,621 crimes, 1,573 anti-social behaviour" in result.summary()

    assert PoliceUkCrime.objects.count() == CRIMES
    assert PoliceUkAntisocialBehaviour.objects.count() == ANTISOCIAL_BEHAVIOUR
    assert PoliceUkOutcome.objects.count() == OUTCOME_ROWS
    assert (
        PoliceUkCrime.objects.filter(crime_type__name=VIOLENCE_AND_SEXUAL_OFFENCES).count()
        == VIOLENCE_AND_SEXUAL
    )
    assert PoliceUkCrime.objects.values("crime_id").distinct().count() == CRIMES

    # Both spellings of "No Location" become an empty location with no coordinates.
    unlocated = sum(
        model.objects.filter(location="", latitude=None, longitude=None, lsoa_code="", h3_r8="").count()
        for model in (PoliceUkCrime, PoliceUkAntisocialBehaviour)
    )
    assert unlocated == NO_LOCATION_ROWS
    assert not PoliceUkOutcome.objects.filter(location__iexact="no location").exists()
    assert PoliceUkOutcome.objects.filter(location="", latitude=None).exists()

    lsoas = set(PoliceUkCrime.objects.exclude(lsoa_code="").values_list("lsoa_code", flat=True))
    lsoas |= set(
        PoliceUkAntisocialBehaviour.objects.exclude(lsoa_code="").values_list("lsoa_code", flat=True)
    )
    assert len(lsoas) == DISTINCT_LSOAS

    # Every located row has its H3 cell, computed from its own coordinates.
    for model in ROW_MODELS:
        located = model.objects.exclude(latitude=None)  # type: ignore[attr-defined]
        assert not located.filter(h3_r8="").exists()
        sample = located.order_by("pk")[:50]
        assert all(row.h3_r8 == h3_cell(row.latitude, row.longitude, 8) for row in sample)

    # The files are recorded with the bytes' checksums SOURCE.md gives, and their months.
    checksums = _source_checksums()
    for file in PoliceUkFile.objects.all():
        assert file.sha256 == checksums[file.file_name]
        assert file.file_name.startswith(file.month.strftime("%Y-%m"))
        assert file.force_slug == "city-of-london"
    assert PoliceUkFile.objects.filter(kind="street").count() == STREET_FILES
    assert sum(PoliceUkFile.objects.filter(kind="street").values_list("rows", flat=True)) == STREET_ROWS

    # Lines are the file's, the header being line 1.
    first = PoliceUkCrime.objects.get(file__file_name=Path(JULY_STREET).name, line=2)
    assert first.crime_id == _read(data / JULY_STREET)[1][0]

    # Progress is in bytes of the street and outcomes files, read and then saved, and reaches the end.
    size = sum(p.stat().st_size for p in data.glob("*/*.csv") if "stop-and-search" not in p.name)
    assert progress.totals == {2 * size}
    assert progress.dones[-1] == 2 * size
    assert progress.dones == sorted(progress.dones)
    messages = progress.messages()
    assert messages.index("Saving 2016-07-city-of-london-outcomes.csv") > max(
        index for index, message in enumerate(messages) if message.startswith("Reading ")
    )  # every file is read and checked before any is saved


@pytest.mark.django_db(transaction=True)
def test_files_are_read_outside_the_transaction_so_an_upload_s_page_shows_the_progress(data: Path) -> None:
    """A job's progress written inside a transaction is seen by nobody until it commits: the
    reading, which is most of the time, reports from outside it; only the saving is inside."""
    inside: dict[str, set[bool]] = {"Reading": set(), "Saving": set()}

    def progress(*, done: int, total: int, message: str = "") -> None:
        step = message.split(" ")[0]
        if step in inside:
            inside[step].add(connection.in_atomic_block)

    import_police_uk(data / "2016-07", progress=progress)

    assert inside == {"Reading": {False}, "Saving": {True}}


def test_outcomes_join_to_crimes_as_source_md_states(data: Path, analyst: Any) -> None:
    import_police_uk(data)

    summary = police_uk_outcome_summary(user=analyst)

    assert summary.crimes == CRIMES
    assert summary.outcome_rows == OUTCOME_ROWS
    assert summary.outcome_rows_joined == OUTCOME_ROWS_JOINED
    assert summary.crimes_with_several_outcomes == CRIMES_WITH_SEVERAL_OUTCOMES
    assert CRIMES_WITH_SEVERAL_OUTCOMES < summary.crimes_with_outcomes < CRIMES


def test_a_second_import_changes_nothing(data: Path) -> None:
    import_police_uk(data)
    counts, ids, rows = _counts(), _ids(), _fingerprint()

    again = import_police_uk(data)

    assert (again.street_crimes, again.antisocial_behaviour, again.outcomes) == (0, 0, 0)
    assert len(again.files_unchanged) == STREET_FILES + OUTCOME_FILES
    assert again.files_imported == again.files_replaced == []
    assert len(again.files_skipped) == STOP_AND_SEARCH_FILES
    assert (_counts(), _ids(), _fingerprint()) == (counts, ids, rows)


def test_a_zip_imports_the_same_as_the_folder(data: Path, tmp_path: Path) -> None:
    """A zip in the archive's layout (built here), read member by member, gives the same rows;
    the folder afterwards finds every file unchanged, so the bytes hashed were the same."""
    archive = tmp_path / "police-uk.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(data.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(data).as_posix())

    from_zip = import_police_uk(archive)
    zip_rows = _fingerprint()
    folder_after_zip = import_police_uk(data)
    PoliceUkFile.objects.all().delete()
    from_folder = import_police_uk(data)

    assert len(folder_after_zip.files_unchanged) == STREET_FILES + OUTCOME_FILES
    assert _fingerprint() == zip_rows
    assert _summary_counts(from_zip) == _summary_counts(from_folder)
    assert _summary_counts(from_zip) == (CRIMES, ANTISOCIAL_BEHAVIOUR, OUTCOME_ROWS, 24, 9)


def _summary_counts(result: PoliceUkImportResult) -> tuple[int, ...]:
    return (
        result.street_crimes,
        result.antisocial_behaviour,
        result.outcomes,
        len(result.files_imported),
        len(result.files_skipped),
    )


@pytest.mark.django_db(transaction=True)
def test_an_import_waits_for_another_writing_and_then_sees_its_month(data: Path, tmp_path: Path) -> None:
    """Two imports of the same new month: the second waits for the first's lock, then finds the
    month's record it committed and replaces it, rather than create a second record and fail on
    the unique constraint."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time (begun IMMEDIATE)")
    folder = tmp_path / "2016-07"
    folder.mkdir()
    shutil.copy(data / JULY_STREET, folder)
    first: list[PoliceUkFile] = []
    result = waiting_its_turn(
        None,
        lambda: import_police_uk(folder),
        lambda: first.append(
            PoliceUkFile.objects.create(
                kind="street",
                force_slug="city-of-london",
                month=date(2016, 7, 1),
                file_name="2016-07-city-of-london-street.csv",
                sha256="0" * 64,
            )
        ),
        keys=(police_uk.POLICE_UK_LOCK, 0),
    )
    assert result.files_replaced == ["2016-07-city-of-london-street.csv"]
    assert PoliceUkFile.objects.get().pk == first[0].pk


def _damaged_zip(data: Path, tmp_path: Path, compression: int) -> Path:
    """July's street file in a zip whose member's bytes are then damaged in the middle."""
    archive = tmp_path / "police-uk.zip"
    with zipfile.ZipFile(archive, "w", compression=compression) as zipped:
        zipped.write(data / JULY_STREET, JULY_STREET)
    content = bytearray(archive.read_bytes())
    middle = len(content) // 2
    for index in range(middle, middle + 40):
        content[index] ^= 0x5A
    archive.write_bytes(bytes(content))
    return archive


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_damaged_zip_member_is_refused_by_name(data: Path, tmp_path: Path, compression: int) -> None:
    """Stored, the damage fails the CRC check at the member's end; deflated, the stream breaks.
    Either stopped the import with the zip module's own error, and no list of problems. Now the
    file's one problem is that: not the rows the damage garbled before it was found."""
    refusal = _refusal(_damaged_zip(data, tmp_path, compression))

    assert [(e.file_name, e.line) for e in refusal.errors] == [(JULY_STREET, 0)]
    assert refusal.total == 1
    assert refusal.errors[0].message.startswith("This file cannot be read from the zip (")
    assert refusal.errors[0].message.endswith("download the zip again.")
    _nothing_written()


def test_a_changed_month_replaces_that_month_only(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "police-uk"
    shutil.copytree(data, folder)
    import_police_uk(folder)
    august = PoliceUkFile.objects.get(kind="street", month=date(2016, 8, 1))
    others_before = {
        model.__name__: list(model.objects.exclude(file=august).order_by("pk").values_list("pk", "line"))  # type: ignore[attr-defined]
        for model in ROW_MODELS
    }
    rows = _read(folder / AUGUST_STREET)
    dropped = rows.pop()  # the force re-submits the month with one row fewer…
    changed_line = next(n for n, row in enumerate(rows) if n and row[0] and row[9] != "Robbery")
    rows[changed_line][9] = "Robbery"  # …and one crime recategorised
    _write(folder / AUGUST_STREET, rows)

    result = import_police_uk(folder)

    assert result.files_replaced == [AUGUST_STREET]
    assert len(result.files_unchanged) == STREET_FILES + OUTCOME_FILES - 1
    assert result.street_crimes + result.antisocial_behaviour == len(rows) - 1
    replaced = PoliceUkFile.objects.get(kind="street", month=date(2016, 8, 1))
    assert replaced.pk == august.pk
    assert replaced.sha256 != august.sha256
    assert replaced.rows == len(rows) - 1
    month_rows = PoliceUkCrime.objects.filter(file=replaced).count()
    month_rows += PoliceUkAntisocialBehaviour.objects.filter(file=replaced).count()
    assert month_rows == len(rows) - 1
    assert PoliceUkCrime.objects.get(file=replaced, line=changed_line + 1).crime_type_id == "Robbery"
    dropped_line = len(rows) + 1
    assert not PoliceUkCrime.objects.filter(file=replaced, line=dropped_line).exists()
    assert not PoliceUkAntisocialBehaviour.objects.filter(file=replaced, line=dropped_line).exists()
    assert dropped
    others_after = {
        model.__name__: list(model.objects.exclude(file=replaced).order_by("pk").values_list("pk", "line"))  # type: ignore[attr-defined]
        for model in ROW_MODELS
    }
    assert others_after == others_before


def test_stop_and_search_files_are_skipped(data: Path) -> None:
    result = import_police_uk(data / "2016-07/2016-07-city-of-london-stop-and-search.csv")

    assert result.files_skipped == ["2016-07-city-of-london-stop-and-search.csv"]
    assert "1 skipped (stop-and-search, not imported)" in result.summary()
    _nothing_written()


def test_one_outcomes_file_imports_on_its_own(data: Path) -> None:
    result = import_police_uk(data / JULY_OUTCOMES)

    expected = len(_read(data / JULY_OUTCOMES)) - 1
    assert result.outcomes == PoliceUkOutcome.objects.count() == expected
    assert PoliceUkFile.objects.get().kind == PoliceUkFile.Kind.OUTCOMES


# --- refusals ----------------------------------------------------------------------------------


def _rename_column(rows: list[list[str]]) -> None:
    rows[0][9] = "Crime Type"


def _bad_month(rows: list[list[str]]) -> None:
    rows[4][1] = "2016-7"


def _other_month(rows: list[list[str]]) -> None:
    rows[4][1] = "2016-08"


def _unknown_crime_type(rows: list[list[str]]) -> None:
    rows[6][9] = "Bike theft"


def _extra_value(rows: list[list[str]]) -> None:
    rows[3].append("surplus")


def _bad_crime_id(rows: list[list[str]]) -> None:
    rows[2][0] = rows[2][0][:-1]


def _latitude_out_of_range(rows: list[list[str]]) -> None:
    rows[2][5] = "91.5"


def _half_coordinates(rows: list[list[str]]) -> None:
    rows[2][4] = ""


def _crime_without_id(rows: list[list[str]]) -> None:
    rows[2][0] = ""


def _not_utf8_far_down(rows: list[list[str]]) -> None:
    """A Latin-1 "é" on line 200: the decoder, reading ahead, once blamed line 187."""
    rows[199][6] = "On or near Caf\udce9 Street"


def _zero_byte(rows: list[list[str]]) -> None:
    """PostgreSQL cannot store it: the import stopped with a database error."""
    rows[4][6] = "On or near\x00 Street"


def _crime_id_with_a_line_break(rows: list[list[str]]) -> None:
    """Quoted, the value ends in a line break: a pattern ending in `$` took it."""
    rows[2][0] += "\n"


def _lsoa_code_with_a_line_break(rows: list[list[str]]) -> None:
    rows[2][7] += "\n"


@pytest.mark.parametrize(
    ("change", "line", "column", "message"),
    [
        (_rename_column, 1, "Crime type", "The Crime type column is missing"),
        (_bad_month, 5, "Month", "'2016-7' is not a month"),
        (_other_month, 5, "Month", "The row is for 2016-08 but the file name says 2016-07"),
        (_unknown_crime_type, 7, "Crime type", "'Bike theft' is not a police.uk crime type"),
        (_extra_value, 4, "", "The row has 13 values but the header has 12 columns"),
        (_bad_crime_id, 3, "Crime ID", "is not a police.uk Crime ID"),
        (_latitude_out_of_range, 3, "Latitude", "Latitude must be between -90 and 90 degrees"),
        (_half_coordinates, 3, "Longitude", "Give both Latitude and Longitude, or neither"),
        (_crime_without_id, 3, "Crime ID", "must have a Crime ID"),
        (_not_utf8_far_down, 200, "Location", "This value is not UTF-8 text"),
        (_zero_byte, 5, "Location", "This value holds a zero byte (NUL)"),
        (_crime_id_with_a_line_break, 3, "Crime ID", "is not a police.uk Crime ID"),
        (_lsoa_code_with_a_line_break, 3, "LSOA code", "is not an LSOA code"),
    ],
)
def test_a_bad_street_file_is_refused_with_where_and_what(
    data: Path,
    tmp_path: Path,
    change: Callable[[list[list[str]]], None],
    line: int,
    column: str,
    message: str,
) -> None:
    path, rows = _real_copy(data, tmp_path)
    change(rows)
    _write(path, rows)

    refusal = _refusal(path)

    assert refusal.errors, "a refusal lists its errors"
    error = refusal.errors[0]
    assert (error.file_name, error.line, error.column) == (path.name, line, column)
    assert message in error.message
    assert f"line {line}" in refusal.report()
    _nothing_written()


def test_problems_beyond_the_limit_are_counted_not_listed(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five rows with a bad month and a limit of three: three listed, the refusal counting five,
    and a line saying two more are not listed (not a made-up problem of "the whole file")."""
    monkeypatch.setattr(police_uk, "MAX_ERRORS", 3)
    path, rows = _real_copy(data, tmp_path)
    for row in rows[1:6]:
        row[1] = "2016-7"
    _write(path, rows)

    refusal = _refusal(path)

    assert refusal.total == 5
    assert [error.line for error in refusal.problems] == [2, 3, 4]
    assert refusal.errors[-1].message.startswith("2 more problems after this line are not listed")
    assert refusal.errors[-1].file_name == path.name
    assert refusal.report().endswith("… and 2 more")
    _nothing_written()


def test_a_wrong_header_names_the_missing_and_the_unknown_column(data: Path, tmp_path: Path) -> None:
    path, rows = _real_copy(data, tmp_path)
    _rename_column(rows)
    _write(path, rows)

    errors = {(e.line, e.column) for e in _refusal(path).errors}

    assert errors == {(1, "Crime type"), (1, "Crime Type")}


def test_a_truncated_file_is_refused_at_its_last_line(data: Path, tmp_path: Path) -> None:
    """A file cut off part-way through its last row (an interrupted download)."""
    path = tmp_path / Path(JULY_STREET).name
    content = (data / JULY_STREET).read_bytes()
    last_line_starts = content.rstrip(b"\n").rindex(b"\n") + 1
    path.write_bytes(content[: last_line_starts + 80])
    last_line = content[:last_line_starts].count(b"\n") + 1

    errors = _refusal(path).errors

    assert [(e.line, e.column) for e in errors] == [(last_line, "")]
    assert "values but the header has 12 columns" in errors[0].message
    _nothing_written()


def test_every_bad_row_is_reported(data: Path, tmp_path: Path) -> None:
    path, rows = _real_copy(data, tmp_path)
    for row in rows[10:20]:
        row[9] = "Not a crime type"
    rows[30][1] = "July"
    _write(path, rows)

    errors = _refusal(path).errors

    assert [(e.line, e.column) for e in errors] == [(n, "Crime type") for n in range(11, 21)] + [
        (31, "Month")
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("city-of-london-street.csv", b"x", "The file name must be YYYY-MM-<force>-street.csv"),
        ("2016-13-city-of-london-street.csv", b"x", "The file name must be"),
        # Year 0 crashed the import; another script's digits were taken as a month.
        ("0000-07-city-of-london-street.csv", b"x", "The file name must be"),
        ("\u0662\u0660\u0661\u0666-07-city-of-london-street.csv", b"x", "The file name must be"),
        ("2016-07-city-of-london-crimes.csv", b"x", "The file name must be"),
        ("2016-07-city-of-london-street.csv", b"", "The file is empty"),
        ("2016-07-city-of-london-street.csv", b"Crime \xffID,Month\n", "not UTF-8"),
    ],
)
def test_a_bad_file_is_refused(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    refusal = _refusal(path)

    assert message in refusal.report()
    _nothing_written()


def test_a_bad_outcomes_file_is_refused(data: Path, tmp_path: Path) -> None:
    path, rows = _real_copy(data, tmp_path, JULY_OUTCOMES)
    rows[8][9] = "Offender given a telling-off"
    rows[9][0] = ""
    _write(path, rows)

    errors = _refusal(path).errors

    assert [(e.line, e.column) for e in errors] == [(9, "Outcome type"), (10, "Crime ID")]
    _nothing_written()


def test_one_bad_file_in_a_folder_imports_nothing_at_all(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "police-uk"
    shutil.copytree(data, folder)
    rows = _read(folder / "2017-06/2017-06-city-of-london-outcomes.csv")
    rows[3][1] = "2017-13"
    _write(folder / "2017-06/2017-06-city-of-london-outcomes.csv", rows)

    refusal = _refusal(folder)

    assert [str(e) for e in refusal.errors] == [
        "2017-06/2017-06-city-of-london-outcomes.csv, line 4, column Month: "
        "'2017-13' is not a month: police.uk writes YYYY-MM."
    ]
    _nothing_written()


def test_a_refused_new_version_leaves_the_imported_month_as_it_was(data: Path, tmp_path: Path) -> None:
    path, rows = _real_copy(data, tmp_path)
    shutil.copy(data / JULY_STREET, path)
    import_police_uk(path)
    before = (_ids(), _fingerprint())
    rows[2][9] = "Unknown"
    _write(path, rows)

    _refusal(path)

    assert (_ids(), _fingerprint()) == before


def test_two_files_for_the_same_month_are_refused(data: Path, tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / "in" / folder).mkdir(parents=True)
        shutil.copy(data / JULY_STREET, tmp_path / "in" / folder)

    refusal = _refusal(tmp_path / "in")

    assert "is the same kind of file for the same force and month" in refusal.report()
    _nothing_written()


def test_a_path_that_is_not_police_uk_data_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")

    assert "no police.uk street, outcomes or stop-and-search file" in _refusal(tmp_path).report()
    assert "Give a police.uk .csv file" in _refusal(tmp_path / "notes.txt").report()
    assert "no such file" in _refusal(tmp_path / "missing").report()
    (tmp_path / "broken.zip").write_bytes(b"PK not really")
    assert "not a readable .zip" in _refusal(tmp_path / "broken.zip").report()


# --- malformed rows, generated ----------------------------------------------------------------

_VALID_STREET_ROW = [
    "d7f9065ce1efe175d44ea54604d6c9a9023a34aef0a936635c9b35eea78da170",
    "2016-07",
    "City of London Police",
    "City of London Police",
    "-0.113767",
    "51.517372",
    "On or near Stone Buildings",
    "E01000914",
    "Camden 028B",
    "Bicycle theft",
    "Unable to prosecute suspect",
    "",
]
_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=70)
_DEGREES = re.compile(r"-?\d{1,3}(?:\.\d+)?")


def _not_degrees(limit: float) -> Callable[[str], bool]:
    return lambda s: s != "" and (not _DEGREES.fullmatch(s) or abs(float(s)) > limit)


# (column, a strategy for a wrong value in it)
_MALFORMED = st.one_of(
    st.tuples(st.just("Month"), _TEXT.filter(lambda s: s != "2016-07")),
    st.tuples(st.just("Crime ID"), _TEXT.filter(lambda s: not re.fullmatch(r"[0-9a-f]{64}", s))),
    st.tuples(st.just("Crime type"), _TEXT.filter(lambda s: s not in _crime_types())),
    st.tuples(st.just("Latitude"), _TEXT.filter(_not_degrees(90))),
    st.tuples(st.just("Longitude"), _TEXT.filter(_not_degrees(180))),
    st.tuples(st.just("LSOA code"), _TEXT.filter(lambda s: s != "" and not re.fullmatch(r"[A-Z]\d{8}", s))),
    st.tuples(st.just(""), st.integers(min_value=1, max_value=30).filter(lambda n: n != 12)),
)


def _crime_types() -> set[str]:
    return set(PoliceUkCrimeType.objects.values_list("name", flat=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(malformed=_MALFORMED, position=st.integers(min_value=0, max_value=3))
def test_a_malformed_row_anywhere_is_refused_at_its_line_and_column(
    db: Any, malformed: tuple[str, Any], position: int
) -> None:
    column, value = malformed
    rows = [list(_VALID_STREET_ROW) for _ in range(4)]
    if column:
        rows[position][STREET_COLUMNS.index(column)] = value
    else:  # a row with the wrong number of values
        rows[position] = (rows[position] * 3)[:value]
    with tempfile.TemporaryDirectory() as directory:
        # Every value quoted: Python's writer leaves a lone "\r" unquoted, which splits the row.
        path = _write(
            Path(directory) / "2016-07-city-of-london-street.csv",
            [list(STREET_COLUMNS), *rows],
            quote_all=True,
        )

        errors = _refusal(path).errors

    line = position + 2
    assert {e.line for e in errors} == {line}
    assert column in {e.column for e in errors}
    _nothing_written()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    month=st.integers(min_value=1, max_value=12),
    year=st.integers(min_value=2011, max_value=2030),
    force=st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=12),
)
def test_a_good_row_is_imported_for_any_month_and_force(db: Any, month: int, year: int, force: str) -> None:
    stamp = f"{year}-{month:02d}"
    rows = [list(OUTCOME_COLUMNS), [_VALID_STREET_ROW[0], stamp, *_VALID_STREET_ROW[2:9], "Suspect charged"]]
    with tempfile.TemporaryDirectory() as directory:
        path = _write(Path(directory) / f"{stamp}-{force}-outcomes.csv", rows)
        result = import_police_uk(path)
    try:
        file = PoliceUkFile.objects.get()
        assert (result.outcomes, file.force_slug, file.month) == (1, force, date(year, month, 1))
        assert PoliceUkOutcome.objects.get().outcome_id == "Suspect charged"
    finally:
        PoliceUkFile.objects.all().delete()


# --- who may import -----------------------------------------------------------------------------


def test_only_crime_data_importers_may_import(data: Path, world: World) -> None:
    with pytest.raises(PermissionDenied):
        import_police_uk(data / JULY_STREET, by=world.member("force_code_lead"))
    _nothing_written()

    analyst = world.member("opcc_analyst")
    import_police_uk(data / JULY_STREET, by=analyst)

    file = PoliceUkFile.objects.get()
    entry = AccessLog.objects.about(file).get()
    assert (entry.actor, entry.action) == (analyst, AccessLog.Action.CREATE)


# --- the command line -----------------------------------------------------------------------------


def _command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "police-uk", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_with_a_progress_bar_and_a_summary(data: Path) -> None:
    out, err = _command(str(data))

    assert out.strip() == (
        "Imported 7,194 street rows (5,621 crimes, 1,573 anti-social behaviour) and 6,058 outcome rows. "
        "Files: 24 new, 0 replaced, 0 unchanged, 9 skipped (stop-and-search, not imported)."
    )
    assert "100%" in err
    assert "\r[" in err
    assert PoliceUkCrime.objects.count() == CRIMES

    again, _ = _command(str(data))
    assert "0 new, 0 replaced, 24 unchanged" in again


def test_the_command_prints_every_error_and_fails_when_refused(data: Path, tmp_path: Path) -> None:
    path, rows = _real_copy(data, tmp_path)
    _unknown_crime_type(rows)
    _bad_month(rows)
    _write(path, rows)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("import", "police-uk", str(path), stdout=out, stderr=err)

    assert failed.value.returncode == 1
    assert "Nothing was imported" in str(failed.value)
    printed = err.getvalue()
    assert "refused with 2 problem(s)" in printed
    assert "2016-07-city-of-london-street.csv, line 5, column Month: '2016-7' is not a month" in printed
    assert "line 7, column Crime type: 'Bike theft'" in printed
    assert out.getvalue() == ""
    _nothing_written()


def test_the_command_refuses_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file or folder"):
        _command(str(tmp_path / "missing.zip"))


# --- selectors ------------------------------------------------------------------------------------


def _street_rows(data: Path) -> Iterator[dict[str, str]]:
    for path in sorted(data.glob("*/*-street.csv")):
        with path.open(encoding="utf-8", newline="") as file:
            yield from csv.DictReader(file)


def test_counts_by_month_and_crime_type_agree_with_the_files(data: Path, analyst: Any) -> None:
    import_police_uk(data)
    expected: dict[tuple[str, str], int] = {}
    for row in _street_rows(data):
        if row["Crime ID"]:
            key = (row["Month"], row["Crime type"])
            expected[key] = expected.get(key, 0) + 1

    counts = police_uk_crimes_by_month_and_type(user=analyst)

    assert {(c.month.strftime("%Y-%m"), c.crime_type): c.crimes for c in counts} == expected
    assert sum(c.crimes for c in counts) == CRIMES
    assert (
        sum(c.crimes for c in counts if c.crime_type == VIOLENCE_AND_SEXUAL_OFFENCES) == VIOLENCE_AND_SEXUAL
    )
    assert "Anti-social behaviour" not in {c.crime_type for c in counts}
    assert [c.month for c in counts] == sorted(c.month for c in counts)

    july = police_uk_crimes_by_month_and_type(
        user=analyst, filters=PoliceUkFilters(start=date(2016, 7, 1), end=date(2016, 7, 1))
    )
    assert sum(c.crimes for c in july) == sum(n for (m, _), n in expected.items() if m == "2016-07")
    assert (
        police_uk_crimes_by_month_and_type(user=analyst, filters=PoliceUkFilters(force_slug="west-midlands"))
        == []
    )


def test_violence_context_by_month_and_lsoa(data: Path, analyst: Any) -> None:
    import_police_uk(data)
    expected: dict[tuple[str, str], int] = {}
    for row in _street_rows(data):
        if row["Crime type"] == VIOLENCE_AND_SEXUAL_OFFENCES:
            key = (row["Month"], row["LSOA code"])
            expected[key] = expected.get(key, 0) + 1

    counts = police_uk_violence_context_by_month_and_lsoa(user=analyst)

    assert {(c.month.strftime("%Y-%m"), c.lsoa_code): c.crimes for c in counts} == expected
    assert sum(c.crimes for c in counts) == VIOLENCE_AND_SEXUAL
    assert all(c.lsoa_name for c in counts if c.lsoa_code)


def test_last_outcome_mix(data: Path, analyst: Any) -> None:
    import_police_uk(data)
    expected: dict[str, int] = {}
    for row in _street_rows(data):
        if row["Crime type"] == VIOLENCE_AND_SEXUAL_OFFENCES:
            expected[row["Last outcome category"]] = expected.get(row["Last outcome category"], 0) + 1

    mix = police_uk_last_outcome_mix(user=analyst, crime_type=VIOLENCE_AND_SEXUAL_OFFENCES)

    assert {m.outcome: m.crimes for m in mix} == expected
    assert [m.crimes for m in mix] == sorted((m.crimes for m in mix), reverse=True)
    assert all(m.stage for m in mix)
    assert sum(m.crimes for m in police_uk_last_outcome_mix(user=analyst)) == CRIMES


def test_outcome_history_is_in_process_order_not_month_order(data: Path, analyst: Any) -> None:
    """Some crimes have their sentence recorded in an earlier month than their charge; their
    history still puts the charge first. Every outcome row of the crime is in it."""
    import_police_uk(data)
    recorded: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(data.glob("*/*-outcomes.csv")):
        with path.open(encoding="utf-8", newline="") as file:
            for row in csv.DictReader(file):
                recorded.setdefault(row["Crime ID"], []).append((row["Month"], row["Outcome type"]))
    out_of_order = [
        crime_id
        for crime_id, rows in recorded.items()
        if [outcome for _, outcome in rows] == ["Offender sent to prison", "Suspect charged"]
        and rows[0][0] < rows[1][0]
    ]
    assert out_of_order, "the real files have crimes whose sentence is recorded before the charge"

    histories = police_uk_outcome_histories(user=analyst, crime_ids=[*out_of_order, "0" * 64])

    assert set(histories) == set(out_of_order)
    for crime_id in out_of_order:
        steps = histories[crime_id]
        assert [s.outcome for s in steps] == ["Suspect charged", "Offender sent to prison"]
        assert steps[0].month > steps[1].month
        assert [s.stage for s in steps] == ["charged", "convicted"]
    several = max(recorded, key=lambda crime_id: len(recorded[crime_id]))
    assert len(police_uk_outcome_histories(user=analyst, crime_ids=[several])[several]) == len(
        recorded[several]
    )


@pytest.mark.parametrize(
    "role",
    ["caseworker", "provider_manager", "board_member", "partner_caseworker", "no_membership", "anonymous"],
)
def test_people_without_a_crime_data_role_get_nothing(data: Path, world: World, role: str) -> None:
    import_police_uk(data / JULY_STREET)
    import_police_uk(data / JULY_OUTCOMES)
    user = world.person(role)
    some_crime = PoliceUkOutcome.objects.values_list("crime_id", flat=True).first()
    assert some_crime

    assert police_uk_crimes_by_month_and_type(user=user) == []
    assert police_uk_violence_context_by_month_and_lsoa(user=user) == []
    assert police_uk_last_outcome_mix(user=user) == []
    assert police_uk_outcome_histories(user=user, crime_ids=[some_crime]) == {}
    summary = police_uk_outcome_summary(user=user)
    assert (summary.crimes, summary.outcome_rows, summary.crimes_with_outcomes) == (0, 0, 0)


@pytest.mark.parametrize("role", ["opcc_analyst", "opcc_admin", "force_code_lead"])
def test_crime_data_roles_see_the_counts(data: Path, world: World, role: str) -> None:
    import_police_uk(data / JULY_STREET)
    crimes = PoliceUkCrime.objects.count()

    counts = police_uk_crimes_by_month_and_type(user=world.member(role))

    assert crimes > 0
    assert sum(c.crimes for c in counts) == crimes
