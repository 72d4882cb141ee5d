"""Correcting the extraction date given with a file of the force's extract: what it re-dates,
when it is refused (changing nothing), the page, and who may use it."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from waymark.accounts.roles import Role
from waymark.audit.models import AccessLog
from waymark.core.models import PoliceForceArea
from waymark.core.testing.forms import date_parts
from waymark.core.testing.html_tables import table_rows
from waymark.core.testing.matrix import permission_matrix
from waymark.core.testing.world import World
from waymark.crime.extraction_date import REDATE_JOB_NAME, force_extract_redate, redatable_extracts
from waymark.crime.force_extract import import_crimes, import_events
from waymark.crime.metrics import CrimeFilters, vawg_volumes
from waymark.crime.models import Crime, CrimeOutcomeChange, ForceExtractImport
from waymark.jobs.models import JobProgress

from .force_extract_support import crime_row, event_row, snapshot, write_csv, write_events

MARCH = date(2025, 3, 1)
TYPED = date(2025, 4, 10)  # the date given by mistake
RIGHT = date(2025, 4, 7)  # the date the force took the extract

pytestmark = pytest.mark.django_db

APRIL_JOB = f"{REDATE_JOB_NAME}: Crimes file april.csv"


@pytest.fixture
def area() -> PoliceForceArea:
    return PoliceForceArea.objects.get(code="E23000014")


@pytest.fixture
def two_files(tmp_path: Path, area: PoliceForceArea) -> tuple[ForceExtractImport, ForceExtractImport]:
    """March's file (T-1 with outcome 15, T-2), then April's, given the date 10 April instead of
    7 April: T-1 as it was, T-2 now charged (outcome 1 on 5 April), and T-3 new."""
    march = write_csv(
        tmp_path / "march.csv",
        [crime_row("T-1", outcome_type="15", outcome_date="2025-02-20"), crime_row("T-2")],
    )
    import_crimes(march, police_force_area=area, extracted_on=MARCH)
    april = write_csv(
        tmp_path / "april.csv",
        [
            crime_row("T-1", outcome_type="15", outcome_date="2025-02-20"),
            crime_row("T-2", outcome_type="1", outcome_date="2025-04-05"),
            crime_row("T-3", reported_date="2025-04-02", recorded_date="2025-04-03"),
        ],
    )
    import_crimes(april, police_force_area=area, extracted_on=TYPED)
    first, last = ForceExtractImport.objects.order_by("created_at", "pk")
    return first, last


def test_the_last_files_date_and_the_rows_it_wrote_are_corrected(
    world: World, two_files: tuple[ForceExtractImport, ForceExtractImport]
) -> None:
    """T-2 (changed) and T-3 (new) were written by April's file and take its corrected date; T-1,
    unchanged, keeps March's. T-2's new outcome was first reported by April's file."""
    analyst = world.member("opcc_analyst")
    march, april = two_files
    redated = force_extract_redate(extract=april, extracted_on=RIGHT, by=analyst)
    assert (redated.was, redated.crimes, redated.outcome_changes) == (TYPED, 2, 1)
    assert redated.message() == (
        "The extraction date of april.csv is now 7 April 2025 (it was 10 April 2025)."
        " 2 crimes and 1 outcome it wrote carry the new date."
    )
    april.refresh_from_db()
    march.refresh_from_db()
    assert (march.extracted_on, april.extracted_on) == (MARCH, RIGHT)
    assert dict(Crime.objects.values_list("crime_reference", "extracted_on")) == {
        "T-1": MARCH,
        "T-2": RIGHT,
        "T-3": RIGHT,
    }
    # T-1's outcome was first reported by March's file, and keeps its date.
    assert sorted(CrimeOutcomeChange.objects.values_list("outcome_type", "first_extracted_on")) == [
        (1, RIGHT),
        (15, MARCH),
    ]
    # The figures are as at the corrected date.
    volumes = vawg_volumes(user=analyst, filters=CrimeFilters.for_financial_year("2024/25"))
    assert volumes.extracted_on == RIGHT
    entry = AccessLog.objects.get(action=AccessLog.Action.CHANGE, actor=analyst)
    assert entry.detail == (
        "Corrected the extraction date of crimes file april.csv from 2025-04-10 to 2025-04-07:"
        " 2 crimes and 1 outcome re-dated."
    )


