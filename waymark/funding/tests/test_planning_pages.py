"""The planning pages: who may see them (the plan is the OPCC's, so no provider, not even the one
whose posts are in it), what they show, the CSV and XLSX downloads and bad scenario input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from waymark.audit.models import AccessLog
from waymark.core.testing.matrix import permission_matrix
from waymark.funding.models import FundingStatus

from .planning_builders import YEAR_2, build_case, funding_line, share
from .returns_builders import assert_xlsx_matches_csv

pytestmark = pytest.mark.django_db

PLAN_VIEWERS = {"opcc_admin": 200, "opcc_analyst": 200, "board_member": 200, "anonymous": 302}


@pytest.fixture
def case(world):
    built = build_case(world.provider)
    funding_line(built.award, built.ring_fenced, YEAR_2, "40000.50", FundingStatus.INDICATIVE)
    return built


@permission_matrix(PLAN_VIEWERS, default=403)
def test_the_plan_page(client, login_as, case, role, expected) -> None:
    """The OPCC's admins and analysts and its board see the plan; providers' managers (of this
    provider or another), caseworkers, auditors and partners get 403."""
    login_as(role)
    response = client.get(reverse("funding:overview"))
    assert response.status_code == expected
    if expected == 200:
        text = response.content.decode()
        # A 2026/27: 100,000.00 - 5,000.00 - 40,000.50.
        assert "£54,999.50" in text
        assert "Ring-fenced IDVA and ISVA fund" in text
        assert 'id="funding-plan-table"' in text
        assert "<svg" in text


@permission_matrix(PLAN_VIEWERS, default=403)
def test_the_plan_download(client, login_as, case, role, expected) -> None:
    login_as(role)
    response = client.get(reverse("funding:overview_download"), {"year": YEAR_2})
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"].startswith("text/csv")
        lines = response.content.decode().splitlines()
        assert lines[0].startswith("Financial year,Funding source,Funder,Confirmed allocation")
        assert (
            '2026/27,"Total, 2026/27",,25500.00,100000.00,125500.00,5000.00,0.00,40000.50,40000.50,80499.50'
            in lines
        )


@permission_matrix(PLAN_VIEWERS, default=403)
def test_the_scenario_page(client, login_as, case, role, expected) -> None:
    login_as(role)
    response = client.get(reverse("funding:scenario"), {"cut_percent": "10", "pay_rise_percent": "0"})
    assert response.status_code == expected
    if expected == 200:
        text = response.content.decode()
        assert "2 posts unfunded" in text
        assert "ISVA Dudley" in text
        assert "£2,000.00" in text


@permission_matrix(PLAN_VIEWERS, default=403)
def test_the_scenario_download(client, login_as, case, role, expected) -> None:
    login_as(role)
    response = client.get(reverse("funding:scenario_download"), {"cut_percent": "0", "pay_rise_percent": "3"})
    assert response.status_code == expected
    if expected == 200:
        lines = response.content.decode().splitlines()
        assert lines[1:] == [
            "2026/27,Ring-fenced IDVA and ISVA fund,Court IDVA Walsall,Court IDVA,Home Provider,Planned,0.50,"
            "6180.00,5390.00,790.00",
            "2026/27,OPCC victims budget,Caseworker Sandwell,Caseworker,Home Provider,Filled,0.80,"
            "25749.99,25500.00,249.99",
        ]


def test_the_plan_page_is_logged_and_filters_by_year(client, login_as, case) -> None:
    login_as("board_member")
    text = client.get(reverse("funding:overview"), {"year": "2025/26"}).content.decode()
    # 2025/26 alone: A's confirmed £100,000.00, nothing distributed, so all of it is left.
    assert "£100,000.00" in text
    assert "£54,999.50" not in text
    assert AccessLog.objects.filter(record_label="Funding plan", action=AccessLog.Action.VIEW).count() == 1


def test_an_unknown_year_is_refused_clearly(client, login_as, case) -> None:
    login_as("opcc_analyst")
    response = client.get(reverse("funding:overview"), {"year": "1999/00"})
    assert response.status_code == 400
    assert "Choose a financial year from the list" in response.content.decode()


def test_the_warnings_panel(client, login_as, case) -> None:
    """Caseworker Sandwell gets 0.25 of its FTE from the ring-fenced fund: a warning names the
    post and the source."""
    share(case.posts["Caseworker Sandwell"], case.ring_fenced, YEAR_2, "0.25")
    login_as("opcc_admin")
    text = client.get(reverse("funding:overview")).content.decode()
    assert "Warning: ring-fenced money put against posts outside the ring-fence (2)" in text
    assert "Caseworker Sandwell (Caseworker, Home Provider)" in text
    assert "FTE share 0.25" in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cut_percent": "101", "pay_rise_percent": "0"}, "The cut cannot be more than 100%"),
        ({"cut_percent": "ten", "pay_rise_percent": "0"}, "Enter the cut as a number, like 10 or 2.5"),
        ({"cut_percent": "10", "pay_rise_percent": "-3"}, "The pay rise cannot be less than 0%"),
        ({"cut_percent": "10", "pay_rise_percent": ""}, "Enter the pay rise as a percentage, 0 for none"),
        (
            {"cut_percent": "10", "pay_rise_percent": "0", "year": "2030/31"},
            "Choose a financial year from the list",
        ),
        ({"cut_percent": "10", "pay_rise_percent": "0", "sources": "999999"}, "Choose sources from the list"),
    ],
)
def test_bad_scenario_input(client, login_as, case, data, message) -> None:
    login_as("opcc_analyst")
    response = client.get(reverse("funding:scenario"), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert "posts unfunded" not in text
    assert not AccessLog.objects.filter(record_label="Funding scenario").exists()
    download = client.get(reverse("funding:scenario_download"), data)
    assert download.status_code == 400
    assert message in download.content.decode()


def test_the_empty_scenario_form(client, login_as, case) -> None:
    login_as("opcc_analyst")
    response = client.get(reverse("funding:scenario"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Run the scenario" in text
    assert "posts unfunded" not in text


def test_a_cut_to_one_source_from_the_page(client, login_as, case) -> None:
    """Ticking only the OPCC budget (all confirmed money) cuts nothing: no post unfunded."""
    login_as("opcc_analyst")
    text = client.get(
        reverse("funding:scenario"),
        {"cut_percent": "10", "pay_rise_percent": "0", "sources": str(case.opcc_budget.pk)},
    ).content.decode()
    assert "0 posts unfunded" in text


def test_an_overspent_year_says_so_in_the_chart(client, login_as, case) -> None:
    """A second award takes £100,000.01 of A's 2025/26 £100,000.00: left is -£0.01. A bar
    cannot go below 0, so it is drawn as 0 and its label says by how much it is over; the data
    table shows -£0.01."""
    from .planning_builders import YEAR_1, award

    extra = award(case.award.organisation, "W-9")
    funding_line(extra, case.ring_fenced, YEAR_1, "100000.01", FundingStatus.CONFIRMED)
    login_as("opcc_analyst")
    text = client.get(reverse("funding:overview")).content.decode()
    assert "2025/26 left to distribute (over by £0.01, drawn as 0)" in text
    assert "-£0.01" in text


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@permission_matrix(PLAN_VIEWERS, default=403)
def test_the_plan_xlsx_download(client, login_as, case, role, expected) -> None:
    """The plan as XLSX: the CSV's rows, amounts as numbers to the penny; providers get 403."""
    login_as(role)
    response = client.get(reverse("funding:overview_xlsx"), {"year": YEAR_2})
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == XLSX
        assert response["Content-Disposition"] == 'attachment; filename="funding-plan-2026-27.xlsx"'
        csv_response = client.get(reverse("funding:overview_download"), {"year": YEAR_2})
        rows = assert_xlsx_matches_csv(
            response.content, csv_response.content, money_columns=set(range(3, 11))
        )
        total = next(row for row in rows if row[1] == "Total, 2026/27")
        assert total[3:] == [25500, 100000, 125500, 5000, 0, 40000.5, 40000.5, 80499.5]


