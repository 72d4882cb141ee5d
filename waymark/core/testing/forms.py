"""Filling in forms in tests as a browser sends them."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from waymark.core.date_input import PARTS


def date_parts(name: str, value: date | str) -> dict[str, str]:
    """A date as a GOV.UK date input sends it: `<name>-day`, `<name>-month` and `<name>-year`,
    and `<name>-time` for a date and time.

    `value` is a date, a datetime, an ISO date ("2025-04-01") or date and time
    ("2025-04-01 14:15"), or "" for three empty boxes.
    """
    if not value:
        return {f"{name}-{part}": "" for part in PARTS}
    moment = value if isinstance(value, date) else datetime.fromisoformat(value)
    if isinstance(moment, datetime) and timezone.is_aware(moment):
        moment = timezone.localtime(moment)  # the boxes show Waymark's time zone
    typed = {"day": moment.day, "month": moment.month, "year": moment.year}
    boxes = {f"{name}-{part}": str(number) for part, number in typed.items()}
    if isinstance(moment, datetime) and (isinstance(value, datetime) or len(str(value)) > 10):
        boxes[f"{name}-time"] = f"{moment:%H:%M}"
    return boxes
