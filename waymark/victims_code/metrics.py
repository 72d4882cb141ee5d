"""Victims' Code compliance metrics computed from the evidence: reads only.

Each `MetricDefinition` says what it counts (`measure`); this module counts it for a period
(a financial quarter, a financial year or a calendar month: `MetricPeriod`) and a breakdown
(`BREAKDOWNS`), in grouped SQL queries that run on SQLite and PostgreSQL alike
(`metrics_counts`, which also counts a run of quarters and several metrics and breakdowns at
once for the trend and for the rollup; the duty metrics share one query, the survey metrics
one per breakdown). The selectors take the counts from a fresh rollup where there is one
(`waymark.victims_code.rollup.RollupReader`) and count live otherwise: the same numbers.
Only aggregates leave: every count passes through disclosure control (`waymark.core.disclosure`,
the operational threshold) and the result carries the log of what was hidden.
docs/victims-code-metrics.md sets out every rule below in words.

The measures:

- **delivered** (M01, M04, M06, M12): the unit is a `CodeDuty` row of one of the metric's
  entitlements whose `triggered_on` falls in the period. A duty documented as not applicable
  (`not_applicable_reason` set) leaves the denominator but is counted and shown by reason. The
  numerator is the duties with a `delivered_on` date.
- **on_time** (M05, M07, M08, M14, M15, M17, M18, M19, M20): as `delivered`, and a duty not
  delivered whose `due_on` is after the "as of" date is *not yet due*: shown, not counted. The
  numerator is the duties delivered on or before `due_on`; a late delivery and an overdue open
  duty both fail. A duty with no `due_on` (its entitlement has no deadline) is judged as
  delivered at all. The "as of" date is the newest extraction date of the force's Code duties
  files (`evidence_as_of`), or today when none has been loaded.
- **attrition** (M22): victim-crime pairs (a `CrimeVictim` on a recorded crime: a crime with an
  identified victim) whose crime's outcome is dated in the period; the numerator is outcomes 14
  and 16 (evidential difficulties: the victim does not support action), the denominator
  outcomes 1 to 22. Type 0 is not an outcome: the pairs of crimes recorded by the end of the
  period still without an outcome at its end are shown as "not yet assigned an outcome", as the
  crime metrics do (`waymark.crime.metrics`).
- **survey** (M23 to M26): `SurveyResponse` rows submitted in the period. For a satisfaction
  question the numerator is the completely, very or fairly satisfied answers
  (`models.SATISFIED`); for a yes/no question the yes answers; the denominator is the answers
  less "don't know". Don't know and unanswered are shown beside, out of the denominator.
- **provider_first_contact** (M28): referrals received by a commissioned service in the period
  (UK dates); the numerator is those with contact made on or before `first_contact_due`, the
  rule of the provider returns (`waymark.cases.returns`). A referral with no contact yet whose
  due date is after the "as of" date is not yet due. Broken down per service.
- **aggregate_only**: no case-level figure; only the agencies' aggregate returns.

Agencies' aggregate returns (`AggregateReturnLine`) for the metric and period are shown as
their own rows, one per agency (summed over the returns of the period), never mixed into the
case-level figure, with a row summing the agencies that give a total.

Each figure has a numerator, a denominator, the rate, its Wilson score 95% interval, the
counts left out of the denominator (by reason), the not-yet-due count, and a RAG rating from
the definition's thresholds and polarity. A rate and its interval are hidden when its numerator
or denominator is.
"""

from __future__ import annotations

import calendar
import enum
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, PermissionDenied
from django.db import connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncQuarter
from django.utils import timezone

from waymark.accounts.access import organisation_ids_with_role, police_force_area_ids_with_role
from waymark.accounts.models import Service
from waymark.accounts.roles import Role
from waymark.core.disclosure import (
    HIDDEN_MARKER,
    Audience,
    default_threshold,
    published_reason,
    suppress_series,
)
from waymark.core.models import LocalAuthority
from waymark.core.periods import FinancialQuarter, FinancialYear
from waymark.crime.metrics import AGE_BANDS, VICTIM_SEXES
from waymark.crime.models import Crime, CrimeVictim, ForceExtractImport
from waymark.referrals.models import ContactAttempt, Referral

from .models import (
    COMPLIANCE_ROLES,
    SATISFIED,
    AggregateReturn,
    AggregateReturnLine,
    CodeDuty,
    Confidence,
    MetricDefinition,
    NotApplicableReason,
    Satisfaction,
    SurveyResponse,
    YesNoDontKnow,
)

if TYPE_CHECKING:
    from .rollup import RollupReader

__all__ = [
    "BREAKDOWNS",
    "EQUITY_BREAKDOWNS",
    "HIDDEN_MARKER",
    "MOJ_KEY_AREAS",
    "Counts",
    "EquityRow",
    "Figure",
    "GroupGap",
    "HiddenFigure",
    "MetricPeriod",
    "MetricResult",
    "QuarterlyReturn",
    "Rag",
    "Scope",
    "active_metrics",
    "aggregate_return_lines",
    "breakdowns_for",
    "default_as_of",
    "ensure_may_view_compliance",
    "equity_gaps",
    "evidence_as_of",
    "gap_interval",
    "metric_counts",
    "metric_result",
    "metric_trend",
    "metrics_counts",
    "provider_metrics_for",
    "quarterly_return",
    "quarterly_return_csv",
    "quarterly_return_xlsx",
    "rag_for",
    "wilson_interval",
]

Measure = MetricDefinition.Measure
NOT_RECORDED = "Not recorded"
NOT_YET_ASSIGNED = "Not yet assigned an outcome"
Z_95 = 1.959963984540054

# Every breakdown Waymark computes, in the order pages offer them.
BREAKDOWNS: dict[str, str] = {
    "none": "No breakdown",
    "enhanced": "Enhanced or standard rights",
    "vawg": "VAWG or not",
    "crime_group": "Crime group (VAWG explicit)",
    "local_authority": "Local authority",
    "age_band": "Victim age band",
    "sex": "Victim sex",
    "ethnicity": "Victim ethnicity",
    "disability": "Victim disability",
    "service": "Commissioned service",
}
VICTIM_BREAKDOWNS = (
    "enhanced",
    "vawg",
    "crime_group",
    "local_authority",
    "age_band",
    "sex",
    "ethnicity",
    "disability",
)
# The groups the equity view compares.
EQUITY_BREAKDOWNS = ("enhanced", "sex", "ethnicity", "disability", "age_band", "vawg")

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def ensure_may_view_compliance(user: Any) -> None:
    """Refuse anyone without `victims_code.view_compliance` (providers, boards, the public)."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not user.has_perm("victims_code.view_compliance")
    ):
        raise PermissionDenied("Compliance figures are shown only to the OPCC and the force's Code leads.")


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricPeriod:
    """The period a metric is counted over, both dates included, and its label."""

    start: date
    end: date
    label: str
    kind: str  # "quarter", "year" or "month"

    @classmethod
    def quarter(cls, quarter: FinancialQuarter | str) -> MetricPeriod:
        """A financial quarter, or its label ("2025/26 Q1")."""
        if isinstance(quarter, str):
            quarter = FinancialQuarter.parse(quarter)
        return cls(quarter.start, quarter.end, quarter.label, "quarter")

    @classmethod
    def year(cls, year: FinancialYear | str) -> MetricPeriod:
        """A financial year, or its label ("2025/26")."""
        if isinstance(year, str):
            year = FinancialYear.parse(year)
        return cls(year.start, year.end, year.label, "year")

    @classmethod
    def month(cls, month: str | date) -> MetricPeriod:
        """A calendar month, "YYYY-MM" or a date in it."""
        if isinstance(month, str):
            match = _MONTH.match(month.strip())
            if match is None or not 1 <= int(match.group(2)) <= 12:
                raise ValueError(f"{month!r} is not a month: expected YYYY-MM, e.g. 2025-04")
            month = date(int(match.group(1)), int(match.group(2)), 1)
        first = month.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return cls(first, last, f"{first:%B %Y}", "month")

    @classmethod
    def parse(cls, text: str) -> MetricPeriod:
        """A quarter ("2025/26 Q1"), a financial year ("2025/26") or a month ("2025-04")."""
        text = (text or "").strip()
        if not text:
            raise ValueError("Choose a period: a quarter (2025/26 Q1), a financial year or a month.")
        if text.upper().endswith(("Q1", "Q2", "Q3", "Q4")):
            return cls.quarter(text)
        if _MONTH.match(text):
            return cls.month(text)
        try:
            return cls.year(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is not a period: give a quarter (2025/26 Q1), a financial year (2025/26) "
                "or a month (2025-04)."
            ) from None

    @property
    def key(self) -> str:
        """The text `parse` reads back: the label for quarters and years, YYYY-MM for months."""
        return f"{self.start:%Y-%m}" if self.kind == "month" else self.label


# --- ratings and intervals ----------------------------------------------------------------------


class Rag(enum.StrEnum):
    """A rating against the definition's thresholds; always shown in words, never colour alone."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NOT_RATED = "not_rated"

    @property
    def label(self) -> str:
        return {"green": "Green", "amber": "Amber", "red": "Red", "not_rated": "Not rated"}[self.value]


def rag_for(
    rate: float | None,
    *,
    polarity: str,
    green: Decimal | float | None,
    amber: Decimal | float | None,
) -> Rag:
    """The rating of `rate` (0 to 1) against thresholds in percent.

    Higher is better: green at or above `green`, amber at or above `amber`, red below. Lower is
    better: green at or below `green`, amber at or below `amber`, red above. No rate or no
    thresholds: not rated.
    """
    if rate is None or green is None or amber is None:
        return Rag.NOT_RATED
    percent = rate * 100
    if polarity == MetricDefinition.Polarity.LOWER_BETTER:
        if percent <= float(green):
            return Rag.GREEN
        return Rag.AMBER if percent <= float(amber) else Rag.RED
    if percent >= float(green):
        return Rag.GREEN
    return Rag.AMBER if percent >= float(amber) else Rag.RED


