"""Fixtures for the jobs tests: the database task backend, and a worker run in the test process."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator

import pytest
from django.core.management import call_command
from django.test import override_settings

_WORKER_SIGNALS = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGQUIT", None)) if s]


@pytest.fixture(autouse=True)
def database_task_backend() -> Iterator[None]:
    """These tests are about the database backend and its worker, whatever TEST_TASK_BACKEND says."""
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        yield


@pytest.fixture
def run_worker() -> Callable[[], None]:
    """Run `manage.py db_worker --batch` here: every queued task, then stop.

    The worker installs its own Ctrl-C handlers; they are put back afterwards so that
    pytest can still be interrupted. Needs `django_db(transaction=True, serialized_rollback=True)`: the worker
    closes a connection it finds inside a transaction, as the test's would be.
    """

    def run() -> None:
        saved = {s: signal.getsignal(s) for s in _WORKER_SIGNALS}
        try:
            call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)
        finally:
            for s, handler in saved.items():
                signal.signal(s, handler)

    return run
