"""Demo crime data: a small SYNTHETIC West Midlands force extract, imported like a real one.

The extract comes from `waymark.crime.synthetic` (crime references `SYN-…`, pseudonymous ids
`SYN-V…` and `SYN-S…`; nothing in it is real). It covers the last financial year and this one, up
to the end of the last complete month, four crimes a day (about 2,300 to 2,900 crimes), and is
loaded with the same importer an analyst uses (`import_crimes`, then `import_events`), extracted
on that last day, as a force's monthly extract is, for West Midlands (E23000014). Extracted
today, it would claim to hold this month's crimes, and the pages would count none.

Idempotent, on the same day and on any later one:

- the files are written from a fixed seed and a window that only moves when the month does, so
  within a month they are byte for byte the same, and the importer skips a file it has seen
  (its sha256);
- in a later month, every crime keeps its reference and its attributes (each is generated from
  its own recorded day and number), and the extract shows it further on: outcomes and events
  that have happened since. The importer updates those crimes and adds what is new; nothing is
  duplicated. That is what a real monthly extract does.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

from django.utils import timezone

from waymark.core.models import PoliceForceArea
from waymark.core.periods import FinancialYear
from waymark.crime.force_extract import import_crimes, import_events
from waymark.crime.synthetic import write_extract


class _Writer(Protocol):
    def write(self, text: str, /) -> object: ...


DEMO_POLICE_FORCE_AREA = "E23000014"  # West Midlands
DEMO_SEED = 20211001
DEMO_CRIMES_PER_DAY = 4


def demo_crime_window(today: date) -> tuple[date, date]:
    """The demo extract's recorded dates: 1 April of last financial year to the end of the last
    complete month before `today`."""
    end = today.replace(day=1) - timedelta(days=1)
    return FinancialYear.from_date(end).previous().start, end


def demo_crime_load(stdout: _Writer | None = None, *, today: date | None = None) -> int:
    """Write the demo extract and import it; return how many crimes were new to Waymark."""
    today = today or timezone.localdate()
    start, end = demo_crime_window(today)
    crimes = DEMO_CRIMES_PER_DAY * ((end - start).days + 1)
    area = PoliceForceArea.objects.get(code=DEMO_POLICE_FORCE_AREA)
    with tempfile.TemporaryDirectory(prefix="waymark-demo-crime-") as directory:
        crimes_path, events_path = write_extract(
            Path(directory), crimes=crimes, seed=DEMO_SEED, start=start, end=end
        )
        crime_result = import_crimes(crimes_path, police_force_area=area, extracted_on=end)
        event_result = import_events(events_path, police_force_area=area, extracted_on=end)
    if stdout is not None:
        stdout.write(
            f"Demo crime data: a synthetic West Midlands extract of {crimes:,} crimes, {start} to {end}.\n"
            f"  {crime_result.summary()}\n  {event_result.summary()}\n"
        )
    return 0 if crime_result.already_imported else crime_result.created
