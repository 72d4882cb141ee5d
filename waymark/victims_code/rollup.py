"""The metric rollup: every case-level metric's raw counts for every quarter and breakdown,
stored in `MetricRollup` so that the compliance pages read a few rows instead of counting
millions of duties on every view.

Writing (`metrics_rollup`): for one force area, every active metric of the Code in force that
Waymark counts from the force's evidence (delivered, on time, attrition, survey) is counted by
`metrics.metrics_counts`, the function the pages use, for all the quarters, metrics and
breakdowns at once (the duty metrics together, on PostgreSQL in one GROUPING SETS query; the
others one grouped query per metric and breakdown), and the area's rows are replaced in
one transaction. Counts are stored before disclosure control; pages apply it when they read.
It runs after each successful Code duties import (`tasks.compliance_import`), after a correction
of a duties file's extraction date (`waymark.crime.tasks.force_extract_redate_job`), and nightly
(`waymark victims_code_rollup`).

Reading (`RollupReader`): a page asks the reader for a metric's counts for a quarter and a
breakdown; it answers from the rollup only when the rollup is fresh for every force area the
user sees, and with the same "as of" date the page judges open duties at, and otherwise says
it has nothing, so the page counts live. Fresh means computed at or after the newest change to
the evidence it counts:

- for duty and attrition metrics: the newest force extract file loaded for the area (any
  `ForceExtractImport`: crimes, victims, events or Code duties), and the newest change to a
  metric definition or one of its entitlements (a deadline, say);
- for survey metrics, in addition: the end of the day of the newest survey answer (an
  invitation's `used_at` keeps only the day, so an answer given today makes the survey metrics
  stale until a rollup runs after midnight; they are read live meanwhile, which is cheap).

Commissioned services' first-contact metric (M28) is never rolled up: referrals are live
records, judged as of today. Agencies' aggregate returns are not rolled up either: they are a
few lines per agency and quarter, and the reader fetches those of all a page's metrics in one
query, so a new return shows at once.

Quarters rolled up: from the earlier of the first quarter with evidence and the
`QUARTERS_BACK` quarters before the current one (what the overview's choices and trends reach),
to the later of the current quarter and the last quarter with evidence. Quarters outside, and
financial years and months, are counted live.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from waymark.core.models import PoliceForceArea
from waymark.core.periods import FinancialQuarter
from waymark.crime.models import Crime, ForceExtractImport

from .metrics import (
    Counts,
    MetricPeriod,
    Scope,
    active_metrics,
    aggregate_return_lines,
    breakdowns_for,
    evidence_as_of,
    metrics_counts,
)
from .models import CodeDuty, MetricDefinition, MetricRollup, SurveyInvitation, SurveyResponse

Measure = MetricDefinition.Measure

# The measures counted from the force's evidence, and so rolled up.
ROLLED_UP_MEASURES: tuple[str, ...] = (Measure.DELIVERED, Measure.ON_TIME, Measure.ATTRITION, Measure.SURVEY)
# How far back the rollup always reaches: the overview offers 12 quarters, each with a trend of
# 8, so 19 quarters before the current one; one more for the quarter that has just begun.
QUARTERS_BACK = 20
BATCH_SIZE = 2000


@dataclass(frozen=True)
class RollupSummary:
    """What one rollup wrote."""

    police_force_area: str
    quarters: tuple[str, ...]
    metrics: int
    rows: int
    as_of: date
    seconds: float

    def summary(self) -> str:
        span = f"{self.quarters[0]} to {self.quarters[-1]}" if self.quarters else "no quarter"
        return (
            f"Rolled up {self.metrics} metrics for {self.police_force_area}, {span} "
            f"({len(self.quarters)} quarters, {self.rows:,} rows, as of {self.as_of}) "
            f"in {self.seconds:.1f}s."
        )


def rolled_up_metrics() -> list[MetricDefinition]:
    """The active metrics of the Code in force that the rollup stores."""
    return list(active_metrics().filter(measure__in=ROLLED_UP_MEASURES))


def _quarter_of(day: date | None) -> FinancialQuarter | None:
    return None if day is None else FinancialQuarter.from_date(day)


def rollup_quarters(
    *, police_force_area: PoliceForceArea, today: date | None = None
) -> list[FinancialQuarter]:
    """The quarters the area's rollup holds, oldest first (see the module's docstring)."""
    current = FinancialQuarter.from_date(today or timezone.localdate())
    first = last = current
    for _ in range(QUARTERS_BACK - 1):
        first = first.previous()
    duties = CodeDuty.objects.filter(police_force_area=police_force_area).aggregate(
        low=Min("triggered_on"), high=Max("triggered_on")
    )
    crimes = Crime.objects.filter(police_force_area=police_force_area).aggregate(
        low=Min("recorded_on"),
        high=Max("recorded_on"),
        outcome_low=Min("outcome_on"),
        outcome_high=Max("outcome_on"),
    )
    answers = SurveyResponse.objects.filter(invitation__police_force_area=police_force_area).aggregate(
        low=Min("submitted_on"), high=Max("submitted_on")
    )
    for day in (duties["low"], crimes["low"], crimes["outcome_low"], answers["low"]):
        quarter = _quarter_of(day)
        if quarter is not None and quarter.start < first.start:
            first = quarter
    for day in (duties["high"], crimes["high"], crimes["outcome_high"], answers["high"]):
        quarter = _quarter_of(day)
        if quarter is not None and quarter.start > last.start:
            last = quarter
    quarters = [first]
    while quarters[-1].start < last.start:
        quarters.append(quarters[-1].next())
    return quarters


def _row(
    *,
    area_id: int,
    metric: MetricDefinition,
    period: MetricPeriod,
    breakdown: str,
    key: str,
    counts: Counts,
    as_of: date,
    computed_at: datetime,
) -> MetricRollup:
    # Attrition's open cases are "not yet assigned an outcome", the others' "not yet due": the
    # one column holds whichever the measure has (the reader puts it back by measure).
    return MetricRollup(
        police_force_area_id=area_id,
        metric=metric,
        period_start=period.start,
        period_end=period.end,
        breakdown=breakdown,
        group_key=key,
        numerator=counts.numerator,
        denominator=counts.denominator,
        not_yet_due=counts.not_yet_assigned if metric.measure == Measure.ATTRITION else counts.not_yet_due,
        excluded={reason: value for reason, value in counts.excluded.items() if value},
        as_of=as_of,
        computed_at=computed_at,
    )


def metrics_rollup(
    *,
    police_force_area: PoliceForceArea,
    periods: Sequence[FinancialQuarter] | None = None,
    as_of: date | None = None,
) -> RollupSummary:
    """Recompute and store the area's `MetricRollup` rows: every rolled-up metric, every
    quarter (`rollup_quarters`, or the given ones), no breakdown and every breakdown.

    `metrics_counts` counts all the quarters, metrics and breakdowns in one call. The area's rows (only
    those of the given quarters, when given) are replaced in one transaction, so a page reads
    the old rollup or the new one, never half of each. `computed_at` is the time the counting
    started: evidence loaded while it ran is newer, and makes the rollup stale until the next.
    `as_of` defaults to `metrics.evidence_as_of()`, as the pages' does.
    """
    started = time.perf_counter()
    computed_at = timezone.now()
    as_of = as_of or evidence_as_of()
    quarters = sorted(periods or rollup_quarters(police_force_area=police_force_area), key=lambda q: q.start)
    chosen = [MetricPeriod.quarter(quarter) for quarter in quarters]
    scope = Scope(police_force_area_id=police_force_area.pk)
    metrics = rolled_up_metrics()
    rows: list[MetricRollup] = []
    breakdowns = list(dict.fromkeys(breakdown for metric in metrics for breakdown in breakdowns_for(metric)))
    if any(breakdowns_for(metric) != tuple(breakdowns) for metric in metrics):
        raise ValueError("every rolled-up metric has the same breakdowns")
    counted = metrics_counts(metrics=metrics, periods=chosen, breakdowns=breakdowns, as_of=as_of, scope=scope)
    for breakdown in breakdowns:
        for metric in metrics:
            for period in chosen:
                for key, counts in counted[breakdown][metric.pk][period.start].items():
                    rows.append(
                        _row(
                            area_id=police_force_area.pk,
                            metric=metric,
                            period=period,
                            breakdown=breakdown,
                            key=key,
                            counts=counts,
                            as_of=as_of,
                            computed_at=computed_at,
                        )
                    )
    with transaction.atomic():
        old = MetricRollup.objects.filter(police_force_area=police_force_area)
        if periods:
            old = old.filter(period_start__in=[period.start for period in chosen])
        old.delete()
        MetricRollup.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return RollupSummary(
        police_force_area=police_force_area.name,
        quarters=tuple(quarter.label for quarter in quarters),
        metrics=len(metrics),
        rows=len(rows),
        as_of=as_of,
        seconds=time.perf_counter() - started,
    )


# --- reading ------------------------------------------------------------------------------------


def newest_evidence_changes(area_ids: Iterable[int]) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """Per area, the newest change to the evidence of the duty and attrition metrics, and to
    that of the survey metrics (see the module's docstring); an area with no change is absent."""
    ids = list(area_ids)
    definitions = MetricDefinition.objects.aggregate(
        metric=Max("updated_at"), entitlement=Max("entitlements__updated_at")
    )
    changed_everywhere = max((v for v in definitions.values() if v is not None), default=None)
    force: dict[int, datetime] = {}
    for row in (
        ForceExtractImport.objects.filter(police_force_area_id__in=ids)
        .values("police_force_area_id")
        .annotate(newest=Max("updated_at"))
        .order_by()
    ):
        force[row["police_force_area_id"]] = row["newest"]
    if changed_everywhere is not None:
        for area in ids:
            force[area] = max(force.get(area, changed_everywhere), changed_everywhere)
    survey = dict(force)
    for row in (
        SurveyInvitation.objects.filter(police_force_area_id__in=ids, used_at__isnull=False)
        .values("police_force_area_id")
        .annotate(newest=Max("used_at"))
        .order_by()
    ):
        # `used_at` keeps the day only: the answer may have come at any time until its end.
        day_end = timezone.make_aware(
            datetime.combine(timezone.localdate(row["newest"]) + timedelta(days=1), datetime.min.time())
        )
        area = row["police_force_area_id"]
        survey[area] = max(survey.get(area, day_end), day_end)
    return force, survey


_Key = tuple[int, date, date, str]


class RollupReader:
    """A page's source of counts: a fresh rollup's, for the areas a user sees, and the
    agencies' return lines, each loaded once for all the page's metrics (`preload`,
    `preload_aggregate_lines`) or on first use.

    `counts` gives None whenever the rollup cannot answer exactly as counting now would: no
    fresh rollup for one of the user's areas, another "as of" date, a metric that is not rolled
    up, a period that is not a quarter or is outside the rollup. The caller then counts live.
    """

    def __init__(self, *, user: Any) -> None:
        self.user = user
        self._checked = False
        self._area_ids: list[int] = []
        self._as_of: date | None = None
        self._force_fresh = False
        self._survey_fresh = False
        self._loaded: set[_Key] = set()
        self._counts: dict[_Key, dict[str, Counts]] = {}
        self._covered: dict[_Key, int] = {}
        self._lines: dict[tuple[date, date], dict[int, tuple[list[dict[str, Any]], bool]]] = {}

    # freshness

    def _check(self) -> None:
        """Whether the rollup of every area the user sees is fresh (one query for the rollups,
        three for the evidence)."""
        if self._checked:
            return
        self._checked = True
        self._area_ids = Scope(user=self.user).area_ids()
        if not self._area_ids:
            return
        runs = list(
            MetricRollup.objects.filter(police_force_area_id__in=self._area_ids)
            .values("police_force_area_id")
            .annotate(computed=Min("computed_at"), low=Min("as_of"), high=Max("as_of"))
            .order_by()
        )
        as_of = {(run["low"], run["high"]) for run in runs}
        if len(runs) != len(self._area_ids) or len(as_of) != 1:
            return
        low, high = as_of.pop()
        if low != high:
            return
        force, survey = newest_evidence_changes(self._area_ids)
        computed = {run["police_force_area_id"]: run["computed"] for run in runs}
        self._as_of = low
        self._force_fresh = all(area not in force or computed[area] >= force[area] for area in self._area_ids)
        self._survey_fresh = self._force_fresh and all(
            area not in survey or computed[area] >= survey[area] for area in self._area_ids
        )

    def _usable(self, metric: MetricDefinition) -> bool:
        self._check()
        if metric.measure == Measure.SURVEY:
            return self._survey_fresh
        return metric.measure in ROLLED_UP_MEASURES and self._force_fresh

    @property
    def fresh(self) -> bool:
        """True when the duty and attrition metrics are read from the rollup."""
        self._check()
        return self._force_fresh

    # counts

    def preload(
        self,
        *,
        metrics: Iterable[MetricDefinition],
        periods: Iterable[MetricPeriod],
        breakdowns: Iterable[str],
    ) -> None:
        """Load in one query the rolled-up counts of the metrics for the quarters and
        breakdowns (and no breakdown), where the rollup is usable for them."""
        usable = [metric for metric in metrics if self._usable(metric)]
        if self._as_of is None:
            return
        quarters = [period for period in periods if period.kind == "quarter"]
        wanted = {"none", *breakdowns}
        new: set[_Key] = {
            (metric.pk, period.start, period.end, breakdown)
            for metric in usable
            for period in quarters
            for breakdown in wanted
        } - self._loaded
        if not new:
            return
        self._loaded |= new
        for key in new:
            self._counts[key] = {}
        attrition = {metric.pk for metric in usable if metric.measure == Measure.ATTRITION}
        rows = MetricRollup.objects.filter(
            police_force_area_id__in=self._area_ids,
            metric_id__in={key[0] for key in new},
            period_start__in={key[1] for key in new},
            breakdown__in={key[3] for key in new},
            as_of=self._as_of,
        ).values_list(
            "metric_id",
            "period_start",
            "period_end",
            "breakdown",
            "group_key",
            "numerator",
            "denominator",
            "not_yet_due",
            "excluded",
        )
        for metric_id, start, end, breakdown, group, num, den, open_count, excluded in rows:
            key = (metric_id, start, end, breakdown)
            if key not in new:
                continue  # loaded before, or not asked for
            counts = Counts(numerator=num, denominator=den, excluded={k: int(v) for k, v in excluded.items()})
            if metric_id in attrition:
                counts.not_yet_assigned = open_count
            else:
                counts.not_yet_due = open_count
            found = self._counts[key]
            if group in found:
                found[group].add(counts)  # the same group in another of the user's areas
            else:
                found[group] = counts
            if breakdown == "none":
                self._covered[key] = self._covered.get(key, 0) + 1

    def counts(
        self, *, metric: MetricDefinition, period: MetricPeriod, breakdown: str, as_of: date
    ) -> dict[str, Counts] | None:
        """The true counts per group key ("" for no breakdown), or None: count live."""
        if period.kind != "quarter" or not self._usable(metric) or as_of != self._as_of:
            return None
        for wanted in ("none", breakdown):
            if (metric.pk, period.start, period.end, wanted) not in self._loaded:
                self.preload(metrics=[metric], periods=[period], breakdowns=[breakdown])
        # Every area's rollup holds a "none" row for each quarter it covers, even an empty one.
        if self._covered.get((metric.pk, period.start, period.end, "none"), 0) != len(self._area_ids):
            return None
        return self._counts.get((metric.pk, period.start, period.end, breakdown), {})

    # the agencies' returns (never rolled up: read live, once per page)

    def preload_aggregate_lines(self, *, metrics: Iterable[MetricDefinition], period: MetricPeriod) -> None:
        """Load the agencies' return lines of the metrics for the period in two queries."""
        found = self._lines.setdefault((period.start, period.end), {})
        missing = [metric.pk for metric in metrics if metric.pk not in found]
        if missing:
            found.update(aggregate_return_lines(user=self.user, period=period, metric_ids=missing))

    def aggregate_lines(
        self, *, metric: MetricDefinition, period: MetricPeriod
    ) -> tuple[list[dict[str, Any]], bool]:
        """The metric's return lines for the period (every dimension), and whether a return
        there is not yet accepted."""
        self.preload_aggregate_lines(metrics=[metric], period=period)
        return self._lines[(period.start, period.end)][metric.pk]
