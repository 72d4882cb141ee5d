"""Allocations keep their whole history (indicative, confirmed, varied) with notified dates;
nonsense changes of status are refused and change nothing; commitments come off the top."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.audit.models import AccessLog
from waymark.funding.models import Allocation, Commitment
from waymark.funding.money import (
    allocation_current,
    allocation_history,
    allocation_record,
    commitment_add,
    source_years,
)

from .money_builders import make_allocation, make_award, make_source

pytestmark = pytest.mark.django_db

YEAR = "2022/23"


def _record(source, by, status, amount, notified, **extra):
    return allocation_record(
        source=source,
        financial_year=YEAR,
        amount=Decimal(amount),
        status=status,
        notified_on=notified,
        reference=extra.pop("reference", ""),
        notes=extra.pop("notes", ""),
        by=by,
    )


def test_indicative_then_confirmed_then_varied_keeps_every_step(world) -> None:
    """The seed paper's year 2: £1,669,330 indicative (notified 1 April 2021), confirmed at the
    same amount on 1 March 2022, then varied by an addendum to £1,702,716.60 on 1 October 2022.
    The current allocation is the varied one; the history lists all three, oldest first, each
    superseding the one before, with its own notified date."""
    admin = world.member("opcc_admin")
    source = make_source(name="MoJ IDVA/ISVA")
    first = _record(source, admin, "indicative", "1669330.00", date(2021, 4, 1), reference="Letter 2021")
    second = _record(source, admin, "confirmed", "1669330.00", date(2022, 3, 1), reference="Grant agreement")
    third = _record(source, admin, "varied", "1702716.60", date(2022, 10, 1), reference="Addendum 1")

    assert allocation_current(source, YEAR) == third
    history = allocation_history(source, YEAR)
    assert [(a.status, a.amount, a.notified_on) for a in history] == [
        ("indicative", Decimal("1669330.00"), date(2021, 4, 1)),
        ("confirmed", Decimal("1669330.00"), date(2022, 3, 1)),
        ("varied", Decimal("1702716.60"), date(2022, 10, 1)),
    ]
    assert (second.supersedes, third.supersedes, first.supersedes) == (first, second, None)
    assert third.recorded_by == admin
    assert AccessLog.objects.filter(record_type="funding.allocation", action="create").count() == 3


def test_a_further_addendum_varies_the_varied_allocation(world) -> None:
    admin = world.member("opcc_analyst")
    source = make_source()
    _record(source, admin, "confirmed", "100.00", date(2021, 4, 1))
    _record(source, admin, "varied", "110.00", date(2021, 6, 1))
    latest = _record(source, admin, "varied", "120.00", date(2021, 9, 1))
    assert allocation_current(source, YEAR) == latest
    assert len(allocation_history(source, YEAR)) == 3


def test_a_revised_indicative_figure_supersedes_the_first(world) -> None:
    admin = world.member("opcc_admin")
    source = make_source()
    _record(source, admin, "indicative", "100.00", date(2021, 4, 1))
    revised = _record(source, admin, "indicative", "90.00", date(2021, 5, 1))
    assert allocation_current(source, YEAR) == revised


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        ("confirmed", "indicative", "already confirmed: it cannot become indicative again"),
        ("confirmed", "confirmed", "record a change to it (an addendum) as varied"),
        ("varied", "indicative", "cannot become indicative again"),
        ("varied", "confirmed", "record a further change as varied"),
    ],
)
def test_nonsense_changes_of_status_are_refused(world, before, after, message) -> None:
    admin = world.member("opcc_admin")
    source = make_source()
    _record(source, admin, "confirmed", "100.00", date(2021, 4, 1))
    if before == "varied":
        _record(source, admin, "varied", "105.00", date(2021, 5, 1))
    count = Allocation.objects.count()
    with pytest.raises(ValidationError) as error:
        _record(source, admin, after, "110.00", date(2021, 6, 1))
    assert message in str(error.value.message_dict["status"])
    assert Allocation.objects.count() == count
    current = allocation_current(source, YEAR)
    assert current is not None
    assert current.status == before


def test_the_first_allocation_cannot_be_varied(world) -> None:
    source = make_source()
    with pytest.raises(ValidationError) as error:
        _record(source, world.member("opcc_admin"), "varied", "100.00", date(2021, 4, 1))
    assert "no allocation for 2022/23 to vary" in str(error.value)
    assert not Allocation.objects.exists()


def test_a_notified_date_before_the_one_it_replaces_is_refused(world) -> None:
    admin = world.member("opcc_admin")
    source = make_source()
    _record(source, admin, "indicative", "100.00", date(2021, 4, 1))
    with pytest.raises(ValidationError) as error:
        _record(source, admin, "confirmed", "100.00", date(2021, 3, 1))
    assert "cannot be before that of the allocation it replaces (1 April 2021)" in str(error.value)
    assert Allocation.objects.count() == 1


def test_years_are_separate_histories_and_labels_are_canonical(world) -> None:
    """ "2021-22" is stored as "2021/22"; a confirmed 2021/22 does not stop 2022/23 starting
    indicative."""
    admin = world.member("opcc_admin")
    source = make_source()
    allocation_record(
        source=source,
        financial_year="2021-22",
        amount=Decimal("1617802.00"),
        status="confirmed",
        notified_on=date(2021, 4, 1),
        by=admin,
    )
    _record(source, admin, "indicative", "1669330.00", date(2021, 4, 1))
    assert [
        (a.financial_year, a.status, a.amount) for a in Allocation.objects.order_by("financial_year")
    ] == [
        ("2021/22", "confirmed", Decimal("1617802.00")),
        ("2022/23", "indicative", Decimal("1669330.00")),
    ]
    assert Allocation.objects.get(financial_year=YEAR).supersedes is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", Decimal("-0.01"), "cannot be less than £0.00"),
        ("financial_year", "22/23", "Enter the financial year as 2021/22"),
    ],
)
def test_bad_input_is_refused(world, field, value, message) -> None:
    arguments = {
        "source": make_source(),
        "financial_year": YEAR,
        "amount": Decimal("1.00"),
        "status": "indicative",
        "notified_on": date(2021, 4, 1),
        "by": world.member("opcc_admin"),
    }
    arguments[field] = value
    with pytest.raises(ValidationError) as error:
        allocation_record(**arguments)
    assert message in str(error.value.message_dict[field])
    assert not Allocation.objects.exists()


@pytest.mark.parametrize("role", ["board_member", "provider_manager", "caseworker"])
def test_only_managers_record_allocations(world, role) -> None:
    with pytest.raises(PermissionDenied):
        _record(make_source(), world.member(role), "indicative", "1.00", date(2021, 4, 1))


def test_a_commitment_comes_off_the_allocation_before_distribution(world) -> None:
    """The seed paper: £1,617,802.00 confirmed for 2021/22, an existing ISVA commitment of
    £217,494.09 comes off, leaving £1,400,307.91 to distribute; an award of £1,000,000.00 leaves
    £400,307.91."""
    admin = world.member("opcc_admin")
    source = make_source()
    make_allocation(source=source, financial_year="2021/22", amount="1617802.00")
    commitment_add(
        source=source,
        financial_year="2021/22",
        amount=Decimal("217494.09"),
        description="Existing ISVA commitment",
        by=admin,
    )
    make_award(organisation=world.provider, lines=[(source, "2021/22", "1000000.00")])
    (year,) = source_years(source)
    assert year.to_distribute == Decimal("1400307.91")
    assert year.left == Decimal("400307.91")


def test_a_commitment_larger_than_what_is_left_is_refused(world) -> None:
    admin = world.member("opcc_admin")
    source = make_source()
    make_allocation(source=source, financial_year="2021/22", amount="1000.00")
    make_award(organisation=world.provider, lines=[(source, "2021/22", "600.00")])
    commitment_add(
        source=source, financial_year="2021/22", amount=Decimal("300.00"), description="A", by=admin
    )
    with pytest.raises(ValidationError) as error:
        commitment_add(
            source=source, financial_year="2021/22", amount=Decimal("100.01"), description="B", by=admin
        )
    assert (
        "£100.01 is more than is left of 2021/22's allocation (£100.00 after commitments and awards)"
        in str(error.value)
    )
    commitment_add(
        source=source, financial_year="2021/22", amount=Decimal("100.00"), description="C", by=admin
    )
    assert Commitment.objects.count() == 2


def test_a_commitment_needs_an_allocation_and_uses_the_current_one(world) -> None:
    admin = world.member("opcc_admin")
    source = make_source()
    with pytest.raises(ValidationError, match="has no allocation for 2021/22"):
        commitment_add(
            source=source, financial_year="2021/22", amount=Decimal("1.00"), description="A", by=admin
        )
    first = make_allocation(source=source, financial_year="2021/22", amount="100.00", status="indicative")
    make_allocation(
        source=source,
        financial_year="2021/22",
        amount="50.00",
        notified_on=date(2021, 6, 1),
        supersedes=first,
    )
    with pytest.raises(ValidationError, match="more than is left"):
        commitment_add(
            source=source, financial_year="2021/22", amount=Decimal("50.01"), description="A", by=admin
        )
