"""A synthetic force extract for the West Midlands: demo data and benchmark input.

**Everything written here is synthetic.** No row is a real crime, victim or suspect: crime
references start `SYN-`, victims' pseudonymous ids `SYN-V`, suspects' `SYN-S`. The files are in
the force-extract format (`docs/formats/force-extract.md`), which has no comment lines, so the
label lives in those prefixes and in `docs/demo-data.md`.

What is realistic, and where it comes from:

- **volumes per local authority** are proportional to the seven districts' Census 2021
  populations (`DISTRICTS`, sources beside them);
- the **adult rape outcome mix** is anchored to published figures (research/crime-data.md §5.3
  M4 and M2, cited at `_FAMILIES`);
- **case progression** follows the stages of research §5.2, with dates that only move forward,
  and timings anchored where the research gives a figure (M5, M7, M8).

What is *not* a claim about the real world: the offence mix, the flag rates, the victims' sex,
age, ethnicity and disability mixes, the other outcome mixes, the share of repeat suspects and
the locations (jittered points round a few town centres per district; no LSOA code is given,
because real West Midlands LSOA codes are not in the repository and none is invented).

Deterministic and stable: each crime is generated from its own seed, made of the run's seed,
its recorded day and its number that day, so the same call writes the same bytes, and two
calls whose windows overlap (with the same crimes per day) agree on every crime they share.
Each crime's whole future is drawn once; the file shows it **as of** `as_of` (outcomes and
events after that date are not yet known: the outcome is 0, "not yet assigned"). A later
extract of the same crimes is therefore what a later real extract would be: the same crimes,
further on. The demo (`waymark.crime.demo`) relies on this.

Streaming: rows are written as they are made; memory does not grow with the number of crimes.
"""

from __future__ import annotations

import csv
import math
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

CRIMES_FILE = "crimes.csv"
EVENTS_FILE = "events.csv"

# The pinned force-extract columns, in the order written.
CRIMES_COLUMNS: tuple[str, ...] = (
    "crime_reference",
    "reported_date",
    "recorded_date",
    "offence_code",
    "record_status",
    "domestic_abuse_flag",
    "honour_based_abuse_flag",
    "sexual_exploitation_flag",
    "child_sexual_abuse_flag",
    "online_flag",
    "hate_strands",
    "lsoa_code",
    "latitude",
    "longitude",
    "local_authority_code",
    "victim_ids",
    "victim_sex",
    "victim_age_band",
    "victim_ethnicity",
    "victim_disability",
    "victim_enhanced_rights",
    "suspect_ids",
    "outcome_type",
    "outcome_date",
)
EVENTS_COLUMNS: tuple[str, ...] = ("crime_reference", "event", "event_date", "suspect_id", "detail")

REFERENCE_PREFIX = "SYN-"
VICTIM_PREFIX = "SYN-V"
SUSPECT_PREFIX = "SYN-S"

# `ProgressionEvent.Kind` values (the tests check they match the model).
SUSPECT_IDENTIFIED = "suspect_identified"
ARRESTED = "arrested"
INTERVIEWED = "interviewed"
BAILED = "bailed"
RELEASED_UNDER_INVESTIGATION = "released_under_investigation"
REFERRED_TO_CPS = "referred_to_cps"
CPS_DECISION = "cps_decision"
CHARGED = "charged"
FIRST_HEARING = "first_hearing"
TRIAL = "trial"
VERDICT = "verdict"
SENTENCE = "sentence"
VICTIM_WITHDRAWAL = "victim_withdrawal"

# Withdrawal reasons: labels of this synthetic data, not a published classification. One
# withdrawal in seven has none recorded (an empty detail), so "withdrawals with a recorded
# reason" (research §5.3 M13) has something to count.
WITHDRAWAL_REASONS: tuple[str, ...] = (
    "does_not_support_prosecution",
    "length_of_process",
    "fear_of_reprisal",
    "wants_to_move_on",
)
_NO_REASON_SHARE = 1 / 7

