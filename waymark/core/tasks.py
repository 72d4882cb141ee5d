"""Background tasks that belong to no one domain: platform maintenance."""

from __future__ import annotations

from typing import Any

from django_tasks import TaskContext, task

from waymark.jobs.progress import ProgressReporter

from .encryption import ReencryptResult, reencrypt_all


@task(takes_context=True)
def reencrypt_sensitive_fields(context: TaskContext) -> dict[str, Any]:
    """Re-encrypt every encrypted field under the current key, reporting progress to the page.

    The job "fails" (in the page) if any value could not be decrypted, because that is the
    moment not to drop an old key; the values it could read are re-encrypted all the same.
    """
    report = ProgressReporter(context.task_result.id)
    try:
        results = reencrypt_all(progress=report)
    except Exception:
        report.finish(
            succeeded=False,
            message=(
                "The job stopped with an error; the worker's log has the details. Values already "
                "re-encrypted stay so; start the job again to finish the rest."
            ),
        )
        raise
    report.finish(succeeded=all(r.ok for r in results), message=summarise(results))
    # Row ids (never values) go into the task's stored result, for whoever must find the rows.
    return {"results": [r.as_dict() for r in results]}


def summarise(results: list[ReencryptResult]) -> str:
    """One paragraph for the page: what was re-encrypted, and what could not be read."""
    rotated = sum(r.rows_rotated for r in results)
    current = sum(r.rows_current for r in results)
    text = (
        f"{rotated:,} rows re-encrypted under the current key in {len(results)} tables; "
        f"{current:,} rows were already under it."
    )
    meanwhile = sum(r.rows_changed_meanwhile for r in results)
    if meanwhile:
        text += f" {meanwhile:,} rows changed while the job ran; run it again to check them."
    unreadable = [r for r in results if not r.ok]
    if unreadable:
        where = ", ".join(f"{r.model_label} ({r.rows_undecryptable:,})" for r in unreadable)
        text += (
            f" Some values could not be decrypted with any configured key and were left unchanged: "
            f"{where}. Do not remove any old key; run manage.py reencrypt_fields to list the rows."
        )
    return text
