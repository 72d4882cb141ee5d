"""The measures and their rules: not applicable, not yet due, attrition, survey answers,
commissioned services' first contact, agencies' returns, the trend, ratings and intervals.

Figures are computed with threshold 1 (nothing hidden) except in the disclosure tests, which use
the operational threshold of 5.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from waymark.core.periods import FinancialQuarter
from waymark.crime.models import Crime, ForceExtractImport
from waymark.victims_code.metrics import (
    MetricPeriod,
    MetricResult,
    Rag,
    evidence_as_of,
    gap_interval,
    metric_result,
    metric_trend,
    provider_metrics_for,
    rag_for,
    wilson_interval,
)
from waymark.victims_code.models import AgencyType, MetricDefinition

from .metric_support import (
    EXTRACTED,
    aggregate_return,
    duty,
    metric,
    recompute,
    referral,
    survey_response,
    victim_crime,
    west_midlands,
)

pytestmark = pytest.mark.django_db

D = date
Q1 = MetricPeriod.quarter("2025/26 Q1")
AS_OF = D(2025, 7, 15)


def result(world: Any, code: str, **kwargs: Any) -> MetricResult:
    kwargs.setdefault("period", Q1)
    kwargs.setdefault("as_of", AS_OF)
    kwargs.setdefault("threshold", 1)
    return metric_result(user=world.member("opcc_analyst"), metric=metric(code), **kwargs)


# --- not applicable and not yet due ---------------------------------------------------------------


def test_not_applicable_duties_leave_the_denominator_and_are_counted_by_reason(world: Any) -> None:
    """M04: 3 referred, 1 not, 1 declined, 1 unable to contact: 3 of 4 (75%), 2 left out."""
    for _ in range(3):
        duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 4, 7), delivered=D(2025, 4, 8))
    duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 4, 7))
    duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 4, 7), not_applicable="victim_declined")
    duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 4, 7), not_applicable="unable_to_contact")
    recompute()
    figure = result(world, "M04").overall
    assert (figure.numerator, figure.denominator, figure.rate) == (3, 4, 0.75)
    assert figure.excluded_total == 2
    excluded = {reason: count for reason, _, count in figure.excluded}
    assert excluded["victim_declined"] == 1
    assert excluded["unable_to_contact"] == 1
    assert excluded["other"] == 0
    assert figure.not_yet_due is None  # "delivered at all" has no deadline


def test_an_open_duty_not_yet_due_is_shown_not_counted(world: Any) -> None:
    """M07 as of Thu 8 May 2025, arrests on Fri 2 May: the enhanced victim told Tue 6 May (due
    Tue 6) is on time; the enhanced victim not told is overdue and fails; the standard victim not
    yet told is due Mon 12 May, so not yet due: 1 of 2, 1 not yet due. As of Tue 13 May the
    third is overdue too: 1 of 3."""
    duty("R6.ARREST_UPDATE", triggered=D(2025, 5, 2), enhanced=True, delivered=D(2025, 5, 6))
    duty("R6.ARREST_UPDATE", triggered=D(2025, 5, 2), enhanced=True)
    duty("R6.ARREST_UPDATE", triggered=D(2025, 5, 2), enhanced=False)
    recompute()
    early = result(world, "M07", as_of=D(2025, 5, 8)).overall
    assert (early.numerator, early.denominator, early.not_yet_due) == (1, 2, 1)
    later = result(world, "M07", as_of=D(2025, 5, 13)).overall
    assert (later.numerator, later.denominator, later.not_yet_due) == (1, 3, 0)


def test_a_late_delivery_fails_even_before_the_as_of_date(world: Any) -> None:
    """Delivered Wed 7 May against a due date of Tue 6 May: late, whatever the as-of date."""
    duty("R6.ARREST_UPDATE", triggered=D(2025, 5, 2), enhanced=True, delivered=D(2025, 5, 7))
    recompute()
    figure = result(world, "M07", as_of=D(2025, 5, 7)).overall
    assert (figure.numerator, figure.denominator, figure.not_yet_due) == (0, 1, 0)


def test_the_as_of_date_defaults_to_the_newest_extraction(world: Any) -> None:
    """No import record: the newest `extracted_on` of the duties (15 July 2025), before today."""
    duty("R6.ARREST_UPDATE", triggered=D(2025, 5, 2), enhanced=True)
    recompute()
    assert evidence_as_of(today=D(2026, 1, 1)) == EXTRACTED
    assert evidence_as_of(today=D(2025, 7, 1)) == D(2025, 7, 1)
    figure = metric_result(user=world.member("opcc_admin"), metric=metric("M07"), period=Q1, threshold=1)
    assert figure.as_of == EXTRACTED


def test_a_later_crimes_file_does_not_move_the_date_duties_are_judged_at(world: Any) -> None:
    """Duties extracted on 15 July, crimes on 31 July: an arrest update triggered on Mon 14 July,
    due 5 working days later on Mon 21 July and not delivered in the duties file, cannot show a
    delivery made after 15 July, so it is not yet due, not late."""
    duty("R6.ARREST_UPDATE", triggered=D(2025, 7, 14))
    recompute()
    for kind, extracted_on in (("duties", EXTRACTED), ("crimes", D(2025, 7, 31))):
        ForceExtractImport.objects.create(
            police_force_area=west_midlands(),
            kind=kind,
            file_name=f"{kind}.csv",
            sha256=kind.ljust(64, "0"),
            extracted_on=extracted_on,
        )
    assert evidence_as_of(today=D(2026, 1, 1)) == EXTRACTED
    q2 = MetricPeriod.quarter("2025/26 Q2")
    figure = metric_result(user=world.member("opcc_admin"), metric=metric("M07"), period=q2, threshold=1)
    assert figure.as_of == EXTRACTED
    assert (figure.overall.numerator, figure.overall.denominator, figure.overall.not_yet_due) == (0, 0, 1)


# --- breakdowns -----------------------------------------------------------------------------------


@pytest.fixture
def mixed(world: Any) -> None:
    """Six M04 duties in 2025/26 Q1 (delivered marked *):
    1* enhanced, VAWG rape (19C, Sexual offences), Birmingham, F 25-34, White, disabled
    2  standard, assault (8N, Violence against the person), Coventry, M 18-24, Asian, not disabled
    3* standard, theft (49, Theft offences), Birmingham, F 65+, nothing recorded
    4* enhanced, VAWG stalking (8Q, Violence against the person), Coventry, F 18-24, White
    5  standard, theft, no local authority, X 25-34
    6* standard, a victim ref the crime does not list (no victim attributes)."""
    duty(
        "R4.SUPPORT_REFERRAL",
        triggered=D(2025, 4, 2),
        delivered=D(2025, 4, 3),
        enhanced=True,
        code="19C",
        vawg=True,
        sex="F",
        age_band="25-34",
        ethnicity="White",
        disability="Yes",
        enhanced_rights="sexual",
    )
    duty(
        "R4.SUPPORT_REFERRAL",
        triggered=D(2025, 4, 2),
        code="8N",
        local_authority="E08000026",
        sex="M",
        age_band="18-24",
        ethnicity="Asian",
        disability="No",
    )
    duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 4, 2), delivered=D(2025, 4, 3), code="49", age_band="65+")
    duty(
        "R4.SUPPORT_REFERRAL",
        triggered=D(2025, 4, 2),
        delivered=D(2025, 4, 3),
        enhanced=True,
        code="8Q",
        vawg=True,
        local_authority="E08000026",
        age_band="18-24",
        ethnicity="White",
    )
    duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 4, 2), code="49", local_authority=None, sex="X")
    crime, _ = victim_crime(recorded=D(2025, 4, 2))
    duty(
        "R4.SUPPORT_REFERRAL",
        triggered=D(2025, 4, 2),
        delivered=D(2025, 4, 3),
        crime=crime,
        victim_ref="NOT-LISTED",
    )
    recompute()


@pytest.mark.parametrize(
    ("breakdown", "expected"),
    [
        ("enhanced", {"enhanced": (2, 2), "standard": (2, 4)}),
        ("vawg", {"vawg": (2, 2), "not_vawg": (2, 4)}),
        (
            "crime_group",
            {
                "vawg:Sexual offences": (1, 1),
                "vawg:Violence against the person": (1, 1),
                "not_vawg:Violence against the person": (1, 2),  # duty 2, and duty 6 (8N)
                "not_vawg:Theft offences": (1, 2),
            },
        ),
        ("local_authority", {"E08000025": (3, 3), "E08000026": (1, 2), "": (0, 1)}),
        ("sex", {"F": (3, 3), "M": (0, 1), "X": (0, 1), "": (1, 1)}),
        ("age_band", {"25-34": (1, 2), "18-24": (1, 2), "65+": (1, 1), "": (1, 1)}),
        ("ethnicity", {"White": (2, 2), "Asian": (0, 1), "": (2, 3)}),
        ("disability", {"Yes": (1, 1), "No": (0, 1), "": (3, 4)}),
    ],
)
def test_each_breakdown_splits_the_duties(world: Any, mixed: None, breakdown: str, expected: dict) -> None:
    """Each group's (numerator, denominator) from the six duties in `mixed`; groups with no duty
    show 0 of 0, and the groups add up to the overall 4 of 6."""
    figure = result(world, "M04", breakdown=breakdown)
    assert (figure.overall.numerator, figure.overall.denominator) == (4, 6)
    got = {group.key: (group.numerator, group.denominator) for group in figure.groups if group.denominator}
    assert got == expected
    assert sum(group.denominator or 0 for group in figure.groups) == 6
    labels = {group.key: group.label for group in figure.groups}
    if breakdown == "local_authority":
        assert labels["E08000025"] == "Birmingham"
        assert labels[""] == "Not recorded"
    if breakdown == "crime_group":
        assert labels["vawg:Sexual offences"] == "VAWG: Sexual offences"


def test_a_breakdown_the_metric_does_not_have_is_refused(world: Any) -> None:
    with pytest.raises(ValueError, match="cannot be broken down"):
        result(world, "M04", breakdown="service")
    with pytest.raises(ValueError, match="cannot be broken down"):
        result(world, "M28", breakdown="sex")


# --- disclosure control ---------------------------------------------------------------------------


def test_small_counts_are_hidden_and_cannot_be_worked_back(world: Any) -> None:
    """Twelve M04 duties: 3 enhanced (all referred), 9 standard (7 referred). At threshold 5 the
    overall 10 of 12 is shown; the enhanced 3 of 3 is hidden, and so is the standard 7 of 9
    (else 10 - 7 gives the enhanced 3): both rates [c]."""
    for _ in range(3):
        duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 4, 7), delivered=D(2025, 4, 8), enhanced=True)
    for index in range(9):
        duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 4, 7), delivered=D(2025, 4, 8) if index < 7 else None)
    recompute()
    figure = result(world, "M04", breakdown="enhanced", threshold=None)
    assert figure.threshold == 5
    assert (figure.overall.numerator, figure.overall.denominator) == (10, 12)
    assert figure.overall.display_rate == "83.3%"
    groups = {group.key: group for group in figure.groups}
    for key in ("enhanced", "standard"):
        assert (groups[key].numerator, groups[key].denominator, groups[key].rate) == (None, None, None)
        assert groups[key].display_rate == "[c]"
        assert groups[key].display_interval == ""
    reasons = {(h.row, h.column): h.reason for h in figure.hidden}
    # The same words for both: the log must not say which one is under 5.
    assert (
        reasons[("Enhanced rights", "Numerator")]
        == reasons[("Standard", "Numerator")]
        == "under 5, or hidden so that one under 5 cannot be worked out"
    )


def test_a_small_overall_figure_is_hidden(world: Any) -> None:
    """3 of 4: both under 5, so no rate, no interval, no rating."""
    for index in range(4):
        duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 4, 7), delivered=D(2025, 4, 8) if index else None)
    recompute()
    figure = result(world, "M04", threshold=None).overall
    assert (figure.numerator, figure.denominator, figure.rate, figure.rag) == (
        None,
        None,
        None,
        Rag.NOT_RATED,
    )


# --- attrition ------------------------------------------------------------------------------------


def test_attrition_counts_outcomes_14_and_16_of_outcomes_in_the_period(world: Any) -> None:
    """Outcomes dated in 2025/26 Q1 on recorded crimes with a victim: 14, 16, 1, 1, 15: 2 of 5
    (40%). Not yet assigned at 30 June: one crime of type 0 and one whose outcome (14) is dated
    in July: 2. A cancelled crime's outcome 14 is not counted. M22 is lower-better, green at
    20%, amber at 30%: 40% is red."""
    for outcome in (14, 16, 1, 1, 15):
        victim_crime(recorded=D(2025, 4, 1), outcome=outcome, outcome_on=D(2025, 5, 1))
    victim_crime(recorded=D(2025, 4, 1))
    victim_crime(recorded=D(2025, 4, 1), outcome=14, outcome_on=D(2025, 7, 2))
    cancelled, _ = victim_crime(recorded=D(2025, 4, 1), outcome=14, outcome_on=D(2025, 5, 1))
    Crime.objects.filter(pk=cancelled.pk).update(record_status=Crime.RecordStatus.CANCELLED)
    figure = result(world, "M22").overall
    assert (figure.numerator, figure.denominator, figure.not_yet_assigned) == (2, 5, 2)
    assert figure.rag == Rag.RED
    assert figure.not_yet_due is None


# --- survey ---------------------------------------------------------------------------------------


def test_survey_satisfaction_counts_the_top_three_answers_less_dont_know(world: Any) -> None:
    """M23e (whole experience): completely and fairly satisfied of completely, fairly, neither,
    very dissatisfied: 2 of 4; don't know and not answered shown beside. A response submitted
    in July is in Q2."""
    for answer in (
        "completely_satisfied",
        "fairly_satisfied",
        "neither",
        "very_dissatisfied",
        "dont_know",
        "",
    ):
        survey_response(submitted=D(2025, 6, 10), whole_experience=answer)
    survey_response(submitted=D(2025, 7, 1), whole_experience="completely_satisfied")
    figure = result(world, "M23e").overall
    assert (figure.numerator, figure.denominator) == (2, 4)
    assert {reason: count for reason, _, count in figure.excluded} == {"dont_know": 1, "not_answered": 1}


def test_survey_yes_no_counts_yes_of_yes_and_no_broken_down_by_the_victim(world: Any) -> None:
    """M24 (would report again): yes (F), yes (M), no (F), don't know (F): 2 of 3; by sex,
    F 1 of 2 and M 1 of 1, from the invitation's victim."""
    for answer, sex in (("yes", "F"), ("yes", "M"), ("no", "F"), ("dont_know", "F")):
        crime, ref = victim_crime(recorded=D(2025, 4, 1), sex=sex)
        survey_response(submitted=D(2025, 6, 10), crime=crime, victim_ref=ref, would_report_again=answer)
    figure = result(world, "M24", breakdown="sex")
    assert (figure.overall.numerator, figure.overall.denominator) == (2, 3)
    groups = {group.key: (group.numerator, group.denominator) for group in figure.groups}
    assert groups["F"] == (1, 2)
    assert groups["M"] == (1, 1)


