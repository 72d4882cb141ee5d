"""Shared fixtures for risk tests."""

from __future__ import annotations

from typing import Any

import pytest

from waymark.cases.models import Case
from waymark.risk.models import RiskTool

from .factories import make_case


@pytest.fixture
def case(world: Any) -> Case:
    """An open case of the home provider's service, worked by the home team."""
    return make_case(service=world.service, team=world.team)


@pytest.fixture
def dash(db: Any) -> RiskTool:
    """The SafeLives Dash 24, seeded by migration."""
    return RiskTool.objects.get(key="safelives_dash_24")


@pytest.fixture
def caseworker(world: Any) -> Any:
    """The home team's caseworker."""
    return world.member("caseworker")
