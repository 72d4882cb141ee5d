"""A task for the tests: counts, reporting progress as a real task would."""

from __future__ import annotations

from django_tasks import TaskContext, task

from waymark.jobs.progress import ProgressReporter


@task(takes_context=True)
def count_to(context: TaskContext, *, n: int, fail: bool = False) -> int:
    """Count to `n`, reporting each step; raise at the end if `fail`."""
    report = ProgressReporter(context.task_result.id, min_interval=0)
    for i in range(1, n + 1):
        report(done=i, total=n, message=f"Counted to {i}")
    if fail:
        raise RuntimeError("Told to fail")
    report.finish(succeeded=True, message=f"Counted to {n}.")
    return n
