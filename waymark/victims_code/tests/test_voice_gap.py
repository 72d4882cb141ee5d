"""The recorded-versus-recalled gap on small built datasets, with the expected figures worked out.

The paired 2x2 table of one right: a = recorded and recalled, b = recorded only, c = recalled
only, d = neither; n = a + b + c + d. Recorded rate (a + b)/n, recalled rate (a + c)/n, gap =
recorded - recalled = (b - c)/n, with Newcombe's method 10 interval.
"""

from __future__ import annotations

import math
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from waymark.victims_code.models import SurveyResponse
from waymark.victims_code.voice import (
    GAP_CSV_HEADER,
    PairedCounts,
    Period,
    gap_csv_rows,
    paired_difference_interval,
    recorded_versus_recalled,
    wilson_interval,
)

from .voice_fixtures import answered, duty, pair

Q1 = Period(start=date(2024, 4, 1), end=date(2024, 6, 30), label="2024/25 Q1")
WRITTEN = "R3.WRITTEN_CONFIRMATION"


def test_wilson_interval_of_17_out_of_20():
    """Wilson (z = 1.96): centre (17 + 1.9208)/(20 + 3.8415) = 0.79361; half-width
    1.96 * sqrt(17*3/20 + 0.9604)/23.8415 = 0.15403; so 0.6396 to 0.9476."""
    low, high = wilson_interval(17, 20)
    assert low == pytest.approx(0.63958, abs=1e-4)
    assert high == pytest.approx(0.94763, abs=1e-4)


def test_paired_interval_worked_example():
    """a=12, b=5, c=1, d=2 (n=20). p1 = 17/20 = 0.85, p2 = 13/20 = 0.65, gap 0.20.
    Wilson: p1 0.63958 to 0.94763; p2 0.43285 to 0.81881.
    A = ad - bc = 24 - 5 = 19 > n/2 = 10, so psi = (19 - 10)/sqrt(17*3*13*7) = 9/68.125 = 0.13211.
    lower = 0.20 - sqrt(0.21042^2 + 0.16881^2 - 2*0.13211*0.21042*0.16881) = 0.20 - 0.25177 = -0.05177
    upper = 0.20 + sqrt(0.21715^2 + 0.09763^2 - 2*0.13211*0.21715*0.09763) = 0.20 + 0.22601 = 0.42601
    (The Wald interval on the discordant pairs would be -0.0235 to 0.4235.)"""
    estimate, lower, upper = paired_difference_interval(PairedCounts(12, 5, 1, 2))
    assert estimate == pytest.approx(0.20)
    assert lower == pytest.approx(-0.05177, abs=1e-4)
    assert upper == pytest.approx(0.42601, abs=1e-4)


def test_paired_interval_without_correlation_correction():
    """a=6, b=2, c=1, d=1: A = 6 - 2 = 4 <= n/2 = 5, so psi = 0 and the interval is the plain
    square-and-add of the two Wilson intervals (8/10: 0.49016 to 0.94332; 7/10: 0.39678 to
    0.89221): 0.1 - sqrt(0.30984^2 + 0.19221^2) = -0.26461 and
    0.1 + sqrt(0.30322^2 + 0.14332^2) = 0.43539."""
    estimate, lower, upper = paired_difference_interval(PairedCounts(6, 2, 1, 1))
    assert estimate == pytest.approx(0.10)
    assert lower == pytest.approx(-0.26461, abs=1e-4)
    assert upper == pytest.approx(0.43539, abs=1e-4)


@pytest.mark.parametrize(
    "counts",
    [
        PairedCounts(10, 0, 0, 0),
        PairedCounts(0, 10, 0, 0),
        PairedCounts(0, 0, 0, 7),
        PairedCounts(3, 0, 0, 3),
    ],
)
def test_paired_interval_stays_inside_the_range_and_never_collapses(counts):
    """Where Wald gives a zero-width interval (b = c = 0) or runs past 100%, method 10 does not."""
    estimate, lower, upper = paired_difference_interval(counts)
    assert -1.0 <= lower <= estimate <= upper <= 1.0
    assert upper - lower > 0.1
    assert not math.isnan(lower)
    assert not math.isnan(upper)


