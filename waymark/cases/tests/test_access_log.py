"""Every read of a case is in the access log: page, API, lists (one entry per page)."""

from __future__ import annotations

import pytest

from waymark.audit.models import AccessLog

pytestmark = pytest.mark.django_db


def test_every_case_page_read_is_logged(client, world, login_as, case):
    user = login_as("caseworker")
    client.get(case.get_absolute_url())
    client.get(case.get_absolute_url())
    views = AccessLog.objects.filter(action="view", record_type="cases.case", record_id=str(case.public_id))
    assert views.count() == 2
    entry = views[0]
    assert entry.actor == user
    assert entry.organisation == world.provider
    assert entry.record_label == case.reference  # never the person's name


def test_api_reads_are_logged_for_sessions_and_tokens(client, world, login_as, case):
    from waymark.api.services import api_token_create

    login_as("caseworker")
    client.get(f"/api/v1/cases/{case.public_id}")
    client.logout()
    _, secret = api_token_create(
        by=world.member("provider_manager"),
        organisation=world.provider,
        name="CMS",
        scopes=["read"],
        expires_at=None,
    )
    client.get(f"/api/v1/cases/{case.public_id}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    entries = AccessLog.objects.filter(action="view", record_id=str(case.public_id))
    assert entries.count() == 2
    assert any(e.actor_label.startswith("API token CMS") for e in entries)


def test_a_list_page_writes_one_list_entry_naming_the_cases(client, login_as, case):
    login_as("caseworker")
    client.get("/cases/")
    entries = AccessLog.objects.filter(action="list")
    assert entries.count() == 1
    assert case.reference in entries.get().detail


def test_a_refused_read_logs_nothing_about_the_case(client, login_as, case):
    login_as("caseworker_other")
    assert client.get(case.get_absolute_url()).status_code == 404
    assert not AccessLog.objects.filter(record_id=str(case.public_id)).exists()


def test_the_case_page_links_to_who_accessed_it(client, login_as, case):
    login_as("caseworker")
    html = client.get(case.get_absolute_url()).content.decode()
    url = f"/audit/records/cases.case/{case.public_id}/"
    assert url in html
    assert client.get(url).status_code == 200
