"""Builders for the hand-made extracts the metric tests count: crimes made straight with the ORM.

Classification flags (`is_vawg`, `is_rasso`, `is_adult_rape`) and `CrimeVawgBasis` rows are set
here by hand, so the metric tests depend on nothing but the models. Reference rows the tests
need are fetched or created (`get_or_create`), so they work with or without the seeded fixtures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from waymark.core.models import PoliceForceArea
from waymark.crime.models import (
    Crime,
    CrimeSuspect,
    CrimeVawgBasis,
    CrimeVictim,
    OffenceCode,
    OutcomeType,
    PoliceUkCrime,
    PoliceUkFile,
    ProgressionEvent,
)

WEST_MIDLANDS = "E23000014"
BIRMINGHAM = "E08000025"
COVENTRY = "E08000026"
EXTRACTED = date(2024, 6, 30)

# Offence codes the tests use: (title, group, subgroup), as the research note gives them.
OFFENCES: dict[str, tuple[str, str, str]] = {
    "19C": ("Rape of a female aged 16 and over", "Sexual offences", "Rape"),
    "19F": ("Rape of a male aged 16 and over", "Sexual offences", "Rape"),
    "19D": ("Rape of a female child under 16", "Sexual offences", "Rape"),
    "20A": ("Sexual assault on a female aged 13 and over", "Sexual offences", "Other sexual offences"),
    "8Q": ("Stalking", "Violence against the person", "Stalking and harassment"),
    "8N": ("Assault with injury", "Violence against the person", "Violence with injury"),
    "49": ("Other theft", "Theft offences", "Other theft"),
}


def reference_rows() -> None:
    """The offence codes and outcome types 0 to 22 the tests use, if not already seeded."""
    for code, (title, group, subgroup) in OFFENCES.items():
        OffenceCode.objects.get_or_create(
            code=code, defaults={"title": title, "group": group, "subgroup": subgroup, "source": "test"}
        )
    for number in range(23):
        OutcomeType.objects.get_or_create(
            number=number,
            defaults={
                "label": f"Outcome type {number}",
                "group": "Open (not yet assigned)" if number == 0 else f"Outcome group {number}",
                "is_outcome": number > 0,
                "source": "test",
            },
        )


def west_midlands() -> PoliceForceArea:
    """The West Midlands police force area (seeded by core migration 0002)."""
    return PoliceForceArea.objects.get(code=WEST_MIDLANDS)


def other_force() -> PoliceForceArea:
    """A second force area, for tests that suspect ids do not link across forces."""
    area, _ = PoliceForceArea.objects.get_or_create(code="T99999999", defaults={"name": "Test Other Force"})
    return area


def make_crime(
    reference: str,
    *,
    recorded: date,
    code: str = "19C",
    outcome: int = 0,
    outcome_on: date | None = None,
    status: str = Crime.RecordStatus.RECORDED,
    local_authority: str | None = BIRMINGHAM,
    adult_rape: bool = True,
    rasso: bool | None = None,
    vawg: bool = True,
    bases: Sequence[str] = ("sexual_offence",),
    victims: Iterable[tuple[str, str]] = (("F", "25-34"),),
    suspects: Iterable[str] = (),
    domestic_abuse: bool = False,
    extracted_on: date = EXTRACTED,
    area: PoliceForceArea | None = None,
) -> Crime:
    """One crime with its classification, VAWG bases, victims (sex, age band) and suspects."""
    reference_rows()
    crime = Crime.objects.create(
        police_force_area=area or west_midlands(),
        crime_reference=reference,
        reported_on=recorded,
        recorded_on=recorded,
        offence_code_id=code,
        record_status=status,
        domestic_abuse=domestic_abuse,
        local_authority_id=local_authority,
        outcome_type_id=outcome,
        outcome_on=outcome_on,
        is_vawg=vawg,
        is_rasso=adult_rape if rasso is None else rasso,
        is_adult_rape=adult_rape,
        classified_by=1,
        extracted_on=extracted_on,
    )
    if vawg:
        CrimeVawgBasis.objects.bulk_create(CrimeVawgBasis(crime=crime, basis=basis) for basis in bases)
    CrimeVictim.objects.bulk_create(
        CrimeVictim(crime=crime, victim_ref=f"{reference}-V{index}", sex=sex, age_band=band)
        for index, (sex, band) in enumerate(victims)
    )
    CrimeSuspect.objects.bulk_create(CrimeSuspect(crime=crime, suspect_ref=ref) for ref in suspects)
    return crime


def event(crime: Crime, kind: str, on: date, *, suspect: str = "", detail: str = "") -> ProgressionEvent:
    """One case-progression event."""
    return ProgressionEvent.objects.create(
        crime=crime, kind=kind, occurred_on=on, suspect_ref=suspect, detail=detail
    )


def police_uk_street_file(
    force: str, month: date, *, violence: int = 0, other: int = 0, lsoa_names: tuple[str, ...] = ("",)
) -> PoliceUkFile:
    """A police.uk street file of `force` for `month`: `violence` crimes of "Violence and sexual
    offences" and `other` of "Burglary", their LSOA names taken in turn from `lsoa_names` ("": no
    location), reported by the force's name as police.uk writes it."""
    reporter = {"west-midlands": "West Midlands Police", "city-of-london": "City of London Police"}[force]
    file = PoliceUkFile.objects.create(
        kind="street",
        force_slug=force,
        month=month,
        file_name=f"{month:%Y-%m}-{force}-street.csv",
        sha256=f"{force}{month}".ljust(64, "0")[:64],
    )
    types = ["Violence and sexual offences"] * violence + ["Burglary"] * other
    PoliceUkCrime.objects.bulk_create(
        PoliceUkCrime(
            file=file,
            line=n + 2,
            month=month,
            reported_by=reporter,
            falls_within=reporter,
            crime_id=f"{file.pk:08x}{n:056x}",
            crime_type_id=crime_type,
            lsoa_name=lsoa_names[n % len(lsoa_names)],
            lsoa_code=f"E0100{n:04d}" if lsoa_names[n % len(lsoa_names)] else "",
        )
        for n, crime_type in enumerate(types)
    )
    return file
