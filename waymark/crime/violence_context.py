"""police.uk's "Violence and sexual offences" beside the VAWG figures: context, never VAWG.

The VAWG page, its CSV download and the API's VAWG volumes all show this one figure, so its
words are made here once: the sentence, the notes on filters it cannot follow, the caveat and
the Open Government Licence attribution.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.conf import settings

from waymark.core.csv_download import spreadsheet_safe
from waymark.core.disclosure import (
    HIDDEN_MARKER,
    Audience,
    default_threshold,
    published_reason,
    suppress_series,
)
from waymark.core.models import LocalAuthority, PoliceForceArea

from . import metrics
from .metrics import CrimeFilters
from .police_uk_selectors import (
    VIOLENCE_AND_SEXUAL_OFFENCES,
    VIOLENCE_CONTEXT_LABEL,
    PoliceUkFilters,
    police_uk_violence_context,
)

# police.uk data is published under the Open Government Licence v3.0, whose attribution must be
# shown beside it (docs/formats/police-uk.md, "Licence and attribution").
OPEN_GOVERNMENT_LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
OPEN_GOVERNMENT_LICENCE = "Open Government Licence v3.0"
# The dashboard filters police.uk cannot apply: it has no offence code, VAWG basis or victim.
NOT_IN_POLICE_UK = ("offence_group", "vawg_basis", "victim_sex", "victim_age_band")
CAVEAT = (
    "The category mixes every assault with every sexual offence and carries no offence code or "
    "flag, so it is context only and never counted as VAWG."
)


@dataclass(frozen=True)
class ViolenceContext:
    """police.uk's "Violence and sexual offences" for the VAWG figures' force area and period.

    For one force area (`context_force_area`) and the months of the period whose police.uk
    street file is loaded; narrowed to the filters' local authority when police.uk's LSOA names
    name it. `count` has been through the same disclosure control as the page's figures (None:
    hidden, `hidden_reason` says why; `threshold` and `rounding_base` say how). `where` and
    `months` finish the sentence the figure is in; `notes` say which of the page's filters the
    figure does not follow, and why; `sources` names the forces for the Open Government Licence
    attribution. `force_known` is False when Waymark does not know police.uk's id for the area,
    `loaded` when no street file of the force is loaded for the period.
    """

    area_name: str
    force_known: bool
    loaded: bool = False
    count: int | None = None
    hidden_reason: str = ""
    threshold: int = 0
    rounding_base: int = 1
    where: str = ""
    months: str = ""
    notes: tuple[str, ...] = ()
    sources: str = ""
    licence_url: str = OPEN_GOVERNMENT_LICENCE_URL

    @property
    def place(self) -> str:
        """Where the figure counts, without its preposition: "Coventry"."""
        return self.where.removeprefix("in ")

    @property
    def unavailable(self) -> str:
        """Why there is no figure, in a sentence ("" when there is one)."""
        if not self.force_known:
            return (
                f"police.uk data cannot be shown for the {self.area_name} force area: Waymark does not "
                "know police.uk's id for its force."
            )
        if not self.loaded:
            return f"No police.uk data for the {self.area_name} force area has been loaded for this period."
        return ""

    @property
    def statement(self) -> str:
        """The figure in its sentence ("" when there is none)."""
        if self.unavailable:
            return ""
        figure = HIDDEN_MARKER if self.count is None else f"{self.count:,}"
        return (
            f"police.uk lists {figure} crimes of its category ‘{VIOLENCE_AND_SEXUAL_OFFENCES}’ "
            f"{self.where}, {self.months}."
        )

    @property
    def source(self) -> str:
        return f"data.police.uk ({self.sources})"


def context_force_area(filters: CrimeFilters) -> tuple[str, PoliceForceArea | None]:
    """The force area the page is about: the filters', else the installation's
    (settings.WAYMARK_POLICE_FORCE_AREA, the area the force's extract loads into); with its
    code, and None if no area has that code."""
    code = filters.police_force_area or settings.WAYMARK_POLICE_FORCE_AREA
    return code, PoliceForceArea.objects.filter(code=code).first()


def _spoken_list(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _month_runs(months: list[date]) -> list[str]:
    """Months as runs of consecutive months: ["April 2024 to June 2024", "October 2024"]."""
    runs: list[list[date]] = []
    for month in months:
        if runs and (month.year * 12 + month.month) - (runs[-1][-1].year * 12 + runs[-1][-1].month) == 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return [f"{run[0]:%B %Y}" if len(run) == 1 else f"{run[0]:%B %Y} to {run[-1]:%B %Y}" for run in runs]


def _months_covered(loaded: tuple[date, ...], filters: CrimeFilters) -> str:
    """Which months of the period the figure covers, from the police.uk files loaded."""
    wanted = filters.months()
    if len(loaded) == len(wanted):
        return f"in {filters.label}" if len(wanted) == 1 else f"in every month of {filters.label}"
    return (
        f"in {_spoken_list(_month_runs(list(loaded)))} only: police.uk files for the other months of "
        f"{filters.label} are not loaded"
    )


def violence_context(
    *, user: Any, filters: CrimeFilters, threshold: int | None = None, rounding_base: int | None = None
) -> ViolenceContext:
    """police.uk's "Violence and sexual offences" for the page's force area, period and (where
    police.uk can tell) local authority, hidden when small and rounded as every crime figure is
    (`threshold` default the operational one, `rounding_base` default `metrics.crime_rounding_base`)."""
    metrics.ensure_may_view_crime_data(user)
    code, area = context_force_area(filters)
    area_name = area.name if area is not None else code
    if area is None or not area.police_uk_force:
        return ViolenceContext(area_name=area_name, force_known=False)
    months = filters.months()
    force_wide = PoliceUkFilters(force_slug=area.police_uk_force, start=months[0], end=months[-1])
    notes: list[str] = []
    where = f"in the {area.name} force area"
    counted = police_uk_violence_context(user=user, filters=force_wide)
    if not counted.months:
        return ViolenceContext(area_name=area.name, force_known=True)
    district = LocalAuthority.objects.filter(code=filters.local_authority).first()
    if district is not None:
        in_district = police_uk_violence_context(
            user=user, filters=replace(force_wide, lsoa_district=district.name)
        )
        if in_district.district_named:
            counted = in_district
            where = f"in {district.name}"
            notes.append(
                f"Counted by LSOA: crimes police.uk places in an LSOA named for {district.name} "
                f"(‘{district.name} 001A’ and so on). Crimes with no location are in no local "
                "authority and are not counted."
            )
        else:
            notes.append(
                f"No crime in police.uk's files for these months is in an LSOA named for {district.name}, "
                f"so this figure cannot be narrowed to {district.name}: it is for the whole "
                f"{area.name} force area."
            )
    not_applied = [metrics.DIMENSION_LABELS[name] for name in NOT_IN_POLICE_UK if getattr(filters, name)]
    if not_applied:
        notes.append(
            "police.uk has no offence codes, VAWG bases or victim details, so "
            f"{'the filter' if len(not_applied) == 1 else 'the filters'} {_spoken_list(not_applied)} "
            f"{'does' if len(not_applied) == 1 else 'do'} not apply to this figure: it counts every "
            "crime in police.uk's category."
        )
    shown = suppress_series(
        [counted.crimes],
        threshold=default_threshold(Audience.OPERATIONAL) if threshold is None else threshold,
        protect_total=True,
        rounding_base=metrics.crime_rounding_base(rounding_base),
    )
    return ViolenceContext(
        area_name=area.name,
        force_known=True,
        loaded=True,
        count=shown.values[0],
        hidden_reason=published_reason(shown.threshold) if shown.values[0] is None else "",
        threshold=shown.threshold,
        rounding_base=shown.rounding_base or 1,
        where=where,
        months=_months_covered(counted.months, filters),
        notes=tuple(notes),
        sources=_spoken_list(list(counted.reported_by)) if counted.reported_by else area.name,
    )


def context_csv_rows(context: ViolenceContext, filters: CrimeFilters) -> Iterator[list[Any]]:
    """The context figure as CSV rows: what it is for, the figure in words and as a number, the
    filters it does not follow, how small counts were treated, and the licence attribution."""
    yield [VIOLENCE_CONTEXT_LABEL]
    for name, value in filters.describe():
        yield [name, spreadsheet_safe(value)]
    yield ["Force area", context.area_name]
    if context.unavailable:
        yield ["Crimes", context.unavailable]
        return
    yield ["Crimes", metrics.HIDDEN_MARKER if context.count is None else context.count]
    if context.hidden_reason:
        yield ["Why hidden", context.hidden_reason]
    # The filters above are the page's: these two say what the figure itself counts.
    yield ["Counted", context.place]
    yield ["Months covered", context.months.removeprefix("in ")]
    yield ["In words", context.statement]
    for note in context.notes:
        yield ["Note", note]
    yield ["What it is", CAVEAT]
    yield from metrics.disclosure_rows(context.threshold, context.rounding_base)
    yield ["Source", context.source]
    yield ["Licence", f"Contains public sector information licensed under the {OPEN_GOVERNMENT_LICENCE}."]
    yield ["Licence address", context.licence_url]
