from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    from waymark.core.calendar import calendar_refresh

    calendar_refresh(apps.get_model("core", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("core", "0003_calendar_day")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
