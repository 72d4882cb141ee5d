"""The rollup counts the duty metrics together: one query over the duties of every delivered
and on-time metric (on PostgreSQL one GROUPING SETS query for every breakdown, elsewhere one
per breakdown), and the counts it derives per metric are the duties counted one by one.

Today is frozen at 20 July 2025 (`test_rollup.clock`); the duties were extracted on 15 July 2025.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.core.periods import FinancialQuarter
from waymark.crime.tests.metric_fixtures import west_midlands
from waymark.victims_code.metrics import (
    BREAKDOWNS,
    Counts,
    MetricPeriod,
    Scope,
    evidence_as_of,
    metric_counts,
    metrics_counts,
)
from waymark.victims_code.models import CodeDuty, MetricDefinition, MetricRollup
from waymark.victims_code.rollup import metrics_rollup, rolled_up_metrics

from .test_rollup import build, clock  # noqa: F401 -- the frozen day, used by every test here

pytestmark = pytest.mark.django_db

Measure = MetricDefinition.Measure
QUARTERS = [MetricPeriod.quarter(label) for label in ("2024/25 Q4", "2025/26 Q1", "2025/26 Q2")]


def duty_metrics() -> list[MetricDefinition]:
    return [m for m in rolled_up_metrics() if m.measure in (Measure.DELIVERED, Measure.ON_TIME)]


def by_hand(metric: MetricDefinition, period: MetricPeriod, as_of: date) -> tuple[Counts, dict[str, Counts]]:
    """The metric's counts, overall and by enhanced or standard rights, from its duties one by
    one in Python, by the rules of docs/victims-code-metrics.md."""
    entitlements = {e.pk for e in metric.entitlements.all()}
    overall = Counts(excluded={})
    groups: dict[str, Counts] = {}
    for duty in CodeDuty.objects.filter(
        entitlement_id__in=entitlements, triggered_on__gte=period.start, triggered_on__lte=period.end
    ):
        for counts in (overall, groups.setdefault("enhanced" if duty.enhanced else "standard", Counts())):
            if duty.not_applicable_reason:
                reason = duty.not_applicable_reason
                counts.excluded[reason] = counts.excluded.get(reason, 0) + 1
            elif (
                metric.measure == Measure.ON_TIME
                and duty.delivered_on is None
                and (duty.due_on is not None and duty.due_on > as_of)
            ):
                counts.not_yet_due += 1
            else:
                counts.denominator += 1
                if metric.measure == Measure.ON_TIME:
                    met = duty.delivered_on is not None and (
                        duty.due_on is None or duty.delivered_on <= duty.due_on
                    )
                else:
                    met = duty.delivered_on is not None
                counts.numerator += met
    return overall, groups


def nonzero(counts: Counts) -> tuple[int, int, int, dict[str, int]]:
    return (
        counts.numerator,
        counts.denominator,
        counts.not_yet_due,
        {k: v for k, v in counts.excluded.items() if v},
    )


def test_the_duty_metrics_counted_together_are_their_duties_counted_one_by_one(world: Any) -> None:
    """Every delivered and on-time metric, three quarters, overall and by enhanced rights: the
    counts of one query for all of them (all breakdowns at once, as the rollup asks) equal the
    duties counted in Python, and those of each metric counted on its own."""
    build()
    as_of = evidence_as_of()
    assert as_of == date(2025, 7, 15)
    metrics = duty_metrics()
    assert len(metrics) > 10
    scope = Scope(police_force_area_id=west_midlands().pk)
    together = metrics_counts(
        metrics=metrics, periods=QUARTERS, breakdowns=list(BREAKDOWNS)[:-1], as_of=as_of, scope=scope
    )
    checked = 0
    for metric in metrics:
        for period in QUARTERS:
            overall, groups = by_hand(metric, period, as_of)
            assert nonzero(together["none"][metric.pk][period.start][""]) == nonzero(overall), metric.code
            assert {k: nonzero(c) for k, c in together["enhanced"][metric.pk][period.start].items()} == {
                k: nonzero(c) for k, c in groups.items()
            }, metric.code
            alone = metric_counts(metric=metric, periods=[period], breakdown="sex", as_of=as_of, scope=scope)
            assert {k: nonzero(c) for k, c in alone[period.start].items()} == {
                k: nonzero(c) for k, c in together["sex"][metric.pk][period.start].items()
            }, metric.code
            checked += overall.denominator > 0
    assert checked > 20


def test_the_rollup_counts_every_duty_metric_in_one_query_per_breakdown_or_one_in_all(world: Any) -> None:
    """The duties are read once for every breakdown on PostgreSQL (a temporary table, then one
    GROUPING SETS query), once per breakdown elsewhere; never once per metric. Attrition's
    victim-crime pairs the same way."""
    build()
    with CaptureQueriesContext(connection) as queries:
        summary = metrics_rollup(
            police_force_area=west_midlands(), periods=[FinancialQuarter.parse("2025/26 Q1")]
        )
    assert summary.rows == MetricRollup.objects.count() > 0
    duty_reads = [
        q["sql"]
        for q in queries.captured_queries
        if "victims_code_codeduty" in q["sql"] and ("GROUP BY" in q["sql"] or "TEMPORARY" in q["sql"])
    ]
    pair_reads = [
        q["sql"]
        for q in queries.captured_queries
        if "victims_code_codeduty" not in q["sql"]
        and 'FROM "crime_crimevictim"' in q["sql"]
        and ("GROUP BY" in q["sql"] or "TEMPORARY" in q["sql"])
    ]
    grouping = [sql for sql in duty_reads if "GROUPING SETS" in sql]
    if connection.vendor == "postgresql":
        assert len(grouping) == 0  # the GROUPING SETS query reads the temporary table
        assert len([sql for sql in duty_reads if sql.startswith("CREATE TEMPORARY TABLE")]) == 1
        assert len([sql for sql in pair_reads if sql.startswith("CREATE TEMPORARY TABLE")]) == 1
        # One for the duties, one for attrition's pairs.
        assert len([q for q in queries.captured_queries if "GROUPING SETS" in q["sql"]]) == 2
    else:
        assert len(duty_reads) == len(BREAKDOWNS) - 1  # every breakdown but "service"
        assert len(pair_reads) == len(BREAKDOWNS) - 1
