"""The metric rollup: what it stores, that pages read it only when it is fresh, and that every
figure read from it is exactly the figure counted live.

Today is frozen at 20 July 2025 (2025/26 Q2) unless a test moves it; the duties were extracted
on 15 July 2025, the "as of" date of every figure here.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waymark.core.periods import FinancialQuarter
from waymark.crime.metrics import AGE_BANDS
from waymark.crime.models import ForceExtractImport
from waymark.crime.tests.metric_fixtures import BIRMINGHAM, COVENTRY, west_midlands
from waymark.victims_code.metrics import (
    EQUITY_BREAKDOWNS,
    MetricPeriod,
    breakdowns_for,
    equity_gaps,
    evidence_as_of,
    metric_result,
    metric_trend,
    quarterly_return,
)
from waymark.victims_code.models import (
    CodeDuty,
    Entitlement,
    MetricDefinition,
    MetricRollup,
    SurveyInvitation,
)
from waymark.victims_code.rollup import (
    QUARTERS_BACK,
    RollupReader,
    metrics_rollup,
    rolled_up_metrics,
    rollup_quarters,
)

from .metric_support import (
    EXTRACTED,
    aggregate_return,
    duty,
    metric,
    recompute,
    survey_response,
    victim_crime,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 7, 20, 12)
QUARTERS = ("2024/25 Q4", "2025/26 Q1", "2025/26 Q2")
# A quarter inside the rollup with no evidence at all: its figures are empty either way.
EMPTY_QUARTER = "2023/24 Q1"
Q1 = MetricPeriod.quarter("2025/26 Q1")
SURVEY_QUESTIONS = (
    "ease_of_contact",
    "actions_taken",
    "kept_informed",
    "treatment",
    "whole_experience",
)
SATISFACTION = ("completely_satisfied", "very_satisfied", "fairly_satisfied", "neither", "very_dissatisfied")
YES_NO = ("yes", "no", "dont_know", "")


@pytest.fixture(autouse=True)
def clock(db: Any) -> Any:
    """Today frozen; the seeded definitions last changed before it (the migration that seeded
    them ran on the real day, which would make every rollup of the frozen day look stale)."""
    MetricDefinition.objects.update(updated_at=datetime(2025, 1, 1, tzinfo=UTC))
    Entitlement.objects.update(updated_at=datetime(2025, 1, 1, tzinfo=UTC))
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def build(seed: int = 7, pairs: int = 70) -> None:
    """A dataset that reaches every measure and breakdown: victim-crime pairs with varied
    characteristics (some without a victim row, local authority or sex), each with duties of
    several metrics' entitlements triggered from January to mid-July 2025, delivered on time,
    late, not at all, or documented as not applicable; crimes with outcomes 1, 14, 16 or none;
    survey answers to every question; and an agency's return."""
    rng = random.Random(seed)
    entitlements = sorted(
        {
            code
            for definition in rolled_up_metrics()
            for code in definition.entitlements.values_list("code", flat=True)
        }
    )
    crimes = []
    for index in range(pairs):
        recorded = date(2024, 12, 1) + timedelta(days=rng.randrange(200))
        code, vawg = rng.choice([("19C", True), ("8Q", True), ("8N", False), ("49", False)])
        outcome = rng.choice([0, 0, 1, 14, 16, 9])
        crime, victim_ref = victim_crime(
            recorded=recorded,
            code=code,
            vawg=vawg,
            local_authority=rng.choice([BIRMINGHAM, BIRMINGHAM, COVENTRY, None]),
            sex=rng.choice(["F", "F", "M", "X", ""]),
            age_band=rng.choice([*AGE_BANDS[2:6], ""]),
            ethnicity=rng.choice(["White", "Asian", "Black", ""]),
            disability=rng.choice(["Y", "N", ""]),
            enhanced_rights=rng.choice(["", "", "vulnerable", "intimidated"]),
            outcome=outcome,
            outcome_on=recorded + timedelta(days=rng.randrange(10, 150)) if outcome else None,
        )
        if index % 9 == 0:
            victim_ref = f"{victim_ref}-NOT-IN-EXTRACT"  # the duty's victim is not listed: "Not recorded"
        crimes.append((crime, victim_ref))
        for code_of in rng.sample(entitlements, k=min(len(entitlements), 6)):
            triggered = date(2025, 1, 2) + timedelta(days=rng.randrange(194))
            fate = rng.random()
            duty(
                code_of,
                crime=crime,
                victim_ref=victim_ref,
                triggered=triggered,
                received=triggered + timedelta(days=rng.randrange(3)),
                enhanced=rng.random() < 0.3,
                delivered=triggered + timedelta(days=rng.randrange(8)) if fate < 0.65 else None,
                not_applicable=rng.choice(["victim_declined", "unable_to_contact", "not_eligible"])
                if fate > 0.85
                else "",
            )
    recompute()
    for crime, victim_ref in crimes[:45]:
        answers = {question: rng.choice([*SATISFACTION, "dont_know", ""]) for question in SURVEY_QUESTIONS}
        for question in (
            "would_report_again",
            "aware_of_code",
            "recall_written_confirmation",
            "recall_referral_offer",
            "recall_vps_offer",
            "recall_updates",
        ):
            answers[question] = rng.choice(YES_NO)
        answers["confidence"] = rng.choice(["very", "fairly", "not_very", "dont_know", ""])
        survey_response(
            submitted=date(2025, 1, 6) + timedelta(days=rng.randrange(190)),
            crime=crime,
            victim_ref=victim_ref.removesuffix("-NOT-IN-EXTRACT"),
            **answers,
        )
    aggregate_return(
        agency_name="West Midlands Witness Care Unit",
        agency_type="witness_care",
        start=Q1.start,
        end=Q1.end,
        lines=[("M14", "all", "", 40, 50, 3), ("M14", "enhanced", "enhanced", 12, 15, 1)],
    )


