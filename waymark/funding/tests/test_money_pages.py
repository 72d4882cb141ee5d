"""The money pages: who may use each, what they show, and the forms' flows (bad input is
refused with a clear message and nothing changes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from waymark.core.testing.matrix import permission_matrix
from waymark.funding.models import (
    Allocation,
    Award,
    AwardFunding,
    AwardVariation,
    BudgetLine,
    Commitment,
    FundingSource,
)

from .money_builders import make_allocation, make_award, make_commitment, make_funder, make_source

pytestmark = pytest.mark.django_db

READERS = {"opcc_admin": 200, "opcc_analyst": 200, "board_member": 200, "anonymous": 302}
MANAGERS = {"opcc_admin": 200, "opcc_analyst": 200, "anonymous": 302}
AWARD_READERS = {**READERS, "provider_manager": 200, "provider_manager_other": 200}
# The award under test belongs to the home provider: another provider's manager gets 404.
AWARD_DETAIL = {**READERS, "provider_manager": 200, "provider_manager_other": 404}


@pytest.fixture
def case(world):
    """A source with 2021/22 confirmed after indicative, a commitment, and an award to the home
    provider that is a penny short of its stated total."""
    source = make_source(name="MoJ IDVA/ISVA fund", ring_fenced=True, ring_fence_roles=["idva", "isva"])
    first = make_allocation(
        source=source, amount="1600000.00", status="indicative", notified_on=date(2021, 2, 1)
    )
    make_allocation(source=source, amount="1617802.00", notified_on=date(2021, 4, 1), supersedes=first)
    make_commitment(source=source, amount="217494.09", description="Existing ISVA commitment")
    award = make_award(
        organisation=world.provider,
        reference="HOME-1",
        title="Home IDVA service",
        stated_total="1400307.91",
        lines=[(source, "2021/22", "1400307.90")],
        budget=[("2021/22", "salary", "IDVA salaries", "1200000.00")],
    )
    return source, award


def _pages(source: FundingSource, award: Award) -> dict[str, str]:
    s, a = {"public_id": source.public_id}, {"public_id": award.public_id}
    return {
        "sources": reverse("funding:sources"),
        "source_detail": reverse("funding:source_detail", kwargs=s),
        "source_add": reverse("funding:source_add"),
        "source_edit": reverse("funding:source_edit", kwargs=s),
        "allocation_add": reverse("funding:allocation_add", kwargs=s),
        "commitment_add": reverse("funding:commitment_add", kwargs=s),
        "awards": reverse("funding:awards"),
        "award_detail": reverse("funding:award_detail", kwargs=a),
        "award_add": reverse("funding:award_add"),
        "award_line_add": reverse("funding:award_line_add", kwargs=a),
        "award_budget_add": reverse("funding:award_budget_add", kwargs=a),
        "award_vary": reverse("funding:award_vary", kwargs=a),
    }


@permission_matrix(READERS, default=403)
@pytest.mark.parametrize("page", ["sources", "source_detail"])
def test_source_pages(client, login_as, case, page, role, expected) -> None:
    """The OPCC's funding roles read the sources; providers, caseworkers and others do not."""
    login_as(role)
    response = client.get(_pages(*case)[page])
    assert response.status_code == expected
    if expected == 200:
        text = response.content.decode()
        assert "MoJ IDVA/ISVA fund" in text
        assert "£1,617,802.00 (confirmed)" in text if page == "sources" else "£1,400,307.91" in text


@permission_matrix(MANAGERS, default=403)
@pytest.mark.parametrize(
    "page",
    [
        "source_add",
        "source_edit",
        "allocation_add",
        "commitment_add",
        "award_add",
        "award_line_add",
        "award_budget_add",
        "award_vary",
    ],
)
def test_managing_pages(client, login_as, case, page, role, expected) -> None:
    """Only the OPCC's admins and analysts change the money; board members read it only."""
    login_as(role)
    assert client.get(_pages(*case)[page]).status_code == expected


@permission_matrix(AWARD_READERS, default=403)
def test_award_list(client, login_as, world, case, role, expected) -> None:
    """A provider's manager sees their own organisation's awards only: another provider's
    manager gets the page without the home provider's award."""
    make_award(organisation=world.other_provider, reference="OTHER-1")
    login_as(role)
    response = client.get(reverse("funding:awards"))
    assert response.status_code == expected
    if expected == 200:
        text = response.content.decode()
        home_visible = role != "provider_manager_other"
        assert ("HOME-1" in text) is home_visible
        assert ("OTHER-1" in text) is (role != "provider_manager")
        assert ("1 award does not reconcile" in text) is home_visible
        assert ("Make an award" in text) is (role in ("opcc_admin", "opcc_analyst"))


