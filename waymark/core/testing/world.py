"""A small world of organisations, and a person in each role, for permission tests.

"Home" is the provider that owns the record under test; "other" is a second provider
whose staff must never see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from waymark.accounts.models import Organisation, Service, Team, User
from waymark.accounts.roles import Role
from waymark.core.models import PoliceForceArea

from .factories import OrganisationFactory, ServiceFactory, TeamFactory, UserFactory, make_member


@dataclass
class World:
    """The organisations of a test, and one person per role key, made on first use."""

    opcc: Organisation
    force: Organisation
    provider: Organisation
    other_provider: Organisation
    partner: Organisation
    service: Service
    other_service: Service
    team: Team
    other_team: Team
    people: dict[str, User | None] = field(default_factory=dict)

    def person(self, key: str) -> User | None:
        """The person for a role key (see ROLE_KEYS); None for "anonymous"."""
        if key not in self.people:
            self.people[key] = self._make(key)
        return self.people[key]

    def member(self, key: str) -> User:
        """The signed-in person for a role key (never "anonymous")."""
        person = self.person(key)
        if person is None:
            raise ValueError(f"{key!r} is not a person who signs in")
        return person

    def _make(self, key: str) -> User | None:
        if key == "anonymous":
            return None
        if key == "no_membership":
            return UserFactory.create()
        role, organisation, teams = ROLE_KEYS[key](self)
        return make_member(role=role, organisation=organisation, teams=teams)


ROLE_KEYS: dict[str, Any] = {
    "opcc_admin": lambda w: (Role.OPCC_ADMIN, w.opcc, None),
    "opcc_analyst": lambda w: (Role.OPCC_ANALYST, w.opcc, None),
    "board_member": lambda w: (Role.BOARD_MEMBER, w.opcc, None),
    "force_code_lead": lambda w: (Role.FORCE_CODE_LEAD, w.force, None),
    "provider_manager": lambda w: (Role.PROVIDER_MANAGER, w.provider, None),
    "caseworker": lambda w: (Role.CASEWORKER, w.provider, [w.team]),
    "auditor": lambda w: (Role.AUDITOR, w.provider, None),
    "provider_manager_other": lambda w: (Role.PROVIDER_MANAGER, w.other_provider, None),
    "caseworker_other": lambda w: (Role.CASEWORKER, w.other_provider, [w.other_team]),
    "auditor_other": lambda w: (Role.AUDITOR, w.other_provider, None),
    "opcc_auditor": lambda w: (Role.AUDITOR, w.opcc, None),
    "partner_caseworker": lambda w: (Role.CASEWORKER, w.partner, None),
}
ALL_ROLE_KEYS: tuple[str, ...] = (*ROLE_KEYS, "no_membership", "anonymous")


def build_world() -> World:
    """Create the organisations, services and teams of a test world."""
    # The OPCC and the force see the West Midlands' Victims' Code compliance (geography migration).
    west_midlands = PoliceForceArea.objects.filter(code="E23000014").first()
    opcc = OrganisationFactory.create(
        name="Test OPCC", type=Organisation.Type.OPCC, police_force_area=west_midlands
    )
    force = OrganisationFactory.create(
        name="Test Police", type=Organisation.Type.POLICE_FORCE, police_force_area=west_midlands
    )
    provider = OrganisationFactory.create(name="Home Provider", type=Organisation.Type.PROVIDER)
    other_provider = OrganisationFactory.create(name="Other Provider", type=Organisation.Type.PROVIDER)
    partner = OrganisationFactory.create(name="Partner Agency", type=Organisation.Type.PARTNER_AGENCY)
    service = ServiceFactory.create(organisation=provider, name="Home Service", type="hate_crime")
    other_service = ServiceFactory.create(organisation=other_provider, name="Other Service", type="idva")
    return World(
        opcc=opcc,
        force=force,
        provider=provider,
        other_provider=other_provider,
        partner=partner,
        service=service,
        other_service=other_service,
        team=TeamFactory.create(organisation=provider, service=service, name="Home Team"),
        other_team=TeamFactory.create(organisation=other_provider, service=other_service, name="Other Team"),
    )
