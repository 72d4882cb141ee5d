"""The access log: append-only, written on reads, searchable by the right auditor only."""

import pytest

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.testing.matrix import permission_matrix

pytestmark = pytest.mark.django_db


def test_entries_cannot_be_changed_or_deleted(world):
    entry = access_log_record(
        actor=world.person("caseworker"), action=AccessLog.Action.VIEW, obj=world.provider
    )
    entry.detail = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    assert AccessLog.objects.get(pk=entry.pk).detail == ""


def test_viewing_a_person_is_logged_with_the_session(client, world, login_as):
    manager = login_as("provider_manager")
    person = world.person("caseworker")
    client.get(person.get_absolute_url())
    entry = AccessLog.objects.get(action=AccessLog.Action.VIEW, record_id=str(person.public_id))
    assert entry.actor == manager
    assert entry.actor_organisation == world.provider
    assert entry.organisation == world.provider
    assert len(entry.session_ref) == 32
    assert client.session.session_key not in entry.session_ref


@permission_matrix({"auditor": 200, "auditor_other": 200, "opcc_auditor": 200, "anonymous": 302}, default=403)
def test_only_auditors_search_the_log(client, login_as, role, expected):
    login_as(role)
    assert client.get("/audit/").status_code == expected


def test_an_auditor_sees_only_their_organisations_entries(client, world, login_as):
    ours = world.person("caseworker")
    theirs = world.person("caseworker_other")
    access_log_record(actor=ours, action=AccessLog.Action.VIEW, obj=world.service, record_label="ours-record")
    access_log_record(
        actor=theirs, action=AccessLog.Action.VIEW, obj=world.other_service, record_label="theirs-record"
    )
    login_as("auditor")
    page = client.get("/audit/").content.decode()
    assert "ours-record" in page
    assert "theirs-record" not in page


def test_search_filters_by_person_and_action(client, world, login_as):
    ours = world.person("caseworker")
    manager = world.person("provider_manager")
    access_log_record(
        actor=ours, action=AccessLog.Action.EXPORT, obj=world.service, record_label="exported-one"
    )
    access_log_record(
        actor=manager, action=AccessLog.Action.VIEW, obj=world.service, record_label="viewed-one"
    )
    login_as("auditor")
    page = client.get("/audit/", {"actor": ours.email, "action": "export"}).content.decode()
    assert "exported-one" in page
    assert "viewed-one" not in page


def test_search_rejects_a_backwards_period(client, login_as):
    login_as("auditor")
    response = client.get("/audit/", {"date_from": "2026-11-20", "date_to": "2026-11-01"})
    assert response.status_code == 400
    assert "The end date must be the same as or after the start date" in response.content.decode()


def test_searching_is_itself_logged(client, login_as):
    auditor = login_as("auditor")
    client.get("/audit/", {"actor": "someone"})
    assert AccessLog.objects.filter(actor=auditor, action=AccessLog.Action.SEARCH).exists()


@permission_matrix(
    {"opcc_admin": 200, "caseworker": 200, "provider_manager": 200, "auditor": 200, "anonymous": 302},
    default=404,
)
def test_who_accessed_a_record(client, world, login_as, role, expected):
    """A person's record history: whoever may see the record (or audit it); 404 for anyone else."""
    person = world.person("caseworker")
    access_log_record(actor=world.person("provider_manager"), action=AccessLog.Action.VIEW, obj=person)
    login_as(role)
    response = client.get(f"/audit/records/accounts.user/{person.public_id}/")
    assert response.status_code == expected
    if expected == 200:
        assert world.person("provider_manager").email in response.content.decode()


def test_unknown_record_types_are_404(client, login_as):
    login_as("opcc_admin")
    assert client.get("/audit/records/nope.model/123/").status_code == 404
    assert client.get("/audit/records/accounts.user/not-a-uuid/").status_code == 404


def test_postgresql_refuses_raw_updates_and_deletes(world):
    """On PostgreSQL a trigger stops even raw SQL from rewriting the log."""
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    entry = access_log_record(
        actor=world.person("caseworker"), action=AccessLog.Action.VIEW, obj=world.provider
    )
    for sql in (
        "UPDATE audit_accesslog SET detail = 'x' WHERE id = %s",
        "DELETE FROM audit_accesslog WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AccessLog.objects.filter(pk=entry.pk, detail="").exists()
