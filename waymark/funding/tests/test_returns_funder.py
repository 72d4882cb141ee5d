"""Returns to funders: the roll-up of accepted provider returns, its refusals, and submission."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.funding.models import BudgetLine, FunderReturn, MonitoringReturn
from waymark.funding.returns import (
    funder_return_build,
    funder_return_csv_rows,
    funder_return_figures,
    funder_return_mark_submitted,
)

from .returns_builders import make_award, make_budget_line, make_return, make_source

pytestmark = pytest.mark.django_db
ACCEPTED = MonitoringReturn.Status.ACCEPTED
Q1 = (date(2021, 4, 1), date(2021, 6, 30))


@pytest.fixture
def case(world):
    """Source S (quarterly) and another source T, Q1 2021/22 (1 April to 30 June 2021).

    - AWD-A (Home Provider), paid only by S in 2021/22. Lines: salaries (no source named),
      non-pay (S). Accepted Q1 return: salaries £7,250.10, non-pay £1,200.00; referrals 12,
      cases open at the end 8, "Programme completions" 3.
    - AWD-B (Other Provider), paid by S and T. Lines: salaries (S), overheads (no source named).
      Accepted Q1 return: salaries £4,999.99, overheads £300.00; referrals 5, open at the end 4.
    - AWD-C, paid only by T: not in S's return.

    S's Q1 return: salaries £7,250.10 + £4,999.99 = £12,250.09; non-pay £1,200.00; total
    £13,450.09. AWD-B's overheads name no source on an award with two, so the £300.00 is shown
    apart as not attributed. Outputs: referrals 12 + 5 = 17; open at the end 8 + 4 = 12;
    Programme completions 3.
    """
    s, t = make_source(name="Source S"), make_source(name="Source T")
    a = make_award(organisation=world.provider, lines=[(s, "2021/22", "40000.00")], reference="AWD-A")
    a_salary = make_budget_line(a, amount="30000.00")
    a_non_pay = make_budget_line(a, category=BudgetLine.Category.NON_PAY, amount="5000.00", source=s)
    b = make_award(
        organisation=world.other_provider,
        lines=[(s, "2021/22", "20000.00"), (t, "2021/22", "2000.00")],
        reference="AWD-B",
    )
    b_salary = make_budget_line(b, amount="20000.00", source=s)
    b_overheads = make_budget_line(b, category=BudgetLine.Category.OVERHEADS, amount="2000.00")
    c = make_award(organisation=world.provider, lines=[(t, "2021/22", "1.00")], reference="AWD-C")
    a_return = make_return(
        a,
        start=Q1[0],
        end=Q1[1],
        status=ACCEPTED,
        spend={a_salary: "7250.10", a_non_pay: "1200.00"},
        outputs={"referrals_received": 12, "cases_open_at_end": 8, "Programme completions": 3},
    )
    b_return = make_return(
        b,
        start=Q1[0],
        end=Q1[1],
        status=ACCEPTED,
        spend={b_salary: "4999.99", b_overheads: "300.00"},
        outputs={"referrals_received": 5, "cases_open_at_end": 4},
    )
    make_return(c, start=Q1[0], end=Q1[1])  # due, but not S's concern
    return {"s": s, "t": t, "a_return": a_return, "b_return": b_return}


def test_the_roll_up_of_a_small_case(world, case) -> None:
    funder_return = funder_return_build(
        funding_source=case["s"], period_start=Q1[0], period_end=Q1[1], by=world.member("opcc_analyst")
    )
    figures = funder_return_figures(funder_return)
    assert figures.spend == (("Salaries", Decimal("12250.09")), ("Non-pay", Decimal("1200.00")))
    assert figures.spend_total == Decimal("13450.09")
    assert [(u.award_reference, u.amount) for u in figures.unattributed] == [("AWD-B", Decimal("300.00"))]
    assert figures.outputs == (
        ("Referrals received", 17),
        ("Cases open at the end of the period", 12),
        ("Programme completions", 3),
    )
    assert set(figures.returns) == {case["a_return"], case["b_return"]}
    rows = funder_return_csv_rows(figures)
    assert ["Spend by budget category (£)", "Total", Decimal("13450.09")] in rows
    assert ["Outputs", "Referrals received", 17] in rows


def test_an_annual_return_sums_flows_and_takes_the_last_count_of_open_cases(world) -> None:
    """An award paid by an annual source U and a quarterly source V reports quarterly. U's
    2021/22 return: referrals 1 + 2 + 3 + 4 = 10; cases open at the end is Q4's 8, not 26."""
    u, v = make_source(cadence="annual"), make_source(cadence="quarterly")
    award = make_award(organisation=world.provider, lines=[(u, "2021/22", "1.00"), (v, "2021/22", "1.00")])
    year = date(2021, 4, 1)
    for number, (start, end) in enumerate(
        [
            (year, date(2021, 6, 30)),
            (date(2021, 7, 1), date(2021, 9, 30)),
            (date(2021, 10, 1), date(2021, 12, 31)),
            (date(2022, 1, 1), date(2022, 3, 31)),
        ],
        start=1,
    ):
        make_return(
            award,
            start=start,
            end=end,
            status=ACCEPTED,
            outputs={"referrals_received": number, "cases_open_at_end": number + 4},
        )
    funder_return = funder_return_build(
        funding_source=u, period_start=year, period_end=date(2022, 3, 31), by=world.member("opcc_admin")
    )
    assert dict(funder_return_figures(funder_return).outputs) == {
        "Referrals received": 10,
        "Cases open at the end of the period": 8,
    }