AGE_BANDS: tuple[str, ...] = ("0-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "unknown")
HATE_STRANDS: tuple[str, ...] = ("race", "religion", "disability", "sexual_orientation", "transgender")


# --- where ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class District:
    """A West Midlands local authority district: its ONS code, Census 2021 population, and a few
    approximate town-centre points that synthetic locations are scattered round."""

    code: str
    name: str
    population: int
    centres: tuple[tuple[float, float], ...]


# Usual residents on Census Day, 21 March 2021 (ONS Census 2021 first results, rounded to the
# nearest hundred), as published by the districts or quoted from ONS:
#   Birmingham    1,144,900  birmingham.gov.uk/info/20057/about_birmingham/1294/population_and_census
#   Coventry        345,300  coventry.gov.uk/adult-social-care-strategies-policies-plans/
#                            market-position-statement-2024-2029/18
#   Dudley          323,500  dudley.gov.uk/council-community/your-council/census/
#   Sandwell        341,900  sandwelltrends.info/population/
#   Solihull        216,200  ugeo.urbistat.com/AdminStat/en/uk/demografia/popolazione/solihull/268/4
#                            (the ONS figure quoted by a secondary site: verify)
#   Walsall         284,100  pioneermagazines.co.uk/spotlight-on-walsall-2021-census-data/ (quoting ONS)
#   Wolverhampton   263,700  quoted on the West Midlands (county) encyclopaedia page (secondary: verify)
# Crime volumes are drawn in proportion to these: a modelling choice of this synthetic data (real
# crime rates per head differ between districts), not a claim about real volumes.
# The centre points are approximate town centres, used only to scatter points; jittered points
# near a border may fall just outside the district.
DISTRICTS: tuple[District, ...] = (
    District(
        "E08000025",
        "Birmingham",
        1_144_900,
        (
            (52.4797, -1.9027),  # city centre
            (52.5631, -1.8221),  # Sutton Coldfield
            (52.5236, -1.8389),  # Erdington
            (52.4153, -1.9685),  # Northfield
            (52.4316, -1.8452),  # Hall Green
            (52.5100, -1.9290),  # Handsworth
            (52.4660, -1.8280),  # Small Heath
        ),
    ),
    District("E08000026", "Coventry", 345_300, ((52.4081, -1.5106), (52.4280, -1.4780), (52.3980, -1.5600))),
    District("E08000027", "Dudley", 323_500, ((52.5087, -2.0877), (52.4560, -2.1480), (52.4490, -2.0500))),
    District("E08000028", "Sandwell", 341_900, ((52.5190, -1.9950), (52.4930, -1.9680), (52.5050, -2.0160))),
    District("E08000029", "Solihull", 216_200, ((52.4130, -1.7780), (52.4810, -1.7330), (52.3950, -1.8170))),
    District("E08000030", "Walsall", 284_100, ((52.5860, -1.9822), (52.6160, -2.0120), (52.5930, -2.0450))),
    District(
        "E08000031", "Wolverhampton", 263_700, ((52.5870, -2.1290), (52.5660, -2.0800), (52.5990, -2.0850))
    ),
)


# --- what ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Family:
    """How a group of offences ends: eventual outcome weights (given the crime is not cancelled)
    and the median days from recording to a police outcome."""

    outcomes: tuple[tuple[int, float], ...]
    median_days: float
    rasso: bool = False
    sexual: bool = False


# Outcome numbers 14 and 18 mean no suspect was identified (research §2): crimes with them get no
# suspect; every other outcome gets at least one.
#
# adult_rape is anchored to published figures (research/crime-data.md §5.3): Cambridgeshire
# 2018 rape outcomes 15 = 35%, 16 = 33%, 14 = 23%, 18 = 3% (Cambridge Independent, M4), and an
# adult rape charge rate of about 3 to 4% (3.6% in Q2 2021, 4.1% in Q1 2021: Express & Star, M2);
# the remaining 2.5% is spread over other outcomes. Police timeliness: the Home Office median for
# rape of 98 days from recording to outcome (M5). Every other family's mix is a labelled
# assumption of this synthetic data, not a published figure.
_FAMILIES: dict[str, _Family] = {
    "adult_rape": _Family(
        (
            (15, 35),
            (16, 33),
            (14, 23),
            (18, 3),
            (1, 3.5),
            (10, 0.8),
            (21, 0.5),
            (20, 0.5),
            (9, 0.4),
            (13, 0.3),
        ),
        98,
        rasso=True,
        sexual=True,
    ),
    "child_rape": _Family(
        ((15, 33), (16, 26), (14, 14), (18, 6), (1, 9), (10, 3), (21, 4), (20, 2), (9, 1), (11, 2)),
        120,
        rasso=True,
        sexual=True,
    ),
    "serious_sexual": _Family(
        ((15, 30), (16, 27), (14, 15), (18, 12), (1, 8), (10, 3), (21, 2), (20, 1), (9, 1), (3, 1)),
        90,
        rasso=True,
        sexual=True,
    ),
    "other_sexual": _Family(
        ((15, 25), (16, 20), (14, 12), (18, 20), (1, 9), (21, 5), (22, 2), (3, 2), (10, 3), (20, 2)),
        80,
        sexual=True,
    ),
    "stalking_harassment": _Family(
        ((16, 35), (15, 22), (14, 10), (18, 12), (1, 8), (8, 4), (3, 2), (10, 3), (21, 1), (20, 1), (22, 2)),
        45,
    ),
    "hate_harassment": _Family(
        ((16, 25), (15, 25), (14, 8), (18, 20), (1, 10), (8, 6), (3, 3), (10, 2), (22, 1)), 40
    ),
    "coercive_control": _Family(((16, 45), (15, 30), (1, 15), (10, 5), (21, 2), (20, 3)), 60),
    "violence": _Family(
        ((16, 32), (15, 20), (14, 10), (18, 18), (1, 8), (8, 5), (3, 3), (2, 1), (10, 2), (22, 1)), 30
    ),
    "exploitation": _Family(((15, 30), (16, 20), (18, 20), (1, 10), (20, 10), (14, 10)), 120),
}


@dataclass(frozen=True, slots=True)
class _Offence:
    """One offence code in the synthetic mix. All rates are assumptions of this synthetic data."""

    code: str
    weight: float  # share of the synthetic extract, per 1,000 crimes
    family: str
    da_share: float  # of crimes with a victim aged 16 or over (the Domestic Abuse Act 2021 s1 age)
    female_share: float
    ages: str  # a key of _AGE_PROFILES
    online_share: float = 0.0
    exploitation_share: float = 0.0
    hate_share: float = 0.0


# The offence mix: only codes in waymark/crime/fixtures/offence_codes.json (research §3). A
# synthetic extract of the crimes a victims portfolio follows (violence, sexual offences,
# stalking and harassment), NOT a statement of real proportions.
OFFENCE_MIX: tuple[_Offence, ...] = (
    # violence against the person, with and without the domestic abuse flag
    _Offence("105A", 250, "violence", 0.35, 0.45, "any", hate_share=0.06),
    _Offence("8N", 180, "violence", 0.35, 0.45, "any", hate_share=0.05),
    _Offence("5D", 15, "violence", 0.20, 0.25, "any"),
    _Offence("5E", 3, "violence", 0.10, 0.30, "any"),
    _Offence("3B", 20, "violence", 0.40, 0.55, "adult", online_share=0.10),
    # stalking and harassment, malicious communications, controlling or coercive behaviour
    _Offence("8L", 90, "stalking_harassment", 0.40, 0.65, "adult", online_share=0.20, hate_share=0.05),
    _Offence("8Q", 50, "stalking_harassment", 0.55, 0.80, "adult", online_share=0.15),
    _Offence("8R", 100, "stalking_harassment", 0.25, 0.60, "any", online_share=0.70, hate_share=0.04),
    _Offence("8M", 15, "hate_harassment", 0.0, 0.45, "any", hate_share=1.0),
    _Offence("8U", 40, "coercive_control", 1.0, 0.90, "adult", online_share=0.10),
    # rape (adult rape: 19C and 19F)
    _Offence("19C", 25, "adult_rape", 0.35, 1.0, "adult16"),
    _Offence("19F", 2.5, "adult_rape", 0.15, 0.0, "adult16"),
    _Offence("19D", 6, "child_rape", 0.0, 1.0, "child"),
    _Offence("19E", 3, "child_rape", 0.0, 1.0, "child"),
    _Offence("19G", 1, "child_rape", 0.0, 0.0, "child"),
    _Offence("19H", 1, "child_rape", 0.0, 0.0, "child"),
    # other serious sexual offences
    _Offence("20A", 35, "serious_sexual", 0.15, 1.0, "from13"),
    _Offence("20B", 6, "serious_sexual", 0.0, 1.0, "child"),
    _Offence("17A", 5, "serious_sexual", 0.10, 0.0, "from13"),
    _Offence("17B", 2, "serious_sexual", 0.0, 0.0, "child"),
    _Offence("22A", 3, "serious_sexual", 0.20, 0.85, "adult16"),
    _Offence("70", 0.5, "serious_sexual", 0.10, 0.70, "adult16"),
    # other sexual offences
    _Offence("21", 3, "other_sexual", 0.0, 0.80, "child"),
    _Offence("22B", 5, "other_sexual", 0.0, 0.80, "child", online_share=0.30),
    _Offence("23", 1, "other_sexual", 0.0, 0.80, "young"),
    _Offence("71", 1, "other_sexual", 0.0, 0.85, "young", online_share=0.20, exploitation_share=1.0),
    _Offence("72", 0.5, "other_sexual", 0.0, 0.90, "adult16", exploitation_share=1.0),
    _Offence("73", 1, "other_sexual", 0.0, 0.80, "trust"),
    _Offence("88A", 2, "other_sexual", 0.0, 0.85, "child", online_share=0.50, exploitation_share=0.30),
    _Offence("88C", 5, "other_sexual", 0.10, 0.80, "adult16"),
    _Offence("88E", 10, "other_sexual", 0.05, 0.85, "adult16", online_share=0.10),
    # modern slavery, sometimes for sexual exploitation
    _Offence("106", 1, "exploitation", 0.0, 0.60, "adult16", exploitation_share=0.40),
)

# Weights over AGE_BANDS, per offence's victims (assumptions of this synthetic data).
_AGE_PROFILES: dict[str, tuple[float, ...]] = {
    "any": (8, 5, 17, 24, 19, 13, 7, 4, 3),
    "adult": (0, 0, 18, 28, 22, 15, 8, 5, 4),
    "adult16": (0, 8, 30, 27, 17, 9, 4, 2, 3),
    "from13": (20, 10, 22, 20, 12, 8, 4, 2, 2),
    "child": (100, 0, 0, 0, 0, 0, 0, 0, 0),
    "young": (60, 40, 0, 0, 0, 0, 0, 0, 0),
    "trust": (30, 70, 0, 0, 0, 0, 0, 0, 0),
}

# Victims' ethnicity, broad Census 2021 groups. Weights from the West Midlands (county) Census 2021
# shares quoted on its encyclopaedia page (White 61.4%, Asian 22.9%, Black 8.1%, Mixed 4.2%,
# Other 3.5%), with "Not stated" added for records that lack it (an assumption).
_ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("White", 56.5),
    ("Asian", 21.1),
    ("Black", 7.5),
    ("Mixed", 3.9),
    ("Other", 3.2),
    ("Not stated", 7.8),
)
_DISABILITY: tuple[tuple[str, float], ...] = (("N", 70), ("Y", 12), ("unknown", 18))
_HATE_STRAND_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("race", 70),
    ("religion", 8),
    ("sexual_orientation", 12),
    ("disability", 6),
    ("transgender", 4),
)

