"""Reading the access log: auditors search it; whoever may see a record sees who accessed it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from waymark.core.home import HomePanel
from waymark.core.visibility import VisibleQuerySet

from .models import AccessLog


@dataclass(frozen=True)
class AccessLogFilters:
    """What an auditor searches the log by; every field optional."""

    actor: str = ""
    action: str = ""
    record_type: str = ""
    record_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


def access_log_search(*, user: Any, filters: AccessLogFilters) -> QuerySet[AccessLog]:
    """Entries the user may see that match the filters, newest first."""
    entries = AccessLog.objects.visible_to(user).select_related("actor_organisation", "organisation")
    if filters.actor:
        entries = entries.filter(actor_label__icontains=filters.actor)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.record_type:
        entries = entries.filter(record_type=filters.record_type)
    if filters.record_id:
        entries = entries.filter(record_id=filters.record_id)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        entries = entries.filter(at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        entries = entries.filter(
            at__lt=datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz)
        )
    return entries


def record_types_in_log(*, user: Any) -> list[str]:
    """The record types the user's visible log mentions, for the search form."""
    return sorted(
        t for t in AccessLog.objects.visible_to(user).values_list("record_type", flat=True).distinct() if t
    )


def record_access_history(*, user: Any, record_type: str, record_id: str) -> QuerySet[AccessLog]:
    """Who accessed one record: for its organisation's auditor, or anyone who may see the record.

    Raises Http404 if the user may see neither the record nor its log, so existence is not leaked.
    """
    entries = AccessLog.objects.filter(record_type=record_type, record_id=record_id)
    if _record_visible_to(user, record_type, record_id):
        return entries.select_related("actor_organisation")
    audited = AccessLog.objects.visible_to(user).filter(record_type=record_type, record_id=record_id)
    if audited.exists():
        return audited.select_related("actor_organisation")
    raise Http404("No such record.")


def _record_visible_to(user: Any, record_type: str, record_id: str) -> bool:
    try:
        model = apps.get_model(record_type)
    except (LookupError, ValueError):
        return False
    queryset = model._default_manager.all()
    if not isinstance(queryset, VisibleQuerySet):
        return False
    lookup = "public_id" if any(f.name == "public_id" for f in model._meta.fields) else "pk"
    try:
        return queryset.visible_to(user).filter(**{lookup: record_id}).exists()
    except (ValueError, TypeError, ValidationError):  # a malformed id (not a UUID) is simply not visible
        return False


def home_panels_for_user(*, user: Any) -> list[HomePanel]:
    """For an auditor: the last week's activity on their organisation's records, and lockouts."""
    if not user.has_perm("audit.view_access_log"):
        return []
    from axes.models import AccessAttempt

    since = timezone.now() - timedelta(days=7)
    week = AccessLog.objects.visible_to(user).filter(at__gte=since)
    return [
        HomePanel(
            title="Access in the last 7 days",
            rows=[
                ("Records viewed", f"{week.filter(action=AccessLog.Action.VIEW).count():,}"),
                ("Records exported", f"{week.filter(action=AccessLog.Action.EXPORT).count():,}"),
                ("Records changed", f"{week.filter(action=AccessLog.Action.CHANGE).count():,}"),
                ("Sign-in lockouts in force", f"{AccessAttempt.objects.count():,}"),
            ],
            links=[("Search the access log", reverse("audit:search"))],
        )
    ]
