"""SYNTHETIC Victims' Code duties for the crimes already in Waymark (demo and benchmarks).

For each victim of each imported crime, the duties the Code would open (written confirmation,
needs assessment, referral, specialist referral for enhanced-rights victims), then one per
case-progression event (arrest, interview, bail or release under investigation, a CPS decision
not to charge, a VPS offer at interview or charge, hearing and witness notices, the outcome,
the Victim Contact Scheme for sentenced sexual offences). Each duty is delivered, late, not
applicable or still open at random, with rates set below to look like a force that does most
things most of the time and is slow on updates (the pattern the seed paper worries about).
These are not real rates; every file says SYNTHETIC in its name.

The file is in the Code duties format (docs/formats/code-duties.md). Randomness is seeded per
crime reference, so the same crimes always give the same duties.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from waymark.core.workdays import add_working_days
from waymark.crime.models import Crime, CrimeVictim, ProgressionEvent

CODE_DUTY_COLUMNS: tuple[str, ...] = (
    "crime_reference",
    "victim_id",
    "entitlement",
    "triggered_on",
    "received_on",
    "enhanced",
    "delivered_on",
    "channel",
    "not_applicable_reason",
    "not_applicable_detail",
)
CHANNELS = ("letter", "email", "sms", "phone", "in_person")


@dataclass(frozen=True)
class DeliveryPattern:
    """How often a duty is delivered, and how: chances of each fate, and the working days taken
    when delivered (a range for on time, one for late)."""

    delivered: float
    on_time: float
    not_applicable: float = 0.0
    reason: str = "victim_declined"


# Per entitlement code. `on_time` is the chance a delivered duty meets its deadline.
PATTERNS: dict[str, DeliveryPattern] = {
    "R3.WRITTEN_CONFIRMATION": DeliveryPattern(delivered=0.9, on_time=0.95),
    "R4.NEEDS_ASSESSMENT": DeliveryPattern(delivered=0.82, on_time=0.9),
    "R4.SUPPORT_REFERRAL": DeliveryPattern(delivered=0.8, on_time=0.72, not_applicable=0.06),
    "R4.SPECIALIST_REFERRAL_OFFER": DeliveryPattern(delivered=0.7, on_time=0.9),
    "R6.ARREST_UPDATE": DeliveryPattern(
        delivered=0.78, on_time=0.6, not_applicable=0.02, reason="unable_to_contact"
    ),
    "R6.INTERVIEW_UPDATE": DeliveryPattern(delivered=0.7, on_time=0.55),
    "R6.BAIL_RUI_UPDATE": DeliveryPattern(delivered=0.72, on_time=0.5),
    "R6.CPS_DECISION_UPDATE": DeliveryPattern(delivered=0.85, on_time=0.7),
    "R7.VPS_OFFER": DeliveryPattern(delivered=0.62, on_time=1.0),
    "R8.HEARING_DETAILS": DeliveryPattern(delivered=0.95, on_time=0.85),
    "R8.WITNESS_REQUIRED": DeliveryPattern(delivered=0.93, on_time=0.8),
    "R9.OUTCOME_NOTIFIED": DeliveryPattern(delivered=0.9, on_time=0.75),
    "R11.VCS_REFERRAL": DeliveryPattern(delivered=0.8, on_time=0.7),
    "R11.VLO_CONTACT": DeliveryPattern(delivered=0.85, on_time=0.8),
}
# Working-day deadlines of the seeded entitlements (standard, enhanced), for drawing delays.
DEADLINES: dict[str, tuple[int, int]] = {
    "R4.SUPPORT_REFERRAL": (2, 2),
    "R6.ARREST_UPDATE": (5, 1),
    "R6.INTERVIEW_UPDATE": (5, 1),
    "R6.BAIL_RUI_UPDATE": (5, 1),
    "R6.CPS_DECISION_UPDATE": (5, 1),
    "R8.HEARING_DETAILS": (1, 1),
    "R8.WITNESS_REQUIRED": (1, 1),
    "R9.OUTCOME_NOTIFIED": (1, 1),
    "R11.VCS_REFERRAL": (10, 10),
    "R11.VLO_CONTACT": (20, 20),
}
NO_DEADLINE_DAYS = 10  # how long an undated duty (written confirmation, VPS offer) takes when done

_EVENT_DUTIES: dict[str, str] = {
    ProgressionEvent.Kind.ARRESTED: "R6.ARREST_UPDATE",
    ProgressionEvent.Kind.INTERVIEWED: "R6.INTERVIEW_UPDATE",
    ProgressionEvent.Kind.BAILED: "R6.BAIL_RUI_UPDATE",
    ProgressionEvent.Kind.RELEASED_UNDER_INVESTIGATION: "R6.BAIL_RUI_UPDATE",
}


@dataclass(frozen=True)
class SyntheticDuty:
    crime_reference: str
    victim_id: str
    entitlement: str
    triggered_on: date
    received_on: date | None
    enhanced: bool
    delivered_on: date | None
    channel: str
    not_applicable_reason: str

    def row(self) -> list[str]:
        return [
            self.crime_reference,
            self.victim_id,
            self.entitlement,
            self.triggered_on.isoformat(),
            self.received_on.isoformat() if self.received_on else "",
            "Y" if self.enhanced else "N",
            self.delivered_on.isoformat() if self.delivered_on else "",
            self.channel,
            self.not_applicable_reason,
            "",
        ]


def _fate(
    rng: random.Random, code: str, anchor: date, enhanced: bool, as_of: date
) -> tuple[date | None, str, str]:
    """(delivered_on, channel, not-applicable reason) of one duty as of `as_of`."""
    pattern = PATTERNS[code]
    draw = rng.random()
    if draw < pattern.not_applicable:
        return None, "", pattern.reason
    if draw > pattern.not_applicable + pattern.delivered * (1 - pattern.not_applicable):
        return None, "", ""  # never delivered (so far)
    standard, enhanced_days = DEADLINES.get(code, (NO_DEADLINE_DAYS, NO_DEADLINE_DAYS))
    deadline = enhanced_days if enhanced else standard
    if rng.random() < pattern.on_time:
        days = rng.randint(0, max(deadline, 0))
    else:
        days = deadline + rng.randint(1, max(3, deadline * 2))
    delivered = add_working_days(anchor, days)
    if delivered > as_of:
        return None, "", ""  # not delivered yet when the extract was taken
    return delivered, rng.choice(CHANNELS), ""


def synthetic_duties(*, police_force_area_id: int, as_of: date, seed: int = 1) -> Iterator[SyntheticDuty]:
    """Every synthetic duty of the area's crimes reported on or before `as_of`, crime by crime."""
    crimes = Crime.objects.filter(police_force_area_id=police_force_area_id, reported_on__lte=as_of).order_by(
        "crime_reference"
    )
    for chunk_start in range(0, crimes.count(), 2_000):
        chunk = list(
            crimes.values_list("id", "crime_reference", "reported_on", "is_rasso")[
                chunk_start : chunk_start + 2_000
            ]
        )
        ids = [row[0] for row in chunk]
        victims: dict[int, list[tuple[str, bool]]] = defaultdict(list)
        for crime_id, ref, rights in CrimeVictim.objects.filter(crime_id__in=ids).values_list(
            "crime_id", "victim_ref", "enhanced_rights"
        ):
            victims[crime_id].append((ref, bool(rights)))
        events: dict[int, list[tuple[str, date, str]]] = defaultdict(list)
        for crime_id, kind, on, detail in (
            ProgressionEvent.objects.filter(crime_id__in=ids, occurred_on__lte=as_of)
            .order_by("occurred_on", "kind")
            .values_list("crime_id", "kind", "occurred_on", "detail")
        ):
            events[crime_id].append((kind, on, detail))
        for crime_id, reference, reported, sexual in chunk:
            rng = random.Random(f"{seed}:{reference}")  # noqa: S311 (synthetic data, not security)
            for victim, enhanced in victims[crime_id]:
                yield from _victim_duties(
                    rng, reference, victim, enhanced, reported, events[crime_id], bool(sexual), as_of
                )