def analyst(world: Any) -> Any:
    return world.member("opcc_analyst")


# --- the rollup and live counting agree ----------------------------------------------------------


def test_every_metric_and_breakdown_reads_the_same_from_the_rollup_as_counted_live(world: Any) -> None:
    """Every rolled-up metric, every breakdown, three quarters with evidence and one without:
    the result read from the rollup (numerators, denominators, rates, intervals, ratings, what
    was left out and why, not yet due, not yet assigned, the agencies' rows, and which figures
    disclosure control hid and why) equals the one counted live, at the operational threshold
    and with nothing hidden."""
    build()
    summary = metrics_rollup(police_force_area=west_midlands())
    assert summary.rows == MetricRollup.objects.count() > 0
    user = analyst(world)
    reader = RollupReader(user=user)
    assert reader.fresh
    compared = shown = hidden = 0
    for definition in rolled_up_metrics():
        for breakdown in breakdowns_for(definition):
            for label in (*QUARTERS, EMPTY_QUARTER):
                period = MetricPeriod.quarter(label)
                for threshold in (None, 1) if label == "2025/26 Q1" else (None,):
                    live = metric_result(
                        user=user,
                        metric=definition,
                        period=period,
                        breakdown=breakdown,
                        threshold=threshold,
                        rollup=False,
                    )
                    assert (
                        reader.counts(metric=definition, period=period, breakdown=breakdown, as_of=live.as_of)
                        is not None
                    ), (definition.code, breakdown, label)
                    rolled = metric_result(
                        user=user,
                        metric=definition,
                        period=period,
                        breakdown=breakdown,
                        threshold=threshold,
                        rollup=reader,
                    )
                    assert rolled == live, (definition.code, breakdown, label, threshold)
                    compared += 1
                    figures = (live.overall, *live.groups)
                    shown += sum(1 for figure in figures if figure.rate is not None)
                    hidden += len(live.hidden)
    # The comparison is not of empty results: many figures are shown, many hidden.
    assert compared > 900
    assert shown > 300
    assert hidden > 300


def test_the_trend_the_equity_view_and_the_return_read_the_same_from_the_rollup(world: Any) -> None:
    build(seed=11)
    metrics_rollup(police_force_area=west_midlands())
    user = analyst(world)
    quarters = [FinancialQuarter.parse(label) for label in QUARTERS]
    for definition in rolled_up_metrics():
        assert metric_trend(user=user, metric=definition, quarters=quarters, rollup=True) == metric_trend(
            user=user, metric=definition, quarters=quarters, rollup=False
        ), definition.code
    for breakdown in EQUITY_BREAKDOWNS:
        rolled = equity_gaps(user=user, period=Q1, breakdown=breakdown)
        assert rolled == equity_gaps(user=user, period=Q1, breakdown=breakdown, rollup=False)
        assert any(gap.gap_points is not None for row in rolled for gap in row.gaps)
    quarter = FinancialQuarter.parse("2025/26 Q1")
    rolled_return = quarterly_return(user=user, quarter=quarter)
    assert rolled_return == quarterly_return(user=user, quarter=quarter, rollup=False)
    assert "West Midlands Witness Care Unit: total" not in str(rolled_return.rows())  # M14 has no key area


