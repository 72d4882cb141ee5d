"""The rollup after an upload: the worker imports a Code duties file, then recomputes the rollup;
an aggregate return needs none. Real time here: the task worker does not run under a frozen
clock."""

from __future__ import annotations

import signal
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import override_settings

from waymark.jobs.models import JobProgress
from waymark.victims_code.metrics import MetricPeriod, metric_result
from waymark.victims_code.models import AggregateReturn, MetricRollup
from waymark.victims_code.rollup import RollupReader

from .duties_support import load_sample_crimes
from .metric_support import metric
from .test_import_pages import UPLOAD, UPLOAD_RETURN, duties_form, return_form

pytestmark = pytest.mark.django_db


def test_a_duties_upload_rolls_up_and_an_aggregate_return_shows_without_one(
    client: Any, world: Any, tmp_path: Any
) -> None:
    """The worker imports the sample duties file and then recomputes the rollup, so the pages
    read it at once; an aggregate return uploaded next needs no rollup (its lines are read live)
    and leaves the rollup fresh."""
    load_sample_crimes()
    lead = world.member("force_code_lead")
    client.force_login(lead)
    with override_settings(
        VAR_DIR=tmp_path / "var", TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ):
        client.post(UPLOAD, duties_form())
        _run_worker()
        assert MetricRollup.objects.filter(metric=metric("M05"), breakdown="none").exists()
        reader = RollupReader(user=lead)
        assert reader.fresh
        client.post(UPLOAD_RETURN, return_form())
        _run_worker()
    assert JobProgress.objects.filter(status=JobProgress.Status.SUCCEEDED).count() == 2
    assert RollupReader(user=lead).fresh
    quarter = MetricPeriod.quarter("2025/26 Q1")
    returned = {line.metric.code for line in AggregateReturn.objects.get().lines.all()}
    for code in sorted(returned):
        result = metric_result(user=lead, metric=metric(code), period=quarter)
        assert (
            result.aggregate
            == metric_result(user=lead, metric=metric(code), period=quarter, rollup=False).aggregate
        )
        assert result.aggregate, code


def _run_worker() -> None:
    """Run every queued task in this process, then stop (signal handlers put back afterwards)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    # The worker drops connections that are not in autocommit mode, as the test's is (it holds
    # the test's transaction): keep it, or the worker finds it closed on PostgreSQL.
    try:
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
