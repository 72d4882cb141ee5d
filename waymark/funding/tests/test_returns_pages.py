"""The returns pages: who may open each, and the provider's and the OPCC's journeys through them."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from waymark.audit.models import AccessLog
from waymark.core.testing.forms import date_parts
from waymark.core.testing.matrix import permission_matrix
from waymark.funding.models import FunderReturn, MonitoringReturn

from .returns_builders import (
    assert_xlsx_matches_csv,
    make_award,
    make_budget_line,
    make_return,
    make_source,
    submit_data,
)

pytestmark = pytest.mark.django_db
Status = MonitoringReturn.Status

OPCC_READERS = {"opcc_admin": 200, "opcc_analyst": 200, "board_member": 200, "anonymous": 302}
OPCC_STAFF = {"opcc_admin": 200, "opcc_analyst": 200, "anonymous": 302}


@pytest.fixture
def home(world):
    """A home-provider award paid by a quarterly source, one salary line, a Q1 2021/22 return due
    30 July 2021 (late today), and a draft funder return for another period."""
    source = make_source(name="Source S")
    award = make_award(
        organisation=world.provider, lines=[(source, "2021/22", "1000.00")], reference="AWD-HOME"
    )
    line = make_budget_line(award, description="IDVA salaries")
    monitoring_return = make_return(
        award, start=date(2021, 4, 1), end=date(2021, 6, 30), due=date(2021, 7, 30)
    )
    funder_return = FunderReturn.objects.create(
        funding_source=source, period_start=date(2021, 7, 1), period_end=date(2021, 9, 30)
    )
    return {
        "award": award,
        "line": line,
        "return": monitoring_return,
        "funder_return": funder_return,
        "source": source,
    }


def _url(name, obj=None):
    return reverse(f"funding:{name}", kwargs={"public_id": obj.public_id} if obj is not None else None)


# Board members see the roll-ups (funder returns, the plan), not providers' own returns.
@permission_matrix(
    {**OPCC_READERS, "board_member": 403, "provider_manager": 200, "provider_manager_other": 200}, default=403
)
def test_the_returns_list(client, login_as, home, role, expected) -> None:
    """Everyone who may see returns opens the list; the other provider's manager sees none of ours."""
    login_as(role)
    response = client.get(_url("returns"))
    assert response.status_code == expected
    if expected == 200:
        text = response.content.decode()
        assert ("AWD-HOME" in text) == (role != "provider_manager_other")


@permission_matrix(
    {**OPCC_READERS, "board_member": 403, "provider_manager": 200, "provider_manager_other": 404}, default=403
)
def test_the_return_detail(client, login_as, home, role, expected) -> None:
    login_as(role)
    assert client.get(_url("return_detail", home["return"])).status_code == expected


@permission_matrix({"provider_manager": 200, "provider_manager_other": 404, "anonymous": 302}, default=403)
def test_the_submit_page(client, login_as, home, role, expected) -> None:
    login_as(role)
    response = client.get(_url("return_submit", home["return"]))
    assert response.status_code == expected
    if expected == 200:
        assert "Spend on IDVA salaries" in response.content.decode()


@permission_matrix(OPCC_STAFF, default=403)
def test_the_review_page(client, login_as, home, role, expected) -> None:
    login_as(role)
    assert client.get(_url("return_review", home["return"])).status_code == expected


@permission_matrix(OPCC_STAFF, default=403)
def test_the_schedule_page(client, login_as, home, role, expected) -> None:
    login_as(role)
    assert client.get(_url("returns_schedule")).status_code == expected


@permission_matrix(OPCC_READERS, default=403)
def test_the_funder_return_pages(client, login_as, home, role, expected) -> None:
    login_as(role)
    assert client.get(_url("funder_returns")).status_code == expected
    assert client.get(_url("funder_return_detail", home["funder_return"])).status_code == expected
    response = client.get(_url("funder_return_csv", home["funder_return"]))
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"].startswith("text/csv")
        assert "Funding source,Source S" in response.content.decode()


