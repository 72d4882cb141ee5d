"""`waymark classification publish FILE --by EMAIL`, `recompute` and `export`.

`publish` reads a rule set in the fixture format (`{"name", "notes", "rows": [...]}`, as
`waymark/crime/fixtures/classification_rules_v1.json`), publishes it as the next version and
reclassifies every crime. `recompute` reclassifies crimes by the current rules (all, or one police
force area). `export` writes the current rule set in the same format, to edit and publish again.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.accounts.models import User
from waymark.core.models import PoliceForceArea
from waymark.crime.classification import (
    RuleSpec,
    classify_crimes,
    rule_set_as_dict,
    rule_set_current,
    rule_set_publish,
)


class Command(BaseCommand):
    help = "Publish, recompute or export the VAWG and RASSO classification rules."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, parser_class=argparse.ArgumentParser)
        publish = actions.add_parser("publish", help="Publish a rule set file as the next version.")
        publish.add_argument("file", type=Path, help="A rule set in the fixture format (JSON).")
        publish.add_argument("--by", required=True, help="Email of the OPCC admin publishing it.")
        recompute = actions.add_parser("recompute", help="Reclassify crimes by the current rule set.")
        recompute.add_argument(
            "--police-force-area", metavar="CODE", help="Only this area's crimes (ONS code, e.g. E23000014)."
        )
        export = actions.add_parser("export", help="Write the current rule set as JSON.")
        export.add_argument(
            "file", type=Path, nargs="?", help="Where to write it (default: standard output)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "publish":
            self._publish(options["file"], by_email=options["by"])
        elif action == "recompute":
            self._recompute(options["police_force_area"])
        else:
            self._export(options["file"])

    def _publish(self, path: Path, *, by_email: str) -> None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{path}: cannot read a JSON rule set ({error}).") from error
        if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
            raise CommandError(f'{path}: expected {{"name": ..., "notes": ..., "rows": [...]}}.')
        by = User.objects.filter(email__iexact=by_email, is_active=True).first()
        if by is None:
            raise CommandError(f"No active user with the email {by_email}.")
        try:
            rules = [RuleSpec.from_dict(row) for row in document["rows"]]
            rule_set = rule_set_publish(
                name=str(document.get("name") or ""),
                notes=str(document.get("notes") or ""),
                rules=rules,
                by=by,
            )
        except ValidationError as error:
            raise CommandError("Nothing was published:\n" + "\n".join(error.messages)) from error
        except PermissionDenied as error:
            raise CommandError(
                f"{by_email} may not publish classification rules (OPCC admins only)."
            ) from error
        self.stdout.write(
            f"Published v{rule_set.version} {rule_set.name} ({len(rules)} rules); every crime reclassified."
        )

    def _recompute(self, area_code: str | None) -> None:
        area_id: int | None = None
        if area_code:
            area = PoliceForceArea.objects.filter(code=area_code).first()
            if area is None:
                raise CommandError(f"No police force area with the code {area_code}.")
            area_id = area.pk
        count = classify_crimes(police_force_area_id=area_id)
        self.stdout.write(f"{count} crimes classified by rule set v{rule_set_current().version}.")

    def _export(self, path: Path | None) -> None:
        text = json.dumps(rule_set_as_dict(rule_set_current()), indent=2, ensure_ascii=False) + "\n"
        if path is None:
            self.stdout.write(text, ending="")
        else:
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {path}.")
