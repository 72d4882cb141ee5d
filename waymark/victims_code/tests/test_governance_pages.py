"""The governance pages: who may use them, and that the forms save through the services."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.audit.models import AccessLog
from waymark.core.testing.forms import date_parts
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
        **date_parts("received_on", "2026-04-02"),
        **date_parts("acknowledged_on", "2026-04-07"),
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
        **date_parts("received_on", "2026-04-02"),
        **date_parts("acknowledged_on", "2026-04-01"),
        "rights": [str(right4.pk)],
        "outcome": "open",
    }
    response = client.post(reverse("victims_code:complaint_add"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    message = "The date acknowledged must be the same as or after the date received"
    assert message in body
    assert f'<a href="#id_acknowledged_on-day">{message}</a>' in body
    assert not CodeComplaint.objects.exists()


def test_a_complaint_date_that_is_not_real_or_not_whole_gets_the_design_systems_message(
    client: Client, login_as: Any
) -> None:
    """Dates are typed into GOV.UK date inputs: a 31 April and an acknowledgement without its
    month are refused with the Design System's messages, each linked to the box to put right,
    and what was typed is kept."""
    login_as("force_code_lead")
    right4 = Right.objects.get(code_version__code="VCOP-2020", number=4)
    data = {
        "agency_type": "police",
        "reference": "CMP/9",
        "received_on-day": "31",
        "received_on-month": "4",
        "received_on-year": "2026",
        "acknowledged_on-day": "7",
        "acknowledged_on-month": "",
        "acknowledged_on-year": "2026",
        "rights": [str(right4.pk)],
        "outcome": "open",
    }
    response = client.post(reverse("victims_code:complaint_add"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert '<a href="#id_received_on-day">Date received must be a real date</a>' in body
    assert '<a href="#id_acknowledged_on-month">Date acknowledged must include a month</a>' in body
    assert 'name="received_on-day" type="text" value="31"' in body
    assert not CodeComplaint.objects.exists()


def test_a_complaint_to_change_shows_its_dates_in_the_boxes(
    client: Client, login_as: Any, records: dict[str, Any]
) -> None:
    login_as("opcc_admin")
    url = reverse("victims_code:complaint_edit", kwargs={"public_id": records["complaint"].public_id})
    body = client.get(url).content.decode()
    for part, value in (("day", "2"), ("month", "4"), ("year", "2026")):
        assert f'id="id_received_on-{part}" name="received_on-{part}" type="text" value="{value}"' in body
    assert "For example, 27 3 2026" in body


def test_editing_a_complaint(client: Client, login_as: Any, records: dict[str, Any]) -> None:
    login_as("opcc_admin")
    complaint = records["complaint"]
    url = reverse("victims_code:complaint_edit", kwargs={"public_id": complaint.public_id})
    data = {
        "agency_type": "police",
        "reference": REFERENCE,
        **date_parts("received_on", "2026-04-02"),
        **date_parts("acknowledged_on", "2026-04-07"),
        **date_parts("responded_on", "2026-04-30"),
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
    body = response.content.decode()
    assert "Enter the date the action was completed" in body
    assert '<a href="#id_completed_on-day">Enter the date the action was completed</a>' in body
    action.refresh_from_db()
    assert action.status == "open"
    assert client.post(url, {"status": "done", **date_parts("completed_on", "2026-05-28")}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", date(2026, 5, 28))


def test_a_meeting_without_its_date_is_refused_on_the_page(client: Client, login_as: Any) -> None:
    login_as("opcc_analyst")
    data = {"forum": "victims_witnesses", "title": "Delivery Group June", **date_parts("held_on", "")}
    response = client.post(reverse("victims_code:review_add"), data)
    assert response.status_code == 400
    assert '<a href="#id_held_on-day">Enter the date of the meeting</a>' in response.content.decode()
    assert not ReviewMeeting.objects.filter(title="Delivery Group June").exists()
    data |= date_parts("held_on", "2026-06-09")
    assert client.post(reverse("victims_code:review_add"), data).status_code == 302
    assert ReviewMeeting.objects.get(title="Delivery Group June").held_on == date(2026, 6, 9)


def test_an_audit_period_is_typed_in_date_inputs(client: Client, login_as: Any) -> None:
    """The period's ends are GOV.UK date inputs; a two-digit year is refused at the year box."""
    login_as("opcc_analyst")
    data = {
        "title": "Written confirmations Q2",
        "agency_type": "police",
        "sampling_method": "random",
        **date_parts("period_start", "2026-07-01"),
        "period_end-day": "30",
        "period_end-month": "9",
        "period_end-year": "26",
    }
    response = client.post(reverse("victims_code:audit_add"), data)
    assert response.status_code == 400
    assert (
        '<a href="#id_period_end-year">The year of the end of the period sampled must include 4 numbers</a>'
        in response.content.decode()
    )
    data |= date_parts("period_end", "2026-09-30")
    assert client.post(reverse("victims_code:audit_add"), data).status_code == 302
    exercise = AuditExercise.objects.get(title="Written confirmations Q2")
    assert (exercise.period_start, exercise.period_end) == (date(2026, 7, 1), date(2026, 9, 30))


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
        **date_parts("due_on", "2026-07-01"),
        "metrics": [str(m05.pk)],
    }
    response = client.post(reverse("victims_code:action_add", kwargs={"public_id": meeting.public_id}), data)
    assert response.status_code == 302
    added = ComplianceAction.objects.get(description="Audit referral timeliness")
    assert list(added.metrics.all()) == [m05]


DATES = ("triggered_on", "received_on", "delivered_on")


def _case_data(**findings: str) -> dict[str, str]:
    """The case and the arrest update's finding; a date finding (ISO, or "") fills its three boxes."""
    arrest = Entitlement.objects.get(code="R6.ARREST_UPDATE")
    data = {"pseudo_ref": "20/555555/26", "enhanced": "on"}
    for name, value in findings.items():
        if name in DATES:
            data.update(date_parts(f"e{arrest.pk}-{name}", value))
        else:
            data[f"e{arrest.pk}-{name}"] = value
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
    message = "R6.ARREST_UPDATE: The date delivered must be the same as or after the trigger date"
    arrest = Entitlement.objects.get(code="R6.ARREST_UPDATE")
    assert f'<a href="#id_e{arrest.pk}-delivered_on-day">{message}</a>' in body
    assert AuditCase.objects.count() == cases


def test_a_finding_date_that_is_not_whole_is_linked_to_its_box(
    client: Client, login_as: Any, records: dict[str, Any]
) -> None:
    """A date delivered without its year: the Design System's message, named by the entitlement,
    linked to that finding's year box."""
    login_as("force_code_lead")
    exercise = records["exercise"]
    url = reverse("victims_code:audit_case_add", kwargs={"public_id": exercise.public_id})
    arrest = Entitlement.objects.get(code="R6.ARREST_UPDATE")
    data = _case_data(status="applies", triggered_on="2026-04-02", delivered="yes")
    data |= {f"e{arrest.pk}-delivered_on-day": "7", f"e{arrest.pk}-delivered_on-month": "April"}
    response = client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    message = "R6.ARREST_UPDATE: Date delivered must include a year"
    assert f'<a href="#id_e{arrest.pk}-delivered_on-year">{message}</a>' in body
    assert not AuditCase.objects.filter(pseudo_ref="20/555555/26").exists()


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
