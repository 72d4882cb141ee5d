"""The demo world: the organisations of the seed board paper and one person per role.

Organisations and services the West Midlands board paper names are used by name (the
OPCC, West Midlands Police, Remedi and its hate crime service, the perpetrator
programmes). The paper does not name the IDVA and ISVA providers, so those are marked
"(demo)". Running it twice changes nothing: rows are only created when missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from waymark.core.models import PoliceForceArea

from .models import Membership, Organisation, Service, Team, User
from .roles import OrganisationType, Role

DEMO_PASSWORD = "waymark-demo-password"  # noqa: S105 - printed by `make run`; demo data only
# A shared base32 secret so every demo user's authenticator code is the same and can be
# printed with `waymark demo_code`. Never used outside the demo.
DEMO_TOTP_SECRET = "WAYMARKDEMOTOTPSECRETBASE32AAAAA"  # noqa: S105

ORGANISATIONS: list[tuple[str, str, str]] = [
    ("West Midlands Office of the Police and Crime Commissioner", "WMOPCC", OrganisationType.OPCC),
    ("West Midlands Police", "WMP", OrganisationType.POLICE_FORCE),
    ("Remedi", "Remedi", OrganisationType.PROVIDER),
    ("Domestic abuse advocacy provider (demo)", "IDVA demo", OrganisationType.PROVIDER),
    ("Sexual violence advocacy provider (demo)", "ISVA demo", OrganisationType.PROVIDER),
    ("Perpetrator programmes provider (demo)", "Perpetrator demo", OrganisationType.PROVIDER),
    ("Housing association (demo partner agency)", "Partner demo", OrganisationType.PARTNER_AGENCY),
]

DEMO_FORCE_AREA = "E23000014"  # West Midlands
FORCE_AREA_ORGANISATION_TYPES = (OrganisationType.OPCC, OrganisationType.POLICE_FORCE)

# (organisation, service, type, description)
SERVICES: list[tuple[str, str, str, str]] = [
    (
        "Remedi",
        "West Midlands Hate Crime Victim Service",
        Service.Type.HATE_CRIME,
        "Short- and long-term emotional and practical support for victims and witnesses of hate "
        "crimes and hate incidents across the five monitored strands; launched 1 July 2021.",
    ),
    (
        "Domestic abuse advocacy provider (demo)",
        "MARAC IDVA service",
        Service.Type.IDVA,
        "Independent domestic violence advisers for high-risk victims (demo service).",
    ),
    (
        "Sexual violence advocacy provider (demo)",
        "ISVA service",
        Service.Type.ISVA,
        "Independent sexual violence advisers, including children and young people's ISVAs (demo service).",
    ),
    (
        "Perpetrator programmes provider (demo)",
        "Regional DVPP",
        Service.Type.PERPETRATOR,
        "Domestic violence perpetrator programme.",
    ),
    (
        "Perpetrator programmes provider (demo)",
        "Drive Project",
        Service.Type.PERPETRATOR,
        "Work with high-harm, high-risk perpetrators of domestic abuse.",
    ),
    (
        "Perpetrator programmes provider (demo)",
        "YUVA",
        Service.Type.PERPETRATOR,
        "For young people using violence and abuse towards parents or carers.",
    ),
    (
        "Perpetrator programmes provider (demo)",
        "Early Awareness Stalking Intervention",
        Service.Type.PERPETRATOR,
        "A clinical psychology intervention for ex-intimate stalking perpetrators.",
    ),
]

# (organisation, team, service or "")
TEAMS: list[tuple[str, str, str]] = [
    ("Remedi", "Hate crime caseworkers", "West Midlands Hate Crime Victim Service"),
    ("Remedi", "Football Hate Crime Initiative", "West Midlands Hate Crime Victim Service"),
    ("Domestic abuse advocacy provider (demo)", "Birmingham and Solihull IDVAs", "MARAC IDVA service"),
    ("Domestic abuse advocacy provider (demo)", "Black Country IDVAs", "MARAC IDVA service"),
    ("Sexual violence advocacy provider (demo)", "ISVA team", "ISVA service"),
]


@dataclass(frozen=True)
class DemoPerson:
    """A demo user: who they are, where, and in which role."""

    email: str
    full_name: str
    organisation: str
    role: str
    teams: tuple[str, ...] = ()


PEOPLE: list[DemoPerson] = [
    DemoPerson("opcc.admin@demo.waymark.test", "Olu Adeyemi", ORGANISATIONS[0][0], Role.OPCC_ADMIN),
    DemoPerson("opcc.analyst@demo.waymark.test", "Priya Sandhu", ORGANISATIONS[0][0], Role.OPCC_ANALYST),
    DemoPerson("board.member@demo.waymark.test", "Bernard Hall", ORGANISATIONS[0][0], Role.BOARD_MEMBER),
    DemoPerson("force.lead@demo.waymark.test", "Fiona Clarke", "West Midlands Police", Role.FORCE_CODE_LEAD),
    DemoPerson("provider.manager@demo.waymark.test", "Maya Reid", "Remedi", Role.PROVIDER_MANAGER),
    DemoPerson(
        "caseworker@demo.waymark.test", "Kamran Ali", "Remedi", Role.CASEWORKER, ("Hate crime caseworkers",)
    ),
    DemoPerson("auditor@demo.waymark.test", "Dana Price", "Remedi", Role.AUDITOR),
    DemoPerson(
        "idva@demo.waymark.test",
        "Grace Okafor",
        "Domestic abuse advocacy provider (demo)",
        Role.CASEWORKER,
        ("Birmingham and Solihull IDVAs",),
    ),
    DemoPerson(
        "partner@demo.waymark.test",
        "Sam Turner",
        "Housing association (demo partner agency)",
        Role.CASEWORKER,
    ),
]


@transaction.atomic
def demo_load() -> dict[str, int]:
    """Create whatever of the demo world is missing; return how many rows of each were created."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    created = {"organisations": 0, "services": 0, "teams": 0, "people": 0, "memberships": 0}
    orgs: dict[str, Organisation] = {}
    for name, short_name, org_type in ORGANISATIONS:
        orgs[name], made = Organisation.objects.get_or_create(
            name=name, defaults={"short_name": short_name, "type": org_type}
        )
        created["organisations"] += made
        if org_type in FORCE_AREA_ORGANISATION_TYPES and orgs[name].police_force_area_id is None:
            # The OPCC and the force see the West Midlands' Victims' Code compliance.
            orgs[name].police_force_area = PoliceForceArea.objects.filter(code=DEMO_FORCE_AREA).first()
            orgs[name].save(update_fields=["police_force_area", "updated_at"])
    services: dict[str, Service] = {}
    for org_name, name, service_type, description in SERVICES:
        services[name], made = Service.objects.get_or_create(
            organisation=orgs[org_name],
            name=name,
            defaults={"type": service_type, "description": description},
        )
        created["services"] += made
    teams: dict[str, Team] = {}
    for org_name, name, service_name in TEAMS:
        teams[name], made = Team.objects.get_or_create(
            organisation=orgs[org_name], name=name, defaults={"service": services.get(service_name)}
        )
        created["teams"] += made
    for person in PEOPLE:
        user = User.objects.filter(email=person.email).first()
        if user is None:
            user = User(email=person.email, full_name=person.full_name)
            user.set_password(DEMO_PASSWORD)
            user.save()
            created["people"] += 1
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        membership, made = Membership.objects.get_or_create(
            user=user, organisation=orgs[person.organisation], role=person.role
        )
        if made:
            membership.teams.set([teams[t] for t in person.teams])
            created["memberships"] += 1
    return created
