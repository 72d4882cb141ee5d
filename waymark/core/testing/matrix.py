"""One-line permission matrices: every role key against an expected status.

    @permission_matrix({"opcc_admin": 200, "anonymous": 302}, default=403)
    def test_organisation_list(client, world, role, expected): ...

Every role key in ALL_ROLE_KEYS is tested; those not named get `default`. Use the
`login_as` fixture to sign the client in as `world.person(role)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .world import ALL_ROLE_KEYS


def permission_matrix(
    expected: dict[str, Any], *, default: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Parametrize a test over every role key with its expected outcome."""
    unknown = set(expected) - set(ALL_ROLE_KEYS)
    if unknown:
        raise ValueError(f"Unknown role keys in permission matrix: {sorted(unknown)}")
    params = [pytest.param(key, expected.get(key, default), id=key) for key in ALL_ROLE_KEYS]
    return pytest.mark.parametrize(("role", "expected"), params)
