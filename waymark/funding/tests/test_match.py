"""Match funding: hours x rate to the penny, the match ratio, refusals, and the two pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from waymark.core.testing.matrix import permission_matrix
from waymark.funding.match import match_contribution_add, match_portfolio, match_summary
from waymark.funding.models import MatchContribution

from .returns_builders import make_award, make_source

pytestmark = pytest.mark.django_db

READERS = {"opcc_admin": 200, "opcc_analyst": 200, "board_member": 200, "anonymous": 302}


@pytest.fixture
def award(world):
    """£100,000.00 in 2021/22 and £50,000.00 in 2022/23 to the home provider."""
    source = make_source()
    return make_award(
        organisation=world.provider,
        start=date(2021, 4, 1),
        end=date(2023, 3, 31),
        lines=[(source, "2021/22", "100000.00"), (source, "2022/23", "50000.00")],
        reference="AWD-HOME",
    )


def _add(award, by, **fields):
    defaults: dict[str, Any] = {
        "financial_year": "2021/22",
        "kind": "in_kind",
        "contributor": "Volunteer befrienders",
        "description": "Befriending sessions",
        "valuation_method": "hours_times_rate",
        "hours": Decimal("12.5"),
        "hourly_rate": Decimal("18.33"),
        "rate_basis": "Volunteer rate in the grant conditions",
    }
    defaults.update(fields)
    return match_contribution_add(award=award, by=by, **defaults)


def test_hours_times_rate_is_worked_out_to_the_penny(world, award) -> None:
    """12.5 hours x £18.33 = £229.125, rounded half-up to £229.13 (not banker's £229.12)."""
    contribution = _add(award, world.member("opcc_analyst"))
    assert contribution.amount == Decimal("229.13")
    assert (contribution.hours, contribution.hourly_rate) == (Decimal("12.50"), Decimal("18.33"))


def test_an_amount_that_agrees_with_hours_times_rate_is_accepted(world, award) -> None:
    contribution = _add(award, world.member("opcc_analyst"), amount=Decimal("229.13"))
    assert contribution.amount == Decimal("229.13")


def test_an_amount_that_disagrees_with_hours_times_rate_is_refused(world, award) -> None:
    with pytest.raises(ValidationError) as error:
        _add(award, world.member("opcc_analyst"), amount=Decimal("229.12"))
    assert (
        "does not agree with 12.50 hours x £18.33 an hour = £229.13" in error.value.message_dict["amount"][0]
    )
    assert not MatchContribution.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"rate_basis": ""}, "rate_basis", "Say where the hourly rate comes from"),
        ({"hours": None}, "hours", "Enter the hours given"),
        ({"hourly_rate": Decimal("0")}, "hourly_rate", "must be more than 0"),
        (
            {"kind": "cash", "valuation_method": "market_value", "amount": Decimal("10")},
            "valuation_method",
            "Cash match is valued as the cash received or the invoice value",
        ),
        (
            {"kind": "cash", "valuation_method": "hours_times_rate"},
            "valuation_method",
            "Cash match is valued as the cash received or the invoice value",
        ),
        (
            {"valuation_method": "cash_received", "hours": None, "hourly_rate": None},
            "amount",
            "Enter the amount of the match",
        ),
        (
            {
                "valuation_method": "invoice_value",
                "amount": Decimal("10.005"),
                "hours": None,
                "hourly_rate": None,
            },
            "amount",
            "to the penny",
        ),
        (
            {
                "valuation_method": "invoice_value",
                "amount": Decimal("-1"),
                "hours": None,
                "hourly_rate": None,
            },
            "amount",
            "cannot be negative",
        ),
        ({"financial_year": "2023/24"}, "financial_year", "2023/24 is outside the award"),
        ({"financial_year": "2021/23"}, "financial_year", "Enter a financial year like 2021/22"),
        ({"contributor": "  "}, "contributor", "Enter who contributed"),
        ({"kind": "loan"}, "kind", "Choose whether the match is cash or in kind"),
    ],
)
def test_bad_match_is_refused_and_nothing_is_saved(world, award, fields, field, message) -> None:
    with pytest.raises(ValidationError) as error:
        _add(award, world.member("opcc_admin"), **fields)
    assert any(message in text for text in error.value.message_dict[field]), error.value.message_dict
    assert not MatchContribution.objects.exists()


@pytest.mark.parametrize("role", ["board_member", "provider_manager"])
def test_only_opcc_staff_record_match(world, award, role) -> None:
    with pytest.raises(PermissionDenied):
        _add(award, world.member(role))


