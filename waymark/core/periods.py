"""UK financial years (1 April to 31 March) and their quarters: the unit of every return.

Labels follow the form used in OPCC and Home Office papers: "2021/22" for the year that starts
on 1 April 2021, and "2021/22 Q2" for July to September 2021 (Q1 is April to June).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Self

# The first month of the financial year, and of each quarter (Q1 = April to June).
_FIRST_MONTH = 4
_QUARTER_START_MONTHS = {1: 4, 2: 7, 3: 10, 4: 1}
_QUARTER_END = {1: (6, 30), 2: (9, 30), 3: (12, 31), 4: (3, 31)}

# `date` runs from year 1 to 9999, and a financial year ends in the calendar year after its start.
_MIN_START_YEAR = 1
_MAX_START_YEAR = 9998

# "2021/22", "2021-22", "2021/2022" or "2021-2022"; spaces round the separator allowed.
_YEAR_PATTERN = re.compile(r"^([0-9]{4})\s*[/-]\s*([0-9]{2}|[0-9]{4})$")
_QUARTER_PATTERN = re.compile(r"^(.+?)\s*Q([1-4])$", re.IGNORECASE)


def _check_start_year(start_year: object) -> int:
    if isinstance(start_year, bool) or not isinstance(start_year, int):
        raise TypeError(f"start_year must be an int, not {type(start_year).__name__}")
    if not _MIN_START_YEAR <= start_year <= _MAX_START_YEAR:
        raise ValueError(f"start_year must be between {_MIN_START_YEAR} and {_MAX_START_YEAR}")
    return start_year


def _check_date(day: object) -> None:
    if not isinstance(day, date):
        raise TypeError(f"expected a date, not {type(day).__name__}")


@dataclass(frozen=True, order=True, slots=True)
class FinancialYear:
    """The UK financial year that starts on 1 April of `start_year` and ends on 31 March after.

    Ordered by start year; `str()` gives the label, e.g. "2021/22".
    """

    start_year: int

    def __post_init__(self) -> None:
        _check_start_year(self.start_year)

    @property
    def label(self) -> str:
        """The label, e.g. "2021/22" (and "1999/00" across a century)."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        """1 April of the start year."""
        return date(self.start_year, _FIRST_MONTH, 1)

    @property
    def end(self) -> date:
        """31 March of the following year (inclusive)."""
        return date(self.start_year + 1, 3, 31)

    @classmethod
    def from_date(cls, day: date) -> Self:
        """The financial year that contains `day`."""
        _check_date(day)
        return cls(day.year if day.month >= _FIRST_MONTH else day.year - 1)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read a label such as "2021/22" (also "2021-22", "2021/2022"); ValueError if it is not one."""
        if not isinstance(text, str):
            raise TypeError(f"a financial year label must be a str, not {type(text).__name__}")
        match = _YEAR_PATTERN.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a financial year: expected a label like '2021/22'")
        start_year = int(match.group(1))
        end_part = match.group(2)
        expected = str(start_year + 1) if len(end_part) == 4 else f"{(start_year + 1) % 100:02d}"
        if end_part != expected:
            raise ValueError(
                f"{text!r} is not a financial year: the year after {start_year} is "
                f"{start_year + 1}, so the label is '{start_year}/{(start_year + 1) % 100:02d}'"
            )
        return cls(start_year)

    def quarters(self) -> tuple[FinancialQuarter, FinancialQuarter, FinancialQuarter, FinancialQuarter]:
        """The four quarters of this year, Q1 (April to June) first."""
        return (
            FinancialQuarter(self, 1),
            FinancialQuarter(self, 2),
            FinancialQuarter(self, 3),
            FinancialQuarter(self, 4),
        )

    def next(self) -> FinancialYear:
        """The financial year after this one."""
        return FinancialYear(self.start_year + 1)

    def previous(self) -> FinancialYear:
        """The financial year before this one."""
        return FinancialYear(self.start_year - 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, order=True, slots=True)