def test_another_areas_crimes_of_the_same_date_are_not_redated(
    world: World, two_files: tuple[ForceExtractImport, ForceExtractImport], tmp_path: Path
) -> None:
    elsewhere = PoliceForceArea.objects.create(code="E23999999", name="Test area")
    other = write_csv(tmp_path / "other.csv", [crime_row("O-1", outcome_type="1", outcome_date="2025-04-05")])
    import_crimes(other, police_force_area=elsewhere, extracted_on=TYPED)
    force_extract_redate(extract=two_files[1], extracted_on=RIGHT, by=world.member("opcc_analyst"))
    theirs = Crime.objects.get(crime_reference="O-1")
    assert theirs.extracted_on == TYPED
    assert list(theirs.outcome_changes.values_list("first_extracted_on", flat=True)) == [TYPED]
    assert ForceExtractImport.objects.get(file_name="other.csv").extracted_on == TYPED


def test_a_later_date_or_the_earlier_files_own_date_is_allowed(
    world: World, two_files: tuple[ForceExtractImport, ForceExtractImport]
) -> None:
    """Both are dates the file could have been imported with. Given March's own date, the two
    files' rows can no longer be told apart, so the file cannot be corrected again."""
    analyst = world.member("opcc_analyst")
    april = two_files[1]
    force_extract_redate(extract=april, extracted_on=date(2025, 4, 12), by=analyst)
    assert set(Crime.objects.values_list("extracted_on", flat=True)) == {MARCH, date(2025, 4, 12)}
    # A file dated 1 March cannot hold April's dates: take them out of the picture for this step.
    Crime.objects.filter(crime_reference="T-2").update(outcome_type=0, outcome_on=None)
    CrimeOutcomeChange.objects.filter(outcome_type=1).delete()
    Crime.objects.filter(crime_reference="T-3").update(reported_on=MARCH, recorded_on=MARCH)
    force_extract_redate(extract=april, extracted_on=MARCH, by=analyst)
    assert set(Crime.objects.values_list("extracted_on", flat=True)) == {MARCH}
    assert redatable_extracts() == []


@pytest.mark.parametrize(
    ("corrected", "message"),
    [
        (
            date(2025, 4, 4),
            "The file holds a date after 4 April 2025 (the latest is 5 April 2025): an extract cannot"
            " hold what happened after it was taken.",
        ),
        (
            date(2025, 2, 28),
            "The date must not be before 1 March 2025, the extraction date of march.csv, imported"
            " before it: a crimes file's rows are merged in date order.",
        ),
        (TYPED, "The file's extraction date is 10 April 2025 already."),
        (date(2999, 1, 1), "The extraction date must be today or in the past."),
    ],
)
def test_a_date_that_cannot_be_right_is_refused_and_nothing_changes(
    world: World, two_files: tuple[ForceExtractImport, ForceExtractImport], corrected: date, message: str
) -> None:
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        force_extract_redate(extract=two_files[1], extracted_on=corrected, by=world.member("opcc_analyst"))
    assert refused.value.message_dict == {"extracted_on": [message]}
    assert snapshot() == before
    assert not AccessLog.objects.filter(action=AccessLog.Action.CHANGE).exists()


def test_only_the_last_file_of_its_kind_can_be_corrected(
    world: World, two_files: tuple[ForceExtractImport, ForceExtractImport]
) -> None:
    """March's rows were merged before April's were: re-dating March's file now would not be the
    same as having imported it with that date."""
    march, april = two_files
    assert redatable_extracts() == [april]
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        force_extract_redate(extract=march, extracted_on=date(2025, 3, 2), by=world.member("opcc_analyst"))
    assert refused.value.message_dict["extracted_on"][0].startswith(
        "april.csv was imported after it and was checked against its date: only the last crimes file"
    )
    assert snapshot() == before


