"""Awards: a variation changes the award's profile; the reconciliation flags lines that do not
add up to the stated total, to the penny; totals per year and per source are exact."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.audit.models import AccessLog
from waymark.funding.models import AwardFunding, AwardVariation, BudgetLine
from waymark.funding.money import (
    award_funding_add,
    award_profile,
    award_reconciliation,
    award_update,
    award_variations,
    award_vary,
    awards_not_reconciling,
    money,
    pounds,
)

from .money_builders import make_award, make_post, make_source

pytestmark = pytest.mark.django_db


def _line(award, source, year) -> Decimal:
    return AwardFunding.objects.get(award=award, funding_source=source, financial_year=year).amount


def _budget(award, description) -> BudgetLine:
    return BudgetLine.objects.get(award=award, description=description)


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


def test_a_virement_moves_money_between_budget_lines_of_one_year(world) -> None:
    """2021/22: non-pay "Venue" £5,000.00 and salaries "IDVA salaries" £100,000.00. A virement
    of £2,000.01 from the venue to the salaries leaves £2,999.99 and £102,000.01; the funding
    line and the stated total stay as they were (the money moves within the award's budget)."""
    source = make_source()
    award = make_award(
        organisation=world.provider,
        stated_total="105000.00",
        lines=[(source, "2021/22", "105000.00")],
        budget=[
            ("2021/22", "non_pay", "Venue", "5000.00"),
            ("2021/22", "salary", "IDVA salaries", "100000.00"),
        ],
    )
    venue, salaries = _budget(award, "Venue"), _budget(award, "IDVA salaries")
    admin = world.member("opcc_admin")
    award_vary(award=award, kind="scope", reason="Adds outreach", decided_on=date(2021, 8, 1), by=admin)
    variation = award_vary(
        award=award,
        kind="virement",
        reason="Non-pay to salaries",
        decision_reference="OPCC decision 2021/031",
        decided_on=date(2021, 7, 1),
        from_budget_line=venue,
        to_budget_line=salaries,
        amount_delta=Decimal("2000.01"),
        by=admin,
    )
    venue.refresh_from_db()
    salaries.refresh_from_db()
    assert (venue.amount, salaries.amount) == (Decimal("2999.99"), Decimal("102000.01"))
    assert (variation.from_budget_line, variation.to_budget_line) == (venue, salaries)
    assert (variation.financial_year, variation.amount_delta) == ("2021/22", Decimal("2000.01"))
    assert [v.kind for v in award_variations(award)] == ["virement", "scope"]  # in the order decided
    assert _line(award, source, "2021/22") == Decimal("105000.00")
    award.refresh_from_db()
    assert award.stated_total == Decimal("105000.00")
    assert award_reconciliation(award).ok
    entry = AccessLog.objects.filter(
        record_id=str(award.public_id), detail__startswith="Variation: Vire"
    ).get()
    assert "£2,000.01 from Venue (Non-pay, 2021/22) to IDVA salaries (Salaries, 2021/22)" in entry.detail


def test_a_virement_may_move_all_a_line_holds(world) -> None:
    award = make_award(
        organisation=world.provider,
        budget=[("2022/23", "capital", "Laptops", "0.01"), ("2022/23", "salary", "ISVA", "1.00")],
    )
    award_vary(
        award=award,
        kind="virement",
        reason="No laptops needed",
        decided_on=date(2022, 6, 1),
        from_budget_line=_budget(award, "Laptops"),
        to_budget_line=_budget(award, "ISVA"),
        amount_delta=Decimal("0.01"),
        by=world.member("opcc_analyst"),
    )
    assert (_budget(award, "Laptops").amount, _budget(award, "ISVA").amount) == (
        Decimal("0.00"),
        Decimal("1.01"),
    )


@pytest.mark.parametrize(
    ("from_name", "to_name", "amount", "field", "message"),
    [
        ("Venue", "Other award's line", "1.00", "to_budget_line", "is not a budget line of VIRE-1"),
        ("Other award's line", "Venue", "1.00", "from_budget_line", "is not a budget line of VIRE-1"),
        ("Venue", "Next year's salaries", "1.00", "to_budget_line", "within one financial year"),
        ("Venue", "Venue", "1.00", "to_budget_line", "between two different budget lines"),
        (
            "Venue",
            "IDVA salaries",
            "5000.01",
            "amount_delta",
            r"The virement of £5,000.01 is more than Venue \(Non-pay, 2021/22\) holds \(£5,000.00\)",
        ),
        ("Venue", "IDVA salaries", "0.00", "amount_delta", "A virement must move more than £0.00"),
        ("Venue", "IDVA salaries", "-1.00", "amount_delta", "A virement must move more than £0.00"),
        (None, "IDVA salaries", "1.00", "from_budget_line", "Select the budget line the money moves from"),
        ("Venue", None, "1.00", "to_budget_line", "Select the budget line the money moves to"),
    ],
)
def test_a_virement_refuses_bad_input_and_moves_nothing(
    world, from_name, to_name, amount, field, message
) -> None:
    award = make_award(
        organisation=world.provider,
        reference="VIRE-1",
        budget=[
            ("2021/22", "non_pay", "Venue", "5000.00"),
            ("2021/22", "salary", "IDVA salaries", "100000.00"),
            ("2022/23", "salary", "Next year's salaries", "100000.00"),
        ],
    )
    make_award(
        organisation=world.provider,
        reference="VIRE-2",
        budget=[("2021/22", "salary", "Other award's line", "9.00")],
    )
    before = sorted(BudgetLine.objects.values_list("description", "amount"))
    lines = {line.description: line for line in BudgetLine.objects.all()}
    with pytest.raises(ValidationError) as error:
        award_vary(
            award=award,
            kind="virement",
            reason="x",
            decided_on=date(2021, 9, 1),
            from_budget_line=lines.get(from_name),
            to_budget_line=lines.get(to_name),
            amount_delta=Decimal(amount),
            by=world.member("opcc_admin"),
        )
    assert list(error.value.message_dict) == [field]
    assert re.search(message, error.value.message_dict[field][0])
    assert sorted(BudgetLine.objects.values_list("description", "amount")) == before
    assert not AwardVariation.objects.exists()


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


# --- changing an award's header -------------------------------------------------------------------


def test_changing_an_awards_header_keeps_its_history_and_logs_what_changed(world) -> None:
    """Every field of the header changes in one go; the award's history keeps the old values
    and the access log names what changed."""
    award = make_award(organisation=world.provider, reference="HDR-1", title="IDVA service")
    award_update(
        award=award,
        title="  IDVA and ISVA service ",
        organisation=world.other_provider,
        awarded_on=date(2021, 3, 15),
        start_on=date(2021, 5, 1),
        end_on=date(2023, 2, 28),
        status="closed",
        stated_total=Decimal("1400307.91"),
        decision_reference="OPCC decision 2021/007",
        description="Two years of IDVA and ISVA support",
        by=world.member("opcc_analyst"),
    )
    award.refresh_from_db()
    assert (award.reference, award.title, award.organisation, award.awarded_on) == (
        "HDR-1",
        "IDVA and ISVA service",
        world.other_provider,
        date(2021, 3, 15),
    )
    assert (award.start_on, award.end_on, award.status, award.stated_total) == (
        date(2021, 5, 1),
        date(2023, 2, 28),
        "closed",
        Decimal("1400307.91"),
    )
    assert (award.decision_reference, award.description) == (
        "OPCC decision 2021/007",
        "Two years of IDVA and ISVA support",
    )
    assert [h.title for h in award.history.order_by("history_date")] == [
        "IDVA service",
        "IDVA and ISVA service",
    ]
    entry = AccessLog.objects.get(record_id=str(award.public_id), action=AccessLog.Action.CHANGE)
    assert entry.detail == (
        "Changed title, provider, date decided, start date, end date, status, stated total, "
        "decision reference, description"
    )


def test_changing_nothing_writes_nothing(world) -> None:
    award = make_award(organisation=world.provider, title="Same")
    award_update(award=award, title="Same", by=world.member("opcc_admin"))
    assert award.history.count() == 1
    assert not AccessLog.objects.filter(action=AccessLog.Action.CHANGE).exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"end_on": date(2021, 3, 31)}, "end_on", "The end date must be on or after the start date"),
        ({"stated_total": Decimal("-0.01")}, "stated_total", "The stated total cannot be less than £0.00"),
        ({"organisation": "opcc"}, "organisation", "Select the provider the award is made to"),
    ],
)
def test_a_bad_header_is_refused_and_nothing_changes(world, fields, field, message) -> None:
    award = make_award(organisation=world.provider, start_on=date(2021, 4, 1), end_on=date(2023, 3, 31))
    if fields.get("organisation") == "opcc":
        fields = {"organisation": world.opcc}
    with pytest.raises(ValidationError) as error:
        award_update(award=award, by=world.member("opcc_admin"), **fields)
    assert error.value.message_dict == {field: [message]}
    award.refresh_from_db()
    assert (award.organisation, award.end_on, award.stated_total) == (world.provider, date(2023, 3, 31), None)
    assert award.history.count() == 1