# Assumptions of this synthetic data.
_CANCELLED_SHARE = 0.015
_TRANSFERRED_SHARE = 0.005
_SECOND_VICTIM_SHARE = 0.05
_SECOND_SUSPECT_SHARE = 0.06
_NO_LOCATION_SHARE = 0.02
_HBA_SHARE_OF_DA = 0.01
_DA_EVENTS_SHARE = 0.30  # DA-flagged crimes outside RASSO that carry progression events
_REPEAT_SUSPECT_SHARE = 0.20  # of DA or RASSO crimes' suspects: drawn from a pool, so they recur
_REPEAT_VICTIM_SHARE = 0.10  # of DA-flagged adult crimes' victims
_POOL_PER_YEAR_OF_DAILY_VOLUME = 0.1  # pool size = this x crimes per day x 365


class _Picker:
    """A weighted choice over fixed items, by bisection over cumulative weights."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, pairs: Sequence[tuple[object, float]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> object:
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


_OFFENCE_PICKER = _Picker([(offence, offence.weight) for offence in OFFENCE_MIX])
_DISTRICT_PICKER = _Picker([(district, float(district.population)) for district in DISTRICTS])
_AGE_PICKERS = {
    name: _Picker(list(zip(AGE_BANDS, weights, strict=True))) for name, weights in _AGE_PROFILES.items()
}
_OUTCOME_PICKERS = {name: _Picker(family.outcomes) for name, family in _FAMILIES.items()}
_ETHNICITY_PICKER = _Picker(_ETHNICITIES)
_DISABILITY_PICKER = _Picker(_DISABILITY)
_HATE_PICKER = _Picker(_HATE_STRAND_WEIGHTS)
_NO_SUSPECT_OUTCOMES = frozenset({14, 18})
_UNDER_18 = frozenset({"0-15", "16-17"})


def _flag(value: bool) -> str:
    return "Y" if value else "N"


def _between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high inclusive (`randint`, without its overhead per call)."""
    return low + int(rng.random() * (high - low + 1))


