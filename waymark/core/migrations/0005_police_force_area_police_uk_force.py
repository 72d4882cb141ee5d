"""Each police force area's police.uk force id (`PoliceForceArea.police_uk_force`), read from
`waymark/core/fixtures/geography_west_midlands.json` (source cited there), so that police.uk's
files (named by force id) can be matched to the area they are about.

Idempotent: an area is matched by code and only its id is set; an area the fixture gives no id
keeps the one it has. Written out here, as 0002 is, so later changes to the app's code cannot
change what this migration does.
"""

import json
from pathlib import Path
from typing import Any

from django.db import migrations, models

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "geography_west_midlands.json"


def load_police_uk_forces(apps: Any, schema_editor: Any) -> None:
    PoliceForceArea = apps.get_model("core", "PoliceForceArea")
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for row in data["police_force_areas"]:
        if row.get("police_uk_force"):
            PoliceForceArea.objects.filter(code=row["code"]).update(police_uk_force=row["police_uk_force"])


class Migration(migrations.Migration):
    dependencies = [("core", "0004_fill_calendar")]

    operations = [
        migrations.AddField(
            model_name="policeforcearea",
            name="police_uk_force",
            field=models.SlugField(
                blank=True,
                help_text="police.uk's id for the area's force, e.g. 'west-midlands': the force in its file "
                "names ('2024-04-west-midlands-street.csv') and GET /api/forces. Null where not known (null, "
                "not '', so two unknown ids never clash).",
                max_length=60,
                null=True,
                unique=True,
            ),
        ),
        # Reversing leaves nothing to undo: removing the field drops the ids.
        migrations.RunPython(load_police_uk_forces, migrations.RunPython.noop),
    ]
