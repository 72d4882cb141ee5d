"""The planning selectors: the plan to the penny, the scenario's unfunded posts, and the
ring-fence and underspend warnings, on the small case of `planning_builders`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from waymark.funding.models import (
    Award,
    BudgetLine,
    FundedPost,
    FundingStatus,
    MonitoringReturn,
    PostRole,
    ReturnSpend,
)
from waymark.funding.planning import (
    funding_plan,
    plan_csv_rows,
    post_cost,
    ring_fence_warnings,
    scenario_run,
    underspend_check,
    underspend_warnings,
)

from .planning_builders import YEAR_1, YEAR_2, award, build_case, funding_line, post, share

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def case(world):
    return build_case(world.provider)


@pytest.fixture
def analyst(world):
    return world.member("opcc_analyst")


def _money_lines(case):
    """W-1 gets A 2025/26 confirmed £60,000.25, A 2026/27 indicative £40,000.50 and B 2026/27
    confirmed £24,999.99; a draft award's £1,000.00 of A 2026/27 is not distributed."""
    funding_line(case.award, case.ring_fenced, YEAR_1, "60000.25", FundingStatus.CONFIRMED)
    funding_line(case.award, case.ring_fenced, YEAR_2, "40000.50", FundingStatus.INDICATIVE)
    funding_line(case.award, case.opcc_budget, YEAR_2, "24999.99", FundingStatus.CONFIRMED)
    draft = award(case.award.organisation, "W-2", status=Award.Status.DRAFT)
    funding_line(draft, case.ring_fenced, YEAR_2, "1000.00", FundingStatus.INDICATIVE)


def _figures(line):
    return (
        line.confirmed,
        line.indicative,
        line.allocation,
        line.commitments,
        line.distributed_confirmed,
        line.distributed_indicative,
        line.left,
    )


def test_the_plan_to_the_penny(case, analyst) -> None:
    """2025/26, A: confirmed £100,000.00; distributed £60,000.25; left £39,999.75.
    2026/27, A: indicative £100,000.00 (the £120,000.00 row is superseded); commitments
    £5,000.00; distributed indicative £40,000.50 (the draft award's £1,000.00 is not counted);
    left 100,000.00 - 5,000.00 - 40,000.50 = £54,999.50.
    2026/27, B: confirmed £25,500.00; distributed £24,999.99; left £500.01.
    2026/27 total: allocation £125,500.00, distributed £65,000.49, left £55,499.51.
    All years: allocation £225,500.00, distributed £125,000.74, left 39,999.75 + 55,499.51 =
    £95,499.26."""
    _money_lines(case)
    plan = funding_plan(user=analyst)
    assert plan.financial_years == (YEAR_1, YEAR_2)
    year_1, year_2 = plan.years
    assert [line.source_name for line in year_1.lines] == ["Ring-fenced IDVA and ISVA fund"]
    assert _figures(year_1.lines[0]) == (
        D("100000.00"),
        0,
        D("100000.00"),
        0,
        D("60000.25"),
        0,
        D("39999.75"),
    )
    a, b = year_2.lines
    assert (a.source_name, b.source_name) == ("Ring-fenced IDVA and ISVA fund", "OPCC victims budget")
    assert _figures(a) == (0, D("100000.00"), D("100000.00"), D("5000.00"), 0, D("40000.50"), D("54999.50"))
    assert _figures(b) == (D("25500.00"), 0, D("25500.00"), 0, D("24999.99"), 0, D("500.01"))
    assert _figures(year_2.total) == (
        D("25500.00"),
        D("100000.00"),
        D("125500.00"),
        D("5000.00"),
        D("24999.99"),
        D("40000.50"),
        D("55499.51"),
    )
    assert plan.total.allocation == D("225500.00")
    assert plan.total.distributed == D("125000.74")
    assert plan.total.left == D("95499.26")
    assert all(isinstance(value, Decimal) for value in _figures(plan.total))