def test_refused_while_any_return_is_not_accepted_listing_each(world, case) -> None:
    case["b_return"].status = MonitoringReturn.Status.SUBMITTED
    case["b_return"].save()
    late_award = make_award(
        organisation=world.provider,
        lines=[(case["s"], "2021/22", "5.00")],
        reference="AWD-D",
        start=date(2021, 6, 1),
    )
    with pytest.raises(ValidationError) as error:
        funder_return_build(
            funding_source=case["s"], period_start=Q1[0], period_end=Q1[1], by=world.member("opcc_admin")
        )
    assert error.value.messages == [
        "The return cannot be built until every provider's return for the period is accepted:",
        "AWD-B (Other Provider), 1 April 2021 to 30 June 2021: submitted, not accepted.",
        "AWD-D (Home Provider): no monitoring return is scheduled for the period.",
    ]
    assert not FunderReturn.objects.exists()
    assert late_award.pk


def test_the_period_must_be_one_of_the_sources_cadence(world, case) -> None:
    with pytest.raises(ValidationError) as error:
        funder_return_build(
            funding_source=case["s"],
            period_start=date(2021, 4, 1),
            period_end=date(2021, 9, 30),
            by=world.member("opcc_admin"),
        )
    assert error.value.message_dict["period_start"] == [
        "Source S reports quarterly: the period that starts 1 April 2021 would run from "
        "1 April 2021 to 30 June 2021."
    ]


def test_marking_submitted_then_no_rebuild(world, case) -> None:
    admin = world.member("opcc_admin")
    funder_return = funder_return_build(
        funding_source=case["s"], period_start=Q1[0], period_end=Q1[1], by=admin
    )
    rebuilt = funder_return_build(funding_source=case["s"], period_start=Q1[0], period_end=Q1[1], by=admin)
    assert rebuilt.pk == funder_return.pk  # a draft is rebuilt in place
    with pytest.raises(ValidationError) as error:
        funder_return_mark_submitted(
            funder_return=funder_return, submitted_on=date(2021, 8, 1), by=admin, today=date(2021, 7, 31)
        )
    assert "cannot be in the future" in error.value.message_dict["submitted_on"][0]
    done = funder_return_mark_submitted(
        funder_return=funder_return, submitted_on=date(2021, 7, 28), by=admin, today=date(2021, 7, 31)
    )
    assert (done.status, done.submitted_on) == (FunderReturn.Status.SUBMITTED, date(2021, 7, 28))
    with pytest.raises(ValidationError, match="submitted on 28 July 2021"):
        funder_return_build(funding_source=case["s"], period_start=Q1[0], period_end=Q1[1], by=admin)
    with pytest.raises(ValidationError, match="already marked as submitted"):
        funder_return_mark_submitted(
            funder_return=done, submitted_on=date(2021, 7, 29), by=admin, today=date(2021, 7, 31)
        )


@pytest.mark.parametrize("role", ["board_member", "provider_manager"])
def test_only_opcc_staff_build_funder_returns(world, case, role) -> None:
    with pytest.raises(PermissionDenied):
        funder_return_build(
            funding_source=case["s"], period_start=Q1[0], period_end=Q1[1], by=world.member(role)
        )
