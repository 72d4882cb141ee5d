"""A week of the hate crime service, through the pages a victim, a caseworker, a manager and the
OPCC use: self-referral, safe contact, acceptance, assessment, support, closure with approval,
and the quarter's return, which the OPCC sees without a single case."""

import re
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from waymark.audit.models import AccessLog
from waymark.cases.models import Case, NeedsDomain
from waymark.core.periods import FinancialQuarter
from waymark.core.testing.forms import date_parts
from waymark.referrals.models import ContactAttempt, Referral

pytestmark = pytest.mark.django_db


def _post(client: Any, url: str, data: dict[str, Any], expected: int = 302) -> Any:
    response = client.post(url, data)
    errors = re.findall(r"govuk-error-summary__list.*?</ul>", response.content.decode(), re.S)
    assert response.status_code == expected, (url, response.status_code, errors)
    return response


def test_a_hate_crime_referral_runs_from_self_referral_to_approved_closure(client, world, login_as):
    service = world.service  # Home Provider's hate crime service, worked by Home Team

    # 1. A victim refers themselves on the public page; the phone is safe to call, not for voicemail.
    _post(
        client,
        "/get-support/",
        {
            "is_safe_to_contact": "yes",
            "service": str(service.public_id),
            "full_name": "Demo Victim",
            "phone": "07700 900321",
            "phone_kind": "mobile",
            "phone_safe_to_call": "on",
            "safe_times": "Weekdays 10:00 to 14:00",
            "reason": "Abuse from neighbours about my religion.",
            "consent": "on",
        },
    )
    assert mail.outbox == []  # no e-mail address was marked safe
    referral = Referral.objects.get()
    assert referral.route == Referral.Route.SELF
    method = referral.person.contact_methods.get()

    # 2. The caseworker sees the safe-contact summary first, and cannot leave a voicemail.
    caseworker = login_as("caseworker")
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "Weekdays 10:00 to 14:00" in page
    now = date_parts("at", timezone.localtime())
    contact_url = f"/referrals/{referral.public_id}/contact/"
    refused = _post(
        client,
        contact_url,
        {
            "contact_method": str(method.public_id),
            "channel": "voicemail",
            "outcome": "message_left",
            **now,
        },
        expected=400,
    )
    assert "not marked safe for voicemail" in refused.content.decode()
    assert not ContactAttempt.objects.exists()
    _post(
        client,
        contact_url,
        {"contact_method": str(method.public_id), "channel": "call", "outcome": "contact_made", **now},
    )

    # 3. Accepted: a case opens, allocated to the caseworker.
    _post(
        client, f"/referrals/{referral.public_id}/outcome/", {"outcome": "accepted", "owner": "", "team": ""}
    )
    case = Case.objects.get(referral=referral)
    assert case.owner == caseworker
    assert case.first_contact_made_at is not None
    case_url = case.get_absolute_url()

    # 4. Assessment, hate crime details, support.
    _post(client, f"{case_url}status/", {"to": "assessment", "reason": "First meeting booked."})
    needs = {f"level_{d.key}": "low" for d in NeedsDomain.objects.filter(is_active=True)}
    _post(client, f"{case_url}needs/", needs)
    _post(
        client,
        f"{case_url}hate-crime/",
        {
            "strands": ["religion", "race"],
            "crime_or_incident": "incident",
            "perceived_by": "victim",
            "location_type": "home",
        },
    )
    _post(client, f"{case_url}status/", {"to": "active_support", "reason": "Needs assessed."})
    _post(
        client,
        f"{case_url}activities/add/",
        {"kind": "advocacy", **now, "duration_minutes": 45, "text": "Housing call."},
    )

    page = client.get(case_url)
    assert page.status_code == 200
    assert "Demo Victim" in page.content.decode()  # the caseworker sees whom they support

    # 5. The caseworker asks to close; the manager (not the requester) approves.
    _post(client, f"{case_url}close/", {"closure_reason": "goals_met"})
    refused = client.post(f"{case_url}closure-decision/", {"decision": "approve"})
    assert refused.status_code in (400, 403)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSURE_REQUESTED
    client.logout()
    login_as("provider_manager")
    _post(client, f"{case_url}closure-decision/", {"decision": "approve"})
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert set(case.hate_crime.strands) == {"religion", "race"}
    assert AccessLog.objects.filter(
        record_id=str(case.public_id), action=AccessLog.Action.VIEW, actor=caseworker
    ).exists()

    # 6. The quarter's return: exact for the manager, suppressed aggregates for the OPCC.
    quarter = FinancialQuarter.from_date(timezone.localdate()).label
    manager_page = client.get("/returns/", {"service": str(service.public_id), "quarter": quarter})
    assert manager_page.status_code == 200
    client.logout()
    login_as("opcc_analyst")
    opcc_page = client.get("/returns/", {"service": str(service.public_id), "quarter": quarter})
    assert opcc_page.status_code == 200
    body = opcc_page.content.decode()
    for secret in (case.reference, referral.reference, referral.person.code, "Demo Victim"):
        assert secret not in body
    assert client.get(case_url).status_code in (403, 404)


