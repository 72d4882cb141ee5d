"""`manage.py reencrypt_fields`: re-encrypt every encrypted value under the current key."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waymark.core.encryption import reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field under the first key (SECRET_KEY with the first SALT_KEY). "
        "Run after prepending a salt or moving SECRET_KEY into SECRET_KEY_FALLBACKS, before "
        "dropping the old one. Exits non-zero if any value could not be decrypted."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        """--batch-size."""
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Rows per transaction (default: %(default)s).",
        )

    def handle(self, *args: Any, batch_size: int, verbosity: int, **options: Any) -> None:
        """Rotate every table, print what each one needed, fail if anything was unreadable."""
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        def progress(*, done: int, total: int, message: str = "") -> None:
            if verbosity >= 2:
                self.stderr.write(f"  {message}")

        results = reencrypt_all(batch_size=batch_size, progress=progress)
        if not results:
            self.stdout.write("No model has encrypted fields.")
            return
        for result in results:
            line = (
                f"{result.model_label} ({', '.join(result.columns)}): "
                f"{result.rows_rotated:,} rows re-encrypted, "
                f"{result.rows_current:,} already under the current key, "
                f"{result.rows_undecryptable:,} could not be decrypted"
            )
            if result.rows_changed_meanwhile:
                line += f", {result.rows_changed_meanwhile:,} changed while running (run again to check them)"
            self.stdout.write(line)
            if result.undecryptable_ids:
                # Row ids only, never values: enough to find the rows, nothing to leak.
                shown = ", ".join(str(pk) for pk in result.undecryptable_ids)
                more = result.rows_undecryptable - len(result.undecryptable_ids)
                self.stdout.write(f"  rows that could not be decrypted ({result.table}): {shown}")
                if more > 0:
                    self.stdout.write(f"  ... and {more:,} more")
        unreadable = sum(r.rows_undecryptable for r in results)
        if unreadable:
            raise CommandError(
                f"{unreadable:,} rows hold values no configured key can decrypt; they were left "
                "unchanged. Do not drop any old key until you know why."
            )
        self.stdout.write(self.style.SUCCESS("Every encrypted value is now under the current key."))