# --- what the rollup stores ---------------------------------------------------------------------


def rows_of(
    code: str, label: str, breakdown: str = "none"
) -> dict[str, tuple[int, int, int, dict[str, int]]]:
    period = MetricPeriod.quarter(label)
    return {
        row.group_key: (row.numerator, row.denominator, row.not_yet_due, row.excluded)
        for row in MetricRollup.objects.filter(
            metric=metric(code), period_start=period.start, period_end=period.end, breakdown=breakdown
        )
    }


def test_the_rollup_stores_raw_counts_before_disclosure_control(world: Any) -> None:
    """Twelve M05 referral duties reported Tue 1 April 2025 (due Thu 3 April): 3 enhanced, on
    time; 9 standard, 7 on time and 2 late (4 April); one more declined by the victim; and one
    reported Mon 14 July, open, due Wed 16 July, after the as-of date of 15 July: not yet due in
    2025/26 Q2. Each duty is on a crime of its own recorded on its trigger day, none with an
    outcome: 13 pairs not yet assigned an outcome at the end of Q1, 14 at the end of Q2.

    So M05 in Q1: 10 of 12 with 1 victim_declined; enhanced 3 of 3 and standard 7 of 9, stored
    as they are although 3 is below the threshold of 5. M05 in Q2: 0 of 0, 1 not yet due.
    M22 in Q1: 0 of 0, 13 not yet assigned (in the one column for open cases)."""
    for _ in range(3):
        duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 3), enhanced=True)
    for index in range(9):
        delivered = date(2025, 4, 3) if index < 7 else date(2025, 4, 4)
        duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=delivered)
    duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), not_applicable="victim_declined")
    duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 7, 14))
    recompute()
    summary = metrics_rollup(police_force_area=west_midlands())
    assert summary.as_of == EXTRACTED == date(2025, 7, 15)
    assert rows_of("M05", "2025/26 Q1") == {"": (10, 12, 0, {"victim_declined": 1})}
    assert rows_of("M05", "2025/26 Q1", "enhanced") == {
        "enhanced": (3, 3, 0, {}),
        "standard": (7, 9, 0, {"victim_declined": 1}),
    }
    assert rows_of("M05", "2025/26 Q2") == {"": (0, 0, 1, {})}
    assert rows_of("M22", "2025/26 Q1") == {"": (0, 0, 13, {})}
    assert rows_of("M22", "2025/26 Q2") == {"": (0, 0, 14, {})}
    # Every quarter of the rollup has its overall row, with evidence or not.
    quarters = rollup_quarters(police_force_area=west_midlands())
    assert quarters[0] == FinancialQuarter.parse("2020/21 Q3")  # 20 quarters to 2025/26 Q2
    assert len(quarters) == QUARTERS_BACK
    assert MetricRollup.objects.filter(metric=metric("M05"), breakdown="none").count() == QUARTERS_BACK
    assert not MetricRollup.objects.filter(metric__measure=MetricDefinition.Measure.PROVIDER_FIRST_CONTACT)


def test_the_rollup_reaches_back_to_the_first_evidence_and_replaces_the_areas_rows(world: Any) -> None:
    duty("R4.SUPPORT_REFERRAL", triggered=date(2019, 5, 1), delivered=date(2019, 5, 2))
    recompute()
    first = metrics_rollup(police_force_area=west_midlands())
    assert (first.quarters[0], first.quarters[-1]) == ("2019/20 Q1", "2025/26 Q2")
    count = MetricRollup.objects.count()
    assert metrics_rollup(police_force_area=west_midlands()).rows == count == MetricRollup.objects.count()
    # Only the given quarters are replaced: the others keep their rows (and their time).
    MetricRollup.objects.update(computed_at=datetime(2025, 7, 1, tzinfo=UTC))
    only = metrics_rollup(police_force_area=west_midlands(), periods=[FinancialQuarter.parse("2019/20 Q1")])
    assert only.quarters == ("2019/20 Q1",)
    assert MetricRollup.objects.count() == count
    renewed = MetricRollup.objects.filter(period_start=date(2019, 4, 1))
    assert {row.computed_at.date() for row in renewed} == {date(2025, 7, 20)}
    assert rows_of("M05", "2019/20 Q1") == {"": (1, 1, 0, {})}


