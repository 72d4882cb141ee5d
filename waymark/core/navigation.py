"""The service navigation: each item shows only to people whose role may use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    """One link in the service navigation and on the home page."""

    label: str
    url_name: str
    permission: str
    description: str


# In the order they appear. Later apps add their sections here.
NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "home", "accounts.use_waymark", "What needs your attention."),
    NavItem(
        "Directory",
        "accounts:directory",
        "accounts.view_directory",
        "Organisations and the services they run.",
    ),
    NavItem(
        "Referrals",
        "referrals:list",
        "referrals.view_referrals",
        "Referrals received and made; contact and triage.",
    ),
    NavItem(
        "My cases", "cases:my_cases", "cases.view_cases", "Your cases, your team's queue and the case pages."
    ),
    NavItem(
        "Case management",
        "cases:closures",
        "cases.manage_cases",
        "Closures to approve, overdue first contacts, risk lists, incoming referrals.",
    ),
    NavItem("Risk reviews", "risk:review_list", "risk.view_risk", "Risk assessments due for review."),
    NavItem("MARAC", "risk:marac_list", "risk.view_risk", "MARAC referrals due, and referrals made."),
    NavItem(
        "Outreach events",
        "referrals:event_list",
        "referrals.manage_outreach",
        "Events where staff support people on the spot.",
    ),
    NavItem(
        "Disclosure requests",
        "cases:disclosure_register",
        "cases.view_disclosure_register",
        "Police, CPS and court requests for people's records, and the decisions.",
    ),
    NavItem(
        "Upload police referrals",
        "referrals:police_upload",
        "referrals.upload_police_batch",
        "Send the force's referrals as a CSV file.",
    ),
    NavItem(
        "VAWG crimes",
        "crime:vawg",
        "crime.view_crime_data",
        "VAWG crimes recorded, by area, basis, month, offence group and victim, with a map.",
    ),
    NavItem(
        "Adult rape progression",
        "crime:rasso",
        "crime.view_crime_data",
        "Adult rape case progression and attrition: charge and withdrawal rates, timeliness, the funnel.",
    ),
    NavItem(
        "Crime data imports",
        "crime:imports",
        "crime.import_crime_data",
        "Upload the force's extract: crimes and their case-progression events.",
    ),
    NavItem(
        "Victims' Code compliance",
        "victims_code:overview",
        "victims_code.view_compliance",
        "Per right: is the Code met, on time? Trend, breakdowns, equity gaps and the quarterly return.",
    ),
    NavItem(
        "Victims' voice",
        "victims_code:voice",
        "victims_code.view_compliance",
        "What the force records against what victims remember, per right, and the survey links.",
    ),
    NavItem(
        "Code complaints",
        "victims_code:complaints",
        "victims_code.view_compliance",
        "Victims' Code complaints (Right 12): handling times and outcomes.",
    ),
    NavItem(
        "Compliance actions",
        "victims_code:reviews",
        "victims_code.view_compliance",
        "Review meetings and the actions agreed, overdue ones flagged.",
    ),
    NavItem(
        "Dip-sample audits",
        "victims_code:audits",
        "victims_code.view_compliance",
        "Case records checked against each entitlement of the Code.",
    ),
    NavItem(
        "Victims' Code imports",
        "victims_code:imports",
        "victims_code.import_compliance",
        "Load the force's Code duties and agencies' aggregate returns.",
    ),
    NavItem(
        "The Victims' Code",
        "victims_code:code",
        "victims_code.view_compliance",
        "The Code's rights and entitlements, their deadlines and sources.",
    ),
    NavItem(
        "First contact timeliness",
        "victims_code:provider_metrics",
        "victims_code.view_own_service_metrics",
        "Your services' first contact with referred victims (Victims' Code metric M28).",
    ),
    NavItem(
        "Funding",
        "funding:overview",
        "funding.view_funding",
        "Confirmed and indicative money by year, awards, posts, match funding, returns and scenarios.",
    ),
    NavItem(
        "Awards and posts",
        "funding:awards",
        "funding.submit_returns",
        "Your organisation's awards, their funding by source and year, and the posts they pay for.",
    ),
    NavItem(
        "Monitoring returns",
        "funding:returns",
        "funding.view_returns",
        "Returns per period: spend, outputs, narrative and risks; what is due and late.",
    ),
    NavItem(
        "Returns",
        "returns:provider_return",
        "returns.view_provider_return",
        "Quarterly provider returns: referrals, first contact, cases and outcomes.",
    ),
    NavItem(
        "Organisations",
        "accounts:organisation_list",
        "accounts.manage_organisations",
        "Add and change organisations, services and teams.",
    ),
    NavItem(
        "People", "accounts:user_list", "accounts.manage_users", "Add people, give them roles and teams."
    ),
    NavItem(
        "API tokens", "api_tokens:list", "api.manage_tokens", "Tokens for systems that send data to Waymark."
    ),
    NavItem(
        "Access log", "audit:search", "audit.view_access_log", "Who viewed or changed which record, and when."
    ),
    NavItem("Jobs", "jobs:list", "accounts.use_waymark", "Background jobs you started and their progress."),
    NavItem(
        "Maintenance",
        "jobs:maintenance",
        "core.run_maintenance",
        "Re-encrypt sensitive fields after a key change.",
    ),
)


def nav_items_for(user: Any) -> list[NavItem]:
    """The items `user` may use, in order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [item for item in NAV_ITEMS if user.has_perm(item.permission)]


def navigation_context(request: HttpRequest) -> list[dict[str, Any]]:
    """The service navigation as govukServiceNavigation expects it."""
    items = []
    for item in nav_items_for(request.user):
        href = reverse(item.url_name)
        active = request.path == href if href == "/" else request.path.startswith(href)
        items.append({"text": item.label, "href": href, "active": active})
    return items
