"""The RASSO metrics M1 to M13 against a small hand-built extract whose answers are worked out here.

The extract (`extract` fixture), West Midlands, extracted on 2024-06-30; the period is the
financial year 2023/24 (1 April 2023 to 31 March 2024). All adult rape (19C, or 19F for A6)
unless said otherwise; victims F 25-34 in Birmingham unless said otherwise.

- A1: recorded 2023-05-01, outcome 1 on 2023-08-09 (+100 days). Events (S1): identified,
  arrested, referred 06-01, CPS charge 07-01, charged 08-09, trial 2024-01-10, verdict
  convicted_trial 2024-01-20 (+164 days from the charge).
- A2 (Coventry): recorded 2023-06-01, outcome 1 on 2023-07-01 (+30). Events: identified and
  interviewed (S2), referred 06-10 with no suspect id, CPS charge 06-20 (S2), charged 07-01,
  verdict convicted_plea 12-01 (+153), sentence 2024-01-15.
- A3: recorded 2023-07-01, outcome 1 on 2023-12-28 (+180). Events (S3): identified, arrested,
  referred 11-01, CPS charge 12-01, charged 12-28. No verdict.
- A4: recorded 2023-08-01, outcome 16 on 2023-11-01; DA flag, bases sexual offence and DA.
  Events: identified and arrested (S4), victim withdrawal 10-15 with a reason.
- A5: recorded 2023-09-01, outcome 14 on 2023-10-01. Victim withdrawal 09-20 with no reason.
- A6: recorded 2023-10-01, 19F, victim M 25-34, outcome 18 on 2024-01-01. No events.
- A7: recorded 2023-11-01, no outcome. Suspect identified (S7).
- A8: recorded 2024-01-15, victim F 18-24, no outcome. No events.
- A9 (Coventry): recorded 2024-02-01, outcome 15 on 2024-03-15. Events (S9): identified,
  arrested, referred 02-20, CPS action plan 02-25, referred 03-01, CPS nfa_evidential 03-10.
- A10: recorded 2023-06-15, cancelled.
- A11: recorded 2022-12-01, outcome 1 on 2023-04-20 (+140). Verdict acquitted 2023-11-01 (S1)
  with no charged event: +195 days from the outcome date.
- A12: recorded 2022-10-01, outcome 16 on 2023-05-10, victim withdrawal 2023-05-01 with a
  reason; extracted on 2024-05-31.
- A13: recorded 2024-02-20, outcome 1 on 2024-05-01 (after the year, before the extraction).
- A15: recorded 2022-06-01, outcome 1 on 2023-01-10; charged 2023-01-10, verdict
  convicted_trial 2024-05-01 (after the year).

Suspects: A1 S1, A2 S2, A3 S3, A4 S4, A7 S7, A9 S9, A11 S1, A13 S13. Not adult rape: N1 (19D,
child rape, recorded 2023-05-01, charged, CPS charge and a plea in the year: must not count);
N2 (8N with the DA flag, suspect S3); N3 (20A RASSO in another force, suspect S7); N4 (theft,
suspect S4); N5 (20A RASSO, cancelled, suspect S9).
"""

from __future__ import annotations

import itertools
import math
import random
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.core.periods import FinancialYear
from waymark.crime.metrics import (
    NOT_YET_ASSIGNED,
    CrimeFilters,
    HiddenFigure,
    Metric,
    metrics_csv_rows,
    rasso_metrics,
)
from waymark.crime.models import Crime, CrimeOutcomeChange, OutcomeType, ProgressionEvent

from .metric_fixtures import BIRMINGHAM, COVENTRY, event, make_crime, other_force

pytestmark = pytest.mark.django_db

K = ProgressionEvent.Kind
FY = CrimeFilters.for_financial_year("2023/24")