def test_the_plan_for_one_year_and_its_csv(case, analyst) -> None:
    _money_lines(case)
    plan = funding_plan(user=analyst, financial_years=[YEAR_2])
    assert plan.financial_years == (YEAR_2,)
    rows = plan_csv_rows(plan)
    assert rows[-1][:2] == [YEAR_2, "Total, 2026/27"]
    assert rows[-1][-1] == D("55499.51")
    assert rows[0][1:3] == ["Ring-fenced IDVA and ISVA fund", "Ministry of Justice"]
    with pytest.raises(ValueError, match="not a financial year"):
        funding_plan(user=analyst, financial_years=["2026"])


def test_a_varied_allocation_counts_as_confirmed(case, analyst) -> None:
    """The current 2026/27 indicative £100,000.00 is varied to £98,765.43 by an addendum: the
    plan shows £98,765.43 confirmed and nothing indicative."""
    from waymark.funding.models import Allocation

    current = Allocation.objects.get(
        funding_source=case.ring_fenced, financial_year=YEAR_2, superseded_by__isnull=True
    )
    Allocation.objects.create(
        funding_source=case.ring_fenced,
        financial_year=YEAR_2,
        amount=D("98765.43"),
        status=Allocation.Status.VARIED,
        notified_on=date(2026, 1, 5),
        supersedes=current,
    )
    line = funding_plan(user=analyst, financial_years=[YEAR_2]).years[0].lines[0]
    assert (line.confirmed, line.indicative) == (D("98765.43"), 0)


@pytest.mark.parametrize("role", ["provider_manager", "caseworker", "provider_manager_other", "auditor"])
def test_only_funding_viewers_get_the_plan(world, case, role) -> None:
    with pytest.raises(PermissionDenied):
        funding_plan(user=world.member(role))
    with pytest.raises(PermissionDenied):
        scenario_run(user=world.member(role), cut_percent=D(10), pay_rise_percent=D(0))
    with pytest.raises(PermissionDenied):
        ring_fence_warnings(user=world.member(role))


def _unfunded(scenario):
    return [
        (post.financial_year, post.title, post.cost, post.covered, post.shortfall)
        for post in scenario.unfunded
    ]


def test_a_ten_percent_cut_to_indicative_money(case, analyst) -> None:
    """A 2026/27 is indicative £100,000.00: cut 10% = £10,000.00; less the £5,000.00
    commitment leaves £85,000.00. In priority order: IDVA Birmingham (filled) £35,000.00 ->
    £50,000.00 left; IDVA Coventry (filled) £30,000.00 -> £20,000.00 left; ISVA Dudley (vacant)
    £22,000.00 does not fit: unfunded, £20,000.00 of it covered (shortfall £2,000.00); Court
    IDVA Walsall (planned, 0.50 of £12,000.00 = £6,000.00) comes after it: unfunded, though
    £6,000.00 would have fitted on its own. A 2025/26 and B are confirmed: not cut; B's
    £25,500.00 pays Caseworker Sandwell's £24,999.99."""
    scenario = scenario_run(user=analyst, cut_percent=D(10), pay_rise_percent=D(0))
    assert _unfunded(scenario) == [
        (YEAR_2, "ISVA Dudley", D("22000.00"), D("20000.00"), D("2000.00")),
        (YEAR_2, "Court IDVA Walsall", D("6000.00"), D("0.00"), D("6000.00")),
    ]
    lines = {(line.financial_year, line.source_name): line for line in scenario.lines}
    a2 = lines[(YEAR_2, "Ring-fenced IDVA and ISVA fund")]
    assert (a2.cut, a2.available, a2.cost, a2.balance) == (
        D("10000.00"),
        D("85000.00"),
        D("93000.00"),
        D("-8000.00"),
    )
    assert [post.title for post in a2.posts] == [
        "IDVA Birmingham",
        "IDVA Coventry",
        "ISVA Dudley",
        "Court IDVA Walsall",
    ]
    assert lines[(YEAR_1, "Ring-fenced IDVA and ISVA fund")].cut == 0
    assert lines[(YEAR_2, "OPCC victims budget")].cut == 0
    assert lines[(YEAR_2, "OPCC victims budget")].unfunded == ()