def test_match_ratio_per_year_and_in_total(world, award) -> None:
    """2021/22: £100,000.00 funded; £20,000.00 cash + £5,000.50 in kind = £25,000.50, ratio 25.0%.
    2022/23: £50,000.00 funded; 12.5 h x £18.33 = £229.13 in kind, ratio 0.458% -> 0.5%.
    All years: £150,000.00 funded; £20,000.00 cash, £5,229.63 in kind; £25,229.63 / £150,000 =
    16.8197...% -> 16.8%."""
    analyst = world.member("opcc_analyst")
    _add(
        award,
        analyst,
        kind="cash",
        valuation_method="cash_received",
        amount=Decimal("20000"),
        hours=None,
        hourly_rate=None,
    )
    _add(
        award,
        analyst,
        valuation_method="market_value",
        amount=Decimal("5000.50"),
        hours=None,
        hourly_rate=None,
    )
    _add(award, analyst, financial_year="2022/23")
    summary = match_summary(award)
    first, second = summary.years
    assert (first.financial_year, first.funding, first.cash, first.in_kind) == (
        "2021/22",
        Decimal("100000.00"),
        Decimal("20000.00"),
        Decimal("5000.50"),
    )
    assert first.ratio == Decimal("25.0")
    assert (second.in_kind, second.ratio) == (Decimal("229.13"), Decimal("0.5"))
    assert (summary.total.funding, summary.total.cash, summary.total.in_kind) == (
        Decimal("150000.00"),
        Decimal("20000.00"),
        Decimal("5229.63"),
    )
    assert summary.total.ratio == Decimal("16.8")


def test_a_year_with_match_but_no_funding_has_no_ratio(world) -> None:
    award = make_award(organisation=world.provider)
    _add(award, world.member("opcc_admin"))
    (year,) = match_summary(award).years
    assert year.funding == Decimal("0.00")
    assert year.ratio is None


def test_portfolio_lists_only_awards_the_person_may_see(world, award) -> None:
    """The other provider's award is the OPCC's to see, never the home provider's manager's."""
    other = make_award(organisation=world.other_provider, lines=[(make_source(), "2021/22", "10.00")])
    _add(award, world.member("opcc_admin"))
    portfolio = match_portfolio(user=world.member("opcc_admin"))
    assert [row.award for row in portfolio.rows] == [other, award]  # by reference
    assert portfolio.total.funding == Decimal("150010.00")
    assert portfolio.total.in_kind == Decimal("229.13")
    assert [row.award for row in match_portfolio(user=world.member("provider_manager")).rows] == [award]


@permission_matrix(READERS, default=403)
def test_the_portfolio_match_page(client, login_as, award, role, expected) -> None:
    login_as(role)
    response = client.get(reverse("funding:match"))
    assert response.status_code == expected
    if expected == 200:
        assert "AWD-HOME" in response.content.decode()


@permission_matrix({**READERS, "provider_manager": 200, "provider_manager_other": 404}, default=403)
def test_the_award_match_page(client, login_as, award, role, expected) -> None:
    """The home provider's manager sees its award's match; the other provider's gets 404."""
    login_as(role)
    response = client.get(reverse("funding:award_match", kwargs={"public_id": award.public_id}))
    assert response.status_code == expected
    if expected == 200:
        text = response.content.decode()
        assert "Funding and match by financial year" in text
        assert ("Record a contribution" in text) == (role in {"opcc_admin", "opcc_analyst"})


def test_recording_match_on_the_page(client, login_as, award) -> None:
    login_as("opcc_analyst")
    url = reverse("funding:award_match", kwargs={"public_id": award.public_id})
    data = {
        "financial_year": "2021/22",
        "kind": "in_kind",
        "contributor": "Police",
        "description": "Office space",
        "valuation_method": "hours_times_rate",
        "hours": "10",
        "hourly_rate": "20.005",
        "rate_basis": "",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert not MatchContribution.objects.exists()
    response = client.post(url, {**data, "hourly_rate": "20.01", "rate_basis": "Room hire rate"})
    assert response.status_code == 302
    assert MatchContribution.objects.get().amount == Decimal("200.10")
    assert "£200.10" in client.get(url).content.decode()


@pytest.mark.parametrize("role", ["board_member", "provider_manager"])
def test_readers_cannot_record_match_on_the_page(client, login_as, award, role) -> None:
    login_as(role)
    url = reverse("funding:award_match", kwargs={"public_id": award.public_id})
    response = client.post(url, {"financial_year": "2021/22"})
    assert response.status_code == 403
    assert not MatchContribution.objects.exists()
