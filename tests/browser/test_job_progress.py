"""A running job's page in a real browser: it passes axe (no reloading), and puts the job's new
state in place by itself, saying a new stage and the end in its live region."""

import pytest
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from waymark.core.testing.world import build_world
from waymark.jobs.services import job_enqueue, job_progress_finish, job_progress_update
from waymark.jobs.tests.tasks import count_to

from .signing_in import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_running_job_s_page_updates_itself_and_passes_axe(page, live_server, axe, console_errors):
    manager = build_world().member("provider_manager")
    job = job_enqueue(task=count_to, name="Counting", started_by=manager, kwargs={"n": 3})
    DBTaskResult.objects.get(id=job.task_result_id).claim("test-worker")
    job_progress_update(task_result_id=job.task_result_id, done=1, total=4, message="Counting up")
    sign_in(page, live_server.url, manager.email)
    reloads: list[str] = []
    page.goto(f"{live_server.url}{job.get_absolute_url()}")
    page.on("load", lambda: reloads.append(page.url))

    expect(page.locator("#job-progress-text")).to_contain_text("1 of 4 rows (25%)")
    expect(page.get_by_text("This page updates itself every few seconds")).to_be_visible()
    axe.check(page)

    job_progress_update(task_result_id=job.task_result_id, done=3, total=4, message="Nearly there")
    expect(page.locator("#job-progress-text")).to_contain_text("3 of 4 rows (75%)", timeout=10_000)
    expect(page.locator("#job-announce")).to_have_text("Nearly there")

    job_progress_finish(task_result_id=job.task_result_id, succeeded=True, message="Counted to 4.")
    expect(page.locator("#job-live")).to_contain_text("Succeeded", timeout=10_000)
    expect(page.locator("#job-announce")).to_have_text("Succeeded. Counted to 4.")
    expect(page.locator("#job-refresh-controls")).to_have_count(0)
    axe.check(page)
    assert reloads == []  # updated in place, never reloaded
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