@pytest.fixture
def extract(world: Any) -> dict[str, Crime]:
    """The extract in the module docstring."""
    c: dict[str, Crime] = {}
    c["A1"] = make_crime(
        "A1", recorded=date(2023, 5, 1), outcome=1, outcome_on=date(2023, 8, 9), suspects=["S1"]
    )
    for kind, on, detail in [
        (K.SUSPECT_IDENTIFIED, date(2023, 5, 2), ""),
        (K.ARRESTED, date(2023, 5, 10), ""),
        (K.REFERRED_TO_CPS, date(2023, 6, 1), ""),
        (K.CPS_DECISION, date(2023, 7, 1), "charge"),
        (K.CHARGED, date(2023, 8, 9), ""),
        (K.TRIAL, date(2024, 1, 10), ""),
        (K.VERDICT, date(2024, 1, 20), "convicted_trial"),
    ]:
        event(c["A1"], kind, on, suspect="S1", detail=detail)

    c["A2"] = make_crime(
        "A2",
        recorded=date(2023, 6, 1),
        outcome=1,
        outcome_on=date(2023, 7, 1),
        suspects=["S2"],
        local_authority=COVENTRY,
    )
    event(c["A2"], K.SUSPECT_IDENTIFIED, date(2023, 6, 2), suspect="S2")
    event(c["A2"], K.INTERVIEWED, date(2023, 6, 5), suspect="S2")
    event(c["A2"], K.REFERRED_TO_CPS, date(2023, 6, 10))  # no suspect id: applies to every suspect
    event(c["A2"], K.CPS_DECISION, date(2023, 6, 20), suspect="S2", detail="charge")
    event(c["A2"], K.CHARGED, date(2023, 7, 1), suspect="S2")
    event(c["A2"], K.VERDICT, date(2023, 12, 1), suspect="S2", detail="convicted_plea")
    event(c["A2"], K.SENTENCE, date(2024, 1, 15), suspect="S2")

    c["A3"] = make_crime(
        "A3", recorded=date(2023, 7, 1), outcome=1, outcome_on=date(2023, 12, 28), suspects=["S3"]
    )
    for kind, on, detail in [
        (K.SUSPECT_IDENTIFIED, date(2023, 7, 2), ""),
        (K.ARRESTED, date(2023, 7, 5), ""),
        (K.REFERRED_TO_CPS, date(2023, 11, 1), ""),
        (K.CPS_DECISION, date(2023, 12, 1), "charge"),
        (K.CHARGED, date(2023, 12, 28), ""),
    ]:
        event(c["A3"], kind, on, suspect="S3", detail=detail)

    c["A4"] = make_crime(
        "A4",
        recorded=date(2023, 8, 1),
        outcome=16,
        outcome_on=date(2023, 11, 1),
        suspects=["S4"],
        domestic_abuse=True,
        bases=("sexual_offence", "da_flag"),
    )
    event(c["A4"], K.SUSPECT_IDENTIFIED, date(2023, 8, 2), suspect="S4")
    event(c["A4"], K.ARRESTED, date(2023, 8, 10), suspect="S4")
    event(c["A4"], K.VICTIM_WITHDRAWAL, date(2023, 10, 15), detail="not ready to continue")

    c["A5"] = make_crime("A5", recorded=date(2023, 9, 1), outcome=14, outcome_on=date(2023, 10, 1))
    event(c["A5"], K.VICTIM_WITHDRAWAL, date(2023, 9, 20))

    c["A6"] = make_crime(
        "A6",
        recorded=date(2023, 10, 1),
        code="19F",
        outcome=18,
        outcome_on=date(2024, 1, 1),
        victims=[("M", "25-34")],
    )
    c["A7"] = make_crime("A7", recorded=date(2023, 11, 1), suspects=["S7"])
    event(c["A7"], K.SUSPECT_IDENTIFIED, date(2023, 11, 5), suspect="S7")
    c["A8"] = make_crime("A8", recorded=date(2024, 1, 15), victims=[("F", "18-24")])

    c["A9"] = make_crime(
        "A9",
        recorded=date(2024, 2, 1),
        outcome=15,
        outcome_on=date(2024, 3, 15),
        suspects=["S9"],
        local_authority=COVENTRY,
    )
    for kind, on, detail in [
        (K.SUSPECT_IDENTIFIED, date(2024, 2, 2), ""),
        (K.ARRESTED, date(2024, 2, 5), ""),
        (K.REFERRED_TO_CPS, date(2024, 2, 20), ""),
        (K.CPS_DECISION, date(2024, 2, 25), "action_plan"),
        (K.REFERRED_TO_CPS, date(2024, 3, 1), ""),
        (K.CPS_DECISION, date(2024, 3, 10), "nfa_evidential"),
    ]:
        event(c["A9"], kind, on, suspect="S9", detail=detail)

    c["A10"] = make_crime("A10", recorded=date(2023, 6, 15), status=Crime.RecordStatus.CANCELLED)
    c["A11"] = make_crime(
        "A11", recorded=date(2022, 12, 1), outcome=1, outcome_on=date(2023, 4, 20), suspects=["S1"]
    )
    event(c["A11"], K.VERDICT, date(2023, 11, 1), suspect="S1", detail="acquitted")
    c["A12"] = make_crime(
        "A12",
        recorded=date(2022, 10, 1),
        outcome=16,
        outcome_on=date(2023, 5, 10),
        extracted_on=date(2024, 5, 31),
    )
    event(c["A12"], K.VICTIM_WITHDRAWAL, date(2023, 5, 1), detail="fear of the process")
    c["A13"] = make_crime(
        "A13", recorded=date(2024, 2, 20), outcome=1, outcome_on=date(2024, 5, 1), suspects=["S13"]
    )
    c["A15"] = make_crime("A15", recorded=date(2022, 6, 1), outcome=1, outcome_on=date(2023, 1, 10))
    event(c["A15"], K.CHARGED, date(2023, 1, 10))
    event(c["A15"], K.VERDICT, date(2024, 5, 1), detail="convicted_trial")

    c["N1"] = make_crime(
        "N1",
        recorded=date(2023, 5, 1),
        code="19D",
        outcome=1,
        outcome_on=date(2023, 6, 1),
        adult_rape=False,
        rasso=True,
    )
    event(c["N1"], K.CPS_DECISION, date(2023, 5, 20), detail="charge")
    event(c["N1"], K.REFERRED_TO_CPS, date(2023, 5, 10))
    event(c["N1"], K.VERDICT, date(2023, 9, 1), detail="convicted_plea")
    c["N2"] = make_crime(
        "N2",
        recorded=date(2021, 1, 1),
        code="8N",
        adult_rape=False,
        domestic_abuse=True,
        bases=("da_flag",),
        suspects=["S3"],
    )
    c["N3"] = make_crime(
        "N3",
        recorded=date(2023, 5, 1),
        code="20A",
        suspects=["S7"],
        area=other_force(),
        adult_rape=False,
        rasso=True,
    )
    c["N4"] = make_crime(
        "N4", recorded=date(2023, 5, 1), code="49", adult_rape=False, vawg=False, suspects=["S4"]
    )
    c["N5"] = make_crime(
        "N5",
        recorded=date(2023, 5, 1),
        code="20A",
        status=Crime.RecordStatus.CANCELLED,
        suspects=["S9"],
        adult_rape=False,
        rasso=True,
    )
    return c


