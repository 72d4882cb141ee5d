"""The governance pages: who may use them, and that the forms save through the services."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.audit.models import AccessLog
from waymark.core.testing.matrix import permission_matrix
from waymark.victims_code.audits import CheckInput, audit_case_record, audit_exercise_record
from waymark.victims_code.complaints import code_complaint_record
from waymark.victims_code.models import (
    AuditCase,
    AuditExercise,
    CodeComplaint,
    ComplianceAction,
    Entitlement,
    MetricDefinition,
    ReviewMeeting,
    Right,
)
from waymark.victims_code.reviews import compliance_action_add, review_meeting_record

pytestmark = pytest.mark.django_db

COMPLIANCE_USERS = {"opcc_admin": 200, "opcc_analyst": 200, "force_code_lead": 200, "anonymous": 302}
REFERENCE = "CMP/2026/0153"
AUDITED = "20/424242/26"
ACTION = "Review every arrest update letter"


@pytest.fixture
def records(world: Any) -> dict[str, Any]:
    """One of everything, recorded by the force's Code lead."""
    lead = world.member("force_code_lead")
    right6 = Right.objects.get(code_version__code="VCOP-2020", number=6)
    complaint = code_complaint_record(
        by=lead, agency_type="police", reference=REFERENCE, received_on=date(2026, 4, 2), rights=[right6]
    )
    meeting = review_meeting_record(
        by=lead,
        forum="victims_witnesses",
        held_on=date(2026, 5, 12),
        title="Delivery Group May",
        minutes="Minuted.",
    )
    action = compliance_action_add(
        by=lead,
        meeting=meeting,
        description=ACTION,
        owner_agency="police",
        owner_role="Head of Victim Services",
        due_on=date(2026, 6, 1),
        metrics=[MetricDefinition.objects.get(code="M07")],
    )
    exercise = audit_exercise_record(
        by=lead,
        title="Arrest updates Q1",
        period_start=date(2026, 4, 1),
        period_end=date(2026, 6, 30),
        sampling_method="random",
    )
    audit_case_record(
        by=lead,
        exercise=exercise,
        pseudo_ref=AUDITED,
        checks=[
            CheckInput(
                Entitlement.objects.get(code="R6.ARREST_UPDATE"),
                triggered_on=date(2026, 4, 2),
                delivered=True,
                delivered_on=date(2026, 4, 9),
            )
        ],
    )
    return {"complaint": complaint, "meeting": meeting, "action": action, "exercise": exercise}


def pages(records: dict[str, Any]) -> list[tuple[str, str]]:
    """Every governance page (GET), with the text that would show its data."""
    meeting = records["meeting"].public_id
    exercise = records["exercise"].public_id
    return [
        (reverse("victims_code:complaints"), REFERENCE),
        (reverse("victims_code:complaints_download"), REFERENCE),
        (reverse("victims_code:complaint_add"), "Record a Victims"),
        (
            reverse("victims_code:complaint_edit", kwargs={"public_id": records["complaint"].public_id}),
            REFERENCE,
        ),
        (reverse("victims_code:reviews"), ACTION),
        (reverse("victims_code:review_add"), "Record a review meeting"),
        (reverse("victims_code:review_detail", kwargs={"public_id": meeting}), ACTION),
        (reverse("victims_code:action_add", kwargs={"public_id": meeting}), "Delivery Group May"),
        (reverse("victims_code:action_update", kwargs={"public_id": records["action"].public_id}), ACTION),
        (reverse("victims_code:audits"), "Arrest updates Q1"),
        (reverse("victims_code:audit_add"), "Start a dip-sample audit"),
        (reverse("victims_code:audit_detail", kwargs={"public_id": exercise}), AUDITED),
        (reverse("victims_code:audit_case_add", kwargs={"public_id": exercise}), "R6.ARREST_UPDATE"),
    ]


@permission_matrix(COMPLIANCE_USERS, default=403)
def test_who_may_use_the_governance_pages(
    client: Client, login_as: Any, role: str, expected: int, records: dict[str, Any]
) -> None:
    """OPCC admins and analysts and the force's Code lead use every page; providers' managers,
    caseworkers, board members, auditors and partners are refused and see none of the data;
    anyone signed out is sent to sign in."""
    login_as(role)
    for url, text in pages(records):
        response = client.get(url)
        assert response.status_code == expected, url
        body = response.content.decode()
        if expected == 200:
            assert text in body, url
        else:
            assert text not in body, url


