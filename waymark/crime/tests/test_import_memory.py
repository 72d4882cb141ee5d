"""The imports stream: the memory they hold at their peak does not grow with the file.

Each import runs under `tracemalloc` on a file of 2,000 crimes (or police.uk rows) and then on one
of 16,000, from an empty store; the larger file's peak must be within a quarter and 64 KiB of the
smaller's. The smaller file is imported once before it is measured, since the first import of a
process also fills caches (Django's and the driver's). Reading a file into a list, keeping a set
of its references or fetching every written row back grows the peak with the rows and fails:
keeping each staged crime's tuple took the crimes import from 1.5 MB to 10.7 MB, and keeping each
police.uk row's Crime ID took that import from 0.5 MB to 1.1 MB. Measured without such a fault,
the peaks are about 140 to 470 KB and move by up to 60 KB from run to run.

The buffers that are fixed by design (the rows staged per chunk, the bytes read per chunk for the
file's hash) are made small here, so that both files are many times their size: otherwise the
smaller file would fill less of them and the comparison would measure the buffers.
`tracemalloc` sees Python's allocations only, not the database driver's or SQLite's own; the
process's resident peak at a million crimes is measured by `bench/import_force_extract.py`
(docs/benchmarks.md).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from waymark.core.imports import file_sha256
from waymark.core.models import PoliceForceArea
from waymark.crime import force_extract, police_uk
from waymark.crime.force_extract import import_crimes, import_events
from waymark.crime.models import Crime, ForceExtractImport, PoliceUkFile
from waymark.crime.police_uk import import_police_uk
from waymark.crime.synthetic import write_extract

from .test_police_uk_import import POLICE_UK_DATA

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2_000, 16_000
EXTRACTED = date(2025, 4, 7)


@pytest.fixture(autouse=True)
def _small_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(force_extract, "CHUNK_ROWS", 250)
    monkeypatch.setattr(police_uk, "STAGE_CHUNK_ROWS", 250)
    monkeypatch.setattr(force_extract, "file_sha256", functools.partial(file_sha256, chunk_size=1 << 14))


def peak_bytes(job: Callable[[], object]) -> int:
    """The most memory Python held at once while `job` ran, over what it held before."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        job()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def assert_flat(peaks: dict[int, int]) -> None:
    small, large = peaks[SMALL], peaks[LARGE]
    assert large <= small * 1.25 + 64 * 1024, (
        f"peak {small:,} bytes for {SMALL:,} rows, {large:,} for {LARGE:,}"
    )


def test_the_force_extract_import_holds_the_same_memory_for_eight_times_the_crimes(tmp_path: Path) -> None:
    area = PoliceForceArea.objects.get(code="E23000014")
    crimes_peaks: dict[int, int] = {}
    events_peaks: dict[int, int] = {}
    for run, size in enumerate((SMALL, SMALL, LARGE)):
        Crime.objects.all().delete()
        ForceExtractImport.objects.all().delete()
        crimes, events = write_extract(
            tmp_path / str(run), crimes=size, start=date(2024, 4, 1), end=date(2025, 3, 31)
        )
        crimes_peaks[size] = peak_bytes(
            lambda: import_crimes(crimes, police_force_area=area, extracted_on=EXTRACTED)  # noqa: B023
        )
        events_peaks[size] = peak_bytes(
            lambda: import_events(events, police_force_area=area, extracted_on=EXTRACTED)  # noqa: B023
        )
        assert Crime.objects.count() == size
    assert_flat(crimes_peaks)
    assert_flat(events_peaks)


def street_file(folder: Path, rows: int) -> Path:
    """A police.uk street file of `rows` crimes for July 2016, the real City of London file's
    crimes taken in turn, each under a Crime ID of its own."""
    real = POLICE_UK_DATA / "2016-07" / "2016-07-city-of-london-street.csv"
    with real.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        crimes = [row for row in reader if row[0]]
    folder.mkdir(parents=True)
    path = folder / real.name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n in range(rows):
            row = list(crimes[n % len(crimes)])
            row[0] = hashlib.sha256(f"crime {n}".encode()).hexdigest()
            writer.writerow(row)
    return path


def test_the_police_uk_import_holds_the_same_memory_for_eight_times_the_rows(tmp_path: Path) -> None:
    peaks: dict[int, int] = {}
    for run, size in enumerate((SMALL, SMALL, LARGE)):
        PoliceUkFile.objects.all().delete()
        path = street_file(tmp_path / str(run), size)
        peaks[size] = peak_bytes(lambda: import_police_uk(path))  # noqa: B023
        assert PoliceUkFile.objects.get().rows == size
    assert_flat(peaks)