def exact(world: Any, filters: CrimeFilters = FY, **kwargs: Any) -> Any:
    """The metrics with no suppression (threshold 1: only zeros... which are published)."""
    return rasso_metrics(user=world.member("opcc_analyst"), filters=filters, threshold=1, **kwargs)


# --- each metric --------------------------------------------------------------------------------


def test_m1_counts_adult_rape_recorded_in_the_period_without_cancelled(world, extract):
    """A1-A9 and A13 are recorded in 2023/24: 10. A10 is cancelled; N1 is child rape; A11, A12,
    A15 were recorded before the year."""
    m1 = exact(world).metric("M1")
    assert (m1.numerator, m1.value) == (10, 10)


def test_m2_cohort_charge_rate_with_not_yet_assigned_beside_it(world, extract):
    """Of the 10, outcome 1 by the extraction date (2024-06-30): A1, A2, A3 and A13 (charged
    2024-05-01, after the year but before the extraction) = 4; 4/10. Not yet assigned: A7, A8 = 2."""
    m2 = exact(world).metric("M2")
    assert (m2.numerator, m2.denominator, m2.value) == (4, 10, 0.4)
    assert m2.not_yet_assigned == 2
    assert m2.basis == "cohort"


def test_m3_closed_basis_charge_rate(world, extract):
    """Outcomes dated in the year: A1, A2, A3, A11 (type 1), A4 (16), A5 (14), A6 (18), A9 (15),
    A12 (16) = 9, of which 4 are type 1: 4/9. A13's outcome is after the year; A15's before it.
    Beside it, not yet assigned at the end of the year: A7, A8 (type 0), A13 (outcome dated
    after 31 March) = 3."""
    m3 = exact(world).metric("M3")
    assert (m3.numerator, m3.denominator) == (4, 9)
    assert m3.value == pytest.approx(4 / 9)
    assert m3.not_yet_assigned == 3


def test_m4_victim_withdrawal_rate_and_the_16_over_15_and_16_share(world, extract):
    """Types 14 and 16 in the year: A4, A5, A12 = 3 of 9. Type 16: A4, A12 = 2; types 15 and
    16: A4, A9, A12 = 3; 2/3."""
    result = exact(world)
    m4, m4b = result.metric("M4"), result.metric("M4b")
    assert (m4.numerator, m4.denominator) == (3, 9)
    assert (m4b.numerator, m4b.denominator) == (2, 3)
    assert m4b.value == pytest.approx(2 / 3)


def test_the_closed_basis_counts_an_outcome_in_its_period_after_it_is_replaced(world):
    """H1: recorded 2023-05-01, given outcome 16 on 2023-06-01 (an earlier extract's, kept in
    the history), reopened and charged: outcome 1 on 2024-05-10 now. H2: recorded 2023-05-01,
    outcome 15 on 2023-07-01 then 16 on 2023-09-01, both in 2023/24, 16 now. H3: recorded
    2023-05-01, outcome 14 on 2023-08-01, reopened: no outcome now.

    2023/24, outcomes assigned in the year, each offence by the last it was given in it: H1
    16, H2 16, H3 14 = 3, all withdrawals (M4 3/3; M4b 2 of 2; M3 0/3), and H1's and H3's
    withdrawals are still M13c's. 2024/25: H1 1 = 1/1, and 375 days from recording to charge
    (M5). With the current outcomes alone 2023/24 would have H2 only: 1."""
    h1 = make_crime("H1", recorded=date(2023, 5, 1), outcome=1, outcome_on=date(2024, 5, 10))
    h2 = make_crime("H2", recorded=date(2023, 5, 1), outcome=16, outcome_on=date(2023, 9, 1))
    h3 = make_crime("H3", recorded=date(2023, 5, 1))
    for crime, outcome, on in [
        (h1, 16, date(2023, 6, 1)),
        (h1, 1, date(2024, 5, 10)),
        (h2, 15, date(2023, 7, 1)),
        (h2, 16, date(2023, 9, 1)),
        (h3, 14, date(2023, 8, 1)),
    ]:
        CrimeOutcomeChange.objects.create(
            crime=crime, outcome_type_id=outcome, outcome_on=on, first_extracted_on=on + timedelta(days=30)
        )
    year = exact(world, extracted_on=date(2024, 6, 30))
    m3, m4, m4b = year.metric("M3"), year.metric("M4"), year.metric("M4b")
    assert (m3.numerator, m3.denominator) == (0, 3)
    assert (m4.numerator, m4.denominator) == (3, 3)
    assert (m4b.numerator, m4b.denominator) == (2, 2)
    assert year.metric("M13c").denominator == 3
    next_year = exact(world, CrimeFilters.for_financial_year("2024/25"), extracted_on=date(2024, 6, 30))
    assert (next_year.metric("M3").numerator, next_year.metric("M3").denominator) == (1, 1)
    assert next_year.metric("M4").numerator == 0
    assert next_year.metric("M5").value == 375


