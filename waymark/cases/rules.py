"""What each role may do with cases (rules permissions, autodiscovered).

Which case rows a person may see is not here: that is `Case.objects.visible_to`. These say
which pages and actions a role may use, and, with a case, whether the case is theirs to work on.
"""

from __future__ import annotations

from typing import Any

import rules

from waymark.accounts.access import organisation_ids_with_role
from waymark.accounts.roles import Role
from waymark.accounts.rules import is_auditor, is_caseworker, is_provider_manager
from waymark.accounts.scope import casework_scope


@rules.predicate
def works_on_case(user: Any, case: Any) -> bool:
    """The case is in the user's own casework scope (a share to another organisation is read-only)."""
    if case is None:
        return False
    scope = casework_scope(user)
    if scope.is_empty:
        return False
    return (
        case.organisation_id in scope.managed_organisation_ids
        or case.service_id in scope.service_ids
        or case.organisation_id in scope.whole_organisation_ids
        or (case.team_id is not None and case.team_id in scope.team_ids)
        or (case.owner_id is not None and case.owner_id == scope.user_id)
    )


@rules.predicate
def manages_case_organisation(user: Any, case: Any) -> bool:
    """The user is a provider manager of the organisation that holds the case."""
    if case is None:
        return False
    return case.organisation_id in organisation_ids_with_role(user, [Role.PROVIDER_MANAGER])


@rules.predicate
def audits_case_organisation(user: Any, case: Any) -> bool:
    """The user is the auditor (DPO) of the organisation that holds the case."""
    if case is None:
        return False
    return case.organisation_id in organisation_ids_with_role(user, [Role.AUDITOR])


is_casework_role = is_provider_manager | is_caseworker

# Pages
rules.add_perm("cases.view_cases", is_casework_role)  # "My cases", the team queue, the API
rules.add_perm("cases.manage_cases", is_provider_manager)  # closures, overdue first contacts, risk lists
rules.add_perm("cases.view_disclosure_register", is_casework_role | is_auditor)

# Actions on one case (pass the case as the object)
rules.add_perm("cases.work_on_case", works_on_case)
rules.add_perm("cases.allocate_case", manages_case_organisation | works_on_case)
rules.add_perm("cases.approve_closure", manages_case_organisation)
rules.add_perm("cases.override_consent", manages_case_organisation)
rules.add_perm("cases.link_victim_case", manages_case_organisation)
rules.add_perm("cases.decide_disclosure", manages_case_organisation | audits_case_organisation)
