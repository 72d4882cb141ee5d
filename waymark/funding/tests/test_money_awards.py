"""Awards: a variation changes the award's profile; the reconciliation flags lines that do not
add up to the stated total, to the penny; totals per year and per source are exact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.funding.models import AwardFunding, AwardVariation
from waymark.funding.money import (
    award_funding_add,
    award_profile,
    award_reconciliation,
    award_variations,
    award_vary,
    awards_not_reconciling,
    money,
    pounds,
)

from .money_builders import make_award, make_source

pytestmark = pytest.mark.django_db


def _line(award, source, year) -> Decimal:
    return AwardFunding.objects.get(award=award, funding_source=source, financial_year=year).amount


def test_an_uplift_and_a_reduction_change_the_years_line(world) -> None:
    """£100,000.00 in 2021/22 and £100,000.00 in 2022/23; an uplift of £2,500.50 to 2022/23 and
    a reduction of £0.01 to 2021/22 give 2021/22 £99,999.99 and 2022/23 £102,500.50; the stated
    total of £200,000.00 moves with them to £202,500.49, so the award still reconciles."""
    admin = world.member("opcc_admin")
    source = make_source()
    award = make_award(
        organisation=world.provider,
        stated_total="200000.00",
        lines=[(source, "2021/22", "100000.00"), (source, "2022/23", "100000.00")],
    )
    award_vary(
        award=award,
        kind="uplift",
        reason="Pay award",
        decided_on=date(2022, 5, 1),
        funding_source=source,
        financial_year="2022/23",
        amount_delta=Decimal("2500.50"),
        by=admin,
    )
    award_vary(
        award=award,
        kind="reduction",
        reason="Underspend returned",
        decided_on=date(2022, 6, 1),
        funding_source=source,
        financial_year="2021/22",
        amount_delta=Decimal("-0.01"),
        by=admin,
    )
    profile = award_profile(award)
    assert profile.by_year == {"2021/22": Decimal("99999.99"), "2022/23": Decimal("102500.50")}
    assert profile.total == Decimal("202500.49")
    award.refresh_from_db()
    assert award.stated_total == Decimal("202500.49")
    assert award_reconciliation(award).ok
    assert [(v.kind, v.amount_delta) for v in award_variations(award)] == [
        ("uplift", Decimal("2500.50")),
        ("reduction", Decimal("-0.01")),
    ]


def test_an_uplift_to_a_new_source_adds_a_confirmed_line(world) -> None:
    """The OPCC matches Home Office money with six months of its own: an uplift from the OPCC's
    budget adds a new line to the award's profile."""
    home_office = make_source(name="Home Office perpetrator fund")
    opcc = make_source(name="OPCC budget")
    award = make_award(organisation=world.provider, lines=[(home_office, "2021/22", "50000.00")])
    award_vary(
        award=award,
        kind="uplift",
        reason="OPCC match for six months",
        decided_on=date(2021, 9, 1),
        funding_source=opcc,
        financial_year="2021/22",
        amount_delta=Decimal("50000.00"),
        by=world.member("opcc_analyst"),
    )
    line = AwardFunding.objects.get(award=award, funding_source=opcc)
    assert (line.amount, line.status) == (Decimal("50000.00"), "confirmed")
    assert award_profile(award).by_year == {"2021/22": Decimal("100000.00")}


def test_a_reduction_cannot_take_a_line_below_zero(world) -> None:
    source = make_source()
    award = make_award(
        organisation=world.provider, stated_total="100.00", lines=[(source, "2021/22", "100.00")]
    )
    with pytest.raises(ValidationError) as error:
        award_vary(
            award=award,
            kind="reduction",
            reason="Cut",
            decided_on=date(2021, 9, 1),
            funding_source=source,
            financial_year="2021/22",
            amount_delta=Decimal("-100.01"),
            by=world.member("opcc_admin"),
        )
    assert "would take the 2021/22 line" in str(error.value)
    assert "below £0.00 (it is £100.00)" in str(error.value)
    assert _line(award, source, "2021/22") == Decimal("100.00")
    award.refresh_from_db()
    assert award.stated_total == Decimal("100.00")
    assert not AwardVariation.objects.exists()


