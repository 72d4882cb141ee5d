"""API tokens: how another organisation's system calls the Waymark API without a person signing in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from waymark.accounts.access import has_role, organisation_ids_with_role
from waymark.accounts.roles import Role
from waymark.core.models import TimeStampedModel
from waymark.core.visibility import VisibleQuerySet

# Roles that manage the tokens of the organisation they hold the role in. An OPCC admin
# manages every organisation's tokens (see `api.manage_tokens` in accounts/rules.py).
TOKEN_MANAGER_ROLES = (Role.PROVIDER_MANAGER, Role.FORCE_CODE_LEAD)

TOKEN_LEAD = "wm"  # noqa: S105 - the fixed lead of every token, not a secret
PREFIX_LENGTH = 8
# 32 random bytes: 256 bits, so a plain SHA-256 of the token is enough at rest (unlike a
# password, it cannot be guessed from a dictionary). Longer input is refused unhashed.
SECRET_BYTES = 32
MAX_TOKEN_LENGTH = 100


def hash_token(raw: str) -> str:
    """The SHA-256 hex digest the database keeps instead of the token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def token_generate() -> tuple[str, str]:
    """A new `(prefix, token)` pair: `wm_<8 hex>_<43 url-safe characters>`."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    return prefix, f"{TOKEN_LEAD}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"


def token_prefix_of(raw: str) -> str | None:
    """The prefix of something shaped like a Waymark token, or None if it is not one."""
    if len(raw) > MAX_TOKEN_LENGTH:
        return None
    # The secret may itself contain "_", so split only twice.
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_LEAD or not parts[2]:
        return None
    prefix = parts[1]
    if len(prefix) != PREFIX_LENGTH or any(c not in "0123456789abcdef" for c in prefix):
        return None
    return prefix


class ApiTokenQuerySet(VisibleQuerySet["ApiToken"]):
    """API tokens: an organisation's keys to the API; seen by those who manage them."""

    def visible_to(self, user: Any) -> Self:
        """Every token for an OPCC admin; a provider manager's or force lead's own organisation's."""
        if has_role(user, Role.OPCC_ADMIN):
            return self.all()
        return self.filter(organisation_id__in=organisation_ids_with_role(user, TOKEN_MANAGER_ROLES))


class ApiToken(TimeStampedModel):
    """A secret that lets a system call the API on behalf of exactly one organisation.

    The token is shown once, when it is made; the database keeps only its SHA-256 hash and
    a short prefix that identifies it in lists and logs. A token stops working when it is
    revoked, when it expires, or when its organisation is made inactive.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read: the directory and anything else the organisation may see"
        REFERRALS_WRITE = "referrals:write", "Send referrals"
        COMPLIANCE_WRITE = "compliance:write", "Send Victims' Code evidence (Code duties, aggregate returns)"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    name = models.CharField(
        max_length=100,
        help_text="What the token is for, such as 'Force referral feed'; shown in lists and the access log.",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="api_tokens",
        help_text="The organisation the token acts for; a call never sees more than that organisation may.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens_created",
        help_text="Who made the token. The token acts for the organisation, not for this person.",
    )
    prefix = models.CharField(
        max_length=PREFIX_LENGTH,
        unique=True,
        editable=False,
        help_text="Eight hex characters from the token, not secret, that identify it in lists.",
    )
    token_hash = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        help_text="SHA-256 hex of the whole token. The token itself is never stored.",
    )
    scopes = models.JSONField(
        default=list,
        help_text="What the token may do: a non-empty list of values from ApiToken.Scope.",
    )
    expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the token stops working; empty if it lasts until revoked.",
    )
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the token was revoked; it never works again."
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens_revoked",
        help_text="Who revoked the token; set only with revoked_at.",
    )
    last_used_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the token last authenticated a call, to the nearest minute.",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_by__isnull=True) | Q(revoked_at__isnull=False),
                name="api_token_revoked_by_needs_revoked_at",
            ),
        ]

    def __str__(self) -> str:
        """The token's name and prefix (never its secret)."""
        return f"{self.name} ({self.prefix})"

    @property
    def owning_organisation(self) -> Any:
        """For the access log: a token belongs to the organisation it acts for."""
        return self.organisation

    def clean(self) -> None:
        """Scopes must be a non-empty list of known scopes."""
        super().clean()
        if (
            not isinstance(self.scopes, list)
            or not self.scopes
            or any(scope not in self.Scope.values for scope in self.scopes)
        ):
            raise ValidationError({"scopes": "Choose at least one of the listed scopes."})

    def status_at(self, now: datetime | None = None) -> ApiToken.Status:
        """Revoked, expired or active at `now` (default: now)."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @property
    def status(self) -> ApiToken.Status:
        """Revoked, expired or active now."""
        return self.status_at()

    def is_usable(self, now: datetime | None = None) -> bool:
        """Whether the token may authenticate a call: active, and its organisation active too."""
        return self.status_at(now) == self.Status.ACTIVE and self.organisation.is_active

    def has_scope(self, scope: str) -> bool:
        """Whether the token was granted `scope`."""
        return scope in self.scopes