# --- commissioned services ------------------------------------------------------------------------


@pytest.fixture
def referrals(world: Any) -> None:
    """2025/26 Q1, as of 15 July 2025. Home Service: received Mon 2 June, due Wed 4 June:
    contact 4 June 17:00 (in time), 3 June (in time), 5 June (late), none (overdue); received
    30 June 23:30 (UK time: in Q1) due 2 July, contacted 2 July (in time); received 1 July 00:30
    (in Q2); a referral due 16 July with no contact yet is not yet due (received 30 June, a
    long deadline). So 3 of 5, 1 not yet due. Other Service: one in time: 1 of 1."""
    by = world.member("caseworker")
    home, other = world.service, world.other_service
    referral(
        service=home,
        received=datetime(2025, 6, 2, 9),
        due=D(2025, 6, 4),
        contact=datetime(2025, 6, 4, 17),
        by=by,
    )
    referral(
        service=home,
        received=datetime(2025, 6, 2, 9),
        due=D(2025, 6, 4),
        contact=datetime(2025, 6, 3, 9),
        by=by,
    )
    referral(
        service=home,
        received=datetime(2025, 6, 2, 9),
        due=D(2025, 6, 4),
        contact=datetime(2025, 6, 5, 9),
        by=by,
    )
    referral(service=home, received=datetime(2025, 6, 2, 9), due=D(2025, 6, 4), by=by)
    referral(
        service=home,
        received=datetime(2025, 6, 30, 23, 30),
        due=D(2025, 7, 2),
        contact=datetime(2025, 7, 2, 9),
        by=by,
    )
    referral(
        service=home,
        received=datetime(2025, 7, 1, 0, 30),
        due=D(2025, 7, 3),
        contact=datetime(2025, 7, 2, 9),
        by=by,
    )
    referral(service=home, received=datetime(2025, 6, 30, 9), due=D(2025, 7, 16), by=by)
    referral(
        service=other,
        received=datetime(2025, 5, 1, 9),
        due=D(2025, 5, 6),
        contact=datetime(2025, 5, 2, 9),
        by=by,
    )


