"""Fixtures for the referral tests."""

from __future__ import annotations

import pytest

from waymark.core.testing.world import World
from waymark.referrals.models import Referral

from .factories import make_contact_method, make_referral


@pytest.fixture
def referral(world: World) -> Referral:
    """A police referral into the home service, with a mobile safe to call only."""
    referral = make_referral(
        service=world.service, referrer_organisation=world.force, external_reference="F-1"
    )
    make_contact_method(
        person=referral.person, safe_to_call=True, safe_times="Weekdays 10 to 2", code_word="Bluebell"
    )
    return referral
