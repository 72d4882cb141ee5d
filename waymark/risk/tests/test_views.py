"""The risk pages: permission matrices, the checklist end to end, and the access log."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from waymark.audit.models import AccessLog
from waymark.core.testing.forms import date_parts
from waymark.core.testing.matrix import permission_matrix
from waymark.risk.models import MaracReferral, RiskAssessment

from .helpers import submit_assessment

pytestmark = pytest.mark.django_db

# Casework roles in scope see the page; another provider's staff and a partner's caseworker
# cannot tell the case exists (404); OPCC, board, force and auditors may not use risk pages (403).
CASE_PAGE = {
    "caseworker": 200,
    "provider_manager": 200,
    "caseworker_other": 404,
    "provider_manager_other": 404,
    "partner_caseworker": 404,
    "anonymous": 302,
}
LIST_PAGE = {
    "caseworker": 200,
    "provider_manager": 200,
    "caseworker_other": 200,
    "provider_manager_other": 200,
    "partner_caseworker": 200,
    "anonymous": 302,
}


@permission_matrix(CASE_PAGE, default=403)
def test_case_risk_page(client, login_as, case, role, expected):
    """A case's risk page."""
    login_as(role)
    assert client.get(reverse("risk:case_risk", kwargs={"case_id": case.public_id})).status_code == expected


def test_the_risk_forms_ask_the_browser_to_remember_nothing(client, login_as, case):
    """Pages about a victim: what is typed there is not offered again on this device."""
    login_as("caseworker")
    for name in ("risk:assessment_create", "risk:incident_create", "risk:marac_referral_create"):
        page = client.get(reverse(name, kwargs={"case_id": case.public_id})).content.decode()
        assert '<form method="post" novalidate id="main-form" autocomplete="off">' in page, name


@permission_matrix(CASE_PAGE, default=403)
def test_new_assessment_page(client, login_as, case, role, expected):
    """The checklist form."""
    login_as(role)
    url = reverse("risk:assessment_create", kwargs={"case_id": case.public_id})
    assert client.get(url).status_code == expected


@permission_matrix(CASE_PAGE, default=403)
def test_assessment_result_page(client, login_as, case, caseworker, role, expected):
    """An assessment's result page."""
    assessment = submit_assessment(case=case, by=caseworker, yes=15)
    login_as(role)
    assert client.get(assessment.get_absolute_url()).status_code == expected


@permission_matrix(CASE_PAGE, default=403)
def test_incident_page(client, login_as, case, role, expected):
    """The incident form."""
    login_as(role)
    assert (
        client.get(reverse("risk:incident_create", kwargs={"case_id": case.public_id})).status_code
        == expected
    )


@permission_matrix(CASE_PAGE, default=403)
def test_marac_referral_page(client, login_as, case, role, expected):
    """The MARAC referral form."""
    login_as(role)
    url = reverse("risk:marac_referral_create", kwargs={"case_id": case.public_id})
    assert client.get(url).status_code == expected


@permission_matrix(LIST_PAGE, default=403)
def test_marac_list_page(client, login_as, case, caseworker, role, expected):
    """Everyone with a casework role may open the list, but sees only their own cases in it."""
    submit_assessment(case=case, by=caseworker, yes=20)
    login_as(role)
    response = client.get(reverse("risk:marac_list"))
    assert response.status_code == expected
    if expected == 200:
        shown = case.reference in response.content.decode()
        assert shown == (role in ("caseworker", "provider_manager"))


@permission_matrix(LIST_PAGE, default=403)
def test_review_list_page(client, login_as, case, caseworker, role, expected):
    """Reviews due, only for cases in scope."""
    submit_assessment(case=case, by=caseworker, yes=2, assessed_at=timezone.now() - timedelta(days=60))
    login_as(role)
    response = client.get(reverse("risk:review_list"))
    assert response.status_code == expected
    if expected == 200:
        shown = case.reference in response.content.decode()
        assert shown == (role in ("caseworker", "provider_manager"))


def _checklist(dash, *, yes, judgement="", rationale="", action="submit", skip=(), assessed_on=None):
    data = {
        "context": "intake",
        **date_parts("assessed_on", assessed_on or timezone.localdate()),
        "professional_judgement_level": judgement,
        "professional_judgement_rationale": rationale,
        "action": action,
    }
    for index, question in enumerate(dash.questions.order_by("number")):
        if question.key in skip:
            continue
        data[f"q_{question.key}"] = "yes" if index < yes else "no"
        data[f"c_{question.key}"] = "noted" if index == 0 else ""
    return data


