"""Signing in: password, then the authenticator code; lockout; idle timeout; MFA for all staff."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

from waymark.core.testing.factories import TEST_PASSWORD, UserFactory, totp_code

pytestmark = pytest.mark.django_db


def _sign_in(client, email, password=TEST_PASSWORD):
    return client.post("/account/login/", {"login": email, "password": password}, REMOTE_ADDR="10.0.0.1")


def test_password_then_code_signs_in(client, world):
    person = world.person("caseworker")
    response = _sign_in(client, person.email)
    assert response.status_code == 302
    assert response["Location"] == "/account/2fa/authenticate/"
    # The password alone is not enough.
    assert client.get("/").status_code == 302
    response = client.post("/account/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_wrong_code_does_not_sign_in(client, world):
    person = world.person("caseworker")
    _sign_in(client, person.email)
    response = client.post("/account/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert client.get("/").status_code == 302


def test_staff_without_an_authenticator_must_set_one_up(client, world):
    """A member who signs in without MFA is sent to set it up and sees nothing else."""
    from waymark.accounts.models import Membership

    person = UserFactory.create(mfa=False)
    Membership.objects.create(user=person, organisation=world.provider, role="caseworker")
    response = _sign_in(client, person.email)
    assert response.status_code == 302
    response = client.get("/directory/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/totp/activate")
    # Setting up a second factor asks for the password again first.
    response = client.get("/account/2fa/totp/activate/")
    assert response["Location"].startswith("/account/reauthenticate/")
    client.post(response["Location"], {"password": TEST_PASSWORD})
    page = client.get("/account/2fa/totp/activate/")
    assert page.status_code == 200
    assert "Set up your authenticator app" in page.content.decode()
    secret = client.session["mfa.totp.secret"]  # what the page shows as text and QR code
    assert secret in page.content.decode()
    response = client.post("/account/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/directory/").status_code == 200


def test_repeated_failures_lock_the_account(client, world):
    person = world.person("caseworker")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, person.email, password="wrong password")
    assert AccessAttempt.objects.filter(username=person.email).exists()
    response = _sign_in(client, person.email)  # the right password, too late
    assert response.status_code == 429
    assert "You cannot sign in for now" in response.content.decode()


def test_session_ends_after_idle_time(client, world, login_as):
    login_as("caseworker")
    assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_activity_keeps_the_session_alive(client, world, login_as):
    login_as("caseworker")
    half = timedelta(seconds=settings.SESSION_COOKIE_AGE * 0.6)
    with time_machine.travel(timezone.now() + half):
        assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + half * 2):
        assert client.get("/").status_code == 200


def test_nobody_can_sign_themselves_up(client):
    response = client.get("/account/signup/")
    assert "You cannot create an account here" in response.content.decode()


def test_pages_for_staff_are_not_cached(client, login_as):
    login_as("caseworker")
    assert client.get("/").headers["Cache-Control"] == "no-store"
