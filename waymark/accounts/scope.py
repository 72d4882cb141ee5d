"""Which of a provider's records a person may see: the scope rules shared by referrals and cases.

A provider manager sees everything of their organisation's. A caseworker sees what their
teams work on: a team tied to a service covers that service's records; a team with no service
covers every service of its organisation; and anything allocated to them or their team. Other
roles (OPCC, board, force, auditors) see no case-level rows at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from .access import active_memberships
from .roles import Role


@dataclass(frozen=True)
class CaseworkScope:
    """The organisations, services and teams whose records a person may see."""

    managed_organisation_ids: frozenset[int]
    service_ids: frozenset[int]
    whole_organisation_ids: frozenset[int]  # teams with no service: every service of these
    team_ids: frozenset[int]
    user_id: int | None

    @property
    def is_empty(self) -> bool:
        """True for anyone with no casework role."""
        return self.user_id is None

    def q(self, *, organisation: str, service: str, team: str | None = None, owner: str | None = None) -> Q:
        """A filter over a model whose organisation, service, team and owner live at these paths."""
        if self.is_empty:
            return Q(pk__in=[])
        condition = Q(**{f"{organisation}__in": self.managed_organisation_ids})
        condition |= Q(**{f"{service}__in": self.service_ids})
        condition |= Q(**{f"{organisation}__in": self.whole_organisation_ids})
        if team is not None:
            condition |= Q(**{f"{team}__in": self.team_ids})
        if owner is not None and self.user_id is not None:
            condition |= Q(**{owner: self.user_id})
        return condition


def casework_scope(user: Any) -> CaseworkScope:
    """The scope of `user`'s casework roles (empty for every other role)."""
    managed: set[int] = set()
    services: set[int] = set()
    whole: set[int] = set()
    teams: set[int] = set()
    caseworker = False
    for membership in active_memberships(user):
        if membership.role == Role.PROVIDER_MANAGER:
            managed.add(membership.organisation_id)
        elif membership.role == Role.CASEWORKER:
            caseworker = True
            for team in membership.teams.all():
                teams.add(team.pk)
                if team.service_id is None:
                    whole.add(team.organisation_id)
                else:
                    services.add(team.service_id)
    return CaseworkScope(
        managed_organisation_ids=frozenset(managed),
        service_ids=frozenset(services),
        whole_organisation_ids=frozenset(whole),
        team_ids=frozenset(teams),
        user_id=user.pk if (managed or caseworker) else None,
    )
