"""The force's Code duties import: the sample file, each kind of bad row, later and older files.

The extract under test is the sample crimes file (docs/formats/samples/force-extract-crimes.csv:
SYN-0001-24 to SYN-0010-24, victims V-SYN-0001 to V-SYN-0011), imported as extracted on
1 April 2025, and the sample duties file beside it (18 duties, 3 documented as not applicable).
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.utils import timezone

from waymark.core.imports import ImportRefusedError, file_sha256
from waymark.core.models import PoliceForceArea
from waymark.core.testing.progress import ProgressCalls
from waymark.crime.models import ForceExtractImport
from waymark.crime.tests.force_extract_support import another_import_writing, waiting_its_turn
from waymark.victims_code.duties import CODE_DUTIES_KIND, DUTY_COLUMNS, import_code_duties
from waymark.victims_code.models import CodeDuty, DataSource

from .duties_support import EXTRACTED, SAMPLE_DUTIES, duty_row, load_sample_crimes, write_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def area() -> PoliceForceArea:
    return load_sample_crimes()


def snapshot() -> list[tuple[Any, ...]]:
    """Every duty, every field: what an import wrote."""
    return list(
        CodeDuty.objects.order_by(
            "crime__crime_reference", "victim_ref", "entitlement__code", "triggered_on"
        ).values_list(
            "crime__crime_reference",
            "victim_ref",
            "entitlement__code",
            "triggered_on",
            "received_on",
            "enhanced",
            "due_on",
            "delivered_on",
            "channel",
            "not_applicable_reason",
            "not_applicable_detail",
            "source",
            "extracted_on",
        )
    )


def duty(reference: str, code: str, victim: str | None = None) -> CodeDuty:
    duties = CodeDuty.objects.filter(crime__crime_reference=reference, entitlement__code=code)
    return duties.get(victim_ref=victim) if victim else duties.get()


def refused(path: Path, area: PoliceForceArea, extracted_on: date = EXTRACTED) -> list[tuple[int, str, str]]:
    """Import a file that must be refused; its problems as (line, column, message)."""
    with pytest.raises(ImportRefusedError) as caught:
        import_code_duties(path, police_force_area=area, extracted_on=extracted_on)
    problems = caught.value.problems
    assert not CodeDuty.objects.exists()
    assert not ForceExtractImport.objects.filter(kind=CODE_DUTIES_KIND).exists()
    return [(error.line, error.column, error.message) for error in problems]


def test_the_sample_file_imports_with_due_dates_and_not_applicable_rows(area: PoliceForceArea) -> None:
    """18 duties, all new; 3 documented not applicable (declined, unable to contact, other).

    Due dates from the calendar: SYN-0003-24's support referral (2 working days from Thursday
    2 May 2024) is due Tuesday 7 May, Monday 6 May being the early May bank holiday;
    SYN-0008-24's (from Thursday 22 August) is due Tuesday 27 August, after the summer bank
    holiday. The enhanced victim of SYN-0001-24 is owed the arrest update in 1 working day
    (Wed 3 to Thu 4 April); the hearing details of SYN-0002-24 count from the Witness Care
    Unit's receipt (Thu 21 November), so are due Fri 22 November. Written confirmation has no
    deadline (no due date).
    """
    result = import_code_duties(SAMPLE_DUTIES, police_force_area=area, extracted_on=EXTRACTED)
    assert (result.rows, result.new, result.changed, result.unchanged, result.kept_newer) == (18, 18, 0, 0, 0)
    assert result.not_applicable == 3
    assert result.summary() == (
        "code-duties.csv: 18 Code duty rows from the extract of 2025-04-01: 18 new, 0 changed, "
        "0 unchanged; 3 documented as not applicable."
    )
    assert CodeDuty.objects.count() == 18
    assert duty("SYN-0003-24", "R4.SUPPORT_REFERRAL").due_on == date(2024, 5, 7)
    assert duty("SYN-0008-24", "R4.SUPPORT_REFERRAL").due_on == date(2024, 8, 27)
    assert duty("SYN-0001-24", "R6.ARREST_UPDATE").due_on == date(2024, 4, 4)
    hearing = duty("SYN-0002-24", "R8.HEARING_DETAILS")
    assert (hearing.received_on, hearing.due_on) == (date(2024, 11, 21), date(2024, 11, 22))
    assert duty("SYN-0001-24", "R3.WRITTEN_CONFIRMATION").due_on is None
    # A standard victim's written confirmation documented as not applicable, with the reason's detail.
    other = duty("SYN-0004-24", "R3.WRITTEN_CONFIRMATION", "V-SYN-0005")
    assert (other.enhanced, other.not_applicable_reason, other.delivered_on) == (False, "other", None)
    assert other.not_applicable_detail == "Moved abroad before contact was made"
    assert sorted(
        CodeDuty.objects.exclude(not_applicable_reason="").values_list("not_applicable_reason", flat=True)
    ) == ["other", "unable_to_contact", "victim_declined"]
    assert set(CodeDuty.objects.values_list("source", "extracted_on", "police_force_area")) == {
        (DataSource.FORCE_RECORDS, EXTRACTED, area.pk)
    }
    record = ForceExtractImport.objects.get(kind=CODE_DUTIES_KIND)
    assert (record.file_name, record.rows, record.created, record.updated) == ("code-duties.csv", 18, 18, 0)


def test_the_same_file_twice_changes_nothing(area: PoliceForceArea) -> None:
    import_code_duties(SAMPLE_DUTIES, police_force_area=area, extracted_on=EXTRACTED)
    before = snapshot()
    again = import_code_duties(SAMPLE_DUTIES, police_force_area=area, extracted_on=date(2025, 5, 1))
    assert again.already_imported
    assert again.summary() == (
        "code-duties.csv was imported before (extract of 2025-04-01, 18 duty rows): nothing changed."
    )
    assert snapshot() == before
    assert ForceExtractImport.objects.filter(kind=CODE_DUTIES_KIND).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_duties_import_waits_its_turn_behind_another_import_of_the_area(area: PoliceForceArea) -> None:
    """While another import of the area's extract holds its lock, a duties import writes nothing:
    here it gives up after a lock timeout, and goes through once the lock is free. (Transactional:
    the crimes the fixture imports must be committed, so that their import lets the lock go.)"""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time anyway")
    with another_import_writing(area), pytest.raises(OperationalError, match="lock timeout"):
        import_code_duties(SAMPLE_DUTIES, police_force_area=area, extracted_on=EXTRACTED)
    assert not CodeDuty.objects.exists()

    assert import_code_duties(SAMPLE_DUTIES, police_force_area=area, extracted_on=EXTRACTED).new == 18


def test_the_same_duties_file_recorded_while_it_was_checked_changes_nothing(area: PoliceForceArea) -> None:
    """On both databases: another job records the very file between this one's check and its
    write. On SQLite the check was not made again, and the record failed its unique constraint."""
    recorded: list[ForceExtractImport] = []

    def progress(*, done: int, total: int, message: str = "") -> None:
        if message.startswith("Checked.") and not recorded:
            recorded.append(
                ForceExtractImport.objects.create(
                    police_force_area=area,
                    kind=CODE_DUTIES_KIND,
                    file_name=SAMPLE_DUTIES.name,
                    sha256=file_sha256(SAMPLE_DUTIES),
                    extracted_on=EXTRACTED,
                )
            )

    result = import_code_duties(
        SAMPLE_DUTIES, police_force_area=area, extracted_on=EXTRACTED, progress=progress
    )

    assert result.already_imported
    assert result.extract_id == recorded[0].pk
    assert not CodeDuty.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_duties_file_imported_by_another_job_meanwhile_changes_nothing(
    area: PoliceForceArea,
) -> None:
    """Two jobs with the same duties file: the second, waiting its turn while the first writes,
    finds the file recorded once it has the lock and reports it as imported before, rather than
    failing on the record's unique constraint."""
    if connection.vendor != "postgresql":
        # The same moment on SQLite: test_the_same_duties_file_recorded_while_it_was_checked_changes_nothing.
        pytest.skip("two jobs waiting on the area's lock need PostgreSQL's advisory lock")
    recorded: list[ForceExtractImport] = []

    def first_job_commits() -> None:  # as far as the second job can tell: the file's record
        recorded.append(
            ForceExtractImport.objects.create(
                police_force_area=area,
                kind=CODE_DUTIES_KIND,
                file_name=SAMPLE_DUTIES.name,
                sha256=file_sha256(SAMPLE_DUTIES),
                extracted_on=EXTRACTED,
                rows=18,
                created=18,
            )
        )

    result = waiting_its_turn(
        area,
        lambda: import_code_duties(SAMPLE_DUTIES, police_force_area=area, extracted_on=EXTRACTED),
        first_job_commits,
    )

    assert result.already_imported
    assert result.extract_id == recorded[0].pk
    assert "nothing changed" in result.summary()
    assert ForceExtractImport.objects.filter(kind=CODE_DUTIES_KIND).count() == 1
    assert not CodeDuty.objects.exists()


