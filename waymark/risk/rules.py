"""Who may use the risk pages at all. Which cases they may see is `Case.objects.visible_to`."""

import rules

from waymark.accounts.rules import is_caseworker, is_provider_manager

# Casework roles only: OPCC, board, force and auditors never see risk assessments.
rules.add_perm("risk.view_risk", is_caseworker | is_provider_manager)
rules.add_perm("risk.record_assessment", is_caseworker | is_provider_manager)
rules.add_perm("risk.record_incident", is_caseworker | is_provider_manager)
rules.add_perm("risk.refer_to_marac", is_caseworker | is_provider_manager)
