"""The demo funding: loaded twice it makes nothing the second time, and it carries the seed
paper's printed figures, each shown exactly as printed by `pounds()`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from waymark.funding.demo import demo_funding_load
from waymark.funding.models import (
    Allocation,
    Award,
    AwardFunding,
    AwardVariation,
    FundedPost,
    FundingSource,
    MatchContribution,
    PostFundingShare,
)
from waymark.funding.money_format import pounds, pounds_note, pounds_rounded
from waymark.funding.posts import source_money

pytestmark = pytest.mark.django_db


def test_loading_twice_creates_nothing_more() -> None:
    """The first load makes 41 posts with two years of shares each; the second finds them all."""
    first = demo_funding_load()
    counts = {
        model.__name__: model.objects.count()
        for model in (
            Allocation,
            Award,
            AwardFunding,
            AwardVariation,
            FundedPost,
            MatchContribution,
            PostFundingShare,
        )
    }
    second = demo_funding_load()
    assert first["posts"] == 41
    assert first["post_shares"] == 82
    assert set(second.values()) == {0}
    assert counts == {
        model.__name__: model.objects.count()
        for model in (
            Allocation,
            Award,
            AwardFunding,
            AwardVariation,
            FundedPost,
            MatchContribution,
            PostFundingShare,
        )
    }


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