def test_m28_counts_first_contact_by_the_due_date_per_service(world: Any, referrals: None) -> None:
    figure = result(world, "M28", breakdown="service")
    assert (figure.overall.numerator, figure.overall.denominator, figure.overall.not_yet_due) == (4, 6, 1)
    groups = {group.key: group for group in figure.groups}
    home = groups[str(world.service.pk)]
    assert (home.numerator, home.denominator, home.not_yet_due) == (3, 5, 1)
    assert home.label == "Home Service (Home Provider)"
    assert (
        groups[str(world.other_service.pk)].numerator,
        groups[str(world.other_service.pk)].denominator,
    ) == (1, 1)


def test_a_provider_manager_sees_only_their_own_services_m28(world: Any, referrals: None) -> None:
    """The home provider's manager gets M28 for Home Service alone; the other provider's manager
    for Other Service alone; neither gets any other metric."""
    mine = provider_metrics_for(user=world.member("provider_manager"), period=Q1, as_of=AS_OF)
    assert [r.metric.code for r in mine] == ["M28"]
    assert [group.label for group in mine[0].groups] == ["Home Service (Home Provider)"]
    assert mine[0].overall.denominator == 5
    theirs = provider_metrics_for(user=world.member("provider_manager_other"), period=Q1, as_of=AS_OF)
    assert [group.label for group in theirs[0].groups] == ["Other Service (Other Provider)"]


