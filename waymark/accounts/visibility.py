"""Who may see which organisations, services, teams, people and memberships.

Organisations, services and teams form the directory every member needs to route work;
people and memberships are personal data and are narrower: an OPCC admin sees everyone,
a provider manager or auditor sees their own organisation's staff, anyone else only
themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db.models import Q

from waymark.core.visibility import VisibleQuerySet

from .access import active_memberships, has_role, organisation_ids_with_role
from .roles import Role

if TYPE_CHECKING:
    from .models import Membership, Organisation, Service, Team, User  # noqa: F401

STAFF_DIRECTORY_ROLES = (Role.PROVIDER_MANAGER, Role.AUDITOR, Role.FORCE_CODE_LEAD)


class OrganisationQuerySet(VisibleQuerySet["Organisation"]):
    """Organisations: the directory, visible to anyone with an active membership."""

    def visible_to(self, user: Any) -> Self:
        """Every organisation for a member of any; nothing for anyone else."""
        if not active_memberships(user):
            return self.none()
        return self.all()


class ServiceQuerySet(VisibleQuerySet["Service"]):
    """Services: the directory of what providers offer."""

    def visible_to(self, user: Any) -> Self:
        """Every service for a member of any organisation; nothing for anyone else."""
        if not active_memberships(user):
            return self.none()
        return self.all()


class TeamQuerySet(VisibleQuerySet["Team"]):
    """Teams: an organisation's own business, and the OPCC admin's."""

    def visible_to(self, user: Any) -> Self:
        """All teams for an OPCC admin; a member's own organisations' teams otherwise."""
        if has_role(user, Role.OPCC_ADMIN):
            return self.all()
        return self.filter(organisation_id__in=organisation_ids_with_role(user))


class UserQuerySet(VisibleQuerySet["User"]):
    """People who sign in: personal data."""

    def visible_to(self, user: Any) -> Self:
        """Everyone for an OPCC admin; own organisation's staff for managers and auditors; else self."""
        if not active_memberships(user):
            return self.none()
        if has_role(user, Role.OPCC_ADMIN):
            return self.all()
        org_ids = organisation_ids_with_role(user, STAFF_DIRECTORY_ROLES)
        return self.filter(Q(pk=user.pk) | Q(memberships__organisation_id__in=org_ids)).distinct()


class MembershipQuerySet(VisibleQuerySet["Membership"]):
    """Memberships: who holds which role where; personal data."""

    def visible_to(self, user: Any) -> Self:
        """As for people: all for an OPCC admin, own organisation for managers and auditors, else own."""
        if not active_memberships(user):
            return self.none()
        if has_role(user, Role.OPCC_ADMIN):
            return self.all()
        org_ids = organisation_ids_with_role(user, STAFF_DIRECTORY_ROLES)
        return self.filter(Q(user=user) | Q(organisation_id__in=org_ids))
