"""Fixtures for case tests."""

from __future__ import annotations

from typing import Any

import pytest

from waymark.cases.models import Case
from waymark.core.testing.world import World

from .factories import make_case


@pytest.fixture
def case(world: World) -> Case:
    """An open case of the home provider's hate crime service, in the home team, for the caseworker."""
    return make_case(service=world.service, team=world.team, owner=world.member("caseworker"))


@pytest.fixture
def other_case(world: World) -> Case:
    """A case of the other provider's IDVA service."""
    return make_case(service=world.other_service, team=world.other_team, full_name="Other Person")


@pytest.fixture
def active_case(world: World, case: Case) -> Any:
    """The home case moved to active support (needs assessed)."""
    from waymark.cases.lifecycle import case_transition
    from waymark.cases.services import needs_assessment_record

    from .factories import all_domains_levels

    by = world.member("caseworker")
    case_transition(case=case, to=Case.Status.ASSESSMENT, by=by)
    needs_assessment_record(case=case, by=by, levels=all_domains_levels())
    case_transition(case=case, to=Case.Status.ACTIVE_SUPPORT, by=by)
    case.refresh_from_db()
    return case