class FinancialQuarter:
    """One quarter of a financial year: Q1 April to June, Q2 July to September,
    Q3 October to December, Q4 January to March (in the calendar year after the start).

    Ordered by year then number; `str()` gives the label, e.g. "2021/22 Q2".
    """

    year: FinancialYear
    number: int

    def __post_init__(self) -> None:
        if not isinstance(self.year, FinancialYear):
            raise TypeError(f"year must be a FinancialYear, not {type(self.year).__name__}")
        if isinstance(self.number, bool) or not isinstance(self.number, int):
            raise TypeError(f"number must be an int, not {type(self.number).__name__}")
        if self.number not in _QUARTER_START_MONTHS:
            raise ValueError(f"a quarter number is 1 to 4, not {self.number}")

    @property
    def label(self) -> str:
        """The label, e.g. "2021/22 Q2"."""
        return f"{self.year.label} Q{self.number}"

    @property
    def _calendar_year(self) -> int:
        # Q4 (January to March) falls in the calendar year after the financial year starts.
        return self.year.start_year + (1 if self.number == 4 else 0)

    @property
    def start(self) -> date:
        """The first day of the quarter."""
        return date(self._calendar_year, _QUARTER_START_MONTHS[self.number], 1)

    @property
    def end(self) -> date:
        """The last day of the quarter (inclusive)."""
        month, day = _QUARTER_END[self.number]
        return date(self._calendar_year, month, day)

    @classmethod
    def from_date(cls, day: date) -> Self:
        """The financial quarter that contains `day`."""
        _check_date(day)
        number = (day.month - _FIRST_MONTH) % 12 // 3 + 1
        return cls(FinancialYear.from_date(day), number)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read a label such as "2021/22 Q2"; ValueError if it is not one."""
        if not isinstance(text, str):
            raise TypeError(f"a financial quarter label must be a str, not {type(text).__name__}")
        match = _QUARTER_PATTERN.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a financial quarter: expected a label like '2021/22 Q2'")
        try:
            year = FinancialYear.parse(match.group(1))
        except ValueError as error:
            raise ValueError(f"{text!r} is not a financial quarter: {error}") from None
        return cls(year, int(match.group(2)))

    def next(self) -> FinancialQuarter:
        """The quarter after this one (Q4 is followed by Q1 of the next year)."""
        if self.number == 4:
            return FinancialQuarter(self.year.next(), 1)
        return FinancialQuarter(self.year, self.number + 1)

    def previous(self) -> FinancialQuarter:
        """The quarter before this one (Q1 is preceded by Q4 of the previous year)."""
        if self.number == 1:
            return FinancialQuarter(self.year.previous(), 4)
        return FinancialQuarter(self.year, self.number - 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


def _as_year(value: date | FinancialYear, name: str) -> FinancialYear:
    if isinstance(value, FinancialYear):
        return value
    if isinstance(value, date):
        return FinancialYear.from_date(value)
    raise TypeError(f"{name} must be a date or a FinancialYear, not {type(value).__name__}")


def _as_quarter(value: date | FinancialQuarter, name: str) -> FinancialQuarter:
    if isinstance(value, FinancialQuarter):
        return value
    if isinstance(value, date):
        return FinancialQuarter.from_date(value)
    raise TypeError(f"{name} must be a date or a FinancialQuarter, not {type(value).__name__}")


def financial_years_between(start: date | FinancialYear, end: date | FinancialYear) -> list[FinancialYear]:
    """Every financial year from the one holding `start` to the one holding `end`, both included.

    Raises ValueError if `end` comes before `start`, since a reversed range is almost always a
    mistake in the caller's dates rather than a request for nothing.
    """
    first, last = _as_year(start, "start"), _as_year(end, "end")
    if last < first:
        raise ValueError(f"end ({last}) is before start ({first})")
    return [FinancialYear(year) for year in range(first.start_year, last.start_year + 1)]


def financial_quarters_between(
    start: date | FinancialQuarter, end: date | FinancialQuarter
) -> list[FinancialQuarter]:
    """Every financial quarter from the one holding `start` to the one holding `end`, both included.

    Raises ValueError if `end` comes before `start`.
    """
    first, last = _as_quarter(start, "start"), _as_quarter(end, "end")
    if last < first:
        raise ValueError(f"end ({last}) is before start ({first})")
    quarters = [first]
    while quarters[-1] != last:
        quarters.append(quarters[-1].next())
    return quarters