def _lognormal_days(rng: random.Random, median: float, sigma: float = 0.8) -> int:
    return max(1, round(rng.lognormvariate(math.log(median), sigma)))


@dataclass(frozen=True, slots=True)
class _Victim:
    ref: str
    sex: str
    age_band: str
    ethnicity: str
    disability: str


class _Plan:
    """What one extract shares between its crimes: the seed, the as-of date, the pool sizes."""

    def __init__(self, *, seed: int, as_of: date, crimes_per_day: float) -> None:
        self.seed = seed
        self.as_of = as_of
        # Pools scale with the daily volume, not the total, so windows of different lengths with
        # the same daily volume draw the same repeat suspects and victims.
        self.pool = max(10, round(crimes_per_day * 365 * _POOL_PER_YEAR_OF_DAILY_VOLUME))
        self._pool_rng = random.Random()  # noqa: S311 - synthetic data, not security

    def pooled_victim(self, n: int) -> _Victim:
        """A repeat victim: the same attributes every time their id appears."""
        rng = self._pool_rng
        rng.seed(f"victim:{self.seed}:{n}")
        return _Victim(
            ref=f"{VICTIM_PREFIX}R{n:07d}",
            sex="F" if rng.random() < 0.8 else "M",
            age_band=str(_AGE_PICKERS["adult"](rng)),
            ethnicity=str(_ETHNICITY_PICKER(rng)),
            disability=str(_DISABILITY_PICKER(rng)),
        )


