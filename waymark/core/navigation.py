"""The service navigation: each item shows only to people whose role may use it.

Related pages are grouped in sections. A section is one link in the service navigation, to a
page listing its pages; on each of them a sub-navigation links its siblings. A person who may
use only one page of a section sees that page's own link instead: a section of one is no help.
GOV.UK's service navigation is meant for a few links; an OPCC administrator may use 20 pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavSection:
    """A group of related pages: one link in the service navigation, and a page listing them."""

    slug: str
    label: str
    description: str


SECTIONS: dict[str, NavSection] = {
    section.slug: section
    for section in (
        NavSection(
            "cases",
            "Cases",
            "Referrals, cases, risk reviews and MARAC, outreach events and disclosure requests.",
        ),
        NavSection(
            "crime-data",
            "Crime data",
            "VAWG crimes, adult rape case progression and attrition, and the force's extract.",
        ),
        NavSection(
            "victims-code",
            "Victims' Code",
            "Whether victims get their 12 rights, what victims say, complaints, reviews and audits.",
        ),
        NavSection(
            "funding",
            "Funding",
            "Money by source and year, awards and the posts they pay for, and returns to funders.",
        ),
        NavSection(
            "administration",
            "Administration",
            "Organisations, people, API tokens, the access log and maintenance.",
        ),
    )
}


@dataclass(frozen=True)
class NavItem:
    """One page in the service navigation and on the home page; `section`, a key of
    `SECTIONS`, groups it with related pages ("" for a page that stands alone)."""

    label: str
    url_name: str
    permission: str
    description: str
    section: str = ""


# In the order they appear; a section stands where its first item does.
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
        section="cases",
    ),
    NavItem(
        "My cases",
        "cases:my_cases",
        "cases.view_cases",
        "Your cases, your team's queue and the case pages.",
        section="cases",
    ),
    NavItem(
        "Case management",
        "cases:closures",
        "cases.manage_cases",
        "Closures to approve, overdue first contacts, risk lists, incoming referrals.",
        section="cases",
    ),
    NavItem(
        "Risk reviews",
        "risk:review_list",
        "risk.view_risk",
        "Risk assessments due for review.",
        section="cases",
    ),
    NavItem(
        "MARAC",
        "risk:marac_list",
        "risk.view_risk",
        "MARAC referrals due, and referrals made.",
        section="cases",
    ),
    NavItem(
        "Outreach events",
        "referrals:event_list",
        "referrals.manage_outreach",
        "Events where staff support people on the spot.",
        section="cases",
    ),
    NavItem(
        "Disclosure requests",
        "cases:disclosure_register",
        "cases.view_disclosure_register",
        "Police, CPS and court requests for people's records, and the decisions.",
        section="cases",
    ),
    NavItem(
        "Upload police referrals",
        "referrals:police_upload",
        "referrals.upload_police_batch",
        "Send the force's referrals as a CSV file.",
        section="cases",
    ),
    NavItem(
        "VAWG crimes",
        "crime:vawg",
        "crime.view_crime_data",
        "VAWG crimes recorded, by area, basis, month, offence group and victim, with a map.",
        section="crime-data",
    ),
    NavItem(
        "Adult rape progression",
        "crime:rasso",
        "crime.view_crime_data",
        "Adult rape case progression and attrition: charge and withdrawal rates, timeliness, the funnel.",
        section="crime-data",
    ),
    NavItem(
        "Crime data imports",
        "crime:imports",
        "crime.import_crime_data",
        "Upload the force's extract: crimes and their case-progression events.",
        section="crime-data",
    ),
    NavItem(
        "Victims' Code compliance",
        "victims_code:overview",
        "victims_code.view_compliance",
        "Per right: is the Code met, on time? Trend, breakdowns, equity gaps and the quarterly return.",
        section="victims-code",
    ),
    NavItem(
        "Victims' voice",
        "victims_code:voice",
        "victims_code.view_compliance",
        "What the force records against what victims remember, per right, and the survey links.",
        section="victims-code",
    ),
    NavItem(
        "Code complaints",
        "victims_code:complaints",
        "victims_code.view_compliance",
        "Victims' Code complaints (Right 12): handling times and outcomes.",
        section="victims-code",
    ),
    NavItem(
        "Compliance actions",
        "victims_code:reviews",
        "victims_code.view_compliance",
        "Review meetings and the actions agreed, overdue ones flagged.",
        section="victims-code",
    ),
    NavItem(
        "Dip-sample audits",
        "victims_code:audits",
        "victims_code.view_compliance",
        "Case records checked against each entitlement of the Code.",
        section="victims-code",
    ),
    NavItem(
        "Victims' Code imports",
        "victims_code:imports",
        "victims_code.import_compliance",
        "Load the force's Code duties and agencies' aggregate returns.",
        section="victims-code",
    ),
    NavItem(
        "The Victims' Code",
        "victims_code:code",
        "victims_code.view_compliance",
        "The Code's rights and entitlements, their deadlines and sources.",
        section="victims-code",
    ),
    NavItem(
        "First contact timeliness",
        "victims_code:provider_metrics",
        "victims_code.view_own_service_metrics",
        "Your services' first contact with referred victims (Victims' Code metric M28).",
        section="victims-code",
    ),
    NavItem(
        "Funding",
        "funding:overview",
        "funding.view_funding",
        "Confirmed and indicative money by year, awards, posts, match funding, returns and scenarios.",
        section="funding",
    ),
    NavItem(
        "Awards and posts",
        "funding:awards",
        "funding.submit_returns",
        "Your organisation's awards, their funding by source and year, and the posts they pay for.",
        section="funding",
    ),
    NavItem(
        "Monitoring returns",
        "funding:returns",
        "funding.view_returns",
        "Returns per period: spend, outputs, narrative and risks; what is due and late.",
        section="funding",
    ),
    NavItem(
        "Returns",
        "returns:provider_return",
        "returns.view_provider_return",
        "Quarterly provider returns: referrals, first contact, cases and outcomes.",
        section="funding",
    ),
    NavItem(
        "Organisations",
        "accounts:organisation_list",
        "accounts.manage_organisations",
        "Add and change organisations, services and teams.",
        section="administration",
    ),
    NavItem(
        "People",
        "accounts:user_list",
        "accounts.manage_users",
        "Add people, give them roles and teams.",
        section="administration",
    ),
    NavItem(
        "API tokens",
        "api_tokens:list",
        "api.manage_tokens",
        "Tokens for systems that send data to Waymark.",
        section="administration",
    ),
    NavItem(
        "Access log",
        "audit:search",
        "audit.view_access_log",
        "Who viewed or changed which record, and when.",
        section="administration",
    ),
    NavItem("Jobs", "jobs:list", "accounts.use_waymark", "Background jobs you started and their progress."),
    NavItem(
        "Maintenance",
        "jobs:maintenance",
        "core.run_maintenance",
        "Re-encrypt sensitive fields after a key change.",
        section="administration",
    ),
)


def nav_items_for(user: Any) -> list[NavItem]:
    """The items `user` may use, in order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [item for item in NAV_ITEMS if user.has_perm(item.permission)]


