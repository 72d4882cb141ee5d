"""Reads of organisations, services, teams and people, all through `visible_to`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet

from waymark.core.home import HomePanel
from waymark.core.visibility import get_visible_or_404

from .access import active_memberships, has_role, organisation_ids_with_role, team_ids
from .models import Membership, Organisation, Service, Team, User
from .roles import Role


def organisation_list_for_user(*, user: Any) -> QuerySet[Organisation]:
    """Organisations the user may see, with counts of their services and active members."""
    return Organisation.objects.visible_to(user).annotate(
        service_count=Count("services", distinct=True),
        member_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True),
    )


def organisation_get(*, user: Any, public_id: UUID) -> Organisation:
    """One organisation the user may see, or 404."""
    return get_visible_or_404(Organisation.objects.all(), user=user, public_id=public_id)


def service_get(*, user: Any, public_id: UUID) -> Service:
    """One service the user may see, or 404."""
    return get_visible_or_404(Service.objects.select_related("organisation"), user=user, public_id=public_id)


def team_get(*, user: Any, public_id: UUID) -> Team:
    """One team the user may see, or 404."""
    return get_visible_or_404(Team.objects.select_related("organisation"), user=user, public_id=public_id)


def team_list_for_organisation(*, user: Any, organisation: Organisation) -> QuerySet[Team]:
    """The organisation's teams, if the user may see them."""
    return Team.objects.visible_to(user).filter(organisation=organisation).select_related("service")


def service_directory_for_user(*, user: Any) -> QuerySet[Service]:
    """Active services of active organisations: the directory every member may browse."""
    return (
        Service.objects.visible_to(user)
        .filter(is_active=True, organisation__is_active=True)
        .select_related("organisation")
    )


def user_list_for_user(*, user: Any, search: str = "") -> QuerySet[User]:
    """People the user may see, optionally narrowed by a name or e-mail search."""
    people = User.objects.visible_to(user)
    if search:
        people = people.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    return people.prefetch_related("memberships__organisation")


def casework_staff_of(*, organisation_id: int) -> QuerySet[User]:
    """The active caseworkers and managers of one provider: who may own its cases.

    Not a visibility door: callers use it only after checking the person may work on a
    record of that organisation (allocating a case, accepting a referral), and show names only.
    """
    return User.objects.filter(
        is_active=True,
        memberships__organisation_id=organisation_id,
        memberships__role__in=[Role.CASEWORKER, Role.PROVIDER_MANAGER],
        memberships__is_active=True,
    ).distinct()


def user_get(*, user: Any, public_id: UUID) -> User:
    """One person the user may see, or 404."""
    return get_visible_or_404(User.objects.get_queryset(), user=user, public_id=public_id)


def membership_list_for_person(*, user: Any, person: User) -> QuerySet[Membership]:
    """A person's memberships that the user may see."""
    return (
        Membership.objects.visible_to(user)
        .filter(user=person)
        .select_related("organisation")
        .prefetch_related("teams")
    )


def membership_list_for_organisation(*, user: Any, organisation: Organisation) -> QuerySet[Membership]:
    """An organisation's active memberships that the user may see."""
    return (
        Membership.objects.visible_to(user)
        .filter(organisation=organisation, is_active=True)
        .select_related("user")
        .prefetch_related("teams")
    )


def membership_get(*, user: Any, public_id: UUID) -> Membership:
    """One membership the user may see, or 404."""
    return get_visible_or_404(
        Membership.objects.select_related("user", "organisation"), user=user, public_id=public_id
    )


def home_panels_for_user(*, user: Any) -> list[HomePanel]:
    """The home page's panels for the user's roles; only figures they may see."""
    memberships = active_memberships(user)
    panels = [
        HomePanel(
            title="Your roles",
            rows=[(m.organisation.name, m.get_role_display()) for m in memberships],
        )
    ]
    if has_role(user, Role.OPCC_ADMIN):
        panels.append(
            HomePanel(
                title="Organisations and people",
                rows=[
                    ("Active organisations", str(Organisation.objects.filter(is_active=True).count())),
                    ("Active services", str(Service.objects.filter(is_active=True).count())),
                    ("People who can sign in", str(User.objects.filter(is_active=True).count())),
                ],
            )
        )
    managed = organisation_ids_with_role(user, [Role.PROVIDER_MANAGER])
    if managed:
        panels.append(
            HomePanel(
                title="Your organisation",
                rows=[
                    (
                        "Services",
                        str(Service.objects.filter(organisation_id__in=managed, is_active=True).count()),
                    ),
                    ("Teams", str(Team.objects.filter(organisation_id__in=managed).count())),
                    (
                        "Staff",
                        str(
                            Membership.objects.filter(organisation_id__in=managed, is_active=True)
                            .values("user")
                            .distinct()
                            .count()
                        ),
                    ),
                ],
            )
        )
    my_teams = team_ids(user)
    if has_role(user, Role.CASEWORKER):
        panels.append(
            HomePanel(
                title="Your teams",
                rows=[
                    (team.name, team.service.name if team.service else "All services")
                    for team in Team.objects.filter(pk__in=my_teams).select_related("service")
                ]
                or [("No team yet", "Ask your manager to add you to a team.")],
            )
        )
    if has_role(user, Role.OPCC_ANALYST, Role.BOARD_MEMBER):
        by_type = (
            Service.objects.filter(is_active=True, organisation__is_active=True)
            .values("type")
            .annotate(n=Count("id"))
            .order_by("type")
        )
        labels = dict(Service.Type.choices)
        panels.append(
            HomePanel(
                title="Commissioned services",
                rows=[(labels.get(row["type"], row["type"]), str(row["n"])) for row in by_type],
            )
        )
    return panels