def test_a_last_file_dated_before_an_earlier_one_cannot_be_corrected(
    world: World, tmp_path: Path, area: PoliceForceArea
) -> None:
    """A file imported after a later-dated one had its rows kept back by the newer extract's: its
    crimes cannot be told from the newer file's by their date."""
    import_crimes(
        write_csv(tmp_path / "may.csv", [crime_row("T-1")]), police_force_area=area, extracted_on=RIGHT
    )
    import_crimes(
        write_csv(tmp_path / "old.csv", [crime_row("T-2")]), police_force_area=area, extracted_on=MARCH
    )
    old = ForceExtractImport.objects.get(file_name="old.csv")
    assert redatable_extracts() == []
    with pytest.raises(ValidationError) as refused:
        force_extract_redate(extract=old, extracted_on=date(2025, 3, 2), by=world.member("opcc_analyst"))
    assert refused.value.message_dict == {
        "extracted_on": [
            "may.csv has the extraction date 7 April 2025, not before this file's: Waymark cannot tell"
            " which crimes rows each file wrote."
        ]
    }


def test_an_events_files_date_is_corrected_but_not_to_before_an_event_it_holds(
    world: World,
    two_files: tuple[ForceExtractImport, ForceExtractImport],
    tmp_path: Path,
    area: PoliceForceArea,
) -> None:
    analyst = world.member("opcc_analyst")
    events = write_events(tmp_path / "events.csv", [event_row("T-2", "charged", "2025-04-05")])
    import_events(events, police_force_area=area, extracted_on=TYPED)
    events_file = ForceExtractImport.objects.get(kind=ForceExtractImport.Kind.EVENTS)
    assert set(redatable_extracts()) == {two_files[1], events_file}
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        force_extract_redate(extract=events_file, extracted_on=date(2025, 4, 4), by=analyst)
    assert "the latest is 5 April 2025" in refused.value.message_dict["extracted_on"][0]
    assert snapshot() == before
    redated = force_extract_redate(extract=events_file, extracted_on=RIGHT, by=analyst)
    assert (
        redated.message() == "The extraction date of events.csv is now 7 April 2025 (it was 10 April 2025)."
    )
    events_file.refresh_from_db()
    assert events_file.extracted_on == RIGHT
    # The crimes file is another kind: its date and its crimes' are as they were.
    assert set(Crime.objects.values_list("extracted_on", flat=True)) == {MARCH, TYPED}


# --- the page ---------------------------------------------------------------------------------------


def redate_url(extract: ForceExtractImport) -> str:
    return reverse("crime:redate", kwargs={"public_id": extract.public_id})


@permission_matrix({"opcc_admin": 200, "opcc_analyst": 200, "anonymous": 302}, default=403)
def test_who_may_correct_an_extraction_date(
    client: Client,
    login_as: Callable[[str], Any],
    role: str,
    expected: int,
    two_files: tuple[ForceExtractImport, ForceExtractImport],
) -> None:
    login_as(role)
    april = two_files[1]
    assert client.get(redate_url(april)).status_code == expected
    response = client.post(redate_url(april), date_parts("extracted_on", RIGHT))
    assert response.status_code == (302 if expected == 200 else expected)
    # Only those who may import queue a correction.
    assert JobProgress.objects.filter(name__startswith=REDATE_JOB_NAME).exists() == (expected == 200)


@pytest.mark.django_db(transaction=True)
def test_the_imports_page_offers_the_correction_and_a_job_makes_it(
    client: Client,
    world: World,
    two_files: tuple[ForceExtractImport, ForceExtractImport],
    run_worker: Callable[[], None],
) -> None:
    client.force_login(world.member("opcc_analyst"))
    march, april = two_files
    imports = client.get(reverse("crime:imports")).content.decode()
    assert redate_url(april) in imports
    assert redate_url(march) not in imports
    assert "the extraction date of april.csv" in imports  # the link's full name, for screen readers
    page = client.get(redate_url(april)).content.decode()
    assert "The date given when the file was imported: 10 April 2025." in page
    for part, value in date_parts("extracted_on", TYPED).items():
        assert f'name="{part}" type="text" value="{value}"' in page  # the date as it is, to correct

    response = client.post(redate_url(april), date_parts("extracted_on", RIGHT))
    job = JobProgress.objects.get(name=APRIL_JOB)
    assert response["Location"] == job.get_absolute_url()
    april.refresh_from_db()
    assert april.extracted_on == TYPED  # the job makes the change
    run_worker()
    job.refresh_from_db()
    assert job.status == JobProgress.Status.SUCCEEDED
    assert job.message == (
        "The extraction date of april.csv is now 7 April 2025 (it was 10 April 2025)."
        " 2 crimes and 1 outcome it wrote carry the new date."
    )
    assert job.message in html.unescape(client.get(job.get_absolute_url()).content.decode())
    imports = client.get(reverse("crime:imports")).content.decode()
    # The correction is listed where it was asked for, as uploads are, with no Problems column.
    assert table_rows(imports, "redate-jobs")[0] == ["Correction", "Status", "Queued at"]
    assert [row[:2] for row in table_rows(imports, "redate-jobs")[1:]] == [[APRIL_JOB, "Succeeded"]]
    ids = re.findall(r'\sid="([^"]+)"', imports)
    assert len(ids) == len(set(ids))  # each jobs table has its own id
    rows = table_rows(imports, "imports")
    assert [row[0] for row in rows[1:]] == ["april.csv", "march.csv"]
    assert rows[1][3].startswith("7 April 2025")  # the table shows the corrected date
    assert rows[2][3] == "1 March 2025"


