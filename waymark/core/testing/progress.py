"""A progress callback for tests (`waymark.core.imports.ProgressCallback`), and the job's
progress as its page reads it."""

from __future__ import annotations

from django.db import connections


class ProgressCalls:
    """A progress callback that keeps every call in `calls`, as (done, total, message).

    Not a list itself: an empty list is false, and the imports take a false `progress` as none.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, str]] = []

    def __call__(self, *, done: int, total: int, message: str = "") -> None:
        self.calls.append((done, total, message))

    @property
    def totals(self) -> set[int]:
        """Every total given: one, for a single bar."""
        return {total for _, total, _ in self.calls}

    @property
    def dones(self) -> list[int]:
        """How far each call said the work had got, in order."""
        return [done for done, _, _ in self.calls]

    def messages(self, leaving_out: str = "") -> list[str]:
        """The messages given, in order, but for `leaving_out` (a step repeated as it goes)."""
        return [message for _, _, message in self.calls if message != leaving_out]


def progress_seen_from_outside(task_result_id: str) -> tuple[int, str]:
    """A job's (done, message) as another connection, such as the job's page, reads it now."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT done, message FROM jobs_jobprogress WHERE task_result_id = %s", [task_result_id]
            )
            done, message = cursor.fetchone()
    finally:
        other.close()
    return int(done), str(message)