@dataclass
class NavGroup:
    """A section's items that one person may use, or (`section` None) one item on its own."""

    section: NavSection | None
    items: list[NavItem] = field(default_factory=list)

    @property
    def is_section(self) -> bool:
        """Shown as a section: a section of which the person may use more than one page."""
        return self.section is not None and len(self.items) > 1


def nav_groups_for(user: Any) -> list[NavGroup]:
    """The items `user` may use, grouped by section, each section where its first item stands."""
    groups: list[NavGroup] = []
    by_section: dict[str, NavGroup] = {}
    for item in nav_items_for(user):
        if not item.section:
            groups.append(NavGroup(None, [item]))
            continue
        if item.section not in by_section:
            by_section[item.section] = NavGroup(SECTIONS[item.section])
            groups.append(by_section[item.section])
        by_section[item.section].items.append(item)
    return groups


def _current(path: str, hrefs: list[str]) -> str | None:
    """The href of the page `path` is in: the longest that begins it ("/" only for itself)."""
    matches = [href for href in hrefs if path == href or (href != "/" and path.startswith(href))]
    return max(matches, key=len, default=None)


def navigation_context(request: HttpRequest) -> dict[str, Any]:
    """The service navigation as govukServiceNavigation expects it, and the sub-navigation of
    the section the page is in (None outside one).

    A link to the very page shown is `current` (`aria-current="page"`); a link to the page or
    section a deeper page belongs to is `active` (`aria-current="true"`), as GOV.UK Frontend has it.
    """
    path = request.path
    groups = nav_groups_for(request.user)
    hrefs = {item.url_name: reverse(item.url_name) for group in groups for item in group.items}
    within = _current(path, list(hrefs.values()))
    navigation: list[dict[str, Any]] = []
    sub_navigation: dict[str, Any] | None = None
    for group in groups:
        links = [
            {
                "text": item.label,
                "href": hrefs[item.url_name],
                "active": hrefs[item.url_name] == within,
                "current": hrefs[item.url_name] == path,
            }
            for item in group.items
        ]
        if not group.is_section:
            navigation.append(links[0])
            continue
        assert group.section is not None  # is_section says so
        href = reverse("section", args=[group.section.slug])
        inside = any(link["active"] for link in links)
        navigation.append(
            {"text": group.section.label, "href": href, "active": inside, "current": path == href}
        )
        if inside:
            sub_navigation = {"label": group.section.label, "links": links}
    return {"navigation": navigation, "section_navigation": sub_navigation}