# --- when pages read it -------------------------------------------------------------------------


def test_a_newer_import_makes_the_rollup_stale_and_pages_count_live(world: Any, clock: Any) -> None:
    """After the rollup, a new duties file changes a duty and the Q1 figure: the page shows the
    new figure (counted live), not the rollup's."""
    for _ in range(6):
        duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 3))
    late = duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 3))
    recompute()
    metrics_rollup(police_force_area=west_midlands())
    user = analyst(world)
    assert RollupReader(user=user).fresh
    assert metric_result(user=user, metric=metric("M05"), period=Q1, threshold=1).overall.numerator == 7

    clock.shift(timedelta(hours=1))
    CodeDuty.objects.filter(pk=late.pk).update(delivered_on=date(2025, 4, 30))
    ForceExtractImport.objects.create(
        police_force_area=west_midlands(),
        kind=ForceExtractImport.Kind.CODE_DUTIES,
        file_name="code-duties.csv",
        sha256="0" * 64,
        extracted_on=EXTRACTED,
    )
    reader = RollupReader(user=user)
    assert not reader.fresh
    assert reader.counts(metric=metric("M05"), period=Q1, breakdown="none", as_of=EXTRACTED) is None
    assert metric_result(user=user, metric=metric("M05"), period=Q1, threshold=1).overall.numerator == 6

    metrics_rollup(police_force_area=west_midlands())
    reader = RollupReader(user=user)
    assert reader.fresh
    found = reader.counts(metric=metric("M05"), period=Q1, breakdown="none", as_of=EXTRACTED)
    assert found is not None
    assert found[""].numerator == 6


def test_a_survey_answer_today_makes_only_the_survey_metrics_count_live(world: Any, clock: Any) -> None:
    """An invitation's `used_at` keeps the day only, so an answer given today may be newer than
    a rollup run this morning: survey metrics count live until a rollup runs after midnight;
    duty metrics still read the rollup."""
    duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 3))
    recompute()
    metrics_rollup(police_force_area=west_midlands())
    answer = survey_response(submitted=date(2025, 7, 20), whole_experience="very_satisfied")
    # Midnight in London (BST): yesterday, then today.
    SurveyInvitation.objects.filter(pk=answer.invitation_id).update(
        used_at=datetime(2025, 7, 18, 23, tzinfo=UTC)
    )
    quarter = MetricPeriod.quarter("2025/26 Q2")
    user = analyst(world)
    reader = RollupReader(user=user)
    assert reader.counts(metric=metric("M05"), period=Q1, breakdown="none", as_of=EXTRACTED) is not None
    assert reader.counts(metric=metric("M23e"), period=quarter, breakdown="none", as_of=EXTRACTED) is not None

    SurveyInvitation.objects.filter(pk=answer.invitation_id).update(
        used_at=datetime(2025, 7, 19, 23, tzinfo=UTC)
    )
    reader = RollupReader(user=user)
    assert reader.counts(metric=metric("M05"), period=Q1, breakdown="none", as_of=EXTRACTED) is not None
    assert reader.counts(metric=metric("M23e"), period=quarter, breakdown="none", as_of=EXTRACTED) is None
    assert metric_result(user=user, metric=metric("M23e"), period=quarter, threshold=1).overall.numerator == 1

    clock.move_to(datetime(2025, 7, 21, 2))
    metrics_rollup(police_force_area=west_midlands())
    reader = RollupReader(user=user)
    found = reader.counts(metric=metric("M23e"), period=quarter, breakdown="none", as_of=EXTRACTED)
    assert found is not None
    assert found[""].numerator == 1


