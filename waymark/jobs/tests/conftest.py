"""Fixtures for the jobs tests: the database task backend (`run_worker` is shared: core.testing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings


@pytest.fixture(autouse=True)
def database_task_backend() -> Iterator[None]:
    """These tests are about the database backend and its worker, whatever TEST_TASK_BACKEND says."""
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        yield
