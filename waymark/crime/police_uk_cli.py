"""Import police.uk street and outcomes CSVs: one file, a folder of months, or a .zip of them.

`waymark import police-uk PATH`: a progress bar on standard error, then one summary line. A
refused import prints every problem (file, line, column, what is wrong) and writes nothing;
see docs/formats/police-uk.md.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import CommandError, OutputWrapper

from waymark.core.imports import TerminalProgress

from .police_uk import import_police_uk


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """PATH: what to import."""
    parser.add_argument(
        "path",
        type=Path,
        metavar="PATH",
        help="A police.uk street or outcomes .csv, a folder of monthly folders "
        "(YYYY-MM/YYYY-MM-<force>-street.csv ...), or a .zip of that layout.",
    )


def run(options: dict[str, Any], *, stdout: Any, stderr: Any) -> str:
    """Import PATH with a progress bar on `stderr`; return the summary line."""
    path: Path = options["path"]
    if not path.exists():
        raise CommandError(f"{path}: there is no such file or folder.")
    # The import counts bytes read, not rows: the bar shows the share done, without counts.
    bar = TerminalProgress(cast(IO[str], _Unterminated(stderr)), counts=False)
    try:
        result = import_police_uk(path, progress=bar)
    finally:
        bar.close()
    return result.summary()


class _Unterminated(io.TextIOBase):
    """Passes text through unchanged: a management command's `OutputWrapper` ends every write
    with a newline, which would break the bar's redraws of one line."""

    def __init__(self, out: Any) -> None:
        super().__init__()
        self._out = out

    def write(self, text: str) -> int:
        if isinstance(self._out, OutputWrapper):
            self._out.write(text, ending="")
        else:
            self._out.write(text)
        return len(text)

    def flush(self) -> None:
        self._out.flush()
