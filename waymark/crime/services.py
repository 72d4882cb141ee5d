"""Writes to crime data that start from a person: uploading a file of the force's extract."""

from __future__ import annotations

import json
import os
import uuid
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from waymark.accounts.models import User
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.imports import RowError
from waymark.core.permissions import ensure_can
from waymark.jobs.models import JobProgress
from waymark.jobs.services import job_enqueue

from .force_extract import police_force_area_default
from .models import ForceExtractImport

FORCE_EXTRACT_JOB_NAME = "Import force extract"


def upload_directory() -> Path:
    """Where uploaded extracts wait for their import: under VAR_DIR, never a served directory."""
    return Path(settings.VAR_DIR) / "uploads" / "force-extract"


def upload_path(upload_id: str) -> Path:
    """The saved upload with this id (a hex UUID, so never a path of anyone's choosing)."""
    return upload_directory() / f"{uuid.UUID(hex=upload_id).hex}.csv"


def refusal_path(task_result_id: str) -> Path:
    """Where the import job with this task result id left the problems of a refused file."""
    return upload_directory() / f"{uuid.UUID(str(task_result_id)).hex}.problems.json"


def refusal_save(*, task_result_id: str, file_name: str, errors: list[RowError]) -> None:
    """Keep a refused file's problems for the page that lists them (the job's message has room
    only for the first few)."""
    path = refusal_path(task_result_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"line": error.line, "column": error.column, "message": error.message} for error in errors]
    path.write_text(json.dumps({"file_name": file_name, "errors": rows}), encoding="utf-8")
    os.chmod(path, 0o600)


def refusal_load(*, task_result_id: str) -> tuple[str, list[RowError]] | None:
    """A refused file's name and problems, or None if the job left none."""
    path = refusal_path(task_result_id)
    if not path.is_file():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    return saved["file_name"], [
        RowError(row["line"], row["column"], row["message"]) for row in saved["errors"]
    ]


def _save_upload(file: UploadedFile) -> str:
    """Write the upload to the private upload directory, in chunks; return its id."""
    directory = upload_directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    upload_id = uuid.uuid4().hex
    path = upload_path(upload_id)
    # 0o600 from the start: the file holds special category data until the task deletes it.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    return upload_id


@transaction.atomic
def force_extract_upload(*, by: User, file: UploadedFile, kind: str, extracted_on: date) -> JobProgress:
    """Save an uploaded file of the force's extract and queue its import as a background job.

    The file is kept privately under VAR_DIR until the job has read it, then deleted; the
    job's page shows the progress and the result. Only those who may import crime data may.
    """
    ensure_can(by, "crime.import_crime_data", None)
    # Code duties files are the Victims' Code's (waymark.victims_code.import_services).
    if kind not in (ForceExtractImport.Kind.CRIMES, ForceExtractImport.Kind.EVENTS):
        raise ValidationError({"kind": "Choose crimes or events."})
    area = police_force_area_default()
    file_name = Path(file.name or "upload.csv").name[:255]
    kind_label = str(ForceExtractImport.Kind(kind).label)
    upload_id = _save_upload(file)
    # Imported here: the task module imports this one.
    from .tasks import force_extract_import

    try:
        job = job_enqueue(
            task=force_extract_import,
            name=f"{FORCE_EXTRACT_JOB_NAME} ({kind_label.lower()}): {file_name[:80]}",
            started_by=by,
            kwargs={
                "upload_id": upload_id,
                "kind": kind,
                "extracted_on": extracted_on.isoformat(),
                "police_force_area_id": area.pk,
                "file_name": file_name,
                "by_public_id": str(by.public_id),
            },
        )
        access_log_record(
            actor=by,
            action=AccessLog.Action.CREATE,
            obj=job,
            detail=f"Uploaded a force extract {kind} file for {area.name}, extracted on {extracted_on}.",
        )
    except BaseException:
        # No job will read it: the upload must not linger.
        upload_path(upload_id).unlink(missing_ok=True)
        raise
    return job
