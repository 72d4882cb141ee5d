"""`waymark victims_code_rollup` (also `manage.py victims_code_rollup`): recompute the Victims'
Code metric rollup, for the nightly run.

    waymark victims_code_rollup                      # the force area of the settings
    waymark victims_code_rollup --area E23000014     # another area, by its code
    waymark victims_code_rollup --quarter "2025/26 Q1" --quarter "2025/26 Q2"

Without `--quarter`, every quarter the rollup holds (`rollup.rollup_quarters`) is recomputed and
the area's rows replaced; with it, only those quarters' rows.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waymark.core.models import PoliceForceArea
from waymark.core.periods import FinancialQuarter
from waymark.crime.force_extract import police_force_area_default
from waymark.victims_code.rollup import metrics_rollup


class Command(BaseCommand):
    help = "Recompute the Victims' Code metric rollup (nightly, and after imports)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--area", default="", help="The police force area's code (default: WAYMARK_POLICE_FORCE_AREA)."
        )
        parser.add_argument(
            "--quarter",
            action="append",
            default=[],
            help='Only this financial quarter, e.g. "2025/26 Q1" (repeatable).',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            area = (
                PoliceForceArea.objects.get(code=options["area"])
                if options["area"]
                else police_force_area_default()
            )
        except PoliceForceArea.DoesNotExist as error:
            raise CommandError(f"No police force area has the code {options['area']!r}.") from error
        try:
            quarters = [FinancialQuarter.parse(text) for text in options["quarter"]]
        except ValueError as error:
            raise CommandError(f"{error} (give a quarter as 2025/26 Q1)") from error
        summary = metrics_rollup(police_force_area=area, periods=quarters or None)
        self.stdout.write(self.style.SUCCESS(summary.summary()))
