"""Reads of police.uk data: counts for the dashboards, and crimes' outcome histories.

police.uk data is **context only**: it has no offence code and no flags, so it is never counted
as VAWG. Its `Violence and sexual offences` category is shown as "violence and sexual offences
(context)" (`VIOLENCE_CONTEXT_LABEL`).

Every function reads through `visible_to(user)`, so a user without a crime-data role gets
empty results, and returns aggregates (counts) or, for outcome histories, the outcomes alone.
Counts are raw: a page or download suppresses small numbers with `waymark.core.disclosure`
before showing them.

Months: a street row's month is the month the crime was reported; an outcome row's month is the
month the outcome was **recorded**, which is not always the order things happened (a sentence
can be recorded a month before the charge). Histories are therefore given in process order,
see `police_uk_outcome_histories`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Max, Q

from waymark.core.models import PoliceForceArea

from .models import PoliceUkCrime, PoliceUkFile, PoliceUkOutcome

VIOLENCE_AND_SEXUAL_OFFENCES = "Violence and sexual offences"
VIOLENCE_CONTEXT_LABEL = "Violence and sexual offences (context)"

# Where each `PoliceUkOutcomeCategory.stage` sits in the criminal justice process, earliest
# first: the order of a crime's outcome history. Closures of the investigation share a place,
# as do the court's final results. A stage not listed here sorts after all of these.
STAGE_ORDER: dict[str, int] = {
    "open": 0,
    "unknown": 1,
    "transferred": 2,
    "closed_no_suspect": 3,
    "closed_evidential": 3,
    "closed_public_interest": 3,
    "out_of_court": 4,
    "charged": 5,
    "at_court": 6,
    "at_court_unknown": 7,
    "court_discontinued": 8,
    "acquitted": 8,
    "convicted": 8,
}
_LATER_STAGE = max(STAGE_ORDER.values()) + 1


def lsoa_name_pattern(district: str) -> str:
    """A regular expression for the names of a local authority district's LSOAs.

    ONS names an LSOA after its district and a number and letter: "Birmingham 001A" (research
    §1.2: `City of London 001A`). The whole name must match, so "Bristol" never takes in a
    "Bristol Channel 001A" and a district named like the start of another is not confused with it.
    """
    return rf"^{re.escape(district)} [0-9]{{3}}[A-Z]$"


@dataclass(frozen=True)
class PoliceUkFilters:
    """Which police.uk rows to count: one force (its slug, e.g. `city-of-london`), a range of
    months (first days of months, both ends included) and one local authority district (its ONS
    name, e.g. `Birmingham`: rows whose LSOA is named for it, see `lsoa_name_pattern`; rows
    with no location have no LSOA and are in no district). Empty means all."""

    force_slug: str = ""
    start: date | None = None
    end: date | None = None
    lsoa_district: str = ""

    def q(self) -> Q:
        """The filter for a police.uk row model (crimes, anti-social behaviour, outcomes)."""
        q = self._force_and_months("file__force_slug")
        if self.lsoa_district:
            q &= Q(lsoa_name__regex=lsoa_name_pattern(self.lsoa_district))
        return q

    def files(self, kind: str) -> Q:
        """The filter for `PoliceUkFile`s of `kind` that hold rows of this force and these months."""
        return Q(kind=kind) & self._force_and_months("force_slug")

    def _force_and_months(self, force_field: str) -> Q:
        q = Q()
        if self.force_slug:
            q &= Q(**{force_field: self.force_slug})
        if self.start is not None:
            q &= Q(month__gte=self.start)
        if self.end is not None:
            q &= Q(month__lte=self.end)
        return q


_ALL = PoliceUkFilters()


@dataclass(frozen=True)
class OutcomeStep:
    """One outcome of a crime: what it was, its stage, and the month it was recorded."""

    month: date
    outcome: str
    stage: str


@dataclass(frozen=True)
class PoliceUkOutcomeSummary:
    """How police.uk's street crimes and outcome rows join up (by Crime ID).

    `crimes`: street crimes in the filter. `crimes_with_outcomes` / `crimes_with_several_outcomes`:
    those with at least one / more than one outcome row, whenever recorded (outcomes come after
    the crime, often in later months). `outcome_rows`: outcome rows recorded in the filter;
    `outcome_rows_joined`: those whose crime is one of the street crimes in the filter.
    Outcome rows are per suspect, so one crime may have the same outcome more than once.
    """

    crimes: int
    crimes_with_outcomes: int
    crimes_with_several_outcomes: int
    outcome_rows: int
    outcome_rows_joined: int


@dataclass(frozen=True)
class CrimeTypeCount:
    """Street crimes of one police.uk crime type in one month."""

    month: date
    crime_type: str
    crimes: int


@dataclass(frozen=True)
class LsoaCount:
    """Crimes in one LSOA in one month. `lsoa_code` is empty for crimes with no location."""

    month: date
    lsoa_code: str
    lsoa_name: str
    crimes: int


@dataclass(frozen=True)
class OutcomeMixRow:
    """Street crimes whose last outcome is `outcome` (empty: none recorded)."""

    outcome: str
    stage: str
    crimes: int


@dataclass(frozen=True)
class ViolenceContextCount:
    """police.uk's "Violence and sexual offences (context)" for one force, period and district.

    `crimes`: street crimes of the category in the filter (raw: suppress before showing).
    `months`: the months with a street file of the force loaded, whether or not it held any such
    crime; months without one are simply not in the figure. `reported_by`: the forces the
    rows in the filter name as providing them (`Reported by`), for the attribution.
    `district_named`: with a district in the filter, whether any street crime of the force in
    those months, of any crime type, has an LSOA named for it; if none has, the district cannot
    be picked out by name and a zero would say nothing.
    """

    crimes: int
    months: tuple[date, ...]
    reported_by: tuple[str, ...]
    district_named: bool


def police_uk_force_names() -> dict[str, str]:
    """police.uk force id -> the name of its police force area, for the areas whose id Waymark
    knows (`PoliceForceArea.police_uk_force`, loaded from the geography fixture)."""
    areas = PoliceForceArea.objects.exclude(police_uk_force=None).values_list("police_uk_force", "name")
    return {force: name for force, name in areas if force}


def police_uk_violence_context(*, user: Any, filters: PoliceUkFilters) -> ViolenceContextCount:
    """ "Violence and sexual offences (context)" in the filter, the months it covers and who
    reported it. Never VAWG: the category mixes all violence with all sexual offences."""
    months = tuple(
        PoliceUkFile.objects.visible_to(user)
        .filter(filters.files(PoliceUkFile.Kind.STREET))
        .values_list("month", flat=True)
        .distinct()
        .order_by("month")
    )
    in_filter = _crimes(user, filters)
    return ViolenceContextCount(
        crimes=in_filter.filter(crime_type=VIOLENCE_AND_SEXUAL_OFFENCES).count(),
        months=months,
        reported_by=tuple(in_filter.values_list("reported_by", flat=True).distinct().order_by("reported_by")),
        district_named=not filters.lsoa_district or in_filter.exists(),
    )


def _crimes(user: Any, filters: PoliceUkFilters | None) -> Any:
    return PoliceUkCrime.objects.visible_to(user).filter((filters or _ALL).q())


def police_uk_outcome_histories(*, user: Any, crime_ids: Iterable[str]) -> dict[str, list[OutcomeStep]]:
    """Each crime's outcomes, joined by Crime ID, in process order: by the stage's place in the
    process (`STAGE_ORDER`), then the month recorded, then the order of the rows in the file.

    Month order alone is not event order: police.uk records some outcomes a month or more
    late, so a crime can show `Offender sent to prison` in July and `Suspect charged` in
    August. Rows are per suspect and are all kept. Crimes with no outcome are absent.
    For analysis code: pages show aggregates of these, never one crime's history.
    """
    wanted = list(dict.fromkeys(crime_ids))
    histories: dict[str, list[tuple[tuple[int, date, int], OutcomeStep]]] = defaultdict(list)
    rows = (
        PoliceUkOutcome.objects.visible_to(user)
        .filter(crime_id__in=wanted)
        .values_list("crime_id", "month", "outcome", "outcome__stage", "line")
    )
    for crime_id, month, outcome, stage, line in rows.iterator():
        key = (STAGE_ORDER.get(stage, _LATER_STAGE), month, line)
        histories[crime_id].append((key, OutcomeStep(month=month, outcome=outcome, stage=stage)))
    return {
        crime_id: [step for _, step in sorted(histories[crime_id], key=lambda pair: pair[0])]
        for crime_id in wanted
        if crime_id in histories
    }


def police_uk_outcome_summary(*, user: Any, filters: PoliceUkFilters | None = None) -> PoliceUkOutcomeSummary:
    """How many street crimes have outcomes, and how many outcome rows belong to them."""
    crimes = _crimes(user, filters)
    crime_ids = crimes.values("crime_id")
    all_outcomes = PoliceUkOutcome.objects.visible_to(user)
    per_crime = all_outcomes.filter(crime_id__in=crime_ids).values("crime_id").annotate(rows=Count("id"))
    outcome_rows = all_outcomes.filter((filters or _ALL).q())
    return PoliceUkOutcomeSummary(
        crimes=crimes.values("crime_id").distinct().count(),
        crimes_with_outcomes=per_crime.count(),
        crimes_with_several_outcomes=per_crime.filter(rows__gt=1).count(),
        outcome_rows=outcome_rows.count(),
        outcome_rows_joined=outcome_rows.filter(crime_id__in=crime_ids).count(),
    )


def police_uk_crimes_by_month_and_type(
    *, user: Any, filters: PoliceUkFilters | None = None
) -> list[CrimeTypeCount]:
    """Street crimes per month and police.uk crime type (anti-social behaviour is not a crime
    and is counted apart), by month then crime type."""
    rows = (
        _crimes(user, filters)
        .values("month", "crime_type")
        .annotate(crimes=Count("id"))
        .order_by("month", "crime_type")
    )
    return [CrimeTypeCount(month=r["month"], crime_type=r["crime_type"], crimes=r["crimes"]) for r in rows]


def police_uk_violence_context_by_month_and_lsoa(
    *, user: Any, filters: PoliceUkFilters | None = None
) -> list[LsoaCount]:
    """ "Violence and sexual offences (context)" per month and LSOA, by month then LSOA code.

    Never VAWG: the category mixes all violence with all sexual offences. Crimes with no
    location have an empty LSOA code and are one row per month.
    """
    rows = (
        _crimes(user, filters)
        .filter(crime_type=VIOLENCE_AND_SEXUAL_OFFENCES)
        .values("month", "lsoa_code")
        .annotate(crimes=Count("id"), lsoa_name=Max("lsoa_name"))
        .order_by("month", "lsoa_code")
    )
    return [
        LsoaCount(month=r["month"], lsoa_code=r["lsoa_code"], lsoa_name=r["lsoa_name"], crimes=r["crimes"])
        for r in rows
    ]


def police_uk_last_outcome_mix(
    *, user: Any, filters: PoliceUkFilters | None = None, crime_type: str = ""
) -> list[OutcomeMixRow]:
    """Street crimes by their `Last outcome category` (of one crime type, if given), most
    common first. The last outcome is police.uk's own: the one recorded most recently."""
    crimes = _crimes(user, filters)
    if crime_type:
        crimes = crimes.filter(crime_type=crime_type)
    rows = (
        crimes.values("last_outcome", "last_outcome__stage")
        .annotate(crimes=Count("id"))
        .order_by("-crimes", "last_outcome")
    )
    return [
        OutcomeMixRow(
            outcome=r["last_outcome"] or "", stage=r["last_outcome__stage"] or "", crimes=r["crimes"]
        )
        for r in rows
    ]