@permission_matrix(COMPLIANCE_USERS | {"anonymous": 302}, default=403)
def test_who_may_post(
    client: Client, login_as: Any, role: str, expected: int, records: dict[str, Any]
) -> None:
    """A refused role's POST saves nothing (a permitted one with an empty form gets 400)."""
    login_as(role)
    counts = (CodeComplaint.objects.count(), ReviewMeeting.objects.count(), AuditExercise.objects.count())
    for name in ("complaint_add", "review_add", "audit_add"):
        status = client.post(reverse(f"victims_code:{name}"), {}).status_code
        assert status == (400 if expected == 200 else expected), name
    assert (
        CodeComplaint.objects.count(),
        ReviewMeeting.objects.count(),
        AuditExercise.objects.count(),
    ) == counts


def test_recording_a_complaint_through_the_page(client: Client, login_as: Any) -> None:
    login_as("opcc_analyst")
    right4 = Right.objects.get(code_version__code="VCOP-2020", number=4)
    data = {
        "agency_type": "police",
        "reference": "CMP/7",
        "received_on": "2026-04-02",
        "acknowledged_on": "2026-04-07",
        "rights": [str(right4.pk)],
        "outcome": "open",
    }
    response = client.post(reverse("victims_code:complaint_add"), data)
    assert response.status_code == 302
    complaint = CodeComplaint.objects.get(reference="CMP/7")
    assert list(complaint.rights.all()) == [right4]
    page = client.get(reverse("victims_code:complaints")).content.decode()
    assert "CMP/7" in page
    assert "Acknowledged within 10 working days" in page


