"""What each role may do with referrals and outreach events (rules predicates).

Which referral rows a person sees is not here: it is `Referral.objects.visible_to`. These
rules say who may use a page or action at all, and, for object permissions, whether the
person is on the *receiving* side of a referral (a referrer sees only its status).
"""

from __future__ import annotations

from typing import Any

import rules

from waymark.accounts.access import active_memberships
from waymark.accounts.roles import OrganisationType, Role
from waymark.accounts.rules import is_caseworker, is_provider_manager
from waymark.accounts.scope import casework_scope

CASEWORK_ROLES = (Role.CASEWORKER, Role.PROVIDER_MANAGER)


@rules.predicate
def is_police_staff(user: Any) -> bool:
    """Anyone with an active role in a police force (the force's Victims' Code lead, its auditor)."""
    return any(m.organisation.type == OrganisationType.POLICE_FORCE for m in active_memberships(user))


@rules.predicate
def is_provider_staff(user: Any) -> bool:
    """A caseworker or manager of a commissioned provider (who receives referrals)."""
    return any(
        m.role in CASEWORK_ROLES and m.organisation.type == OrganisationType.PROVIDER
        for m in active_memberships(user)
    )


@rules.predicate
def is_partner_staff(user: Any) -> bool:
    """A caseworker or manager of a partner agency (who makes referrals)."""
    return any(
        m.role in CASEWORK_ROLES and m.organisation.type == OrganisationType.PARTNER_AGENCY
        for m in active_memberships(user)
    )


@rules.predicate
def receives_referral(user: Any, referral: Any) -> bool:
    """The referral is in the user's casework scope (they work for the receiving service)."""
    if referral is None:
        return False
    scope = casework_scope(user)
    if scope.is_empty:
        return False
    from .models import Referral

    return (
        Referral.objects.filter(pk=referral.pk)
        .filter(scope.q(organisation="organisation_id", service="service_id", team="team_id"))
        .exists()
    )


@rules.predicate
def manages_referral_organisation(user: Any, referral: Any) -> bool:
    """The user is a provider manager of the organisation that received the referral."""
    if referral is None:
        return False
    return any(
        m.role == Role.PROVIDER_MANAGER and m.organisation_id == referral.organisation_id
        for m in active_memberships(user)
    )


# Pages: the referral list and detail (rows still come from visible_to).
rules.add_perm("referrals.view_referrals", is_caseworker | is_provider_manager)
# Record a contact attempt, triage: receiving staff only.
rules.add_perm("referrals.contact", receives_referral)
rules.add_perm("referrals.triage", receives_referral)
# Mark a possible duplicate as reviewed: the receiving organisation's managers.
rules.add_perm("referrals.review_duplicate", manages_referral_organisation)
# The referral form: partner agencies refer; providers enter phone and walk-in referrals.
rules.add_perm("referrals.create_referral", is_partner_staff | is_provider_staff)
# The police batch upload: anyone with a role in a police force.
rules.add_perm("referrals.upload_police_batch", is_police_staff)
# Outreach events: provider staff log them and the referrals taken at them.
rules.add_perm("referrals.manage_outreach", is_provider_staff)
