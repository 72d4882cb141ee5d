"""Uploading police.uk data in the page: who may, the form's errors, and uploads run end to end
through the task worker on the real City of London files (tests/data/police-uk/)."""

from __future__ import annotations

import html
import io
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from waymark.accounts.roles import Role
from waymark.core.testing.factories import make_member
from waymark.core.testing.matrix import permission_matrix
from waymark.core.testing.world import World
from waymark.crime.models import PoliceUkAntisocialBehaviour, PoliceUkCrime, PoliceUkFile, PoliceUkOutcome
from waymark.jobs.models import JobProgress

from .test_police_uk_import import POLICE_UK_DATA

IMPORTS = "/crime/imports/"
UPLOAD = "/crime/imports/police-uk/upload/"
JULY = POLICE_UK_DATA / "2016-07"
JULY_STREET = JULY / "2016-07-city-of-london-street.csv"
JULY_OUTCOMES = JULY / "2016-07-city-of-london-outcomes.csv"

pytestmark = pytest.mark.usefixtures("upload_jobs")


def uploads(var_dir: Path) -> list[Path]:
    directory = var_dir / "uploads" / "police-uk"
    return sorted(directory.glob("*.csv")) if directory.exists() else []


def data_rows(path: Path) -> int:
    """Rows under the header (police.uk quotes no line breaks inside a value)."""
    return len(path.read_text(encoding="utf-8").splitlines()) - 1


def a_file(path: Path, name: str | None = None) -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="text/csv")}


def a_zip(members: dict[str, bytes], name: str = "police-uk.zip") -> dict[str, Any]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return {"file": SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")}


@permission_matrix({"opcc_admin": 200, "opcc_analyst": 200, "anonymous": 302}, default=403)
@pytest.mark.django_db
def test_who_may_see_the_police_uk_upload_page(
    client: Client, login_as: Callable[[str], Any], role: str, expected: int
) -> None:
    login_as(role)
    response = client.get(UPLOAD)
    assert response.status_code == expected
    if expected == 200:
        assert "Upload police.uk data" in response.content.decode()
        assert UPLOAD in client.get(IMPORTS).content.decode()  # the imports page links to it


@permission_matrix({"opcc_admin": 302, "opcc_analyst": 302, "anonymous": 302}, default=403)
@pytest.mark.django_db
def test_only_those_who_import_crime_data_can_upload_police_uk_data(
    client: Client, login_as: Callable[[str], Any], role: str, expected: int, upload_jobs: Path
) -> None:
    person = login_as(role)
    response = client.post(UPLOAD, a_file(JULY_STREET))
    assert response.status_code == expected
    if role in ("opcc_admin", "opcc_analyst"):
        job = JobProgress.objects.get()
        assert response["Location"] == job.get_absolute_url()
        assert job.started_by == person
        assert job.name == "Import police.uk data: 2016-07-city-of-london-street.csv"
        assert len(uploads(upload_jobs)) == 1
    else:
        assert not JobProgress.objects.exists()
        assert not DBTaskResult.objects.exists()
        assert uploads(upload_jobs) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"file": ""}, "Choose the police.uk file to upload."),  # a browser sends the empty field
        (
            {"file": SimpleUploadedFile("street.xlsx", b"x")},
            "The file must be a police.uk CSV file or a .zip of them.",
        ),
    ],
)
def test_the_form_says_what_is_wrong_and_queues_nothing(
    client: Client, world: World, upload_jobs: Path, data: dict[str, Any], message: str
) -> None:
    client.force_login(world.member("opcc_analyst"))
    response = client.post(UPLOAD, data)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page
    assert 'href="#id_file' in page  # the error summary links to the field
    assert not JobProgress.objects.exists()
    assert uploads(upload_jobs) == []