def test_a_later_file_fills_in_the_delivery(area: PoliceForceArea, tmp_path: Path) -> None:
    """Open on 1 April; the 1 May extract records the update by phone on 4 April (on time)."""
    open_row = duty_row()
    other = duty_row(entitlement="R3.WRITTEN_CONFIRMATION", delivered_on="2024-04-05", channel="email")
    first = write_rows(tmp_path / "april.csv", [open_row, other])
    import_code_duties(first, police_force_area=area, extracted_on=EXTRACTED)
    assert duty("SYN-0001-24", "R6.ARREST_UPDATE").delivered_on is None

    delivered = {**open_row, "delivered_on": "2024-04-04", "channel": "phone"}
    later = write_rows(tmp_path / "may.csv", [delivered, other])
    result = import_code_duties(later, police_force_area=area, extracted_on=date(2025, 5, 1))

    assert (result.new, result.changed, result.unchanged, result.kept_newer) == (0, 1, 1, 0)
    arrest = duty("SYN-0001-24", "R6.ARREST_UPDATE")
    assert (arrest.delivered_on, arrest.channel, arrest.due_on) == (
        date(2024, 4, 4),
        "phone",
        date(2024, 4, 4),
    )
    assert arrest.extracted_on == date(2025, 5, 1)
    # The unchanged duty is not rewritten: it keeps the extraction date of the file that wrote it.
    assert duty("SYN-0001-24", "R3.WRITTEN_CONFIRMATION").extracted_on == EXTRACTED
    assert CodeDuty.objects.count() == 2