def wilson_interval(numerator: int, denominator: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval (95% by default) of numerator/denominator, or None for 0/0.

    For 9 of 10: 0.5958 to 0.9821; Newcombe (1998)'s 81 of 263: 0.2553 to 0.3662.
    """
    if denominator <= 0:
        return None
    p = numerator / denominator
    z2 = z * z
    centre = (p + z2 / (2 * denominator)) / (1 + z2 / denominator)
    half = (
        z
        * math.sqrt(p * (1 - p) / denominator + z2 / (4 * denominator * denominator))
        / (1 + z2 / denominator)
    )
    return max(0.0, centre - half), min(1.0, centre + half)


def gap_interval(
    first: tuple[int, int], second: tuple[int, int], z: float = Z_95
) -> tuple[float, float, float] | None:
    """The difference of two proportions (first minus second) and its 95% interval by
    Newcombe's hybrid score method (from the two Wilson intervals); None if either is 0/0.

    Newcombe (1998)'s example, 56/70 against 48/80: a gap of 0.2, interval 0.0524 to 0.3339.
    """
    (n1, d1), (n2, d2) = first, second
    ci1, ci2 = wilson_interval(n1, d1, z), wilson_interval(n2, d2, z)
    if ci1 is None or ci2 is None:
        return None
    p1, p2 = n1 / d1, n2 / d2
    gap = p1 - p2
    low = gap - math.sqrt((p1 - ci1[0]) ** 2 + (ci2[1] - p2) ** 2)
    high = gap + math.sqrt((ci1[1] - p1) ** 2 + (p2 - ci2[0]) ** 2)
    return gap, low, high


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HiddenFigure:
    """One figure hidden by disclosure control: where it was, and why."""

    table: str
    row: str
    column: str
    reason: str


@dataclass(frozen=True)
class Figure:
    """One row of a metric result after disclosure control: a hidden count is None.

    `excluded` lists (reason, label, count) left out of the denominator: the not-applicable
    reasons of a duty, or "don't know" and "not answered" of a survey question.
    `not_yet_due` is None where the measure has no deadline; `not_yet_assigned` is for attrition.
    """

    key: str
    label: str
    numerator: int | None
    denominator: int | None
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    rag: Rag
    excluded: tuple[tuple[str, str, int | None], ...] = ()
    excluded_total: int | None = 0
    not_yet_due: int | None = None
    not_yet_assigned: int | None = None
    agency: str = ""
    empty: bool = False
    # True counts kept for the equity gaps (never shown; the view shows the suppressed ones).
    _true: tuple[int, int] = (0, 0)

    @property
    def display_rate(self) -> str:
        """ "87.5%", "[c]" when hidden, or "no cases"."""
        if self.rate is None:
            return "no cases" if self.empty else HIDDEN_MARKER
        return f"{self.rate * 100:.1f}%"

    @property
    def display_interval(self) -> str:
        """ "80.1% to 92.3%", or "" when there is no rate to show."""
        if self.ci_low is None or self.ci_high is None:
            return ""
        return f"{self.ci_low * 100:.1f}% to {self.ci_high * 100:.1f}%"

    @property
    def hidden(self) -> bool:
        return self.rate is None and not self.empty


@dataclass(frozen=True)
class MetricResult:
    """One metric for one period and breakdown: the overall figure, a figure per group, and the
    agencies' aggregate rows, after disclosure control."""

    metric: MetricDefinition
    period: MetricPeriod
    breakdown: str
    as_of: date
    threshold: int
    overall: Figure
    groups: tuple[Figure, ...]
    aggregate: tuple[Figure, ...]
    excluded_heading: str
    hidden: tuple[HiddenFigure, ...]
    notes: tuple[str, ...] = ()

    @property
    def breakdown_label(self) -> str:
        return BREAKDOWNS.get(self.breakdown, self.breakdown)

    @property
    def aggregate_lines(self) -> tuple[Figure, ...]:
        """The agencies' rows for the breakdown's groups (not their totals)."""
        return tuple(row for row in self.aggregate if row.key.count(":") >= 2)

    @property
    def has_deadline(self) -> bool:
        return self.metric.measure in (Measure.ON_TIME, Measure.PROVIDER_FIRST_CONTACT)


def breakdowns_for(metric: MetricDefinition) -> tuple[str, ...]:
    """The breakdowns a metric can be computed by ("none" first)."""
    if metric.measure == Measure.PROVIDER_FIRST_CONTACT:
        return ("none", "service")
    if metric.measure == Measure.AGGREGATE_ONLY:
        return ("none",)
    return ("none", *VICTIM_BREAKDOWNS)


def evidence_as_of(*, today: date | None = None) -> date:
    """The date a duty's status is judged at: the newest extraction date of the force's Code
    duties files (an import record, else the newest `CodeDuty.extracted_on`), never after today;
    today when none has been loaded.

    The duties file's date, not a later crimes file's: a duty falling due after the duties were
    extracted cannot show its delivery, so it is not yet due, not late (as M13b judges)."""
    today = today or timezone.localdate()
    duties_files = ForceExtractImport.objects.filter(kind=ForceExtractImport.Kind.CODE_DUTIES)
    latest = duties_files.aggregate(latest=Max("extracted_on"))["latest"]
    if latest is None:
        latest = CodeDuty.objects.aggregate(latest=Max("extracted_on"))["latest"]
    return today if latest is None else min(latest, today)


def default_as_of(metric: MetricDefinition) -> date:
    """The "as of" date a metric is judged at unless told: the newest Code duties file's
    extraction date for the force's evidence; today for commissioned services' referrals, which
    are live."""
    if metric.measure == Measure.PROVIDER_FIRST_CONTACT:
        return timezone.localdate()
    return evidence_as_of()


# --- counting -----------------------------------------------------------------------------------
#
# The raw counts, before disclosure control, come from one function, `metrics_counts`
# (`metric_counts` for one metric and breakdown): the delivered and on-time metrics together in
# one grouped query over their duties (for several breakdowns at once on PostgreSQL), the survey
# metrics together in one grouped query per breakdown over their responses, the others one
# grouped query per metric and breakdown; for one period or for a run of financial quarters
# at once (grouped by quarter too). The pages call it for the period they show when no fresh
# rollup has the counts; the rollup (`waymark.victims_code.rollup`) calls it for every quarter
# and stores what it returns, so both paths give the same numbers by construction.

# Dates standing for "before the period" and "after it" in the attrition buckets.
_BEFORE = date(1, 1, 1)
_AFTER = date(9999, 12, 31)


@dataclass
class Counts:
    """True counts for one group, before disclosure control."""

    numerator: int = 0
    denominator: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    not_yet_due: int = 0
    not_yet_assigned: int = 0

    def add(self, other: Counts) -> None:
        self.numerator += other.numerator
        self.denominator += other.denominator
        self.not_yet_due += other.not_yet_due
        self.not_yet_assigned += other.not_yet_assigned
        for key, value in other.excluded.items():
            self.excluded[key] = self.excluded.get(key, 0) + value


@dataclass(frozen=True)
class Scope:
    """Whose evidence is counted: what `user` may see (the pages), or one force area's (the
    rollup, which runs as nobody). Both end in the same filter: the compliance areas of the
    user (`ComplianceQuerySet`), or the one area."""

    user: Any = None
    police_force_area_id: int | None = None

    def area_ids(self) -> list[int]:
        if self.police_force_area_id is not None:
            return [self.police_force_area_id]
        return sorted(police_force_area_ids_with_role(self.user, COMPLIANCE_ROLES))

    def apply(self, rows: QuerySet[Any], area_lookup: str) -> QuerySet[Any]:
        if self.police_force_area_id is not None:
            return rows.filter(**{f"{area_lookup}_id": self.police_force_area_id})
        return rows.visible_to(self.user)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Source:
    """How one measure is counted: the rows, where the crime and victim are, the bucket (the
    start of the period a row counts in), the counts, and the reasons a row leaves the
    denominator. Attrition, dated by two rules, is bucketed in `_count_attrition`."""

    rows: QuerySet[Any]
    crime: str  # path to the Crime, e.g. "crime__"
    victim: str  # path to the CrimeVictim, e.g. "victim__"
    enhanced: Any  # an expression giving "enhanced", "standard" or ""
    bucket: Any
    counts: dict[str, Any]
    excluded: tuple[tuple[str, str], ...]
    has_due: bool = False
    has_assigned: bool = False


def _periods(periods: Sequence[MetricPeriod]) -> tuple[MetricPeriod, ...]:
    """The periods in date order: one period of any kind, or financial quarters."""
    ordered = tuple(sorted(periods, key=lambda period: period.start))
    if not ordered:
        raise ValueError("Give at least one period.")
    if len(ordered) > 1 and any(period.kind != "quarter" for period in ordered):
        raise ValueError("Several periods are counted together only as financial quarters.")
    return ordered


def _bucket(expression: Any, periods: tuple[MetricPeriod, ...]) -> Any:
    """The start of the period a row's date falls in: its quarter (a financial quarter is a
    calendar quarter: April to June is the second), or, for one period, the period's start
    (the rows are already limited to it)."""
    if len(periods) > 1:
        return TruncQuarter(expression, output_field=DateField())
    return Value(periods[0].start, output_field=DateField())


def _edge_bucket(path: str, periods: tuple[MetricPeriod, ...]) -> Any:
    """As `_bucket` for a date that may fall outside the periods (attrition's recording and
    outcome dates): before the first period `_BEFORE`, after a lone period `_AFTER`, empty
    when the date is. With quarters, the date's own quarter, before or after."""
    if len(periods) > 1:
        return TruncQuarter(path, output_field=DateField())
    period = periods[0]
    return Case(
        When(**{f"{path}__lt": period.start}, then=Value(_BEFORE)),
        When(**{f"{path}__lte": period.end}, then=Value(period.start)),
        When(**{f"{path}__gt": period.end}, then=Value(_AFTER)),
        default=None,
        output_field=DateField(),
    )


def _as_date(value: Any) -> date | None:
    """A bucket as a date, whatever the database returned (SQLite may give text)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def _enhanced_from_victim(path: str) -> Case:
    """ "enhanced" where the victim has an enhanced-rights category, "standard" where the victim
    is known without one, "" where no victim row matched."""
    return Case(
        When(**{f"{path}id__isnull": True}, then=Value("")),
        When(~Q(**{f"{path}enhanced_rights": ""}), then=Value("enhanced")),
        default=Value("standard"),
        output_field=CharField(),
    )


def _duty_source(
    entitlement_ids: Sequence[int], periods: tuple[MetricPeriod, ...], as_of: date, scope: Scope
) -> _Source:
    """The duties of the entitlements, counted per entitlement and status (`_count_duties`
    turns those into each metric's counts): one query serves every duty metric at once."""
    rows = scope.apply(CodeDuty.objects.all(), "police_force_area").filter(
        entitlement_id__in=list(entitlement_ids),
        triggered_on__gte=periods[0].start,
        triggered_on__lte=periods[-1].end,
    )
    rows = rows.annotate(
        victim=FilteredRelation("crime__victims", condition=Q(crime__victims__victim_ref=F("victim_ref")))
    )
    return _Source(
        rows=rows,
        crime="crime__",
        victim="victim__",
        enhanced=Case(
            When(enhanced=True, then=Value("enhanced")), default=Value("standard"), output_field=CharField()
        ),
        bucket=_bucket("triggered_on", periods),
        counts={"n": Count("pk")},
        excluded=tuple((value, str(label)) for value, label in NotApplicableReason.choices),
    )


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


# The columns of a duty row that every grouping keeps: the period, and the entitlement and the
# duty's status together in one integer (`_duty_state`).
_DUTY_STATUS = ("_period", "_state")

# The status bits of `_duty_state`.
_DELIVERED, _MET, _NOT_YET_DUE = 4, 2, 1


def _duty_state(reasons: Sequence[str], as_of: date) -> ExpressionWrapper:
    """A duty's entitlement and status in one integer: entitlement id x stride + reason code x
    8 + the bits delivered (4), met its deadline (2), not yet due (1). The reason code is 0
    for an applicable duty, 1 to n for the known not-applicable reasons, n + 1 for any other.
    One narrow column makes the grouping hash one value instead of six: at 2,000,000 duties
    the GROUPING SETS count takes about 1.3 s instead of 3 (`docs/benchmarks.md`)."""
    stride = 8 * (len(reasons) + 2)
    reason = Case(
        *(When(not_applicable_reason=value, then=Value(8 * code)) for code, value in enumerate(reasons, 1)),
        When(Q(not_applicable_reason="") | Q(not_applicable_reason__isnull=True), then=Value(0)),
        default=Value(8 * (len(reasons) + 1)),
        output_field=IntegerField(),
    )

    def bit(condition: Q, value: int) -> Case:
        return Case(When(condition, then=Value(value)), default=Value(0), output_field=IntegerField())

    return ExpressionWrapper(
        F("entitlement_id") * Value(stride)
        + reason
        + bit(Q(delivered_on__isnull=False), _DELIVERED)
        + bit(Q(delivered_on__lte=F("due_on")) | Q(due_on__isnull=True, delivered_on__isnull=False), _MET)
        + bit(Q(delivered_on__isnull=True, due_on__gt=as_of), _NOT_YET_DUE),
        output_field=IntegerField(),
    )


def _read_duty_state(state: int, reasons: Sequence[str]) -> tuple[int, str | None, int]:
    """(entitlement id, not-applicable reason or None, status bits) from `_duty_state`'s
    integer; an unknown reason comes back as "" (counted nowhere)."""
    entitlement, rest = divmod(state, 8 * (len(reasons) + 2))
    code, bits = divmod(rest, 8)
    if code == 0:
        return entitlement, None, bits
    return entitlement, reasons[code - 1] if code <= len(reasons) else "", bits


def _count_duties(
    metrics: Sequence[MetricDefinition],
    periods: tuple[MetricPeriod, ...],
    breakdowns: Sequence[str],
    as_of: date,
    scope: Scope,
) -> dict[str, dict[int, dict[date, dict[str, Counts]]]]:
    """The delivered and on-time metrics' counts for each breakdown, from the duties of all
    their entitlements at once: grouped by period, entitlement, the duty's status (its
    not-applicable reason, delivered or not, met its deadline or not, not yet due or not) and
    the breakdown's group, then summed per metric over its entitlements. On PostgreSQL one
    query with GROUPING SETS serves every breakdown; elsewhere one query per breakdown, with
    the same rows and the same SQL but for the GROUP BY.

    A duty documented as not applicable counts under its reason only. Otherwise, for an on-time
    metric, a duty not delivered whose `due_on` is after `as_of` is not yet due; the others are
    in the denominator, and in the numerator when delivered by `due_on` (or delivered at all
    with no `due_on`). For a delivered metric every applicable duty is in the denominator, and
    in the numerator when delivered."""
    found: dict[str, dict[int, dict[date, dict[str, Counts]]]] = {
        breakdown: {metric.pk: {period.start: {} for period in periods} for metric in metrics}
        for breakdown in breakdowns
    }
    of_entitlement: dict[int, list[MetricDefinition]] = {}
    for metric in metrics:
        for entitlement in metric.entitlements.all():
            of_entitlement.setdefault(entitlement.pk, []).append(metric)
    source = _duty_source(sorted(of_entitlement), periods, as_of, scope)
    reasons = [reason for reason, _ in source.excluded]
    if of_entitlement:
        aliases, columns = _breakdown_columns(source, breakdowns)
        rows = source.rows.order_by().annotate(
            _group_enhanced=source.enhanced,
            _period=source.bucket,
            _state=_duty_state(reasons, as_of),
            **{alias: F(name) for alias, name in columns.items()},
        )
        grouped = _grouped_set_rows(rows.values(*_DUTY_STATUS, *columns), _DUTY_STATUS, aliases)
        for breakdown, row in grouped:
            start = _as_date(row["_period"])
            if start not in found[breakdown][metrics[0].pk]:
                continue
            key = _group_key(breakdown, [row[alias] for alias in aliases[breakdown]])
            n = int(row["n"])
            entitlement_id, reason, bits = _read_duty_state(int(row["_state"]), reasons)
            for metric in of_entitlement.get(entitlement_id, []):
                groups = found[breakdown][metric.pk][start]
                counts = groups.get(key)
                if counts is None:
                    counts = groups[key] = Counts(excluded=dict.fromkeys(reasons, 0))
                if reason is not None:
                    if reason in counts.excluded:
                        counts.excluded[reason] += n
                elif metric.measure == Measure.ON_TIME:
                    if bits & _NOT_YET_DUE:
                        counts.not_yet_due += n
                    else:
                        counts.denominator += n
                        counts.numerator += n if bits & _MET else 0
                else:
                    counts.denominator += n
                    counts.numerator += n if bits & _DELIVERED else 0
    if "none" in found:
        for metric in metrics:
            for period in periods:
                found["none"][metric.pk][period.start].setdefault(
                    "", Counts(excluded=dict.fromkeys(reasons, 0))
                )
    return found


def _breakdown_columns(
    source: _Source, breakdowns: Sequence[str]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Each breakdown's group fields under aliases of their own ("_g0", ...; a field two
    breakdowns share has one), for `_grouped_set_rows`: (breakdown -> its aliases, alias ->
    field). The enhanced breakdown's field is `_group_enhanced`, which the caller annotates."""
    aliases: dict[str, list[str]] = {}
    columns: dict[str, str] = {}
    for breakdown in breakdowns:
        names = []
        for name in _group_fields(source, breakdown):
            alias = next((a for a, f in columns.items() if f == name), None)
            if alias is None:
                alias = f"_g{len(columns)}"
                columns[alias] = name
            names.append(alias)
        aliases[breakdown] = names
    return aliases, columns


def _grouped_set_rows(
    rows: QuerySet[Any], status: Sequence[str], aliases: dict[str, list[str]]
) -> Iterable[tuple[str, dict[str, Any]]]:
    """(breakdown, row) for `rows` counted per `status` columns and per each breakdown's group
    (`aliases`: its columns of `rows`), with the count as "n". The rows are the ORM's query,
    wrapped: on PostgreSQL in one GROUP BY GROUPING SETS, whose GROUPING() bitmask says which
    breakdown a row is of; elsewhere in one GROUP BY per breakdown."""
    connection = connections[rows.db]
    quote = connection.ops.quote_name
    try:
        inner, params = rows.query.sql_with_params()
    except EmptyResultSet:  # `.none()`: a user who sees no force area's evidence
        return
    every = list(dict.fromkeys(alias for names in aliases.values() for alias in names))
    status = [quote(name) for name in status]

    def fetch(cursor: Any) -> list[dict[str, Any]]:
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    if connection.vendor == "postgresql" and len(aliases) > 1 and every:
        # The rows go to a temporary table first, ANALYZEd: without its statistics PostgreSQL
        # guesses millions of groups (200 for each computed column) and sorts the rows once per
        # grouping set; with them it counts every set in one pass of small hash tables (about
        # 20 MB at 2,000,000 duties, hence the work_mem).
        table = quote("waymark_rollup_rows")
        sets = ", ".join(
            "(" + ", ".join([*status, *(quote(alias) for alias in names)]) + ")" for names in aliases.values()
        )
        # The ORM's SQL and our own quoted aliases only: no value is formatted in.
        sql = (
            f"SELECT {', '.join([*status, *(quote(alias) for alias in every)])}, "  # noqa: S608
            f"GROUPING({', '.join(quote(alias) for alias in every)}) AS _set, COUNT(*) AS n "
            f"FROM {table} GROUP BY GROUPING SETS ({sets})"
        )
        with transaction.atomic(using=rows.db), connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {table} AS {inner}", params)
            cursor.execute(f"ANALYZE {table}")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(sql)
            found = fetch(cursor)
            cursor.execute(f"DROP TABLE {table}")
        # A column is grouped in a set when its bit (the first column the highest) is 0.
        of_mask = {
            sum(
                1 << (len(every) - 1 - index) for index, alias in enumerate(every) if alias not in names
            ): breakdown
            for breakdown, names in aliases.items()
        }
        for row in found:
            yield of_mask[row["_set"]], row
        return
    for breakdown, names in aliases.items():
        group = ", ".join([*status, *(quote(alias) for alias in names)])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {group}, COUNT(*) AS n FROM ({inner}) AS source GROUP BY {group}", params)  # noqa: S608
            found = fetch(cursor)
        for row in found:
            yield breakdown, row


def _attrition_source(periods: tuple[MetricPeriod, ...], scope: Scope) -> _Source:
    """Victim-crime pairs of recorded crimes of the scope's areas that are decided in one of
    the periods or may be open at the end of one; `_count_attrition` sorts them out."""
    first, last = periods[0], periods[-1]
    decided = Q(
        crime__outcome_type__gte=1, crime__outcome_on__gte=first.start, crime__outcome_on__lte=last.end
    )
    maybe_open = Q(crime__recorded_on__lte=last.end) & (
        Q(crime__outcome_type=0) | Q(crime__outcome_on__isnull=True) | Q(crime__outcome_on__gt=first.end)
    )
    rows = CrimeVictim.objects.all()
    if scope.police_force_area_id is None:
        # Crime facts are visible by role; the compliance figures are the user's areas'.
        rows = rows.visible_to(scope.user).filter(crime__police_force_area_id__in=scope.area_ids())
    else:
        rows = rows.filter(crime__police_force_area_id=scope.police_force_area_id)
    rows = rows.filter(crime__record_status=Crime.RecordStatus.RECORDED).filter(decided | maybe_open)
    return _Source(
        rows=rows,
        crime="crime__",
        victim="",
        enhanced=Case(
            When(~Q(enhanced_rights=""), then=Value("enhanced")),
            default=Value("standard"),
            output_field=CharField(),
        ),
        bucket=None,
        counts={"n": Count("pk")},
        excluded=(),
        has_assigned=True,
    )


def _survey_answers(question: str) -> tuple[Iterable[str], str]:
    """The answers that count in the numerator, and the "don't know" answer, for a question."""
    field_choices = getattr(SurveyResponse._meta.get_field(question), "choices", None) or []
    values = {value for value, _ in field_choices}
    if values == set(Satisfaction.values):
        return SATISFIED, Satisfaction.DONT_KNOW
    if values == set(Confidence.values):
        return (Confidence.VERY, Confidence.FAIRLY), Confidence.DONT_KNOW
    if values == set(YesNoDontKnow.values):
        return (YesNoDontKnow.YES,), YesNoDontKnow.DONT_KNOW
    raise ValueError(f"{question!r} is not a survey question Waymark can count")


def _survey_question(metric: MetricDefinition) -> str:
    """The metric's survey question, checked: a field of `SurveyResponse` Waymark can count."""
    question = metric.survey_question
    try:
        SurveyResponse._meta.get_field(question)
    except FieldDoesNotExist as error:
        raise ValueError(f"{metric.code} names no survey question Waymark knows ({question!r}).") from error
    _survey_answers(question)
    return question


_SURVEY_EXCLUDED = (("dont_know", "Don't know"), ("not_answered", "Not answered"))


def _survey_source(questions: Sequence[str], periods: tuple[MetricPeriod, ...], scope: Scope) -> _Source:
    """Survey responses submitted in the periods, with four counts per question (the i-th
    question's "q{i}_num", "q{i}_den", "q{i}_dont_know", "q{i}_not_answered"): every survey
    metric is counted from one grouped query per breakdown (`_count_surveys`)."""
    rows = scope.apply(SurveyResponse.objects.all(), "invitation__police_force_area").filter(
        submitted_on__gte=periods[0].start, submitted_on__lte=periods[-1].end
    )
    rows = rows.annotate(
        victim=FilteredRelation(
            "invitation__crime__victims",
            condition=Q(invitation__crime__victims__victim_ref=F("invitation__victim_ref")),
        )
    )
    counts: dict[str, Any] = {}
    for index, question in enumerate(questions):
        positive, dont_know = _survey_answers(question)
        answered = ~Q(**{question: ""}) & ~Q(**{question: dont_know})
        counts[f"q{index}_num"] = Count("pk", filter=Q(**{f"{question}__in": list(positive)}))
        counts[f"q{index}_den"] = Count("pk", filter=answered)
        counts[f"q{index}_dont_know"] = Count("pk", filter=Q(**{question: dont_know}))
        counts[f"q{index}_not_answered"] = Count("pk", filter=Q(**{question: ""}))
    return _Source(
        rows=rows,
        crime="invitation__crime__",
        victim="victim__",
        enhanced=_enhanced_from_victim("victim__"),
        bucket=_bucket("submitted_on", periods),
        counts=counts,
        excluded=_SURVEY_EXCLUDED,
    )


def _count_surveys(
    metrics: Sequence[MetricDefinition],
    periods: tuple[MetricPeriod, ...],
    breakdowns: Sequence[str],
    scope: Scope,
) -> dict[str, dict[int, dict[date, dict[str, Counts]]]]:
    """The survey metrics together: per breakdown one grouped query over the responses
    counting every question at once, split per metric here."""
    questions = list(dict.fromkeys(_survey_question(metric) for metric in metrics))
    index_of = {question: index for index, question in enumerate(questions)}
    source = _survey_source(questions, periods, scope)
    found: dict[str, dict[int, dict[date, dict[str, Counts]]]] = {}
    for breakdown in breakdowns:
        counted = found[breakdown] = {
            metric.pk: {period.start: {} for period in periods} for metric in metrics
        }
        for start, key, row in _grouped_rows(source, breakdown, periods):
            for metric in metrics:
                prefix = f"q{index_of[metric.survey_question]}_"
                counts = Counts(
                    numerator=int(row.get(f"{prefix}num") or 0),
                    denominator=int(row.get(f"{prefix}den") or 0),
                    excluded={
                        reason: int(row.get(f"{prefix}{reason}") or 0) for reason, _ in _SURVEY_EXCLUDED
                    },
                )
                _merge(counted[metric.pk][start], key, counts)
        if breakdown == "none":
            for metric in metrics:
                for period in periods:
                    counted[metric.pk][period.start].setdefault(
                        "", Counts(excluded={reason: 0 for reason, _ in _SURVEY_EXCLUDED})
                    )
    return found


def _local_day_bounds(first: MetricPeriod, last: MetricPeriod) -> tuple[datetime, datetime]:
    """From the first period's start to the last one's end as [start, end) aware datetimes in
    UK time (referrals are received at a time)."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(first.start, time.min), zone)
    end = timezone.make_aware(datetime.combine(last.end + timedelta(days=1), time.min), zone)
    return start, end


def _referral_source(
    periods: tuple[MetricPeriod, ...], as_of: date, services: QuerySet[Service] | None
) -> _Source:
    """Referrals received in the periods, counted from the rows directly: the OPCC may see no
    referral row (`visible_to` gives it none, by design), and only counts leave this module,
    as `waymark.cases.returns.provider_return_for_opcc` explains."""
    start, end = _local_day_bounds(periods[0], periods[-1])
    rows = Referral.objects.filter(received_at__gte=start, received_at__lt=end)
    if services is not None:
        rows = rows.filter(service__in=services)
    zone = timezone.get_default_timezone()
    contacted = ContactAttempt.objects.filter(
        referral=OuterRef("pk"), outcome=ContactAttempt.Outcome.CONTACT_MADE
    )
    in_time = Exists(
        contacted.annotate(day=TruncDate("at", tzinfo=zone)).filter(day__lte=OuterRef("first_contact_due"))
    )
    contacted_by = Exists(contacted.annotate(day=TruncDate("at", tzinfo=zone)).filter(day__lte=as_of))
    not_yet_due = Q(first_contact_due__gt=as_of) & ~Q(contacted_by)
    return _Source(
        rows=rows,
        crime="",
        victim="",
        enhanced=Value(""),
        bucket=_bucket(TruncDate("received_at", tzinfo=zone), periods),
        counts={
            "num": Count("pk", filter=Q(in_time)),
            "den": Count("pk", filter=~not_yet_due),
            "nyd": Count("pk", filter=not_yet_due),
        },
        excluded=(),
        has_due=True,
    )


def _source_for(
    metric: MetricDefinition,
    periods: tuple[MetricPeriod, ...],
    as_of: date,
    scope: Scope,
    services: QuerySet[Service] | None = None,
) -> _Source | None:
    """How the metric is counted (no query runs here), or None for aggregate-only metrics
    (the delivered and on-time metrics are counted together by `_count_duties`, the survey
    metrics by `_count_surveys`)."""
    if metric.measure == Measure.ATTRITION:
        return _attrition_source(periods, scope)
    if metric.measure == Measure.PROVIDER_FIRST_CONTACT:
        return _referral_source(periods, as_of, services)
    return None


def _group_fields(source: _Source, breakdown: str) -> list[str]:
    """The `values()` fields a breakdown groups by."""
    if breakdown == "none":
        return []
    if breakdown == "enhanced":
        return ["_group_enhanced"]
    if breakdown == "vawg":
        return [f"{source.crime}is_vawg"]
    if breakdown == "crime_group":
        return [f"{source.crime}is_vawg", f"{source.crime}offence_code__group"]
    if breakdown == "local_authority":
        return [f"{source.crime}local_authority_id"]
    if breakdown in ("age_band", "sex", "ethnicity", "disability"):
        return [f"{source.victim}{breakdown}"]
    if breakdown == "service":
        return ["service_id"]
    raise ValueError(f"no such breakdown: {breakdown!r}")


def _group_key(breakdown: str, values: Sequence[Any]) -> str:
    if breakdown == "none":
        return ""
    if breakdown == "vawg":
        return "vawg" if values[0] else "not_vawg"
    if breakdown == "crime_group":
        return f"{'vawg' if values[0] else 'not_vawg'}:{values[1] or ''}"
    return "" if values[0] is None else str(values[0])


def _counts_from(row: dict[str, Any], source: _Source) -> Counts:
    return Counts(
        numerator=int(row.get("num") or 0),
        denominator=int(row.get("den") or 0),
        excluded={key: int(row.get(f"x_{key}") or 0) for key, _ in source.excluded},
        not_yet_due=int(row.get("nyd") or 0),
        not_yet_assigned=int(row.get("nya") or 0),
    )


def _merge(found: dict[str, Counts], key: str, counts: Counts) -> None:
    if key in found:
        found[key].add(counts)  # e.g. a missing victim (None) and an empty value ("")
    else:
        found[key] = counts


def _grouped_rows(
    source: _Source, breakdown: str, periods: tuple[MetricPeriod, ...]
) -> Iterable[tuple[date, str, dict[str, Any]]]:
    """(period start, group key, the row of `source.counts`) from one grouped query (an
    aggregate for one period and no breakdown); a group appears in a period only where rows
    of it do."""
    rows = source.rows.order_by()
    if breakdown == "enhanced":
        rows = rows.annotate(_group_enhanced=source.enhanced)
    fields = _group_fields(source, breakdown)
    if breakdown == "none" and len(periods) == 1:
        yield periods[0].start, "", rows.aggregate(**source.counts)
        return
    starts = {period.start for period in periods}
    grouped = rows.annotate(_period=source.bucket).values("_period", *fields).annotate(**source.counts)
    for row in grouped:
        start = _as_date(row["_period"])
        if start in starts:
            yield start, _group_key(breakdown, [row[name] for name in fields]), row


def _count(
    source: _Source, breakdown: str, periods: tuple[MetricPeriod, ...]
) -> dict[date, dict[str, Counts]]:
    """One grouped query: true counts per period (by its start) and group key ("" alone for no
    breakdown, always present). A group appears in a period only where rows of it do."""
    found: dict[date, dict[str, Counts]] = {period.start: {} for period in periods}
    for start, key, row in _grouped_rows(source, breakdown, periods):
        _merge(found[start], key, _counts_from(row, source))
    if breakdown == "none":
        for period in periods:
            found[period.start].setdefault("", Counts(excluded={key: 0 for key, _ in source.excluded}))
    return found


_ATTRITION_STATUS = ("_recorded", "_outcome", "_decided", "_hit")


def _count_attrition(
    source: _Source, breakdowns: Sequence[str], periods: tuple[MetricPeriod, ...]
) -> dict[str, dict[date, dict[str, Counts]]]:
    """Attrition per breakdown and period, from the pairs grouped by the quarter (or, for one
    period, the side of it) of recording and of outcome, for every breakdown at once as
    `_grouped_set_rows` does it: in a period starting S, a pair is decided when its crime has
    an outcome (1 to 22) dated in it, and not yet assigned when its crime was recorded by the
    period's end (recording bucket <= S) without an outcome dated by then."""
    found: dict[str, dict[date, dict[str, Counts]]] = {
        breakdown: {period.start: {} for period in periods} for breakdown in breakdowns
    }
    aliases, columns = _breakdown_columns(source, breakdowns)
    rows = source.rows.order_by().annotate(
        _group_enhanced=source.enhanced,
        _recorded=_edge_bucket("crime__recorded_on", periods),
        _outcome=_edge_bucket("crime__outcome_on", periods),
        _decided=_flag(Q(crime__outcome_type__gte=1, crime__outcome_on__isnull=False)),
        _hit=_flag(Q(crime__outcome_type__in=[14, 16])),
        **{alias: F(name) for alias, name in columns.items()},
    )
    for breakdown, row in _grouped_set_rows(
        rows.values(*_ATTRITION_STATUS, *columns), _ATTRITION_STATUS, aliases
    ):
        recorded, outcome, n = _as_date(row["_recorded"]), _as_date(row["_outcome"]), int(row["n"])
        closed = bool(row["_decided"]) and outcome is not None
        key = _group_key(breakdown, [row[alias] for alias in aliases[breakdown]])
        for period in periods:
            start = period.start
            if closed and outcome == start:
                counts = Counts(numerator=n if row["_hit"] else 0, denominator=n)
            elif recorded is not None and recorded <= start and not (closed and outcome and outcome <= start):
                counts = Counts(not_yet_assigned=n)
            else:
                continue
            _merge(found[breakdown][start], key, counts)
    if "none" in found:
        for period in periods:
            found["none"][period.start].setdefault("", Counts())
    return found


def metric_counts(
    *,
    metric: MetricDefinition,
    periods: Sequence[MetricPeriod],
    breakdown: str,
    as_of: date,
    scope: Scope,
    services: QuerySet[Service] | None = None,
) -> dict[date, dict[str, Counts]]:
    """The true counts (before disclosure control) of a metric for each period and each group
    of `breakdown`, in one grouped query: `metrics_counts` for the one metric. `periods` is one
    period of any kind or several financial quarters; the result is keyed by each period's
    start, then by group key ("" for the overall figure). Empty for aggregate-only metrics."""
    return metrics_counts(
        metrics=[metric], periods=periods, breakdowns=[breakdown], as_of=as_of, scope=scope, services=services
    )[breakdown][metric.pk]


def metrics_counts(
    *,
    metrics: Sequence[MetricDefinition],
    periods: Sequence[MetricPeriod],
    breakdowns: Sequence[str],
    as_of: date,
    scope: Scope,
    services: QuerySet[Service] | None = None,
) -> dict[str, dict[int, dict[date, dict[str, Counts]]]]:
    """The true counts (before disclosure control) per breakdown, metric (by its id), period
    and group, as `metric_counts` gives them: the one place Waymark counts the evidence, used
    by the pages and by the rollup. The delivered and on-time metrics are counted together from
    their duties (`_count_duties`: on PostgreSQL one query for every breakdown), the survey
    metrics together from their responses (`_count_surveys`: one query per breakdown counting
    every question); each other metric in one grouped query per breakdown."""
    ordered = _periods(periods)
    for metric in metrics:
        for breakdown in breakdowns:
            if breakdown not in breakdowns_for(metric):
                allowed = ", ".join(breakdowns_for(metric))
                raise ValueError(
                    f"{metric.code} cannot be broken down by {breakdown!r}: choose one of {allowed}."
                )
    duty_metrics = [metric for metric in metrics if metric.measure in (Measure.DELIVERED, Measure.ON_TIME)]
    found: dict[str, dict[int, dict[date, dict[str, Counts]]]] = {breakdown: {} for breakdown in breakdowns}
    if duty_metrics:
        for breakdown, counted in _count_duties(duty_metrics, ordered, breakdowns, as_of, scope).items():
            found[breakdown].update(counted)
    survey_metrics = [metric for metric in metrics if metric.measure == Measure.SURVEY]
    if survey_metrics:
        for breakdown, counted in _count_surveys(survey_metrics, ordered, breakdowns, scope).items():
            found[breakdown].update(counted)
    for metric in metrics:
        if metric in duty_metrics or metric in survey_metrics:
            continue
        source = _source_for(metric, ordered, as_of, scope, services)
        if source is not None and source.has_assigned:
            for breakdown, by_period in _count_attrition(source, breakdowns, ordered).items():
                found[breakdown][metric.pk] = by_period
            continue
        for breakdown in breakdowns:
            found[breakdown][metric.pk] = (
                {period.start: {} for period in ordered}
                if source is None
                else _count(source, breakdown, ordered)
            )
    return found


def _measure_excluded(metric: MetricDefinition) -> tuple[tuple[str, str], ...]:
    """The reasons a metric's cases leave the denominator, without building its rows."""
    if metric.measure in (Measure.DELIVERED, Measure.ON_TIME):
        return tuple((value, str(label)) for value, label in NotApplicableReason.choices)
    if metric.measure == Measure.SURVEY:
        return _SURVEY_EXCLUDED
    return ()


def _labels(breakdown: str, keys: Iterable[str]) -> list[tuple[str, str]]:
    """(key, label) for every group, in display order; "Not recorded" last."""
    keys = set(keys)
    ordered: list[tuple[str, str]] = []
    if breakdown == "enhanced":
        ordered = [("enhanced", "Enhanced rights"), ("standard", "Standard")]
    elif breakdown == "vawg":
        ordered = [("vawg", "VAWG"), ("not_vawg", "Not VAWG")]
    elif breakdown == "crime_group":
        vawg = sorted(k for k in keys if k.startswith("vawg:"))
        other = sorted(k for k in keys if k.startswith("not_vawg:"))
        ordered = [(k, f"VAWG: {k.partition(':')[2] or NOT_RECORDED}") for k in vawg]
        ordered += [(k, f"Not VAWG: {k.partition(':')[2] or NOT_RECORDED}") for k in other]
    elif breakdown == "local_authority":
        names = dict(LocalAuthority.objects.filter(code__in=keys).values_list("code", "name"))
        ordered = sorted(((k, names.get(k, k)) for k in keys if k), key=lambda pair: pair[1])
    elif breakdown == "sex":
        ordered = [(code, label) for code, label in VICTIM_SEXES]
        ordered += [(k, k) for k in sorted(keys - {code for code, _ in VICTIM_SEXES}) if k]
    elif breakdown == "age_band":
        ordered = [(band, "Unknown" if band == "unknown" else band) for band in AGE_BANDS]
        ordered += [(k, k) for k in sorted(keys - set(AGE_BANDS)) if k]
    elif breakdown == "service":
        ids = [int(k) for k in keys if k]
        services = Service.objects.filter(pk__in=ids).select_related("organisation").order_by("name")
        ordered = [(str(s.pk), f"{s.name} ({s.organisation.name})") for s in services]
    else:  # ethnicity, disability: the values the extract gives
        ordered = [(k, k) for k in sorted(k for k in keys if k)]
    seen = {key for key, _ in ordered}
    ordered += [(k, k) for k in sorted(keys - seen - {""})]
    if "" in keys or breakdown in ("sex", "age_band"):
        ordered.append(("", NOT_RECORDED))
    return ordered


# --- disclosure ---------------------------------------------------------------------------------


class _Disclosure:
    """One threshold for every figure of a result, and the log of what it hid."""

    def __init__(self, threshold: int, table: str) -> None:
        self.threshold = threshold
        self.table = table
        self.hidden: list[HiddenFigure] = []
        # One reason for every hidden figure: `published_reason` says why.
        self.reason = published_reason(threshold)

    def count(self, value: int, *, row: str, column: str) -> int | None:
        """A headline count, hidden on its own when it is from 1 to threshold - 1."""
        result = suppress_series([value], threshold=self.threshold, protect_total=True)
        if result.values[0] is None:
            self.hidden.append(HiddenFigure(self.table, row, column, self.reason))
        return result.values[0]

    def series(self, values: Sequence[int], *, rows: Sequence[str], column: str) -> tuple[int | None, ...]:
        """Counts of groups that add up to a published total: small ones hidden, and one more
        wherever a hidden one could be worked back from the total."""
        result = suppress_series(list(values), threshold=self.threshold, protect_total=True)
        for entry in result.suppressed:
            if entry.row is not None:
                self.hidden.append(HiddenFigure(self.table, rows[entry.row], column, self.reason))
        return result.values


def _figure(
    *,
    key: str,
    label: str,
    counts: Counts,
    shown: dict[str, int | None],
    metric: MetricDefinition,
    source_excluded: tuple[tuple[str, str], ...],
    has_due: bool,
    has_assigned: bool,
    agency: str = "",
) -> Figure:
    numerator, denominator = shown["num"], shown["den"]
    rate = low = high = None
    if numerator is not None and denominator is not None and counts.denominator > 0:
        rate = counts.numerator / counts.denominator
        interval = wilson_interval(counts.numerator, counts.denominator)
        if interval is not None:
            low, high = interval
    excluded = tuple((reason, text, shown.get(f"x_{reason}")) for reason, text in source_excluded)
    return Figure(
        key=key,
        label=label,
        numerator=numerator,
        denominator=denominator,
        rate=rate,
        ci_low=low,
        ci_high=high,
        rag=rag_for(rate, polarity=metric.polarity, green=metric.rag_green_min, amber=metric.rag_amber_min),
        excluded=excluded,
        excluded_total=shown.get("x_total"),
        not_yet_due=shown.get("nyd") if has_due else None,
        not_yet_assigned=shown.get("nya") if has_assigned else None,
        agency=agency,
        empty=counts.denominator == 0,
        _true=(counts.numerator, counts.denominator),
    )


_COLUMNS = {"num": "Numerator", "den": "Denominator", "nyd": "Not yet due", "nya": NOT_YET_ASSIGNED}


def _columns(counts: Counts, excluded: tuple[tuple[str, str], ...]) -> dict[str, int]:
    values = {
        "num": counts.numerator,
        "den": counts.denominator,
        "nyd": counts.not_yet_due,
        "nya": counts.not_yet_assigned,
        "x_total": sum(counts.excluded.values()),
    }
    for reason, _ in excluded:
        values[f"x_{reason}"] = counts.excluded.get(reason, 0)
    return values


def _column_name(name: str, excluded: dict[str, str]) -> str:
    if name == "x_total":
        return "Left out of the denominator"
    if name.startswith("x_"):
        return f"Left out: {excluded.get(name[2:], name[2:])}"
    return _COLUMNS[name]


def _suppressed_overall(
    counts: Counts, excluded: tuple[tuple[str, str], ...], disclosure: _Disclosure, label: str
) -> dict[str, int | None]:
    """The overall figure: each count a headline, hidden on its own when small; the reasons of
    exclusion a series whose total is the excluded total."""
    names = dict(excluded)
    values = _columns(counts, excluded)
    shown: dict[str, int | None] = {}
    for name in ("num", "den", "nyd", "nya", "x_total"):
        shown[name] = disclosure.count(values[name], row=label, column=_column_name(name, names))
    reasons = [reason for reason, _ in excluded]
    if reasons:
        hidden = disclosure.series(
            [values[f"x_{r}"] for r in reasons],
            rows=[f"{label}: {names[r]}" for r in reasons],
            column="Left out of the denominator",
        )
        shown.update({f"x_{r}": v for r, v in zip(reasons, hidden, strict=True)})
    return shown


def _suppressed_groups(
    groups: list[tuple[str, str, Counts]], excluded: tuple[tuple[str, str], ...], disclosure: _Disclosure
) -> list[dict[str, int | None]]:
    """Each column of the group rows a series whose total is the overall figure's."""
    names = dict(excluded)
    columns = ["num", "den", "nyd", "nya", "x_total", *(f"x_{r}" for r, _ in excluded)]
    shown: list[dict[str, int | None]] = [{} for _ in groups]
    labels = [label for _, label, _ in groups]
    for column in columns:
        values = [_columns(counts, excluded)[column] for _, _, counts in groups]
        for index, value in enumerate(
            disclosure.series(values, rows=labels, column=_column_name(column, names))
        ):
            shown[index][column] = value
    return shown


# --- aggregate returns --------------------------------------------------------------------------


def aggregate_return_lines(
    *, user: Any, period: MetricPeriod, metric_ids: Iterable[int]
) -> dict[int, tuple[list[dict[str, Any]], bool]]:
    """The agencies' return lines for the metrics and a period, in two queries: per metric, the
    lines summed per agency, dimension and value (returns whose quarter lies inside the
    period), and whether any of its returns there is not yet accepted."""
    ids = list(metric_ids)
    returns = AggregateReturn.objects.visible_to(user).filter(
        period_start__gte=period.start, period_end__lte=period.end
    )
    grouped = (
        AggregateReturnLine.objects.filter(aggregate_return__in=returns, metric_id__in=ids)
        .values("metric_id", "aggregate_return__agency_name", "dimension", "value")
        .annotate(num=Sum("numerator"), den=Sum("denominator"), na=Sum("not_applicable"))
        .order_by("metric_id", "aggregate_return__agency_name", "dimension", "value")
    )
    found: dict[int, tuple[list[dict[str, Any]], bool]] = {pk: ([], False) for pk in ids}
    for row in grouped:
        found[row["metric_id"]][0].append(dict(row))
    pending = set(
        AggregateReturnLine.objects.filter(
            aggregate_return__in=returns.exclude(status=AggregateReturn.Status.ACCEPTED), metric_id__in=ids
        ).values_list("metric_id", flat=True)
    )
    return {pk: (rows, pk in pending) for pk, (rows, _) in found.items()}


def _aggregate_rows(
    metric: MetricDefinition,
    period: MetricPeriod,
    breakdown: str,
    user: Any,
    disclosure: _Disclosure,
    reader: RollupReader | None = None,
) -> tuple[list[Figure], list[str]]:
    """The agencies' own figures for the metric: per agency (summed over its returns in the
    period), its total and, if it gave them, its lines for the breakdown; then the sum of the
    agencies' totals."""
    if reader is not None:
        lines, pending = reader.aggregate_lines(metric=metric, period=period)
    else:
        lines, pending = aggregate_return_lines(user=user, period=period, metric_ids=[metric.pk])[metric.pk]
    notes: list[str] = []
    if pending:
        notes.append("Some agencies' returns for this period are not yet accepted by the OPCC.")
    totals: list[tuple[str, Counts]] = []
    by_agency: dict[str, list[tuple[str, Counts]]] = {}
    for row in lines:
        agency = row["aggregate_return__agency_name"]
        counts = Counts(
            numerator=int(row["num"] or 0),
            denominator=int(row["den"] or 0),
            excluded={"not_applicable": int(row["na"] or 0)},
        )
        if row["dimension"] == "all" and not row["value"]:
            totals.append((agency, counts))
        elif row["dimension"] == breakdown and breakdown != "none":
            by_agency.setdefault(agency, []).append((row["value"] or NOT_RECORDED, counts))
    excluded = (("not_applicable", "Not applicable"),)
    figures: list[Figure] = []
    if totals:
        shown = _suppressed_groups([(a, f"{a} (agency return)", c) for a, c in totals], excluded, disclosure)
        for (agency, counts), values in zip(totals, shown, strict=True):
            figures.append(
                _figure(
                    key=f"agency:{agency}",
                    label=f"{agency}: total",
                    counts=counts,
                    shown=values,
                    metric=metric,
                    source_excluded=excluded,
                    has_due=False,
                    has_assigned=False,
                    agency=agency,
                )
            )
            lines_of = by_agency.get(agency, [])
            if lines_of:
                line_shown = _suppressed_groups(
                    [(v, f"{agency}: {v}", c) for v, c in lines_of], excluded, disclosure
                )
                for (value, counts_line), values_line in zip(lines_of, line_shown, strict=True):
                    figures.append(
                        _figure(
                            key=f"agency:{agency}:{value}",
                            label=f"{agency}: {value}",
                            counts=counts_line,
                            shown=values_line,
                            metric=metric,
                            source_excluded=excluded,
                            has_due=False,
                            has_assigned=False,
                            agency=agency,
                        )
                    )
        if len(totals) > 1:
            combined = Counts()
            for _, counts in totals:
                combined.add(counts)
            label = "All agencies' returns"
            shown_total = _suppressed_overall(combined, excluded, disclosure, label)
            figures.append(
                _figure(
                    key="agency:all",
                    label=label,
                    counts=combined,
                    shown=shown_total,
                    metric=metric,
                    source_excluded=excluded,
                    has_due=False,
                    has_assigned=False,
                    agency="All agencies",
                )
            )
    return figures, notes


# --- the selectors ------------------------------------------------------------------------------

_EXCLUDED_HEADINGS: dict[str, str] = {
    Measure.SURVEY: "Left out of the denominator (don't know, not answered)",
    Measure.ATTRITION: "Left out of the denominator",
}


def _reader(rollup: RollupReader | bool, user: Any) -> RollupReader | None:
    """The reader a selector uses: the one given, a new one (True), or none: count live."""
    if rollup is True:
        from .rollup import RollupReader

        return RollupReader(user=user)
    return rollup or None


def _period_counts(
    *,
    metric: MetricDefinition,
    period: MetricPeriod,
    breakdown: str,
    as_of: date,
    user: Any,
    services: QuerySet[Service] | None,
    reader: RollupReader | None,
) -> tuple[Counts, dict[str, Counts]]:
    """The overall counts and the groups' for one period: from a fresh rollup when the reader
    has them, otherwise counted now."""
    if reader is not None and services is None:
        overall = reader.counts(metric=metric, period=period, breakdown="none", as_of=as_of)
        groups = (
            reader.counts(metric=metric, period=period, breakdown=breakdown, as_of=as_of)
            if breakdown != "none"
            else {}
        )
        if overall is not None and groups is not None:
            return overall[""], groups
    scope = Scope(user=user)
    total = metric_counts(
        metric=metric, periods=[period], breakdown="none", as_of=as_of, scope=scope, services=services
    )[period.start][""]
    if breakdown == "none":
        return total, {}
    return total, metric_counts(
        metric=metric, periods=[period], breakdown=breakdown, as_of=as_of, scope=scope, services=services
    )[period.start]


def _result(
    *,
    user: Any,
    metric: MetricDefinition,
    period: MetricPeriod,
    breakdown: str,
    as_of: date,
    threshold: int,
    services: QuerySet[Service] | None = None,
    with_aggregate: bool = True,
    reader: RollupReader | None = None,
) -> MetricResult:
    if breakdown not in breakdowns_for(metric):
        allowed = ", ".join(breakdowns_for(metric))
        raise ValueError(f"{metric.code} cannot be broken down by {breakdown!r}: choose one of {allowed}.")
    disclosure = _Disclosure(threshold, f"{metric.code} {metric.name}")
    notes: list[str] = []
    groups: list[Figure] = []
    excluded = _measure_excluded(metric)
    if metric.measure == Measure.AGGREGATE_ONLY:
        overall = _figure(
            key="",
            label="All",
            counts=Counts(),
            shown={"num": 0, "den": 0},
            metric=metric,
            source_excluded=(),
            has_due=False,
            has_assigned=False,
        )
        notes.append(
            "Waymark has no case-level evidence for this metric: it comes from agencies' returns only."
        )
    else:
        has_due = metric.measure in (Measure.ON_TIME, Measure.PROVIDER_FIRST_CONTACT)
        has_assigned = metric.measure == Measure.ATTRITION
        total, counted = _period_counts(
            metric=metric,
            period=period,
            breakdown=breakdown,
            as_of=as_of,
            user=user,
            services=services,
            reader=reader,
        )
        overall = _figure(
            key="",
            label="All",
            counts=total,
            shown=_suppressed_overall(total, excluded, disclosure, "All"),
            metric=metric,
            source_excluded=excluded,
            has_due=has_due,
            has_assigned=has_assigned,
        )
        if breakdown != "none":
            rows = [(key, label, counted.get(key, Counts())) for key, label in _labels(breakdown, counted)]
            for (key, label, counts), shown in zip(
                rows, _suppressed_groups(rows, excluded, disclosure), strict=True
            ):
                groups.append(
                    _figure(
                        key=key,
                        label=label,
                        counts=counts,
                        shown=shown,
                        metric=metric,
                        source_excluded=excluded,
                        has_due=has_due,
                        has_assigned=has_assigned,
                    )
                )
    aggregate: list[Figure] = []
    if with_aggregate:
        aggregate, aggregate_notes = _aggregate_rows(metric, period, breakdown, user, disclosure, reader)
        notes += aggregate_notes
    heading = _EXCLUDED_HEADINGS.get(metric.measure, "Not applicable (left out of the denominator)")
    if not excluded:
        heading = ""
    return MetricResult(
        metric=metric,
        period=period,
        breakdown=breakdown,
        as_of=as_of,
        threshold=threshold,
        overall=overall,
        groups=tuple(groups),
        aggregate=tuple(aggregate),
        excluded_heading=heading,
        hidden=tuple(disclosure.hidden),
        notes=tuple(notes),
    )


def metric_result(
    *,
    user: Any,
    metric: MetricDefinition,
    period: MetricPeriod,
    breakdown: str = "none",
    as_of: date | None = None,
    threshold: int | None = None,
    rollup: RollupReader | bool = True,
) -> MetricResult:
    """One metric for a period and breakdown, after disclosure control (operational threshold
    unless told otherwise). `as_of` defaults to `default_as_of(metric)`. The counts come from a
    fresh rollup where there is one (`rollup`: a reader shared by a page's calls, True for a
    new one, False to count live), else are counted now: the figures are the same.
    PermissionDenied for anyone without `victims_code.view_compliance`; ValueError for a
    breakdown the metric does not have.
    """
    ensure_may_view_compliance(user)
    return _result(
        user=user,
        metric=metric,
        period=period,
        breakdown=breakdown,
        as_of=as_of or default_as_of(metric),
        threshold=threshold or default_threshold(Audience.OPERATIONAL),
        reader=_reader(rollup, user),
    )


def metric_trend(
    *,
    user: Any,
    metric: MetricDefinition,
    quarters: Sequence[FinancialQuarter],
    as_of: date | None = None,
    rollup: RollupReader | bool = True,
) -> list[Figure]:
    """The metric's overall figure for each quarter (oldest first), each exactly as
    `metric_result` gives it for that quarter: from a fresh rollup when it holds every quarter,
    else one grouped query over the whole span."""
    ensure_may_view_compliance(user)
    as_of = as_of or default_as_of(metric)
    threshold = default_threshold(Audience.OPERATIONAL)
    if not quarters:
        return []
    periods = [MetricPeriod.quarter(quarter) for quarter in quarters]
    if metric.measure == Measure.AGGREGATE_ONLY:
        return [
            _result(
                user=user,
                metric=metric,
                period=period,
                breakdown="none",
                as_of=as_of,
                threshold=threshold,
                with_aggregate=False,
            ).overall
            for period in periods
        ]
    reader = _reader(rollup, user)
    rolled = [
        reader.counts(metric=metric, period=period, breakdown="none", as_of=as_of) if reader else None
        for period in periods
    ]
    if all(found is not None for found in rolled):
        counted = {period.start: found or {} for period, found in zip(periods, rolled, strict=True)}
    else:
        counted = metric_counts(
            metric=metric, periods=periods, breakdown="none", as_of=as_of, scope=Scope(user=user)
        )
    excluded = _measure_excluded(metric)
    figures: list[Figure] = []
    for period in periods:
        counts = counted[period.start][""]
        disclosure = _Disclosure(threshold, f"{metric.code} {metric.name}")
        figures.append(
            _figure(
                key=period.label,
                label=period.label,
                counts=counts,
                shown=_suppressed_overall(counts, excluded, disclosure, "All"),
                metric=metric,
                source_excluded=excluded,
                has_due=metric.measure in (Measure.ON_TIME, Measure.PROVIDER_FIRST_CONTACT),
                has_assigned=metric.measure == Measure.ATTRITION,
            )
        )
    return figures


def provider_services(user: Any) -> QuerySet[Service]:
    """The services of the organisations where `user` is a provider manager."""
    organisations = organisation_ids_with_role(user, [Role.PROVIDER_MANAGER])
    return Service.objects.filter(organisation_id__in=organisations).order_by("name")


def provider_metrics_for(*, user: Any, period: MetricPeriod, as_of: date | None = None) -> list[MetricResult]:
    """M28 (commissioned service first contact on time) for the provider manager's own services
    only, per service, after disclosure control: the only compliance figure a provider sees.
    PermissionDenied for anyone who manages no service."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Sign in as a provider manager.")
    services = provider_services(user)
    if not services.exists():
        raise PermissionDenied("Only a provider's managers see its services' metrics.")
    metrics = MetricDefinition.objects.filter(
        measure=Measure.PROVIDER_FIRST_CONTACT, active=True, code_version__status="in_force"
    ).order_by("code")
    return [
        _result(
            user=user,
            metric=metric,
            period=period,
            breakdown="service",
            as_of=as_of or timezone.localdate(),
            threshold=default_threshold(Audience.OPERATIONAL),
            services=services,
            with_aggregate=False,
        )
        for metric in metrics
    ]


# --- the equity view ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupGap:
    """One group of a breakdown against everyone else in it: the gap in percentage points
    (group minus the rest) and its 95% interval; None where the group's figure is hidden or
    either side has nobody."""

    group: Figure
    gap_points: float | None
    low_points: float | None
    high_points: float | None

    @property
    def display_gap(self) -> str:
        if self.gap_points is None:
            return HIDDEN_MARKER if self.group.hidden else "no comparison"
        return f"{self.gap_points:+.1f} points"

    @property
    def display_interval(self) -> str:
        if self.low_points is None or self.high_points is None:
            return ""
        return f"{self.low_points:+.1f} to {self.high_points:+.1f} points"

    @property
    def clear(self) -> bool:
        """True when the interval leaves out zero: a gap unlikely to be chance alone."""
        return (
            self.low_points is not None
            and self.high_points is not None
            and (self.low_points > 0 or self.high_points < 0)
        )


@dataclass(frozen=True)
class EquityRow:
    """A metric's figures for the groups of one breakdown, each against the rest."""

    result: MetricResult
    gaps: tuple[GroupGap, ...]


EQUITY_MEASURES = (Measure.DELIVERED, Measure.ON_TIME, Measure.ATTRITION, Measure.SURVEY)


def equity_gaps(
    *,
    user: Any,
    period: MetricPeriod,
    breakdown: str,
    as_of: date | None = None,
    rollup: RollupReader | bool = True,
) -> list[EquityRow]:
    """For every active case-level metric of the Code in force: each group of `breakdown`
    against the rest of the breakdown (group rate minus the rate of everyone else), with
    Newcombe's interval. A gap is shown only where the group's own figure is shown."""
    ensure_may_view_compliance(user)
    if breakdown not in EQUITY_BREAKDOWNS:
        raise ValueError(f"{breakdown!r} is not a breakdown the equity view compares.")
    rows: list[EquityRow] = []
    as_of = as_of or evidence_as_of()  # the force's evidence only: no metric of M28's kind here
    chosen = list(active_metrics().filter(measure__in=EQUITY_MEASURES))
    reader = _reader(rollup, user)
    if reader is not None:
        reader.preload(metrics=chosen, periods=[period], breakdowns=[breakdown])
        reader.preload_aggregate_lines(metrics=chosen, period=period)
    for metric in chosen:
        result = metric_result(
            user=user,
            metric=metric,
            period=period,
            breakdown=breakdown,
            as_of=as_of,
            rollup=reader or False,
        )
        total_num, total_den = result.overall._true
        gaps: list[GroupGap] = []
        for group in result.groups:
            num, den = group._true
            found = None
            if not group.hidden and group.rate is not None and result.overall.rate is not None:
                found = gap_interval((num, den), (total_num - num, total_den - den))
            if found is None:
                gaps.append(GroupGap(group, None, None, None))
            else:
                gap, low, high = found
                gaps.append(GroupGap(group, gap * 100, low * 100, high * 100))
        rows.append(EquityRow(result=result, gaps=tuple(gaps)))
    return rows


def active_metrics() -> QuerySet[MetricDefinition]:
    """The active metric definitions of the Code in force, in code order."""
    return (
        MetricDefinition.objects.filter(active=True, code_version__status="in_force")
        .select_related("right", "code_version")
        .prefetch_related("entitlements")
        .order_by("code")
    )


# --- the quarterly return -----------------------------------------------------------------------

# The MoJ's five key areas (research/victims-code.md §2.2, from Kent Police's description).
MOJ_KEY_AREAS: dict[int, str] = {
    1: "Received written acknowledgement of the crime report",
    2: "Referred to support services",
    3: "Updated within the stated timeframes",
    4: "Given the opportunity to make a Victim Personal Statement",
    5: "Told about the offender's release date in advance",
}


@dataclass(frozen=True)
class QuarterlyReturn:
    """The five MoJ key areas for one quarter: each area's metrics, overall and by enhanced or
    standard rights, with the agencies' own figures."""

    quarter: FinancialQuarter
    as_of: date
    threshold: int
    areas: tuple[tuple[int, str, tuple[MetricResult, ...]], ...]
    generated_at: datetime

    def rows(self) -> list[list[Any]]:
        """The return as rows of cells: a heading block, then one row per figure, then the
        hidden figures. Hidden figures are None (written as [c])."""
        rows: list[list[Any]] = [
            ["Victims' Code compliance: quarterly return in the MoJ's five key areas"],
            ["Quarter", self.quarter.label],
            ["Quarter runs", self.quarter.start.isoformat(), self.quarter.end.isoformat()],
            ["Evidence as of", self.as_of.isoformat()],
            ["Produced", timezone.localtime(self.generated_at).isoformat(timespec="minutes")],
            [
                "Figures",
                f"Counts from 1 to {self.threshold - 1} are hidden ({HIDDEN_MARKER}), with one more "
                "figure wherever a hidden one could be worked out from a total.",
            ],
            [],
            list(RETURN_HEADER),
        ]
        hidden: list[HiddenFigure] = []
        for number, title, results in self.areas:
            if not results:
                rows.append([number, title, "", "No metric is defined for this key area", *[""] * 9])
            for result in results:
                hidden += result.hidden
                for figure in (result.overall, *result.groups, *result.aggregate):
                    rows.append(_return_row(number, title, result, figure))
        rows += [[], ["Hidden figures"], ["Metric", "Row", "Column", "Why"]]
        rows += [[h.table, h.row, h.column, h.reason] for h in hidden] or [["None"]]
        return rows


RETURN_HEADER = (
    "Key area",
    "Key area title",
    "Metric",
    "Metric name",
    "Group",
    "Numerator",
    "Denominator",
    "Rate (%)",
    "95% interval from (%)",
    "95% interval to (%)",
    "RAG",
    "Left out of the denominator",
    "Not yet due",
)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _return_row(number: int, title: str, result: MetricResult, figure: Figure) -> list[Any]:
    group = "All (case-level records)" if figure is result.overall else figure.label
    if figure.agency:
        group = f"Agency return: {figure.label}"
    return [
        number,
        title,
        result.metric.code,
        result.metric.name,
        group,
        figure.numerator,
        figure.denominator,
        _percent(figure.rate) if not figure.empty else "no cases",
        _percent(figure.ci_low),
        _percent(figure.ci_high),
        figure.rag.label,
        figure.excluded_total,
        figure.not_yet_due,
    ]


def quarterly_return(
    *,
    user: Any,
    quarter: FinancialQuarter,
    as_of: date | None = None,
    rollup: RollupReader | bool = True,
) -> QuarterlyReturn:
    """The quarterly return: every active metric with an MoJ key area (1 to 5), overall and by
    enhanced or standard rights, after disclosure control."""
    ensure_may_view_compliance(user)
    period = MetricPeriod.quarter(quarter)
    as_of = as_of or evidence_as_of()
    by_area: dict[int, list[MetricResult]] = {number: [] for number in MOJ_KEY_AREAS}
    chosen = list(active_metrics().filter(moj_key_area__isnull=False))
    reader = _reader(rollup, user)
    if reader is not None:
        reader.preload(metrics=chosen, periods=[period], breakdowns=["enhanced"])
        reader.preload_aggregate_lines(metrics=chosen, period=period)
    for metric in chosen:
        breakdown = "enhanced" if "enhanced" in breakdowns_for(metric) else "none"
        by_area.setdefault(int(metric.moj_key_area or 0), []).append(
            metric_result(
                user=user,
                metric=metric,
                period=period,
                breakdown=breakdown,
                as_of=as_of,
                rollup=reader or False,
            )
        )
    return QuarterlyReturn(
        quarter=quarter,
        as_of=as_of,
        threshold=default_threshold(Audience.OPERATIONAL),
        areas=tuple(
            (number, MOJ_KEY_AREAS.get(number, f"Key area {number}"), tuple(results))
            for number, results in sorted(by_area.items())
        ),
        generated_at=timezone.now(),
    )


def quarterly_return_csv(result: QuarterlyReturn) -> str:
    """The return as CSV text (hidden figures `[c]`), for `waymark.core.csv_download`."""
    from waymark.core.csv_download import csv_text

    return csv_text(result.rows())


def quarterly_return_xlsx(result: QuarterlyReturn) -> bytes:
    """The return as an Excel workbook: the same cells as the CSV, hidden figures `[c]`."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from waymark.core.csv_download import spreadsheet_safe

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Quarterly return"
    for row in result.rows():
        sheet.append(
            [
                HIDDEN_MARKER
                if cell is None and index >= 5
                else spreadsheet_safe(cell)
                if isinstance(cell, str)
                else cell
                for index, cell in enumerate(row)
            ]
        )
    sheet.cell(row=1, column=1).font = Font(bold=True)
    for cell in sheet[8]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["B"].width = 45
    sheet.column_dimensions["D"].width = 40
    sheet.column_dimensions["E"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
