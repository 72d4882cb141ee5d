"""Writes that start from a person: uploading a Victims' Code evidence file (the force's Code
duties, or an agency's aggregate return) for its import as a background job."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from waymark.accounts.models import User
from waymark.core.permissions import ensure_can
from waymark.crime.force_extract import police_force_area_default
from waymark.jobs.models import JobProgress
from waymark.jobs.uploads import UploadStore

IMPORT_PERMISSION = "victims_code.import_compliance"
# Every upload job's name starts so; the imports page lists a person's jobs by it.
COMPLIANCE_IMPORT_JOB_NAME = "Import Victims' Code evidence"
UPLOADS = UploadStore("victims-code", COMPLIANCE_IMPORT_JOB_NAME, "victims_code:import_problems")


class UploadKind(models.TextChoices):
    """The kinds of file the Victims' Code imports take."""

    CODE_DUTIES = "code_duties", "Code duties (the force's extract)"
    AGGREGATE_RETURN = "aggregate_return", "Aggregate return (an agency's quarter)"


# How a job's name says what it imports.
JOB_KIND_NAMES: dict[str, str] = {
    UploadKind.CODE_DUTIES: "Code duties",
    UploadKind.AGGREGATE_RETURN: "aggregate return",
}


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
    # Imported here: the task module imports this one.
    from .tasks import compliance_import

    what = "Code duties file" if kind == UploadKind.CODE_DUTIES else "aggregate return"
    when = f", extracted on {extracted_on}" if kind == UploadKind.CODE_DUTIES else ""
    return UPLOADS.start_job(
        by=by,
        file=file,
        task=compliance_import,
        kwargs={
            "kind": kind,
            "extracted_on": extracted_on.isoformat() if extracted_on else "",
            "police_force_area_id": area.pk,
        },
        what=JOB_KIND_NAMES[kind],
        detail=f"Uploaded a Victims' Code {what} for {area.name}{when}.",
    )
