"""The append-only record of who read or changed what."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q

from waymark.accounts.access import active_memberships, organisation_ids_with_role
from waymark.accounts.roles import Role
from waymark.core.visibility import VisibleQuerySet


class AccessLogQuerySet(VisibleQuerySet["AccessLog"]):
    """Access log entries: an auditor sees their organisation's records and staff."""

    def visible_to(self, user: Any) -> Self:
        """Entries about an auditor's organisation's records, or made by its staff."""
        org_ids = organisation_ids_with_role(user, [Role.AUDITOR])
        if not org_ids:
            return self.none()
        return self.filter(Q(organisation_id__in=org_ids) | Q(actor_organisation_id__in=org_ids))

    def about(self, obj: models.Model) -> Self:
        """Entries about one record."""
        return self.filter(record_type=record_type_of(obj), record_id=record_id_of(obj))


def record_type_of(obj: models.Model) -> str:
    """The `app_label.model` name that identifies a record's type in the log."""
    return obj._meta.label_lower


def record_id_of(obj: models.Model) -> str:
    """The record's public id where it has one (never the internal key, which leaks counts)."""
    return str(getattr(obj, "public_id", None) or obj.pk)


class AccessLog(models.Model):
    """One thing one person did to one record: viewed, created, changed, exported, printed, shared.

    Rows are only ever added: saving an existing row or deleting one raises an error, and
    neither the admin nor any service offers a way to change them.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        LIST = "list", "Listed"
        SEARCH = "search", "Searched"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        EXPORT = "export", "Exported"
        PRINT = "print", "Printed"
        SHARE = "share", "Shared"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_OUT = "sign_out", "Signed out"
        SIGN_IN_FAILED = "sign_in_failed", "Failed to sign in"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_log_entries",
        help_text="Who did it; empty for an API client acting on its own or an unknown sign-in.",
    )
    actor_label = models.CharField(
        max_length=254,
        blank=True,
        help_text="Who did it, as text that survives the person's account (e-mail or API token name).",
    )
    actor_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation the actor acted for.",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    record_type = models.CharField(max_length=100, blank=True, db_index=True)
    record_id = models.CharField(max_length=64, blank=True, db_index=True)
    record_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="A non-identifying label for the record (a reference, never a victim's name).",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation whose record it is.",
    )
    session_ref = models.CharField(
        max_length=64,
        blank=True,
        help_text="A one-way hash of the session or API token, so entries from one session group together.",
    )
    detail = models.CharField(max_length=500, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["record_type", "record_id", "at"])]

    def __str__(self) -> str:
        """One line: who did what to which record."""
        return f"{self.actor_label} {self.action} {self.record_type}:{self.record_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Add the row; refuse to change one that exists."""
        if self.pk is not None:
            raise PermissionError("Access log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Refuse: the log is append-only."""
        raise PermissionError("Access log entries cannot be deleted.")


def actor_organisation_for(user: Any) -> Any:
    """The organisation a person acts for: their first active membership's, if any."""
    memberships = active_memberships(user)
    return memberships[0].organisation if memberships else None
