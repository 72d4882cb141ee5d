"""The survey metrics are counted together: one grouped query over the survey responses per
breakdown counts every question at once, and the counts it gives each metric are the answers
counted one by one, and those of the metric counted on its own.

Today is frozen at 20 July 2025 (`test_rollup.clock`).
"""

from __future__ import annotations

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
    _survey_answers,
    evidence_as_of,
    metric_counts,
    metrics_counts,
)
from waymark.victims_code.models import MetricDefinition, MetricRollup, SurveyResponse
from waymark.victims_code.rollup import metrics_rollup, rolled_up_metrics

from .test_rollup import build, clock  # noqa: F401 -- the frozen day, used by every test here

pytestmark = pytest.mark.django_db

Measure = MetricDefinition.Measure
QUARTERS = [MetricPeriod.quarter(label) for label in ("2024/25 Q4", "2025/26 Q1", "2025/26 Q2")]


def survey_metrics() -> list[MetricDefinition]:
    return [m for m in rolled_up_metrics() if m.measure == Measure.SURVEY]


def by_hand(metric: MetricDefinition, period: MetricPeriod) -> tuple[int, int, int, int]:
    """(satisfied or yes, answered less don't know, don't know, unanswered) from the responses
    submitted in the period, one by one, by the rules of docs/victims-code-metrics.md."""
    positive, dont_know = _survey_answers(metric.survey_question)
    numerator = denominator = dont_knows = unanswered = 0
    for response in SurveyResponse.objects.filter(
        submitted_on__gte=period.start, submitted_on__lte=period.end
    ):
        answer = getattr(response, metric.survey_question)
        if answer == "":
            unanswered += 1
        elif answer == dont_know:
            dont_knows += 1
        else:
            denominator += 1
            numerator += answer in positive
    return numerator, denominator, dont_knows, unanswered


def flat(counts: Counts) -> tuple[int, int, int, int]:
    return (
        counts.numerator,
        counts.denominator,
        counts.excluded.get("dont_know", 0),
        counts.excluded.get("not_answered", 0),
    )


def test_the_survey_metrics_counted_together_are_the_answers_counted_one_by_one(world: Any) -> None:
    """Every survey metric, three quarters: the counts of one query per breakdown for all of
    them equal the answers counted in Python, and, for every breakdown, those of each metric
    counted on its own."""
    build()
    metrics = survey_metrics()
    assert len(metrics) == 11
    as_of = evidence_as_of()
    scope = Scope(police_force_area_id=west_midlands().pk)
    breakdowns = list(BREAKDOWNS)[:-1]
    together = metrics_counts(
        metrics=metrics, periods=QUARTERS, breakdowns=breakdowns, as_of=as_of, scope=scope
    )
    checked = 0
    for metric in metrics:
        for period in QUARTERS:
            expected = by_hand(metric, period)
            assert flat(together["none"][metric.pk][period.start][""]) == expected, metric.code
            checked += expected[1] > 0
        for breakdown in breakdowns:
            alone = metric_counts(
                metric=metric, periods=QUARTERS, breakdown=breakdown, as_of=as_of, scope=scope
            )
            assert {
                start: {key: flat(counts) for key, counts in groups.items()}
                for start, groups in alone.items()
            } == {
                start: {key: flat(counts) for key, counts in groups.items()}
                for start, groups in together[breakdown][metric.pk].items()
            }, (metric.code, breakdown)
    assert checked > 15


def test_the_rollup_reads_the_survey_responses_once_per_breakdown(world: Any) -> None:
    """Never once per metric: one grouped query per breakdown (less "service")."""
    build()
    with CaptureQueriesContext(connection) as queries:
        summary = metrics_rollup(
            police_force_area=west_midlands(), periods=[FinancialQuarter.parse("2025/26 Q1")]
        )
    assert summary.rows == MetricRollup.objects.count() > 0
    survey_reads = [q["sql"] for q in queries.captured_queries if "victims_code_surveyresponse" in q["sql"]]
    survey_reads = [
        sql for sql in survey_reads if sql.lstrip().upper().startswith("SELECT") and "COUNT(" in sql
    ]
    assert len(survey_reads) == len(BREAKDOWNS) - 1
