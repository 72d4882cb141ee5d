"""Seed the post specialisms from `waymark/funding/fixtures/specialisms.json` (idempotent)."""

import json
from pathlib import Path
from typing import Any

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "specialisms.json"


def seed(apps: Any, schema_editor: Any) -> None:
    specialism = apps.get_model("funding", "Specialism")
    for row in json.loads(FIXTURE.read_text(encoding="utf-8"))["rows"]:
        specialism.objects.get_or_create(code=row["code"], defaults={"label": row["label"]})


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
