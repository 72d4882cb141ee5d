"""Working days in England and Wales: weekends, bank holidays, the counting convention."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waymark.core.workdays import (
    add_working_days,
    bank_holidays,
    is_working_day,
    next_working_day,
    working_days_between,
)

# Dates the tests use; days of the week checked with date.weekday() in test_calendar_facts.
FRI_2021_12_24 = date(2021, 12, 24)
MON_2021_12_27 = date(2021, 12, 27)
TUE_2021_12_28 = date(2021, 12, 28)
WED_2021_12_29 = date(2021, 12, 29)


def test_calendar_facts_the_tests_rely_on():
    assert FRI_2021_12_24.weekday() == 4
    assert MON_2021_12_27.weekday() == 0
    assert date(2022, 9, 19).weekday() == 0
    assert date(2023, 5, 8).weekday() == 0


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 6, 3), True),  # Monday
        (date(2024, 6, 7), True),  # Friday
        (date(2024, 6, 8), False),  # Saturday
        (date(2024, 6, 9), False),  # Sunday
    ],
)
def test_weekends_are_not_working_days(day, expected):
    assert is_working_day(day) is expected


@pytest.mark.parametrize(
    ("day", "what"),
    [
        (date(2021, 12, 27), "Christmas Day substitute (25th was a Saturday)"),
        (date(2021, 12, 28), "Boxing Day substitute (26th was a Sunday)"),
        (date(2022, 1, 3), "New Year's Day substitute"),
        (date(2021, 4, 2), "Good Friday"),
        (date(2021, 4, 5), "Easter Monday"),
        (date(2024, 4, 1), "Easter Monday"),
        (date(2022, 6, 3), "Platinum Jubilee"),
        (date(2022, 9, 19), "State funeral of Queen Elizabeth II"),
        (date(2023, 5, 8), "Coronation of King Charles III"),
        (date(2024, 12, 25), "Christmas Day"),
        (date(2024, 12, 26), "Boxing Day"),
    ],
)
def test_bank_holidays_are_not_working_days(day, what):
    assert not is_working_day(day), what


def test_bank_holidays_list_matches_gov_uk_style_for_2021():
    """Weekend dates are left out; the substitute Mondays and Tuesdays are in."""
    holidays_2021 = bank_holidays(2021)
    assert list(holidays_2021) == [
        date(2021, 1, 1),
        date(2021, 4, 2),
        date(2021, 4, 5),
        date(2021, 5, 3),
        date(2021, 5, 31),
        date(2021, 8, 30),
        date(2021, 12, 27),
        date(2021, 12, 28),
    ]
    assert all(name for name in holidays_2021.values())


def test_bank_holidays_returns_a_copy():
    bank_holidays(2022).clear()
    assert date(2022, 9, 19) in bank_holidays(2022)


def test_one_off_bank_holidays_are_named():
    assert "Funeral" in bank_holidays(2022)[date(2022, 9, 19)]
    assert "Coronation" in bank_holidays(2023)[date(2023, 5, 8)]


def test_add_working_days_skips_christmas_substitutes():
    # Friday 24 December 2021 + 1 working day: Mon 27 and Tue 28 are substitute days.
    assert add_working_days(FRI_2021_12_24, 1) == WED_2021_12_29


def test_add_working_days_crosses_the_year_end():
    # Wed 29, Thu 30, Fri 31 Dec; Mon 3 Jan 2022 is the New Year's Day substitute; Tue 4 Jan.
    assert add_working_days(date(2021, 12, 29), 3) == date(2022, 1, 4)
    assert add_working_days(date(2021, 12, 28), 4) == date(2022, 1, 4)


def test_add_working_days_over_easter():
    # Thursday 1 April 2021; Good Friday 2 April and Easter Monday 5 April are holidays.
    assert add_working_days(date(2021, 4, 1), 1) == date(2021, 4, 6)


def test_add_working_days_over_the_state_funeral():
    # Friday 16 September 2022 + 1: Monday 19 September was a bank holiday.
    assert add_working_days(date(2022, 9, 16), 1) == date(2022, 9, 20)


def test_add_working_days_over_the_coronation():
    # Friday 5 May 2023 + 1: Monday 8 May 2023 was a bank holiday.
    assert add_working_days(date(2023, 5, 5), 1) == date(2023, 5, 9)


def test_a_weekend_trigger_counts_from_the_next_working_day():
    saturday = date(2024, 6, 8)
    assert add_working_days(saturday, 1) == date(2024, 6, 10)
    assert add_working_days(saturday, 5) == date(2024, 6, 14)


def test_adding_zero_returns_the_start_unchanged():
    saturday = date(2024, 6, 8)
    assert add_working_days(saturday, 0) == saturday
    assert next_working_day(saturday) == date(2024, 6, 10)
    assert next_working_day(date(2024, 6, 10)) == date(2024, 6, 10)


def test_add_working_days_refuses_negative_and_non_integer_days():
    with pytest.raises(ValueError, match="zero or more"):
        add_working_days(date(2024, 6, 3), -1)
    with pytest.raises(TypeError):
        add_working_days(date(2024, 6, 3), 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        add_working_days(date(2024, 6, 3), True)


def test_working_days_between_counts_after_start_up_to_and_including_end():
    assert working_days_between(FRI_2021_12_24, FRI_2021_12_24) == 0
    assert working_days_between(FRI_2021_12_24, WED_2021_12_29) == 1
    assert working_days_between(date(2024, 6, 7), date(2024, 6, 10)) == 1  # Fri -> Mon
    assert working_days_between(date(2024, 6, 8), date(2024, 6, 10)) == 1  # Sat -> Mon
    assert working_days_between(date(2024, 6, 3), date(2024, 6, 8)) == 4  # Mon -> Sat


def test_working_days_between_is_negative_backwards():
    assert working_days_between(WED_2021_12_29, FRI_2021_12_24) == -1
    assert working_days_between(date(2024, 6, 10), date(2024, 6, 3)) == -5


def test_working_days_in_a_whole_year():
    # 2023 has 260 weekdays and 9 weekday bank holidays (New Year's Day fell on a Sunday, so
    # Monday 2 January was the substitute; the coronation added 8 May): 251 working days.
    assert len(bank_holidays(2023)) == 9
    assert working_days_between(date(2022, 12, 31), date(2023, 12, 31)) == 251


def _brute_force_between(start: date, end: date) -> int:
    if end < start:
        return -_brute_force_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n)))


days = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@given(start=days, end=days)
def test_working_days_between_agrees_with_a_day_by_day_count(start, end):
    assert working_days_between(start, end) == _brute_force_between(start, end)
    assert working_days_between(start, end) == -working_days_between(end, start)


@given(start=days, n=st.integers(min_value=0, max_value=60))
def test_add_then_count_gives_back_the_days(start, n):
    deadline = add_working_days(start, n)
    assert working_days_between(start, deadline) == n
    if n >= 1:
        assert is_working_day(deadline)
        # The deadline is the first such day: the day before has one working day fewer.
        assert working_days_between(start, deadline - timedelta(days=1)) == n - 1
