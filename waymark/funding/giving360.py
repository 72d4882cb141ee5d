"""Awards in the 360Giving Data Standard, as JSON (a package of `grants`) and as CSV (the
standard's one-grant-per-row column titles). Field names follow the standard's reference
(https://standard.threesixtygiving.org/en/latest/technical/reference/) and its grants sheet
template; see docs/funding-import-export.md.

- `id`: the publisher prefix (settings.WAYMARK_360GIVING_PREFIX; a real publisher registers
  one with 360Giving) and the award's reference.
- `amountAwarded`: the sum of the award's funding lines (indicative and confirmed), or its
  stated total where it has no lines, written as a JSON number to the penny (never through a
  float).
- `awardDate`: the day the award was decided (`Award.awarded_on`) where it is recorded; where
  it is not, the award's start date stands for it (the standard allows a proxy date).
- `recipientOrganization`: the provider, with its org-id.guide identifier
  (`Organisation.org_id`, e.g. GB-CHC-1234567) where it is recorded; where it is not, an
  identifier made of the prefix, `ORG` and the provider's Waymark id.
- `fundingOrganization`: the OPCC, with the 360Giving identifier of the `Funder` that is the
  OPCC where one is recorded.
- `beneficiaryLocation`: the police force area, then each local authority the award's posts
  cover, with ONS codes and the standard's geoCodeType codes (PFA, MD, UA, NMD, LONB).

Draft awards are not published, nor awards with no amount.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch

from waymark.accounts.models import Organisation
from waymark.core.models import LocalAuthority, PoliceForceArea

from .models import Award, AwardFunding, FundedPost, Funder, FundingSource

DEFAULT_PREFIX = "360G-waymark-demo"

# The 360Giving geoCodeType codelist, by the entity part of an ONS code (E08 -> MD...).
GEO_CODE_TYPES: dict[str, str] = {
    "E06": "UA",
    "W06": "UA",
    "E07": "NMD",
    "E08": "MD",
    "E09": "LONB",
    "E23": "PFA",
    "W15": "PFA",
}

CSV_COLUMNS: tuple[str, ...] = (
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Code",
    "Grant Programme:Title",
    "Beneficiary Location:Name",
    "Beneficiary Location:Geographic Code",
    "Beneficiary Location:Geographic Code Type",
)


def prefix() -> str:
    """The publisher's 360Giving identifier prefix."""
    return str(getattr(settings, "WAYMARK_360GIVING_PREFIX", DEFAULT_PREFIX) or DEFAULT_PREFIX)


def _identifier(*parts: str) -> str:
    """An identifier with no spaces (the standard asks for stable ids without them)."""
    return "-".join(re.sub(r"\s+", "-", part.strip()) for part in parts if part)


def geo_code_type(code: str) -> str:
    """The 360Giving geoCodeType of an ONS GSS code; "" for one not in the list."""
    return GEO_CODE_TYPES.get(code[:3].upper(), "")


@dataclass(frozen=True)
class FundingOrg:
    id: str
    name: str


def funding_organisation() -> FundingOrg:
    """The OPCC as the grant maker: its name from the OPCC organisation; its identifier from
    the `Funder` of the same name (or short name), or of the OPCC's own budget, where that has
    a 360Giving identifier; otherwise one made from the prefix."""
    force_area = getattr(settings, "WAYMARK_POLICE_FORCE_AREA", "")
    opccs = Organisation.objects.filter(type=Organisation.Type.OPCC).order_by("id")
    opcc = opccs.filter(police_force_area__code=force_area).first() or opccs.first()
    name = opcc.name if opcc else "Office of the Police and Crime Commissioner"
    names = {name.casefold()} | ({opcc.short_name.casefold()} if opcc and opcc.short_name else set())
    funders = [
        f
        for f in Funder.objects.exclude(org_id="")
        if f.name.casefold() in names or f.short_name.casefold() in names
    ]
    if not funders:
        funders = list(
            Funder.objects.exclude(org_id="")
            .filter(sources__programme=FundingSource.Programme.OPCC_BUDGET)
            .distinct()
            .order_by("name")
        )
    if funders:
        return FundingOrg(funders[0].org_id, name)
    return FundingOrg(_identifier(prefix(), "ORG", str(opcc.public_id) if opcc else "opcc"), name)


def recipient_identifier(organisation: Organisation) -> str:
    """The provider's org-id.guide identifier where recorded; otherwise one made of the prefix,
    `ORG` and its Waymark id (stable, but meaning nothing outside this publisher's data)."""
    return organisation.org_id or _identifier(prefix(), "ORG", str(organisation.public_id))


def _awards(user: Any) -> list[Award]:
    posts = FundedPost.objects.prefetch_related("local_authorities")
    lines = AwardFunding.objects.select_related("funding_source")
    return list(
        Award.objects.visible_to(user)
        .exclude(status=Award.Status.DRAFT)
        .select_related("organisation")
        .prefetch_related(Prefetch("funding_lines", queryset=lines), Prefetch("posts", queryset=posts))
        .order_by("reference")
    )