def test_m5_days_from_recording_to_charge_by_nearest_rank(world, extract):
    """Charged in the year: A1 100 days, A2 30, A3 180, A11 140. Sorted 30, 100, 140, 180 (n=4):
    median rank ceil(2) = 2 -> 100; P75 rank 3 -> 140; P90 rank ceil(3.6) = 4 -> 180."""
    m5 = exact(world).metric("M5")
    assert (m5.denominator, m5.value, m5.p75_days, m5.p90_days) == (4, 100, 140, 180)


def test_m6_cps_charge_rate_and_referrals_count_suspects(world, extract):
    """Charging decisions in the year: A1, A2, A3 charge and A9 nfa_evidential (its action plan
    is not a charging decision): 3/4. Suspects referred: A1, A2, A3 and A9 (referred twice,
    one suspect) = 4. N1's decision is child rape: not counted."""
    result = exact(world)
    m6, m6b = result.metric("M6"), result.metric("M6b")
    assert (m6.numerator, m6.denominator, m6.value) == (3, 4, 0.75)
    assert m6b.value == 4


def test_m7_cps_timeliness_from_the_latest_referral(world, extract):
    """A1 06-01 -> 07-01 = 30; A2 06-10 (referral with no suspect id) -> 06-20 = 10; A3 11-01 ->
    12-01 = 30; A9 re-referred 03-01 -> 03-10 = 9 (not 19 from the first referral). Sorted 9,
    10, 30, 30: median 10, P75 30, P90 30."""
    m7 = exact(world).metric("M7")
    assert (m7.denominator, m7.value, m7.p75_days, m7.p90_days) == (4, 10, 30, 30)


def test_m8_court_timeliness_from_charge_to_verdict(world, extract):
    """Verdicts in the year: A1 164 days from its charged event, A2 153, A11 195 from its type 1
    outcome date (no charged event). Sorted 153, 164, 195: median rank 2 -> 164; P75 rank
    ceil(2.25) = 3 -> 195; P90 -> 195. A15's verdict is after the year."""
    m8 = exact(world).metric("M8")
    assert (m8.denominator, m8.value, m8.p75_days, m8.p90_days) == (3, 164, 195, 195)


def test_m9_crown_court_caseload_outstanding_at_the_end_of_the_period(world, extract):
    """Charged by 31 March 2024 with no verdict by then: A3 (charged 2023-12-28) and A15 (verdict
    2024-05-01) = 2. A13 was charged after the year; A1, A2 and A11 have verdicts."""
    assert exact(world).metric("M9").value == 2


def test_m10_conviction_rate(world, extract):
    """Verdicts in the year: A1 convicted at trial, A2 guilty plea, A11 acquitted: 2/3."""
    m10 = exact(world).metric("M10")
    assert (m10.numerator, m10.denominator) == (2, 3)


