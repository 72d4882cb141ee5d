"""What a signed-in person holds: their active memberships, read once per request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .roles import Role

if TYPE_CHECKING:
    from .models import Membership

_CACHE_ATTR = "_waymark_memberships"


def active_memberships(user: Any) -> list[Membership]:
    """The user's active memberships in active organisations; empty for anyone signed out."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        from .models import Membership

        cached = list(
            Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
            .select_related("organisation")
            .prefetch_related("teams")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def has_authenticator_app(user: Any) -> bool:
    """Whether the user has enrolled an authenticator app (required of all staff)."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def forget_memberships(user: Any) -> None:
    """Drop the cached memberships after they change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user: Any, *roles: Role | str) -> bool:
    """Whether the user holds any of `roles` anywhere."""
    return any(m.role in roles for m in active_memberships(user))


def organisation_ids_with_role(user: Any, roles: Iterable[Role | str] | None = None) -> set[int]:
    """Ids of organisations where the user holds one of `roles` (any role if None)."""
    wanted = set(roles) if roles is not None else None
    return {m.organisation_id for m in active_memberships(user) if wanted is None or m.role in wanted}


def police_force_area_ids_with_role(user: Any, roles: Iterable[Role | str]) -> set[int]:
    """Ids of the police force areas of the organisations where the user holds one of `roles`."""
    wanted = set(roles)
    return {
        m.organisation.police_force_area_id
        for m in active_memberships(user)
        if m.role in wanted and m.organisation.police_force_area_id is not None
    }


def team_ids(user: Any) -> set[int]:
    """Ids of the teams the user belongs to through any active membership."""
    return {team.pk for m in active_memberships(user) for team in m.teams.all()}