def test_new_dates_cannot_leave_money_in_a_year_the_award_no_longer_runs_in(world) -> None:
    """An award from 1 April 2021 to 31 March 2023 has a funding line and a budget line in
    2021/22 and a post share in 2022/23. Starting it on 1 April 2022 would leave 2021/22 out;
    ending it on 31 March 2022 would leave 2022/23 out: both are refused, naming the years and
    what is in them. Starting it on 31 March 2022 keeps a day of 2021/22 and is allowed."""
    source = make_source()
    award = make_award(
        organisation=world.provider,
        start_on=date(2021, 4, 1),
        end_on=date(2023, 3, 31),
        lines=[(source, "2021/22", "10.00")],
        budget=[("2021/22", "salary", "IDVA", "10.00")],
    )
    make_post(award=award, shares=[(source, "2022/23", "0.5")])
    admin = world.member("opcc_admin")
    with pytest.raises(ValidationError) as late_start:
        award_update(award=award, start_on=date(2022, 4, 1), by=admin)
    assert late_start.value.message_dict == {
        "start_on": [
            "The award would no longer run in 2021/22 (funding lines and budget lines): it must start "
            "on or before 31 March 2022 to keep them"
        ]
    }
    with pytest.raises(ValidationError) as early_end:
        award_update(award=award, end_on=date(2022, 3, 31), by=admin)
    assert early_end.value.message_dict == {
        "end_on": [
            "The award would no longer run in 2022/23 (post FTE shares): it must end on or after "
            "1 April 2022 to keep them"
        ]
    }
    award.refresh_from_db()
    assert (award.start_on, award.end_on) == (date(2021, 4, 1), date(2023, 3, 31))
    award_update(award=award, start_on=date(2022, 3, 31), by=admin)
    award.refresh_from_db()
    assert award.start_on == date(2022, 3, 31)


