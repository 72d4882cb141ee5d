"""Background tasks of the Victims' Code app: importing an uploaded Code duties file or aggregate
return (see `import_services.compliance_upload`), then, for new duties, recomputing the metric
rollup (`rollup.metrics_rollup`)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django_tasks import TaskContext, task

from waymark.accounts.models import User
from waymark.core.models import PoliceForceArea
from waymark.jobs.progress import ProgressReporter

from .aggregate_returns import aggregate_return_import
from .duties import import_code_duties
from .import_services import UPLOADS, UploadKind
from .rollup import metrics_rollup

logger = logging.getLogger(__name__)


@task(takes_context=True)
def compliance_import(
    context: TaskContext,
    *,
    upload_id: str,
    kind: str,
    extracted_on: str,
    police_force_area_id: int,
    file_name: str,
    by_public_id: str | None = None,
) -> dict[str, Any]:
    """Import one uploaded file, reporting progress to the job's page.

    A refused file fails the job: its message says where the first problems are, and the whole
    list is kept for the problems page. The upload is deleted however the job ends.
    """
    # The imports report bytes read, not rows.
    report = ProgressReporter(context.task_result.id, counts_rows=False)
    with UPLOADS.reading(
        upload_id,
        task_result_id=context.task_result.id,
        file_name=file_name,
        report=report,
        page="Victims' Code imports",
    ) as path:
        area = PoliceForceArea.objects.get(pk=police_force_area_id)
        by = User.objects.filter(public_id=by_public_id).first() if by_public_id else None
        result: Any
        if kind == UploadKind.CODE_DUTIES:
            result = import_code_duties(
                path,
                police_force_area=area,
                extracted_on=date.fromisoformat(extracted_on),
                by=by,
                progress=report,
                file_name=file_name,
            )
            outcome: dict[str, Any] = {
                "extract_id": result.extract_id,
                "rows": result.rows,
                "new": result.new,
                "changed": result.changed,
                "unchanged": result.unchanged,
                "kept_newer": result.kept_newer,
                "not_applicable": result.not_applicable,
            }
        else:
            result = aggregate_return_import(
                path, police_force_area=area, by=by, progress=report, file_name=file_name
            )
            outcome = {"return_id": result.return_id, "lines": result.lines, "replaced": result.replaced}
    if kind == UploadKind.CODE_DUTIES and not result.already_imported:
        rollup_after_import(area)
    report.finish(succeeded=True, message=result.summary())
    return {**outcome, "already_imported": result.already_imported}


@task()
def compliance_rollup(*, police_force_area_id: int) -> dict[str, Any]:
    """Recompute one area's metric rollup in the background (for callers that import duties in
    a request, such as the API, and should not wait for it)."""
    summary = metrics_rollup(police_force_area=PoliceForceArea.objects.get(pk=police_force_area_id))
    return {"rows": summary.rows, "quarters": len(summary.quarters), "seconds": round(summary.seconds, 1)}


def rollup_after_import(area: PoliceForceArea) -> None:
    """Recompute the area's metric rollup after new or re-dated duties, so the compliance pages read fresh
    counts at once. The import has already committed: a failure here is logged, not the job's,
    and the pages count live until the nightly rollup (`waymark victims_code_rollup`) runs.
    Aggregate returns need no rollup: the pages read their lines live."""
    try:
        summary = metrics_rollup(police_force_area=area)
    except Exception:
        logger.exception("The metric rollup after an import failed; the pages count live meanwhile.")
    else:
        logger.info(summary.summary())
