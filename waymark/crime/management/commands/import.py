# ruff: noqa: N999 -- the module is named after its subcommand, `import`
"""`waymark import force-extract FILE`, `waymark import police-uk PATH`, `waymark import code-duties
FILE` and `waymark import aggregate-return FILE`.

Each kind of import lives in its own module, which adds its arguments to its subcommand and runs
it; this command only dispatches. A refused file prints every error and exits with status 1,
having written nothing.
"""

from __future__ import annotations

import argparse
from importlib import import_module
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.core.imports import ImportRefusedError

# subcommand -> module with `add_arguments(parser)` and `run(options, *, stdout, stderr) -> str`
IMPORTERS = {
    "force-extract": "waymark.crime.force_extract_cli",
    "police-uk": "waymark.crime.police_uk_cli",
    "code-duties": "waymark.victims_code.duties_cli",
    "aggregate-return": "waymark.victims_code.aggregate_returns_cli",
}


class Command(BaseCommand):
    help = (
        "Import a data file: the force's extract, police.uk's open data, the force's Victims' Code "
        "duties or an agency's aggregate return."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, parser_class=argparse.ArgumentParser)
        for kind, module in IMPORTERS.items():
            importer = import_module(module)
            sub = kinds.add_parser(kind, help=(importer.__doc__ or "").strip().splitlines()[0])
            importer.add_arguments(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        importer = import_module(IMPORTERS[options["kind"]])
        try:
            summary = importer.run(options, stdout=self.stdout, stderr=self.stderr)
        except ImportRefusedError as refusal:
            self.stderr.write(str(refusal))
            if refusal.headline:
                self.stderr.write(refusal.headline)
            self.stderr.write(refusal.report(limit=200))
            raise CommandError("Nothing was imported.", returncode=1) from refusal
        self.stdout.write(summary)
