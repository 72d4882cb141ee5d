"""Import the force's Victims' Code duties: `waymark import code-duties FILE --extracted-on YYYY-MM-DD`.

The format is in docs/formats/code-duties.md; import the crimes file of the same extract first.
A progress bar is drawn on standard error; the summary line goes to standard output.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import CommandError

from waymark.core.imports import TerminalProgress
from waymark.core.models import PoliceForceArea
from waymark.crime.force_extract_cli import _iso_date

from .duties import import_code_duties


def add_force_area_argument(parser: argparse.ArgumentParser) -> None:
    """`--force-area CODE`, as `waymark import force-extract` takes it."""
    parser.add_argument(
        "--force-area",
        metavar="CODE",
        default=None,
        help="The police force area's ONS code (default: settings.WAYMARK_POLICE_FORCE_AREA, "
        f"now {getattr(settings, 'WAYMARK_POLICE_FORCE_AREA', '') or 'unset'}).",
    )


def force_area(options: dict[str, Any]) -> PoliceForceArea:
    """The area `--force-area` names, or the default; a clear error for an unknown code."""
    code = options.get("force_area") or getattr(settings, "WAYMARK_POLICE_FORCE_AREA", "")
    try:
        return PoliceForceArea.objects.get(code=code)
    except PoliceForceArea.DoesNotExist:
        known = ", ".join(PoliceForceArea.objects.values_list("code", flat=True)) or "none"
        raise CommandError(f"No police force area has the code '{code}' (known: {known}).") from None


def existing_file(options: dict[str, Any]) -> Path:
    path: Path = options["file"]
    if not path.is_file():
        raise CommandError(f"{path} is not a file.")
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `waymark import code-duties`."""
    parser.add_argument("file", type=Path, metavar="FILE", help="The CSV file to import.")
    parser.add_argument(
        "--extracted-on",
        type=_iso_date,
        required=True,
        metavar="YYYY-MM-DD",
        help="The date the force extracted the data (it is not in the file).",
    )
    add_force_area_argument(parser)


def run(options: dict[str, Any], *, stdout: IO[str], stderr: IO[str]) -> str:
    """Import the file with a progress bar on `stderr`; return the summary line."""
    path = existing_file(options)
    area = force_area(options)
    # A management command's stderr adds a newline to every write; the bar redraws one line.
    # Its units are the import's own (bytes read, then steps of writing): no counts are shown.
    progress = TerminalProgress(getattr(stderr, "_out", stderr), counts=False)
    try:
        result = import_code_duties(
            path, police_force_area=area, extracted_on=options["extracted_on"], progress=progress
        )
    finally:
        progress.close()
    if result.already_imported:
        return result.summary()
    # The compliance pages read the rollup: bring it up to date with the new duties now.
    from .rollup import metrics_rollup

    return f"{result.summary()}\n{metrics_rollup(police_force_area=area).summary()}"