def test_an_idva_referral_from_the_police_feed_runs_through_dash_and_marac_to_closure(
    client, world, login_as
):
    """The force's feed refers a high-risk victim to an IDVA service; the IDVA assesses with the
    DASH checklist (14 yes is high risk), refers to MARAC, and closes after an exit risk review."""
    from waymark.accounts.models import Service
    from waymark.api.models import ApiToken
    from waymark.api.services import api_token_create
    from waymark.risk.models import MaracReferral, RiskQuestion, RiskTool

    Service.objects.filter(pk=world.service.pk).update(type=Service.Type.IDVA, name="IDVA Service")
    _, secret = api_token_create(
        by=world.member("opcc_admin"),
        organisation=world.force,
        name="force feed",
        scopes=[ApiToken.Scope.REFERRALS_WRITE, ApiToken.Scope.READ],
        expires_at=None,
    )
    body = {
        "service": "IDVA Service",
        "external_reference": "WMP-TEST-0001",
        "consent": "given",
        "person": {"full_name": "Demo Survivor", "sex": "female"},
        "contact_methods": [
            {"kind": "mobile", "value": "07700 900654", "safe_to_call": True, "safe_text": True}
        ],
        "reason": "High-risk domestic abuse; DASH by the officer.",
    }
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    first = client.post("/api/v1/referrals", body, content_type="application/json", **headers)
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/referrals", body, content_type="application/json", **headers)
    assert again.status_code == 200  # the same referral sent twice is one referral
    referral = Referral.objects.get()

    login_as("caseworker")
    now = date_parts("at", timezone.localtime())
    method = referral.person.contact_methods.get()
    _post(
        client,
        f"/referrals/{referral.public_id}/contact/",
        {"contact_method": str(method.public_id), "channel": "call", "outcome": "contact_made", **now},
    )
    _post(
        client, f"/referrals/{referral.public_id}/outcome/", {"outcome": "accepted", "owner": "", "team": ""}
    )
    case = Case.objects.get(referral=referral)
    case_url = case.get_absolute_url()
    _post(client, f"{case_url}status/", {"to": "assessment", "reason": "Met at a safe place."})
    _post(
        client,
        f"{case_url}needs/",
        {f"level_{d.key}": "high" for d in NeedsDomain.objects.filter(is_active=True)},
    )

    # An IDVA case needs a risk assessment before support: refused without one.
    refused = client.post(f"{case_url}status/", {"to": "active_support", "reason": "Assessed."})
    assert refused.status_code == 400
    tool = RiskTool.objects.get(key="safelives_dash_24")
    questions = list(RiskQuestion.objects.filter(tool=tool).order_by("number"))
    today = timezone.localdate().isoformat()

    def dash(context: str, yes: int) -> dict[str, str]:
        answers = {f"q_{q.key}": ("yes" if i < yes else "no") for i, q in enumerate(questions)}
        return {**answers, "context": context, **date_parts("assessed_on", today), "action": "submit"}

    _post(client, f"/risk/cases/{case.public_id}/assessments/new/", dash("intake", 14))
    assessment = case.risk_assessments.get()
    assert assessment.yes_count == 14
    assert assessment.final_level == "high"
    _post(client, f"{case_url}status/", {"to": "active_support", "reason": "Risk assessed."})

    # Visible high risk is detected, and the MARAC referral records it.
    marac_form = client.get(f"/risk/cases/{case.public_id}/marac/new/")
    assert marac_form.status_code == 200
    _post(
        client,
        f"/risk/cases/{case.public_id}/marac/new/",
        {
            "criteria": ["visible_high_risk"],
            "consent": "given",
            "victim_informed": "yes",
            **date_parts("referred_on", today),
            "marac_area": "Birmingham",
        },
    )
    assert MaracReferral.objects.filter(case=case, visible_high_risk=True).exists()

    # Closing needs an exit risk review first.
    refused = client.post(f"{case_url}close/", {"closure_reason": "goals_met"})
    assert refused.status_code == 400
    assert "exit risk review" in refused.content.decode()
    _post(client, f"/risk/cases/{case.public_id}/assessments/new/", dash("closure", 6))
    _post(client, f"{case_url}close/", {"closure_reason": "goals_met"})
    client.logout()
    login_as("provider_manager")
    _post(client, f"{case_url}closure-decision/", {"decision": "approve"})
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED

    # The force sees the referral's status through the API, never the case.
    status = client.get(f"/api/v1/referrals/{referral.public_id}", **headers)
    assert status.status_code == 200
    assert "Demo Survivor" not in status.content.decode()
    assert case.reference not in status.content.decode()
