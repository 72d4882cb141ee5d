"""Writes to crime data that start from a person: uploading a file of the force's extract, or
police.uk's open data, and correcting an offence code. Correcting a file's extraction date is in
`extraction_date`."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from waymark.accounts.models import User
from waymark.core.permissions import ensure_can
from waymark.jobs.models import JobProgress
from waymark.jobs.uploads import UploadStore

from .classification import OFFENCE_CODE_FIELDS_RULES_READ, classify_crimes
from .force_extract import police_force_area_default
from .models import ForceExtractImport, OffenceCode

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


@transaction.atomic
def offence_code_correct(*, offence_code: OffenceCode, by: User) -> int:
    """Save a correction of an offence code (in Django admin) and, in the same transaction,
    reclassify that code's crimes by the current rule set if the correction changed a field the
    rules read (its group: `OFFENCE_CODE_FIELDS_RULES_READ`).

    Without this a crime would keep the VAWG bases of the code's old group while the dashboards
    filter it by the new one. Returns how many crimes were reclassified: none when only the
    title, subgroup, source or `verified` changed, or when no crime has the code. The code itself
    is the row's key and cannot be changed.
    """
    ensure_can(by, "crime.change_offencecode", offence_code)
    stored = OffenceCode.objects.select_for_update().get(pk=offence_code.pk)
    if stored.code != offence_code.code:
        raise ValidationError({"code": "An offence code's key cannot be changed: crimes refer to it."})
    offence_code.save()
    if all(getattr(stored, name) == getattr(offence_code, name) for name in OFFENCE_CODE_FIELDS_RULES_READ):
        return 0
    return classify_crimes(offence_code=offence_code.code)
