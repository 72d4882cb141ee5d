"""Writes to crime data that start from a person: uploading a file of the force's extract, or
police.uk's open data."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from waymark.accounts.models import User
from waymark.core.permissions import ensure_can
from waymark.jobs.models import JobProgress
from waymark.jobs.uploads import UploadStore

from .force_extract import police_force_area_default
from .models import ForceExtractImport

FORCE_EXTRACT_JOB_NAME = "Import force extract"
UPLOADS = UploadStore("force-extract", FORCE_EXTRACT_JOB_NAME, "crime:import_problems")
POLICE_UK_JOB_NAME = "Import police.uk data"
POLICE_UK_UPLOADS = UploadStore("police-uk", POLICE_UK_JOB_NAME, "crime:police_uk_problems")


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
    # Imported here: the task module imports this one.
    from .tasks import force_extract_import

    return UPLOADS.start_job(
        by=by,
        file=file,
        task=force_extract_import,
        kwargs={"kind": kind, "extracted_on": extracted_on.isoformat(), "police_force_area_id": area.pk},
        what=str(ForceExtractImport.Kind(kind).label).lower(),
        detail=f"Uploaded a force extract {kind} file for {area.name}, extracted on {extracted_on}.",
    )


@transaction.atomic
def police_uk_upload(*, by: User, file: UploadedFile) -> JobProgress:
    """Save an uploaded police.uk file (a street or outcomes CSV, or a zip of them, as
    data.police.uk gives them) and queue its import as a background job.

    The file's own name is kept for the job: police.uk's names say what a file holds. The
    upload is deleted once the job has read it. Only those who may import crime data may.
    """
    ensure_can(by, "crime.import_crime_data", None)
    # Imported here: the task module imports this one.
    from .tasks import police_uk_import

    return POLICE_UK_UPLOADS.start_job(
        by=by,
        file=file,
        task=police_uk_import,
        kwargs={},
        what="",
        detail="Uploaded police.uk data.",
    )