@pytest.mark.django_db(transaction=True)
def test_a_correction_overtaken_by_an_import_fails_its_job_and_changes_nothing(
    client: Client,
    world: World,
    two_files: tuple[ForceExtractImport, ForceExtractImport],
    run_worker: Callable[[], None],
    tmp_path: Path,
    area: PoliceForceArea,
) -> None:
    """The job checks again before it writes: a crimes file imported after the correction was
    asked for makes April's file no longer the last."""
    client.force_login(world.member("opcc_analyst"))
    april = two_files[1]
    client.post(redate_url(april), date_parts("extracted_on", RIGHT))
    may = write_csv(
        tmp_path / "may.csv", [crime_row("T-4", reported_date="2025-04-20", recorded_date="2025-04-21")]
    )
    import_crimes(may, police_force_area=area, extracted_on=date(2025, 5, 1))
    before = snapshot()
    run_worker()
    job = JobProgress.objects.get(name=APRIL_JOB)
    assert job.status == JobProgress.Status.FAILED
    assert job.message.startswith(
        "Not corrected: may.csv was imported after it and was checked against its date"
    )
    assert job.message.endswith("Nothing changed.")
    assert snapshot() == before
    listed = table_rows(client.get(reverse("crime:imports")).content.decode(), "redate-jobs")
    # The job did its work and said no: "Refused", as a refused upload reads, not "Failed".
    assert job.refused
    assert [row[:2] for row in listed[1:]] == [[APRIL_JOB, "Refused"]]


@pytest.mark.django_db(transaction=True)
def test_a_second_correction_asked_for_before_the_first_ran_is_refused(
    client: Client,
    world: World,
    two_files: tuple[ForceExtractImport, ForceExtractImport],
    run_worker: Callable[[], None],
) -> None:
    """Both were asked for against 10 April; the second would correct a date its asker never saw."""
    client.force_login(world.member("opcc_analyst"))
    april = two_files[1]
    client.post(redate_url(april), date_parts("extracted_on", RIGHT))
    client.post(redate_url(april), date_parts("extracted_on", "2025-04-08"))
    run_worker()
    first, second = JobProgress.objects.filter(name__startswith=REDATE_JOB_NAME).order_by("created_at")
    assert first.status == JobProgress.Status.SUCCEEDED
    assert second.status == JobProgress.Status.FAILED
    assert second.message == (
        "Not corrected: The file's extraction date was changed from 10 April 2025 to 7 April 2025 after"
        " this correction was asked for: look at it again before correcting it. Nothing changed."
    )
    april.refresh_from_db()
    assert april.extracted_on == RIGHT


def _lose_the_role(analyst: Any, file: ForceExtractImport) -> None:
    analyst.memberships.update(role=Role.CASEWORKER)


def _deactivate(analyst: Any, file: ForceExtractImport) -> None:
    analyst.is_active = False
    analyst.save(update_fields=["is_active"])