def test_submitting_the_checklist_counts_on_the_server(client, login_as, case, dash):
    """Post 24 answers: the count, band, level and review date are on the result page."""
    login_as("caseworker")
    url = reverse("risk:assessment_create", kwargs={"case_id": case.public_id})
    response = client.post(url, _checklist(dash, yes=14))
    assessment = RiskAssessment.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == assessment.get_absolute_url()
    assert assessment.status == "submitted"
    assert assessment.yes_count == 14
    assert assessment.answers.get(question__number=1).comment == "noted"
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "14 of 24" in page
    assert "Visible high risk" in page
    assert (timezone.localdate() + timedelta(days=42)).strftime("%-d %B %Y") in page


def test_the_checklist_renders_radios_for_every_question(client, login_as, case):
    """24 GOV.UK radio groups of yes / no / not known."""
    login_as("caseworker")
    page = client.get(reverse("risk:assessment_create", kwargs={"case_id": case.public_id})).content.decode()
    assert page.count('class="govuk-radios__input"') == 24 * 3
    assert "Strangulation, choking, suffocation or drowning" in page


def test_an_unanswered_question_is_a_400_and_saves_nothing(client, login_as, case, dash):
    """Submit with a gap: the error summary names it and no assessment exists."""
    login_as("caseworker")
    url = reverse("risk:assessment_create", kwargs={"case_id": case.public_id})
    response = client.post(url, _checklist(dash, yes=3, skip={"sexual_abuse"}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Answer question 16" in page
    assert not RiskAssessment.objects.exists()


def test_the_checklist_asks_for_the_date_in_three_boxes_starting_today(client, login_as, case):
    """The date of assessment is a GOV.UK date input, filled in with today."""
    login_as("caseworker")
    page = client.get(reverse("risk:assessment_create", kwargs={"case_id": case.public_id})).content.decode()
    today = timezone.localdate()
    for part, value in date_parts("assessed_on", today).items():
        assert f'id="id_{part}" name="{part}" type="text" value="{value}"' in page
    assert "For example, 27 3 2026" in page


def test_an_assessment_dated_tomorrow_is_refused_on_the_page(client, login_as, case, dash):
    """A date in the future: 400, the message links to the day box, nothing saved."""
    login_as("caseworker")
    url = reverse("risk:assessment_create", kwargs={"case_id": case.public_id})
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(url, _checklist(dash, yes=3, assessed_on=tomorrow))
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_assessed_on-day">Date of assessment must be today or in the past</a>' in page
    assert not RiskAssessment.objects.exists()


def test_lowering_by_judgement_is_refused_on_the_page(client, login_as, case, dash):
    """High band, judgement medium: 400 with the reason; nothing saved."""
    login_as("caseworker")
    url = reverse("risk:assessment_create", kwargs={"case_id": case.public_id})
    response = client.post(url, _checklist(dash, yes=15, judgement="medium", rationale="x"))
    assert response.status_code == 400
    assert "cannot lower" in response.content.decode()
    assert not RiskAssessment.objects.exists()


def test_a_draft_can_be_saved_part_done_and_finished_later(client, login_as, case, dash):
    """Save as draft with gaps; then submit from the edit page."""
    login_as("caseworker")
    url = reverse("risk:assessment_create", kwargs={"case_id": case.public_id})
    response = client.post(url, _checklist(dash, yes=2, skip={"sexual_abuse"}, action="draft"))
    draft = RiskAssessment.objects.get(case=case)
    assert response.status_code == 302
    assert draft.status == "draft"
    assert "Carry on with this draft" in client.get(draft.get_absolute_url()).content.decode()
    assert client.get(reverse("risk:case_risk", kwargs={"case_id": case.public_id})).status_code == 200
    edit = reverse("risk:assessment_edit", kwargs={"public_id": draft.public_id})
    assert client.get(edit).status_code == 200
    assert client.post(edit, _checklist(dash, yes=2)).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert RiskAssessment.objects.count() == 1
    # A submitted assessment's edit page sends you back to the result.
    assert client.get(edit).status_code == 302


def test_correcting_from_the_result_page(client, login_as, case, caseworker, dash):
    """The correct button starts a superseding draft."""
    original = submit_assessment(case=case, by=caseworker, yes=2)
    login_as("caseworker")
    response = client.post(reverse("risk:assessment_correct", kwargs={"public_id": original.public_id}))
    draft = RiskAssessment.objects.get(supersedes=original)
    assert response["Location"] == reverse("risk:assessment_edit", kwargs={"public_id": draft.public_id})


def test_reads_are_access_logged(client, login_as, case, caseworker):
    """The result page, the case's risk page and the lists each write to the access log."""
    assessment = submit_assessment(case=case, by=caseworker, yes=20)
    login_as("caseworker")
    client.get(assessment.get_absolute_url())
    assert AccessLog.objects.about(assessment).filter(action="view").count() == 1
    client.get(reverse("risk:case_risk", kwargs={"case_id": case.public_id}))
    assert AccessLog.objects.about(case).filter(action="view").count() == 1
    client.get(reverse("risk:marac_list"))
    assert AccessLog.objects.about(case).filter(action="list").count() == 1
    client.get(reverse("risk:review_list"))
    assert AccessLog.objects.filter(action="list", detail="Risk reviews due").count() == 0  # none due yet


def test_marac_form_is_prefilled_from_detection_and_records_the_referral(client, login_as, case, caseworker):
    """Detected criteria start ticked; posting records the referral on those criteria."""
    submit_assessment(case=case, by=caseworker, yes=16)
    login_as("caseworker")
    url = reverse("risk:marac_referral_create", kwargs={"case_id": case.public_id})
    page = client.get(url).content.decode()
    assert 'value="visible_high_risk" checked' in page
    response = client.post(
        url,
        {
            "criteria": ["visible_high_risk"],
            **date_parts("referred_on", timezone.localdate()),
            "marac_area": "Test MARAC",
            "consent": "not_given",
            "victim_informed": "not_yet",
        },
    )
    assert response.status_code == 302
    referral = MaracReferral.objects.get(case=case)
    assert referral.visible_high_risk
    assert referral.consent == "not_given"


def test_marac_form_bad_input_is_a_400(client, login_as, case):
    """Judgement with no concerns: 400, error summary, nothing saved."""
    login_as("caseworker")
    url = reverse("risk:marac_referral_create", kwargs={"case_id": case.public_id})
    response = client.post(
        url,
        {
            "criteria": ["professional_judgement"],
            **date_parts("referred_on", timezone.localdate()),
            "marac_area": "Test MARAC",
            "consent": "given",
            "victim_informed": "yes",
        },
    )
    assert response.status_code == 400
    assert "Describe your concerns" in response.content.decode()
    assert not MaracReferral.objects.exists()


def test_recording_a_repeat_incident_says_refer_back(client, login_as, case, caseworker):
    """Within 12 months of a referral the incident page says to refer back to MARAC."""
    from .helpers import refer

    refer(case=case, by=caseworker, days_ago=30)
    login_as("caseworker")
    response = client.post(
        reverse("risk:incident_create", kwargs={"case_id": case.public_id}),
        {**date_parts("occurred_on", timezone.localdate()), "same_perpetrator": "on"},
        follow=True,
    )
    assert "refer the case back to MARAC" in response.content.decode()
    assert case.domestic_abuse_incidents.get().is_repeat


def test_an_incident_date_without_a_month_is_refused_on_the_page(client, login_as, case):
    """The month box left empty: 400, the message links to the month box, nothing recorded."""
    login_as("caseworker")
    data = date_parts("occurred_on", timezone.localdate()) | {"occurred_on-month": ""}
    response = client.post(reverse("risk:incident_create", kwargs={"case_id": case.public_id}), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_occurred_on-month">Date of the incident must include a month</a>' in page
    assert not case.domestic_abuse_incidents.exists()


def test_marac_meeting_date_is_optional_but_must_be_whole(client, login_as, case):
    """A meeting date with only a day is refused (linking to the month box); a whole one is kept."""
    login_as("caseworker")
    url = reverse("risk:marac_referral_create", kwargs={"case_id": case.public_id})
    data = {
        "criteria": ["professional_judgement"],
        "concerns": "Escalating threats.",
        **date_parts("referred_on", timezone.localdate()),
        "meeting_date-day": "10",
        "marac_area": "Test MARAC",
        "consent": "given",
        "victim_informed": "yes",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_meeting_date-month">MARAC meeting date must include a month and year</a>' in page
    assert not MaracReferral.objects.exists()
    meeting = timezone.localdate() + timedelta(days=14)
    assert client.post(url, data | date_parts("meeting_date", meeting)).status_code == 302
    assert MaracReferral.objects.get(case=case).meeting_date == meeting


def test_posting_to_another_providers_case_changes_nothing(client, login_as, case, dash):
    """Another provider's caseworker gets 404 on POST too, and nothing is written."""
    login_as("caseworker_other")
    url = reverse("risk:assessment_create", kwargs={"case_id": case.public_id})
    assert client.post(url, _checklist(dash, yes=14)).status_code == 404
    assert not RiskAssessment.objects.exists()