def test_a_complaint_form_with_bad_dates_shows_each_error(client: Client, login_as: Any) -> None:
    """The date acknowledged before the date received: a 400 with the message in the summary."""
    login_as("force_code_lead")
    right4 = Right.objects.get(code_version__code="VCOP-2020", number=4)
    data = {
        "agency_type": "police",
        "reference": "CMP/8",
        "received_on": "2026-04-02",
        "acknowledged_on": "2026-04-01",
        "rights": [str(right4.pk)],
        "outcome": "open",
    }
    response = client.post(reverse("victims_code:complaint_add"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "The date acknowledged must be the same as or after the date received" in body
    assert not CodeComplaint.objects.exists()


def test_editing_a_complaint(client: Client, login_as: Any, records: dict[str, Any]) -> None:
    login_as("opcc_admin")
    complaint = records["complaint"]
    url = reverse("victims_code:complaint_edit", kwargs={"public_id": complaint.public_id})
    data = {
        "agency_type": "police",
        "reference": REFERENCE,
        "received_on": "2026-04-02",
        "acknowledged_on": "2026-04-07",
        "responded_on": "2026-04-30",
        "rights": [str(r.pk) for r in complaint.rights.all()],
        "outcome": "upheld",
        "escalated_to_phso": "on",
    }
    assert client.post(url, data).status_code == 302
    complaint.refresh_from_db()
    assert (complaint.outcome, complaint.escalated_to_phso) == ("upheld", True)


def test_the_register_download(client: Client, login_as: Any, records: dict[str, Any]) -> None:
    """A CSV of the listed complaints, logged as an export."""
    login_as("opcc_analyst")
    response = client.get(reverse("victims_code:complaints_download"), {"agency_type": "police"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("Agency,Reference,Received")
    assert lines[1].startswith(f"Police,{REFERENCE},2026-04-02")
    assert AccessLog.objects.filter(
        action=AccessLog.Action.EXPORT, record_label__contains="complaint"
    ).exists()


def test_a_done_action_without_a_date_is_refused_on_the_page(
    client: Client, login_as: Any, records: dict[str, Any]
) -> None:
    login_as("force_code_lead")
    action = records["action"]
    url = reverse("victims_code:action_update", kwargs={"public_id": action.public_id})
    response = client.post(url, {"status": "done", "update": "Finished"})
    assert response.status_code == 400
    assert "Enter the date the action was completed" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open"
    assert client.post(url, {"status": "done", "completed_on": "2026-05-28"}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", date(2026, 5, 28))


def test_overdue_actions_are_flagged_in_words(client: Client, login_as: Any, records: dict[str, Any]) -> None:
    """The action due 1 June 2026 is still open: 'Overdue' on the list (today is after it)."""
    login_as("opcc_analyst")
    body = client.get(reverse("victims_code:reviews")).content.decode()
    assert "Overdue" in body
    assert "1 of these 1 action is overdue" in body


def test_adding_an_action_with_metrics(client: Client, login_as: Any, records: dict[str, Any]) -> None:
    login_as("opcc_analyst")
    meeting = records["meeting"]
    m05 = MetricDefinition.objects.get(code="M05")
    data = {
        "description": "Audit referral timeliness",
        "owner_agency": "police",
        "owner_role": "Victims' Code lead",
        "due_on": "2026-07-01",
        "metrics": [str(m05.pk)],
    }
    response = client.post(reverse("victims_code:action_add", kwargs={"public_id": meeting.public_id}), data)
    assert response.status_code == 302
    added = ComplianceAction.objects.get(description="Audit referral timeliness")
    assert list(added.metrics.all()) == [m05]


def _case_data(**findings: str) -> dict[str, str]:
    arrest = Entitlement.objects.get(code="R6.ARREST_UPDATE")
    data = {"pseudo_ref": "20/555555/26", "enhanced": "on"}
    data.update({f"e{arrest.pk}-{name}": value for name, value in findings.items()})
    return data


def test_adding_an_audited_case_through_the_page(
    client: Client, login_as: Any, records: dict[str, Any]
) -> None:
    """One finding (arrest update, enhanced victim, on time); the rest left "Not checked"."""
    login_as("force_code_lead")
    exercise = records["exercise"]
    url = reverse("victims_code:audit_case_add", kwargs={"public_id": exercise.public_id})
    data = _case_data(
        status="applies",
        triggered_on="2026-04-02",
        delivered="yes",
        delivered_on="2026-04-07",
        quality_rating="3",
    )
    assert client.post(url, data).status_code == 302
    case = AuditCase.objects.get(pseudo_ref="20/555555/26")
    check = case.checks.get()
    assert (case.enhanced, check.delivered, check.quality_rating) == (True, True, 3)
    body = client.get(
        reverse("victims_code:audit_detail", kwargs={"public_id": exercise.public_id})
    ).content.decode()
    assert "20/555555/26" in body


def test_an_audited_case_with_a_bad_finding_saves_nothing(
    client: Client, login_as: Any, records: dict[str, Any]
) -> None:
    """Delivered before the trigger: a 400 naming the entitlement, linked to its field."""
    login_as("force_code_lead")
    exercise = records["exercise"]
    url = reverse("victims_code:audit_case_add", kwargs={"public_id": exercise.public_id})
    cases = AuditCase.objects.count()
    data = _case_data(status="applies", triggered_on="2026-04-09", delivered="yes", delivered_on="2026-04-08")
    response = client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "R6.ARREST_UPDATE: The date delivered must be the same as or after the trigger date" in body
    arrest = Entitlement.objects.get(code="R6.ARREST_UPDATE")
    assert f'href="#id_e{arrest.pk}-delivered_on"' in body
    assert AuditCase.objects.count() == cases


def test_a_finding_left_under_not_checked_is_queried(
    client: Client, login_as: Any, records: dict[str, Any]
) -> None:
    login_as("force_code_lead")
    exercise = records["exercise"]
    url = reverse("victims_code:audit_case_add", kwargs={"public_id": exercise.public_id})
    response = client.post(url, _case_data(delivered="yes"))
    assert response.status_code == 400
    assert "Say whether the entitlement applied" in response.content.decode()


def test_a_name_as_the_audit_reference_is_refused(
    client: Client, login_as: Any, records: dict[str, Any]
) -> None:
    login_as("force_code_lead")
    exercise = records["exercise"]
    url = reverse("victims_code:audit_case_add", kwargs={"public_id": exercise.public_id})
    data = _case_data(status="applies")
    data["pseudo_ref"] = "Jane Smith"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "never a person's name" in html.unescape(response.content.decode())
    assert not AuditCase.objects.filter(pseudo_ref="Jane Smith").exists()
