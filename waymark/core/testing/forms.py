"""Filling in forms in tests as a browser sends them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
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


def extract_upload_problems() -> list[tuple[dict[str, Any], str, str]]:
    """What an upload page that asks for `extraction_date_field` and a CSV `UploadedFileField`
    must say when they are wrong: (what is changed in a good form's data, the box or field the
    error summary links to, the message). A `None` value means the field is not sent."""
    return [
        (date_parts("extracted_on", ""), "extracted_on-day", "Enter the date the force extracted the data"),
        (
            {"extracted_on-month": ""},
            "extracted_on-month",
            "Date the force extracted the data must include a month",
        ),
        ({"extracted_on-day": "31", "extracted_on-month": "4"}, "extracted_on-day", "must be a real date"),
        (
            {"extracted_on-year": "25"},
            "extracted_on-year",
            "The year of the date the force extracted the data must include 4 numbers",
        ),
        (
            date_parts("extracted_on", "2999-01-01"),
            "extracted_on-day",
            "Date the force extracted the data must be today or in the past",
        ),
        ({"file": None}, "file", "Choose the CSV file to upload."),
        (
            {"file": SimpleUploadedFile("extract.xlsx", b"x")},
            "file",
            "The file must be a CSV file (its name ending .csv).",
        ),
    ]
