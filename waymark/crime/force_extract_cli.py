"""Import a file of the force's extract: `waymark import force-extract FILE --extracted-on YYYY-MM-DD`.

FILE is a crimes file unless `--events` says it is an events file (the two formats are in
docs/formats/force-extract.md). Given the wrong kind, the import refuses the file and says which
kind it is. A progress bar is drawn on standard error; the summary line goes to standard output.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import CommandError

from waymark.core.imports import TerminalProgress
from waymark.core.models import PoliceForceArea

from .force_extract import import_crimes, import_events


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: write YYYY-MM-DD.") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `waymark import force-extract`."""
    parser.add_argument("file", type=Path, metavar="FILE", help="The CSV file to import.")
    parser.add_argument(
        "--events",
        action="store_true",
        help="FILE is the case-progression events file (default: the crimes file).",
    )
    parser.add_argument(
        "--extracted-on",
        type=_iso_date,
        required=True,
        metavar="YYYY-MM-DD",
        help="The date the force extracted the data (it is not in the file).",
    )
    parser.add_argument(
        "--force-area",
        metavar="CODE",
        default=None,
        help="The police force area's ONS code (default: settings.WAYMARK_POLICE_FORCE_AREA, "
        f"now {getattr(settings, 'WAYMARK_POLICE_FORCE_AREA', '') or 'unset'}).",
    )


def run(options: dict[str, Any], *, stdout: IO[str], stderr: IO[str]) -> str:
    """Import the file with a progress bar on `stderr`; return the summary line."""
    path: Path = options["file"]
    if not path.is_file():
        raise CommandError(f"{path} is not a file.")
    code = options.get("force_area") or getattr(settings, "WAYMARK_POLICE_FORCE_AREA", "")
    try:
        area = PoliceForceArea.objects.get(code=code)
    except PoliceForceArea.DoesNotExist:
        known = ", ".join(PoliceForceArea.objects.values_list("code", flat=True)) or "none"
        raise CommandError(f"No police force area has the code '{code}' (known: {known}).") from None
    # A management command's stderr adds a newline to every write; the bar redraws one line.
    # Its units are the import's own (bytes read, then steps of writing): no counts are shown.
    progress = TerminalProgress(getattr(stderr, "_out", stderr), counts=False)
    importer = import_events if options.get("events") else import_crimes
    try:
        result = importer(
            path, police_force_area=area, extracted_on=options["extracted_on"], progress=progress
        )
    finally:
        progress.close()
    return result.summary()