@pytest.mark.parametrize(
    "role", ["caseworker", "opcc_analyst", "force_code_lead", "board_member", "anonymous"]
)
def test_only_provider_managers_get_provider_metrics(world: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        provider_metrics_for(user=world.person(role), period=Q1)


@pytest.mark.parametrize("role", ["provider_manager", "caseworker", "board_member", "auditor", "anonymous"])
def test_force_metrics_are_refused_to_everyone_else(world: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        metric_result(user=world.person(role), metric=metric("M05"), period=Q1)


# --- agencies' returns ----------------------------------------------------------------------------


def test_agencies_returns_are_their_own_rows_summed_where_they_give_totals(world: Any) -> None:
    """M14 in Q1: Birmingham WCU 40 of 50 (2 not applicable; enhanced 10 of 12), Coventry WCU
    8 of 10: two agency rows and the sum 48 of 60. A Q2 return is left out; the financial year
    sums Birmingham's two quarters (40 + 30 of 50 + 40)."""
    aggregate_return(
        agency_name="Birmingham WCU",
        agency_type=AgencyType.WITNESS_CARE,
        start=D(2025, 4, 1),
        end=D(2025, 6, 30),
        lines=[("M14", "all", "", 40, 50, 2), ("M14", "enhanced", "enhanced", 10, 12, 0)],
    )
    aggregate_return(
        agency_name="Coventry WCU",
        agency_type=AgencyType.WITNESS_CARE,
        start=D(2025, 4, 1),
        end=D(2025, 6, 30),
        lines=[("M14", "all", "", 8, 10, 0)],
    )
    aggregate_return(
        agency_name="Birmingham WCU",
        agency_type=AgencyType.WITNESS_CARE,
        start=D(2025, 7, 1),
        end=D(2025, 9, 30),
        lines=[("M14", "all", "", 30, 40, 0)],
    )
    figure = result(world, "M14")
    rows = {row.label: (row.numerator, row.denominator) for row in figure.aggregate}
    assert rows == {
        "Birmingham WCU: total": (40, 50),
        "Coventry WCU: total": (8, 10),
        "All agencies' returns": (48, 60),
    }
    birmingham = next(row for row in figure.aggregate if row.label == "Birmingham WCU: total")
    assert birmingham.excluded_total == 2
    assert figure.overall.denominator == 0  # no case-level duties: kept apart
    by_enhanced = {
        row.label: (row.numerator, row.denominator)
        for row in result(world, "M14", breakdown="enhanced").aggregate
    }
    assert by_enhanced["Birmingham WCU: enhanced"] == (10, 12)
    year = {
        row.label: (row.numerator, row.denominator)
        for row in result(world, "M14", period=MetricPeriod.year("2025/26")).aggregate
    }
    assert year["Birmingham WCU: total"] == (70, 90)


# --- the trend ------------------------------------------------------------------------------------


def test_the_trend_gives_each_quarter_exactly_as_the_metric_page(world: Any) -> None:
    """M05 in 2024/25 Q4 (6 of 6 on time) and 2025/26 Q1 (5 of 7): the trend's points equal
    `metric_result` for each quarter, suppression included."""
    for _ in range(6):
        duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 3, 3), delivered=D(2025, 3, 4))
    for index in range(7):
        duty(
            "R4.SUPPORT_REFERRAL",
            triggered=D(2025, 4, 7),
            delivered=D(2025, 4, 8) if index < 5 else D(2025, 4, 30),
        )
    recompute()
    quarters = [
        FinancialQuarter.parse("2024/25 Q3"),
        FinancialQuarter.parse("2024/25 Q4"),
        FinancialQuarter.parse("2025/26 Q1"),
    ]
    trend = metric_trend(
        user=world.member("opcc_analyst"), metric=metric("M05"), quarters=quarters, as_of=AS_OF
    )
    assert [(f.numerator, f.denominator) for f in trend] == [(0, 0), (6, 6), (5, 7)]
    for quarter, point in zip(quarters, trend, strict=True):
        page = metric_result(
            user=world.member("opcc_analyst"),
            metric=metric("M05"),
            period=MetricPeriod.quarter(quarter),
            as_of=AS_OF,
        ).overall
        assert (page.numerator, page.denominator, page.rate, page.rag) == (
            point.numerator,
            point.denominator,
            point.rate,
            point.rag,
        )


