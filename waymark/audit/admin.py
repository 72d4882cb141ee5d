"""The access log in Django admin: read-only, like everywhere else."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin[AccessLog]):
    list_display = ("at", "actor_label", "action", "record_type", "record_id", "organisation")
    list_filter = ("action", "record_type")
    search_fields = ("actor_label", "record_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Entries are written by services only."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Entries never change."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Entries are never deleted."""
        return False