@pytest.mark.django_db(transaction=True)
def test_a_month_and_then_a_zip_are_imported_by_the_worker(
    client: Client, world: World, run_worker: Callable[[], None], upload_jobs: Path
) -> None:
    """One street CSV, kept under another name until the job reads it: the job still knows it by
    police.uk's name (which says it is July 2016's street file). Then a zip of the same street
    file and its outcomes: the street file is unchanged, the outcomes are added."""
    client.force_login(world.member("opcc_analyst"))
    job_url = client.post(UPLOAD, a_file(JULY_STREET))["Location"]
    saved = uploads(upload_jobs)
    assert len(saved) == 1
    assert stat.S_IMODE(saved[0].stat().st_mode) == 0o600
    assert "Waiting for the worker" in client.get(job_url).content.decode()

    run_worker()

    job = JobProgress.objects.get()
    assert job.status == JobProgress.Status.SUCCEEDED
    size = JULY_STREET.stat().st_size  # read, then saved
    assert (job.done, job.total, job.counts_rows) == (2 * size, 2 * size, False)
    street_rows = PoliceUkCrime.objects.count() + PoliceUkAntisocialBehaviour.objects.count()
    assert street_rows == data_rows(JULY_STREET)
    assert job.message.startswith(f"Imported {street_rows:,} street rows")
    loaded = PoliceUkFile.objects.get()
    assert (loaded.file_name, loaded.kind, loaded.force_slug, str(loaded.month)) == (
        "2016-07-city-of-london-street.csv",
        "street",
        "city-of-london",
        "2016-07-01",
    )
    assert uploads(upload_jobs) == []  # deleted once read

    client.post(
        UPLOAD,
        a_zip(
            {
                "2016-07/2016-07-city-of-london-street.csv": JULY_STREET.read_bytes(),
                "2016-07/2016-07-city-of-london-outcomes.csv": JULY_OUTCOMES.read_bytes(),
            }
        ),
    )
    run_worker()

    second = JobProgress.objects.order_by("-created_at").first()
    assert second is not None
    assert second.status == JobProgress.Status.SUCCEEDED
    assert "Files: 1 new, 0 replaced, 1 unchanged" in second.message
    assert PoliceUkOutcome.objects.count() == data_rows(JULY_OUTCOMES)
    assert PoliceUkCrime.objects.count() + PoliceUkAntisocialBehaviour.objects.count() == street_rows
    imports_page = client.get(IMPORTS).content.decode()
    assert "2016-07-city-of-london-outcomes.csv" in imports_page
    assert "July 2016" in imports_page
    assert "Your recent uploads of police.uk data" in imports_page
    assert uploads(upload_jobs) == []


@pytest.mark.django_db(transaction=True)
def test_a_refused_zip_fails_the_job_and_lists_every_problem_by_file(
    client: Client, world: World, run_worker: Callable[[], None], upload_jobs: Path
) -> None:
    """A zip with a file police.uk would not name so, and a street file with a bad month on one
    row: nothing is imported, and the problems page names each problem's file."""
    analyst = world.member("opcc_analyst")
    client.force_login(analyst)
    lines = JULY_STREET.read_text(encoding="utf-8").splitlines(keepends=True)
    values = lines[2].split(",")
    values[1] = "July 2016"  # Month
    lines[2] = ",".join(values)
    client.post(
        UPLOAD,
        a_zip(
            {
                "2016-07-city-of-london-street.csv": "".join(lines).encode(),
                "street-july.csv": JULY_STREET.read_bytes(),
            },
            name="july.zip",
        ),
    )

    run_worker()

    job = JobProgress.objects.get()
    assert job.status == JobProgress.Status.FAILED
    assert job.message.startswith(
        "Nothing was imported. The file was refused with 2 problems "
        "(street-july.csv; 2016-07-city-of-london-street.csv, line 3, column Month)."
    )
    assert not PoliceUkFile.objects.exists()
    assert not PoliceUkCrime.objects.exists()
    assert uploads(upload_jobs) == []

    problems_url = reverse("crime:police_uk_problems", kwargs={"public_id": job.public_id})
    assert problems_url in client.get(IMPORTS).content.decode()
    assert problems_url in client.get(job.get_absolute_url()).content.decode()  # the job links to it
    page = html.unescape(client.get(problems_url).content.decode())
    assert "Problems in july.zip" in page
    assert '<th scope="col" class="govuk-table__header">File</th>' in page
    assert "The whole file" in page
    assert "The file name must be YYYY-MM-<force>-street.csv" in page
    assert "2016-07-city-of-london-street.csv" in page

    # Not a job of the force extract's uploads; and another analyst cannot tell it exists.
    assert (
        client.get(reverse("crime:import_problems", kwargs={"public_id": job.public_id})).status_code == 404
    )
    client.force_login(make_member(role=Role.OPCC_ANALYST, organisation=world.opcc, teams=None))
    assert client.get(problems_url).status_code == 404