# --- ratings and intervals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "polarity", "expected"),
    [
        (0.90, "higher_better", Rag.GREEN),  # green at 90% and above
        (0.8999, "higher_better", Rag.AMBER),
        (0.75, "higher_better", Rag.AMBER),  # amber at 75% and above
        (0.7499, "higher_better", Rag.RED),
        (0.20, "lower_better", Rag.GREEN),  # lower is better: green at 20% and below
        (0.2001, "lower_better", Rag.AMBER),
        (0.30, "lower_better", Rag.AMBER),  # amber at 30% and below
        (0.3001, "lower_better", Rag.RED),
        (None, "higher_better", Rag.NOT_RATED),
    ],
)
def test_rag_follows_the_thresholds_and_polarity(rate: float | None, polarity: str, expected: Rag) -> None:
    green, amber = (90, 75) if polarity == "higher_better" else (20, 30)
    assert rag_for(rate, polarity=polarity, green=green, amber=amber) == expected


def test_rag_uses_the_definitions_thresholds(world: Any) -> None:
    """An admin raises M04's green to 99%: 3 of 4 referred (75%) is then red below an amber of 80%."""
    MetricDefinition.objects.filter(code="M04").update(rag_green_min=99, rag_amber_min=80)
    for index in range(4):
        duty("R4.SUPPORT_REFERRAL", triggered=D(2025, 4, 7), delivered=D(2025, 4, 8) if index else None)
    recompute()
    assert result(world, "M04").overall.rag == Rag.RED
    assert Rag.RED.label == "Red"


def test_wilson_and_newcombe_intervals_match_the_published_examples() -> None:
    """Newcombe (1998): 81 of 263 gives 0.2553 to 0.3662; 56/70 against 48/80 a gap of 0.2 with
    0.0524 to 0.3339. 0 of 0 has no interval."""
    low, high = wilson_interval(81, 263) or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    gap, low, high = gap_interval((56, 70), (48, 80)) or (0, 0, 0)
    assert (round(gap, 4), round(low, 4), round(high, 4)) == (0.2, 0.0524, 0.3339)
    assert wilson_interval(0, 0) is None
    assert gap_interval((1, 2), (0, 0)) is None