def test_moving_both_dates_names_every_year_left_out(world) -> None:
    """Money in 2020/21, 2021/22 and 2023/24; moving the award to 2022/23 alone leaves out the
    first two (start on or before 31 March 2021 to keep both) and the last."""
    source = make_source()
    award = make_award(
        organisation=world.provider,
        start_on=date(2020, 4, 1),
        end_on=date(2024, 3, 31),
        lines=[(source, "2020/21", "1.00"), (source, "2021/22", "1.00"), (source, "2023/24", "1.00")],
    )
    with pytest.raises(ValidationError) as error:
        award_update(
            award=award, start_on=date(2022, 4, 1), end_on=date(2023, 3, 31), by=world.member("opcc_admin")
        )
    assert error.value.message_dict == {
        "start_on": [
            "The award would no longer run in 2020/21 (funding lines), 2021/22 (funding lines): it "
            "must start on or before 31 March 2021 to keep them"
        ],
        "end_on": [
            "The award would no longer run in 2023/24 (funding lines): it must end on or after "
            "1 April 2023 to keep them"
        ],
    }


def test_money_already_outside_the_award_does_not_block_an_unrelated_change(world) -> None:
    """A line recorded in 2019/20 on an award that starts in 2021 was outside it before the
    change: correcting the title is not refused because of it."""
    source = make_source()
    award = make_award(organisation=world.provider, lines=[(source, "2019/20", "1.00")])
    award_update(award=award, title="Corrected", by=world.member("opcc_admin"))
    award.refresh_from_db()
    assert award.title == "Corrected"


def test_an_award_with_posts_stays_with_its_provider(world) -> None:
    award = make_award(organisation=world.provider, reference="POSTS-1")
    make_post(award=award)
    with pytest.raises(
        ValidationError, match="has funded posts of Home Provider, so it cannot move to Other"
    ):
        award_update(award=award, organisation=world.other_provider, by=world.member("opcc_admin"))
    award.refresh_from_db()
    assert award.organisation == world.provider


@pytest.mark.parametrize("role", ["board_member", "provider_manager", "provider_manager_other"])
def test_only_the_opccs_funding_managers_change_an_award(world, role) -> None:
    award = make_award(organisation=world.provider, title="Before")
    with pytest.raises(PermissionDenied):
        award_update(award=award, title="After", by=world.member(role))
    award.refresh_from_db()
    assert award.title == "Before"


def test_the_reference_is_not_changed_by_award_update(world) -> None:
    award = make_award(organisation=world.provider, reference="KEEP-1")
    with pytest.raises(TypeError, match="cannot change reference"):
        award_update(award=award, reference="NEW-1", by=world.member("opcc_admin"))