def _delete_the_record(analyst: Any, file: ForceExtractImport) -> None:
    file.delete()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("meanwhile", "why"),
    [
        (_lose_the_role, "the person who asked may no longer import files of this kind."),
        # Each says which went, so that the person knows whom to ask: whoever grants roles,
        # manages accounts, or deleted the record.
        (_deactivate, "the account of the person who asked is no longer active."),
        (_delete_the_record, "the file's import record was deleted after the correction was asked for."),
    ],
)
def test_a_correction_refused_for_what_changed_since_it_was_asked_says_which_and_changes_nothing(
    client: Client,
    world: World,
    two_files: tuple[ForceExtractImport, ForceExtractImport],
    run_worker: Callable[[], None],
    meanwhile: Callable[[Any, ForceExtractImport], None],
    why: str,
) -> None:
    analyst = world.member("opcc_analyst")
    client.force_login(analyst)
    client.post(redate_url(two_files[1]), date_parts("extracted_on", RIGHT))
    meanwhile(analyst, two_files[1])
    before = snapshot()
    run_worker()
    job = JobProgress.objects.get(name__startswith=REDATE_JOB_NAME)
    assert job.status == JobProgress.Status.FAILED
    assert job.refused
    assert job.message == f"Not corrected: {why} Nothing changed."
    assert snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_the_access_log_ties_the_correction_to_the_session_that_asked(
    client: Client,
    world: World,
    two_files: tuple[ForceExtractImport, ForceExtractImport],
    run_worker: Callable[[], None],
) -> None:
    analyst = world.member("opcc_analyst")
    client.force_login(analyst)
    client.post(redate_url(two_files[1]), date_parts("extracted_on", RIGHT))
    run_worker()
    asked = AccessLog.objects.get(actor=analyst, action=AccessLog.Action.CREATE)
    changed = AccessLog.objects.get(actor=analyst, action=AccessLog.Action.CHANGE)
    assert asked.detail == "Asked to correct the extraction date of april.csv from 2025-04-10 to 2025-04-07."
    assert asked.session_ref
    assert changed.session_ref == asked.session_ref


def test_the_page_shows_why_a_date_is_refused_against_the_date(
    client: Client, world: World, two_files: tuple[ForceExtractImport, ForceExtractImport]
) -> None:
    client.force_login(world.member("opcc_analyst"))
    april = two_files[1]
    before = snapshot()
    response = client.post(redate_url(april), date_parts("extracted_on", "2025-04-04"))
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert '<a href="#id_extracted_on-day">The file holds a date after 4 April 2025' in page
    response = client.post(redate_url(april), {"extracted_on-day": "31", "extracted_on-month": "4"})
    assert "Date the force extracted the data must include a year" in html.unescape(response.content.decode())
    assert snapshot() == before


def test_a_file_that_cannot_be_corrected_says_why_before_anything_is_typed(
    client: Client, world: World, two_files: tuple[ForceExtractImport, ForceExtractImport]
) -> None:
    client.force_login(world.member("opcc_analyst"))
    page = html.unescape(client.get(redate_url(two_files[0])).content.decode())
    assert "This file's date cannot be corrected: april.csv was imported after it" in page
    assert 'id="main-form"' not in page  # nothing to send
    page = html.unescape(client.get(redate_url(two_files[1])).content.decode())
    assert "cannot be corrected" not in page
    assert 'id="main-form"' in page


def test_someone_who_may_correct_no_file_is_refused_before_the_file_is_looked_up(
    client: Client, world: World
) -> None:
    """A caseworker cannot tell a file that exists from one that does not."""
    client.force_login(world.member("caseworker"))
    unknown = reverse("crime:redate", kwargs={"public_id": uuid.uuid4()})
    assert client.get(unknown).status_code == 403
    client.force_login(world.member("opcc_analyst"))
    assert client.get(unknown).status_code == 404


def test_a_crimes_files_date_is_corrected_only_by_whoever_may_import_crime_data(
    client: Client, world: World, two_files: tuple[ForceExtractImport, ForceExtractImport]
) -> None:
    """The force's Victims' Code lead may correct a duties file's date, not a crimes file's."""
    client.force_login(world.member("force_code_lead"))
    assert client.get(redate_url(two_files[1])).status_code == 403
    assert client.post(redate_url(two_files[1]), date_parts("extracted_on", RIGHT)).status_code == 403
    with pytest.raises(PermissionDenied):
        force_extract_redate(extract=two_files[1], extracted_on=RIGHT, by=world.member("force_code_lead"))
    assert not JobProgress.objects.exists()
