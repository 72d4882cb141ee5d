"""The OPCC admin's pages for organisations, services, teams and people; and the directory."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from allauth.account.forms import ResetPasswordForm
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.forms import form_flow
from waymark.core.http import AuthenticatedHttpRequest

from . import selectors, services
from .forms import (
    MembershipForm,
    MembershipTeamsForm,
    OrganisationForm,
    ServiceForm,
    TeamForm,
    UserCreateForm,
    UserUpdateForm,
)
from .models import User

manage_organisations = permission_required("accounts.manage_organisations", raise_exception=True)
manage_users = permission_required("accounts.manage_users", raise_exception=True)


def _fields(obj: Any, *names: str) -> dict[str, Any]:
    """A form's initial data from a model instance."""
    return {name: getattr(obj, name) for name in names}


@login_required
@permission_required("accounts.view_directory", raise_exception=True)
def directory(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every active service, by provider: where a referral can go."""
    return render(
        request,
        "accounts/directory.html",
        {"services": selectors.service_directory_for_user(user=request.user)},
    )


@login_required
@manage_organisations
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """All organisations, for the OPCC admin."""
    return render(
        request,
        "accounts/organisation_list.html",
        {"organisations": selectors.organisation_list_for_user(user=request.user)},
    )


@login_required
@manage_organisations
def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add an organisation."""
    return form_flow(
        request,
        form=OrganisationForm(request.POST or None),
        save=lambda data: services.organisation_create(
            by=request.user,
            name=data["name"],
            type=data["type"],
            short_name=data["short_name"],
            police_force_area=data["police_force_area"],
            org_id=data["org_id"],
        ),
        success=lambda organisation: f"{organisation.name} added.",
        then=lambda organisation: organisation,
        title="Add an organisation",
        submit="Add organisation",
        back_url=reverse("accounts:organisation_list"),
    )


@login_required
@manage_organisations
def organisation_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """An organisation with its services, teams and members."""
    organisation = selectors.organisation_get(user=request.user, public_id=public_id)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "services": organisation.services.all(),
            "teams": selectors.team_list_for_organisation(user=request.user, organisation=organisation),
            "members": selectors.membership_list_for_organisation(
                user=request.user, organisation=organisation
            ),
        },
    )


