"""Writes that start from a person: uploading a Victims' Code evidence file (the force's Code
duties, or an agency's aggregate return) for its import as a background job."""

from __future__ import annotations

import json
import os
import uuid
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from waymark.accounts.models import User
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.imports import RowError
from waymark.core.permissions import ensure_can
from waymark.crime.force_extract import police_force_area_default
from waymark.jobs.models import JobProgress
from waymark.jobs.services import job_enqueue

IMPORT_PERMISSION = "victims_code.import_compliance"
# Every upload job's name starts so; the imports page lists a person's jobs by it.
COMPLIANCE_IMPORT_JOB_NAME = "Import Victims' Code evidence"


class UploadKind(models.TextChoices):
    """The kinds of file the Victims' Code imports take."""

    CODE_DUTIES = "code_duties", "Code duties (the force's extract)"
    AGGREGATE_RETURN = "aggregate_return", "Aggregate return (an agency's quarter)"


# How a job's name says what it imports.
JOB_KIND_NAMES: dict[str, str] = {
    UploadKind.CODE_DUTIES: "Code duties",
    UploadKind.AGGREGATE_RETURN: "aggregate return",
}


def upload_directory() -> Path:
    """Where uploads wait for their import: under VAR_DIR, never a served directory."""
    return Path(settings.VAR_DIR) / "uploads" / "victims-code"


def upload_path(upload_id: str) -> Path:
    """The saved upload with this id (a hex UUID, so never a path of anyone's choosing)."""
    return upload_directory() / f"{uuid.UUID(hex=upload_id).hex}.csv"


def refusal_path(task_result_id: str) -> Path:
    """Where the import job with this task result id left the problems of a refused file."""
    return upload_directory() / f"{uuid.UUID(str(task_result_id)).hex}.problems.json"


def refusal_save(*, task_result_id: str, file_name: str, errors: list[RowError]) -> None:
    """Keep a refused file's problems for the page that lists them (the job's message has room
    only for where the first few are)."""
    path = refusal_path(task_result_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
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


def upload_save(*, chunks: object) -> str:
    """Write an upload's chunks (bytes) to the private upload directory; return its id.

    0o600 from the start: a duties file holds pseudonymous victim ids until the task deletes it.
    """
    directory = upload_directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    upload_id = uuid.uuid4().hex
    descriptor = os.open(upload_path(upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        for chunk in chunks:  # type: ignore[attr-defined]
            out.write(chunk)
    return upload_id


@transaction.atomic
def compliance_upload(
    *, by: User, file: UploadedFile, kind: str, extracted_on: date | None = None
) -> JobProgress:
    """Save an uploaded Code duties file or aggregate return and queue its import as a
    background job for the force area (settings.WAYMARK_POLICE_FORCE_AREA).

    A duties file needs the date the force extracted it. The file is kept privately under
    VAR_DIR until the job has read it, then deleted; the job's page shows progress and result.
    """
    ensure_can(by, IMPORT_PERMISSION, None)
    if kind not in UploadKind.values:
        raise ValidationError({"kind": "Choose Code duties or an aggregate return."})
    if kind == UploadKind.CODE_DUTIES and extracted_on is None:
        raise ValidationError({"extracted_on": "Enter the date the force extracted the data."})
    area = police_force_area_default()
    file_name = Path(file.name or "upload.csv").name[:255]
    upload_id = upload_save(chunks=file.chunks())
    # Imported here: the task module imports this one.
    from .tasks import compliance_import

    try:
        job = job_enqueue(
            task=compliance_import,
            name=f"{COMPLIANCE_IMPORT_JOB_NAME} ({JOB_KIND_NAMES[kind]}): {file_name[:80]}",
            started_by=by,
            kwargs={
                "upload_id": upload_id,
                "kind": kind,
                "extracted_on": extracted_on.isoformat() if extracted_on else "",
                "police_force_area_id": area.pk,
                "file_name": file_name,
                "by_public_id": str(by.public_id),
            },
        )
        what = "Code duties file" if kind == UploadKind.CODE_DUTIES else "aggregate return"
        when = f", extracted on {extracted_on}" if kind == UploadKind.CODE_DUTIES else ""
        access_log_record(
            actor=by,
            action=AccessLog.Action.CREATE,
            obj=job,
            detail=f"Uploaded a Victims' Code {what} for {area.name}{when}.",
        )
    except BaseException:
        # No job will read it: the upload must not linger.
        upload_path(upload_id).unlink(missing_ok=True)
        raise
    return job
