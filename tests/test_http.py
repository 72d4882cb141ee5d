"""Headers and endpoints every deployment relies on."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise RuntimeError("database is down")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_content_security_policy_allows_only_our_own_scripts(client):
    policy = client.get("/account/login/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_pages_have_no_inline_script(client, login_as):
    login_as("opcc_admin")
    page = client.get("/").content.decode()
    assert "<script>" not in page
    assert '<script type="module" src="/static/js/init.mjs' in page


def test_sign_in_page_uses_the_generic_header_not_the_crown(client):
    page = client.get("/account/login/").content.decode()
    assert "govuk-generic-header" in page
    assert "govuk-header__logotype" not in page
