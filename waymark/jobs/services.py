"""Every write to job progress: start a row, move it on, finish it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import DatabaseError, connections, transaction
from django.db.models import QuerySet
from django.db.models.sql import UpdateQuery
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
    running = JobProgress.objects.filter(task_result_id=str(task_result_id)).exclude(
        status__in=JobProgress.FINISHED
    )
    if not _updated_outside_the_transaction(running, changes):
        running.update(**changes)


# How long a progress write on a connection of its own waits for a row lock before it gives up
# and writes on the task's connection: it should never wait (nothing else writes a running
# job's row), and must not hang the job if something one day does.
SIDE_WRITE_LOCK_TIMEOUT = "200ms"


def _updated_outside_the_transaction(rows: QuerySet[JobProgress], changes: dict[str, Any]) -> bool:
    """On PostgreSQL, inside a transaction, make the update through a connection of its own
    and say whether it changed a row.

    Nothing a transaction writes is seen outside it until it commits, so an import's writing
    steps, reported from inside its one all-or-nothing transaction, would otherwise reach the
    job's page only when the job is over. A row this connection cannot see (one created in the
    same, uncommitted transaction, as in a test) is left to the task's own connection. SQLite
    lets one connection write at a time, so there progress inside a transaction waits for the
    commit.
    """
    own = transaction.get_connection(rows.db)
    if own.vendor != "postgresql" or not own.in_atomic_block:
        return False
    update = cast(UpdateQuery, rows.query.chain(UpdateQuery))
    update.add_update_values(changes)
    side = connections.create_connection(rows.db)
    try:
        sql, params = update.get_compiler(connection=side).as_sql()
        with side.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, false)", [SIDE_WRITE_LOCK_TIMEOUT])
            cursor.execute(sql, params)
            return cursor.rowcount > 0
    except DatabaseError:
        # Progress is a courtesy: a failed side write falls back to the task's connection.
        return False
    finally:
        side.close()


def job_progress_finish(
    *, task_result_id: str, succeeded: bool, message: str = "", refused: bool = False
) -> None:
    """Mark a job succeeded or failed, with a closing message for the page. `refused`: it failed
    because what it was given was refused (`JobProgress.refused`)."""
    if succeeded and refused:
        raise ValueError("A job that succeeded refused nothing.")
    now = timezone.now()
    changes: dict[str, Any] = {
        "status": JobProgress.Status.SUCCEEDED if succeeded else JobProgress.Status.FAILED,
        "refused": refused,
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
