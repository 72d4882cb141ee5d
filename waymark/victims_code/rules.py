"""Who may use the Victims' Code compliance pages.

The OPCC's analysts and admins and the force's Victims' Code leads see the force area's
compliance and record dip samples, complaints and review actions. Only OPCC admins correct the
Code's reference rows (rights, entitlements, metric definitions). Provider managers see only
their own services' metrics (M28), through `metrics.provider_metrics_for`. The public sees
nothing but the feedback survey, reached by its one-time link.
"""

import rules

from waymark.accounts.rules import is_force_code_lead, is_opcc_admin, is_opcc_analyst, is_provider_manager

rules.add_perm("victims_code.view_compliance", is_opcc_admin | is_opcc_analyst | is_force_code_lead)
rules.add_perm("victims_code.record_compliance", is_opcc_admin | is_opcc_analyst | is_force_code_lead)
rules.add_perm("victims_code.import_compliance", is_opcc_admin | is_opcc_analyst | is_force_code_lead)
rules.add_perm("victims_code.manage_code", is_opcc_admin)
# A provider manager sees first-contact timeliness (M28) of their own services only.
rules.add_perm("victims_code.view_own_service_metrics", is_provider_manager)
