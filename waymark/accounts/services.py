"""Every write to organisations, services, teams, people and memberships."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.models import PoliceForceArea
from waymark.core.permissions import ensure_can

from .access import forget_memberships
from .models import Membership, Organisation, Service, Team, User
from .roles import role_fits_organisation


def _apply(obj: Any, fields: dict[str, Any]) -> list[str]:
    """Set fields on `obj`; return the names that changed."""
    changed = []
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


# An org-id.guide identifier: a list prefix (country code and list, as GB-CHC) and the
# organisation's id in that list.
ORG_ID_PATTERN = re.compile(r"^[A-Z]{2}-[A-Z0-9]+-\S+$")


def _org_id_clean(org_id: str) -> str:
    """An org-id.guide identifier as given, trimmed; blank for none. ValidationError for one
    that is not a list prefix and an id."""
    org_id = org_id.strip()
    if org_id and not ORG_ID_PATTERN.match(org_id):
        raise ValidationError(
            {
                "org_id": "Enter an org-id.guide identifier: a list prefix in capitals and the "
                "organisation's number in that list, like GB-CHC-1234567 or GB-COH-01234567"
            }
        )
    return org_id


@transaction.atomic
def organisation_create(
    *,
    by: User,
    name: str,
    type: str,
    short_name: str = "",
    police_force_area: PoliceForceArea | None = None,
    org_id: str = "",
) -> Organisation:
    """Add an organisation that will use Waymark (`org_id`: its org-id.guide identifier)."""
    ensure_can(by, "accounts.manage_organisations")
    organisation = Organisation(
        name=name.strip(),
        type=type,
        short_name=short_name.strip(),
        police_force_area=police_force_area,
        org_id=_org_id_clean(org_id),
    )
    organisation.full_clean()
    organisation.save()
    access_log_record(actor=by, action=AccessLog.Action.CREATE, obj=organisation, organisation=organisation)
    return organisation


@transaction.atomic
def organisation_update(*, by: User, organisation: Organisation, **fields: Any) -> Organisation:
    """Change an organisation's name, short name, type, whether it is active, its police force
    area or its org-id.guide identifier (`org_id`)."""
    ensure_can(by, "accounts.manage_organisations")
    if "org_id" in fields:
        fields = {**fields, "org_id": _org_id_clean(fields["org_id"])}
    if "type" in fields and fields["type"] != organisation.type:
        clashing = [
            m.get_role_display()
            for m in organisation.memberships.filter(is_active=True)
            if not role_fits_organisation(m.role, fields["type"])
        ]
        if clashing:
            raise ValidationError(
                {"type": f"Members hold roles that do not fit that type: {', '.join(sorted(set(clashing)))}."}
            )
    changed = _apply(organisation, fields)
    if changed:
        organisation.full_clean()
        organisation.save()
        access_log_record(
            actor=by,
            action=AccessLog.Action.CHANGE,
            obj=organisation,
            organisation=organisation,
            detail="changed " + ", ".join(changed),
        )
    return organisation


def _validate_service_owner(organisation: Organisation) -> None:
    if organisation.type != Organisation.Type.PROVIDER:
        raise ValidationError({"organisation": "Only a commissioned provider runs services."})


@transaction.atomic
def service_create(
    *,
    by: User,
    organisation: Organisation,
    name: str,
    type: str,
    description: str = "",
    first_contact_working_days: int = 2,
) -> Service:
    """Add a service to a provider."""
    ensure_can(by, "accounts.manage_organisations")
    _validate_service_owner(organisation)
    service = Service(
        organisation=organisation,
        name=name.strip(),
        type=type,
        description=description,
        first_contact_working_days=first_contact_working_days,
    )
    service.full_clean()
    service.save()
    access_log_record(actor=by, action=AccessLog.Action.CREATE, obj=service)
    return service


@transaction.atomic
def service_update(*, by: User, service: Service, **fields: Any) -> Service:
    """Change a service's details."""
    ensure_can(by, "accounts.manage_organisations")
    changed = _apply(service, fields)
    if changed:
        service.full_clean()
        service.save()
        access_log_record(
            actor=by, action=AccessLog.Action.CHANGE, obj=service, detail="changed " + ", ".join(changed)
        )
    return service


def _validate_team_service(organisation: Organisation, service: Service | None) -> None:
    if service is not None and service.organisation_id != organisation.pk:
        raise ValidationError({"service": "The service must belong to the team's organisation."})


@transaction.atomic
def team_create(*, by: User, organisation: Organisation, name: str, service: Service | None = None) -> Team:
    """Add a team to an organisation."""
    ensure_can(by, "accounts.manage_organisations")
    _validate_team_service(organisation, service)
    team = Team(organisation=organisation, name=name.strip(), service=service)
    team.full_clean()
    team.save()
    access_log_record(actor=by, action=AccessLog.Action.CREATE, obj=team)
    return team


