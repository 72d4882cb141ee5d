"""Job progress: the services, the reporter, and what the progress page says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from waymark.accounts.models import User
from waymark.core.testing.matrix import permission_matrix
from waymark.core.testing.progress import progress_seen_from_outside
from waymark.core.testing.world import World
from waymark.jobs.models import JobProgress
from waymark.jobs.progress import ProgressReporter
from waymark.jobs.selectors import job_state, progress_text
from waymark.jobs.services import job_enqueue, job_progress_finish, job_progress_start, job_progress_update

from .tasks import count_to

# The page updates itself while the job goes (js/job-progress.mjs), never by reloading.
REFRESH = 'data-job-live="on"'
SCRIPT = "js/job-progress"


def person(world: World, key: str) -> User:
    """The person for a role key, who must exist (not "anonymous")."""
    found = world.person(key)
    assert found is not None
    return found


def enqueue_count(started_by: Any, n: int = 3, **kwargs: Any) -> JobProgress:
    return job_enqueue(task=count_to, name="Counting", started_by=started_by, kwargs={"n": n, **kwargs})


def claim(job: JobProgress) -> None:
    """What the worker does when it picks a task up."""
    DBTaskResult.objects.get(id=job.task_result_id).claim("test-worker")


@pytest.mark.django_db
def test_progress_updates_show_in_the_page(client: Client, world: World) -> None:
    manager = person(world, "provider_manager")
    job = enqueue_count(manager)
    claim(job)
    job_progress_update(task_result_id=job.task_result_id, done=12_000, total=40_000, message="Checking rows")
    client.force_login(manager)

    page = client.get(job.get_absolute_url()).content.decode()

    assert "12,000 of 40,000 rows (30%)" in page
    assert '<progress id="job-progress" class="govuk-!-width-full" max="40000" value="12000"' in page
    assert "Running" in page
    assert "Checking rows" in page
    assert REFRESH in page
    assert SCRIPT in page
    assert 'http-equiv="refresh"' not in page  # a reload is a barrier (WCAG 2.2.1)


@pytest.mark.django_db
def test_a_file_import_s_progress_shows_the_share_done_not_rows(client: Client, world: World) -> None:
    """A file import reports bytes read and steps of writing: the page must not call them rows."""
    manager = person(world, "provider_manager")
    job = enqueue_count(manager)
    claim(job)
    ProgressReporter(job.task_result_id, counts_rows=False)(
        done=12_000, total=40_000, message="Checking rows"
    )
    client.force_login(manager)

    page = client.get(job.get_absolute_url()).content.decode()

    assert "30% done" in page
    assert "rows (30%)" not in page
    assert '<progress id="job-progress" class="govuk-!-width-full" max="40000" value="12000"' in page


@pytest.mark.django_db
def test_a_job_the_worker_has_not_picked_up_is_waiting_for_the_worker(client: Client, world: World) -> None:
    manager = person(world, "provider_manager")
    job = enqueue_count(manager)
    client.force_login(manager)

    page = client.get(job.get_absolute_url()).content.decode()

    assert "Waiting for the worker" in page
    assert "Not started yet" in page
    assert REFRESH in page
    # Who waits is told whom to ask; only those who run Waymark are told the command.
    assert "tell whoever runs Waymark for your organisation" in page
    assert "manage.py db_worker" not in page
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    assert "manage.py db_worker" in client.get(job.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_automatic_refresh_can_be_switched_off(client: Client, world: World) -> None:
    manager = person(world, "provider_manager")
    job = enqueue_count(manager)
    claim(job)
    client.force_login(manager)

    page = client.get(job.get_absolute_url() + "?refresh=off").content.decode()

    assert REFRESH not in page
    assert SCRIPT not in page
    assert "Update this page automatically" in page


@pytest.mark.django_db
def test_a_finished_job_shows_its_result_and_stops_refreshing(client: Client, world: World) -> None:
    manager = person(world, "provider_manager")
    job = enqueue_count(manager)
    claim(job)
    job_progress_update(task_result_id=job.task_result_id, done=3, total=3)
    job_progress_finish(task_result_id=job.task_result_id, succeeded=True, message="Counted to 3.")
    client.force_login(manager)

    page = client.get(job.get_absolute_url()).content.decode()

    assert "Succeeded" in page
    assert "Counted to 3." in page
    assert "3 of 3 rows (100%)" in page
    assert REFRESH not in page
    assert SCRIPT not in page
    assert 'data-job-live="off"' in page  # what tells the script, on its last fetch, to stop


@pytest.mark.django_db
def test_a_job_that_refused_what_it_was_given_reads_refused_not_failed(client: Client, world: World) -> None:
    """A correction that could not be made keeps no list of problems: its own flag says so."""
    manager = person(world, "provider_manager")
    refused, failed = enqueue_count(manager), enqueue_count(manager)
    for job in (refused, failed):
        claim(job)
    job_progress_finish(
        task_result_id=refused.task_result_id, succeeded=False, message="Not corrected.", refused=True
    )
    job_progress_finish(task_result_id=failed.task_result_id, succeeded=False, message="It broke.")
    refused.refresh_from_db()
    failed.refresh_from_db()
    assert (refused.status, refused.refused) == (JobProgress.Status.FAILED, True)
    assert (job_state(job=refused).label, job_state(job=failed).label) == ("Refused", "Failed")
    # It checked and said no before its bar moved: not "Stopped before it started".
    assert (job_state(job=refused).progress_text, job_state(job=failed).progress_text) == (
        "Nothing changed",
        "Stopped before it started",
    )
    client.force_login(manager)
    assert "Refused" in client.get(refused.get_absolute_url()).content.decode()
    with pytest.raises(ValueError, match="succeeded refused nothing"):
        job_progress_finish(task_result_id=failed.task_result_id, succeeded=True, refused=True)


@pytest.mark.django_db
def test_a_task_that_failed_without_saying_so_shows_failed(world: World) -> None:
    job = enqueue_count(person(world, "provider_manager"))
    DBTaskResult.objects.get(id=job.task_result_id).set_failed(RuntimeError("worker died"))
    job.refresh_from_db()

    state = job_state(job=job)

    assert state.status == JobProgress.Status.FAILED
    assert not state.active


@pytest.mark.django_db
def test_a_job_whose_task_result_was_pruned_stops_refreshing(world: World) -> None:
    job = job_progress_start(
        task_result_id="00000000-0000-0000-0000-000000000000",
        name="Gone",
        started_by=person(world, "provider_manager"),
        organisation=None,
    )
    state = job_state(job=job)
    assert not state.active
    assert "no record" in state.label


@permission_matrix({"provider_manager": 200, "opcc_admin": 200, "anonymous": 302}, default=404)
@pytest.mark.django_db
def test_only_the_starter_and_the_opcc_admin_see_a_job(
    client: Client, world: World, login_as: Callable[[str], Any], role: str, expected: int
) -> None:
    """Anyone else cannot tell that the job exists."""
    job = enqueue_count(person(world, "provider_manager"))
    login_as(role)
    assert client.get(job.get_absolute_url()).status_code == expected


@pytest.mark.django_db
def test_the_list_shows_my_jobs_and_not_other_peoples(client: Client, world: World) -> None:
    mine = job_enqueue(
        task=count_to, name="My count", started_by=person(world, "caseworker"), kwargs={"n": 1}
    )
    job_enqueue(
        task=count_to, name="Their count", started_by=person(world, "caseworker_other"), kwargs={"n": 1}
    )
    client.force_login(person(world, "caseworker"))

    page = client.get("/jobs/").content.decode()

    assert "My count" in page
    assert mine.get_absolute_url() in page
    assert "Their count" not in page


@pytest.mark.django_db
def test_updates_never_move_a_finished_job_back(world: World) -> None:
    job = enqueue_count(person(world, "provider_manager"))
    job_progress_finish(task_result_id=job.task_result_id, succeeded=False, message="Stopped.")
    job_progress_update(task_result_id=job.task_result_id, done=2, total=3, message="Late news")
    job.refresh_from_db()
    assert job.status == JobProgress.Status.FAILED
    assert job.message == "Stopped."
    assert job.finished_at is not None


@pytest.mark.django_db
def test_the_reporter_writes_at_most_once_an_interval_but_always_the_last(world: World) -> None:
    job = enqueue_count(person(world, "provider_manager"))
    now = [0.0]
    report = ProgressReporter(job.task_result_id, min_interval=1.0, clock=lambda: now[0])

    def done() -> int:
        job.refresh_from_db()
        return job.done

    report(done=1, total=10)
    assert done() == 1
    now[0] = 0.5
    report(done=5, total=10)
    assert done() == 1
    now[0] = 1.6
    report(done=6, total=10)
    assert done() == 6
    now[0] = 1.7
    report(done=10, total=10)
    assert done() == 10


@pytest.mark.django_db
def test_the_reporter_always_writes_a_new_stage(world: World) -> None:
    """A new message is written at once, however soon: the page must name the stage the job
    is in (an import's last word before its long transaction is what the page shows during it)."""
    job = enqueue_count(person(world, "provider_manager"))
    report = ProgressReporter(job.task_result_id, min_interval=60.0, clock=lambda: 0.0)
    report(done=1, total=30, message="Checking rows")
    report(done=5, total=30, message="Checking rows")
    job.refresh_from_db()
    assert (job.done, job.message) == (1, "Checking rows")
    report(done=10, total=30, message="Writing")
    job.refresh_from_db()
    assert (job.done, job.message) == (10, "Writing")


@pytest.mark.django_db(transaction=True)
def test_progress_reported_inside_a_transaction_is_seen_by_the_page_at_once(world: World) -> None:
    """An import writes in one all-or-nothing transaction and reports its steps from inside it:
    on PostgreSQL the page sees each step as it is reported, not only after the commit."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one connection write at a time: progress waits for the commit")
    job = enqueue_count(person(world, "provider_manager"))
    with transaction.atomic():
        job_progress_update(task_result_id=job.task_result_id, done=5, total=10, message="Writing crimes")
        assert progress_seen_from_outside(job.task_result_id) == (5, "Writing crimes")
        job_progress_update(task_result_id=job.task_result_id, done=8, total=10, message="Saving")
        assert progress_seen_from_outside(job.task_result_id) == (8, "Saving")
    job.refresh_from_db()
    assert (job.done, job.message, job.status) == (8, "Saving", JobProgress.Status.RUNNING)


@pytest.mark.django_db(transaction=True)
def test_progress_inside_a_transaction_that_holds_the_job_s_row_still_lands(world: World) -> None:
    """If the transaction itself has written the job's row, a write from outside would wait for
    it for ever: it gives up after a moment and the update is made inside the transaction."""
    job = enqueue_count(person(world, "provider_manager"))
    with transaction.atomic():
        JobProgress.objects.filter(pk=job.pk).update(message="Held by this transaction")
        job_progress_update(task_result_id=job.task_result_id, done=3, total=10, message="Writing")
    job.refresh_from_db()
    assert (job.done, job.message) == (3, "Writing")


@pytest.mark.django_db
def test_progress_of_a_job_created_in_the_same_transaction_lands(world: World) -> None:
    """A job row no other connection can see yet (created in this uncommitted transaction, as
    in a request that enqueues and runs a task at once) still takes its progress."""
    job = enqueue_count(person(world, "provider_manager"))
    job_progress_update(task_result_id=job.task_result_id, done=2, total=3, message="Counting")
    job.refresh_from_db()
    assert (job.done, job.message) == (2, "Counting")


def test_progress_text() -> None:
    assert progress_text(done=12_000, total=40_000) == "12,000 of 40,000 rows (30%)"
    assert progress_text(done=0, total=0) == "Not started yet"
    assert progress_text(done=7, total=0) == "7 rows done so far"
    assert progress_text(done=5, total=3) == "5 of 3 rows (100%)"
    assert progress_text(done=0, total=0, finished=True) == "Finished: there was nothing to process"
    # A file import counts its own units (bytes read, then steps of writing): only the share.
    assert progress_text(done=12_000, total=40_000, counts_rows=False) == "30% done"
    assert progress_text(done=0, total=0, counts_rows=False) == "Not started yet"
    assert progress_text(done=40_000, total=40_000, finished=True, counts_rows=False) == "Finished"
    # A failed job says where it stopped, as its bar shows.
    assert progress_text(done=12_000, total=40_000, stopped=True, counts_rows=False) == "Stopped at 30%"
    assert (
        progress_text(done=12_000, total=40_000, stopped=True) == "Stopped after 12,000 of 40,000 rows (30%)"
    )
    assert progress_text(done=7, total=0, stopped=True) == "Stopped after 7 rows"
    assert progress_text(done=0, total=40_000, stopped=True) == "Stopped before it started"


@pytest.mark.django_db(transaction=True)
def test_a_task_run_by_the_worker_reports_through_to_the_page(
    client: Client, world: World, run_worker: Callable[[], None]
) -> None:
    manager = person(world, "provider_manager")
    job = enqueue_count(manager, n=4)

    run_worker()

    job.refresh_from_db()
    assert job.status == JobProgress.Status.SUCCEEDED
    assert (job.done, job.total) == (4, 4)
    client.force_login(manager)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Succeeded" in page
    assert "4 of 4 rows (100%)" in page
    assert "Counted to 4." in page


@pytest.mark.django_db(transaction=True)
def test_a_task_that_raises_in_the_worker_shows_failed(
    client: Client, world: World, run_worker: Callable[[], None]
) -> None:
    manager = person(world, "provider_manager")
    job = enqueue_count(manager, n=2, fail=True)

    run_worker()

    assert DBTaskResult.objects.get(id=job.task_result_id).status == "FAILED"
    client.force_login(manager)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Failed" in page
    assert "2 of 2 rows (100%)" in page
    assert REFRESH not in page