def test_m11_attrition_funnel_stages_and_losses(world, extract):
    """Cohort records: A1-A10 and A13 = 11; crimed (not A10) 10; suspect identified (A1, A2, A3,
    A4, A7 by event or suspect, A9, A13) 7; arrested or interviewed (A1, A2, A3, A4, A9, A13) 6;
    referred (A1, A2, A3, A9, A13) 5; charged (A1, A2, A3, A13 by its outcome) 4; trial or plea
    (A1, A2) 2; convicted (A1 at trial, A2 by plea) 2.
    Where they stopped: A10 cancelled (no outcome); after crimed A5 (14), A6 (18), A8 (open);
    after suspect A7 (open); after arrest A4 (16); after referral A9 (15); after charge A3 and
    A13 awaiting a verdict; convicted A1, A2."""
    result = exact(world)
    stages = {stage.key: stage for stage in result.funnel.stages}
    assert [stage.count for stage in result.funnel.stages] == [11, 10, 7, 6, 5, 4, 2, 2]
    assert [stage.lost_after for stage in result.funnel.stages] == [1, 3, 1, 1, 1, 2, 0, None]
    assert stages["crimed"].count == result.metric("M1").value

    group = {n: OutcomeType.objects.get(number=n).group for n in (14, 15, 16, 18)}
    losses = result.funnel.losses
    cell = {
        (label, column): value
        for _, label, figures in losses.rows()
        for column, value in zip(losses.column_labels, figures, strict=True)
        if value
    }
    assert cell == {
        ("Cancelled or transferred", NOT_YET_ASSIGNED): 1,
        ("Crimed, no suspect identified", group[14]): 1,
        ("Crimed, no suspect identified", group[18]): 1,
        ("Crimed, no suspect identified", NOT_YET_ASSIGNED): 1,
        ("Suspect identified, not arrested or interviewed", NOT_YET_ASSIGNED): 1,
        ("Arrested or interviewed, not referred to the CPS", group[16]): 1,
        ("Referred to the CPS, not charged", group[15]): 1,
        ("Charged, no trial or plea yet", "Awaiting verdict"): 2,
        ("Convicted", "Convicted"): 2,
    }
    assert losses.total == 11
    m11 = result.metric("M11")
    assert (m11.numerator, m11.denominator, m11.not_yet_assigned) == (2, 10, 2)


def test_m12_repeat_suspect_share(world, extract):
    """Named suspects in the cohort: A1, A2, A3, A4, A7, A9, A13 = 7. Linked: A1 (S1 is also
    A11's suspect, another adult rape) and A3 (S3 on N2, DA-flagged) = 2. Not linked: A4 (S4
    only on a theft), A7 (S7 in another force), A9 (S9 only on a cancelled record). 2/7."""
    m12 = exact(world).metric("M12")
    assert (m12.numerator, m12.denominator) == (2, 7)
    assert m12.not_yet_assigned == 2


def test_m13_withdrawals_with_a_reason_and_what_the_extract_cannot_say(world, extract):
    """Withdrawals in the year: A4 (event with a reason, outcome 16), A5 (event with no reason,
    outcome 14), A12 (event with a reason, outcome 16) = 3; with a reason 2: 2/3. ISVA
    referrals are not in the extract, and this extract has no Code duties for M13b
    (test_rasso_updates.py): both marked, never computed."""
    result = exact(world)
    m13c = result.metric("M13c")
    assert (m13c.numerator, m13c.denominator) == (2, 3)
    for metric_id, why in (("M13a", "not available from the force extract"), ("M13b", "no victims' code")):
        metric = result.metric(metric_id)
        assert not metric.available
        assert metric.value is None
        assert metric.numerator is None
        assert why in metric.note.lower()
        assert metric.display_value == "not available"


def test_every_metric_has_an_id_name_and_definition(world, extract):
    ids = [metric.id for metric in exact(world).metrics]
    expected = ["M1", "M2", "M3", "M4", "M4b", "M5", "M6", "M6b", "M7", "M8", "M9", "M10", "M11", "M12"]
    assert ids == [*expected, "M13a", "M13b", "M13c"]
    assert all(metric.name and metric.definition for metric in exact(world).metrics)


def test_cohort_rates_carry_not_yet_assigned(world, extract):
    for metric in exact(world).metrics:
        if metric.basis == "cohort":
            assert metric.not_yet_assigned is not None, metric.id
            assert metric.not_yet_assigned_basis, metric.id


def test_every_rate_carries_not_yet_assigned(world, extract):
    """Every rate the extract supports stands beside a "not yet assigned an outcome" count. The
    rates of what happened in the year (M3, M4, M4b, and the events' M6, M10 and M13c) stand
    beside the offences still open at its end: A7, A8 and A13 = 3 (as in M3's docstring)."""
    result = exact(world)
    rates = [metric for metric in result.metrics if metric.kind == "rate" and metric.available]
    assert {metric.id for metric in rates} >= {"M2", "M3", "M4", "M4b", "M6", "M10", "M11", "M12", "M13c"}
    for metric in rates:
        assert metric.not_yet_assigned is not None, metric.id
        assert metric.not_yet_assigned_basis, metric.id
    for metric_id in ("M3", "M4", "M4b", "M6", "M10", "M13c"):
        assert result.metric(metric_id).not_yet_assigned == 3, metric_id


# --- extraction date ----------------------------------------------------------------------------


def test_the_extraction_date_is_the_newest_in_scope_and_the_lag_is_from_the_period_end(world, extract):
    """A12 was extracted on 2024-05-31, every other crime on 2024-06-30; 31 March + 91 days."""
    result = exact(world)
    assert result.extracted_on == date(2024, 6, 30)
    assert result.extraction_lag_days == 91


