"""Background tasks of the crime app: importing an uploaded file of the force's extract, or of
police.uk's open data."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django_tasks import TaskContext, task

from waymark.accounts.models import User
from waymark.core.models import PoliceForceArea
from waymark.jobs.progress import ProgressReporter
from waymark.victims_code.tasks import rollup_after_import

from .extraction_date import force_extract_redate
from .force_extract import import_crimes, import_events
from .models import ForceExtractImport
from .police_uk import import_police_uk
from .services import POLICE_UK_UPLOADS, UPLOADS

# Where a refused file's problems are listed.
PAGE = "Crime data imports"


@task(takes_context=True)
def force_extract_import(
    context: TaskContext,
    *,
    upload_id: str,
    kind: str,
    extracted_on: str,
    police_force_area_id: int,
    file_name: str,
    by_public_id: str | None = None,
) -> dict[str, Any]:
    """Import one uploaded file of the force's extract, reporting progress to the job's page.

    A refused file fails the job: its message names where the first problems are, and the
    whole list is kept for the imports page. The upload is deleted however the job ends.
    """
    # The import reports its own units (bytes read, then steps of writing), not rows.
    report = ProgressReporter(context.task_result.id, counts_rows=False)
    with UPLOADS.reading(
        upload_id, task_result_id=context.task_result.id, file_name=file_name, report=report, page=PAGE
    ) as path:
        area = PoliceForceArea.objects.get(pk=police_force_area_id)
        by = User.objects.filter(public_id=by_public_id).first() if by_public_id else None
        importer = import_crimes if kind == ForceExtractImport.Kind.CRIMES else import_events
        result = importer(
            path,
            police_force_area=area,
            extracted_on=date.fromisoformat(extracted_on),
            by=by,
            # The rows are checked outside the import's transaction, and on PostgreSQL the steps
            # of writing inside it reach the page too (`job_progress_update`), as they come.
            progress=report,
            file_name=file_name,
        )
    report.finish(succeeded=True, message=result.summary())
    return {
        "extract_id": result.extract_id,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "kept_newer": result.kept_newer,
        "already_imported": result.already_imported,
    }


@task(takes_context=True)
def police_uk_import(
    context: TaskContext, *, upload_id: str, file_name: str, by_public_id: str | None = None
) -> dict[str, Any]:
    """Import one uploaded police.uk file (a CSV or a zip), reporting progress to the job's page.

    A refused file fails the job, as for the force's extract; the upload is deleted however
    the job ends.
    """
    # The import reports bytes read, not rows.
    report = ProgressReporter(context.task_result.id, counts_rows=False)
    with POLICE_UK_UPLOADS.reading(
        upload_id, task_result_id=context.task_result.id, file_name=file_name, report=report, page=PAGE
    ) as path:
        by = User.objects.filter(public_id=by_public_id).first() if by_public_id else None
        result = import_police_uk(path, by=by, progress=report, name=file_name)
    report.finish(succeeded=True, message=result.summary())
    return {
        "street_crimes": result.street_crimes,
        "antisocial_behaviour": result.antisocial_behaviour,
        "outcomes": result.outcomes,
        "files_imported": result.files_imported,
        "files_replaced": result.files_replaced,
        "files_unchanged": result.files_unchanged,
    }


@task(takes_context=True)
def force_extract_redate_job(
    context: TaskContext,
    *,
    extract_id: str,
    was: str,
    extracted_on: str,
    by_public_id: str,
    session_ref: str = "",
) -> dict[str, Any]:
    """Correct a file's extraction date (`force_extract_redate`), which checks it again under
    the import lock. A file imported meanwhile, another correction first, the person no longer
    allowed to, their account closed or the file's record deleted: each refuses the job with
    its own reason, and nothing changes. A duties file's
    correction then rolls the area's Victims' Code figures up again, as its import does: open
    duties are judged at the newest duties file's extraction date."""
    report = ProgressReporter(context.task_result.id, counts_rows=False)
    report(done=0, total=1, message="Re-dating the file and the rows it wrote")

    def refuse(why: str) -> dict[str, Any]:
        report.finish(succeeded=False, message=f"Not corrected: {why} Nothing changed.", refused=True)
        return {"corrected": False}

    # Each refusal says which thing went, so that the person knows whom to ask: an admin who
    # deleted the file's record, or whoever manages their account or role.
    deleted = "the file's import record was deleted after the correction was asked for."
    extract = ForceExtractImport.objects.filter(public_id=extract_id).first()
    if extract is None:
        return refuse(deleted)
    by = User.objects.filter(public_id=by_public_id, is_active=True).first()
    if by is None:
        return refuse("the account of the person who asked is no longer active.")
    try:
        redated = force_extract_redate(
            extract=extract,
            extracted_on=date.fromisoformat(extracted_on),
            by=by,
            was=date.fromisoformat(was),
            session_ref=session_ref,
        )
    except ValidationError as refused:
        return refuse(" ".join(refused.messages))
    except PermissionDenied:
        return refuse("the person who asked may no longer import files of this kind.")
    except ForceExtractImport.DoesNotExist:
        # Deleted between the look-up above and the lock.
        return refuse(deleted)
    except BaseException:
        report.finish(succeeded=False, message="Not corrected: the correction failed. Nothing changed.")
        raise
    if redated.extract.kind == ForceExtractImport.Kind.CODE_DUTIES:
        report(done=0, total=1, message="Corrected. Rolling up the area's Victims' Code figures")
        rollup_after_import(redated.extract.police_force_area)
    report.finish(succeeded=True, message=redated.message())
    return {
        "corrected": True,
        "crimes": redated.crimes,
        "outcome_changes": redated.outcome_changes,
        "duties": redated.duties,
    }
