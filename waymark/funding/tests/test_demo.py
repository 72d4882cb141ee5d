"""The demo funding: loaded twice it makes nothing the second time, and it carries the seed
paper's printed figures, each shown exactly as printed by `pounds()`."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from waymark.accounts.models import User
from waymark.funding import returns
from waymark.funding.demo import CHANGES_ASKED, ILLUSTRATIVE_RETURN, demo_funding_load
from waymark.funding.models import (
    Allocation,
    Award,
    AwardFunding,
    AwardVariation,
    BudgetLine,
    FundedPost,
    FunderReturn,
    FundingSource,
    MatchContribution,
    MonitoringReturn,
    PostFundingShare,
    ReturnSpend,
)
from waymark.funding.money_format import pounds, pounds_note, pounds_rounded
from waymark.funding.posts import source_money

pytestmark = pytest.mark.django_db


COUNTED = (
    Allocation,
    Award,
    AwardFunding,
    AwardVariation,
    BudgetLine,
    FundedPost,
    MatchContribution,
    MonitoringReturn,
    PostFundingShare,
    ReturnSpend,
    User,
)
Status = MonitoringReturn.Status


def _statuses() -> Counter[tuple[str, str]]:
    return Counter(MonitoringReturn.objects.values_list("award__reference", "status"))


def test_loading_twice_creates_nothing_more() -> None:
    """The first load makes 41 posts with two years of shares each, and 35 returns; the second
    finds them all and moves no return on."""
    first = demo_funding_load()
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    statuses = _statuses()
    second = demo_funding_load()
    assert first["posts"] == 41
    assert first["post_shares"] == 82
    assert first["returns_scheduled"] == 35
    assert set(second.values()) == {0}
    assert counts == {model.__name__: model.objects.count() for model in COUNTED}
    assert statuses == _statuses()


def test_the_moj_fund_shows_the_papers_figures(world: Any) -> None:
    """Paragraphs 33 to 35: £3,287,133 over two years, £1,617,802 in 2021/22, £1,669,330
    indicative in 2022/23, a £217,494 ISVA commitment, and £1,400,307.91 to distribute (the
    pennies are the demo's reconstruction: 1,617,802.40 - 217,494.49 = 1,400,307.91)."""
    demo_funding_load()
    analyst = world.member("opcc_analyst")
    money = source_money(
        user=analyst, funding_source=FundingSource.objects.get(name="National ISVA and IDVA Fund")
    )
    first, second = money.year("2021/22"), money.year("2022/23")
    assert pounds(money.total, whole=True) == "£3,287,133"
    assert pounds_note(money.total) == "rounded to the pound; exactly £3,287,132.89"
    assert pounds_rounded(money.total) == "£3,287,133 (rounded to the pound; exactly £3,287,132.89)"
    assert pounds(first.allocation, whole=True) == "£1,617,802"
    assert first.status == Allocation.Status.CONFIRMED
    assert pounds(second.allocation, whole=True) == "£1,669,330"
    assert second.status == Allocation.Status.INDICATIVE
    assert pounds(first.committed, whole=True) == "£217,494"
    assert pounds(first.distributable) == "£1,400,307.91"
    assert first.distributable == Decimal("1400307.91")


def test_the_moj_awards_distribute_exactly_what_is_left(world: Any) -> None:
    """The illustrative IDVA and ISVA lines for 2021/22 add up to the £1,400,307.91 to distribute."""
    demo_funding_load()
    lines = AwardFunding.objects.filter(
        funding_source__name="National ISVA and IDVA Fund", financial_year="2021/22"
    )
    assert sum(line.amount for line in lines) == Decimal("1400307.91")
    assert set(
        AwardFunding.objects.filter(
            financial_year="2022/23", funding_source__name="National ISVA and IDVA Fund"
        ).values_list("status", flat=True)
    ) == {"indicative"}


def test_perpetrator_funding_rounds() -> None:
    """Round 1's DVPP and Drive are extended to 30 November 2021 for safe demobilisation; YUVA runs
    to March 2022; round 2's £209,332.78 runs 1 August 2021 to 31 March 2022, matched in kind
    with an amount labelled illustrative."""
    demo_funding_load()
    extensions = AwardVariation.objects.filter(kind=AwardVariation.Kind.EXTENSION).select_related("award")
    assert sorted(v.award.title for v in extensions) == [
        "Drive Project enhancement",
        "Regional DVPP enhancement",
    ]
    for variation in extensions:
        assert str(variation.new_end_on) == "2021-11-30"
        assert "safe demobilisation" in variation.reason
        assert "Illustrative" in variation.reason
    assert str(Award.objects.get(reference="DEMO-HO-DAPF1-YUVA").end_on) == "2022-03-31"
    easi = Award.objects.get(reference="DEMO-HO-DAPF2-EASI")
    assert (str(easi.start_on), str(easi.end_on)) == ("2021-08-01", "2022-03-31")
    assert pounds(easi.stated_total) == "£209,332.78"
    match = easi.match_contributions.get()
    assert match.kind == MatchContribution.Kind.IN_KIND
    assert "Illustrative" in match.description


# --- awards' dates, budgets and monitoring returns ----------------------------------------------


def _demo_return(reference: str, period_start: date) -> MonitoringReturn:
    return MonitoringReturn.objects.get(award__reference=reference, period_start=period_start)


def test_only_the_award_whose_decision_date_the_paper_gives_has_one() -> None:
    """Paragraph 45: the stalking intervention was announced as awarded on 22 July 2021. The
    paper dates no other decision, so no other demo award has a date."""
    demo_funding_load()
    dated = dict(Award.objects.exclude(awarded_on=None).values_list("reference", "awarded_on"))
    assert dated == {"DEMO-HO-DAPF2-EASI": date(2021, 7, 22)}


def test_each_years_budget_adds_up_to_its_funding_to_the_penny() -> None:
    demo_funding_load()
    for funding in AwardFunding.objects.select_related("award"):
        lines = BudgetLine.objects.filter(award=funding.award, financial_year=funding.financial_year)
        assert {line.funding_source_id for line in lines} == {funding.funding_source_id}
        assert sum(line.amount for line in lines) == funding.amount, funding


def test_the_demo_has_accepted_returns_and_one_due_for_a_provider() -> None:
    """Every ended period is submitted and accepted (spend on every budget line, outputs, an
    illustrative narrative), but for one return awaiting review and one still due, which the IDVA
    provider's manager can see and submit, and Remedi's manager cannot see."""
    demo_funding_load()
    assert _statuses()[("DEMO-MOJ-IDVA-2021", Status.ACCEPTED)] == 7
    assert Counter(MonitoringReturn.objects.values_list("status", flat=True)) == {
        Status.ACCEPTED: 33,
        Status.SUBMITTED: 1,
        Status.DUE: 1,
    }
    for accepted in MonitoringReturn.objects.filter(status=Status.ACCEPTED):
        spend, total = returns.return_spend(accepted)
        assert spend
        assert all(row.amount is not None for row in spend), accepted
        assert total > 0
        assert accepted.outputs["referrals_received"] >= 0
        assert ILLUSTRATIVE_RETURN in accepted.narrative
        assert accepted.submitted_by is not None
        assert accepted.submitted_by.email.endswith("manager@demo.waymark.test")

    due = MonitoringReturn.objects.get(status=Status.DUE)
    assert (due.award.reference, due.period_start, due.period_end) == (
        "DEMO-MOJ-IDVA-2021",
        date(2023, 1, 1),
        date(2023, 3, 31),
    )
    assert _demo_return("DEMO-MOJ-ISVA-2021", date(2023, 1, 1)).status == Status.SUBMITTED

    manager = User.objects.get(email="idva.manager@demo.waymark.test")
    assert list(returns.monitoring_return_list(user=manager, status=Status.DUE)) == [due]
    remedi = User.objects.get(email="provider.manager@demo.waymark.test")
    assert not returns.monitoring_return_list(user=remedi).exists()
    lines = returns.return_budget_lines(due)
    assert len(lines) == 4
    returns.monitoring_return_submit(
        monitoring_return=due,
        spend={line.pk: "1000.00" for line in lines},
        outputs={"referrals_received": 600},
        narrative="The quarter's work.",
        by=manager,
    )
    due.refresh_from_db()
    assert due.status == Status.SUBMITTED
    demo_funding_load()  # loading again keeps what a person has done since
    due.refresh_from_db()
    assert (due.status, due.narrative) == (Status.SUBMITTED, "The quarter's work.")


def test_the_demo_history_has_a_return_sent_back_and_one_submitted_late() -> None:
    demo_funding_load()
    sent_back = _demo_return("DEMO-MOJ-ISVA-2021", date(2021, 7, 1))
    assert sent_back.status == Status.ACCEPTED
    assert sent_back.reviewer_comments == CHANGES_ASKED
    assert Status.CHANGES_REQUESTED in set(sent_back.history.values_list("status", flat=True))
    assert "were for children and young people" in sent_back.narrative
    late = _demo_return("DEMO-HO-DAPF1-YUVA", date(2021, 1, 1))
    assert late.status == Status.ACCEPTED
    assert returns.return_state(late) == "Accepted; submitted on 10 May 2021 (after the due date)"
    on_time = _demo_return("DEMO-HO-DAPF1-YUVA", date(2021, 4, 1))
    assert returns.return_state(on_time) == "Accepted; submitted on 21 July 2021"


def test_the_demo_programmes_wind_down_in_their_last_period() -> None:
    """The DVPP and Drive end on 30 November 2021 "to allow safe demobilisation": no referrals in
    their last period, and no case left open."""
    demo_funding_load()
    for reference in ("DEMO-HO-DAPF1-DVPP", "DEMO-HO-DAPF1-DRIVE"):
        last = _demo_return(reference, date(2021, 10, 1))
        assert last.period_end == date(2021, 11, 30)
        assert last.outputs["referrals_received"] == 0
        assert last.outputs["cases_open_at_end"] == 0
        assert last.outputs["cases_closed"] > 0


def test_the_demo_has_draft_returns_to_the_moj_for_every_quarter_it_can() -> None:
    """The MoJ fund's money runs April 2021 to March 2023: a return to the MoJ is built for each
    quarter whose providers' returns are all accepted, April 2021 to December 2022 (seven), as
    drafts (the paper gives no date one was sent); January to March 2023 waits on the IDVA
    return still due and the ISVA return under review."""
    demo_funding_load()
    moj = FundingSource.objects.get(name="National ISVA and IDVA Fund")
    built = FunderReturn.objects.filter(funding_source=moj).order_by("period_start")
    assert [(r.period_start, r.period_end) for r in built] == [
        (date(2021, 4, 1), date(2021, 6, 30)),
        (date(2021, 7, 1), date(2021, 9, 30)),
        (date(2021, 10, 1), date(2021, 12, 31)),
        (date(2022, 1, 1), date(2022, 3, 31)),
        (date(2022, 4, 1), date(2022, 6, 30)),
        (date(2022, 7, 1), date(2022, 9, 30)),
        (date(2022, 10, 1), date(2022, 12, 31)),
    ]
    assert {r.status for r in built} == {FunderReturn.Status.DRAFT}
    assert all(returns.funder_return_figures(r).spend_total > 0 for r in built)


def test_a_funder_return_is_built_from_the_demo_returns() -> None:
    """The MoJ fund's return for April to June 2021 rolls up the IDVA and ISVA awards' accepted
    returns: spend by category to the penny and outputs summed. The last quarter of 2022/23
    cannot be built: one return is due and one awaits review."""
    demo_funding_load()
    analyst = User.objects.get(email="opcc.analyst@demo.waymark.test")
    moj = FundingSource.objects.get(name="National ISVA and IDVA Fund")
    funder_return = returns.funder_return_build(
        funding_source=moj, period_start=date(2021, 4, 1), period_end=date(2021, 6, 30), by=analyst
    )
    included = [
        _demo_return("DEMO-MOJ-IDVA-2021", date(2021, 4, 1)),
        _demo_return("DEMO-MOJ-ISVA-2021", date(2021, 4, 1)),
    ]
    figures = returns.funder_return_figures(funder_return)
    assert list(figures.returns) == included
    spent = ReturnSpend.objects.filter(monitoring_return__in=included)
    assert figures.spend_total == sum(row.amount for row in spent)
    salaries = sum(row.amount for row in spent if row.budget_line.category == BudgetLine.Category.SALARY)
    assert dict(figures.spend)["Salaries"] == salaries
    assert figures.unattributed == ()
    outputs = dict(figures.outputs)
    assert outputs["Referrals received"] == sum(r.outputs["referrals_received"] for r in included)
    rows = returns.funder_return_csv_rows(figures)
    assert ["Spend by budget category (£)", "Total", figures.spend_total] in rows

    with pytest.raises(ValidationError) as refused:
        returns.funder_return_build(
            funding_source=moj, period_start=date(2023, 1, 1), period_end=date(2023, 3, 31), by=analyst
        )
    text = " ".join(refused.value.messages)
    quarter = "1 January 2023 to 31 March 2023"
    assert f"DEMO-MOJ-IDVA-2021 (Domestic abuse advocacy provider (demo)), {quarter}: due" in text
    assert f"DEMO-MOJ-ISVA-2021 (Sexual violence advocacy provider (demo)), {quarter}: submitted" in text
