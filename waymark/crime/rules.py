"""Who may use the crime data pages: the OPCC's analysts and admins and the force's leads.

They see aggregates only, small numbers suppressed; nobody gets a crime row in a page. Only the
OPCC's admins publish the VAWG and RASSO classification rules, which change every figure.
"""

import rules

from waymark.accounts.rules import is_force_code_lead, is_opcc_admin, is_opcc_analyst

rules.add_perm("crime.view_crime_data", is_opcc_admin | is_opcc_analyst | is_force_code_lead)
rules.add_perm("crime.import_crime_data", is_opcc_admin | is_opcc_analyst)
rules.add_perm("crime.manage_classification", is_opcc_admin)
