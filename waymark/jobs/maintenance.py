"""The maintenance jobs an OPCC admin can start from the maintenance page.

Kept apart from `services.py` because these import the tasks they start, and those tasks
import the progress reporter, which imports `services.py`.
"""

from __future__ import annotations

from django.db import transaction

from waymark.accounts.models import User
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.permissions import ensure_can
from waymark.core.tasks import reencrypt_sensitive_fields

from .models import JobProgress
from .services import job_enqueue

REENCRYPT_JOB_NAME = "Re-encrypt sensitive fields"


@transaction.atomic
def maintenance_reencrypt_start(*, by: User) -> JobProgress:
    """Queue the re-encryption of every encrypted field under the current key."""
    ensure_can(by, "core.run_maintenance")
    job = job_enqueue(task=reencrypt_sensitive_fields, name=REENCRYPT_JOB_NAME, started_by=by)
    # It rewrites every encrypted value in the database, so who started it is on the record.
    access_log_record(
        actor=by,
        action=AccessLog.Action.CREATE,
        obj=job,
        detail="Started re-encryption of every encrypted field.",
    )
    return job