def test_a_three_percent_pay_rise(case, analyst) -> None:
    """No cut; pay up 3%. A 2026/27 has £95,000.00 for posts: Birmingham £36,050.00 ->
    £58,950.00 left; Coventry £30,900.00 -> £28,050.00; Dudley £22,660.00 -> £5,390.00; Court
    IDVA Walsall £6,180.00 does not fit: unfunded, £5,390.00 covered, shortfall £790.00.
    B: Caseworker Sandwell £24,999.99 x 0.80 / 0.80 x 1.03 = £25,749.9897 -> £25,749.99, more
    than B's £25,500.00: unfunded, shortfall £249.99."""
    scenario = scenario_run(user=analyst, cut_percent=D(0), pay_rise_percent=D(3))
    assert _unfunded(scenario) == [
        (YEAR_2, "Court IDVA Walsall", D("6180.00"), D("5390.00"), D("790.00")),
        (YEAR_2, "Caseworker Sandwell", D("25749.99"), D("25500.00"), D("249.99")),
    ]


def test_nothing_unfunded_as_things_stand(case, analyst) -> None:
    """A 2026/27: £95,000.00 for £93,000.00 of posts; B: £25,500.00 for £24,999.99."""
    assert scenario_run(user=analyst, cut_percent=D(0), pay_rise_percent=D(0)).unfunded == ()


def test_a_cut_to_one_source_and_one_year(case, analyst) -> None:
    """Cutting only B's indicative money cuts nothing (B's money is confirmed), so the 10% that
    unfunds two posts when every source is cut unfunds none; one year shows only that year."""
    scenario = scenario_run(
        user=analyst, cut_percent=D(10), pay_rise_percent=D(0), sources=[case.opcc_budget]
    )
    assert scenario.unfunded == ()
    assert scenario.cut_source_names == ("OPCC victims budget",)
    one_year = scenario_run(user=analyst, cut_percent=D(10), pay_rise_percent=D(0), financial_year=YEAR_1)
    assert [(line.financial_year, line.source_name) for line in one_year.lines] == [
        (YEAR_1, "Ring-fenced IDVA and ISVA fund")
    ]


def test_ties_are_broken_by_title_and_ended_or_uncosted_posts_are_left_out(case, analyst, world) -> None:
    """A filled "AAA IDVA" (£1.00) comes before the other filled posts by title; an ended post
    and a post with no annual cost are left out (the latter listed as not costed)."""
    first = post(world.provider, "AAA IDVA", PostRole.IDVA, FundedPost.Status.FILLED, "1.00")
    ended = post(world.provider, "Ended IDVA", PostRole.IDVA, FundedPost.Status.ENDED, "50000.00")
    uncosted = post(world.provider, "Uncosted IDVA", PostRole.IDVA, FundedPost.Status.FILLED, None)
    for extra in (first, ended, uncosted):
        share(extra, case.ring_fenced, YEAR_2, "1.00")
    scenario = scenario_run(user=analyst, cut_percent=D(0), pay_rise_percent=D(0), financial_year=YEAR_2)
    line = scenario.lines[0]
    assert [p.title for p in line.posts][:2] == ["AAA IDVA", "IDVA Birmingham"]
    assert "Ended IDVA" not in [p.title for p in line.posts]
    assert line.not_costed == ("Uncosted IDVA",)


