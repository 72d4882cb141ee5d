"""The Victims' Code import pages: who may use them, the forms' errors, and uploads run end to end
through the task worker (the sample duties file, and a refused aggregate return)."""

from __future__ import annotations

import html
import re
import stat
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
from waymark.core.testing.forms import date_parts, extract_upload_problems
from waymark.core.testing.matrix import permission_matrix
from waymark.core.testing.world import World
from waymark.crime.models import ForceExtractImport
from waymark.jobs.models import JobProgress
from waymark.victims_code.aggregate_returns import aggregate_return_import
from waymark.victims_code.duties import CODE_DUTIES_KIND
from waymark.victims_code.models import AggregateReturn, CodeDuty

from .duties_support import SAMPLE_DUTIES, SAMPLE_RETURN, load_sample_crimes, west_midlands

IMPORTS = "/victims-code/imports/"
UPLOAD = "/victims-code/imports/upload/"
UPLOAD_RETURN = "/victims-code/imports/upload-return/"
COMPLIANCE = {"opcc_admin": 200, "opcc_analyst": 200, "force_code_lead": 200, "anonymous": 302}


@pytest.fixture(autouse=True)
def var_dir(upload_jobs: Path) -> Path:
    """Every test here uploads into a VAR_DIR of its own, for the database task backend."""
    return upload_jobs


def uploads(var_dir: Path) -> list[Path]:
    directory = var_dir / "uploads" / "victims-code"
    return sorted(directory.glob("*.csv")) if directory.exists() else []


def duties_form(path: Path = SAMPLE_DUTIES, extracted_on: str = "2025-04-01") -> dict[str, Any]:
    return {
        **date_parts("extracted_on", extracted_on),
        "file": SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv"),
    }


def return_form(path: Path = SAMPLE_RETURN) -> dict[str, Any]:
    return {"file": SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")}


@permission_matrix(COMPLIANCE, default=403)
@pytest.mark.django_db
def test_who_may_see_the_import_pages(
    client: Client, login_as: Callable[[str], Any], role: str, expected: int
) -> None:
    """The compliance roles (OPCC admin and analyst, the force's Code lead) see the force area's
    imports; providers' staff, partners, board members and auditors get nothing."""
    aggregate_return_import(SAMPLE_RETURN, police_force_area=west_midlands())
    login_as(role)
    for url in (IMPORTS, UPLOAD, UPLOAD_RETURN):
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 302:
            assert response["Location"].startswith(reverse("account_login"))
    if expected == 200:
        page = client.get(IMPORTS).content.decode()
        assert "West Midlands Witness Care Unit" in page
        assert "2025/26 Q1" in page
        assert "Upload the force" in client.get(UPLOAD).content.decode()
        assert "Upload an aggregate return" in client.get(UPLOAD_RETURN).content.decode()


@permission_matrix(
    {"opcc_admin": 302, "opcc_analyst": 302, "force_code_lead": 302, "anonymous": 302}, default=403
)
@pytest.mark.django_db
def test_only_those_who_import_compliance_data_can_upload(
    client: Client, login_as: Callable[[str], Any], role: str, expected: int, var_dir: Path
) -> None:
    person = login_as(role)
    response = client.post(UPLOAD, duties_form())
    assert response.status_code == expected
    if person is not None and expected == 302:
        job = JobProgress.objects.get()
        assert response["Location"] == job.get_absolute_url()
        assert job.started_by == person
        assert len(uploads(var_dir)) == 1
    else:
        assert not JobProgress.objects.exists()
        assert not DBTaskResult.objects.exists()
        assert uploads(var_dir) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field", "message"), extract_upload_problems())
def test_the_form_says_what_is_missing_and_queues_nothing(
    client: Client, world: World, var_dir: Path, change: dict[str, Any], field: str, message: str
) -> None:
    client.force_login(world.member("force_code_lead"))
    data = {**duties_form(), **change}
    response = client.post(UPLOAD, {key: value for key, value in data.items() if value is not None})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page
    assert f'href="#id_{field}"' in page  # the error summary links to the field (its first box in error)
    assert not JobProgress.objects.exists()
    assert uploads(var_dir) == []


@pytest.mark.django_db(transaction=True)
def test_a_duties_upload_is_imported_by_the_worker(
    client: Client, world: World, run_worker: Callable[[], None], var_dir: Path
) -> None:
    load_sample_crimes()
    lead = world.member("force_code_lead")
    client.force_login(lead)
    job_url = client.post(UPLOAD, duties_form())["Location"]
    saved = uploads(var_dir)
    assert len(saved) == 1
    assert stat.S_IMODE(saved[0].stat().st_mode) == 0o600
    assert not CodeDuty.objects.exists()

    run_worker()

    job = JobProgress.objects.get()
    assert job.status == JobProgress.Status.SUCCEEDED
    assert job.message == (
        "code-duties.csv: 18 Code duty rows from the extract of 2025-04-01: 18 new, 0 changed, "
        "0 unchanged; 3 documented as not applicable."
    )
    assert "Succeeded" in client.get(job_url).content.decode()
    assert CodeDuty.objects.count() == 18
    record = ForceExtractImport.objects.get(kind=CODE_DUTIES_KIND)
    assert (record.imported_by, record.file_name) == (lead, "code-duties.csv")
    assert uploads(var_dir) == []
    page = client.get(IMPORTS).content.decode()
    assert "code-duties.csv" in page

    client.post(UPLOAD_RETURN, return_form())
    run_worker()
    assert AggregateReturn.objects.get().submitted_by == lead


@pytest.mark.django_db(transaction=True)
def test_a_refused_upload_fails_the_job_and_lists_every_problem(
    client: Client, world: World, run_worker: Callable[[], None], var_dir: Path, tmp_path: Path
) -> None:
    analyst = world.member("opcc_analyst")
    client.force_login(analyst)
    bad = tmp_path / "bad-return.csv"
    bad.write_text(
        SAMPLE_RETURN.read_text(encoding="utf-8").replace(",M14,all,,412,450,6", ",M14,all,,452,450,6"),
        encoding="utf-8",
    )
    job_url = client.post(UPLOAD_RETURN, return_form(bad))["Location"]

    run_worker()

    job = JobProgress.objects.get()
    assert job.status == JobProgress.Status.FAILED
    assert job.message.startswith(
        "Nothing was imported. The file was refused with 1 problem (line 2, column numerator)."
    )
    assert "452" not in job.message  # where, never what the file said
    assert re.search(r'class="govuk-tag govuk-tag--red">\s*Refused\s*<', client.get(job_url).content.decode())
    assert not AggregateReturn.objects.exists()
    assert uploads(var_dir) == []

    problems_url = reverse("victims_code:import_problems", kwargs={"public_id": job.public_id})
    assert problems_url in client.get(IMPORTS).content.decode()
    page = html.unescape(client.get(problems_url).content.decode())
    assert "Problems in bad-return.csv" in page
    assert "The numerator (452) must not be more than the denominator (450)." in page

    # Another analyst cannot tell the job exists.
    client.force_login(make_member(role=Role.OPCC_ANALYST, organisation=world.opcc, teams=None))
    assert client.get(problems_url).status_code == 404