@pytest.mark.parametrize(
    ("kind", "delta", "year", "message"),
    [
        ("reduction", "-1.00", "2022/23", "has no line from"),
        ("uplift", "-1.00", "2021/22", "An uplift must add more than £0.00"),
        ("reduction", "1.00", "2021/22", "A reduction must take off more than £0.00"),
        ("uplift", "1.00", "", "Enter the financial year the change is to"),
    ],
)
def test_money_variations_refuse_bad_input(world, kind, delta, year, message) -> None:
    source = make_source()
    award = make_award(organisation=world.provider, lines=[(source, "2021/22", "100.00")])
    with pytest.raises(ValidationError, match=message):
        award_vary(
            award=award,
            kind=kind,
            reason="x",
            decided_on=date(2021, 9, 1),
            funding_source=source,
            financial_year=year,
            amount_delta=Decimal(delta),
            by=world.member("opcc_admin"),
        )
    assert list(AwardFunding.objects.values_list("financial_year", "amount")) == [
        ("2021/22", Decimal("100.00"))
    ]
    assert not AwardVariation.objects.exists()


def test_an_extension_moves_the_end_date_and_keeps_the_old_one(world) -> None:
    """A perpetrator programme ending 31 March 2022 is extended by two months "to allow safe
    demobilisation": it now ends 31 May 2022, and the variation keeps 31 March 2022."""
    award = make_award(organisation=world.provider, start_on=date(2021, 10, 1), end_on=date(2022, 3, 31))
    variation = award_vary(
        award=award,
        kind="extension",
        reason="A two-month extension to allow safe demobilisation",
        decision_reference="OPCC decision 2022/014",
        decided_on=date(2022, 2, 15),
        new_end_on=date(2022, 5, 31),
        by=world.member("opcc_admin"),
    )
    award.refresh_from_db()
    assert award.end_on == date(2022, 5, 31)
    assert (variation.previous_end_on, variation.new_end_on) == (date(2022, 3, 31), date(2022, 5, 31))
    assert award.history.count() == 2  # the change to the award is in its history too


def test_an_extension_must_end_later(world) -> None:
    award = make_award(organisation=world.provider, end_on=date(2022, 3, 31))
    with pytest.raises(
        ValidationError, match=r"must end after the award's current end date \(31 March 2022\)"
    ):
        award_vary(
            award=award,
            kind="extension",
            reason="x",
            decided_on=date(2022, 2, 1),
            new_end_on=date(2022, 3, 31),
            by=world.member("opcc_admin"),
        )
    award.refresh_from_db()
    assert award.end_on == date(2022, 3, 31)


def test_virement_and_scope_are_recorded_without_moving_money(world) -> None:
    source = make_source()
    award = make_award(organisation=world.provider, lines=[(source, "2021/22", "100.00")])
    admin = world.member("opcc_admin")
    award_vary(award=award, kind="scope", reason="Adds outreach", decided_on=date(2021, 8, 1), by=admin)
    award_vary(
        award=award, kind="virement", reason="Non-pay to salaries", decided_on=date(2021, 7, 1), by=admin
    )
    assert [v.kind for v in award_variations(award)] == ["virement", "scope"]  # in the order decided
    assert _line(award, source, "2021/22") == Decimal("100.00")


def test_only_managers_vary_awards(world) -> None:
    award = make_award(organisation=world.provider)
    with pytest.raises(PermissionDenied):
        award_vary(
            award=award,
            kind="scope",
            reason="x",
            decided_on=date(2021, 8, 1),
            by=world.member("board_member"),
        )