def test_non_pay_budgeted_from_a_source_is_not_there_for_posts(case, analyst, world) -> None:
    """A 2026/27 has £95,000.00 for posts (£100,000.00 less the £5,000.00 commitment), and the
    posts cost £93,000.00. The award budgets £2,500.00 of non-pay (a venue) from A in 2026/27:
    £92,500.00 is left, so Court IDVA Walsall (£6,000.00, last in priority) gets the £5,500.00
    left after Birmingham, Coventry and Dudley (£87,000.00) and goes unfunded, £500.00 short.
    A salaries line from A, a non-pay line naming no source, one of another year and one of a
    draft award change nothing."""
    line = BudgetLine.objects.create
    line(
        award=case.award,
        financial_year=YEAR_2,
        category=BudgetLine.Category.NON_PAY,
        description="Venue",
        amount=D("2500.00"),
        funding_source=case.ring_fenced,
    )
    line(
        award=case.award,
        financial_year=YEAR_2,
        category=BudgetLine.Category.SALARY,
        description="Salaries",
        amount=D("90000.00"),
        funding_source=case.ring_fenced,
    )
    line(
        award=case.award,
        financial_year=YEAR_2,
        category=BudgetLine.Category.OVERHEADS,
        description="Overheads, unassigned",
        amount=D("9000.00"),
    )
    line(
        award=case.award,
        financial_year=YEAR_1,
        category=BudgetLine.Category.CAPITAL,
        description="Laptops",
        amount=D("4000.00"),
        funding_source=case.ring_fenced,
    )
    draft = award(world.provider, "W-DRAFT", status=Award.Status.DRAFT)
    line(
        award=draft,
        financial_year=YEAR_2,
        category=BudgetLine.Category.NON_PAY,
        description="Draft venue",
        amount=D("7000.00"),
        funding_source=case.ring_fenced,
    )

    scenario = scenario_run(user=analyst, cut_percent=D(0), pay_rise_percent=D(0), financial_year=YEAR_2)
    a2 = {line.source_name: line for line in scenario.lines}["Ring-fenced IDVA and ISVA fund"]
    assert (a2.non_pay, a2.available, a2.balance) == (D("2500.00"), D("92500.00"), D("-500.00"))
    assert _unfunded(scenario) == [(YEAR_2, "Court IDVA Walsall", D("6000.00"), D("5500.00"), D("500.00"))]


@pytest.mark.parametrize(
    ("cut", "rise", "error"),
    [
        (D("100.01"), D(0), ValueError),
        (D("-1"), D(0), ValueError),
        (D(0), D("NaN"), ValueError),
        (10.0, D(0), TypeError),
    ],
)
def test_bad_percentages_are_refused(case, analyst, cut, rise, error) -> None:
    with pytest.raises(error):
        scenario_run(user=analyst, cut_percent=cut, pay_rise_percent=rise)


def test_post_cost_is_rounded_once_at_the_end() -> None:
    """£10,000.01 x 0.33 / 1.00 x 1.025 = £3,382.5033825 -> £3,382.50."""
    assert post_cost(
        annual_cost=D("10000.01"), fte=D("1.00"), fte_share=D("0.33"), pay_rise_percent=D("2.5")
    ) == D("3382.50")


# --- ring-fence -----------------------------------------------------------------------------------


def test_ring_fenced_money_against_a_post_outside_the_ring_fence(case, analyst, world) -> None:
    """Caseworker Sandwell (a caseworker, outside A's IDVA / court IDVA / ISVA ring-fence):
    - 0.20 of its FTE charged to A in 2026/27: a direct warning;
    - its award W-1 has an A funding line (£40,000.50) and an A salary budget line in 2026/27:
      one award warning listing both routes; the non-pay budget line is no route.
    Award W-3 has A money but employs only an ISVA: no warning. B is not ring-fenced: its share
    of the caseworker raises nothing."""
    caseworker = case.posts["Caseworker Sandwell"]
    share(caseworker, case.ring_fenced, YEAR_2, "0.20")
    funding_line(case.award, case.ring_fenced, YEAR_2, "40000.50", FundingStatus.INDICATIVE)
    for category, description in (
        (BudgetLine.Category.SALARY, "Salaries"),
        (BudgetLine.Category.NON_PAY, "Rent"),
    ):
        BudgetLine.objects.create(
            award=case.award,
            financial_year=YEAR_2,
            category=category,
            description=description,
            amount=D("1000.00"),
            funding_source=case.ring_fenced,
        )
    clean = award(world.other_provider, "W-3")
    post(
        world.other_provider,
        "ISVA Wolverhampton",
        PostRole.ISVA,
        FundedPost.Status.FILLED,
        "30000.00",
        award=clean,
    )
    funding_line(clean, case.ring_fenced, YEAR_2, "30000.00", FundingStatus.CONFIRMED)

    warnings = ring_fence_warnings(user=analyst)
    assert [
        (w.financial_year, w.source_name, w.post_title, w.award_reference, w.routes) for w in warnings
    ] == [
        (YEAR_2, "Ring-fenced IDVA and ISVA fund", "Caseworker Sandwell", "", ("FTE share 0.20",)),
        (
            YEAR_2,
            "Ring-fenced IDVA and ISVA fund",
            "Caseworker Sandwell",
            "W-1",
            ("funding line £40,000.50", "budget line Salaries"),
        ),
    ]
    assert warnings[0].direct
    assert not warnings[1].direct
    assert warnings[0].allowed_roles == ("Court IDVA", "IDVA", "ISVA")
    assert ring_fence_warnings(user=analyst, financial_years=[YEAR_1]) == []


