"""The money pages: who may use each, what they show, and the forms' flows (bad input is
refused with a clear message and nothing changes)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from waymark.core.testing.forms import date_parts
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
        "award_edit": reverse("funding:award_edit", kwargs=a),
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
        "award_edit",
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
        edit = _pages(*case)["award_edit"]
        assert (f'href="{edit}#id_awarded_on-day">Change' in text) is (role in ("opcc_admin", "opcc_analyst"))


def test_a_provider_manager_cannot_vary_even_their_own_award(client, login_as, case) -> None:
    login_as("provider_manager")
    response = client.post(
        _pages(*case)["award_vary"],
        {"kind": "scope", "reason": "x", **date_parts("decided_on", "2021-05-01")},
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
            **date_parts("notified_on", "2021-05-01"),
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
            **date_parts("notified_on", "2021-10-01"),
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
            **date_parts("notified_on", "2021-05-01"),
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
            **date_parts("start_on", "2021-10-01"),
            **date_parts("end_on", "2022-03-31"),
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
            **date_parts("start_on", "2021-10-01"),
            **date_parts("end_on", "2021-09-30"),
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
            **date_parts("decided_on", "2021-09-01"),
            "funding_source": source.pk,
            "financial_year": "2021/22",
            "amount_delta": "1400307.91",
        },
    )
    assert too_much.status_code == 400
    assert "below £0.00 (it is £1,400,307.90)" in too_much.content.decode()
    missing = client.post(url, {"kind": "extension", "reason": "x", **date_parts("decided_on", "2021-09-01")})
    assert missing.status_code == 400
    assert "Enter the new end date of the award" in missing.content.decode()
    assert not AwardVariation.objects.exists()

    reduced = client.post(
        url,
        {
            "kind": "reduction",
            "reason": "Underspend",
            **date_parts("decided_on", "2021-09-01"),
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
            **date_parts("decided_on", "2023-01-10"),
            **date_parts("new_end_on", "2023-05-31"),
        },
    )
    assert extended.status_code == 302
    text = client.get(_pages(*case)["award_detail"]).content.decode()
    assert text.index("Underspend") < text.index("safe demobilisation")
    assert "end date moved from 31 March 2023 to 31 May 2023" in text
    assert "changed by -£0.90" in text


# --- changing an award, and the date it was decided -----------------------------------------------


def _header(award: Award, **changes: str) -> dict[str, str]:
    """The change page's fields as the award has them, with `changes` (a date as "2021-03-15",
    posted in its three boxes)."""
    dates: dict[str, date | str] = {
        "awarded_on": award.awarded_on or "",
        "start_on": award.start_on,
        "end_on": award.end_on,
    }
    fields = {
        "title": award.title,
        "organisation": str(award.organisation_id),
        "status": award.status,
        "stated_total": "" if award.stated_total is None else str(award.stated_total),
        "decision_reference": award.decision_reference,
        "description": award.description,
    }
    for name, value in changes.items():
        if name in dates:
            dates[name] = value
        else:
            fields[name] = value
    for name, day in dates.items():
        fields.update(date_parts(name, day))
    return fields


def test_the_change_page_shows_the_award_as_it_is(client, login_as, case) -> None:
    login_as("opcc_analyst")
    response = client.get(_pages(*case)["award_edit"])
    assert response.status_code == 200
    text = response.content.decode()
    assert 'value="Home IDVA service"' in text
    assert 'value="1400307.91"' in text
    assert re.search(r'name="end_on-day"[^>]*value="31"', text)
    assert re.search(r'name="end_on-month"[^>]*value="3"', text)
    assert re.search(r'name="end_on-year"[^>]*value="2023"', text)
    assert "To extend the award, record a variation (an extension) instead" in text
    assert 'name="reference"' not in text  # the reference stays


def test_changing_an_award_through_its_page(client, login_as, case, world) -> None:
    """The decision date, title and stated total change; the award page shows "Decided on"."""
    _, award = case
    login_as("opcc_admin")
    response = client.post(
        _pages(*case)["award_edit"],
        _header(
            award, title="Home IDVA and ISVA service", awarded_on="2021-03-15", stated_total="£1,400,307.90"
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == _pages(*case)["award_detail"]
    award.refresh_from_db()
    assert (award.title, award.awarded_on, award.stated_total) == (
        "Home IDVA and ISVA service",
        date(2021, 3, 15),
        Decimal("1400307.90"),
    )
    text = client.get(_pages(*case)["award_detail"]).content.decode()
    assert "Decided on</dt>" in text
    assert "15 March 2021" in text
    assert "Reconciles" in text
    listing = client.get(reverse("funding:awards")).content.decode()
    assert "15 March 2021" in listing


def test_a_change_that_leaves_money_out_is_refused_on_the_page(client, login_as, case) -> None:
    """The award's 2021/22 line and budget would fall outside an award starting 1 April 2022."""
    _, award = case
    login_as("opcc_admin")
    response = client.post(_pages(*case)["award_edit"], _header(award, start_on="2022-04-01"))
    assert response.status_code == 400
    assert (
        "The award would no longer run in 2021/22 (funding lines and budget lines): it must start on "
        "or before 31 March 2022 to keep them" in response.content.decode()
    )
    award.refresh_from_db()
    assert award.start_on == date(2021, 4, 1)