@permission_matrix(OPCC_STAFF, default=403)
def test_the_funder_return_forms(client, login_as, home, role, expected) -> None:
    login_as(role)
    assert client.get(_url("funder_return_build")).status_code == expected
    assert client.get(_url("funder_return_submitted", home["funder_return"])).status_code == expected


def test_the_provider_submits_and_the_opcc_reviews_through_the_pages(client, login_as, home) -> None:
    monitoring_return = home["return"]
    login_as("provider_manager")
    response = client.post(
        _url("return_submit", monitoring_return),
        submit_data(monitoring_return, **{f"spend_{home['line'].pk}": "", "narrative": ""}),
    )
    assert response.status_code == 400
    assert "Enter the spend on IDVA salaries" in response.content.decode()
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == Status.DUE
    response = client.post(
        _url("return_submit", monitoring_return),
        submit_data(monitoring_return, other_outputs="Programme completions: 4"),
    )
    assert response.status_code == 302
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == Status.SUBMITTED
    assert monitoring_return.outputs == {"referrals_received": 3, "Programme completions": 4}

    client.logout()
    login_as("opcc_analyst")
    response = client.post(_url("return_review", monitoring_return), {"decision": "changes", "comments": ""})
    assert response.status_code == 400
    assert "Say what the provider needs to change" in response.content.decode()
    response = client.post(
        _url("return_review", monitoring_return), {"decision": "changes", "comments": "Add risks."}
    )
    assert response.status_code == 302
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == Status.CHANGES_REQUESTED

    client.logout()
    login_as("provider_manager")
    text = client.get(_url("return_submit", monitoring_return)).content.decode()
    assert "The OPCC asked for changes: Add risks." in text
    assert "Programme completions: 4" in text  # the earlier answers are kept
    client.post(_url("return_submit", monitoring_return), submit_data(monitoring_return, risks="Staffing."))
    monitoring_return.refresh_from_db()
    assert (monitoring_return.status, monitoring_return.risks) == (Status.SUBMITTED, "Staffing.")


def test_another_provider_cannot_submit_our_return(client, login_as, home) -> None:
    login_as("provider_manager_other")
    response = client.post(_url("return_submit", home["return"]), submit_data(home["return"]))
    assert response.status_code == 404
    home["return"].refresh_from_db()
    assert home["return"].status == Status.DUE


def test_the_list_says_late_in_words_and_filters(client, login_as, home) -> None:
    """Due 30 July 2021 and never submitted: late today, shown as a tag and in words."""
    login_as("opcc_admin")
    text = client.get(_url("returns") + "?late=late").content.decode()
    assert "1 of these 1 return is late." in text
    assert "Late: was due 30 July 2021" in text
    text = client.get(_url("returns") + "?late=not_late").content.decode()
    assert "AWD-HOME" not in text
    assert AccessLog.objects.filter(action=AccessLog.Action.LIST, record_label="Monitoring returns").exists()


def test_scheduling_and_building_through_the_pages(client, login_as, home) -> None:
    login_as("opcc_admin")
    response = client.post(_url("returns_schedule"), {"award": home["award"].pk})
    assert response.status_code == 302
    # The award runs April 2021 to March 2022: Q1 already existed, Q2 to Q4 are added.
    assert home["award"].monitoring_returns.count() == 4
    response = client.post(
        _url("funder_return_build"),
        {
            "funding_source": home["source"].pk,
            **date_parts("period_start", "2021-04-01"),
            **date_parts("period_end", "2021-06-30"),
        },
    )
    assert response.status_code == 400
    assert (
        "AWD-HOME (Home Provider), 1 April 2021 to 30 June 2021: due, not accepted."
        in response.content.decode()
    )
    response = client.post(
        _url("funder_return_submitted", home["funder_return"]), date_parts("submitted_on", "2021-10-20")
    )
    assert response.status_code == 302
    home["funder_return"].refresh_from_db()
    assert home["funder_return"].submitted_on == date(2021, 10, 20)


