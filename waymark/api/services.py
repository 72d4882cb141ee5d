"""Every write to API tokens: making one, revoking one, and noting when one was used."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from waymark.accounts.models import Organisation, User
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.permissions import ensure_can

from .models import ApiToken, hash_token, token_generate, token_prefix_of
from .selectors import token_organisations_for_user

# last_used_at is for people deciding whether a token is still needed, not for auditing
# (the access log does that), so one write a minute per token is precise enough and
# keeps a busy integration from writing the row on every call.
LAST_USED_PRECISION = timedelta(minutes=1)


def _ensure_may_manage_organisation(by: User, organisation: Organisation) -> None:
    ensure_can(by, "api.manage_tokens")
    if not token_organisations_for_user(user=by).filter(pk=organisation.pk).exists():
        raise PermissionDenied("Not allowed: api.manage_tokens for that organisation")


@transaction.atomic
def api_token_create(
    *,
    by: User,
    organisation: Organisation,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None,
) -> tuple[ApiToken, str]:
    """Make a token for `organisation`; return it with the secret, which is never shown again.

    An OPCC admin may make tokens for any active organisation; a provider manager or force
    Victims' Code lead only for their own.
    """
    _ensure_may_manage_organisation(by, organisation)
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry date must be in the future."})
    prefix, raw = token_generate()
    # The prefix is only 32 bits, so a clash is possible once there are many tokens.
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix, raw = token_generate()
    token = ApiToken(
        name=name.strip(),
        organisation=organisation,
        created_by=by,
        prefix=prefix,
        token_hash=hash_token(raw),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    expiry = expires_at.isoformat() if expires_at else "never"
    access_log_record(
        actor=by,
        action=AccessLog.Action.CREATE,
        obj=token,
        detail=f"scopes: {', '.join(token.scopes)}; expires: {expiry}",
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    """Stop a token working, for good. Revoking a revoked token changes nothing."""
    ensure_can(by, "api.manage_tokens")
    if not ApiToken.objects.visible_to(by).filter(pk=token.pk).exists():
        raise PermissionDenied("Not allowed: api.manage_tokens for that organisation")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    access_log_record(actor=by, action=AccessLog.Action.CHANGE, obj=token, detail="revoked")
    return token


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The usable token `raw` is, or None: unknown, wrong, revoked, expired or its organisation inactive.

    Notes when the token was used (at most once a minute); that bookkeeping is not an
    access-log entry, because each endpoint records what the call read or changed.
    """
    prefix = token_prefix_of(raw)
    if prefix is None:
        return None
    token = ApiToken.objects.select_related("organisation").filter(prefix=prefix).first()
    # Compare in constant time, so response timing says nothing about how much matched.
    if token is None or not hmac.compare_digest(token.token_hash, hash_token(raw)):
        return None
    now = timezone.now()
    if not token.is_usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
