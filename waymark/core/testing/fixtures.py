"""Fixtures shared by every app's tests (registered in the root conftest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

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
