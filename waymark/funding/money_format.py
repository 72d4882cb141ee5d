"""Money for people to read: pounds to the penny, or to the pound saying when that rounded.

Money in Waymark is always a `Decimal` to the penny (`funding.models.MONEY`). These helpers only
*display* it; they never do arithmetic on the rounded text.

Worked answers:

    >>> pounds(Decimal("1400307.91"))
    '£1,400,307.91'
    >>> pounds(Decimal("3287132.89"), whole=True)
    '£3,287,133'
    >>> pounds_note(Decimal("3287132.89"))
    'rounded to the pound; exactly £3,287,132.89'
    >>> pounds_note(Decimal("209332"))
    ''
    >>> pounds_rounded(Decimal("3287132.89"))
    '£3,287,133 (rounded to the pound; exactly £3,287,132.89)'

Rounding to the pound is half-up (£0.50 goes up), the way a finance paper rounds, not Python's
default banker's rounding. Negative amounts print as "-£217,494.49".

Templates: the filters are in `JINJA_FILTERS` (`pounds`, `pounds_whole`, `pounds_note`,
`pounds_rounded`); `register(env)` adds them to a Jinja environment. Views may also pass the
functions in the context.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

PENNY = Decimal("0.01")
POUND = Decimal("1")


def _as_decimal(value: Decimal | int | str) -> Decimal:
    """A Decimal from a Decimal, an int or a numeric string; floats are refused (inexact)."""
    if isinstance(value, float):
        raise TypeError("money must be a Decimal, not a float")
    return value if isinstance(value, Decimal) else Decimal(value)


def to_pound(value: Decimal | int | str) -> Decimal:
    """The amount rounded half-up to a whole pound: 3287132.89 -> 3287133, 0.50 -> 1."""
    return _as_decimal(value).quantize(POUND, rounding=ROUND_HALF_UP)


def pounds(value: Decimal | int | str | None, *, whole: bool = False, rounded: bool = False) -> str:
    """ "£1,400,307.91", or with `whole=True` (alias `rounded=True`) "£3,287,133".

    `None` prints as an empty string so a template can show a missing amount as blank.
    """
    if value is None:
        return ""
    amount = _as_decimal(value)
    if whole or rounded:
        amount = to_pound(amount)
        text = f"{abs(amount):,.0f}"
    else:
        amount = amount.quantize(PENNY, rounding=ROUND_HALF_UP)
        text = f"{abs(amount):,.2f}"
    return f"-£{text}" if amount < 0 else f"£{text}"


@dataclass(frozen=True)
class Rounded:
    """An amount shown to the pound, with whether rounding changed it and the exact figure."""

    value: Decimal
    shown: str
    exact: str
    changed: bool

    @property
    def note(self) -> str:
        """ "rounded to the pound; exactly £3,287,132.89", or "" when rounding changed nothing."""
        return f"rounded to the pound; exactly {self.exact}" if self.changed else ""

    def __str__(self) -> str:
        return f"{self.shown} ({self.note})" if self.changed else self.shown


def rounded(value: Decimal | int | str) -> Rounded:
    """The `Rounded` view of an amount: `rounded(Decimal("3287132.89")).shown == "£3,287,133"`."""
    amount = _as_decimal(value)
    return Rounded(
        value=amount,
        shown=pounds(amount, whole=True),
        exact=pounds(amount),
        changed=to_pound(amount) != amount,
    )


def pounds_note(value: Decimal | int | str | None) -> str:
    """ "rounded to the pound; exactly £3,287,132.89", or "" if the amount is whole pounds."""
    return "" if value is None else rounded(value).note


def pounds_rounded(value: Decimal | int | str | None) -> str:
    """ "£3,287,133 (rounded to the pound; exactly £3,287,132.89)", or "£209,332" if exact."""
    return "" if value is None else str(rounded(value))


def pounds_whole(value: Decimal | int | str | None) -> str:
    """Filter form of `pounds(value, whole=True)`."""
    return pounds(value, whole=True)


JINJA_FILTERS: dict[str, Any] = {
    "pounds": pounds,
    "pounds_whole": pounds_whole,
    "pounds_note": pounds_note,
    "pounds_rounded": pounds_rounded,
}


def register(env: Any) -> Any:
    """Add the money filters to a Jinja environment and return it."""
    env.filters.update(JINJA_FILTERS)
    return env