def test_an_earlier_extraction_date_leaves_later_outcomes_unassigned(world, extract):
    """As at 2023-09-30 only A1 (08-09) and A2 (07-01) were charged: 2/10, and 8 had no outcome
    (A3 12-28, A4 11-01, A5 10-01, A6 2024-01-01, A9 2024-03-15, A13 2024-05-01, A7, A8)."""
    m2 = exact(world, extracted_on=date(2023, 9, 30)).metric("M2")
    assert (m2.numerator, m2.denominator, m2.not_yet_assigned) == (2, 10, 8)


def test_with_no_crimes_the_extraction_date_comes_from_the_newest_file(world):
    from waymark.crime.models import ForceExtractImport

    from .metric_fixtures import west_midlands

    ForceExtractImport.objects.create(
        police_force_area=west_midlands(),
        kind=ForceExtractImport.Kind.CRIMES,
        file_name="crimes.csv",
        sha256="0" * 64,
        extracted_on=date(2024, 4, 30),
    )
    result = exact(world)
    assert result.extracted_on == date(2024, 4, 30)
    assert result.metric("M1").value == 0
    assert result.metric("M2").value is None


# --- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dimensions", "m1", "m2_numerator"),
    [
        pytest.param({"local_authority": COVENTRY}, 2, 1, id="local authority: A2, A9; A2 charged"),
        pytest.param({"local_authority": BIRMINGHAM}, 8, 3, id="local authority: the other 8"),
        pytest.param({"victim_sex": "M"}, 1, 0, id="victim sex: A6"),
        pytest.param({"victim_age_band": "18-24"}, 1, 0, id="age band: A8"),
        pytest.param({"victim_sex": "M", "victim_age_band": "18-24"}, 0, 0, id="sex and band on one victim"),
        pytest.param({"vawg_basis": "da_flag"}, 1, 0, id="basis: A4"),
        pytest.param({"offence_group": "Sexual offences"}, 10, 4, id="offence group"),
        pytest.param({"police_force_area": "T99999999"}, 0, 0, id="another force"),
    ],
)
def test_filters_narrow_the_cohort(world, extract, dimensions, m1, m2_numerator):
    result = exact(world, CrimeFilters.for_financial_year("2023/24", **dimensions))
    assert result.metric("M1").value == m1
    assert result.metric("M2").numerator == m2_numerator


def test_a_quarter_is_its_own_period(world, extract):
    """2023/24 Q1 (April to June 2023): A1 and A2 recorded (A10 cancelled); outcomes in the
    quarter: A11 (1, 04-20), A12 (16, 05-10), A2 (1, 07-01 is Q2): 1 of 2 type 1."""
    result = exact(world, CrimeFilters.for_quarter("2023/24 Q1"))
    assert result.metric("M1").value == 2
    assert (result.metric("M3").numerator, result.metric("M3").denominator) == (1, 2)


def test_a_month_is_its_own_period(world, extract):
    """May 2023: A1 recorded; A12's outcome 16 is the only outcome dated in it."""
    result = exact(world, CrimeFilters.for_month("2023-05"))
    assert result.metric("M1").value == 1
    assert (result.metric("M4").numerator, result.metric("M4").denominator) == (1, 1)


def test_the_basis_filter_applies_to_closed_basis_rates_too(world, extract):
    """Only A4 has the DA basis: its outcome 16 is the only outcome: M4 1/1."""
    result = exact(world, CrimeFilters.for_financial_year("2023/24", vawg_basis="da_flag"))
    assert (result.metric("M4").numerator, result.metric("M4").denominator) == (1, 1)


def test_period_builders():
    assert CrimeFilters.for_month("2024-02").end == date(2024, 2, 29)
    quarter = CrimeFilters.for_quarter("2023/24 Q4")
    assert (quarter.start, quarter.end, quarter.label) == (date(2024, 1, 1), date(2024, 3, 31), "2023/24 Q4")
    year = CrimeFilters.for_financial_year(FinancialYear(2023))
    assert (year.start, year.end) == (date(2023, 4, 1), date(2024, 3, 31))
    with pytest.raises(ValueError, match="not a month"):
        CrimeFilters.for_month("2024-13")
    with pytest.raises(ValueError, match="before it starts"):
        CrimeFilters(start=date(2024, 1, 2), end=date(2024, 1, 1))


# --- percentiles --------------------------------------------------------------------------------


def _nearest_rank(values: list[int], percentile: int) -> int:
    ordered = sorted(values)
    return ordered[math.ceil(percentile / 100 * len(ordered)) - 1]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 10, 20, 37])
def test_percentiles_are_nearest_rank_on_every_database(world, size):
    """Random days (with ties and a same-day charge) charged in May 2023: the median, P75 and
    P90 are the values at ranks ceil(P/100 * n), on SQLite and PostgreSQL alike."""
    chooser = random.Random(size)
    days = [chooser.choice([0, 1, 5, 5, 12, 40, 98, 98, 200, 365]) for _ in range(size)]
    for index, span in enumerate(days):
        charged_on = date(2023, 5, 1) + timedelta(days=index % 28)
        make_crime(f"P{index}", recorded=charged_on - timedelta(days=span), outcome=1, outcome_on=charged_on)
    m5 = exact(world, CrimeFilters.for_month("2023-05")).metric("M5")
    assert m5.denominator == size
    assert (m5.value, m5.p75_days, m5.p90_days) == tuple(_nearest_rank(days, p) for p in (50, 75, 90))


