"""The public feedback survey: reached by a one-time link that cannot be reused, guessed or used
after expiry; no login; nothing about the crime shown; no IP address or user agent kept."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import threading
from datetime import time, timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from waymark.victims_code.models import SurveyInvitation, SurveyResponse
from waymark.victims_code.voice import (
    TOKEN_BYTES,
    SurveyLinkUnusableError,
    survey_invitations_create,
    survey_response_submit,
)

from .voice_fixtures import pair

pytestmark = pytest.mark.django_db

CLIENT_IP = "203.0.113.77"
CLIENT_AGENT = "VoiceTestBrowser/9.7 (distinctive)"
ANSWERS = {
    "ease_of_contact": "very_satisfied",
    "actions_taken": "fairly_dissatisfied",
    "kept_informed": "dont_know",
    "treatment": "completely_satisfied",
    "whole_experience": "neither",
    "would_report_again": "yes",
    "confidence": "not_very",
    "aware_of_code": "no",
    "recall_written_confirmation": "yes",
    "recall_referral_offer": "no",
    "recall_vps_offer": "dont_know",
    "recall_updates": "yes",
    "comments": "The officer was kind.",
}


@pytest.fixture
def link(world):
    """One link for the victim of crime VOICE-1, made by an OPCC analyst; returns (token, crime)."""
    crime, victim_ref = pair("VOICE-1")
    batch = survey_invitations_create(pairs=[(crime.pk, victim_ref)], by=world.member("opcc_analyst"))
    return batch.links[0].token, crime


def _url(token: str) -> str:
    return reverse("survey:respond", kwargs={"token": token})


def test_the_survey_needs_no_login_and_shows_nothing_about_the_crime(client, link):
    token, crime = link
    response = client.get(_url(token))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tell us about your experience" in page
    assert "Exit this page" in page
    assert crime.crime_reference not in page
    assert "VOICE-1-V0" not in page
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    # CSP: no inline script on the page.
    assert "<script>" not in page
    assert "onclick" not in page


def test_answers_are_stored_and_the_link_dies(client, link):
    """One submit stores every answer and today's date only; the same link then gets the refusal
    page, for a view or a second submit, and the one response stays as it was."""
    token, crime = link
    response = client.post(_url(token), ANSWERS)
    assert response.status_code == 302
    assert response["Location"] == reverse("survey:done")
    stored = SurveyResponse.objects.get()
    assert stored.invitation.crime == crime
    assert stored.submitted_on == timezone.localdate()
    for name, value in ANSWERS.items():
        assert getattr(stored, name) == value
    invitation = SurveyInvitation.objects.get()
    assert invitation.used_at is not None
    # Only the day: the link is marked used at the start of the day, not the moment.
    assert timezone.localtime(invitation.used_at).time() == time(0, 0)

    again = client.get(_url(token))
    assert again.status_code == 404
    assert "This link cannot be used" in again.content.decode()
    resubmit = client.post(_url(token), {**ANSWERS, "recall_updates": "no"})
    assert resubmit.status_code == 404
    assert SurveyResponse.objects.count() == 1
    assert SurveyResponse.objects.get().recall_updates == "yes"


def test_the_service_refuses_a_second_submit(link):
    token, _ = link
    survey_response_submit(token=token, answers={"treatment": "very_satisfied"})
    with pytest.raises(SurveyLinkUnusableError):
        survey_response_submit(token=token, answers={"treatment": "very_dissatisfied"})
    assert SurveyResponse.objects.get().treatment == "very_satisfied"


def test_every_question_is_optional(client, link):
    token, _ = link
    assert client.post(_url(token), {}).status_code == 302
    stored = SurveyResponse.objects.get()
    assert stored.whole_experience == ""
    assert stored.comments is None


def test_the_thank_you_page(client):
    response = client.get(reverse("survey:done"))
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()


def test_a_link_cannot_be_guessed(link):
    """The token is secrets.token_urlsafe(32): 32 random bytes, 256 bits, 43 URL-safe characters;
    only its SHA-256 is stored, and a batch never repeats a token."""
    token, _ = link
    assert TOKEN_BYTES * 8 >= 256
    assert len(token) == 43
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    stored = SurveyInvitation.objects.get()
    assert stored.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(SurveyInvitation.objects.values()))


def test_a_batch_never_repeats_a_token(world):
    pairs = [pair(f"MANY-{n}") for n in range(40)]
    batch = survey_invitations_create(
        pairs=[(crime.pk, ref) for crime, ref in pairs], by=world.member("force_code_lead")
    )
    tokens = {link.token for link in batch.links}
    assert len(tokens) == 40
    assert all(len(token) == 43 for token in tokens)


@pytest.mark.parametrize(
    "token",
    [
        secrets.token_urlsafe(32),  # well formed, never issued
        "abc",
        "x" * 200,
        "..%2F..%2Fetc",
    ],
)
def test_an_unknown_token_is_refused(client, link, token):
    response = client.get(_url(token))
    assert response.status_code == 404
    assert "This link cannot be used" in response.content.decode()
    assert client.post(_url(token), ANSWERS).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_an_expired_link_is_refused(client, link):
    """The link works for WAYMARK_SURVEY_LINK_DAYS (28) days: on day 27 the form shows, after
    day 28 it is refused and nothing is stored."""
    token, _ = link
    with time_machine.travel(timezone.now() + timedelta(days=27, hours=23)):
        assert client.get(_url(token)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=28, minutes=1)):
        assert client.get(_url(token)).status_code == 404
        assert client.post(_url(token), ANSWERS).status_code == 404
        with pytest.raises(SurveyLinkUnusableError):
            survey_response_submit(token=token, answers={})
    assert not SurveyResponse.objects.exists()


def test_unknown_used_and_expired_get_the_same_page(client, link, world):
    """Nothing tells a visitor which of the three it was: same status, same page."""
    token, _ = link
    crime, ref = pair("VOICE-2")
    expired = survey_invitations_create(pairs=[(crime.pk, ref)], by=world.member("opcc_admin"), valid_days=1)
    client.post(_url(token), {})
    used_page = client.get(_url(token))
    unknown_page = client.get(_url(secrets.token_urlsafe(32)))
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        expired_page = client.get(_url(expired.links[0].token))
    assert used_page.status_code == unknown_page.status_code == expired_page.status_code == 404
    assert used_page.content == unknown_page.content == expired_page.content


def test_a_bad_answer_is_explained_and_nothing_is_stored(client, link):
    token, _ = link
    response = client.post(_url(token), {"treatment": "ecstatic", "comments": "x" * 5001})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Select one of the answers shown, or leave the question blank" in page
    assert "Your comments must be 5,000 characters or fewer" in page
    assert not SurveyResponse.objects.exists()
    assert SurveyInvitation.objects.get().used_at is None


def test_the_form_checks_csrf(link):
    token, _ = link
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(_url(token), ANSWERS).status_code == 403
    assert not SurveyResponse.objects.exists()


def _every_stored_value() -> list[str]:
    """Every value of every row of every table, as text, plus the decoded sessions."""
    values: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (names from introspection)
            for row in cursor.fetchall():
                values.extend(str(value) for value in row)
    for session in Session.objects.all():
        values.append(str(session.get_decoded()))
    return values


def test_nothing_stores_or_logs_the_client_address_or_browser(link, caplog):
    """Answer the survey from a distinctive address and browser; afterwards no table (the
    response, the invitation, the access log, axes, sessions, history) holds either string,
    and no log line mentions them."""
    token, _ = link
    caplog.set_level(logging.DEBUG)
    visitor = Client(REMOTE_ADDR=CLIENT_IP, HTTP_USER_AGENT=CLIENT_AGENT, HTTP_X_FORWARDED_FOR=CLIENT_IP)
    assert visitor.get(_url(token)).status_code == 200
    assert visitor.post(_url(token), ANSWERS).status_code == 302
    assert visitor.get(reverse("survey:done")).status_code == 200
    assert visitor.get(_url(token)).status_code == 404
    assert SurveyResponse.objects.count() == 1
    stored = _every_stored_value()
    assert stored, "the dump found no rows at all"
    assert "The officer was kind." not in stored  # comments are encrypted at rest
    assert not [value for value in stored if CLIENT_IP in value]
    assert not [value for value in stored if "VoiceTestBrowser" in value]
    assert all(CLIENT_IP not in record.getMessage() for record in caplog.records)
    # And the models have nowhere to put one.
    for model in (SurveyResponse, SurveyInvitation):
        names = {field.name for field in model._meta.get_fields()}
        assert not names & {"ip", "ip_address", "remote_addr", "user_agent"}
    assert not [
        field
        for model in apps.get_app_config("victims_code").get_models()
        for field in model._meta.get_fields()
        if field.get_internal_type() == "GenericIPAddressField"
    ]


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_the_same_moment_store_one_answer(world):
    """Two threads submit the same link at once: exactly one succeeds (PostgreSQL: the second
    UPDATE waits for the first's row lock, then finds used_at set)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writes; the race needs two real connections")
    crime, ref = pair("RACE-1")
    token = survey_invitations_create(pairs=[(crime.pk, ref)], by=world.member("opcc_admin")).links[0].token
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(answer: str) -> None:
        try:
            barrier.wait()
            survey_response_submit(token=token, answers={"treatment": answer})
            outcomes.append("stored")
        except SurveyLinkUnusableError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(a,)) for a in ("very_satisfied", "very_dissatisfied")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "stored"]
    assert SurveyResponse.objects.count() == 1
