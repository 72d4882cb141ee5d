"""Background tasks of the crime app: importing an uploaded file of the force's extract."""

from __future__ import annotations

from datetime import date
from typing import Any

from django_tasks import TaskContext, task

from waymark.accounts.models import User
from waymark.core.imports import ImportRefusedError
from waymark.core.models import PoliceForceArea
from waymark.jobs.progress import ProgressReporter

from .force_extract import ExtractRefusedError, import_crimes, import_events
from .models import ForceExtractImport
from .services import refusal_save, upload_path

# How many problems the job's message names (by line and column); the page lists them all.
PROBLEMS_IN_MESSAGE = 5


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
    report = ProgressReporter(context.task_result.id)
    path = upload_path(upload_id)
    try:
        area = PoliceForceArea.objects.get(pk=police_force_area_id)
        by = User.objects.filter(public_id=by_public_id).first() if by_public_id else None
        importer = import_crimes if kind == ForceExtractImport.Kind.CRIMES else import_events
        result = importer(
            path,
            police_force_area=area,
            extracted_on=date.fromisoformat(extracted_on),
            by=by,
            # The rows are checked outside the import's transaction, so this progress is seen
            # while the job runs (the writes and classification then take one transaction).
            progress=report,
            file_name=file_name,
        )
    except ImportRefusedError as refusal:
        refusal_save(task_result_id=context.task_result.id, file_name=file_name, errors=refusal.errors)
        report.finish(succeeded=False, message=refusal_message(refusal))
        raise
    except BaseException:
        report.finish(
            succeeded=False,
            message="The import stopped with an error and nothing was imported; the worker's log has "
            "the details. Upload the file again once the problem is fixed.",
        )
        raise
    finally:
        # The upload holds special category data: it goes as soon as it has been read.
        path.unlink(missing_ok=True)
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


def refusal_message(refusal: ImportRefusedError) -> str:
    """The job's closing words for a refused file: where the first problems are, not what the
    file said there (a value in the wrong column could be anything)."""
    problems = refusal.problems if isinstance(refusal, ExtractRefusedError) else refusal.errors
    total = refusal.total if isinstance(refusal, ExtractRefusedError) else len(refusal.errors)
    places = "; ".join(
        f"line {error.line}" + (f", column {error.column}" if error.column else "")
        for error in problems[:PROBLEMS_IN_MESSAGE]
    )
    more = " and more" if total > PROBLEMS_IN_MESSAGE else ""
    return (
        f"Nothing was imported: the file was refused with {total:,} problem{'' if total == 1 else 's'}"
        f" ({places}{more}). Every problem is listed on the Crime data imports page; correct them "
        "and upload the whole file again."
    )