@permission_matrix(AWARD_DETAIL, default=403)
def test_award_detail(client, login_as, case, role, expected) -> None:
    login_as(role)
    response = client.get(_pages(*case)["award_detail"])
    assert response.status_code == expected
    if expected == 200:
        text = response.content.decode()
        assert "Does not reconcile" in text
        assert "the lines are £0.01 under" in text
        assert "IDVA salaries" in text
        assert ("Record a variation" in text) is (role in ("opcc_admin", "opcc_analyst"))


def test_a_provider_manager_cannot_vary_even_their_own_award(client, login_as, case) -> None:
    login_as("provider_manager")
    response = client.post(
        _pages(*case)["award_vary"], {"kind": "scope", "reason": "x", "decided_on": "2021-05-01"}
    )
    assert response.status_code == 403
    assert not AwardVariation.objects.exists()


def test_the_source_page_shows_the_history_and_what_is_left(client, login_as, case) -> None:
    login_as("board_member")
    text = client.get(_pages(*case)["source_detail"]).content.decode()
    history = text[text.index("History of the 2021/22 allocation") :]
    assert history.index("1 February 2021") < history.index("1 April 2021")
    assert "£1,600,000.00" in history
    assert "Replaced" in history
    assert "Current" in history
    assert "Less commitment: Existing ISVA commitment" in text
    assert "-£217,494.09" in text
    assert "£1,400,307.91" in text  # to distribute
    assert "£0.01" in text  # left after the award of £1,400,307.90
    assert "Home IDVA service" in text
    assert "Record an allocation" not in text  # a board member reads only


def test_an_analyst_adds_a_source_with_a_new_funder(client, login_as) -> None:
    login_as("opcc_analyst")
    response = client.post(
        reverse("funding:source_add"),
        {
            "new_funder": "Home Office",
            "name": "Perpetrator fund 2021",
            "programme": "home_office_perpetrator",
            "reporting_cadence": "quarterly",
        },
    )
    assert response.status_code == 302
    source = FundingSource.objects.get(name="Perpetrator fund 2021")
    assert source.funder.name == "Home Office"
    assert response["Location"] == reverse("funding:source_detail", kwargs={"public_id": source.public_id})


def test_ring_fenced_money_needs_its_roles(client, login_as) -> None:
    login_as("opcc_admin")
    response = client.post(
        reverse("funding:source_add"),
        {
            "funder": make_funder().pk,
            "name": "Ring-fenced",
            "programme": "isva_idva_ring_fenced",
            "ring_fenced": "on",
            "reporting_cadence": "quarterly",
        },
    )
    assert response.status_code == 400
    assert "Select the post roles the ring-fenced money may pay for" in response.content.decode()
    assert not FundingSource.objects.exists()


def test_editing_a_source(client, login_as, case) -> None:
    source, _ = case
    login_as("opcc_admin")
    response = client.post(
        _pages(*case)["source_edit"],
        {
            "funder": source.funder.pk,
            "name": source.name,
            "programme": source.programme,
            "ring_fenced": "on",
            "ring_fence_roles": ["idva", "isva", "cyp_isva"],
            "reporting_cadence": "biannual",
        },
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.ring_fence_roles, source.reporting_cadence) == (["idva", "isva", "cyp_isva"], "biannual")


def test_recording_an_allocation_through_the_page(client, login_as, case) -> None:
    login_as("opcc_admin")
    url = _pages(*case)["allocation_add"]
    refused = client.post(
        url,
        {
            "financial_year": "2021/22",
            "status": "indicative",
            "amount": "1,000.00",
            "notified_on": "2021-05-01",
        },
    )
    assert refused.status_code == 400
    assert "cannot become indicative again" in refused.content.decode()
    varied = client.post(
        url,
        {
            "financial_year": "2021/22",
            "status": "varied",
            "amount": "£1,650,000.10",
            "notified_on": "2021-10-01",
        },
    )
    assert varied.status_code == 302
    current = Allocation.objects.get(superseded_by__isnull=True, financial_year="2021/22")
    assert (current.status, current.amount) == ("varied", Decimal("1650000.10"))