def test_a_value_given_or_taken_away_alone_is_a_change(area: PoliceForceArea, tmp_path: Path) -> None:
    """Only `received_on` differs, from empty to a date and back: each time the duty is changed
    (two empty values are equal, but an empty value and a date are not), and a duty whose empty
    values stay empty is unchanged."""
    other = duty_row(entitlement="R3.WRITTEN_CONFIRMATION")
    rows = [duty_row(), other]
    import_code_duties(write_rows(tmp_path / "a.csv", rows), police_force_area=area, extracted_on=EXTRACTED)

    received = [duty_row(received_on="2024-04-04"), other]
    result = import_code_duties(
        write_rows(tmp_path / "b.csv", received), police_force_area=area, extracted_on=date(2025, 5, 1)
    )
    assert (result.new, result.changed, result.unchanged) == (0, 1, 1)
    assert duty("SYN-0001-24", "R6.ARREST_UPDATE").received_on == date(2024, 4, 4)

    # The first file's rows again, in another order: the same bytes would be the same file.
    result = import_code_duties(
        write_rows(tmp_path / "c.csv", rows[::-1]), police_force_area=area, extracted_on=date(2025, 6, 1)
    )
    assert (result.new, result.changed, result.unchanged) == (0, 1, 1)
    assert duty("SYN-0001-24", "R6.ARREST_UPDATE").received_on is None
    assert duty("SYN-0001-24", "R3.WRITTEN_CONFIRMATION").extracted_on == EXTRACTED


def test_an_older_extract_never_overwrites_a_newer_one(area: PoliceForceArea, tmp_path: Path) -> None:
    """The 1 May file (delivered) is loaded before the 1 April one (still open): the duty keeps
    its delivery, and the older file's new duty is still added."""
    newer = write_rows(tmp_path / "may.csv", [duty_row(delivered_on="2024-04-04", channel="phone")])
    import_code_duties(newer, police_force_area=area, extracted_on=date(2025, 5, 1))
    older = write_rows(tmp_path / "april.csv", [duty_row(), duty_row(entitlement="R4.SUPPORT_REFERRAL")])
    result = import_code_duties(older, police_force_area=area, extracted_on=EXTRACTED)
    assert (result.new, result.changed, result.unchanged, result.kept_newer) == (1, 0, 0, 1)
    assert "1 kept as a newer extract had them" in result.summary()
    arrest = duty("SYN-0001-24", "R6.ARREST_UPDATE")
    assert (arrest.delivered_on, arrest.extracted_on) == (date(2024, 4, 4), date(2025, 5, 1))
    assert duty("SYN-0001-24", "R4.SUPPORT_REFERRAL").extracted_on == EXTRACTED


