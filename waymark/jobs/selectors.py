"""Reading job progress: the lists, the one job, and what its page should say."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks.exceptions import TaskResultDoesNotExist

from waymark.core.visibility import get_visible_or_404

from .models import JobProgress

logger = logging.getLogger(__name__)


def job_list_for_user(*, user: Any) -> QuerySet[JobProgress]:
    """Jobs this user may see, newest first: the only door to job rows."""
    return JobProgress.objects.visible_to(user).select_related("started_by", "organisation")


def job_get(*, user: Any, public_id: UUID) -> JobProgress:
    """One job this user may see, or 404."""
    return get_visible_or_404(
        JobProgress.objects.select_related("started_by"), user=user, public_id=public_id
    )


@dataclass(frozen=True)
class JobState:
    """What the progress page says about a job, from its progress row and its task result."""

    status: str
    label: str
    tag_colour: str
    waiting_for_worker: bool
    active: bool
    percent: int | None
    progress_text: str


# The status of a job that refused what it was given: the job did its work.
REFUSED = "Refused"

_TAG_COLOURS = {
    JobProgress.Status.QUEUED: "grey",
    JobProgress.Status.RUNNING: "blue",
    JobProgress.Status.SUCCEEDED: "green",
    JobProgress.Status.FAILED: "red",
}


def job_state(*, job: JobProgress) -> JobState:
    """The job's status as the page shows it.

    The progress row is the job's own account; the task result is the worker's. They
    differ when the worker has not picked the task up yet ("Waiting for the worker"), or
    when the task ended without finishing its row (it crashed, or a task that does not
    report): then the task result decides.
    """
    status = JobProgress.Status(job.status)
    waiting = False
    lost = False
    if not job.is_finished:
        task_status = _task_status(job.task_result_id)
        if task_status is None:
            # The worker's record is gone (pruned) and the job never said it finished:
            # nothing will change, so the page stops refreshing.
            lost = True
        elif task_status == TaskResultStatus.READY:
            waiting = True
        elif task_status == TaskResultStatus.RUNNING:
            status = JobProgress.Status.RUNNING
        elif task_status == TaskResultStatus.SUCCESSFUL:
            status = JobProgress.Status.SUCCEEDED
        elif task_status == TaskResultStatus.FAILED:
            status = JobProgress.Status.FAILED
    if waiting:
        label = "Waiting for the worker"
    elif lost:
        label = "Unknown: the worker has no record of this job"
    elif job.refused and status == JobProgress.Status.FAILED:
        label = REFUSED
    else:
        label = status.label
    return JobState(
        status=status.value,
        label=label,
        tag_colour=_TAG_COLOURS[status],
        waiting_for_worker=waiting,
        active=status not in JobProgress.FINISHED and not lost,
        percent=job.percent,
        progress_text=(
            # A job that refused what it was given before its bar moved (a correction that
            # cannot be made) did not stop before it started: it checked, and said no.
            "Nothing changed"
            if label == REFUSED and not job.done
            else progress_text(
                done=job.done,
                total=job.total,
                finished=status in JobProgress.FINISHED,
                counts_rows=job.counts_rows,
                stopped=status == JobProgress.Status.FAILED,
            )
        ),
    )


def progress_text(
    *, done: int, total: int, finished: bool = False, counts_rows: bool = True, stopped: bool = False
) -> str:
    """The words for a progress bar: "12,000 of 40,000 rows (30%)", or "30% done" for a job
    whose units are not rows (a file import counts bytes read and steps of writing). A job that
    `stopped` (failed) says where, as its bar shows: not "Finished" beside a bar a third full."""
    if stopped:
        return _stopped_text(done=done, total=total, counts_rows=counts_rows)
    if not counts_rows:
        if finished:
            return "Finished"
        if not total:
            return "Started" if done else "Not started yet"
        return f"{max(0, min(100, done * 100 // total))}% done"
    if not total:
        if finished:
            return f"Finished: {done:,} rows" if done else "Finished: there was nothing to process"
        return f"{done:,} rows done so far" if done else "Not started yet"
    percent = max(0, min(100, done * 100 // total))
    return f"{done:,} of {total:,} rows ({percent}%)"


def _stopped_text(*, done: int, total: int, counts_rows: bool) -> str:
    """Where a failed job's bar stopped."""
    if not done:
        return "Stopped before it started"
    if not total:
        return f"Stopped after {done:,} rows" if counts_rows else "Stopped"
    percent = max(0, min(100, done * 100 // total))
    if not counts_rows:
        return f"Stopped at {percent}%"
    return f"Stopped after {done:,} of {total:,} rows ({percent}%)"


def _task_status(task_result_id: str) -> TaskResultStatus | None:
    """The worker's status for a task run; None if its result is gone (pruned) or unreadable."""
    try:
        return default_task_backend.get_result(task_result_id).status
    except TaskResultDoesNotExist:
        return None
    except (ImportError, SuspiciousOperation):
        # The task's code has moved or gone since it was enqueued; the row is all we have.
        logger.warning("Task result %s names a task that cannot be imported", task_result_id)
        return None
