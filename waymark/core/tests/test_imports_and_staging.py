"""The shared import pieces: row errors, refusals, the terminal progress bar and staging tables."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from waymark.core.imports import ImportRefusedError, RowError, TerminalProgress, file_sha256
from waymark.core.staging import staging_table


def test_row_error_says_where_and_what() -> None:
    assert str(RowError(line=7, column="offence_code", message="unknown code 99Z")) == (
        "line 7, column offence_code: unknown code 99Z"
    )
    assert str(RowError(line=1, column="", message="no header")) == "line 1: no header"
    # Where one import reads several files, the problem names its file; line 0 is the whole file.
    assert str(RowError(3, "Month", "not a month", file_name="2024-07-x-street.csv")) == (
        "2024-07-x-street.csv, line 3, column Month: not a month"
    )
    assert str(RowError(0, "", "a second July", file_name="b.csv")) == "b.csv: a second July"


def test_refusal_lists_every_error_up_to_a_limit() -> None:
    errors = [RowError(line=n, column="x", message="bad") for n in range(2, 8)]
    refusal = ImportRefusedError(errors, file_name="crimes.csv")
    assert "crimes.csv: refused with 6 problem(s)" in str(refusal)
    report = refusal.report(limit=4).splitlines()
    assert report[:4] == [f"line {n}, column x: bad" for n in range(2, 6)]
    assert report[4] == "… and 2 more"
    # An importer that lists only the first of very many gives the total found.
    first = ImportRefusedError(errors[:3], file_name="crimes.csv", total=6)
    assert (first.total, first.unlisted, len(first.problems)) == (6, 3, 3)
    assert "refused with 6 problem(s)" in str(first)
    assert first.errors[-1] == RowError(
        4, "", "3 more problems after this line are not listed: correct those above and check the file again."
    )
    assert first.report(limit=50).splitlines()[-1] == "… and 3 more"


def test_file_sha256_matches_hashlib(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n1,2\n" * 1000)
    assert file_sha256(path, chunk_size=7) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_terminal_progress_draws_a_bar_and_throttles() -> None:
    stream = io.StringIO()
    now = [0.0]
    bar = TerminalProgress(stream, width=10, min_interval=1.0, clock=lambda: now[0])
    bar(done=5, total=10, message="Checking rows")
    bar(done=6, total=10)  # within the interval: not drawn
    bar(done=7, total=10, message="Writing")  # within it too, but a new stage: drawn
    now[0] = 2.0
    bar(done=10, total=10, message="Done")
    bar.close()
    drawn = stream.getvalue()
    assert "[#####-----]  50%  5 of 10  Checking rows" in drawn
    assert "6 of 10" not in drawn
    assert "7 of 10  Writing" in drawn
    assert "[##########] 100%  10 of 10  Done" in drawn
    assert drawn.endswith("\n")


def test_terminal_progress_without_counts_shows_only_the_share() -> None:
    """A file import's units are bytes and steps, not rows: the bar leaves the numbers out."""
    bar = TerminalProgress(io.StringIO(), width=10, counts=False)
    assert bar.line(done=5, total=10, message="Checking rows") == "[#####-----]  50%  Checking rows"
    assert TerminalProgress(io.StringIO(), width=10).line(done=5, total=10) == "[#####-----]  50%  5 of 10"


@pytest.mark.django_db
def test_staging_table_loads_rows_for_set_based_sql() -> None:
    columns = [("ref", "text"), ("n", "int"), ("on_day", "date"), ("flag", "bool"), ("x", "float")]
    with transaction.atomic(), staging_table("stage_test", columns) as stage:
        loaded = stage.load(
            ((f"R{i}", i, "2024-04-01", i % 2 == 0, None) for i in range(12_345)), batch_size=1000
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), sum(n), sum(CASE WHEN flag THEN 1 ELSE 0 END) FROM stage_test")
            assert cursor.fetchone() == (12_345, sum(range(12_345)), 6_173)
    assert loaded == 12_345 == stage.rows
    with connection.cursor() as cursor, pytest.raises(DatabaseError), transaction.atomic():
        cursor.execute("SELECT count(*) FROM stage_test")  # dropped at the end of the block


def test_staging_table_refuses_names_that_are_not_plain() -> None:
    with pytest.raises(ValueError, match="plain lower-case SQL name"), staging_table("x; DROP TABLE y", []):
        pass
    with pytest.raises(ValueError, match="unknown staging column type"), staging_table("ok", [("a", "blob")]):
        pass