def test_the_rollup_answers_only_for_its_as_of_date_quarters_and_rolled_up_metrics(world: Any) -> None:
    duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 3))
    recompute()
    metrics_rollup(police_force_area=west_midlands())
    reader = RollupReader(user=analyst(world))
    m05 = metric("M05")
    assert reader.counts(metric=m05, period=Q1, breakdown="sex", as_of=EXTRACTED) is not None
    assert reader.counts(metric=m05, period=Q1, breakdown="none", as_of=date(2025, 7, 1)) is None
    assert (
        reader.counts(metric=m05, period=MetricPeriod.year("2025/26"), breakdown="none", as_of=EXTRACTED)
        is None
    )
    assert (
        reader.counts(metric=m05, period=MetricPeriod.month("2025-04"), breakdown="none", as_of=EXTRACTED)
        is None
    )
    beyond = MetricPeriod.quarter("2026/27 Q1")  # after the rollup's last quarter
    assert reader.counts(metric=m05, period=beyond, breakdown="none", as_of=EXTRACTED) is None
    assert reader.counts(metric=metric("M28"), period=Q1, breakdown="none", as_of=EXTRACTED) is None


def test_nobody_outside_the_compliance_roles_reads_the_rollup(world: Any) -> None:
    duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 3))
    recompute()
    metrics_rollup(police_force_area=west_midlands())
    assert MetricRollup.objects.visible_to(world.member("opcc_analyst")).exists()
    for role in ("provider_manager", "caseworker", "board_member"):
        person = world.person(role)
        if person is None:
            continue
        assert not MetricRollup.objects.visible_to(person).exists(), role
        assert not RollupReader(user=person).fresh, role


# --- the overview in a few queries --------------------------------------------------------------


def _page(client: Any, quarter: str) -> str:
    content = client.get(reverse("victims_code:overview"), {"quarter": quarter}).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content)


# The overview's queries with a fresh rollup (26 on SQLite): the session, the user and their
# memberships and permissions (9), the as-of date (2), the metric definitions (2), the rollup's
# freshness (5), its rows (1), the agencies' returns (2), M28 counted live (2), the access log.
# Counting each metric again would be about 80.
OVERVIEW_MAX_QUERIES = 30


def test_the_overview_reads_the_rollup_in_a_few_queries_and_shows_the_same_page(
    client: Any, login_as: Any, django_assert_max_num_queries: Any
) -> None:
    build(pairs=30)
    login_as("opcc_analyst")
    with CaptureQueriesContext(connection) as live_queries:
        live_page = _page(client, "2025/26 Q1")
    assert len(live_queries) > 2 * OVERVIEW_MAX_QUERIES  # the test would catch a regression

    metrics_rollup(police_force_area=west_midlands())
    with django_assert_max_num_queries(OVERVIEW_MAX_QUERIES):
        rolled_page = _page(client, "2025/26 Q1")
    assert rolled_page == live_page
    assert "M05" in rolled_page
    assert "%" in rolled_page


def test_a_metric_page_reads_every_breakdown_in_one_query(
    client: Any, login_as: Any, django_assert_max_num_queries: Any
) -> None:
    build(pairs=20)
    login_as("opcc_analyst")
    url = reverse("victims_code:metric", kwargs={"code": "M07"})
    live_page = client.get(url, {"period": "2025/26 Q1"}).content.decode()
    metrics_rollup(police_force_area=west_midlands())
    with django_assert_max_num_queries(OVERVIEW_MAX_QUERIES):
        rolled_page = client.get(url, {"period": "2025/26 Q1"}).content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    assert strip.sub("", rolled_page) == strip.sub("", live_page)


# --- the command --------------------------------------------------------------------------------


def test_the_nightly_command_rolls_up_the_settings_area(world: Any, capsys: Any) -> None:
    duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 3))
    recompute()
    call_command("victims_code_rollup")
    out = capsys.readouterr().out
    assert "Rolled up" in out
    assert "2020/21 Q3 to 2025/26 Q2" in out
    assert "as of 2025-07-15" in out
    assert rows_of("M05", "2025/26 Q1") == {"": (1, 1, 0, {})}
    call_command("victims_code_rollup", "--quarter", "2025/26 Q1")
    assert "1 quarters" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No police force area has the code 'XX'"):
        call_command("victims_code_rollup", "--area", "XX")
    with pytest.raises(CommandError, match="2025 Q9"):
        call_command("victims_code_rollup", "--quarter", "2025 Q9")
    assert evidence_as_of() == EXTRACTED
