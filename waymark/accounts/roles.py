"""The roles a person holds in an organisation, and which organisation types each fits."""

from django.db import models


class OrganisationType(models.TextChoices):
    OPCC = "opcc", "Office of the Police and Crime Commissioner"
    POLICE_FORCE = "police_force", "Police force"
    PROVIDER = "provider", "Commissioned provider"
    PARTNER_AGENCY = "partner_agency", "Partner agency"


class Role(models.TextChoices):
    OPCC_ADMIN = "opcc_admin", "OPCC admin"
    OPCC_ANALYST = "opcc_analyst", "OPCC analyst"
    BOARD_MEMBER = "board_member", "Board member"
    FORCE_CODE_LEAD = "force_code_lead", "Force Victims' Code lead"
    PROVIDER_MANAGER = "provider_manager", "Provider manager"
    CASEWORKER = "caseworker", "Caseworker"
    AUDITOR = "auditor", "Auditor or data protection officer"


# Which organisation types a role may be held in. A partner agency's staff refer people
# to commissioned services, so they hold caseworker and manager roles there too.
ROLE_ORGANISATION_TYPES: dict[str, frozenset[str]] = {
    Role.OPCC_ADMIN: frozenset({OrganisationType.OPCC}),
    Role.OPCC_ANALYST: frozenset({OrganisationType.OPCC}),
    Role.BOARD_MEMBER: frozenset({OrganisationType.OPCC}),
    Role.FORCE_CODE_LEAD: frozenset({OrganisationType.POLICE_FORCE}),
    Role.PROVIDER_MANAGER: frozenset({OrganisationType.PROVIDER, OrganisationType.PARTNER_AGENCY}),
    Role.CASEWORKER: frozenset({OrganisationType.PROVIDER, OrganisationType.PARTNER_AGENCY}),
    Role.AUDITOR: frozenset(OrganisationType.values),
}


def role_fits_organisation(role: str, organisation_type: str) -> bool:
    """Whether `role` may be held in an organisation of `organisation_type`."""
    return organisation_type in ROLE_ORGANISATION_TYPES.get(role, frozenset())