@permission_matrix(PLAN_VIEWERS, default=403)
def test_the_scenario_xlsx_download(client, login_as, case, role, expected) -> None:
    login_as(role)
    scenario = {"cut_percent": "0", "pay_rise_percent": "3"}
    response = client.get(reverse("funding:scenario_xlsx"), scenario)
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == XLSX
        csv_response = client.get(reverse("funding:scenario_download"), scenario)
        rows = assert_xlsx_matches_csv(response.content, csv_response.content, money_columns={6, 7, 8, 9})
        assert rows[1] == [
            "2026/27",
            "Ring-fenced IDVA and ISVA fund",
            "Court IDVA Walsall",
            "Court IDVA",
            "Home Provider",
            "Planned",
            0.5,
            6180,
            5390,
            790,
        ]
        assert rows[2][7:] == [25749.99, 25500, 249.99]


def test_the_xlsx_downloads_are_logged_as_exports(client, login_as, case) -> None:
    login_as("opcc_analyst")
    client.get(reverse("funding:overview_xlsx"))
    client.get(reverse("funding:scenario_xlsx"), {"cut_percent": "10", "pay_rise_percent": "0"})
    exports = AccessLog.objects.filter(action=AccessLog.Action.EXPORT)
    assert exports.get(record_label="Funding plan").detail.startswith("/funding/plan.xlsx years: ")
    assert exports.get(record_label="Funding scenario").detail.startswith(
        "/funding/scenario/unfunded-posts.xlsx cut 10% of indicative money"
    )


def test_a_bad_scenario_gives_no_xlsx(client, login_as, case) -> None:
    login_as("opcc_analyst")
    response = client.get(reverse("funding:scenario_xlsx"), {"cut_percent": "101", "pay_rise_percent": "0"})
    assert response.status_code == 400
    assert "The cut cannot be more than 100%" in response.content.decode()
    assert not AccessLog.objects.filter(record_label="Funding scenario").exists()


def test_the_pages_link_to_both_downloads(client, login_as, case) -> None:
    login_as("opcc_analyst")
    text = client.get(reverse("funding:overview"), {"year": YEAR_2}).content.decode()
    assert 'href="/funding/plan.csv?year=2026%2F27"' in text
    assert 'href="/funding/plan.xlsx?year=2026%2F27"' in text
    text = client.get(
        reverse("funding:scenario"), {"cut_percent": "10", "pay_rise_percent": "0"}
    ).content.decode()
    assert 'href="/funding/scenario/unfunded-posts.xlsx?cut_percent=10&amp;pay_rise_percent=0"' in text
