"""`make run`'s setup steps are idempotent, and production settings refuse unsafe deployments."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_demo_load_twice_changes_nothing():
    """The second load creates no row of any kind (history and access log included)."""
    call_command("demo", quiet=True)
    after_first = _row_counts()
    call_command("demo", quiet=True)
    assert _row_counts() == after_first
    assert after_first["accounts.Organisation"] == 7
    from waymark.accounts.models import Membership
    from waymark.accounts.roles import Role

    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)


@pytest.mark.django_db
def test_every_demo_user_can_sign_in_with_the_printed_password_and_code(client):
    from waymark.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, PEOPLE
    from waymark.core.testing.factories import totp_code

    call_command("demo", quiet=True)
    for person in PEOPLE:
        client.logout()
        response = client.post("/account/login/", {"login": person.email, "password": DEMO_PASSWORD})
        assert response["Location"] == "/account/2fa/authenticate/", person.email
        # A code may be used once per user; each demo user has their own authenticator.
        client.post("/account/2fa/authenticate/", {"code": totp_code(DEMO_TOTP_SECRET)})
        assert client.get("/").status_code == 200, person.email


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in env.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the browser tests
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_migrate_and_demo_twice_on_a_fresh_database(tmp_path):
    """What `make run` does, twice, against a new SQLite file: the second pass changes nothing."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    for _ in range(2):
        assert _manage("migrate", "--noinput", env=env).returncode == 0
    first = _manage("demo", "--quiet", env=env)
    second = _manage("demo", "--quiet", env=env)
    assert first.returncode == 0, first.stderr
    assert "created: 7 organisations" in first.stdout
    assert "created: 0 organisations, 0 services, 0 teams, 0 people, 0 memberships" in second.stdout
    plan = _manage("migrate", "--plan", env=env)
    assert "No planned migration operations." in plan.stdout


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "p" * 30 + "-a-long-random-production-secret-key-value",
    "SALT_KEY": "production-salt",
    "ALLOWED_HOSTS": "waymark.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def test_production_settings_pass_check_deploy():
    env = {**os.environ, **PRODUCTION_ENV}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"SECRET_KEY": "waymark-insecure-development-key-change-me"},
            "SECRET_KEY is the development default",
        ),
        ({"DEBUG": "true"}, "DEBUG is on"),
        ({"SECURE_SSL_REDIRECT": "false"}, "HTTPS is not enforced"),
        ({"SECURE_HSTS_SECONDS": "0"}, "HTTPS is not enforced"),
        ({"SALT_KEY": "waymark-development-salt"}, "SALT_KEY is the development default"),
    ],
)
def test_production_refuses_to_start_unsafely(override, message):
    env = {**os.environ, **PRODUCTION_ENV, **override}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr
