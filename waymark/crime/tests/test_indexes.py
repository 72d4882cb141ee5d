"""The tables imports write carry no index another index already provides.

Every index on these tables is paid for on each row an import writes (a million crimes of the
force's extract write about four and a half million rows), so one that another index already serves, such as a
foreign key's own index when a unique constraint leads with the same column, or Django's LIKE
index on a text key nobody searches by prefix, is pure cost (docs/benchmarks.md).
"""

from __future__ import annotations

import pytest
from django.db import connection, models

from waymark.crime.models import (
    Crime,
    CrimeOutcomeChange,
    CrimeSuspect,
    CrimeVawgBasis,
    CrimeVictim,
    PoliceUkAntisocialBehaviour,
    PoliceUkCrime,
    PoliceUkOutcome,
    ProgressionEvent,
)
from waymark.victims_code.models import CodeDuty

pytestmark = pytest.mark.django_db

WRITTEN_BY_IMPORTS: tuple[type[models.Model], ...] = (
    Crime,
    CrimeVictim,
    CrimeSuspect,
    CrimeVawgBasis,
    CrimeOutcomeChange,
    ProgressionEvent,
    PoliceUkCrime,
    PoliceUkAntisocialBehaviour,
    PoliceUkOutcome,
    CodeDuty,
)


def _partial(model: type[models.Model]) -> set[str]:
    """The model's partial indexes: each covers only its condition's rows, so is neither covered
    by a full index on the same columns nor covers one, and costs nothing for other rows."""
    return {index.name for index in model._meta.indexes if index.condition is not None}


def _indexes(
    table: str, *, leaving_out: frozenset[str] | set[str] = frozenset()
) -> dict[str, tuple[str, ...]]:
    """Every index of `table` (primary key and unique constraints included) but those named in
    `leaving_out`, by name, as the columns it covers in order."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: tuple(details["columns"])
        for name, details in constraints.items()
        if (details["index"] or details["unique"] or details["primary_key"]) and name not in leaving_out
    }


def _redundant(indexes: dict[str, tuple[str, ...]]) -> list[str]:
    """Names of plain indexes whose columns another index covers from its start."""
    found = []
    for name, columns in indexes.items():
        for other, other_columns in indexes.items():
            if other != name and other_columns[: len(columns)] == columns:
                # Of two indexes on the very same columns, report the later name only once.
                if other_columns == columns and other > name:
                    continue
                found.append(f"{name} {columns} is covered by {other} {other_columns}")
                break
    return found


def test_the_redundancy_check_finds_a_covered_index():
    """The check itself: an index on (crime_id) beside a unique (crime_id, basis) is found,
    two on the same column are found once, and unrelated ones are not."""
    assert _redundant({"fk": ("crime_id",), "once": ("crime_id", "basis")}) == [
        "fk ('crime_id',) is covered by once ('crime_id', 'basis')"
    ]
    assert len(_redundant({"a": ("code",), "b": ("code",)})) == 1
    assert _redundant({"on": ("recorded_on",), "once": ("crime_id", "basis")}) == []


@pytest.mark.parametrize("model", WRITTEN_BY_IMPORTS, ids=lambda model: model.__name__)
def test_no_index_on_a_table_imports_write_is_covered_by_another(model):
    partial = _partial(model)
    indexes = _indexes(model._meta.db_table, leaving_out=partial)
    assert indexes, "the table's indexes could not be read"
    assert partial <= set(_indexes(model._meta.db_table)), "a partial index is missing from the table"
    assert _redundant(indexes) == []
