"""What a task uses to report its progress to the page.

    @task(takes_context=True)
    def import_extract(context: TaskContext, *, upload_id: str) -> None:
        report = ProgressReporter(context.task_result.id)
        for done, row in enumerate(rows, start=1):
            ...
            report(done=done, total=len(rows), message="Checking rows")
        report.finish(succeeded=True, message="40,000 rows imported.")

See docs/background-jobs.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .services import job_progress_finish, job_progress_update


class ProgressReporter:
    """Passes one task run's progress to its JobProgress row, at most once per `min_interval`.

    Callable as `report(done=..., total=..., message=...)`, so it fits anything that takes a
    progress callback (such as `waymark.core.encryption.reencrypt_all`). Calls in between
    are dropped, so a task may report every row without writing to the database every row;
    the last one (`done >= total`), the first of each new message, and `finish` are always
    written.
    """

    def __init__(
        self,
        task_result_id: str,
        *,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        counts_rows: bool = True,
    ) -> None:
        self.task_result_id = str(task_result_id)
        # False for a file import, whose units are its own (bytes read, then steps of writing):
        # the page then shows the share done, not "rows".
        self.counts_rows = counts_rows
        self.min_interval = min_interval
        self._clock = clock
        self._last_written: float | None = None
        self._last_message = ""

    def __call__(self, *, done: int, total: int | None = None, message: str = "") -> None:
        """Record that `done` of `total` rows are finished (if it is time to write, or a new
        stage has begun: a message other than the last one written is always written)."""
        now = self._clock()
        complete = total is not None and done >= total
        new_stage = bool(message) and message != self._last_message
        if (
            not complete
            and not new_stage
            and self._last_written is not None
            and now - self._last_written < self.min_interval
        ):
            return
        self._last_written = now
        if message:
            self._last_message = message
        job_progress_update(
            task_result_id=self.task_result_id,
            done=done,
            total=total,
            message=message,
            counts_rows=self.counts_rows,
        )

    def finish(self, *, succeeded: bool, message: str = "", refused: bool = False) -> None:
        """Mark the run succeeded or failed, with the message the page ends on; `refused` for a
        run that failed because what it was given was refused."""
        job_progress_finish(
            task_result_id=self.task_result_id, succeeded=succeeded, message=message, refused=refused
        )