def test_a_metric_with_nothing_to_measure_says_no_cases_not_hidden(world, extract):
    """In March 2024 no adult rape was recorded, charged or given a verdict (A9 and A13 were
    recorded in February): M2 has no cohort and M5 and M8 no case to time. Each says "no cases",
    which a reader cannot mistake for a small hidden number, while a timeliness metric with its
    cases hidden still reads [c]."""
    result = rasso_metrics(user=world.member("opcc_analyst"), filters=CrimeFilters.for_month("2024-03"))
    for metric_id in ("M2", "M5", "M8"):
        metric = result.metric(metric_id)
        assert metric.value is None, metric_id
        assert metric.display_value == "no cases", metric_id
    hidden = Metric(id="M5", name="", definition="", basis="cohort", kind="days", denominator=None)
    assert hidden.display_value == "[c]"


# --- disclosure control -------------------------------------------------------------------------


def test_small_counts_are_hidden_and_rates_built_on_them_too(world, extract):
    """At the operational threshold (5): M1 = 10 is shown; M2's numerator 4 and not-yet-assigned
    2 are hidden, so is the rate; M3's denominator 9 is shown but its numerator 4 is not; M5's
    4 cases hide the median."""
    result = rasso_metrics(user=world.member("opcc_analyst"), filters=FY)
    assert result.threshold == 5
    assert result.metric("M1").value == 10
    m2 = result.metric("M2")
    assert (m2.numerator, m2.denominator, m2.value, m2.not_yet_assigned) == (None, 10, None, None)
    assert m2.display_value == "[c]"
    m3 = result.metric("M3")
    assert (m3.numerator, m3.denominator, m3.value) == (None, 9, None)
    m5 = result.metric("M5")
    assert (m5.denominator, m5.value, m5.p75_days, m5.p90_days) == (None, None, None, None)
    assert HiddenFigure(
        "RASSO metrics",
        "M2 Charge/summons rate (cohort)",
        "Charged or summonsed",
        "under 5, or hidden so that one under 5 cannot be worked out",
    ) in (result.hidden)
    assert all(
        value is None or value == 0 or value >= 5 for line in result.funnel.losses.cells for value in line
    )


def test_the_funnel_never_shows_two_counts_whose_difference_is_hidden(world, extract):
    """What stopped at each stage (M11's docstring): cancelled 1, then 3, 1, 1, 1, 2, 0 and 2
    convicted. At 5 every non-zero one is under the threshold. M1 (10 crimed) is published, so
    the records (11) would give the 1 cancelled away: hidden. Every later stage count would be
    10 less some of the hidden losses: hidden too. Only the 0 that stopped at trial is shown.

    Before, the funnel showed 11, 10, 7, 6 and 5 and hid what stopped between them: 1, 3, 1, 1,
    there for the subtraction."""
    result = rasso_metrics(user=world.member("opcc_analyst"), filters=FY)
    stages = result.funnel.stages
    assert [stage.count for stage in stages] == [None, 10, None, None, None, None, None, None]
    assert [stage.lost_after for stage in stages] == [None, None, None, None, None, None, 0, None]
    assert result.funnel.losses.total is None
    assert "M11" in {metric.id for metric in result.metrics}
    assert HiddenFigure(
        "Attrition funnel",
        "Crimed (not cancelled or transferred)",
        "Did not reach the next stage",
        "under 5, or hidden so that one under 5 cannot be worked out",
    ) in (result.hidden)


def test_the_funnel_shows_a_stage_when_the_losses_on_either_side_are_large(world):
    """Twelve crimed offences stop at 'crimed' and six reach a charge (no later stage), so what
    stopped is 12 and 6: both shown at 5, with the counts 18 and 6 they come from."""
    for n in range(12):
        make_crime(f"L{n}", recorded=date(2023, 5, 1))
    for n in range(6):
        make_crime(f"C{n}", recorded=date(2023, 5, 1), outcome=1, outcome_on=date(2023, 9, 1))
    result = rasso_metrics(user=world.member("opcc_analyst"), filters=FY)
    stages = {stage.key: stage for stage in result.funnel.stages}
    assert (stages["records"].count, stages["crimed"].count, stages["charged"].count) == (18, 18, 6)
    assert (stages["records"].lost_after, stages["crimed"].lost_after) == (0, 12)
    assert stages["charged"].lost_after == 6


