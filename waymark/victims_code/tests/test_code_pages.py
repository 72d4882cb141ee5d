"""The Code's pages: who may read them, and an OPCC admin's corrections of unverified rows."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from waymark.core.testing.matrix import permission_matrix
from waymark.crime.tests.metric_fixtures import make_crime, west_midlands
from waymark.victims_code.code_reference import entitlement_update, metric_definition_update
from waymark.victims_code.deadlines import duties_due_recompute
from waymark.victims_code.models import CodeDuty, Entitlement, MetricDefinition

pytestmark = pytest.mark.django_db

COMPLIANCE_VIEWERS = {"opcc_admin": 200, "opcc_analyst": 200, "force_code_lead": 200, "anonymous": 302}
CODE_MANAGERS = {"opcc_admin": 200, "anonymous": 302}


@permission_matrix(COMPLIANCE_VIEWERS, default=403)
def test_the_code_page(client, login_as, role, expected) -> None:
    """Compliance roles read the Code; providers, caseworkers, board members and auditors do not."""
    login_as(role)
    response = client.get(reverse("victims_code:code"))
    assert response.status_code == expected
    if expected == 200:
        text = response.content.decode()
        assert "Right 12: To make a complaint about your Rights not being met" in text
        assert "R6.ARREST_UPDATE" in text
        assert "Unverified" in text  # e.g. R6.CPS_DECISION_UPDATE


@permission_matrix(CODE_MANAGERS, default=403)
def test_only_opcc_admins_correct_entitlements(client, login_as, role, expected) -> None:
    entitlement = Entitlement.objects.get(code="R6.CPS_DECISION_UPDATE")
    login_as(role)
    assert client.get(reverse("victims_code:entitlement_edit", args=[entitlement.pk])).status_code == expected
    metric = MetricDefinition.objects.get(code="M07")
    assert client.get(reverse("victims_code:metric_edit", args=[metric.pk])).status_code == expected


def test_the_draft_code_sits_beside_the_code_in_force(client, login_as) -> None:
    login_as("opcc_analyst")
    text = client.get(reverse("victims_code:code_version", args=["VCOP-DRAFT-2026"])).content.decode()
    assert "To self-refer and/or to be referred to services that support victims" in text


def _duty(code: str, triggered: date, *, enhanced: bool = False) -> CodeDuty:
    crime = make_crime(f"C{CodeDuty.objects.count()}", recorded=triggered)
    return CodeDuty.objects.create(
        police_force_area=west_midlands(),
        crime=crime,
        victim_ref=f"{crime.crime_reference}-V0",
        entitlement=Entitlement.objects.get(code=code),
        triggered_on=triggered,
        enhanced=enhanced,
        extracted_on=date(2026, 9, 1),
    )


def test_a_new_deadline_recomputes_the_duties_due(client, login_as) -> None:
    """R6.CPS_DECISION_UPDATE is 5 / 1 working days (unverified). A duty triggered on Friday
    3 July 2026 for a standard victim is due Friday 10 July; the admin corrects the deadline to
    10 working days and marks it verified: the duty is now due Friday 17 July."""
    duty = _duty("R6.CPS_DECISION_UPDATE", date(2026, 7, 3))
    duties_due_recompute()
    duty.refresh_from_db()
    assert duty.due_on == date(2026, 7, 10)
    admin = login_as("opcc_admin")
    entitlement = duty.entitlement
    response = client.post(
        reverse("victims_code:entitlement_edit", args=[entitlement.pk]),
        {
            "description": entitlement.description,
            "deadline_standard": "10",
            "deadline_enhanced": "1",
            "anchor": "trigger",
            "applies_to": "all",
            "source": "The Code, Right 6, paragraph 6.x (checked)",
            "verified": "on",
        },
    )
    assert response.status_code == 302
    duty.refresh_from_db()
    entitlement.refresh_from_db()
    assert duty.due_on == date(2026, 7, 17)
    assert entitlement.verified is True
    assert entitlement.history.first().history_user == admin


def test_a_longer_enhanced_deadline_is_refused_and_changes_nothing(client, login_as) -> None:
    entitlement = Entitlement.objects.get(code="R6.ARREST_UPDATE")
    login_as("opcc_admin")
    response = client.post(
        reverse("victims_code:entitlement_edit", args=[entitlement.pk]),
        {
            "description": entitlement.description,
            "deadline_standard": "1",
            "deadline_enhanced": "5",
            "anchor": "trigger",
            "applies_to": "all",
            "source": entitlement.source,
        },
    )
    assert response.status_code == 400
    assert "cannot be longer than the standard one" in response.content.decode()
    entitlement.refresh_from_db()
    assert (entitlement.deadline_standard, entitlement.deadline_enhanced) == (5, 1)


def test_services_refuse_people_who_may_not_manage_the_code(world) -> None:
    analyst = world.person("opcc_analyst")
    with pytest.raises(PermissionDenied):
        entitlement_update(
            entitlement=Entitlement.objects.get(code="R6.ARREST_UPDATE"), by=analyst, verified=True
        )
    with pytest.raises(PermissionDenied):
        metric_definition_update(metric=MetricDefinition.objects.get(code="M07"), by=analyst, active=False)


def test_thresholds_must_agree_with_the_polarity(world) -> None:
    admin = world.person("opcc_admin")
    attrition = MetricDefinition.objects.get(code="M22")  # lower is better: 20 green, 30 amber
    with pytest.raises(ValidationError) as refused:
        metric_definition_update(metric=attrition, by=admin, rag_green_min=40)
    assert "at most amber" in str(refused.value)
    with pytest.raises(ValidationError):
        metric_definition_update(metric=attrition, by=admin, rag_amber_min=140)
    attrition.refresh_from_db()
    assert (attrition.rag_green_min, attrition.rag_amber_min) == (20, 30)
