"""Root conftest: shared fixtures for every app, and transactional tests last."""

import pytest
from hypothesis import settings

# Property tests check what is computed, not how fast: a per-example deadline fails them at
# random on a busy machine.
settings.register_profile("waymark", deadline=None)
settings.load_profile("waymark")

pytest_plugins = ["waymark.core.testing.fixtures"]


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or "live_server" in fixtures


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run transactional tests (live server, worker) after the rest, as Django's runner does.

    They end by flushing the database, which also removes reference data that migrations
    loaded; run last, no later test depends on it having been restored.
    """
    items.sort(key=_is_transactional)


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request: pytest.FixtureRequest) -> None:
    """Transactional tests start from a flushed database; load the migrations' reference data.

    The flush after each such test empties every table; its `post_migrate` signal recreates
    content types and permissions, and the seeds are loaded here, idempotently. Django's
    `serialized_rollback` would restore the same data object by object (the 16,802 calendar
    days among it), which took 6 to 20 s before every transactional test on PostgreSQL.
    """
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    from waymark.core.testing.reference_data import reference_data_load

    reference_data_load()
