"""Load the West Midlands police force area, its seven districts and their community safety
partnerships from `waymark/core/fixtures/geography_west_midlands.json` (sources cited there).

Idempotent: rows are matched by code (or, for a partnership without a verified code, by name
within its force area) and updated in place, so running it again, or after the fixture gains a
code, changes only what changed. The loader is written out here rather than imported, so later
changes to the app's code cannot change what this migration does.
"""

import json
from pathlib import Path
from typing import Any

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "geography_west_midlands.json"


def load_geography(apps: Any, schema_editor: Any) -> None:
    PoliceForceArea = apps.get_model("core", "PoliceForceArea")
    LocalAuthority = apps.get_model("core", "LocalAuthority")
    CommunitySafetyPartnership = apps.get_model("core", "CommunitySafetyPartnership")

    data = json.loads(FIXTURE.read_text(encoding="utf-8"))

    areas = {}
    for row in data["police_force_areas"]:
        area, _ = PoliceForceArea.objects.update_or_create(code=row["code"], defaults={"name": row["name"]})
        areas[area.code] = area

    districts = {}
    for row in data["local_authorities"]:
        district, _ = LocalAuthority.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "police_force_area": areas[row["police_force_area"]]},
        )
        districts[district.code] = district

    for row in data["community_safety_partnerships"]:
        area = areas[row["police_force_area"]]
        code = row.get("code") or None
        partnership = None
        if code:
            partnership = CommunitySafetyPartnership.objects.filter(code=code).first()
        if partnership is None:
            partnership = CommunitySafetyPartnership.objects.filter(
                police_force_area=area, name=row["name"]
            ).first()
        if partnership is None:
            partnership = CommunitySafetyPartnership(police_force_area=area, name=row["name"])
        if code:
            # A missing code in the fixture never erases one already recorded.
            partnership.code = code
        partnership.name = row["name"]
        partnership.police_force_area = area
        partnership.save()
        partnership.local_authorities.set([districts[la] for la in row["local_authorities"]])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        # Reversing leaves the rows: the schema migration before this one drops the tables anyway.
        migrations.RunPython(load_geography, migrations.RunPython.noop),
    ]
