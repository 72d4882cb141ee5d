"""Fixtures shared by every app's tests (registered in the root conftest)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from waymark.accounts.models import User

from .world import World, build_world


@pytest.fixture
def world(db: Any) -> World:
    """Organisations, services and teams; people are made on demand with `world.person(key)`."""
    return build_world()


@pytest.fixture
def login_as(client: Client, world: World) -> Callable[[str], User | None]:
    """Sign the test client in as the person for a role key; "anonymous" stays signed out."""

    def _login(key: str) -> User | None:
        person = world.person(key)
        if person is not None:
            client.force_login(person)
        return person

    return _login


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Start each test with an empty cache: allauth keeps used MFA codes and rate limits there,
    keyed by user id, and ids are reused after each test's rollback."""
    from django.core.cache import cache

    cache.clear()


_WORKER_SIGNALS = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGQUIT", None)) if s]


@pytest.fixture
def upload_jobs(tmp_path: Path) -> Iterator[Path]:
    """For an upload that runs as a background job: VAR_DIR (where uploads are kept) a directory
    of this test's own, and the database task backend, whose queue `run_worker` empties."""
    with override_settings(
        VAR_DIR=tmp_path / "var", TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ):
        yield tmp_path / "var"


@pytest.fixture
def run_worker() -> Callable[[], None]:
    """Run `manage.py db_worker --batch` here: every queued task, then stop.

    The worker installs its own Ctrl-C handlers; they are put back afterwards so that pytest
    can still be interrupted. Needs `django_db(transaction=True)`: the worker closes a
    connection it finds inside a transaction, as the test's would be.
    """

    def run() -> None:
        saved = {s: signal.getsignal(s) for s in _WORKER_SIGNALS}
        try:
            call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)
        finally:
            for s, handler in saved.items():
                signal.signal(s, handler)

    return run