@login_required
@manage_organisations
def organisation_update(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Change an organisation."""
    organisation = selectors.organisation_get(user=request.user, public_id=public_id)
    return form_flow(
        request,
        form=OrganisationForm(
            request.POST or None,
            initial=_fields(
                organisation, "name", "short_name", "type", "is_active", "police_force_area", "org_id"
            ),
        ),
        save=lambda data: services.organisation_update(by=request.user, organisation=organisation, **data),
        success="Changes saved.",
        then=lambda _: organisation,
        title="Change organisation",
        caption=organisation.name,
        submit="Save changes",
        back_url=organisation.get_absolute_url(),
    )


@login_required
@manage_organisations
def service_create(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Add a service to a provider."""
    organisation = selectors.organisation_get(user=request.user, public_id=public_id)
    return form_flow(
        request,
        form=ServiceForm(request.POST or None),
        save=lambda data: services.service_create(
            by=request.user,
            organisation=organisation,
            name=data["name"],
            type=data["type"],
            description=data["description"],
            first_contact_working_days=data["first_contact_working_days"],
        ),
        success=lambda service: f"{service.name} added.",
        then=lambda _: organisation,
        title="Add a service",
        caption=organisation.name,
        submit="Add service",
        back_url=organisation.get_absolute_url(),
    )


@login_required
@manage_organisations
def service_update(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Change a service."""
    service = selectors.service_get(user=request.user, public_id=public_id)
    initial = _fields(service, "name", "type", "description", "first_contact_working_days", "is_active")
    return form_flow(
        request,
        form=ServiceForm(request.POST or None, initial=initial),
        save=lambda data: services.service_update(by=request.user, service=service, **data),
        success="Changes saved.",
        then=lambda _: service.organisation,
        title="Change service",
        caption=service.organisation.name,
        submit="Save changes",
        back_url=service.organisation.get_absolute_url(),
    )


@login_required
@manage_organisations
def team_create(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Add a team to an organisation."""
    organisation = selectors.organisation_get(user=request.user, public_id=public_id)
    return form_flow(
        request,
        form=TeamForm(request.POST or None, organisation=organisation),
        save=lambda data: services.team_create(by=request.user, organisation=organisation, **data),
        success=lambda team: f"{team.name} added.",
        then=lambda _: organisation,
        title="Add a team",
        caption=organisation.name,
        submit="Add team",
        back_url=organisation.get_absolute_url(),
    )


@login_required
@manage_organisations
def team_update(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Rename a team or change its service."""
    team = selectors.team_get(user=request.user, public_id=public_id)
    return form_flow(
        request,
        form=TeamForm(
            request.POST or None,
            organisation=team.organisation,
            initial={"name": team.name, "service": team.service_id},
        ),
        save=lambda data: services.team_update(by=request.user, team=team, **data),
        success="Changes saved.",
        then=lambda _: team.organisation,
        title="Change team",
        caption=team.organisation.name,
        submit="Save changes",
        back_url=team.organisation.get_absolute_url(),
    )


@login_required
@manage_users
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone who can sign in, searchable by name or e-mail."""
    search = request.GET.get("q", "").strip()[:100]
    people = selectors.user_list_for_user(user=request.user, search=search)
    return render(request, "accounts/user_list.html", {"people": people, "search": search})


@login_required
@manage_users
def user_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add a person with a role; they get an e-mail to set their password."""

    def save(data: dict[str, Any]) -> User:
        person = services.user_create(by=request.user, **data)
        reset = ResetPasswordForm(data={"email": person.email})
        if reset.is_valid():
            reset.save(request)
        return person

    return form_flow(
        request,
        form=UserCreateForm(request.POST or None),
        save=save,
        success=lambda person: f"{person.full_name} added. They have been sent a link to set a password.",
        then=lambda person: person,
        title="Add a person",
        submit="Add person",
        back_url=reverse("accounts:user_list"),
    )


@login_required
def user_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """A person's details and roles; visible to whoever may see that person, or 404."""
    person = selectors.user_get(user=request.user, public_id=public_id)
    access_log_record(actor=request.user, action=AccessLog.Action.VIEW, obj=person, request=request)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "person": person,
            "memberships": selectors.membership_list_for_person(user=request.user, person=person),
            "can_manage": request.user.has_perm("accounts.manage_users"),
        },
    )


@login_required
@manage_users
def user_update(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Change a person's name or phone."""
    person = selectors.user_get(user=request.user, public_id=public_id)
    return form_flow(
        request,
        form=UserUpdateForm(request.POST or None, initial=_fields(person, "full_name", "phone")),
        save=lambda data: services.user_update(by=request.user, person=person, **data),
        success="Changes saved.",
        then=lambda _: person,
        title="Change details",
        caption=person.full_name,
        submit="Save changes",
        back_url=person.get_absolute_url(),
    )


@login_required
@manage_users
@require_POST
def user_set_active(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Stop a person signing in, or let them again."""
    person = selectors.user_get(user=request.user, public_id=public_id)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(by=request.user, person=person, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{person.full_name} can {'now' if active else 'no longer'} sign in.")
    return redirect(person)


@login_required
@manage_users
def membership_create(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Give a person another role."""
    person = selectors.user_get(user=request.user, public_id=public_id)
    return form_flow(
        request,
        form=MembershipForm(request.POST or None),
        save=lambda data: services.membership_add(by=request.user, person=person, **data),
        success="Role added.",
        then=lambda _: person,
        title="Add a role",
        caption=person.full_name,
        submit="Add role",
        back_url=person.get_absolute_url(),
    )


@login_required
@manage_users
def membership_teams(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Change the teams of one of a person's roles."""
    membership = selectors.membership_get(user=request.user, public_id=public_id)
    return form_flow(
        request,
        form=MembershipTeamsForm(
            request.POST or None,
            organisation=membership.organisation,
            initial={"teams": [t.pk for t in membership.teams.all()]},
        ),
        save=lambda data: services.membership_set_teams(
            by=request.user, membership=membership, teams=data["teams"]
        ),
        success="Teams saved.",
        then=lambda _: membership.user,
        title="Change teams",
        caption=(
            f"{membership.user.full_name}, {membership.get_role_display()}, {membership.organisation.name}"
        ),
        submit="Save teams",
        back_url=membership.user.get_absolute_url(),
    )


@login_required
@manage_users
@require_POST
def membership_end(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """End one of a person's roles."""
    membership = selectors.membership_get(user=request.user, public_id=public_id)
    try:
        services.membership_end(by=request.user, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Role ended.")
    return redirect(membership.user)