def _victims(rng: random.Random, offence: _Offence, reference_key: str, *, count: int) -> list[_Victim]:
    victims = []
    for k in range(count):
        age_band = str(_AGE_PICKERS[offence.ages](rng))
        sex = "X" if rng.random() < 0.01 else ("F" if rng.random() < offence.female_share else "M")
        victims.append(
            _Victim(
                ref=f"{VICTIM_PREFIX}{reference_key}{k}",
                sex=sex,
                age_band=age_band,
                ethnicity=str(_ETHNICITY_PICKER(rng)),
                disability=str(_DISABILITY_PICKER(rng)),
            )
        )
    return victims


def _enhanced_rights(
    rng: random.Random, victim: _Victim, offence: _Offence, family: _Family, da: bool
) -> str:
    """Victims' Code enhanced-rights category: a synthetic rule, not the Code's own tests."""
    if victim.age_band in _UNDER_18:
        return "vulnerable"
    if family.sexual or da or offence.family == "hate_harassment" or offence.code == "5D":
        return "most_serious_crime" if rng.random() < 0.8 else ""
    if offence.family == "stalking_harassment":
        roll = rng.random()
        return "persistently_targeted" if roll < 0.3 else ("intimidated" if roll < 0.5 else "")
    if victim.disability == "Y" and rng.random() < 0.5:
        return "vulnerable"
    return ""


