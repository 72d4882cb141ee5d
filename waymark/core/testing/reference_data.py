"""Load the reference data that data migrations seed (geography, needs domains, risk tools...).

For tests that start from a flushed database. Each seed function is idempotent, so running it
over data that is already there changes nothing.
"""

import importlib

from django.apps import apps

# (module, function): the forward functions of the seeding data migrations, in dependency order.
SEED_MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("waymark.core.migrations.0002_load_west_midlands_geography", "load_geography"),
    ("waymark.core.migrations.0004_fill_calendar", "fill"),
    ("waymark.core.migrations.0005_police_force_area_police_uk_force", "load_police_uk_forces"),
    ("waymark.cases.migrations.0004_seed_reference_data", "seed"),
    ("waymark.risk.migrations.0002_seed_safelives_dash_24", "seed"),
    ("waymark.crime.migrations.0002_seed_reference_data", "seed"),
    ("waymark.victims_code.migrations.0002_seed_victims_code", "seed"),
    ("waymark.funding.migrations.0002_seed_specialisms", "seed"),
)


def reference_data_load() -> None:
    """Run every seeding migration's forward function against the current models."""
    for module_name, function_name in SEED_MIGRATIONS:
        getattr(importlib.import_module(module_name), function_name)(apps, None)