def test_no_ring_fence_warning_when_the_roles_are_inside(case, analyst) -> None:
    """The case as built: A pays only IDVA, ISVA and court IDVA posts."""
    assert ring_fence_warnings(user=analyst) == []


# --- underspend -----------------------------------------------------------------------------------


def _build_underspend(world, case, q1_spend: str) -> Award:
    """U-1 runs 1 April 2025 to 31 March 2026 (365 days) with £36,500.00 for 2025/26. Its Q1
    return (1 April to 30 June, 91 days) is submitted with `q1_spend`; its Q2 return (to 30
    September) is due and not in."""
    the_award = award(world.provider, "U-1", start_on=date(2025, 4, 1), end_on=date(2026, 3, 31))
    funding_line(the_award, case.ring_fenced, YEAR_1, "36500.00", FundingStatus.CONFIRMED)
    salaries = BudgetLine.objects.create(
        award=the_award,
        financial_year=YEAR_1,
        category=BudgetLine.Category.SALARY,
        description="Salaries",
        amount=D("36500.00"),
        funding_source=case.ring_fenced,
    )
    q1 = MonitoringReturn.objects.create(
        award=the_award,
        period_start=date(2025, 4, 1),
        period_end=date(2025, 6, 30),
        due_on=date(2025, 7, 31),
        status=MonitoringReturn.Status.SUBMITTED,
    )
    ReturnSpend.objects.create(monitoring_return=q1, budget_line=salaries, amount=D(q1_spend))
    MonitoringReturn.objects.create(
        award=the_award,
        period_start=date(2025, 7, 1),
        period_end=date(2025, 9, 30),
        due_on=date(2025, 10, 31),
        status=MonitoringReturn.Status.DUE,
    )
    return the_award


@pytest.mark.parametrize(("spend", "flagged"), [("6824.99", True), ("6825.00", False)])
def test_underspend_around_the_threshold(world, case, analyst, spend, flagged) -> None:
    """On 15 July 2025 the last period ended is Q1 (to 30 June): 91 of 365 days. Profile
    £36,500.00 x 91 / 365 = £9,100.00; 75% of it is £6,825.00. Spend of £6,824.99 is behind
    (flagged); £6,825.00 is not."""
    _build_underspend(world, case, spend)
    (check,) = underspend_check(user=analyst, as_of=date(2025, 7, 15))
    assert (check.award_reference, check.financial_year, check.profile_to) == (
        "U-1",
        YEAR_1,
        date(2025, 6, 30),
    )
    assert (check.elapsed_days, check.span_days, check.profile) == (91, 365, D("9100.00"))
    assert check.spend == D(spend)
    assert check.flagged is flagged
    assert [w.award_reference for w in underspend_warnings(user=analyst, as_of=date(2025, 7, 15))] == (
        ["U-1"] if flagged else []
    )


def test_a_return_not_in_reports_nothing_and_the_threshold_is_a_setting(
    world, case, analyst, settings
) -> None:
    """On 15 October 2025 Q2 (to 30 September) has ended but its return is not in: 183 of 365
    days, profile £36,500.00 x 183 / 365 = £18,300.00; spend is still Q1's £6,825.00, 37.3% of
    the profile: behind at 75%, not at a threshold of 37%."""
    _build_underspend(world, case, "6825.00")
    (check,) = underspend_check(user=analyst, as_of=date(2025, 10, 15))
    assert (check.profile, check.returns_not_in, check.spend_percent, check.flagged) == (
        D("18300.00"),
        1,
        D("37.3"),
        True,
    )
    settings.WAYMARK_UNDERSPEND_WARNING_PERCENT = 37
    assert underspend_warnings(user=analyst, as_of=date(2025, 10, 15)) == []


def test_no_period_ended_no_check(world, case, analyst) -> None:
    _build_underspend(world, case, "0.00")
    assert underspend_check(user=analyst, as_of=date(2025, 6, 29)) == []
