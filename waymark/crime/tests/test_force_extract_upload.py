"""The upload page: who may use it, and an upload run end to end through the task worker."""

from __future__ import annotations

import html
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from waymark.accounts.roles import Role
from waymark.core.navigation import nav_items_for
from waymark.core.testing.factories import make_member
from waymark.core.testing.forms import extract_upload_problems
from waymark.core.testing.matrix import permission_matrix
from waymark.core.testing.world import World
from waymark.crime import force_extract
from waymark.crime.models import Crime, ForceExtractImport, ProgressionEvent
from waymark.jobs.models import JobProgress

from .force_extract_support import (
    SAMPLE_CRIMES,
    SAMPLE_EVENTS,
    crime_row,
    event_row,
    upload_form,
    write_csv,
    write_events,
)

IMPORTS = "/crime/imports/"
UPLOAD = "/crime/imports/upload/"


@pytest.fixture(autouse=True)
def var_dir(upload_jobs: Path) -> Path:
    """Every test here uploads into a VAR_DIR of its own, for the database task backend."""
    return upload_jobs


def uploads(var_dir: Path) -> list[Path]:
    directory = var_dir / "uploads" / "force-extract"
    return sorted(directory.glob("*.csv")) if directory.exists() else []


@permission_matrix({"opcc_admin": 200, "opcc_analyst": 200, "anonymous": 302}, default=403)
@pytest.mark.django_db
def test_who_may_see_the_imports_and_upload_pages(
    client: Client, login_as: Callable[[str], Any], role: str, expected: int
) -> None:
    login_as(role)
    for url in (IMPORTS, UPLOAD):
        response = client.get(url)
        assert response.status_code == expected
        if expected == 302:
            assert response["Location"].startswith(reverse("account_login"))
    if expected == 200:
        assert "Upload a file of the force" in client.get(UPLOAD).content.decode()


@permission_matrix({"opcc_admin": 302, "opcc_analyst": 302, "anonymous": 302}, default=403)
@pytest.mark.django_db
def test_only_those_who_import_crime_data_can_upload(
    client: Client, login_as: Callable[[str], Any], role: str, expected: int, var_dir: Path
) -> None:
    person = login_as(role)
    response = client.post(UPLOAD, upload_form(SAMPLE_CRIMES))
    assert response.status_code == expected
    jobs = JobProgress.objects.all()
    if role in ("opcc_admin", "opcc_analyst"):
        job = jobs.get()
        assert response["Location"] == job.get_absolute_url()
        assert job.started_by == person
        assert len(uploads(var_dir)) == 1
    else:
        assert not jobs.exists()
        assert not DBTaskResult.objects.exists()
        assert uploads(var_dir) == []


@pytest.mark.django_db
def test_the_nav_shows_crime_data_imports_to_the_analyst_only(world: World) -> None:
    def labels(key: str) -> list[str]:
        return [item.label for item in nav_items_for(world.person(key))]

    assert "Crime data imports" in labels("opcc_analyst")
    assert "Crime data imports" not in labels("caseworker")
    assert "Crime data imports" not in labels("force_code_lead")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": ""}, "kind", "Choose whether the file holds crimes or case-progression events."),
        *extract_upload_problems(),
    ],
)
def test_the_form_says_what_is_missing_and_queues_nothing(
    client: Client, world: World, var_dir: Path, change: dict[str, Any], field: str, message: str
) -> None:
    client.force_login(world.member("opcc_analyst"))
    data = {**upload_form(SAMPLE_CRIMES), **change}
    response = client.post(UPLOAD, {key: value for key, value in data.items() if value is not None})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page
    assert f'href="#id_{field}"' in page  # the error summary links to the field (its first box in error)
    # The browser does not keep the chosen file: unless the file was the problem, the page says
    # to choose it again.
    again = "Choose the file again: it is not kept when the form comes back with a problem."
    assert (again in page) == (field != "file")
    assert not JobProgress.objects.exists()
    assert uploads(var_dir) == []


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_imported_by_the_worker_and_its_rows_appear(
    client: Client, world: World, run_worker: Callable[[], None], var_dir: Path
) -> None:
    analyst = world.member("opcc_analyst")
    client.force_login(analyst)
    job_url = client.post(UPLOAD, upload_form(SAMPLE_CRIMES))["Location"]
    saved = uploads(var_dir)
    assert len(saved) == 1
    assert stat.S_IMODE(saved[0].stat().st_mode) == 0o600  # special category data, private
    assert "Waiting for the worker" in client.get(job_url).content.decode()
    assert not Crime.objects.exists()

    run_worker()

    job = JobProgress.objects.get()
    assert job.status == JobProgress.Status.SUCCEEDED
    # The bar's own units: bytes read, then the writing, given twice the reading's share.
    size = SAMPLE_CRIMES.stat().st_size
    assert (job.done, job.total, job.counts_rows) == (3 * size, 3 * size, False)
    assert job.message == (
        "force-extract-crimes.csv: 10 crime rows from the extract of 2025-04-01: "
        "10 new, 0 changed, 0 unchanged."
    )
    page = client.get(job_url).content.decode()
    assert "Succeeded" in page
    assert "See the file's problems" not in page  # a file that was not refused has none
    assert "10 crime rows" in page
    assert Crime.objects.count() == 10
    extract = ForceExtractImport.objects.get()
    assert (extract.imported_by, extract.file_name, str(extract.extracted_on)) == (
        analyst,
        "force-extract-crimes.csv",
        "2025-04-01",
    )
    assert uploads(var_dir) == []  # deleted once read

    client.post(UPLOAD, upload_form(SAMPLE_EVENTS, kind="events"))
    run_worker()
    assert ProgressionEvent.objects.count() == 15
    imports_page = client.get(IMPORTS).content.decode()
    assert "force-extract-crimes.csv" in imports_page
    assert "force-extract-events.csv" in imports_page
    assert "Case-progression events" in imports_page