def test_reconciliation_flags_lines_that_do_not_add_up(world) -> None:
    """Stated £1,400,307.91; lines £700,153.95 + £700,153.95 = £1,400,307.90: a penny short.
    A second award whose lines add up exactly, and a third with no stated total, are not flagged."""
    source = make_source()
    short = make_award(
        organisation=world.provider,
        reference="SHORT",
        stated_total="1400307.91",
        lines=[(source, "2021/22", "700153.95"), (source, "2022/23", "700153.95")],
    )
    make_award(
        organisation=world.provider,
        reference="EXACT",
        stated_total="1400307.91",
        lines=[(source, "2021/22", "700153.96"), (source, "2022/23", "700153.95")],
    )
    unstated = make_award(organisation=world.provider, reference="NONE", lines=[(source, "2021/22", "5.00")])
    result = award_reconciliation(short)
    assert (result.stated_total, result.lines_total, result.difference, result.ok) == (
        Decimal("1400307.91"),
        Decimal("1400307.90"),
        Decimal("-0.01"),
        False,
    )
    assert award_reconciliation(unstated).ok
    assert not award_reconciliation(unstated).checked
    flagged = awards_not_reconciling(user=world.member("opcc_analyst"))
    assert [(award.reference, rec.difference) for award, rec in flagged] == [("SHORT", Decimal("-0.01"))]


def test_an_award_with_no_lines_but_a_stated_total_does_not_reconcile(world) -> None:
    make_award(organisation=world.provider, reference="EMPTY", stated_total="0.01")
    flagged = awards_not_reconciling(user=world.member("opcc_admin"))
    assert [(a.reference, r.lines_total, r.difference) for a, r in flagged] == [
        ("EMPTY", Decimal("0.00"), Decimal("-0.01"))
    ]


def test_the_warning_only_shows_awards_the_person_may_see(world) -> None:
    make_award(organisation=world.other_provider, reference="THEIRS", stated_total="1.00")
    assert awards_not_reconciling(user=world.member("provider_manager")) == []
    assert [a.reference for a, _ in awards_not_reconciling(user=world.member("provider_manager_other"))] == [
        "THEIRS"
    ]


def test_awkward_pennies_add_up_exactly_per_year_and_source(world) -> None:
    """0.1 + 0.2 is 0.30000000000000004 in floats. Lines of £0.10 and £0.20 from two sources in
    2021/22, and £1,617,801.99 + £0.01 in 2022/23: 2021/22 is exactly £0.30, 2022/23 exactly
    £1,617,802.00, the first source £1,617,802.09 and the second £0.21; with a stated total of
    £1,617,802.30 the award reconciles to the penny."""
    assert 0.1 + 0.2 != 0.3  # the trap Decimal avoids
    first = make_source(name="A")
    second = make_source(name="B")
    award = make_award(
        organisation=world.provider,
        stated_total="1617802.30",
        lines=[
            (first, "2021/22", "0.10"),
            (second, "2021/22", "0.20"),
            (first, "2022/23", "1617801.99"),
            (second, "2022/23", "0.01"),
        ],
    )
    profile = award_profile(award)
    assert profile.by_year == {"2021/22": Decimal("0.30"), "2022/23": Decimal("1617802.00")}
    assert profile.by_source == {first.pk: Decimal("1617802.09"), second.pk: Decimal("0.21")}
    assert profile.total == Decimal("1617802.30")
    reconciliation = award_reconciliation(award)
    assert reconciliation.ok
    assert reconciliation.difference == Decimal("0.00")
    assert awards_not_reconciling(user=world.member("opcc_admin")) == []


def test_money_is_never_a_float_and_is_shown_exactly() -> None:
    with pytest.raises(TypeError):
        money(0.1)
    assert money("0.105") == Decimal("0.11")  # half up
    assert pounds(Decimal("1400307.91")) == "£1,400,307.91"
    assert pounds(Decimal("-0.01")) == "-£0.01"


def test_a_second_line_for_the_same_source_and_year_is_refused(world) -> None:
    source = make_source(name="MoJ")
    award = make_award(organisation=world.provider, lines=[(source, "2021/22", "1.00")])
    with pytest.raises(ValidationError, match="already has a line from MoJ for 2021/22"):
        award_funding_add(
            award=award,
            source=source,
            financial_year="2021-22",
            amount=Decimal("2.00"),
            status="confirmed",
            by=world.member("opcc_admin"),
        )
    assert _line(award, source, "2021/22") == Decimal("1.00")