def test_a_small_number_reaching_a_stage_cannot_be_worked_out_from_the_stage_before(world):
    """12 offences stop at 'crimed'; 9 are referred to the CPS, of which 7 stop there, 1 is
    charged and 1 goes to trial. The 2 charged are hidden; showing the 9 referred and the 7
    who stopped there would give them away (9 - 7), as would M1 (21) less the rows of the
    losses table shown. So what stopped at the CPS is hidden too, in the funnel and in the
    losses table (its zeros stay), and the hidden rows add up to 9, not 2."""
    for n in range(12):
        make_crime(f"L{n}", recorded=date(2023, 5, 1))
    for n in range(9):
        crime = make_crime(f"P{n}", recorded=date(2023, 5, 1), suspects=[f"S{n}"])
        event(crime, ProgressionEvent.Kind.REFERRED_TO_CPS, date(2023, 6, 1))
        if n < 2:
            event(crime, ProgressionEvent.Kind.CHARGED, date(2023, 7, 1))
            Crime.objects.filter(pk=crime.pk).update(outcome_type_id=1, outcome_on=date(2023, 7, 1))
        if n == 0:
            event(crime, ProgressionEvent.Kind.TRIAL, date(2023, 9, 1))
    result = rasso_metrics(user=world.member("opcc_analyst"), filters=FY)
    stages = {stage.key: stage for stage in result.funnel.stages}
    assert (stages["crimed"].count, stages["crimed"].lost_after) == (21, 12)
    assert stages["referred_to_cps"].count == 9
    assert stages["charged"].count is None
    assert stages["referred_to_cps"].lost_after is None
    losses = result.funnel.losses
    by_row = dict(zip(losses.row_keys, losses.cells, strict=True))
    assert None in by_row["referred_to_cps"]
    assert not [value for value in by_row["referred_to_cps"] if value]
    assert 0 in by_row["referred_to_cps"]
    # No stage count is hidden while the one before it and what stopped there are both shown.
    funnel = result.funnel.stages
    for before, after in itertools.pairwise(funnel):
        assert [before.count, before.lost_after, after.count].count(None) != 1, after.key
    # M1 less every row total shown: 9.
    shown = sum(stage.lost_after or 0 for stage in funnel[1:])
    assert 21 - shown == 9


def test_the_closed_basis_says_when_its_open_offences_are_counted(world, extract):
    """Offences not yet assigned beside a closed-basis rate are counted at the end of the
    period, or at the extraction date (30 June 2024) when the period had not ended by then."""
    user = world.member("opcc_analyst")
    ended = {m.id: m for m in rasso_metrics(user=user, filters=FY).metrics}
    assert ended["M3"].not_yet_assigned_basis.endswith("with no outcome yet at its end")
    running = {
        m.id: m for m in rasso_metrics(user=user, filters=CrimeFilters.for_financial_year("2024/25")).metrics
    }
    for metric_id in ("M3", "M4"):
        assert running[metric_id].not_yet_assigned_basis == (
            "offences recorded by the extraction date (the period had not ended) with no outcome yet then"
        )


def test_the_csv_shows_the_same_suppressed_figures_and_the_log(world, extract):
    result = rasso_metrics(user=world.member("opcc_analyst"), filters=FY)
    rows = list(metrics_csv_rows(result))
    by_id = {row[0]: row for row in rows if row and str(row[0]).startswith("M")}
    assert by_id["M1"][2] == "10"
    assert (by_id["M2"][2], by_id["M2"][3], by_id["M2"][5]) == ("[c]", "[c]", 10)
    assert ["Extraction date", "2024-06-30"] in rows
    assert ["Hidden figures"] in rows
    assert [
        "RASSO metrics",
        "M2 Charge/summons rate (cohort)",
        "Charged or summonsed",
        "under 5, or hidden so that one under 5 cannot be worked out",
    ] in rows
    funnel = [row for row in rows if row and row[0] == "Convicted"]
    assert funnel[0][1] == "[c]"


# --- who may see it -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["caseworker", "board_member", "provider_manager", "auditor", "no_membership"]
)
def test_people_without_crime_data_access_are_refused(world, extract, role):
    with pytest.raises(PermissionDenied):
        rasso_metrics(user=world.member(role), filters=FY)


def test_anonymous_is_refused(world, extract):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        rasso_metrics(user=AnonymousUser(), filters=FY)


@pytest.mark.parametrize("role", ["opcc_analyst", "opcc_admin", "force_code_lead"])
def test_crime_data_roles_get_the_figures(world, extract, role):
    assert rasso_metrics(user=world.member(role), filters=FY).metric("M1").value == 10


def test_the_metrics_read_adult_rape_through_its_own_indexes(world, extract):
    """The partial indexes on adult rape (`crime_adult_rape_*`, about 3% of crimes) serve the
    metrics' queries: each query's conditions imply the indexes' condition. With sequential
    scans off (this extract is too small for the planner to prefer an index otherwise), the
    plans of the headline figures and of M12 read one of them."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    with CaptureQueriesContext(connection) as queries:
        exact(world)
    for marker in ('AS "m1"', 'AS "named"'):
        sql = next(query["sql"] for query in queries if marker in query["sql"])
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "crime_adult_rape_" in plan, plan