def amount_awarded(award: Award) -> Decimal | None:
    """The funding lines' total, or the stated total where there are no lines (to the penny)."""
    lines = list(award.funding_lines.all())
    if lines:
        return sum((line.amount for line in lines), Decimal("0.00")).quantize(Decimal("0.01"))
    return award.stated_total


def _locations(award: Award, force: PoliceForceArea | None) -> list[dict[str, str]]:
    areas: dict[str, LocalAuthority] = {}
    for post in award.posts.all():
        for area in post.local_authorities.all():
            areas[area.code] = area
    locations = []
    if force is not None:
        locations.append(
            {"name": force.name, "geoCode": force.code, "geoCodeType": geo_code_type(force.code)}
        )
    for code in sorted(areas):
        locations.append({"name": areas[code].name, "geoCode": code, "geoCodeType": geo_code_type(code)})
    return locations


@dataclass
class Giving360:
    """The grants (360Giving objects, amounts as Decimal), the awards they come from, and the
    awards left out because they have no amount."""

    grants: list[dict[str, Any]]
    awards: list[Award]
    left_out: list[Award]


def giving360_grants(*, user: Any) -> Giving360:
    """The grants this person may see (not drafts), in reference order."""
    funder = funding_organisation()
    force = PoliceForceArea.objects.filter(code=getattr(settings, "WAYMARK_POLICE_FORCE_AREA", "")).first()
    grants: list[dict[str, Any]] = []
    included: list[Award] = []
    left_out: list[Award] = []
    for award in _awards(user):
        amount = amount_awarded(award)
        if amount is None:
            left_out.append(award)
            continue
        sources = {line.funding_source.pk: line.funding_source for line in award.funding_lines.all()}
        grant: dict[str, Any] = {
            "id": _identifier(prefix(), award.reference),
            "title": award.title,
            "description": award.description or award.title,
            "currency": "GBP",
            "amountAwarded": amount,
            "awardDate": (award.awarded_on or award.start_on).isoformat(),
            "plannedDates": [{"startDate": award.start_on.isoformat(), "endDate": award.end_on.isoformat()}],
            "recipientOrganization": [
                {
                    "id": recipient_identifier(award.organisation),
                    "name": award.organisation.name,
                }
            ],
            "fundingOrganization": [{"id": funder.id, "name": funder.name}],
        }
        if sources:
            grant["grantProgramme"] = [
                {"code": source.programme, "title": source.name}
                for source in sorted(sources.values(), key=lambda s: s.name)
            ]
        locations = _locations(award, force)
        if locations:
            grant["beneficiaryLocation"] = locations
        grants.append(grant)
        included.append(award)
    return Giving360(grants, included, left_out)


_MARK = "\ue000decimal:"


def dumps_exact(value: Any, **kwargs: Any) -> str:
    """JSON text in which every Decimal is a number written exactly as the Decimal
    (1400307.91 stays 1400307.91; it never passes through a float)."""
    numbers: list[str] = []

    def mark(item: Any) -> Any:
        if isinstance(item, Decimal):
            numbers.append(format(item, "f"))
            return f"{_MARK}{len(numbers) - 1}"
        if isinstance(item, dict):
            return {key: mark(inner) for key, inner in item.items()}
        if isinstance(item, list | tuple):
            return [mark(inner) for inner in item]
        return item

    text = json.dumps(mark(value), ensure_ascii=False, **kwargs)
    return re.sub(
        r'"\\ue000decimal:(\d+)"|"\ue000decimal:(\d+)"',
        lambda m: numbers[int(m.group(1) or m.group(2))],
        text,
    )


def giving360_json(*, grants: list[dict[str, Any]]) -> str:
    """A 360Giving data package: `{"grants": [...]}`."""
    return dumps_exact({"grants": grants}, indent=2)


def giving360_csv_rows(*, grants: list[dict[str, Any]]) -> list[list[object]]:
    """One row per grant in the standard's column titles. One beneficiary location fits a
    row: the first (the police force area); the JSON lists every local authority too."""
    rows: list[list[object]] = []
    for grant in grants:
        programmes = grant.get("grantProgramme", [])
        location = (grant.get("beneficiaryLocation") or [{}])[0]
        rows.append(
            [
                grant["id"],
                grant["title"],
                grant["description"],
                grant["currency"],
                grant["amountAwarded"],
                grant["awardDate"],
                grant["plannedDates"][0]["startDate"],
                grant["plannedDates"][0]["endDate"],
                grant["recipientOrganization"][0]["id"],
                grant["recipientOrganization"][0]["name"],
                grant["fundingOrganization"][0]["id"],
                grant["fundingOrganization"][0]["name"],
                programmes[0]["code"] if len(programmes) == 1 else "",
                " and ".join(p["title"] for p in programmes),
                location.get("name", ""),
                location.get("geoCode", ""),
                location.get("geoCodeType", ""),
            ]
        )
    return rows