class _Timeline:
    """A crime's progression events, in date order, as (event, date, suspect, detail)."""

    __slots__ = ("day", "events")

    def __init__(self, day: date) -> None:
        self.day = day
        self.events: list[tuple[str, date, str, str]] = []

    def after(self, days: int) -> date:
        self.day = self.day + timedelta(days=max(0, days))
        return self.day

    def add(self, event: str, on: date, suspect: str = "", detail: str = "") -> None:
        self.events.append((event, on, suspect, detail))


def _progress(
    rng: random.Random,
    *,
    recorded: date,
    outcome: int,
    family: _Family,
    suspects: list[str],
    with_events: bool,
) -> tuple[date, list[tuple[str, date, str, str]]]:
    """The crime's eventual outcome date and (when it carries them) its events (research §5.2)."""
    t = _Timeline(recorded)
    suspect = suspects[0] if suspects else ""
    if suspects:
        identified = t.after(_between(rng, 0, 21))
        for other in suspects:
            t.add(SUSPECT_IDENTIFIED, identified, other)
        if rng.random() < 0.75:
            arrested = t.after(_between(rng, 0, 14))
            t.add(ARRESTED, arrested, suspect)
            interviewed = t.after(_between(rng, 0, 1))
            t.add(INTERVIEWED, interviewed, suspect)
            roll = rng.random()
            if roll < 0.35:
                t.add(BAILED, interviewed, suspect)
            elif roll < 0.80:
                t.add(RELEASED_UNDER_INVESTIGATION, interviewed, suspect)
        else:
            t.add(INTERVIEWED, t.after(_between(rng, 3, 40)), suspect)  # a voluntary interview

    if outcome == 1:
        # Referral, the CPS decision (research §5.3 M7: median 122 days from file to decision in
        # Q2 2021), sometimes an action plan first; then charge and court (M8: median 457 days from
        # charge to completion in Q2 2021).
        t.add(REFERRED_TO_CPS, t.after(_lognormal_days(rng, 90, 0.6)), suspect)
        if rng.random() < 0.25:
            t.add(CPS_DECISION, t.after(_lognormal_days(rng, 60, 0.6)), suspect, "action_plan")
            t.add(REFERRED_TO_CPS, t.after(_lognormal_days(rng, 45, 0.6)), suspect)
        t.add(CPS_DECISION, t.after(_lognormal_days(rng, 122, 0.6)), suspect, "charge")
        charged = t.after(_between(rng, 0, 7))
        t.add(CHARGED, charged, suspect)
        t.add(FIRST_HEARING, t.after(_between(rng, 1, 28)), suspect)
        roll = rng.random()
        if roll < 0.35:
            t.add(VERDICT, t.after(_between(rng, 0, 120)), suspect, "convicted_plea")
            t.add(SENTENCE, t.after(_between(rng, 21, 60)), suspect)
        elif roll < 0.90:
            trial = max(t.day, charged + timedelta(days=_lognormal_days(rng, 457, 0.4)))
            t.day = trial
            t.add(TRIAL, trial, suspect)
            verdict = t.after(_between(rng, 0, 10))
            if rng.random() < 0.55:
                t.add(VERDICT, verdict, suspect, "convicted_trial")
                t.add(SENTENCE, t.after(_between(rng, 21, 60)), suspect)
            else:
                t.add(VERDICT, verdict, suspect, "acquitted")
        else:
            t.add(VERDICT, t.after(_between(rng, 30, 300)), suspect, "discontinued")
        outcome_on = charged
    elif outcome == 9 or (outcome == 15 and family.rasso and rng.random() < 0.4):
        # The CPS decides not to charge (public interest: outcome 9; evidential: 15).
        t.add(REFERRED_TO_CPS, t.after(_lognormal_days(rng, 90, 0.6)), suspect)
        detail = "nfa_public_interest" if outcome == 9 else "nfa_evidential"
        t.add(CPS_DECISION, t.after(_lognormal_days(rng, 122, 0.6)), suspect, detail)
        outcome_on = t.after(_between(rng, 0, 14))
    elif outcome in (14, 16):
        # The victim withdraws support; the outcome follows.
        withdrawn = max(t.day, recorded + timedelta(days=_lognormal_days(rng, family.median_days * 0.6, 0.8)))
        t.day = withdrawn
        reason = (
            ""
            if rng.random() < _NO_REASON_SHARE
            else WITHDRAWAL_REASONS[int(rng.random() * len(WITHDRAWAL_REASONS))]
        )
        t.add(VICTIM_WITHDRAWAL, withdrawn, "", reason)
        outcome_on = t.after(_between(rng, 1, 30))
    else:
        outcome_on = recorded + timedelta(days=_lognormal_days(rng, family.median_days, 0.8))
        if outcome_on <= t.day:
            outcome_on = t.day + timedelta(days=_between(rng, 1, 20))
    return outcome_on, (t.events if with_events else [])


