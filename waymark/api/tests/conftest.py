"""Fixtures for the API tests: tokens made through the service, as a manager would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from waymark.accounts.models import Organisation
from waymark.api.models import ApiToken
from waymark.api.services import api_token_create
from waymark.core.testing.world import World

MakeToken = Callable[..., tuple[ApiToken, str]]


@pytest.fixture
def make_token(world: World) -> MakeToken:
    """Make a token through the service; by default the home provider's manager makes a read token."""

    def _make(
        *,
        organisation: Organisation | None = None,
        by: Any = None,
        name: str = "Case system feed",
        scopes: tuple[str, ...] = (ApiToken.Scope.READ,),
        expires_at: datetime | None = None,
    ) -> tuple[ApiToken, str]:
        organisation = organisation or world.provider
        if by is None:
            by = world.person("provider_manager" if organisation == world.provider else "opcc_admin")
        return api_token_create(
            by=by, organisation=organisation, name=name, scopes=list(scopes), expires_at=expires_at
        )

    return _make


def bearer(secret: str) -> dict[str, str]:
    """Test-client keyword arguments that send `secret` as a bearer token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
