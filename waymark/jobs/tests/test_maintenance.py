"""The maintenance page: only the OPCC admin may use it; its button re-encrypts, end to end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from waymark.accounts.models import User
from waymark.audit.models import AccessLog
from waymark.core.encryption import clear_key_caches
from waymark.core.testing.factories import UserFactory
from waymark.core.testing.matrix import permission_matrix
from waymark.core.testing.world import World
from waymark.jobs.maintenance import REENCRYPT_JOB_NAME
from waymark.jobs.models import JobProgress

URL = "/jobs/maintenance/"


@permission_matrix({"opcc_admin": 200, "anonymous": 302}, default=403)
@pytest.mark.django_db
def test_maintenance_page_permissions(
    client: Client, login_as: Callable[[str], Any], role: str, expected: int
) -> None:
    login_as(role)
    response = client.get(URL)
    assert response.status_code == expected
    if expected == 200:
        assert "Re-encrypt sensitive fields" in response.content.decode()


@permission_matrix({"opcc_admin": 302, "anonymous": 302}, default=403)
@pytest.mark.django_db
def test_only_the_opcc_admin_can_start_re_encryption(
    client: Client, login_as: Callable[[str], Any], role: str, expected: int
) -> None:
    person = login_as(role)
    response = client.post(URL)
    assert response.status_code == expected
    started = JobProgress.objects.filter(name=REENCRYPT_JOB_NAME)
    if role == "opcc_admin":
        job = started.get()
        assert response["Location"] == job.get_absolute_url()
        assert job.started_by == person
    else:
        assert not started.exists()
        assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_the_button_needs_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.person("opcc_admin"))  # type: ignore[arg-type]
    assert client.post(URL).status_code == 403
    assert not JobProgress.objects.exists()


@pytest.mark.django_db
def test_starting_queues_the_task_records_who_and_shows_waiting(client: Client, world: World) -> None:
    admin = world.person("opcc_admin")
    client.force_login(admin)  # type: ignore[arg-type]

    response = client.post(URL, follow=True)

    job = JobProgress.objects.get()
    task_result = DBTaskResult.objects.get(id=job.task_result_id)
    assert task_result.task_path == "waymark.core.tasks.reencrypt_sensitive_fields"
    assert task_result.status == "READY"
    assert job.status == JobProgress.Status.QUEUED
    assert AccessLog.objects.filter(
        actor=admin, record_type="jobs.jobprogress", record_id=str(job.public_id)
    ).exists()
    assert "Waiting for the worker" in response.content.decode()


@pytest.fixture
def salts() -> Iterator[Callable[..., Any]]:
    """Switch SALT_KEY for the rest of the test, with the fields' key caches cleared."""
    overrides: list[Any] = []

    def switch(*salt_keys: str) -> None:
        clear_key_caches()
        override = override_settings(SALT_KEY=list(salt_keys))
        override.enable()
        overrides.append(override)

    yield switch
    for override in reversed(overrides):
        override.disable()
    clear_key_caches()


def raw_phone(user: User) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_re_encryption_end_to_end_through_the_worker(
    client: Client, world: World, salts: Callable[..., Any], run_worker: Callable[[], None]
) -> None:
    salts("old-salt")
    person = cast(User, UserFactory(phone="07700 900123"))
    before = raw_phone(person)
    salts("new-salt", "old-salt")
    admin = world.person("opcc_admin")
    client.force_login(admin)  # type: ignore[arg-type]
    job_url = client.post(URL)["Location"]

    run_worker()

    page = client.get(job_url).content.decode()
    assert "Succeeded" in page
    assert "rows re-encrypted under the current key" in page
    assert '<meta http-equiv="refresh"' not in page
    job = JobProgress.objects.get()
    assert job.done == job.total > 0
    assert raw_phone(person) != before
    salts("new-salt")
    assert User.objects.get(pk=person.pk).phone == "07700 900123"


@pytest.mark.django_db(transaction=True)
def test_re_encryption_with_an_unreadable_value_fails_in_the_page(
    client: Client, world: World, salts: Callable[..., Any], run_worker: Callable[[], None]
) -> None:
    salts("a-salt-nobody-kept")
    UserFactory(phone="07700 900123")
    salts("new-salt", "old-salt")
    client.force_login(world.person("opcc_admin"))  # type: ignore[arg-type]
    job_url = client.post(URL)["Location"]

    run_worker()

    page = client.get(job_url).content.decode()
    assert "Failed" in page
    assert "could not be decrypted" in page
    assert "Do not remove any old key" in page
    assert "07700 900123" not in page