def _victim_columns(victims: list[_Victim], enhanced: list[str]) -> tuple[str, str, str, str, str, str]:
    """The six parallel `victim_*` columns (one victim, the usual case, without joining)."""
    if len(victims) == 1:
        v = victims[0]
        return v.ref, v.sex, v.age_band, v.ethnicity, v.disability, enhanced[0]
    return (
        ";".join(v.ref for v in victims),
        ";".join(v.sex for v in victims),
        ";".join(v.age_band for v in victims),
        ";".join(v.ethnicity for v in victims),
        ";".join(v.disability for v in victims),
        ";".join(enhanced),
    )


def _crime_rows(
    rng: random.Random, plan: _Plan, reference: str, reference_key: str, recorded: date
) -> tuple[list[str], list[list[str]]]:
    """One crime's row and its events' rows, as of `plan.as_of`."""
    offence: _Offence = _OFFENCE_PICKER(rng)  # type: ignore[assignment]
    family = _FAMILIES[offence.family]
    district: District = _DISTRICT_PICKER(rng)  # type: ignore[assignment]

    roll = rng.random()
    reported = recorded - timedelta(days=0 if roll < 0.7 else (1 if roll < 0.9 else _between(rng, 2, 7)))
    roll = rng.random()
    status = (
        "cancelled"
        if roll < _CANCELLED_SHARE
        else ("transferred" if roll < _CANCELLED_SHARE + _TRANSFERRED_SHARE else "recorded")
    )

    # Victims: usually one, sometimes two (not for the sexual offences here).
    count = 2 if not family.sexual and rng.random() < _SECOND_VICTIM_SHARE else 1
    victims = _victims(rng, offence, reference_key, count=count)
    adult = all(victim.age_band != "0-15" for victim in victims)
    da = adult and rng.random() < offence.da_share
    if (
        da
        and offence.family in ("violence", "stalking_harassment", "coercive_control")
        and rng.random() < _REPEAT_VICTIM_SHARE
    ):
        victims[0] = plan.pooled_victim(int(rng.random() * plan.pool))
    hba = da and rng.random() < _HBA_SHARE_OF_DA
    child_sexual = family.sexual and any(victim.age_band in _UNDER_18 for victim in victims)
    exploitation = rng.random() < offence.exploitation_share
    online = rng.random() < offence.online_share

    strands: list[str] = []
    if offence.family == "hate_harassment":
        strands.append("race" if rng.random() < 0.85 else "religion")
    elif not da and rng.random() < offence.hate_share:
        strands.append(str(_HATE_PICKER(rng)))
        if rng.random() < 0.05:
            second = str(_HATE_PICKER(rng))
            if second != strands[0]:
                strands.append(second)

    latitude = longitude = ""
    if rng.random() >= (0.5 if online else _NO_LOCATION_SHARE):
        lat, lng = district.centres[int(rng.random() * len(district.centres))]
        latitude = f"{lat + rng.uniform(-0.018, 0.018):.5f}"
        longitude = f"{lng + rng.uniform(-0.028, 0.028):.5f}"

    # The eventual outcome decides whether a suspect was identified (14 and 18: none).
    outcome = int(_OUTCOME_PICKERS[offence.family](rng))  # type: ignore[call-overload]
    suspects: list[str] = []
    if outcome not in _NO_SUSPECT_OUTCOMES:
        pooled = (da or family.rasso) and rng.random() < _REPEAT_SUSPECT_SHARE
        suspects.append(
            f"{SUSPECT_PREFIX}R{int(rng.random() * plan.pool):07d}"
            if pooled
            else f"{SUSPECT_PREFIX}{reference_key}0"
        )
        if rng.random() < _SECOND_SUSPECT_SHARE:
            suspects.append(f"{SUSPECT_PREFIX}{reference_key}1")

    events: list[list[str]] = []
    shown, outcome_date = "0", ""  # a cancelled or transferred record never carries an outcome
    if status == "recorded":
        with_events = family.rasso or (da and rng.random() < _DA_EVENTS_SHARE)
        outcome_on, timeline = _progress(
            rng, recorded=recorded, outcome=outcome, family=family, suspects=suspects, with_events=with_events
        )
        as_of = plan.as_of
        events = [
            [reference, event, on.isoformat(), suspect, detail]
            for event, on, suspect, detail in timeline
            if on <= as_of
        ]
        if outcome_on <= as_of:
            shown, outcome_date = str(outcome), outcome_on.isoformat()

    enhanced = [_enhanced_rights(rng, victim, offence, family, da) for victim in victims]
    row = [
        reference,
        reported.isoformat(),
        recorded.isoformat(),
        offence.code,
        status,
        _flag(da),
        _flag(hba),
        _flag(exploitation),
        _flag(child_sexual),
        _flag(online),
        ";".join(strands),
        "",
        latitude,
        longitude,
        district.code,
        *_victim_columns(victims, enhanced),
        ";".join(suspects),
        shown,
        outcome_date,
    ]
    return row, events


