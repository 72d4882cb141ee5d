"""Reads for API tokens and for the API's callers; token rows only through `visible_to`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.urls import reverse

from waymark.accounts.access import has_role, organisation_ids_with_role
from waymark.accounts.models import Organisation, Service
from waymark.accounts.roles import Role
from waymark.accounts.selectors import service_directory_for_user
from waymark.core.home import HomePanel
from waymark.core.jinja import format_datetime
from waymark.core.visibility import get_visible_or_404

from .models import TOKEN_MANAGER_ROLES, ApiToken


def api_token_list_for_user(*, user: Any) -> QuerySet[ApiToken]:
    """Tokens the user manages, newest first, with who made and revoked them."""
    return ApiToken.objects.visible_to(user).select_related("organisation", "created_by", "revoked_by")


def api_token_get(*, user: Any, public_id: UUID) -> ApiToken:
    """One token the user manages, or 404 whether or not it exists."""
    return get_visible_or_404(ApiToken.objects.select_related("organisation"), user=user, public_id=public_id)


def token_organisations_for_user(*, user: Any) -> QuerySet[Organisation]:
    """Active organisations the user may make tokens for: any for an OPCC admin, else their own."""
    organisations = Organisation.objects.filter(is_active=True)
    if has_role(user, Role.OPCC_ADMIN):
        return organisations
    return organisations.filter(pk__in=organisation_ids_with_role(user, TOKEN_MANAGER_ROLES))


# The directory for API callers. A session caller goes through the accounts selectors'
# `visible_to`. A token has no person behind it, so `visible_to(user)` cannot place it;
# it acts for an active member organisation, and every member of any organisation sees
# the whole directory (accounts/visibility.py), so a token sees what they see: active
# organisations and their active services. The directory holds no personal data.


def organisation_directory_for_caller(*, caller: Any) -> QuerySet[Organisation]:
    """Active organisations: through `visible_to` for a person; all of them for a token."""
    if isinstance(caller, ApiToken):
        organisations = Organisation.objects.all()
    else:
        organisations = Organisation.objects.visible_to(caller)
    return organisations.filter(is_active=True).order_by("name")


def service_directory_for_caller(
    *, caller: Any, organisation: UUID | None = None, type: str | None = None
) -> QuerySet[Service]:
    """Active services of active organisations, optionally of one organisation or of one type."""
    services: QuerySet[Service]
    if isinstance(caller, ApiToken):
        services = Service.objects.filter(is_active=True, organisation__is_active=True).select_related(
            "organisation"
        )
    else:
        services = service_directory_for_user(user=caller)
    if organisation is not None:
        services = services.filter(organisation__public_id=organisation)
    if type is not None:
        services = services.filter(type=type)
    return services.order_by("organisation__name", "name")


def home_panels_for_user(*, user: Any) -> list[HomePanel]:
    """For whoever manages API tokens: how many are live and when one was last used."""
    if not user.has_perm("api.manage_tokens"):
        return []
    tokens = api_token_list_for_user(user=user)
    live = [t for t in tokens.select_related("organisation") if t.is_usable()]
    last_used = max((t.last_used_at for t in live if t.last_used_at), default=None)
    return [
        HomePanel(
            title="API tokens",
            rows=[
                ("Tokens that work", str(len(live))),
                ("Last used", format_datetime(last_used) if last_used else "Never"),
            ],
            links=[("Manage API tokens", reverse("api_tokens:list"))],
        )
    ]
