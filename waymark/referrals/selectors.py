"""Every read of referrals and outreach events that matters; rows only through `visible_to`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from waymark.accounts.models import Service
from waymark.accounts.scope import casework_scope
from waymark.core.home import HomePanel
from waymark.core.visibility import get_visible_or_404

from .models import OutreachEvent, Referral


def _receiving_q(user: Any) -> Q:
    """Referrals the user works on as receiving staff (not those their organisation sent)."""
    return casework_scope(user).q(organisation="organisation_id", service="service_id", team="team_id")


def referral_received_queryset(*, user: Any) -> QuerySet[Referral]:
    """Referrals into services the user works for: the caseworker's and manager's view."""
    return Referral.objects.visible_to(user).filter(_receiving_q(user))


def referral_sent_queryset(*, user: Any) -> QuerySet[Referral]:
    """Referrals the user's agency sent and they may follow (status only)."""
    return Referral.objects.visible_to(user).exclude(_receiving_q(user))


@dataclass(frozen=True)
class ReferralFilters:
    """The referral list's filters."""

    status: str = ""
    service: UUID | None = None


def referral_list_for_user(*, user: Any, filters: ReferralFilters | None = None) -> QuerySet[Referral]:
    """Received referrals, overdue first contacts first, then by due date and receipt."""
    filters = filters or ReferralFilters()
    today = timezone.localdate()
    rows = referral_received_queryset(user=user)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.service:
        rows = rows.filter(service__public_id=filters.service)
    return (
        rows.select_related("service", "person")
        .annotate(
            overdue_rank=Case(
                When(
                    Q(status__in=Referral.OPEN_STATUSES, first_contact_due__lt=today),
                    then=Value(0),
                ),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("overdue_rank", "first_contact_due", "-received_at", "pk")
    )


def is_first_contact_overdue(referral: Referral) -> bool:
    """Still waiting for first contact after its due date."""
    return referral.status in Referral.OPEN_STATUSES and referral.first_contact_due < timezone.localdate()


def services_for_filter(*, user: Any) -> QuerySet[Service]:
    """Services whose referrals the user may see, for the list's filter."""
    return Service.objects.filter(pk__in=referral_received_queryset(user=user).values("service_id")).order_by(
        "name"
    )


def referral_get(*, user: Any, public_id: UUID) -> Referral:
    """One referral the user may see (received or sent), or 404."""
    return get_visible_or_404(
        Referral.objects.select_related("service", "person", "organisation", "referrer_organisation"),
        user=user,
        public_id=public_id,
    )


def referral_get_received(*, user: Any, public_id: UUID) -> Referral:
    """One referral the user works on as receiving staff, or 404 (referrers included)."""
    referral = referral_get(user=user, public_id=public_id)
    if not referral_received_queryset(user=user).filter(pk=referral.pk).exists():
        from django.http import Http404

        raise Http404("No such record.")
    return referral


def possible_duplicate_matches(*, user: Any, referral: Referral) -> list[Referral]:
    """For a manager of the receiving provider only: this provider's other referrals of someone
    with the same identity key. Never anything from another provider; empty for anyone else."""
    if not user.has_perm("referrals.review_duplicate", referral) or not referral.person.identity_key:
        return []
    return list(
        Referral.objects.visible_to(user)
        .filter(organisation_id=referral.organisation_id, person__identity_key=referral.person.identity_key)
        .exclude(pk=referral.pk)
        .select_related("service")
        .order_by("-received_at")[:20]
    )


def outreach_event_list_for_user(*, user: Any) -> QuerySet[OutreachEvent]:
    """Events of services the user works for, newest first, with the count of referrals taken."""
    return (
        OutreachEvent.objects.visible_to(user)
        .select_related("service")
        .annotate(referral_count=Count("referrals"))
        .order_by("-held_on", "name")
    )


def outreach_event_get(*, user: Any, public_id: UUID) -> OutreachEvent:
    """One event the user may see, or 404."""
    return get_visible_or_404(OutreachEvent.objects.select_related("service"), user=user, public_id=public_id)


def home_panels_for_user(*, user: Any) -> list[HomePanel]:
    """ "Referrals waiting: N, first contact overdue: M" for receiving staff; nothing for others."""
    if casework_scope(user).is_empty or not user.has_perm("referrals.view_referrals"):
        return []
    from django.urls import reverse

    waiting = referral_received_queryset(user=user).filter(status__in=Referral.OPEN_STATUSES)
    overdue = waiting.filter(first_contact_due__lt=timezone.localdate())
    counts = waiting.aggregate(n=Count("pk"), overdue=Count("pk", filter=Q(pk__in=overdue.values("pk"))))
    return [
        HomePanel(
            title="Referrals",
            rows=[
                ("Referrals waiting", str(counts["n"])),
                ("First contact overdue", str(counts["overdue"])),
            ],
            links=[("See referrals", reverse("referrals:list"))],
        )
    ]
