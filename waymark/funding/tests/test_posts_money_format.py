"""`pounds()` and its rounding note: the seed paper's printed figures from penny amounts."""

from __future__ import annotations

from decimal import Decimal

import jinja2
import pytest

from waymark.funding.money_format import pounds, pounds_note, pounds_rounded, register, rounded


@pytest.mark.parametrize(
    ("amount", "whole", "text"),
    [
        ("1400307.91", False, "£1,400,307.91"),
        ("3287132.89", True, "£3,287,133"),
        ("1617802.40", True, "£1,617,802"),
        ("1669330.49", True, "£1,669,330"),
        ("217494.49", True, "£217,494"),
        ("209332.78", False, "£209,332.78"),
        ("0.50", True, "£1"),
        ("2.5", True, "£3"),
        ("-217494.49", False, "-£217,494.49"),
        ("0", False, "£0.00"),
    ],
)
def test_pounds(amount: str, whole: bool, text: str) -> None:
    """Half-up to the pound (a finance paper's rounding, not banker's: £2.50 -> £3)."""
    assert pounds(Decimal(amount), whole=whole) == text


def test_the_note_says_when_rounding_changed_the_amount() -> None:
    assert pounds_note(Decimal("3287132.89")) == "rounded to the pound; exactly £3,287,132.89"
    assert pounds_note(Decimal("209332.00")) == ""
    assert pounds_rounded(Decimal("209332")) == "£209,332"
    assert rounded(Decimal("3287132.89")).changed
    assert pounds(None) == ""


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        pounds(1.5)  # type: ignore[arg-type]


def test_jinja_filters() -> None:
    env = register(jinja2.Environment(autoescape=True))
    template = env.from_string("{{ a | pounds }} {{ b | pounds_whole }} ({{ b | pounds_note }})")
    assert template.render(a=Decimal("1400307.91"), b=Decimal("3287132.89")) == (
        "£1,400,307.91 £3,287,133 (rounded to the pound; exactly £3,287,132.89)"
    )
