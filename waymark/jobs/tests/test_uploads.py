"""An upload read by its job (`UploadStore.reading`): however the import ends, the upload goes,
and the job ends saying what happened."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from waymark.audit.models import AccessLog, record_id_of
from waymark.core.imports import ImportRefusedError, RowError
from waymark.core.testing.world import World
from waymark.jobs.models import JobProgress
from waymark.jobs.progress import ProgressReporter
from waymark.jobs.services import job_enqueue
from waymark.jobs.uploads import IMPORT_STOPPED, RefusedFile, UploadStore

from .tasks import count_to

pytestmark = pytest.mark.django_db

STORE = UploadStore("test-uploads", "Test import")


def a_job(world: World) -> JobProgress:
    return job_enqueue(task=count_to, name="Test import: a.csv", started_by=world.member("opcc_analyst"))


def reading(job: JobProgress, upload_id: str) -> AbstractContextManager[Path]:
    """The job's reading of the upload, as an import task does it."""
    return STORE.reading(
        upload_id,
        task_result_id=job.task_result_id,
        file_name="a.csv",
        report=ProgressReporter(job.task_result_id),
        page="Test imports",
    )


def test_a_good_import_reads_the_upload_which_then_goes(world: World, tmp_path: Path) -> None:
    with override_settings(VAR_DIR=tmp_path):
        upload_id = STORE.save([b"a,b\n1,2\n"])
        job = a_job(world)
        with reading(job, upload_id) as path:
            assert path.read_bytes() == b"a,b\n1,2\n"
        assert not path.exists()


def test_a_refused_file_keeps_its_problems_and_fails_the_job(world: World, tmp_path: Path) -> None:
    with override_settings(VAR_DIR=tmp_path):
        upload_id = STORE.save([b"a\n"])
        job = a_job(world)
        refusal = ImportRefusedError([RowError(2, "a", "not a number")], file_name="a.csv")
        with (
            pytest.raises(ImportRefusedError),
            reading(job, upload_id),
        ):
            raise refusal
        job.refresh_from_db()
        assert job.status == JobProgress.Status.FAILED
        assert job.message.startswith(
            "Nothing was imported. The file was refused with 1 problem (line 2, column a)"
        )
        assert "Test imports page" in job.message
        assert STORE.refusal_load(task_result_id=job.task_result_id) == RefusedFile(
            "a.csv", [RowError(2, "a", "not a number")], 1
        )
        assert not STORE.path(upload_id).exists()


def test_problems_kept_before_their_total_was_load_with_no_total(world: World, tmp_path: Path) -> None:
    """A problems file from before totals were kept: its problems load, their total unknown, so
    the page does not claim the list is complete or cut short."""
    with override_settings(VAR_DIR=tmp_path):
        job = a_job(world)
        path = STORE.refusal_path(job.task_result_id)
        path.parent.mkdir(parents=True)
        path.write_text(
            json.dumps({"file_name": "a.csv", "errors": [{"line": 2, "column": "a", "message": "bad"}]}),
            encoding="utf-8",
        )
        loaded = STORE.refusal_load(task_result_id=job.task_result_id)
    assert loaded == RefusedFile("a.csv", [RowError(2, "a", "bad")], None)
    assert loaded.unlisted == 0


def test_any_other_error_fails_the_job_saying_nothing_was_imported(world: World, tmp_path: Path) -> None:
    with override_settings(VAR_DIR=tmp_path):
        upload_id = STORE.save([b"a\n"])
        job = a_job(world)
        with (
            pytest.raises(RuntimeError),
            reading(job, upload_id),
        ):
            raise RuntimeError("the database went away")
        job.refresh_from_db()
        assert job.status == JobProgress.Status.FAILED
        assert job.message == IMPORT_STOPPED
        assert STORE.refusal_load(task_result_id=job.task_result_id) is None
        assert not STORE.path(upload_id).exists()


def test_starting_a_job_logs_the_upload_with_the_file_s_own_name(world: World, tmp_path: Path) -> None:
    """The access log says who uploaded which file: the name without any folder the browser
    sent, as the job is named; the upload waits, private, under VAR_DIR for the job."""
    analyst = world.member("opcc_analyst")
    with override_settings(VAR_DIR=tmp_path):
        job = STORE.start_job(
            by=analyst,
            file=SimpleUploadedFile("exports/2024-01-street.csv", b"a\n1\n"),
            task=count_to,
            kwargs={"n": 1},
            what="street",
            detail="Uploaded test data.",
        )
        entry = AccessLog.objects.get(action=AccessLog.Action.CREATE, record_id=record_id_of(job))
        assert entry.actor == analyst
        assert entry.detail == "Uploaded test data. File: 2024-01-street.csv."
        assert job.name == "Test import (street): 2024-01-street.csv"
        assert [p.read_bytes() for p in STORE.directory().glob("*.csv")] == [b"a\n1\n"]