@transaction.atomic
def team_update(*, by: User, team: Team, name: str, service: Service | None) -> Team:
    """Rename a team or change the service it works for."""
    ensure_can(by, "accounts.manage_organisations")
    _validate_team_service(team.organisation, service)
    changed = _apply(team, {"name": name.strip(), "service": service})
    if changed:
        team.full_clean()
        team.save()
        access_log_record(
            actor=by, action=AccessLog.Action.CHANGE, obj=team, detail="changed " + ", ".join(changed)
        )
    return team


def _validate_membership(organisation: Organisation, role: str, teams: Iterable[Team]) -> None:
    if not role_fits_organisation(role, organisation.type):
        raise ValidationError(
            {"role": f"That role cannot be held in a {organisation.get_type_display().lower()}."}
        )
    if any(team.organisation_id != organisation.pk for team in teams):
        raise ValidationError({"teams": "Teams must belong to the same organisation."})


@transaction.atomic
def user_create(
    *,
    by: User,
    email: str,
    full_name: str,
    organisation: Organisation,
    role: str,
    teams: Iterable[Team] = (),
    phone: str = "",
) -> User:
    """Add a person with their first role; they set a password from an e-mailed link."""
    ensure_can(by, "accounts.manage_users")
    teams = list(teams)
    _validate_membership(organisation, role, teams)
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": "Someone with that e-mail address can already sign in."})
    person = User(email=email, full_name=full_name.strip(), phone=phone)
    person.set_unusable_password()
    person.full_clean(exclude=["password"])
    person.save()
    membership = Membership.objects.create(user=person, organisation=organisation, role=role)
    membership.teams.set(teams)
    access_log_record(actor=by, action=AccessLog.Action.CREATE, obj=person, organisation=organisation)
    return person


@transaction.atomic
def user_update(*, by: User, person: User, full_name: str, phone: str) -> User:
    """Change a person's name or work phone."""
    ensure_can(by, "accounts.manage_users")
    changed = _apply(person, {"full_name": full_name.strip(), "phone": phone.strip()})
    if changed:
        person.save()
        access_log_record(
            actor=by, action=AccessLog.Action.CHANGE, obj=person, detail="changed " + ", ".join(changed)
        )
    return person


@transaction.atomic
def user_set_active(*, by: User, person: User, active: bool) -> User:
    """Let a person sign in again, or stop them signing in (their history stays)."""
    ensure_can(by, "accounts.manage_users")
    if person.pk == by.pk and not active:
        raise ValidationError("You cannot deactivate your own account.")
    if person.is_active != active:
        person.is_active = active
        person.save(update_fields=["is_active"])
        access_log_record(
            actor=by,
            action=AccessLog.Action.CHANGE,
            obj=person,
            detail="reactivated" if active else "deactivated",
        )
    return person


@transaction.atomic
def membership_add(
    *, by: User, person: User, organisation: Organisation, role: str, teams: Iterable[Team] = ()
) -> Membership:
    """Give a person a role in an organisation (reactivating one they held before)."""
    ensure_can(by, "accounts.manage_users")
    teams = list(teams)
    _validate_membership(organisation, role, teams)
    membership, created = Membership.objects.get_or_create(user=person, organisation=organisation, role=role)
    if not created and membership.is_active:
        raise ValidationError({"role": "They already hold that role there."})
    membership.is_active = True
    membership.save()
    membership.teams.set(teams)
    forget_memberships(person)
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=person,
        organisation=organisation,
        detail=f"added role {membership.get_role_display()} at {organisation.name}",
    )
    return membership


@transaction.atomic
def membership_set_teams(*, by: User, membership: Membership, teams: Iterable[Team]) -> Membership:
    """Change which teams a member belongs to."""
    ensure_can(by, "accounts.manage_users")
    teams = list(teams)
    _validate_membership(membership.organisation, membership.role, teams)
    membership.teams.set(teams)
    membership.save()  # records a history row with the new teams
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=membership.user,
        organisation=membership.organisation,
        detail="teams set to " + (", ".join(t.name for t in teams) or "none"),
    )
    return membership


@transaction.atomic
def membership_end(*, by: User, membership: Membership) -> Membership:
    """End a person's role in an organisation; the record stays for history."""
    ensure_can(by, "accounts.manage_users")
    if membership.user_id == by.pk and membership.role == Membership.Role.OPCC_ADMIN:
        raise ValidationError("You cannot end your own admin role.")
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=membership.user,
        organisation=membership.organisation,
        detail=f"ended role {membership.get_role_display()} at {membership.organisation.name}",
    )
    return membership
