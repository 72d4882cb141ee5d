"""`waymark synthetic_extract DIR --crimes N --seed S`: write a SYNTHETIC West Midlands force extract.

Writes `DIR/crimes.csv` and `DIR/events.csv` in the force-extract format, for demos, tests and
benchmarks (`waymark.crime.synthetic`). Nothing in them is real: references start `SYN-`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.crime.synthetic import write_extract


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date: use YYYY-MM-DD") from error


class Command(BaseCommand):
    help = "Write a synthetic (not real) West Midlands force extract: crimes.csv and events.csv."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="Where to write crimes.csv and events.csv.")
        parser.add_argument("--crimes", type=int, default=10_000, help="How many crimes (default 10,000).")
        parser.add_argument("--seed", type=int, default=1, help="The same seed writes the same files.")
        parser.add_argument("--start", default="2023-04-01", help="First recorded date (default 2023-04-01).")
        parser.add_argument("--end", default="2025-03-31", help="Last recorded date (default 2025-03-31).")
        parser.add_argument(
            "--as-of", default=None, help="Show each crime as of this date (default: the end date)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _day(options["as_of"]) if options["as_of"] else None
        try:
            crimes, events = write_extract(
                options["directory"],
                crimes=options["crimes"],
                seed=options["seed"],
                start=_day(options["start"]),
                end=_day(options["end"]),
                as_of=as_of,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Synthetic extract written: {crimes} and {events}."))
