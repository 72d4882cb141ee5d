"""The access log: append-only, written on reads, searchable by the right auditor only."""

import re
from datetime import datetime
from html import unescape

import pytest
import time_machine
from django.utils import timezone

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record, access_log_record_many
from waymark.audit.views import PAGE_SIZE
from waymark.core.testing.forms import date_parts
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


def _period(date_from: str, date_to: str) -> dict[str, str]:
    """The search's From and To as the GET form sends them: three boxes each."""
    return date_parts("date_from", date_from) | date_parts("date_to", date_to)


def test_search_filters_by_period(client, world, login_as):
    ours = world.person("caseworker")
    for moment, label in (
        (datetime(2025, 2, 28, 23), "february"),
        (datetime(2025, 3, 1, 0, 30), "march-first"),
        (datetime(2025, 3, 31, 23, 30), "march-last"),
        (datetime(2025, 4, 1, 1), "april"),
    ):
        with time_machine.travel(timezone.make_aware(moment), tick=False):
            access_log_record(actor=ours, action=AccessLog.Action.VIEW, obj=world.service, record_label=label)
    login_as("auditor")
    response = client.get("/audit/", _period("2025-03-01", "2025-03-31"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "march-first" in page
    assert "march-last" in page
    assert "february" not in page
    assert "april" not in page
    # The period is shown again in its boxes.
    for name, value in _period("2025-03-01", "2025-03-31").items():
        assert re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"', page), name
    # A link written with ISO dates, before dates had three boxes, finds the same entries.
    bookmarked = client.get("/audit/", {"date_from": "2025-03-01", "date_to": "2025-03-31"}).content.decode()
    assert "march-first" in bookmarked
    assert "february" not in bookmarked
    assert "april" not in bookmarked


def test_the_pages_of_a_search_keep_its_period(client, world, login_as):
    ours = world.person("caseworker")
    with time_machine.travel(timezone.make_aware(datetime(2025, 3, 10, 12)), tick=False):
        access_log_record_many(
            actor=ours, action=AccessLog.Action.LIST, objects=[world.service] * (PAGE_SIZE + 1)
        )
    login_as("auditor")
    page = client.get("/audit/", _period("2025-03-01", "2025-03-31")).content.decode()
    assert f"{PAGE_SIZE + 1} entries" in page
    nexts = [unescape(href) for href in re.findall(r'href="(\?[^"]*page=2)"', page)]
    assert nexts
    assert all(
        "date_from-day=1&date_from-month=3&date_from-year=2025" in href
        and "date_to-day=31&date_to-month=3&date_to-year=2025" in href
        for href in nexts
    ), nexts
    second = client.get(f"/audit/{nexts[0]}")
    assert second.status_code == 200
    assert f"{PAGE_SIZE + 1} entries" in second.content.decode()


@pytest.mark.parametrize(
    ("boxes", "message", "anchor"),
    [
        (
            {"date_from-day": "31", "date_from-month": "2", "date_from-year": "2026"},
            "Start date must be a real date",
            "id_date_from-day",
        ),
        (
            {"date_to-day": "30", "date_to-month": "", "date_to-year": "2026"},
            "End date must include a month",
            "id_date_to-month",
        ),
        (
            {"date_from-day": "1", "date_from-month": "11", "date_from-year": "26"},
            "The year of the start date must include 4 numbers",
            "id_date_from-year",
        ),
    ],
)
def test_search_rejects_a_wrong_date(client, login_as, boxes, message, anchor):
    login_as("auditor")
    response = client.get("/audit/", _period("", "") | boxes)
    assert response.status_code == 400
    page = response.content.decode()
    # The error summary links to the box to put right, which still holds what was typed.
    assert f'<a href="#{anchor}">{message}</a>' in page
    for name, value in boxes.items():
        assert re.search(rf'<input[^>]*id="id_{name}"[^>]*value="{value}"', page), name


def test_search_rejects_a_backwards_period(client, login_as):
    login_as("auditor")
    response = client.get("/audit/", _period("2026-11-20", "2026-11-01"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The end date must be the same as or after the start date" in page
    assert '<a href="#id_date_to-day">The end date must be the same as or after the start date</a>' in page


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