@pytest.fixture
def survey(db):
    """Twenty respondents whose written confirmation (M01) can be compared:
    12 recorded and recalled (a), 5 recorded but answering no (b), 1 not recorded but answering
    yes (c), 2 neither (d). Also: 2 with a delivered duty who answered "don't know"; 1 respondent
    whose duty is documented not applicable; 1 respondent with no duty at all; 10 victims who
    were not surveyed (4 delivered); and 6 recorded-and-recalled respondents of a crime reported
    in the next quarter, who must not count.

    All victims with an applicable M01 duty in Q1: 20 + 2 + 10 = 32, delivered 17 + 2 + 4 = 23,
    a recorded rate of 71.875%."""
    plan = [(True, "yes")] * 12 + [(True, "no")] * 5 + [(False, "yes")] + [(False, "no")] * 2
    for n, (delivered, said) in enumerate(plan):
        crime, ref = pair(f"S{n}")
        duty(crime, ref, WRITTEN, delivered=delivered)
        answered(crime, ref, recall_written_confirmation=said, recall_updates="yes")
    for n in range(2):
        crime, ref = pair(f"DK{n}")
        duty(crime, ref, WRITTEN, delivered=True)
        answered(crime, ref, recall_written_confirmation="dont_know")
    crime, ref = pair("NA0")
    duty(crime, ref, WRITTEN, delivered=False, not_applicable="unable_to_contact")
    answered(crime, ref, recall_written_confirmation="no")
    crime, ref = pair("NONE0")
    answered(crime, ref, recall_written_confirmation="yes")
    for n in range(10):
        crime, ref = pair(f"U{n}")
        duty(crime, ref, WRITTEN, delivered=n < 4)
    for n in range(6):
        crime, ref = pair(f"LATER{n}", reported=date(2024, 7, 2))
        duty(crime, ref, WRITTEN, delivered=True)
        answered(crime, ref, recall_written_confirmation="yes")


def _right(gap, code):
    return next(right for right in gap.rights if right.metric_code == code)


def test_recorded_versus_recalled_on_the_worked_example(survey, world):
    """M01 overall: 20 respondents compared, recorded 85.0%, recalled 65.0%, gap +20.0 points,
    95% CI -5.18 to +42.60 (test_paired_interval_worked_example); 2 "don't know" are
    left out (shown [c], under 5); the not-applicable and the no-duty respondents (2) are not
    compared; all victims 32 at 71.875%."""
    gap = recorded_versus_recalled(user=world.member("opcc_analyst"), period=Q1)
    assert [right.metric_code for right in gap.rights] == ["M01", "M04", "M07", "M12"]
    assert gap.responses == 20 + 2 + 1 + 1
    m01 = _right(gap, "M01")
    row = m01.overall
    assert row.respondents == 20
    assert row.counts == PairedCounts(12, 5, 1, 2)
    assert row.recorded_rate == pytest.approx(85.0)
    assert row.recalled_rate == pytest.approx(65.0)
    assert row.gap == pytest.approx(20.0)
    assert row.ci_low == pytest.approx(-5.177, abs=0.01)
    assert row.ci_high == pytest.approx(42.601, abs=0.01)
    assert row.all_victims == 32
    assert row.all_victims_rate == pytest.approx(71.875)
    assert m01.unanswered is None  # 2 is under the threshold of 5
    assert m01.no_duty == 2
    assert m01.question == "Recalls written confirmation of the crime"


def test_a_right_with_no_recorded_duties_shows_no_rates(survey, world):
    """Nobody has an M07 duty: 24 respondents answered the updates question but none can be
    compared, so the row is 0 respondents and no rates."""
    gap = recorded_versus_recalled(user=world.member("force_code_lead"), period=Q1)
    m07 = _right(gap, "M07")
    assert m07.overall.respondents == 0
    assert m07.overall.recorded_rate is None
    assert m07.overall.gap is None
    assert m07.no_duty == 24


