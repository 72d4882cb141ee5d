"""Seed the Victims' Code versions, rights, entitlements and metrics from
`waymark/victims_code/fixtures/victims_code.json`.

Rows are matched on their natural keys and created if missing; rows already there are left as
they are, so that an admin's corrections of unverified rows survive running this again.
"""

import json
from pathlib import Path
from typing import Any

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "victims_code.json"


def seed(apps: Any, schema_editor: Any) -> None:
    code_version_model = apps.get_model("victims_code", "CodeVersion")
    right_model = apps.get_model("victims_code", "Right")
    entitlement_model = apps.get_model("victims_code", "Entitlement")
    metric_model = apps.get_model("victims_code", "MetricDefinition")
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for version_row in data["versions"]:
        version_fields = {
            key: value
            for key, value in version_row.items()
            if key not in ("rights", "entitlements", "metrics", "code")
        }
        version, _ = code_version_model.objects.get_or_create(
            code=version_row["code"], defaults=version_fields
        )
        rights = {}
        for row in version_row["rights"]:
            fields = {key: value for key, value in row.items() if key != "number"}
            rights[row["number"]], _ = right_model.objects.get_or_create(
                code_version=version, number=row["number"], defaults=fields
            )
        entitlements = {}
        for row in version_row["entitlements"]:
            fields = {key: value for key, value in row.items() if key not in ("right", "code")}
            entitlements[row["code"]], _ = entitlement_model.objects.get_or_create(
                right=rights[row["right"]], code=row["code"], defaults=fields
            )
        for row in version_row["metrics"]:
            fields = {
                key: value for key, value in row.items() if key not in ("code", "right", "entitlements")
            }
            fields["right"] = rights[row["right"]] if row["right"] else None
            metric, created = metric_model.objects.get_or_create(
                code_version=version, code=row["code"], defaults=fields
            )
            if created:
                metric.entitlements.set([entitlements[code] for code in row["entitlements"]])


class Migration(migrations.Migration):
    dependencies = [("victims_code", "0001_initial"), ("core", "0004_fill_calendar")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