@pytest.mark.django_db(transaction=True)
def test_a_refused_upload_fails_the_job_and_lists_every_problem(
    client: Client, world: World, run_worker: Callable[[], None], var_dir: Path, tmp_path: Path
) -> None:
    analyst = world.member("opcc_analyst")
    client.force_login(analyst)
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            crime_row("R-1"),
            crime_row("R-2", offence_code="99Z"),
            crime_row("R-3", reported_date="31/03/2025"),
        ],
    )
    job_url = client.post(UPLOAD, upload_form(bad))["Location"]

    run_worker()

    job = JobProgress.objects.get()
    assert (job.status, job.refused) == (JobProgress.Status.FAILED, True)
    # Progress reached the page although the file was refused: it is written while the rows
    # are checked, outside the import's transaction, as it must be to show while the job runs.
    # Every byte was read and checked; the writing (the rest of the bar) never began.
    assert (job.done, job.total) == (bad.stat().st_size, 3 * bad.stat().st_size)
    assert job.message.startswith(
        "Nothing was imported. The file was refused with 2 problems "
        "(line 3, column offence_code; line 4, column reported_date). Every problem is listed on "
        "the file's own problems page, linked from this job and from the Crime data imports page"
    )
    assert "99Z" not in job.message  # the message says where, never what the file said
    job_page = client.get(job_url).content.decode()
    # The file was refused, the job did its work: "Refused", here and in the lists, not "Failed".
    refused = re.compile(r'class="govuk-tag govuk-tag--red">\s*Refused\s*<')
    assert refused.search(job_page)
    assert "Failed" not in job_page
    assert refused.search(client.get(IMPORTS).content.decode())
    assert refused.search(client.get(reverse("jobs:list")).content.decode())
    assert "Stopped at 33%" in job_page  # where the bar stopped, not "Finished"
    problems_link = reverse("crime:import_problems", kwargs={"public_id": job.public_id})
    assert f'<a class="govuk-link" href="{problems_link}">See the file\'s problems</a>' in job_page
    assert not Crime.objects.exists()
    assert not ForceExtractImport.objects.exists()
    assert uploads(var_dir) == []

    problems_url = reverse("crime:import_problems", kwargs={"public_id": job.public_id})
    assert problems_url in client.get(IMPORTS).content.decode()
    page = html.unescape(client.get(problems_url).content.decode())
    assert "Problems in bad.csv" in page
    # The back link and the account links are in landmarks, like the rest of the page.
    assert re.search(
        r'<nav aria-label="Back">\s*<a href="/crime/imports/" class="govuk-back-link">Back</a>\s*</nav>',
        page,
    )
    assert '<nav aria-label="Your account">' in page
    assert "Offence code '99Z' is not a Home Office offence code" in page
    assert "'31/03/2025' is not a date" in page

    # An events file uploaded as crimes: the job says so first, not only "line 1" many times.
    events = write_events(tmp_path / "events.csv", [event_row("R-1")])
    client.post(UPLOAD, upload_form(events, kind="crimes"))
    run_worker()
    wrong_kind = JobProgress.objects.exclude(pk=job.pk).get()
    assert wrong_kind.message.startswith(
        "Nothing was imported. This is an events file: import it as events. The file was refused"
    )

    # Another analyst cannot tell the job exists.
    client.force_login(make_member(role=Role.OPCC_ANALYST, organisation=world.opcc, teams=None))
    assert client.get(problems_url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_file_with_more_problems_than_are_listed_says_how_many_it_lists(
    client: Client,
    world: World,
    run_worker: Callable[[], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ten crimes recorded after the extraction date given, three problems listed (the importer
    lists the first `MAX_ERRORS`): the job and the problems page say the first three of ten are
    listed, not that every problem is, and both lead with the extraction date."""
    monkeypatch.setattr(force_extract, "MAX_ERRORS", 3)
    client.force_login(world.member("opcc_analyst"))
    rows = [crime_row(f"R-{n}", recorded_date=f"2025-05-{n + 1:02d}") for n in range(10)]
    client.post(UPLOAD, upload_form(write_csv(tmp_path / "bad.csv", rows), extracted_on="2025-04-01"))

    run_worker()

    job = JobProgress.objects.get()
    headline = (
        "10 dates in the file are after the extraction date given with it (2025-04-01), the latest "
        "2025-05-10: check the extraction date first."
    )
    assert job.message.startswith(f"Nothing was imported. {headline} The file was refused with 10 problems")
    assert "The first 3 are listed on the file's own problems page" in job.message
    assert "Every problem is listed" not in job.message
    page = html.unescape(
        client.get(reverse("crime:import_problems", kwargs={"public_id": job.public_id})).content.decode()
    )
    assert f'<div class="govuk-inset-text">{headline}</div>' in page
    assert "The first 3 of 10 problems" in page
    assert "The file has 10 problems: the first 3 are listed." in page
    assert page.count("is after the extraction date given with the file") == 3
    assert '<a class="govuk-link" href="/crime/imports/">Crime data imports</a>' in page
