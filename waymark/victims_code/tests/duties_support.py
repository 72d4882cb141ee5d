"""Helpers for the Victims' Code import tests: the sample extract loaded, and CSV files written."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from waymark.core.models import PoliceForceArea
from waymark.crime.force_extract import import_crimes
from waymark.crime.tests.force_extract_support import SAMPLE_CRIMES, SAMPLES
from waymark.victims_code.duties import DUTY_COLUMNS

SAMPLE_DUTIES = SAMPLES / "code-duties.csv"
SAMPLE_RETURN = SAMPLES / "aggregate-return.csv"
EXTRACTED = date(2025, 4, 1)


def west_midlands() -> PoliceForceArea:
    return PoliceForceArea.objects.get(code="E23000014")


def load_sample_crimes() -> PoliceForceArea:
    """The sample crimes file (SYN-0001-24 to SYN-0010-24, victims V-SYN-0001 to V-SYN-0011),
    imported for West Midlands as extracted on 1 April 2025."""
    area = west_midlands()
    import_crimes(SAMPLE_CRIMES, police_force_area=area, extracted_on=EXTRACTED)
    return area


def duty_row(
    reference: str = "SYN-0001-24",
    victim: str = "V-SYN-0001",
    entitlement: str = "R6.ARREST_UPDATE",
    triggered_on: str = "2024-04-03",
    **values: str,
) -> dict[str, str]:
    """A valid duties-file row: an arrest update owed to an enhanced-rights victim, still open."""
    row = {
        "crime_reference": reference,
        "victim_id": victim,
        "entitlement": entitlement,
        "triggered_on": triggered_on,
        "received_on": "",
        "enhanced": "Y",
        "delivered_on": "",
        "channel": "",
        "not_applicable_reason": "",
        "not_applicable_detail": "",
    }
    unknown = set(values) - set(row)
    assert not unknown, f"not duty columns: {unknown}"
    row.update(values)
    return row


def write_rows(
    path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = DUTY_COLUMNS
) -> Path:
    """Write `rows` under a header of `columns` (extra keys of a row are not written)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
