"""Writing to the access log: the only way entries are made."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models
from django.http import HttpRequest

from .models import AccessLog, actor_organisation_for, record_id_of, record_type_of


def session_reference(request: HttpRequest | None) -> str:
    """A one-way hash of the session key (or API token id) that groups a session's entries."""
    if request is None:
        return ""
    token = getattr(request, "auth_token_ref", None)
    key = token or getattr(getattr(request, "session", None), "session_key", None)
    if not key:
        return ""
    return hashlib.sha256(str(key).encode()).hexdigest()[:32]


def access_log_record(
    *,
    actor: Any,
    action: AccessLog.Action | str,
    obj: models.Model | None = None,
    organisation: Any = None,
    request: HttpRequest | None = None,
    detail: str = "",
    record_label: str = "",
    actor_label: str = "",
    session_ref: str = "",
) -> AccessLog:
    """Append one entry: `actor` did `action` to `obj` (owned by `organisation`, or by the
    organisation the record itself names). `session_ref`, for a background job's entry, is the
    `session_reference` of the request that queued it."""
    ref = session_ref or session_reference(request)
    entry = _entry(actor=actor, action=action, obj=obj, session_ref=ref, detail=detail)
    if organisation is not None:
        entry.organisation_id = organisation.pk
    if record_label:
        entry.record_label = record_label[:200]
    if actor_label:
        entry.actor_label = actor_label
    entry.save()
    return entry


def access_log_record_many(
    *,
    actor: Any,
    action: AccessLog.Action | str,
    objects: list[models.Model],
    request: HttpRequest | None = None,
    detail: str = "",
) -> int:
    """Append one entry per record shown in a list or export, in one insert."""
    ref = session_reference(request)
    entries = [_entry(actor=actor, action=action, obj=obj, session_ref=ref, detail=detail) for obj in objects]
    AccessLog.objects.bulk_create(entries)
    return len(entries)


def _entry(
    *,
    actor: Any,
    action: AccessLog.Action | str,
    obj: models.Model | None,
    session_ref: str,
    detail: str,
) -> AccessLog:
    """An unsaved entry for one record (or none); the actor's organisation comes from their
    cached memberships, the record's from its own column where it has one (no query)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AccessLog(
        actor=user,
        actor_label=user.email if user is not None else "",
        actor_organisation=actor_organisation_for(user) if user is not None else None,
        action=action,
        record_type=record_type_of(obj) if obj is not None else "",
        record_id=record_id_of(obj) if obj is not None else "",
        record_label=str(obj)[:200] if obj is not None else "",
        organisation_id=_owner_organisation_id(obj) if obj is not None else None,
        session_ref=session_ref,
        detail=detail[:500],
    )


def _owner_organisation_id(obj: models.Model) -> int | None:
    """The id of the organisation a record belongs to, without a query where the row has it."""
    organisation_id = getattr(obj, "organisation_id", None)
    if organisation_id is not None:
        return int(organisation_id)
    owner = getattr(obj, "owning_organisation", None) or getattr(obj, "organisation", None)
    return owner.pk if owner is not None else None
