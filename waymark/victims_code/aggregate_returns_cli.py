"""Import an agency's aggregate return for a quarter: `waymark import aggregate-return FILE`.

The format is in docs/formats/aggregate-returns.md. A return already held for the same agency and
quarter has its lines replaced. The summary line goes to standard output.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, Any

from .aggregate_returns import aggregate_return_import
from .duties_cli import add_force_area_argument, existing_file, force_area


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `waymark import aggregate-return`."""
    parser.add_argument("file", type=Path, metavar="FILE", help="The CSV file to import.")
    add_force_area_argument(parser)


def run(options: dict[str, Any], *, stdout: IO[str], stderr: IO[str]) -> str:
    """Import the file; return the summary line."""
    return aggregate_return_import(existing_file(options), police_force_area=force_area(options)).summary()
