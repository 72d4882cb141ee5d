"""Permissions as rules predicates: what each role may do, checked with `user.has_perm`.

Object-level visibility is not here; it is in each model's `visible_to`. These rules say
which pages and actions a role may use at all.
"""

from typing import Any

import rules

from .access import has_role
from .roles import Role


def _role_predicate(*roles: Role) -> rules.Predicate:
    names = "_or_".join(r.value for r in roles)

    @rules.predicate(name=f"has_role_{names}")
    def predicate(user: Any) -> bool:
        return has_role(user, *roles)

    return predicate


is_opcc_admin = _role_predicate(Role.OPCC_ADMIN)
is_opcc_analyst = _role_predicate(Role.OPCC_ANALYST)
is_board_member = _role_predicate(Role.BOARD_MEMBER)
is_force_code_lead = _role_predicate(Role.FORCE_CODE_LEAD)
is_provider_manager = _role_predicate(Role.PROVIDER_MANAGER)
is_caseworker = _role_predicate(Role.CASEWORKER)
is_auditor = _role_predicate(Role.AUDITOR)
is_member = _role_predicate(*Role)

rules.add_perm("accounts.use_waymark", is_member)
rules.add_perm("accounts.manage_organisations", is_opcc_admin)
rules.add_perm("accounts.manage_users", is_opcc_admin)
rules.add_perm("accounts.view_directory", is_member)
rules.add_perm("audit.view_access_log", is_auditor)
rules.add_perm("api.manage_tokens", is_opcc_admin | is_provider_manager | is_force_code_lead)
rules.add_perm("core.run_maintenance", is_opcc_admin)