def write_extract(
    directory: Path,
    *,
    crimes: int,
    seed: int = 1,
    start: date = date(2023, 4, 1),
    end: date = date(2025, 3, 31),
    as_of: date | None = None,
) -> tuple[Path, Path]:
    """Write a SYNTHETIC West Midlands force extract: `<directory>/crimes.csv` and `events.csv`.

    `crimes` crimes are recorded between `start` and `end` (inclusive), spread evenly over the
    days; the files show each crime as of `as_of` (default `end`, and never before it): outcomes
    and events after it are not yet known. Streaming, deterministic for a seed. Returns the two
    paths.
    """
    if isinstance(crimes, bool) or not isinstance(crimes, int) or crimes < 0:
        raise ValueError(f"crimes must be a whole number of 0 or more, not {crimes!r}")
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start})")
    as_of = end if as_of is None else as_of
    if as_of < end:
        raise ValueError(f"as_of ({as_of}) is before end ({end}): crimes would be recorded after the extract")
    days = (end - start).days + 1
    if crimes > days * 9_999_999:
        raise ValueError("too many crimes per day for the crime reference format")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    crimes_path, events_path = directory / CRIMES_FILE, directory / EVENTS_FILE
    plan = _Plan(seed=seed, as_of=as_of, crimes_per_day=crimes / days)
    rng = random.Random()  # noqa: S311 - synthetic data, not security
    with (
        open(crimes_path, "w", encoding="utf-8", newline="") as crimes_file,
        open(events_path, "w", encoding="utf-8", newline="") as events_file,
    ):
        crime_writer, event_writer = csv.writer(crimes_file), csv.writer(events_file)
        crime_writer.writerow(CRIMES_COLUMNS)
        event_writer.writerow(EVENTS_COLUMNS)
        for d in range(days):
            # An even spread that gives every day the same count when crimes is a multiple of days.
            count = crimes * (d + 1) // days - crimes * d // days
            if not count:
                continue
            day = start + timedelta(days=d)
            stamp = day.strftime("%Y%m%d")
            ordinal = day.toordinal()
            for i in range(count):
                rng.seed((seed * 4_000_000 + ordinal) * 10_000_000 + i)
                row, events = _crime_rows(
                    rng, plan, f"{REFERENCE_PREFIX}{stamp}-{i:05d}", f"{stamp}{i:05d}", day
                )
                crime_writer.writerow(row)
                if events:
                    event_writer.writerows(events)
    return crimes_path, events_path
