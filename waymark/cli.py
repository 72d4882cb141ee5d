"""The `waymark` console script: Django's management commands under Waymark's name.

`waymark demo` is `manage.py demo`; `waymark import force-extract FILE` is
`manage.py import force-extract FILE`, and so on.
"""

import os
import sys


def main() -> None:
    """Run a management command with the local settings unless others are chosen."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["waymark", *sys.argv[1:]])