def test_a_later_file_may_document_a_duty_as_not_applicable(area: PoliceForceArea, tmp_path: Path) -> None:
    """The victim declined: the duty is kept, counted as not applicable, and has no delivery."""
    import_code_duties(
        write_rows(tmp_path / "a.csv", [duty_row()]), police_force_area=area, extracted_on=EXTRACTED
    )
    declined = duty_row(not_applicable_reason="victim_declined")
    result = import_code_duties(
        write_rows(tmp_path / "b.csv", [declined]), police_force_area=area, extracted_on=date(2025, 5, 1)
    )
    assert (result.changed, result.not_applicable) == (1, 1)
    assert duty("SYN-0001-24", "R6.ARREST_UPDATE").not_applicable_reason == "victim_declined"


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"crime_reference": ""}, "crime_reference", "The crime_reference column must not be empty."),
        ({"victim_id": ""}, "victim_id", "The victim_id column must not be empty."),
        (
            {"entitlement": "R6.FOO"},
            "entitlement",
            "'R6.FOO' is not an entitlement of the Code in force (VCOP-2020): write its code, "
            "e.g. R6.ARREST_UPDATE.",
        ),
        ({"triggered_on": "03/04/2024"}, "triggered_on", "'03/04/2024' is not a date: write YYYY-MM-DD"),
        ({"triggered_on": ""}, "triggered_on", "The triggered_on column must not be empty"),
        ({"received_on": "2024-02-30"}, "received_on", "'2024-02-30' is not a date"),
        ({"received_on": "2024-04-02"}, "received_on", "received_on must not be before triggered_on."),
        ({"enhanced": "yes"}, "enhanced", "Write Y or N, not 'yes'."),
        ({"enhanced": ""}, "enhanced", "Write Y or N, not ''."),
        (
            {"delivered_on": "2024-04-02", "channel": "phone"},
            "delivered_on",
            "delivered_on must not be before triggered_on.",
        ),
        (
            {"delivered_on": "2025-04-02", "channel": "phone"},
            "delivered_on",
            "2025-04-02 is after the extraction date (2025-04-01)",
        ),
        ({"delivered_on": "2024-04-04", "channel": "pigeon"}, "channel", "'pigeon' is not a channel"),
        ({"channel": "phone"}, "channel", "Give the channel only with delivered_on"),
        (
            {"delivered_on": "2024-04-04", "not_applicable_reason": "victim_declined"},
            "not_applicable_reason",
            "A duty cannot be both delivered and not applicable",
        ),
        ({"not_applicable_reason": "busy"}, "not_applicable_reason", "'busy' is not a not-applicable reason"),
        ({"not_applicable_reason": "other"}, "not_applicable_detail", "Say why in not_applicable_detail"),
        ({"not_applicable_detail": "moved"}, "not_applicable_detail", "only with a not_applicable_reason"),
        (
            {"not_applicable_reason": "other", "not_applicable_detail": "x" * 201},
            "not_applicable_detail",
            "longer than 200",
        ),
    ],
)
def test_each_kind_of_bad_row_is_refused_with_its_line_and_column(
    area: PoliceForceArea, tmp_path: Path, values: dict[str, str], column: str, message: str
) -> None:
    """A good row on line 2, the bad one on line 3: the file is refused, nothing written."""
    path = write_rows(
        tmp_path / "bad.csv", [duty_row(entitlement="R3.WRITTEN_CONFIRMATION"), duty_row(**values)]
    )
    problems = refused(path, area)
    assert [(line, col) for line, col, _ in problems] == [(3, column)]
    assert message in problems[0][2]


