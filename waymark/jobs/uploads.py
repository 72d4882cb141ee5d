"""Files uploaded for an import that runs as a background job: kept privately under VAR_DIR
until the job has read them, and, when the job refuses a file, its problems kept for the page
that lists them all (the job's message has room only for where the first few are). The crime
data and Victims' Code imports each keep their own folder (`UploadStore`)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.urls import reverse

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.imports import ImportRefusedError, RowError

from . import selectors as job_selectors
from .models import JobProgress
from .progress import ProgressReporter
from .selectors import REFUSED
from .services import job_enqueue

# How many problems a refused job's message places (by line and column).
PROBLEMS_IN_MESSAGE = 5


# A job's closing words when its import failed with anything but a refused file.
IMPORT_STOPPED = (
    "The import stopped with an error and nothing was imported; the worker's log has the details. "
    "Upload the file again once the problem is fixed."
)

# Every import's store, as each app's module makes it: the job page asks them for its link.
_STORES: list[UploadStore] = []


@dataclass(frozen=True)
class RefusedFile:
    """The problems a job kept of the file it refused: those listed (an importer lists the
    first of very many) and how many there were."""

    file_name: str
    errors: list[RowError]
    total: int | None  # None for problems kept before their total was
    headline: str = ""

    @property
    def unlisted(self) -> int:
        """How many problems there were beyond those listed (0 when not known)."""
        return 0 if self.total is None else self.total - len(self.errors)


@dataclass(frozen=True)
class UploadStore:
    """One import's uploads (`VAR_DIR/uploads/<folder>`) and the jobs that read them, whose
    names all start with `job_name`; `problems_url_name` names the page that lists a refused
    file's problems (it takes the job's `public_id`), which the job's own page links to."""

    folder: str
    job_name: str
    problems_url_name: str = ""

    def __post_init__(self) -> None:
        _STORES.append(self)

    def directory(self) -> Path:
        """Under VAR_DIR, never a served directory."""
        return Path(settings.VAR_DIR) / "uploads" / self.folder

    def path(self, upload_id: str) -> Path:
        """The saved upload with this id (a hex UUID, so never a path of anyone's choosing)."""
        return self.directory() / f"{uuid.UUID(hex=upload_id).hex}.csv"

    def save(self, chunks: Iterable[bytes]) -> str:
        """Write an upload's chunks to the private directory; return its id. The file is 0o600
        from the start: it may hold special category data until the job deletes it."""
        directory = self.directory()
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        upload_id = uuid.uuid4().hex
        descriptor = os.open(self.path(upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        return upload_id

    def start_job(
        self, *, by: Any, file: UploadedFile, task: Any, kwargs: dict[str, Any], what: str, detail: str
    ) -> JobProgress:
        """Save an uploaded file and queue `task` to import it; return the job, whose page shows
        the progress and the result. The task is called with `kwargs` and the upload's id, the
        file's own name and who uploaded it; the job is named after the store, `what` and the
        file, and the upload is written to the access log with `detail` and the file's name. If
        the job cannot be queued, the upload goes at once: no job would ever read it. Call it in
        a transaction."""
        file_name = Path(file.name or "upload.csv").name[:255]
        upload_id = self.save(file.chunks())
        try:
            job = job_enqueue(
                task=task,
                name=f"{self.job_name}{f' ({what})' if what else ''}: {file_name[:80]}",
                started_by=by,
                kwargs={
                    "upload_id": upload_id,
                    **kwargs,
                    "file_name": file_name,
                    "by_public_id": str(by.public_id),
                },
            )
            access_log_record(
                actor=by, action=AccessLog.Action.CREATE, obj=job, detail=f"{detail} File: {file_name}."
            )
        except BaseException:
            self.path(upload_id).unlink(missing_ok=True)
            raise
        return job

    @contextmanager
    def reading(
        self, upload_id: str, *, task_result_id: str, file_name: str, report: ProgressReporter, page: str
    ) -> Iterator[Path]:
        """The upload's path, for the job that imports it. A refused file fails the job with
        `refusal_message` (its problems kept for `page`); any other error fails it saying so;
        either way the upload, which may hold special category data, is deleted."""
        path = self.path(upload_id)
        try:
            yield path
        except ImportRefusedError as refusal:
            self.refusal_save(
                task_result_id=task_result_id,
                file_name=file_name,
                errors=refusal.problems,
                total=refusal.total,
                headline=refusal.headline,
            )
            report.finish(succeeded=False, message=refusal_message(refusal, page=page), refused=True)
            raise
        except BaseException:
            report.finish(succeeded=False, message=IMPORT_STOPPED)
            raise
        finally:
            path.unlink(missing_ok=True)

    def refusal_path(self, task_result_id: str) -> Path:
        """Where the job with this task result id left the problems of a refused file."""
        return self.directory() / f"{uuid.UUID(str(task_result_id)).hex}.problems.json"

    def refusal_save(
        self,
        *,
        task_result_id: str,
        file_name: str,
        errors: list[RowError],
        total: int | None = None,
        headline: str = "",
    ) -> None:
        """Keep a refused file's problems for the page that lists them: those listed, how many
        there were (`total`, when the importer listed only the first) and the importer's
        `headline` about the whole file."""
        path = self.refusal_path(task_result_id)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        rows = [
            {"line": error.line, "column": error.column, "message": error.message, "file": error.file_name}
            for error in errors
        ]
        saved = {
            "file_name": file_name,
            "errors": rows,
            "total": max(total or 0, len(rows)),
            "headline": headline,
        }
        path.write_text(json.dumps(saved), encoding="utf-8")
        os.chmod(path, 0o600)

    def refusal_load(self, *, task_result_id: str) -> RefusedFile | None:
        """A refused file's name and problems, or None if the job left none."""
        path = self.refusal_path(task_result_id)
        if not path.is_file():
            return None
        saved = json.loads(path.read_text(encoding="utf-8"))
        errors = [
            RowError(row["line"], row["column"], row["message"], row.get("file", ""))
            for row in saved["errors"]
        ]
        return RefusedFile(saved["file_name"], errors, saved.get("total"), saved.get("headline", ""))

    def recent_jobs(self, *, user: Any, limit: int) -> list[tuple[JobProgress, Any, bool]]:
        """This person's most recent upload jobs of this import: (job, its state, whether it
        left a list of problems)."""
        jobs = job_selectors.job_list_for_user(user=user).filter(name__startswith=self.job_name)[:limit]
        listed = []
        for job in jobs:
            state, problems = job_state_shown(job)
            listed.append((job, state, problems is not None))
        return listed

    def refused_file(self, *, user: Any, public_id: UUID) -> tuple[JobProgress, RefusedFile]:
        """A job of this import the person may see that refused its file, and the file's
        problems. 404 for anyone else's job, another import's, or one with no problems."""
        job = job_selectors.job_get(user=user, public_id=public_id)
        if not job.name.startswith(self.job_name):
            raise Http404("Not an upload of this import.")
        saved = self.refusal_load(task_result_id=job.task_result_id)
        if saved is None:
            raise Http404("This job left no list of problems.")
        return job, saved


def refusal_message(refusal: ImportRefusedError, *, page: str) -> str:
    """A job's closing words for a refused file: where the first problems are, never what the
    file said there (a value in the wrong column could be anything; a headline names only what
    the importer has checked, such as a date). `page` names the page that lists them."""
    total = refusal.total
    places = "; ".join(error.place for error in refusal.problems[:PROBLEMS_IN_MESSAGE])
    more = " and more" if total > PROBLEMS_IN_MESSAGE else ""
    headline = f" {refusal.headline}" if refusal.headline else ""
    shown = len(refusal.problems)
    listed = "Every problem is listed" if shown >= total else f"The first {shown:,} are listed"
    return (
        f"Nothing was imported.{headline} The file was refused with {total:,} problem"
        f"{'' if total == 1 else 's'} ({places}{more}). {listed} on the file's own problems page, "
        f"linked from this job and from the {page} page; correct them and upload the whole file again."
    )


def job_state_shown(job: JobProgress) -> tuple[job_selectors.JobState, str | None]:
    """A job's state as its pages show it, and the page of its file's problems if it refused one.
    A job that refused its file reads "Refused", not "Failed": the file was wrong, not the
    import, and the person's next step is to correct it. (`job_state` says so from the job's
    `refused`; a job that kept its problems before that was recorded is known by them.)"""
    state = job_selectors.job_state(job=job)
    url = None if state.active else problems_url(job)
    return (replace(state, label=REFUSED) if url else state), url


def problems_url(job: JobProgress) -> str | None:
    """The page listing every problem of the file `job` refused, or None if it refused none."""
    for store in _STORES:
        if (
            store.problems_url_name
            and job.name.startswith(store.job_name)
            and store.refusal_path(job.task_result_id).is_file()
        ):
            return reverse(store.problems_url_name, kwargs={"public_id": job.public_id})
    return None
