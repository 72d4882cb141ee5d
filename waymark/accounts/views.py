"""The OPCC admin's pages for organisations, services, teams and people; and the directory."""

from __future__ import annotations

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
from waymark.core.forms import add_service_errors, form_page
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

manage_organisations = permission_required("accounts.manage_organisations", raise_exception=True)
manage_users = permission_required("accounts.manage_users", raise_exception=True)


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
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(
                by=request.user,
                name=form.cleaned_data["name"],
                type=form.cleaned_data["type"],
                short_name=form.cleaned_data["short_name"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{organisation.name} added.")
            return redirect(organisation)
    return form_page(
        request,
        form=form,
        title="Add an organisation",
        submit="Add organisation",
        back_url=reverse("accounts:organisation_list"),
    )


@login_required
@manage_organisations
def organisation_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """An organisation with its services, teams and members."""
    organisation = selectors.organisation_get(user=request.user, public_id=public_id)
    members = organisation.memberships.filter(is_active=True).select_related("user").prefetch_related("teams")
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "services": organisation.services.all(),
            "teams": selectors.team_list_for_organisation(user=request.user, organisation=organisation),
            "members": members,
        },
    )


@login_required
@manage_organisations
def organisation_update(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Change an organisation."""
    organisation = selectors.organisation_get(user=request.user, public_id=public_id)
    initial = {
        "name": organisation.name,
        "short_name": organisation.short_name,
        "type": organisation.type,
        "is_active": organisation.is_active,
    }
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(by=request.user, organisation=organisation, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Changes saved.")
            return redirect(organisation)
    return form_page(
        request,
        form=form,
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
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "is_active"}
        try:
            services.service_create(by=request.user, organisation=organisation, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{data['name']} added.")
            return redirect(organisation)
    return form_page(
        request,
        form=form,
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
    initial = {
        f: getattr(service, f)
        for f in ("name", "type", "description", "first_contact_working_days", "is_active")
    }
    form = ServiceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_update(by=request.user, service=service, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Changes saved.")
            return redirect(service.organisation)
    return form_page(
        request,
        form=form,
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
    form = TeamForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_create(by=request.user, organisation=organisation, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['name']} added.")
            return redirect(organisation)
    return form_page(
        request,
        form=form,
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
    form = TeamForm(
        request.POST or None,
        organisation=team.organisation,
        initial={"name": team.name, "service": team.service_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(by=request.user, team=team, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Changes saved.")
            return redirect(team.organisation)
    return form_page(
        request,
        form=form,
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
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.user_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            reset = ResetPasswordForm(data={"email": person.email})
            if reset.is_valid():
                reset.save(request)
            messages.success(
                request, f"{person.full_name} added. They have been sent a link to set a password."
            )
            return redirect(person)
    return form_page(
        request, form=form, title="Add a person", submit="Add person", back_url=reverse("accounts:user_list")
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
    form = UserUpdateForm(
        request.POST or None, initial={"full_name": person.full_name, "phone": person.phone}
    )
    if request.method == "POST" and form.is_valid():
        services.user_update(by=request.user, person=person, **form.cleaned_data)
        messages.success(request, "Changes saved.")
        return redirect(person)
    return form_page(
        request,
        form=form,
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
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_add(by=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Role added.")
            return redirect(person)
    return form_page(
        request,
        form=form,
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
    form = MembershipTeamsForm(
        request.POST or None,
        organisation=membership.organisation,
        initial={"teams": [t.pk for t in membership.teams.all()]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_set_teams(
                by=request.user, membership=membership, teams=form.cleaned_data["teams"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Teams saved.")
            return redirect(membership.user)
    return form_page(
        request,
        form=form,
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
