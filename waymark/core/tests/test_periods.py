"""UK financial years and quarters."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waymark.core.periods import (
    FinancialQuarter,
    FinancialYear,
    financial_quarters_between,
    financial_years_between,
)


def test_financial_year_label_and_bounds():
    year = FinancialYear(2021)
    assert year.label == "2021/22"
    assert str(year) == "2021/22"
    assert year.start == date(2021, 4, 1)
    assert year.end == date(2022, 3, 31)


def test_label_across_a_century():
    assert FinancialYear(1999).label == "1999/00"
    assert FinancialYear.parse("1999/00") == FinancialYear(1999)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2021, 4, 1), 2021),
        (date(2022, 3, 31), 2021),
        (date(2022, 4, 1), 2022),
        (date(2022, 1, 15), 2021),
        (date(2021, 12, 31), 2021),
    ],
)
def test_financial_year_from_date(day, expected):
    assert FinancialYear.from_date(day) == FinancialYear(expected)


@pytest.mark.parametrize("text", ["2021/22", " 2021/22 ", "2021-22", "2021/2022", "2021 / 22"])
def test_parse_accepts_the_usual_spellings(text):
    assert FinancialYear.parse(text) == FinancialYear(2021)


@pytest.mark.parametrize("text", ["2021/23", "2021", "21/22", "2021/22/23", "", "abcd/ef", "2021/2023"])
def test_parse_rejects_bad_labels_clearly(text):
    with pytest.raises(ValueError, match="not a financial year"):
        FinancialYear.parse(text)


def test_parse_explains_a_wrong_second_year():
    with pytest.raises(ValueError, match="'2021/22'"):
        FinancialYear.parse("2021/23")


def test_bad_start_years_are_refused():
    with pytest.raises(TypeError):
        FinancialYear("2021")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="between"):
        FinancialYear(9999)


def test_financial_years_order_and_step():
    assert FinancialYear(2020) < FinancialYear(2021)
    assert sorted([FinancialYear(2022), FinancialYear(2020)]) == [FinancialYear(2020), FinancialYear(2022)]
    assert FinancialYear(2021).next() == FinancialYear(2022)
    assert FinancialYear(2021).previous() == FinancialYear(2020)


def test_financial_year_is_hashable_and_contains_dates():
    assert len({FinancialYear(2021), FinancialYear.parse("2021/22")}) == 1
    assert date(2022, 3, 31) in FinancialYear(2021)
    assert date(2022, 4, 1) not in FinancialYear(2021)


def test_quarters_of_a_year():
    q1, q2, q3, q4 = FinancialYear(2021).quarters()
    assert (q1.start, q1.end) == (date(2021, 4, 1), date(2021, 6, 30))
    assert (q2.start, q2.end) == (date(2021, 7, 1), date(2021, 9, 30))
    assert (q3.start, q3.end) == (date(2021, 10, 1), date(2021, 12, 31))
    assert (q4.start, q4.end) == (date(2022, 1, 1), date(2022, 3, 31))
    assert q2.label == "2021/22 Q2"
    assert str(q4) == "2021/22 Q4"


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2021, 4, 1), "2021/22 Q1"),
        (date(2021, 6, 30), "2021/22 Q1"),
        (date(2021, 7, 1), "2021/22 Q2"),
        (date(2021, 12, 31), "2021/22 Q3"),
        (date(2022, 1, 1), "2021/22 Q4"),
        (date(2022, 3, 31), "2021/22 Q4"),
    ],
)
def test_quarter_from_date(day, label):
    assert FinancialQuarter.from_date(day).label == label


def test_quarter_parse():
    assert FinancialQuarter.parse("2021/22 Q2") == FinancialQuarter(FinancialYear(2021), 2)
    assert FinancialQuarter.parse("2021/22q4") == FinancialQuarter(FinancialYear(2021), 4)


@pytest.mark.parametrize("text", ["2021/22 Q5", "2021/22", "Q2", "2021/23 Q1", "2021/22 Q"])
def test_quarter_parse_rejects_bad_labels(text):
    with pytest.raises(ValueError, match="not a financial quarter"):
        FinancialQuarter.parse(text)


def test_quarter_number_is_checked():
    with pytest.raises(ValueError, match="1 to 4"):
        FinancialQuarter(FinancialYear(2021), 0)


def test_quarters_order_and_step_across_years():
    q4 = FinancialQuarter(FinancialYear(2021), 4)
    assert q4.next() == FinancialQuarter(FinancialYear(2022), 1)
    assert q4.next().previous() == q4
    assert FinancialQuarter(FinancialYear(2021), 4) < FinancialQuarter(FinancialYear(2022), 1)


def test_financial_years_between_dates_and_years():
    assert financial_years_between(date(2020, 3, 31), date(2022, 4, 1)) == [
        FinancialYear(2019),
        FinancialYear(2020),
        FinancialYear(2021),
        FinancialYear(2022),
    ]
    assert financial_years_between(FinancialYear(2021), FinancialYear(2021)) == [FinancialYear(2021)]
    with pytest.raises(ValueError, match="before start"):
        financial_years_between(FinancialYear(2022), FinancialYear(2021))


def test_financial_quarters_between():
    labels = [str(q) for q in financial_quarters_between(date(2021, 12, 1), date(2022, 4, 1))]
    assert labels == ["2021/22 Q3", "2021/22 Q4", "2022/23 Q1"]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_every_date_lies_in_its_year_and_quarter(day):
    year = FinancialYear.from_date(day)
    quarter = FinancialQuarter.from_date(day)
    assert year.start <= day <= year.end
    assert quarter.start <= day <= quarter.end
    assert quarter.year == year
    assert FinancialYear.parse(year.label) == year
    assert FinancialQuarter.parse(quarter.label) == quarter
    # Quarters tile the year with no gaps.
    assert quarter.next().start == quarter.end + timedelta(days=1)