def test_amounts_with_more_than_pennies_are_refused(client, login_as, case) -> None:
    login_as("opcc_admin")
    response = client.post(
        _pages(*case)["allocation_add"],
        {
            "financial_year": "2022/23",
            "status": "indicative",
            "amount": "10.001",
            "notified_on": "2021-05-01",
        },
    )
    assert response.status_code == 400
    assert "Enter the amount to the penny" in response.content.decode()
    assert Allocation.objects.count() == 2


def test_a_commitment_larger_than_what_is_left_is_refused_on_the_page(client, login_as, case) -> None:
    login_as("opcc_analyst")
    response = client.post(
        _pages(*case)["commitment_add"],
        {"financial_year": "2021/22", "amount": "0.02", "description": "Court IDVA"},
    )
    assert response.status_code == 400
    assert (
        "more than is left of 2021/22&#39;s allocation (£0.01 after commitments and awards)"
        in response.content.decode()
    )
    assert Commitment.objects.count() == 1


def test_making_an_award_then_adding_lines(client, login_as, case, world) -> None:
    source, _ = case
    login_as("opcc_admin")
    response = client.post(
        reverse("funding:award_add"),
        {
            "reference": "NEW-1",
            "title": "Perpetrator programme",
            "organisation": world.other_provider.pk,
            "start_on": "2021-10-01",
            "end_on": "2022-03-31",
            "status": "active",
            "stated_total": "0.30",
        },
    )
    assert response.status_code == 302
    award = Award.objects.get(reference="NEW-1")
    for year, amount in (("2021/22", "0.10"), ("2022/23", "0.20")):
        line = client.post(
            reverse("funding:award_line_add", kwargs={"public_id": award.public_id}),
            {"funding_source": source.pk, "financial_year": year, "amount": amount, "status": "indicative"},
        )
        assert line.status_code == 302
    budget = client.post(
        reverse("funding:award_budget_add", kwargs={"public_id": award.public_id}),
        {"financial_year": "2021/22", "category": "non_pay", "description": "Venue", "amount": "0.10"},
    )
    assert budget.status_code == 302
    assert BudgetLine.objects.filter(award=award).count() == 1
    text = client.get(reverse("funding:award_detail", kwargs={"public_id": award.public_id})).content.decode()
    assert "Reconciles" in text
    assert "£0.30" in text


def test_an_award_to_an_organisation_that_is_not_a_provider_is_refused(client, login_as, world) -> None:
    login_as("opcc_admin")
    response = client.post(
        reverse("funding:award_add"),
        {
            "reference": "X",
            "title": "X",
            "organisation": world.opcc.pk,
            "start_on": "2021-10-01",
            "end_on": "2021-09-30",
            "status": "active",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Select the provider" in text
    assert "The end date must be on or after the start date" in text
    assert not Award.objects.exists()


def test_varying_an_award_through_the_page(client, login_as, case) -> None:
    """A reduction is entered as a positive amount and taken off; an extension keeps the old end."""
    source, award = case
    login_as("opcc_admin")
    url = _pages(*case)["award_vary"]
    too_much = client.post(
        url,
        {
            "kind": "reduction",
            "reason": "Cut",
            "decided_on": "2021-09-01",
            "funding_source": source.pk,
            "financial_year": "2021/22",
            "amount_delta": "1400307.91",
        },
    )
    assert too_much.status_code == 400
    assert "below £0.00 (it is £1,400,307.90)" in too_much.content.decode()
    missing = client.post(url, {"kind": "extension", "reason": "x", "decided_on": "2021-09-01"})
    assert missing.status_code == 400
    assert "Enter the new end date of the award" in missing.content.decode()
    assert not AwardVariation.objects.exists()

    reduced = client.post(
        url,
        {
            "kind": "reduction",
            "reason": "Underspend",
            "decided_on": "2021-09-01",
            "funding_source": source.pk,
            "financial_year": "2021/22",
            "amount_delta": "0.90",
        },
    )
    assert reduced.status_code == 302
    assert AwardFunding.objects.get(award=award).amount == Decimal("1400307.00")
    extended = client.post(
        url,
        {
            "kind": "extension",
            "reason": "A two-month extension to allow safe demobilisation",
            "decided_on": "2023-01-10",
            "new_end_on": "2023-05-31",
        },
    )
    assert extended.status_code == 302
    text = client.get(_pages(*case)["award_detail"]).content.decode()
    assert text.index("Underspend") < text.index("safe demobilisation")
    assert "end date moved from 31 March 2023 to 31 May 2023" in text
    assert "changed by -£0.90" in text
