"""Compliance evidence is seen only by the compliance roles of organisations of its force area."""

from __future__ import annotations

from datetime import date

import pytest

from waymark.accounts.models import Organisation
from waymark.accounts.roles import Role
from waymark.core.testing.factories import OrganisationFactory, make_member
from waymark.core.testing.matrix import permission_matrix
from waymark.crime.tests.metric_fixtures import make_crime, other_force, west_midlands
from waymark.victims_code.models import AuditCase, AuditExercise, CodeDuty, Entitlement

pytestmark = pytest.mark.django_db

SEES_WEST_MIDLANDS = {"opcc_admin": 1, "opcc_analyst": 1, "force_code_lead": 1}


@pytest.fixture
def duty() -> CodeDuty:
    crime = make_crime("VIS1", recorded=date(2026, 5, 4))
    return CodeDuty.objects.create(
        police_force_area=west_midlands(),
        crime=crime,
        victim_ref="VIS1-V0",
        entitlement=Entitlement.objects.get(code="R6.ARREST_UPDATE"),
        triggered_on=date(2026, 5, 4),
        enhanced=False,
        extracted_on=date(2026, 6, 1),
    )


@permission_matrix(SEES_WEST_MIDLANDS, default=0)
def test_duties_by_role(world, role, expected, duty) -> None:
    """The OPCC's admins and analysts and the force's Code lead (both organisations of the West
    Midlands) see the duty; providers, caseworkers, board members, auditors and people signed
    out see nothing."""
    assert CodeDuty.objects.visible_to(world.person(role)).count() == expected


def test_another_forces_lead_sees_nothing(world, duty) -> None:
    other = OrganisationFactory.create(
        name="Other Police", type=Organisation.Type.POLICE_FORCE, police_force_area=other_force()
    )
    lead = make_member(role=Role.FORCE_CODE_LEAD, organisation=other)
    assert CodeDuty.objects.visible_to(lead).count() == 0
    unassigned = OrganisationFactory.create(
        name="Police without an area", type=Organisation.Type.POLICE_FORCE
    )
    assert (
        CodeDuty.objects.visible_to(make_member(role=Role.FORCE_CODE_LEAD, organisation=unassigned)).count()
        == 0
    )


def test_rows_reached_through_another_row(world) -> None:
    """An audited case has no area of its own: it is seen through its exercise's."""
    exercise = AuditExercise.objects.create(
        police_force_area=west_midlands(),
        title="Referrals dip sample",
        period_start=date(2026, 4, 1),
        period_end=date(2026, 6, 30),
        sampling_method=AuditExercise.SamplingMethod.RANDOM,
        organisation=world.opcc,
        created_by=world.person("opcc_analyst"),
    )
    AuditCase.objects.create(exercise=exercise, pseudo_ref="VIS2")
    assert AuditCase.objects.visible_to(world.person("force_code_lead")).count() == 1
    other = OrganisationFactory.create(
        name="Other OPCC", type=Organisation.Type.OPCC, police_force_area=other_force()
    )
    assert AuditCase.objects.visible_to(make_member(role=Role.OPCC_ANALYST, organisation=other)).count() == 0