def test_unknown_crimes_and_victims_and_a_duty_twice_are_all_listed(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    """Line 3 names a crime not imported, line 4 a victim of another crime (V-SYN-0002 is
    SYN-0002-24's), line 5 repeats line 2; line 6 has a bad value too. All four are listed."""
    rows = [
        duty_row(),
        duty_row("SYN-9999-24"),
        duty_row(victim="V-SYN-0002"),
        duty_row(),
        duty_row(entitlement="R4.SUPPORT_REFERRAL", enhanced="maybe"),
    ]
    problems = refused(write_rows(tmp_path / "bad.csv", rows), area)
    assert problems == [
        (
            3,
            "crime_reference",
            "No crime with reference 'SYN-9999-24' has been imported for West Midlands: import the "
            "crimes file first.",
        ),
        (
            4,
            "victim_id",
            "'V-SYN-0002' is not a victim of crime SYN-0001-24 in the crimes imported: give a victim id "
            "from its victim_ids.",
        ),
        (
            5,
            "crime_reference",
            "The same duty (SYN-0001-24, victim V-SYN-0001, R6.ARREST_UPDATE triggered on 2024-04-03) is "
            "also on line 2: give each duty once.",
        ),
        (6, "enhanced", "Write Y or N, not 'maybe'."),
    ]


def test_a_crime_of_another_force_area_is_unknown(area: PoliceForceArea, tmp_path: Path) -> None:
    """The crimes were imported for West Midlands: for another area the same references are unknown."""
    other = PoliceForceArea.objects.exclude(pk=area.pk).first() or PoliceForceArea.objects.create(
        code="E23000999", name="Elsewhere"
    )
    problems = refused(write_rows(tmp_path / "d.csv", [duty_row()]), other)
    assert problems[0][:2] == (2, "crime_reference")


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (
            [c for c in DUTY_COLUMNS if c != "enhanced"],
            [(1, "enhanced", "The column enhanced is missing.")],
        ),
        (
            [*DUTY_COLUMNS, "victim_name"],
            [
                (
                    1,
                    "victim_name",
                    "Unknown column victim_name: the columns are listed in docs/formats/code-duties.md.",
                )
            ],
        ),
        (
            [*DUTY_COLUMNS, "channel"],
            [(1, "channel", "The column channel appears more than once.")],
        ),
    ],
)
def test_a_bad_header_is_refused(
    area: PoliceForceArea, tmp_path: Path, columns: list[str], expected: list[tuple[int, str, str]]
) -> None:
    path = tmp_path / "header.csv"
    path.write_text(",".join(columns) + "\n", encoding="utf-8")
    assert refused(path, area) == expected


def test_progress_is_one_bar_from_reading_to_the_commit(area: PoliceForceArea) -> None:
    """Reading and checking rows fill the first seventh of the bar (by bytes read); the
    whole-file checks and each step of the transaction the rest, ending full once it commits."""
    progress = ProgressCalls()
    calls = progress.calls
    import_code_duties(SAMPLE_DUTIES, police_force_area=area, extracted_on=EXTRACTED, progress=progress)

    size = SAMPLE_DUTIES.stat().st_size
    assert progress.totals == {7 * size}
    assert calls[0] == (0, 7 * size, "Checking rows")
    assert progress.dones == sorted(progress.dones)
    steps = progress.messages(leaving_out="Checking rows")
    assert steps == [
        "Checking the file as a whole",
        "Checked. Writing 18 duties in one transaction (all or nothing)",
        "Working out due dates",
        "Writing duties",
        "Saving: the database checks every row's references",
        "Imported",
    ]
    assert (size, 7 * size, "Checking the file as a whole") in calls
    assert calls[-1] == (7 * size, 7 * size, "Imported")


def test_the_command_line_imports_and_refuses(area: PoliceForceArea, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import", "code-duties", str(SAMPLE_DUTIES), "--extracted-on", "2025-04-01", stdout=out, stderr=err
    )
    assert "18 Code duty rows from the extract of 2025-04-01: 18 new" in out.getvalue()
    assert "100%" in err.getvalue()  # the progress bar
    bad = write_rows(tmp_path / "bad.csv", [duty_row("SYN-9999-24")])
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import", "code-duties", str(bad), "--extracted-on", "2025-04-02", stdout=out, stderr=err
        )
    assert "line 2, column crime_reference: No crime with reference 'SYN-9999-24'" in err.getvalue()
    assert CodeDuty.objects.count() == 18


def test_an_extraction_date_after_today_is_refused_from_the_command_line(
    area: PoliceForceArea, tmp_path: Path
) -> None:
    """The upload form refuses a future date; the importer does too, for the command line."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import",
            "code-duties",
            str(SAMPLE_DUTIES),
            "--extracted-on",
            tomorrow.isoformat(),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert (
        f"{SAMPLE_DUTIES.name}: The extraction date {tomorrow:%Y-%m-%d} is after today"
        f" ({timezone.localdate():%Y-%m-%d}): give the date the force extracted the data."
    ) in err.getvalue()
    assert not CodeDuty.objects.exists()
    assert not ForceExtractImport.objects.filter(kind=CODE_DUTIES_KIND).exists()
