"""Seed the crime reference tables and the first VAWG/RASSO rule set from `waymark/crime/fixtures/`.

Each fixture file is `{"source": "...", "rows": [{field: value, ...}, ...]}`; rows are matched
on their natural key and created or updated, so running this again changes nothing. Admins may
correct rows afterwards (rows marked unverified are data, not truth: research/crime-data.md).
"""

import json
from pathlib import Path
from typing import Any

from django.db import migrations

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# (model, natural key, fixture file), in the order they are loaded.
REFERENCE_TABLES = (
    ("OffenceCode", "code", "offence_codes.json"),
    ("OutcomeType", "number", "outcome_types.json"),
    ("PoliceUkCrimeType", "name", "police_uk_crime_types.json"),
    ("PoliceUkOutcomeCategory", "name", "police_uk_outcome_categories.json"),
)
RULES_FILE = "classification_rules_v1.json"


def _fixture(name: str) -> dict[str, Any] | None:
    path = FIXTURES / name
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def seed(apps: Any, schema_editor: Any) -> None:
    for model_name, key, file_name in REFERENCE_TABLES:
        fixture = _fixture(file_name)
        if fixture is None:
            continue
        model = apps.get_model("crime", model_name)
        for row in fixture["rows"]:
            values = dict(row)
            values.setdefault("source", fixture.get("source", ""))
            model.objects.update_or_create(**{key: values.pop(key)}, defaults=values)

    rules = _fixture(RULES_FILE)
    if rules is None:
        return
    rule_set_model = apps.get_model("crime", "ClassificationRuleSet")
    rule_model = apps.get_model("crime", "ClassificationRule")
    if rule_set_model.objects.filter(version=rules["version"]).exists():
        return
    rule_set = rule_set_model.objects.create(
        version=rules["version"],
        name=rules["name"],
        notes=rules.get("notes", ""),
        is_current=not rule_set_model.objects.filter(is_current=True).exists(),
    )
    rule_model.objects.bulk_create(rule_model(rule_set=rule_set, **row) for row in rules["rows"])


class Migration(migrations.Migration):
    dependencies = [("crime", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