def test_updates_count_as_recorded_only_when_every_update_was_given(db, world):
    """M07 has five entitlements. Five respondents told of an arrest and an interview: for
    three both updates were given, for two only the arrest. All five say they were kept
    updated. Recorded 3/5 = 60%, recalled 5/5 = 100%, gap -40 points."""
    for n in range(5):
        crime, ref = pair(f"UPD{n}")
        duty(crime, ref, "R6.ARREST_UPDATE", delivered=True)
        duty(crime, ref, "R6.INTERVIEW_UPDATE", delivered=n < 3)
        answered(crime, ref, recall_updates="yes")
    row = _right(recorded_versus_recalled(user=world.member("opcc_admin"), period=Q1), "M07").overall
    assert row.respondents == 5
    assert row.recorded_rate == pytest.approx(60.0)
    assert row.recalled_rate == pytest.approx(100.0)
    assert row.gap == pytest.approx(-40.0)
    assert row.counts == PairedCounts(both=3, recorded_only=0, recalled_only=2, neither=0)


def test_a_small_period_is_suppressed(survey, world):
    """July 2024 holds the six LATER respondents, all recorded and recalled: shown (6 >= 5).
    Two of them then answer "don't know", leaving four to compare: under the threshold, so the
    row shows no count, no rates, no gap and no interval."""
    july = Period(start=date(2024, 7, 1), end=date(2024, 7, 31), label="July 2024")
    row = _right(recorded_versus_recalled(user=world.member("opcc_admin"), period=july), "M01").overall
    assert row.respondents == 6
    assert row.recalled_rate == pytest.approx(100.0)
    SurveyResponse.objects.filter(invitation__crime__crime_reference__in=["LATER0", "LATER1"]).update(
        recall_written_confirmation="dont_know"
    )
    row = _right(recorded_versus_recalled(user=world.member("opcc_admin"), period=july), "M01").overall
    assert row.hidden
    assert row.recorded_rate is None
    assert row.recalled_rate is None
    assert row.gap is None
    assert row.ci_low is None


def test_a_small_group_is_suppressed_and_cannot_be_worked_back(db, world):
    """Breakdown by victim sex, M01: 10 women, 6 men and 4 with no sex recorded, all recorded
    and recalled. The 4 are hidden (under 5); the total is shown, so the next smallest group
    (the 6 men) is hidden too; the women's figures are shown."""
    for sex, count in (("F", 10), ("M", 6), ("", 4)):
        for n in range(count):
            crime, ref = pair(f"G{sex or 'X'}{n}", sex=sex)
            duty(crime, ref, WRITTEN, delivered=True)
            answered(crime, ref, recall_written_confirmation="yes")
    gap = recorded_versus_recalled(user=world.member("opcc_analyst"), period=Q1, breakdown="sex")
    rows = {row.label: row for row in _right(gap, "M01").rows}
    assert rows["All respondents"].respondents == 20
    assert rows["F"].respondents == 10
    assert rows["F"].recorded_rate == pytest.approx(100.0)
    for hidden in ("M", "Not recorded"):
        assert rows[hidden].hidden
        assert rows[hidden].recorded_rate is None
        assert rows[hidden].recalled_rate is None
        assert rows[hidden].all_victims is None
        assert rows[hidden].all_victims_rate is None
    csv_rows = gap_csv_rows(gap)
    assert len(csv_rows[0]) == len(GAP_CSV_HEADER)
    male = next(r for r in csv_rows if str(r[0]).startswith("M01") and r[2] == "M")
    assert male[3:] == [None] * 8


def test_only_compliance_roles_may_compute_the_gap(db, world):
    for key in ("provider_manager", "caseworker", "board_member", "auditor"):
        with pytest.raises(PermissionDenied):
            recorded_versus_recalled(user=world.member(key), period=Q1)