def test_the_funder_return_dates_are_asked_for_in_three_boxes(client, login_as, home) -> None:
    """A period end without its month, or a day that does not exist, is refused on the page with
    the Design System's message, and the error summary links to the box to put right."""
    login_as("opcc_admin")
    response = client.post(
        _url("funder_return_build"),
        {
            "funding_source": home["source"].pk,
            **date_parts("period_start", "2021-04-01"),
            **date_parts("period_end", "2021-06-30"),
            "period_end-month": "",
        },
    )
    assert response.status_code == 400
    assert (
        '<a href="#id_period_end-month">End of the period must include a month</a>'
        in response.content.decode()
    )
    response = client.post(
        _url("funder_return_submitted", home["funder_return"]),
        {"submitted_on-day": "31", "submitted_on-month": "9", "submitted_on-year": "2021"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert '<a href="#id_submitted_on-day">Date sent to the funder must be a real date</a>' in text
    assert "For example, 28 7 2021" in text
    home["funder_return"].refresh_from_db()
    assert home["funder_return"].submitted_on is None


@pytest.fixture
def filled_funder_return(home):
    """The draft funder return for July to September 2021 with one accepted return behind it:
    £1,234.56 on IDVA salaries, referrals 9, a provider's own measure whose name starts "=",
    which a spreadsheet must show as text."""
    accepted = make_return(
        home["award"],
        start=date(2021, 7, 1),
        end=date(2021, 9, 30),
        status=Status.ACCEPTED,
        spend={home["line"]: "1234.56"},
        outputs={"referrals_received": 9, "=SUM(A1)": 2},
    )
    home["funder_return"].monitoring_returns.set([accepted])
    return home["funder_return"]


@permission_matrix(OPCC_READERS, default=403)
def test_the_funder_return_xlsx(client, login_as, filled_funder_return, role, expected) -> None:
    """The XLSX holds the CSV's rows; money and outputs are numbers. Providers' managers, whose
    own returns are in it, get 403 as for the CSV."""
    login_as(role)
    response = client.get(_url("funder_return_xlsx", filled_funder_return))
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert (
            response["Content-Disposition"] == 'attachment; filename="funder-return-source-s-2021-07-01.xlsx"'
        )
        csv_response = client.get(_url("funder_return_csv", filled_funder_return))
        rows = assert_xlsx_matches_csv(response.content, csv_response.content, money_columns=set())
        assert ["Spend by budget category (£)", "Salaries", 1234.56] in rows
        assert ["Spend by budget category (£)", "Total", 1234.56] in rows
        assert ["Outputs", "Referrals received", 9] in rows
        assert ["Outputs", "'=SUM(A1)", 2] in rows
        assert ["Return", "Period start", "2021-07-01"] in rows


def test_the_funder_return_downloads_are_logged_by_format(client, login_as, filled_funder_return) -> None:
    login_as("board_member")
    client.get(_url("funder_return_csv", filled_funder_return))
    client.get(_url("funder_return_xlsx", filled_funder_return))
    exports = AccessLog.objects.filter(
        action=AccessLog.Action.EXPORT, record_label="Return to Source S, 1 July 2021 to 30 September 2021"
    )
    assert sorted(exports.values_list("detail", flat=True)) == ["CSV", "XLSX"]


def test_the_funder_return_page_links_to_both_downloads(client, login_as, filled_funder_return) -> None:
    login_as("opcc_analyst")
    text = client.get(_url("funder_return_detail", filled_funder_return)).content.decode()
    assert f'href="{_url("funder_return_csv", filled_funder_return)}"' in text
    assert f'href="{_url("funder_return_xlsx", filled_funder_return)}"' in text
