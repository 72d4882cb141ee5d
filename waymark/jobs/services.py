"""Every write to job progress: start a row, move it on, finish it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

from waymark.accounts.models import Organisation, User

from .models import JobProgress


def job_progress_start(
    *,
    task_result_id: str,
    name: str,
    started_by: User | None,
    organisation: Organisation | None,
    total: int = 0,
) -> JobProgress:
    """Open the progress row for a task run that has just been enqueued."""
    return JobProgress.objects.create(
        task_result_id=str(task_result_id),
        name=name,
        started_by=started_by,
        organisation=organisation,
        total=max(0, total),
    )


def job_progress_update(
    *,
    task_result_id: str,
    done: int,
    total: int | None = None,
    message: str = "",
    counts_rows: bool = True,
) -> None:
    """Record how far a running job has got; the first update marks it running.

    A single UPDATE, not a read and a save, so a worker never overwrites a newer figure
    with an older one it had in memory. A finished job is not moved back, and an unknown
    id (a task started without a progress row) is ignored: progress is a courtesy, and
    reporting it must never stop the work.
    """
    changes: dict[str, Any] = {
        "done": max(0, done),
        "status": JobProgress.Status.RUNNING,
        # `update()` skips auto_now, and the page shows when we last heard from the job.
        "updated_at": timezone.now(),
        "counts_rows": counts_rows,
    }
    if total is not None:
        changes["total"] = max(0, total)
    if message:
        changes["message"] = message
    JobProgress.objects.filter(task_result_id=str(task_result_id)).exclude(
        status__in=JobProgress.FINISHED
    ).update(**changes)


def job_progress_finish(*, task_result_id: str, succeeded: bool, message: str = "") -> None:
    """Mark a job succeeded or failed, with a closing message for the page."""
    now = timezone.now()
    changes: dict[str, Any] = {
        "status": JobProgress.Status.SUCCEEDED if succeeded else JobProgress.Status.FAILED,
        "finished_at": now,
        "updated_at": now,
    }
    if message:
        changes["message"] = message
    JobProgress.objects.filter(task_result_id=str(task_result_id)).exclude(
        status__in=JobProgress.FINISHED
    ).update(**changes)


@transaction.atomic
def job_enqueue(
    *,
    task: Task[Any, Any],
    name: str,
    started_by: User | None,
    organisation: Organisation | None = None,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
) -> JobProgress:
    """Enqueue `task` and open its progress row, together.

    With the database backend, the task row and the progress row are committed in the same
    transaction, so a worker can never pick the task up before its progress row exists.
    Callers check permissions first: this function does not know what the task does.
    """
    result = task.enqueue(*args, **(kwargs or {}))
    return job_progress_start(
        task_result_id=result.id,
        name=name,
        started_by=started_by,
        organisation=organisation,
    )
