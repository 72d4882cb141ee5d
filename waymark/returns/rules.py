"""Who may use the provider returns pages at all (which services each sees is in the views)."""

import rules

from waymark.accounts.rules import is_board_member, is_opcc_admin, is_opcc_analyst, is_provider_manager

rules.add_perm(
    "returns.view_provider_return", is_provider_manager | is_opcc_admin | is_opcc_analyst | is_board_member
)
