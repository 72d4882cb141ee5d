"""Awards in the 360Giving Data Standard: the required fields, amounts as exact JSON numbers,
the configured prefix, the OPCC as funder, the posts' areas as beneficiary locations."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from waymark.audit.models import AccessLog
from waymark.core.testing.matrix import permission_matrix
from waymark.funding.giving360 import CSV_COLUMNS, dumps_exact, geo_code_type
from waymark.funding.models import Award, AwardFunding, Funder

from .test_transfer_helpers import MOJ_SOURCE, OPCC_SOURCE, make_portfolio, make_sources

pytestmark = pytest.mark.django_db

FUNDING_VIEWERS = {"opcc_admin": 200, "opcc_analyst": 200, "board_member": 200, "anonymous": 302}
REQUIRED = {
    "id",
    "title",
    "description",
    "currency",
    "amountAwarded",
    "awardDate",
    "recipientOrganization",
    "fundingOrganization",
}


@pytest.fixture
def portfolio(world):
    return make_portfolio(world, make_sources(world))


def _json(client) -> dict:
    response = client.get(reverse("funding:giving360_download", args=["json"]))
    assert response.status_code == 200
    return json.loads(response.content, parse_float=Decimal)


@permission_matrix(FUNDING_VIEWERS, default=403)
def test_the_360giving_page(client, login_as, portfolio, role, expected) -> None:
    """The OPCC's funding roles publish; providers' managers (even their own awards) do not."""
    login_as(role)
    response = client.get(reverse("funding:giving360"))
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        assert "360G-waymark-demo-AW-HOME" in html
        assert "£1,400,307.91" in html


@permission_matrix(FUNDING_VIEWERS, default=403)
def test_the_360giving_downloads(client, login_as, portfolio, role, expected) -> None:
    login_as(role)
    for file_format in ("json", "csv"):
        assert client.get(reverse("funding:giving360_download", args=[file_format])).status_code == expected


def test_each_grant_has_the_required_fields_and_an_exact_amount(client, login_as, world, portfolio) -> None:
    """AW-HOME's lines are £1,400,307.90 and £0.01: amountAwarded is the number 1400307.91,
    written as such in the JSON text (no float rounding, no string)."""
    login_as("opcc_analyst")
    response = client.get(reverse("funding:giving360_download", args=["json"]))
    assert '"amountAwarded": 1400307.91,' in response.content.decode()
    grants = json.loads(response.content, parse_float=Decimal)["grants"]
    assert [g["id"] for g in grants] == ["360G-waymark-demo-AW-HOME", "360G-waymark-demo-AW-OTHER"]
    home = grants[0]
    assert set(home) >= REQUIRED
    assert home["amountAwarded"] == Decimal("1400307.91")
    assert home["currency"] == "GBP"
    assert home["awardDate"] == "2021-04-01"
    assert home["plannedDates"] == [{"startDate": "2021-04-01", "endDate": "2023-03-31"}]
    assert home["recipientOrganization"] == [
        {"id": f"360G-waymark-demo-ORG-{world.provider.public_id}", "name": world.provider.name}
    ]
    # The OPCC is the funder, with the identifier of the Funder that is the OPCC.
    assert home["fundingOrganization"] == [{"id": "GB-GOR-PC000099", "name": world.opcc.name}]
    assert home["grantProgramme"] == [
        {"code": "isva_idva_ring_fenced", "title": MOJ_SOURCE},
        {"code": "opcc_budget", "title": OPCC_SOURCE},
    ]
    assert home["beneficiaryLocation"][0]["geoCodeType"] == "PFA"
    assert home["beneficiaryLocation"][0]["geoCode"] == "E23000014"
    assert home["beneficiaryLocation"][1] == {
        "name": "Birmingham",
        "geoCode": "E08000025",
        "geoCodeType": "MD",
    }


def test_pennies_that_floats_lose_are_kept(client, login_as, world, portfolio) -> None:
    """0.10 + 0.20 is 0.30000000000000004 in floats; the grant says 0.30."""
    award = Award.objects.create(
        reference="AW-PENNY",
        title="Pennies",
        organisation=world.provider,
        start_on=date(2021, 4, 1),
        end_on=date(2022, 3, 31),
    )
    source = (
        AwardFunding.objects.select_related("funding_source")
        .get(pk=AwardFunding.objects.order_by("pk")[0].pk)
        .funding_source
    )
    AwardFunding.objects.create(
        award=award,
        funding_source=source,
        financial_year="2021/22",
        amount=Decimal("0.10"),
        status="confirmed",
    )
    other = AwardFunding.objects.exclude(funding_source=source).order_by("pk")[0].funding_source
    AwardFunding.objects.create(
        award=award,
        funding_source=other,
        financial_year="2021/22",
        amount=Decimal("0.20"),
        status="confirmed",
    )
    login_as("opcc_admin")
    text = client.get(reverse("funding:giving360_download", args=["json"])).content.decode()
    assert '"amountAwarded": 0.30,' in text


def test_the_prefix_is_a_setting(client, login_as, portfolio, settings) -> None:
    settings.WAYMARK_360GIVING_PREFIX = "360G-wmpcc"
    login_as("opcc_admin")
    assert _json(client)["grants"][0]["id"] == "360G-wmpcc-AW-HOME"


def test_without_a_funder_id_the_opcc_gets_one_from_the_prefix(client, login_as, world, portfolio) -> None:
    Funder.objects.filter(name=world.opcc.name).update(org_id="")
    login_as("opcc_admin")
    funder = _json(client)["grants"][0]["fundingOrganization"][0]
    assert funder == {"id": f"360G-waymark-demo-ORG-{world.opcc.public_id}", "name": world.opcc.name}


def test_drafts_are_not_published_and_awards_without_an_amount_are_listed(
    client, login_as, world, portfolio
) -> None:
    Award.objects.filter(reference="AW-OTHER").update(status=Award.Status.DRAFT)
    Award.objects.create(
        reference="AW-EMPTY",
        title="No money yet",
        organisation=world.provider,
        start_on=date(2022, 4, 1),
        end_on=date(2023, 3, 31),
    )
    login_as("opcc_admin")
    assert [g["id"] for g in _json(client)["grants"]] == ["360G-waymark-demo-AW-HOME"]
    html = client.get(reverse("funding:giving360")).content.decode()
    assert "Awards left out" in html
    assert "AW-EMPTY: No money yet" in html


def test_the_csv_uses_the_standards_column_titles(client, login_as, world, portfolio) -> None:
    login_as("opcc_admin")
    response = client.get(reverse("funding:giving360_download", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert tuple(rows[0]) == CSV_COLUMNS
    home = dict(zip(rows[0], rows[1], strict=True))
    assert home["Identifier"] == "360G-waymark-demo-AW-HOME"
    assert home["Amount Awarded"] == "1400307.91"
    assert home["Funding Org:Identifier"] == "GB-GOR-PC000099"
    assert home["Beneficiary Location:Geographic Code Type"] == "PFA"
    assert home["Grant Programme:Code"] == ""  # two programmes: titles only
    assert home["Grant Programme:Title"] == f"{MOJ_SOURCE} and {OPCC_SOURCE}"


def test_downloads_are_access_logged(client, login_as, portfolio) -> None:
    board = login_as("board_member")
    client.get(reverse("funding:giving360_download", args=["json"]))
    assert (
        AccessLog.objects.filter(
            actor=board, action=AccessLog.Action.EXPORT, record_type="funding.award"
        ).count()
        == 2
    )


def test_decimal_json_and_geo_codes() -> None:
    assert (
        dumps_exact({"a": [Decimal("3287132.89"), Decimal("-0.01")], "b": "x"})
        == '{"a": [3287132.89, -0.01], "b": "x"}'
    )
    assert json.loads(dumps_exact({"a": Decimal("1617802.00")}), parse_float=Decimal) == {
        "a": Decimal("1617802.00")
    }
    assert [geo_code_type(c) for c in ("E08000025", "E06000019", "E07000192", "E23000014", "X99")] == [
        "MD",
        "UA",
        "NMD",
        "PFA",
        "",
    ]


def test_the_award_date_is_the_decision_date_where_recorded(client, login_as, world, portfolio) -> None:
    """AW-HOME was decided on 26 February 2021: that is its awardDate; AW-OTHER has no
    decision date recorded, so its start date stands for it, in the JSON and the CSV."""
    Award.objects.filter(reference="AW-HOME").update(awarded_on=date(2021, 2, 26))
    login_as("opcc_analyst")
    grants = _json(client)["grants"]
    assert [(g["id"], g["awardDate"]) for g in grants] == [
        ("360G-waymark-demo-AW-HOME", "2021-02-26"),
        ("360G-waymark-demo-AW-OTHER", "2021-04-01"),
    ]
    assert grants[0]["plannedDates"] == [{"startDate": "2021-04-01", "endDate": "2023-03-31"}]
    response = client.get(reverse("funding:giving360_download", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["Award Date"] for row in rows] == ["2021-02-26", "2021-04-01"]


def test_the_recipient_is_identified_by_its_org_id_where_recorded(client, login_as, world, portfolio) -> None:
    """The home provider has the charity identifier GB-CHC-1234567; the other provider has
    none, so it keeps the identifier made of the prefix and its Waymark id."""
    world.provider.org_id = "GB-CHC-1234567"
    world.provider.save()
    login_as("opcc_admin")
    recipients = [g["recipientOrganization"] for g in _json(client)["grants"]]
    assert recipients == [
        [{"id": "GB-CHC-1234567", "name": world.provider.name}],
        [
            {
                "id": f"360G-waymark-demo-ORG-{world.other_provider.public_id}",
                "name": world.other_provider.name,
            }
        ],
    ]
    response = client.get(reverse("funding:giving360_download", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["Recipient Org:Identifier"] for row in rows] == [
        "GB-CHC-1234567",
        f"360G-waymark-demo-ORG-{world.other_provider.public_id}",
    ]