def test_an_end_before_the_start_is_refused_on_the_change_page(client, login_as, case) -> None:
    _, award = case
    login_as("opcc_admin")
    response = client.post(_pages(*case)["award_edit"], _header(award, end_on="2021-03-31"))
    assert response.status_code == 400
    assert "The end date must be on or after the start date" in response.content.decode()
    award.refresh_from_db()
    assert award.end_on == date(2023, 3, 31)


@pytest.mark.parametrize("role", ["provider_manager", "provider_manager_other", "board_member"])
def test_only_the_opccs_funding_managers_can_post_a_change(client, login_as, case, role) -> None:
    """The award's own provider, another provider and a board member are all refused (403)."""
    _, award = case
    login_as(role)
    response = client.post(_pages(*case)["award_edit"], _header(award, title="Changed"))
    assert response.status_code == 403
    award.refresh_from_db()
    assert award.title == "Home IDVA service"


def test_the_change_page_of_an_award_that_does_not_exist_is_not_found(client, login_as) -> None:
    login_as("opcc_admin")
    response = client.get(
        reverse("funding:award_edit", kwargs={"public_id": "00000000-0000-0000-0000-000000000000"})
    )
    assert response.status_code == 404


def test_making_an_award_with_the_date_it_was_decided(client, login_as, world) -> None:
    login_as("opcc_admin")
    fields = {
        "reference": "DEC-1",
        "title": "ISVA service",
        "organisation": world.provider.pk,
        **date_parts("start_on", "2021-04-01"),
        **date_parts("end_on", "2022-03-31"),
        "status": "active",
    }
    bad = client.post(
        reverse("funding:award_add"),
        {**fields, "awarded_on-day": "30", "awarded_on-month": "2", "awarded_on-year": "2021"},
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert '<a href="#id_awarded_on-day">Date decided must be a real date</a>' in text
    assert not Award.objects.exists()
    # A month may be typed as its name, and a day with a leading zero.
    made = client.post(
        reverse("funding:award_add"),
        {**fields, "awarded_on-day": "01", "awarded_on-month": "March", "awarded_on-year": "2021"},
    )
    assert made.status_code == 302
    assert Award.objects.get(reference="DEC-1").awarded_on == date(2021, 3, 1)


# --- virements ------------------------------------------------------------------------------------


def test_a_virement_through_the_page_moves_money_and_is_listed(client, login_as, case, world) -> None:
    """£2,000.00 from the 2021/22 venue to the IDVA salaries; the page lists "£2,000.00 from
    Venue (Non-pay, 2021/22) to IDVA salaries (Salaries, 2021/22)"."""
    source, award = case
    venue = BudgetLine.objects.create(
        award=award,
        financial_year="2021/22",
        category="non_pay",
        description="Venue",
        amount=Decimal("5000.00"),
    )
    salaries = BudgetLine.objects.get(award=award, description="IDVA salaries")
    login_as("opcc_analyst")
    url = _pages(*case)["award_vary"]
    form = client.get(url).content.decode()
    assert "Budget line the money moves from (virements only)" in form
    assert "Venue (Non-pay, 2021/22): £5,000.00" in form
    response = client.post(
        url,
        {
            "kind": "virement",
            "reason": "Non-pay to salaries",
            **date_parts("decided_on", "2021-07-01"),
            "from_budget_line": venue.pk,
            "to_budget_line": salaries.pk,
            "amount_delta": "2,000.00",
            # Fields of other kinds are ignored for a virement.
            "funding_source": source.pk,
            "financial_year": "2021/22",
        },
    )
    assert response.status_code == 302
    venue.refresh_from_db()
    salaries.refresh_from_db()
    assert (venue.amount, salaries.amount) == (Decimal("3000.00"), Decimal("1202000.00"))
    assert AwardFunding.objects.get(award=award).amount == Decimal("1400307.90")
    text = client.get(_pages(*case)["award_detail"]).content.decode()
    assert "£2,000.00 from Venue (Non-pay, 2021/22) to IDVA salaries (Salaries, 2021/22)." in text


def test_a_virement_is_refused_on_the_page_with_a_clear_message(client, login_as, case, world) -> None:
    _, award = case
    salaries = BudgetLine.objects.get(award=award, description="IDVA salaries")
    next_year = BudgetLine.objects.create(
        award=award, financial_year="2022/23", category="salary", description="ISVA", amount=Decimal("1.00")
    )
    on_costs = BudgetLine.objects.create(
        award=award,
        financial_year="2022/23",
        category="on_costs",
        description="ISVA on-costs",
        amount=Decimal("0.50"),
    )
    theirs = make_award(
        organisation=world.other_provider, budget=[("2021/22", "salary", "Their salaries", "10.00")]
    ).budget_lines.get()
    login_as("opcc_admin")
    url = _pages(*case)["award_vary"]
    base = {"kind": "virement", "reason": "x", **date_parts("decided_on", "2021-07-01")}
    cases = [
        ({}, ["Select the budget line the money moves from", "Enter the amount the virement moves"]),
        (
            {"from_budget_line": salaries.pk, "to_budget_line": salaries.pk, "amount_delta": "1.00"},
            ["A virement moves money between two different budget lines: select another"],
        ),
        (
            {"from_budget_line": salaries.pk, "to_budget_line": next_year.pk, "amount_delta": "1.00"},
            ["A virement moves money within one financial year"],
        ),
        (
            {"from_budget_line": next_year.pk, "to_budget_line": on_costs.pk, "amount_delta": "1.01"},
            ["The virement of £1.01 is more than ISVA (Salaries, 2022/23) holds (£1.00)"],
        ),
        (
            {"from_budget_line": theirs.pk, "to_budget_line": salaries.pk, "amount_delta": "1.00"},
            ["Select the budget line the money moves from"],
        ),
        (
            {"from_budget_line": salaries.pk, "to_budget_line": next_year.pk, "amount_delta": "0"},
            ["Enter an amount of more than £0.00"],
        ),
    ]
    for fields, messages in cases:
        response = client.post(url, {**base, **fields})
        assert response.status_code == 400, fields
        text = response.content.decode().replace("&#39;", "'")
        for message in messages:
            assert message in text, (fields, message)
    assert sorted(BudgetLine.objects.values_list("description", "amount")) == [
        ("IDVA salaries", Decimal("1200000.00")),
        ("ISVA", Decimal("1.00")),
        ("ISVA on-costs", Decimal("0.50")),
        ("Their salaries", Decimal("10.00")),
    ]
    assert not AwardVariation.objects.exists()