def _victim_duties(
    rng: random.Random,
    reference: str,
    victim: str,
    enhanced: bool,
    reported: date,
    events: list[tuple[str, date, str]],
    sexual: bool,
    as_of: date,
) -> Iterator[SyntheticDuty]:
    def duty(code: str, triggered: date, received: date | None = None) -> SyntheticDuty:
        delivered, channel, reason = _fate(rng, code, received or triggered, enhanced, as_of)
        return SyntheticDuty(
            reference, victim, code, triggered, received, enhanced, delivered, channel, reason
        )

    yield duty("R3.WRITTEN_CONFIRMATION", reported)
    yield duty("R4.NEEDS_ASSESSMENT", reported)
    yield duty("R4.SUPPORT_REFERRAL", reported)
    if enhanced:
        yield duty("R4.SPECIALIST_REFERRAL_OFFER", reported)
    seen: set[tuple[str, date]] = set()
    vps_offered = False
    for kind, on, detail in events:
        code = _EVENT_DUTIES.get(kind)
        if kind == ProgressionEvent.Kind.CPS_DECISION and detail.startswith("nfa"):
            code = "R6.CPS_DECISION_UPDATE"
        if code and (code, on) not in seen:
            seen.add((code, on))
            yield duty(code, on)
        if kind in (ProgressionEvent.Kind.INTERVIEWED, ProgressionEvent.Kind.CHARGED) and not vps_offered:
            vps_offered = True
            yield duty("R7.VPS_OFFER", on)
        if kind in (ProgressionEvent.Kind.FIRST_HEARING, ProgressionEvent.Kind.TRIAL):
            listed = on - timedelta(days=21)
            if listed >= reported and ("R8.HEARING_DETAILS", listed) not in seen:
                seen.add(("R8.HEARING_DETAILS", listed))
                yield duty("R8.HEARING_DETAILS", listed, listed + timedelta(days=rng.randint(0, 2)))
            if kind == ProgressionEvent.Kind.TRIAL:
                told = on - timedelta(days=28)
                if told >= reported:
                    yield duty("R8.WITNESS_REQUIRED", told, told + timedelta(days=rng.randint(0, 2)))
        if kind == ProgressionEvent.Kind.VERDICT:
            yield duty("R9.OUTCOME_NOTIFIED", on, on + timedelta(days=rng.randint(0, 3)))
        if kind == ProgressionEvent.Kind.SENTENCE and sexual:
            referral = duty("R11.VCS_REFERRAL", on)
            yield referral
            if referral.delivered_on is not None:
                yield duty("R11.VLO_CONTACT", referral.delivered_on)


def write_code_duties(path: Path, *, police_force_area_id: int, as_of: date, seed: int = 1) -> int:
    """Write the synthetic duties file; return how many duties it holds."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CODE_DUTY_COLUMNS)
        for duty in synthetic_duties(police_force_area_id=police_force_area_id, as_of=as_of, seed=seed):
            writer.writerow(duty.row())
            count += 1
    return count
