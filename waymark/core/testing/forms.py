"""Filling in forms in tests as a browser sends them."""

from __future__ import annotations

from datetime import date

from waymark.core.date_input import PARTS


def date_parts(name: str, value: date | str) -> dict[str, str]:
    """A date as a GOV.UK date input sends it: `<name>-day`, `<name>-month` and `<name>-year`.

    `value` is a date, an ISO date ("2025-04-01"), or "" for three empty boxes.
    """
    if not value:
        return {f"{name}-{part}": "" for part in PARTS}
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return dict(
        zip((f"{name}-{part}" for part in PARTS), map(str, (day.day, day.month, day.year)), strict=True)
    )
