"""VAWG volumes and the RASSO progression and attrition metrics (M1 to M13): reads only.

Everything here is counted from `<Model>.objects.visible_to(user)` (crime rows are visible to
the OPCC's admins and analysts and the force's Victims' Code leads, of their own force areas
only, to nobody else), and only
aggregates leave: every count goes through disclosure control (`waymark.core.disclosure`,
operational threshold unless told otherwise) and the result carries the log of what was hidden.
A rate is computed from the true counts and hidden when its numerator or denominator is hidden.

`CrimeFilters` is the one description of "which crimes": a period (start and end dates,
built from a month, a financial quarter or a financial year) and the dimensions a dashboard
offers (police force area, local authority, offence group, VAWG basis, victim sex and victim
age band). `CrimeFilters.apply` is the only place the dimensions are turned into a query;
each metric then applies the period to the date its definition names.

The metric definitions are those of research/crime-data.md §5.3, as `docs/crime-metrics.md`
sets out; "adult rape" is `Crime.is_adult_rape` (HOCR 19C and 19F under the current rules).
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from waymark.accounts.access import police_force_area_ids_with_role
from waymark.core.csv_download import spreadsheet_safe
from waymark.core.disclosure import (
    HIDDEN_MARKER,
    Audience,
    check_rounding_base,
    published_reason,
    resolve_threshold,
    round_to_base,
    suppress_series,
    suppress_table,
)
from waymark.core.hexmap import HexMap
from waymark.core.models import LocalAuthority, PoliceForceArea
from waymark.core.periods import FinancialQuarter, FinancialYear
from waymark.victims_code.models import COMPLIANCE_ROLES, CodeDuty

from .models import (
    CRIME_DATA_ROLES,
    Crime,
    CrimeOutcomeChange,
    CrimeSuspect,
    CrimeVawgBasis,
    CrimeVictim,
    ForceExtractImport,
    OffenceCode,
    OutcomeType,
    ProgressionEvent,
    VawgBasis,
)

__all__ = [
    "AGE_BANDS",
    "DIMENSION_LABELS",
    "HIDDEN_MARKER",
    "VICTIM_SEXES",
    "AttritionFunnel",
    "CrimeFilters",
    "FigureTable",
    "FunnelStage",
    "HiddenFigure",
    "Metric",
    "RassoMetrics",
    "VawgVolumes",
    "YearEarlier",
    "crime_rounding_base",
    "disclosure_rows",
    "latest_extraction",
    "metrics_csv_rows",
    "rasso_metrics",
    "rounding_note",
    "vawg_volumes",
    "volumes_csv_rows",
]

NOT_RECORDED = "Not recorded"
NOT_YET_ASSIGNED = "Not yet assigned an outcome"

# The force-extract format's victim values (docs/formats/force-extract.md), in display order.
VICTIM_SEXES: tuple[tuple[str, str], ...] = (("F", "Female"), ("M", "Male"), ("X", "Other or unknown"))
AGE_BANDS: tuple[str, ...] = ("0-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "unknown")

# CPS decisions that are charging decisions; an action plan sends the file back to the police.
CHARGING_DECISIONS: tuple[str, ...] = ("charge", "nfa_evidential", "nfa_public_interest")
CONVICTED_VERDICTS: tuple[str, ...] = ("convicted_plea", "convicted_trial")
TRIED_VERDICTS: tuple[str, ...] = ("convicted_trial", "acquitted")

# Percentiles reported for every "days from ... to ..." metric.
PERCENTILES: tuple[int, ...] = (50, 75, 90)

_MONTH_PATTERN = re.compile(r"^([0-9]{4})-([0-9]{2})$")
Kind = ProgressionEvent.Kind
RECORDED = Crime.RecordStatus.RECORDED


def ensure_may_view_crime_data(user: Any) -> None:
    """Refuse anyone without `crime.view_crime_data` (default deny: providers, boards, the public)."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not user.has_perm("crime.view_crime_data")
    ):
        raise PermissionDenied("Crime data is shown only to OPCC analysts and admins and force leads.")


# --- filters ------------------------------------------------------------------------------------


def _shown(dimension: str, value: str) -> str:
    """A filter's value as a reader knows it, with the code beside a name: "Coventry (E08000026)",
    "Stalking or harassment", "Female (F)". A value Waymark has no name for is shown as given."""
    name: str | None = None
    if dimension == "local_authority":
        name = LocalAuthority.objects.filter(code=value).values_list("name", flat=True).first()
    elif dimension == "police_force_area":
        name = PoliceForceArea.objects.filter(code=value).values_list("name", flat=True).first()
    elif dimension == "victim_sex":
        name = dict(VICTIM_SEXES).get(value)
    elif dimension == "vawg_basis" and value in VawgBasis.values:
        return str(VawgBasis(value).label)
    return f"{name} ({value})" if name else value


# The dimensions that narrow crime figures, with their names in words, in the order they are shown.
DIMENSION_LABELS: dict[str, str] = {
    "police_force_area": "Police force area",
    "local_authority": "Local authority",
    "offence_group": "Offence group",
    "vawg_basis": "VAWG basis",
    "victim_sex": "Victim sex",
    "victim_age_band": "Victim age band",
}


def _a_year_before(day: date) -> date:
    """The same day a year before (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _a_year_before_end(day: date) -> date:
    """The end of a span a year before one ending on `day`: a month's last day stays one (29
    February 2024 for 28 February 2025), so that a month is compared with the whole month."""
    earlier = _a_year_before(day)
    if (day + timedelta(days=1)).day == 1:
        following = date(earlier.year + earlier.month // 12, earlier.month % 12 + 1, 1)
        return following - timedelta(days=1)
    return earlier


@dataclass(frozen=True)
class CrimeFilters:
    """Which crimes: a period (both dates included) and the dashboard's dimensions.

    Empty strings mean "all". `local_authority` and `police_force_area` are ONS codes;
    `offence_group` a Home Office offence group as in `OffenceCode.group`; `vawg_basis` a
    `VawgBasis` value; `victim_sex` and `victim_age_band` values of the force-extract format.
    Sex and age band given together must hold for the same victim of the crime.
    """

    start: date
    end: date
    local_authority: str = ""
    offence_group: str = ""
    vawg_basis: str = ""
    victim_sex: str = ""
    victim_age_band: str = ""
    police_force_area: str = ""
    period_label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.start, date) or not isinstance(self.end, date):
            raise TypeError("start and end must be dates")
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    # -- building from a period ------------------------------------------------------------------

    @classmethod
    def for_dates(cls, start: date, end: date, **dimensions: str) -> CrimeFilters:
        """Any period, both dates included."""
        return cls(
            start=start,
            end=end,
            period_label=f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}",
            **dimensions,
        )

    @classmethod
    def for_month(cls, month: date | str, **dimensions: str) -> CrimeFilters:
        """A calendar month: a date in it, or "YYYY-MM"."""
        if isinstance(month, str):
            match = _MONTH_PATTERN.match(month.strip())
            if match is None or not 1 <= int(match.group(2)) <= 12:
                raise ValueError(f"{month!r} is not a month: expected YYYY-MM, e.g. 2024-04")
            month = date(int(match.group(1)), int(match.group(2)), 1)
        first = month.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return cls(start=first, end=last, period_label=f"{first:%B %Y}", **dimensions)

    @classmethod
    def for_quarter(cls, quarter: FinancialQuarter | str, **dimensions: str) -> CrimeFilters:
        """A financial quarter, or its label ("2024/25 Q1")."""
        if isinstance(quarter, str):
            quarter = FinancialQuarter.parse(quarter)
        return cls(start=quarter.start, end=quarter.end, period_label=quarter.label, **dimensions)

    @classmethod
    def for_financial_year(cls, year: FinancialYear | str, **dimensions: str) -> CrimeFilters:
        """A financial year, or its label ("2024/25")."""
        if isinstance(year, str):
            year = FinancialYear.parse(year)
        return cls(start=year.start, end=year.end, period_label=year.label, **dimensions)

    @classmethod
    def for_span(cls, start: date, end: date, **dimensions: str) -> CrimeFilters:
        """A period by its dates, named as the financial year, quarter or month it is, if any."""
        year = FinancialYear.from_date(start)
        if (start, end) == (year.start, year.end):
            return cls.for_financial_year(year, **dimensions)
        quarter = FinancialQuarter.from_date(start)
        if (start, end) == (quarter.start, quarter.end):
            return cls.for_quarter(quarter, **dimensions)
        month = cls.for_month(start, **dimensions)
        if (start, end) == (month.start, month.end):
            return month
        return cls.for_dates(start, end, **dimensions)

    def a_year_earlier(self) -> CrimeFilters:
        """The same crimes over the same span a year earlier (28 February for a 29th; a span
        ending on a month's last day ends on that month's last day a year before)."""
        dimensions = {name: getattr(self, name) for name in DIMENSION_LABELS}
        return self.for_span(_a_year_before(self.start), _a_year_before_end(self.end), **dimensions)

    # -- checking and describing -----------------------------------------------------------------

    def errors(self) -> list[tuple[str, str]]:
        """(field, message) for every dimension that names nothing Waymark knows."""
        problems: list[tuple[str, str]] = []
        if self.local_authority and not LocalAuthority.objects.filter(code=self.local_authority).exists():
            problems.append(("local_authority", f"No local authority has the code {self.local_authority!r}."))
        if (
            self.police_force_area
            and not PoliceForceArea.objects.filter(code=self.police_force_area).exists()
        ):
            problems.append(
                ("police_force_area", f"No police force area has the code {self.police_force_area!r}.")
            )
        if self.offence_group and not OffenceCode.objects.filter(group=self.offence_group).exists():
            problems.append(("offence_group", f"No offence code is in the group {self.offence_group!r}."))
        if self.vawg_basis and self.vawg_basis not in VawgBasis.values:
            problems.append(
                (
                    "vawg_basis",
                    f"{self.vawg_basis!r} is not a VAWG basis: one of {', '.join(VawgBasis.values)}.",
                )
            )
        sexes = [code for code, _ in VICTIM_SEXES]
        if self.victim_sex and self.victim_sex not in sexes:
            problems.append(
                ("victim_sex", f"{self.victim_sex!r} is not a victim sex: one of {', '.join(sexes)}.")
            )
        if self.victim_age_band and self.victim_age_band not in AGE_BANDS:
            problems.append(
                (
                    "victim_age_band",
                    f"{self.victim_age_band!r} is not an age band: one of {', '.join(AGE_BANDS)}.",
                )
            )
        return problems

    @property
    def label(self) -> str:
        """The period in words."""
        return self.period_label or f"{self.start.isoformat()} to {self.end.isoformat()}"

    def describe(self) -> list[tuple[str, str]]:
        """(name, value) for the period and every dimension that narrows the figures."""
        described = [("Period", f"{self.label} ({self.start.isoformat()} to {self.end.isoformat()})")]
        described += [
            (label, _shown(name, getattr(self, name)))
            for name, label in DIMENSION_LABELS.items()
            if getattr(self, name)
        ]
        return described

    # -- the one place the dimensions become a query -----------------------------------------------

    def apply(self, crimes: QuerySet[Crime], *, user: Any) -> QuerySet[Crime]:
        """`crimes` narrowed to the dimensions (not the period: each metric dates it its own way)."""
        if self.police_force_area:
            crimes = crimes.filter(police_force_area__code=self.police_force_area)
        if self.local_authority:
            crimes = crimes.filter(local_authority__code=self.local_authority)
        if self.offence_group:
            crimes = crimes.filter(offence_code__group=self.offence_group)
        if self.vawg_basis:
            crimes = crimes.filter(
                Exists(
                    CrimeVawgBasis.objects.visible_to(user).filter(
                        crime=OuterRef("pk"), basis=self.vawg_basis
                    )
                )
            )
        if self.victim_sex or self.victim_age_band:
            victims = CrimeVictim.objects.visible_to(user).filter(crime=OuterRef("pk"))
            crimes = crimes.filter(Exists(self.matching_victims(victims)))
        return crimes

    def matching_victims(self, victims: QuerySet[CrimeVictim]) -> QuerySet[CrimeVictim]:
        """`victims` narrowed to the victim sex and age band chosen (all of them when neither is)."""
        if self.victim_sex:
            victims = victims.filter(sex=self.victim_sex)
        if self.victim_age_band:
            victims = victims.filter(age_band=self.victim_age_band)
        return victims

    def in_period(self, date_field: str, *, until: date | None = None) -> Q:
        """`date_field` within the period (and on or before `until`, if given)."""
        end = self.end if until is None else min(self.end, until)
        return Q(**{f"{date_field}__gte": self.start, f"{date_field}__lte": end})

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches."""
        months: list[date] = []
        current = self.start.replace(day=1)
        while current <= self.end:
            months.append(current)
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        return months


# --- disclosure control -------------------------------------------------------------------------


@dataclass(frozen=True)
class HiddenFigure:
    """One figure hidden by disclosure control: where it was, and why."""

    table: str
    row: str
    column: str
    reason: str


class _Disclosure:
    """Applies one threshold and one rounding base to every figure of a result, and keeps the log
    of what it hid. Figures are hidden on their true values, then rounded (1: not rounded)."""

    def __init__(self, threshold: int, rounding_base: int = 1) -> None:
        self.threshold = threshold
        self.rounding_base = rounding_base
        self.hidden: list[HiddenFigure] = []
        # One reason for every hidden figure: `published_reason` says why.
        self.reason = published_reason(threshold)

    def _rounded(self, value: int) -> int:
        return round_to_base(value, self.rounding_base)

    def count(self, value: int, *, table: str, row: str, column: str) -> int | None:
        """A headline count, hidden on its own when it is from 1 to threshold - 1."""
        result = suppress_series(
            [value], threshold=self.threshold, protect_total=True, rounding_base=self.rounding_base
        )
        if result.values[0] is None:
            self.hidden.append(HiddenFigure(table, row, column, self.reason))
        return result.values[0]

    def series(
        self, values: Sequence[int], *, table: str, rows: Sequence[str], column: str, total_label: str
    ) -> tuple[tuple[int | None, ...], int | None]:
        """An additive series and its total (the sum), with secondary suppression."""
        result = suppress_series(
            list(values), threshold=self.threshold, protect_total=True, rounding_base=self.rounding_base
        )
        for entry in result.suppressed:
            row = total_label if entry.row is None else rows[entry.row]
            self.hidden.append(HiddenFigure(table, row, column, self.reason))
        return result.values, result.total

    def overlapping_series(
        self,
        values: Sequence[int],
        total: int,
        *,
        table: str,
        rows: Sequence[str],
        column: str,
        total_label: str,
    ) -> tuple[tuple[int | None, ...], int | None]:
        """A series whose figures may overlap (a crime under two rows), and its distinct total.

        Suppressed as if the figures added up to the total (they may: most crimes have one
        basis), so no hidden figure can be worked back by subtraction; the distinct total is
        hidden when it is small or when the series had to hide its sum.
        """
        result = suppress_series(
            list(values), threshold=self.threshold, protect_total=True, rounding_base=self.rounding_base
        )
        for entry in result.suppressed:
            if entry.row is not None:
                self.hidden.append(HiddenFigure(table, rows[entry.row], column, self.reason))
        shown_total: int | None = self._rounded(total)
        if result.total is None or 0 < total < self.threshold:
            shown_total = None
            self.hidden.append(HiddenFigure(table, total_label, column, self.reason))
        return result.values, shown_total

    def overlapping_table(
        self,
        cells: Sequence[Sequence[int]],
        total: int,
        *,
        table: str,
        rows: Sequence[str],
        columns: Sequence[str],
        total_label: str,
    ) -> tuple[tuple[tuple[int | None, ...], ...], int | None, frozenset[int]]:
        """A table published without margins whose cells may overlap, its distinct total, and the
        rows whose total the pattern treats as hidden.

        The hiding pattern is the one `suppress_table` finds with every margin published, so it
        protects the cells whatever a reader assumes about the margins; a figure published
        elsewhere that adds up rows must not give away the row totals it hides.
        """
        result = suppress_table(
            cells, threshold=self.threshold, protect_totals=True, rounding_base=self.rounding_base
        )
        for entry in result.suppressed:
            if entry.row is not None and entry.column is not None:
                self.hidden.append(HiddenFigure(table, rows[entry.row], columns[entry.column], self.reason))
        shown_total: int | None = self._rounded(total)
        if result.grand_total is None or 0 < total < self.threshold:
            shown_total = None
            self.hidden.append(HiddenFigure(table, total_label, "", self.reason))
        hidden_rows = frozenset(index for index, value in enumerate(result.row_totals) if value is None)
        return result.cells, shown_total, hidden_rows


def _rate(numerator: int | None, denominator: int | None) -> float | None:
    """numerator / denominator, or None when either is hidden or there is nothing to divide by."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def crime_rounding_base(rounding_base: int | None = None) -> int:
    """`rounding_base`, or settings.CRIME_FIGURES_ROUNDING_BASE when None; 1 means exact counts."""
    where = "rounding_base"
    if rounding_base is None:
        rounding_base = settings.CRIME_FIGURES_ROUNDING_BASE
        where = "settings.CRIME_FIGURES_ROUNDING_BASE"
    check_rounding_base(rounding_base, where)
    return rounding_base


def _crimes_files(filters: CrimeFilters, user: Any) -> QuerySet[ForceExtractImport]:
    """The crimes files loaded (for the filters' force area, of those `user` sees crimes of)
    that hold crimes recorded in the filters' period; a file recorded before its span of
    recorded dates was kept counts as covering any period."""
    seen = police_force_area_ids_with_role(user, CRIME_DATA_ROLES)
    imports = ForceExtractImport.objects.filter(
        kind=ForceExtractImport.Kind.CRIMES, police_force_area_id__in=seen
    ).filter(
        Q(first_recorded_on__isnull=True)
        | Q(first_recorded_on__lte=filters.end, last_recorded_on__gte=filters.start)
    )
    if filters.police_force_area:
        imports = imports.filter(police_force_area__code=filters.police_force_area)
    return imports


SYNTHETIC_NOTE = (
    "Synthetic data: these figures come from a synthetic extract (demo or test data made by "
    "waymark.crime.synthetic). Nothing in them is real."
)


def synthetic_data_in(filters: CrimeFilters, *, user: Any) -> bool:
    """Whether a crimes file behind the period's figures `user` sees is synthetic
    (`ForceExtractImport.synthetic`): pages, downloads and the API then say so (`SYNTHETIC_NOTE`)."""
    return _crimes_files(filters, user).filter(synthetic=True).exists()


def latest_extraction(*, user: Any, filters: CrimeFilters) -> date | None:
    """The extraction date figures for `filters` are as at, for a figure (such as a map) that is
    not part of a result that carries one."""
    return _latest_extraction(filters.apply(Crime.objects.visible_to(user), user=user), filters, user)


def _latest_extraction(crimes: QuerySet[Crime], filters: CrimeFilters, user: Any) -> date | None:
    """The extraction date of the newest crimes file loaded (for the filters' force area) that
    holds crimes recorded in the filters' period, else the newest `extracted_on` of the crimes in
    scope (crimes loaded without an import record).

    The newest such file is the "as at" date even for crimes it did not change: the importer
    leaves unchanged crimes as they were, so their own `extracted_on` is that of an older file.
    A newer file of other periods only (a force may send a year at a time) says nothing of this
    one. A file recorded before its span of recorded dates was kept counts as covering any period.
    """
    latest = _crimes_files(filters, user).aggregate(latest=Max("extracted_on"))["latest"]
    if latest is not None:
        return latest
    return crimes.aggregate(latest=Max("extracted_on"))["latest"]


# --- tables -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureTable:
    """A table of counts as a page shows it: hidden figures are None.

    `additive` is False where a crime can be counted in more than one row (VAWG basis, victim
    sex and age band): the rows then add up to more than `total`, which counts each crime once,
    and `note` says so.
    """

    key: str
    title: str
    note: str
    row_heading: str
    row_keys: tuple[str, ...]
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    total_label: str
    total: int | None
    additive: bool = True

    def rows(self) -> Iterator[tuple[str, str, tuple[int | None, ...]]]:
        """(key, label, figures) for each row."""
        yield from zip(self.row_keys, self.row_labels, self.cells, strict=True)


@dataclass(frozen=True)
class YearEarlier:
    """The period's total beside the same period a year earlier, with the same filters.

    Only whole periods are compared: a period that had not ended at the extraction date, or a
    year earlier that the data does not reach back to, has no comparison (`unavailable` says
    why). A part of a period set against a whole one would read as a fall, and totals of spans
    no page publishes could be set against its monthly figures to give away hidden ones.
    `total` is after the same disclosure control as the period's; `change` is worked out from
    the two figures shown (None when either is hidden, or the earlier one is 0).
    """

    label: str
    start: date
    end: date
    total: int | None = None
    change: float | None = None
    unavailable: str = ""

    @property
    def change_words(self) -> str:
        """The change in words: "up 17%", "down 4%", "about the same" ("" when not known)."""
        if self.change is None:
            return ""
        if round(self.change * 100) == 0:
            return "about the same"
        return f"{'up' if self.change > 0 else 'down'} {abs(self.change) * 100:.0f}%"

    @property
    def sentence(self) -> str:
        """The comparison in words: "12 in 2023/24, the same period a year earlier (up 17%)."."""
        if self.unavailable:
            return self.unavailable
        figure = HIDDEN_MARKER if self.total is None else f"{self.total:,}"
        moved = f" ({self.change_words})" if self.change_words else ""
        return f"{figure} in {self.label}, the same period a year earlier{moved}."


YEAR_EARLIER_TABLE = "VAWG crimes recorded a year earlier"


def _year_earlier(
    user: Any,
    scoped: QuerySet[Crime],
    filters: CrimeFilters,
    extracted_on: date | None,
    total: int | None,
    disclosure: _Disclosure,
) -> YearEarlier:
    earlier = filters.a_year_earlier()
    start, end, label = earlier.start, earlier.end, earlier.label
    if extracted_on is not None and extracted_on < filters.end:
        return YearEarlier(
            label,
            start,
            end,
            unavailable=f"No comparison with a year earlier: {filters.label} had not ended when the "
            "extract was taken, and a part of a period is not set against the whole of another.",
        )
    in_force_area = Crime.objects.visible_to(user)
    if filters.police_force_area:
        in_force_area = in_force_area.filter(police_force_area__code=filters.police_force_area)
    first = in_force_area.aggregate(first=Min("recorded_on"))["first"]
    # By month: a force's data that starts on 2 April still covers April.
    if first is None or first.replace(day=1) > start:
        return YearEarlier(
            label,
            start,
            end,
            unavailable="No comparison with a year earlier: the force's data does not reach back to "
            f"{label}.",
        )
    counted = scoped.filter(recorded_on__gte=start, recorded_on__lte=end).count()
    shown = disclosure.count(counted, table=YEAR_EARLIER_TABLE, row=label, column="VAWG crimes")
    change = None if total is None or not shown else (total - shown) / shown
    return YearEarlier(label, start, end, total=shown, change=change)


@dataclass(frozen=True)
class VawgVolumes:
    """VAWG crimes recorded in a period, cut five ways, after disclosure control, and the total
    beside the same span a year earlier (`year_earlier`)."""

    filters: CrimeFilters
    extracted_on: date | None
    threshold: int
    rounding_base: int
    tables: tuple[FigureTable, ...]
    hidden: tuple[HiddenFigure, ...]
    year_earlier: YearEarlier
    synthetic: bool = False

    def table(self, key: str) -> FigureTable:
        """The table with this key (`local_authority`, `basis`, `month`, `offence_group`, `victim`)."""
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)

    @property
    def total(self) -> int | None:
        """VAWG crimes recorded in the period (each once), or None if hidden."""
        return self.tables[0].total


def _victim_sex_label(code: str) -> str:
    return dict(VICTIM_SEXES).get(code, NOT_RECORDED)


def vawg_volumes(
    *,
    user: Any,
    filters: CrimeFilters,
    audience: Audience = Audience.OPERATIONAL,
    threshold: int | None = None,
    rounding_base: int | None = None,
) -> VawgVolumes:
    """Counts of VAWG crimes recorded in the period (`recorded_on` in it; cancelled and
    transferred records left out), by local authority, VAWG basis, month, offence group, and
    victim sex and age band. Every figure is after disclosure control (`threshold`, default the
    `audience`'s; then rounded to `rounding_base`, default settings.CRIME_FIGURES_ROUNDING_BASE);
    PermissionDenied for anyone without `crime.view_crime_data`.
    """
    ensure_may_view_crime_data(user)
    disclosure = _Disclosure(resolve_threshold(threshold, audience), crime_rounding_base(rounding_base))
    scoped = filters.apply(
        Crime.objects.visible_to(user).filter(is_vawg=True, record_status=RECORDED), user=user
    )
    crimes = scoped.filter(filters.in_period("recorded_on"))
    counts = _VolumeCounts.of(crimes)
    extracted_on = _latest_extraction(scoped, filters, user)
    tables = [
        _volume_by_local_authority(counts.local_authority, filters, disclosure),
        _volume_by_basis(crimes, counts.total, user, disclosure),
        _volume_by_month(counts.month, filters, extracted_on, disclosure),
        _volume_by_offence_group(counts.offence_group, disclosure),
        _volume_by_victim(crimes, counts.total, user, disclosure, filters),
    ]
    year_earlier = _year_earlier(user, scoped, filters, extracted_on, tables[0].total, disclosure)
    return VawgVolumes(
        filters=filters,
        extracted_on=extracted_on,
        threshold=disclosure.threshold,
        rounding_base=disclosure.rounding_base,
        tables=tuple(tables),
        hidden=tuple(disclosure.hidden),
        synthetic=synthetic_data_in(filters, user=user),
        year_earlier=year_earlier,
    )


def _series_table(
    *,
    key: str,
    title: str,
    note: str,
    row_heading: str,
    rows: Sequence[tuple[str, str, int]],
    disclosure: _Disclosure,
) -> FigureTable:
    labels = [label for _, label, _ in rows]
    values, total = disclosure.series(
        [value for _, _, value in rows], table=title, rows=labels, column="VAWG crimes", total_label="Total"
    )
    return FigureTable(
        key=key,
        title=title,
        note=note,
        row_heading=row_heading,
        row_keys=tuple(row_key for row_key, _, _ in rows),
        row_labels=tuple(labels),
        column_labels=("VAWG crimes",),
        cells=tuple((value,) for value in values),
        total_label="Total",
        total=total,
    )


@dataclass(frozen=True)
class _VolumeCounts:
    """The crimes counted by local authority, month recorded and offence group, from one
    grouped query: each cut of the same crimes would otherwise read them all again."""

    total: int
    local_authority: Counter[str]
    month: Counter[tuple[int, int]]
    offence_group: Counter[str]

    @classmethod
    def of(cls, crimes: QuerySet[Crime]) -> _VolumeCounts:
        local_authority: Counter[str] = Counter()
        month: Counter[tuple[int, int]] = Counter()
        offence_group: Counter[str] = Counter()
        rows = (
            crimes.annotate(year=ExtractYear("recorded_on"), month=ExtractMonth("recorded_on"))
            .values("local_authority_id", "offence_code__group", "year", "month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            n = int(row["n"])
            local_authority[str(row["local_authority_id"] or "")] += n
            month[(int(row["year"]), int(row["month"]))] += n
            offence_group[str(row["offence_code__group"])] += n
        return cls(sum(local_authority.values()), local_authority, month, offence_group)


def _volume_by_local_authority(
    by_code: Counter[str], filters: CrimeFilters, disclosure: _Disclosure
) -> FigureTable:
    counts = Counter(by_code)  # rows are taken out of it as they are placed
    authorities = LocalAuthority.objects.order_by("name")
    if filters.police_force_area:
        authorities = authorities.filter(police_force_area__code=filters.police_force_area)
    if filters.local_authority:
        # The filter leaves one authority: every other row, and "Not recorded", would read 0.
        authorities = authorities.filter(code=filters.local_authority)
    rows = [(authority.code, authority.name, counts.pop(authority.code, 0)) for authority in authorities]
    # A code outside the list (another area's, when an area is chosen) still gets its own row.
    rows += [(code, code, counts.pop(code)) for code in sorted(code for code in counts if code)]
    if not filters.local_authority:
        rows.append(("", NOT_RECORDED, counts.pop("", 0)))
    return _series_table(
        key="local_authority",
        title="VAWG crimes by local authority",
        note="Each crime counts once, in the local authority the extract gives for it.",
        row_heading="Local authority",
        rows=rows,
        disclosure=disclosure,
    )


def _volume_by_basis(crimes: QuerySet[Crime], total: int, user: Any, disclosure: _Disclosure) -> FigureTable:
    counts = Counter(
        {
            row["basis"]: row["n"]
            # A basis is held once per crime (`vawg_basis_once`), so no DISTINCT is needed.
            for row in CrimeVawgBasis.objects.visible_to(user)
            .filter(crime__in=crimes)
            .values("basis")
            .annotate(n=Count("pk"))
        }
    )
    title = "VAWG crimes by basis"
    labels = [str(label) for label in VawgBasis.labels]
    values, shown_total = disclosure.overlapping_series(
        [counts.get(value, 0) for value in VawgBasis.values],
        total,
        table=title,
        rows=labels,
        column="VAWG crimes",
        total_label="All VAWG crimes (each once)",
    )
    return FigureTable(
        key="basis",
        title=title,
        note="A crime with two bases (for example a sexual offence with the domestic abuse flag) is "
        "counted under each basis, and once in the total, so the rows add up to more than the total.",
        row_heading="VAWG basis",
        row_keys=tuple(VawgBasis.values),
        row_labels=tuple(labels),
        column_labels=("VAWG crimes",),
        cells=tuple((value,) for value in values),
        total_label="All VAWG crimes (each once)",
        total=shown_total,
        additive=False,
    )


def _volume_by_month(
    counts: Counter[tuple[int, int]],
    filters: CrimeFilters,
    extracted_on: date | None,
    disclosure: _Disclosure,
) -> FigureTable:
    note = "Each crime counts once, in the month of its recorded date."
    months = filters.months()
    if extracted_on is not None and extracted_on < filters.end:
        # A month the extract was taken before would read as a month with no crimes.
        months = [month for month in months if month <= extracted_on]
        taken = f"{extracted_on.day} {extracted_on:%B %Y}"
        note += (
            f" The period had not ended when the extract was taken ({taken}): later months are not "
            "shown, and the last month shown is counted up to that date."
        )
    rows = [
        (f"{month:%Y-%m}", f"{month:%B %Y}", counts.get((month.year, month.month), 0)) for month in months
    ]
    return _series_table(
        key="month",
        title="VAWG crimes by month recorded",
        note=note,
        row_heading="Month",
        rows=rows,
        disclosure=disclosure,
    )


def _volume_by_offence_group(counts: Counter[str], disclosure: _Disclosure) -> FigureTable:
    rows = [(group, group, n) for group, n in sorted(counts.items())]
    return _series_table(
        key="offence_group",
        title="VAWG crimes by offence group",
        note="Each crime counts once, in the Home Office group of its offence code.",
        row_heading="Offence group",
        rows=rows,
        disclosure=disclosure,
    )


def _volume_by_victim(
    crimes: QuerySet[Crime], total: int, user: Any, disclosure: _Disclosure, filters: CrimeFilters
) -> FigureTable:
    sexes = [code for code, _ in VICTIM_SEXES]
    column_keys = [*sexes, ""]
    row_keys = [*AGE_BANDS, ""]
    cells = [[0] * len(column_keys) for _ in row_keys]
    pairs = (
        CrimeVictim.objects.visible_to(user)
        .filter(crime__in=crimes)
        .values("sex", "age_band")
        .annotate(n=Count("crime_id", distinct=True))
    )
    for pair in pairs:
        sex = pair["sex"] if pair["sex"] in sexes else ""
        band = pair["age_band"] if pair["age_band"] in AGE_BANDS else ""
        cells[row_keys.index(band)][column_keys.index(sex)] += pair["n"]
    no_victim = crimes.filter(
        ~Exists(CrimeVictim.objects.visible_to(user).filter(crime=OuterRef("pk")))
    ).count()
    cells[-1][-1] += no_victim

    title = "VAWG crimes by victim sex and age band"
    row_labels = [("Unknown" if band == "unknown" else band) for band in AGE_BANDS] + [NOT_RECORDED]
    column_labels = [_victim_sex_label(code) for code in sexes] + [NOT_RECORDED]
    shown, shown_total, _ = disclosure.overlapping_table(
        cells,
        total,
        table=title,
        rows=row_labels,
        columns=column_labels,
        total_label="All VAWG crimes (each once)",
    )
    note = (
        "A crime counts once in each cell its victims fall in: a crime with two victims of "
        "different sex or age band is counted under each, and once in the total. A crime with no "
        "victim recorded is counted under 'Not recorded'."
    )
    if filters.victim_sex or filters.victim_age_band:
        # Otherwise a page filtered to male victims showing female ones reads as a fault.
        note += (
            " The victim filter picks the crimes with a victim it matches; the table counts every "
            "victim of those crimes, so other victims of the same crimes appear in other cells."
        )
    return FigureTable(
        key="victim",
        title=title,
        note=note,
        row_heading="Victim age band",
        row_keys=tuple(row_keys),
        row_labels=tuple(row_labels),
        column_labels=tuple(column_labels),
        cells=shown,
        total_label="All VAWG crimes (each once)",
        total=shown_total,
        additive=False,
    )


# --- RASSO metrics ------------------------------------------------------------------------------


MetricBasis = Literal["count", "cohort", "closed", "events", "snapshot", "unavailable"]


@dataclass(frozen=True)
class Metric:
    """One RASSO metric as the dashboard shows it (after disclosure control).

    `value` is a rate (a fraction from 0 to 1) for rates, the median in days for timeliness
    metrics (with `p75_days` and `p90_days`), and the count for counts. `not_yet_assigned`
    is the number of crimes with no outcome yet (type 0) that the rate's reader must see beside
    it (see `not_yet_assigned_basis`); None where the metric is not about outcomes.
    """

    id: str
    name: str
    definition: str
    basis: MetricBasis
    kind: Literal["count", "rate", "days"]
    numerator: int | None = None
    numerator_label: str = ""
    denominator: int | None = None
    denominator_label: str = ""
    value: float | None = None
    p75_days: int | None = None
    p90_days: int | None = None
    not_yet_assigned: int | None = None
    not_yet_assigned_basis: str = ""
    available: bool = True
    note: str = ""

    @property
    def display_value(self) -> str:
        """The value in words: "12.5%", "98 days", a count, [c] when hidden, "no cases" when
        there was nothing to measure, or "not available". (A count that is not hidden but rounds
        to 0, possible only with a threshold below half the rounding base, reads "no cases" too.)"""
        if not self.available:
            return "not available"
        if self.value is None:
            # A count is its numerator, a timeliness metric is measured over its denominator (the
            # cases), and a rate needs both: with that shown and zero, there was nothing to count.
            measured = self.denominator if self.kind == "days" else self.numerator
            hidden = measured is None or (self.kind == "rate" and self.denominator is None)
            return HIDDEN_MARKER if hidden else "no cases"
        if self.kind == "rate":
            return f"{self.value * 100:.1f}%"
        if self.kind == "days":
            return f"{self.value:g} days"
        return f"{self.value:g}"


@dataclass(frozen=True)
class FunnelStage:
    """A stage of the attrition funnel: crimes of the cohort that reached it, and that stopped there."""

    key: str
    label: str
    count: int | None
    lost_after: int | None


@dataclass(frozen=True)
class AttritionFunnel:
    """M11: the cohort recorded in the period, stage by stage (research §5.2), and where it is lost.

    `losses` is a table: a row per stage where crimes stopped (`stages[i].lost_after`) plus a
    last row for convictions; a column per place they stand now (an outcome group, "not yet
    assigned an outcome", or, once charged, the verdict or "awaiting verdict").
    """

    stages: tuple[FunnelStage, ...]
    losses: FigureTable


@dataclass(frozen=True)
class RassoMetrics:
    """The RASSO progression and attrition metrics for one period and set of filters."""

    filters: CrimeFilters
    extracted_on: date | None
    threshold: int
    rounding_base: int
    metrics: tuple[Metric, ...]
    funnel: AttritionFunnel
    hidden: tuple[HiddenFigure, ...]
    synthetic: bool = False

    @property
    def extraction_lag_days(self) -> int | None:
        """Days from the end of the period to the extraction: how long outcomes had to arrive."""
        return None if self.extracted_on is None else (self.extracted_on - self.filters.end).days

    def metric(self, metric_id: str) -> Metric:
        """The metric with this id ("M1" ... "M13c")."""
        for metric in self.metrics:
            if metric.id == metric_id:
                return metric
        raise KeyError(metric_id)


@dataclass(frozen=True)
class _DaySpread:
    """How many cases were measured, and the nearest-rank median, P75 and P90 of their days."""

    cases: int
    percentiles: dict[int, int | None] = field(default_factory=dict)


def _day_spread(pairs: QuerySet[Any]) -> _DaySpread:
    """Nearest-rank percentiles of `d_to - d_from` (whole days) over the rows of `pairs`.

    `pairs` must have `d_from` and `d_to` date annotations; rows missing either are left out.
    The P-th percentile of n values sorted ascending is the value at rank ceil(P/100 * n), the
    smallest value with at least P% of the values at or below it (so the median of an even
    count is the lower middle value). PostgreSQL computes it with `percentile_disc`, which is
    that definition; other databases (SQLite) with the same rank in integer arithmetic,
    (P * n + 99) // 100. The two agree for P in 50, 75 and 90: 0.5 and 0.75 are exact in
    binary, and 0.9 * n rounds to the exact product whenever that product is a whole number.
    """
    try:
        sql, params = pairs.order_by().values("d_from", "d_to").query.sql_with_params()
    except EmptyResultSet:  # `.none()`: a user who sees no crimes; there is nothing to measure
        return _DaySpread(cases=0, percentiles=dict.fromkeys(PERCENTILES))
    present = "s.d_from IS NOT NULL AND s.d_to IS NOT NULL"
    if connection.vendor == "postgresql":
        columns = ", ".join(
            f"percentile_disc({p / 100}) WITHIN GROUP (ORDER BY s.d_to - s.d_from)" for p in PERCENTILES
        )
        query = f"SELECT COUNT(*), {columns} FROM ({sql}) AS s WHERE {present}"  # noqa: S608 - our own SQL
    else:
        columns = ", ".join(
            f"MIN(CASE WHEN r.rn = ({p} * r.n + 99) / 100 THEN r.days END)" for p in PERCENTILES
        )
        query = (
            "WITH d AS (SELECT CAST(julianday(s.d_to) - julianday(s.d_from) AS INTEGER) AS days "  # noqa: S608
            f"FROM ({sql}) AS s WHERE {present}), "
            "r AS (SELECT days, ROW_NUMBER() OVER (ORDER BY days) AS rn, COUNT(*) OVER () AS n FROM d) "
            f"SELECT (SELECT COUNT(*) FROM d), {columns} FROM r"
        )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        row = cursor.fetchone()
    cases = int(row[0] or 0)
    return _DaySpread(
        cases=cases,
        percentiles={
            p: (None if value is None else int(value)) for p, value in zip(PERCENTILES, row[1:], strict=True)
        },
    )


def _closing_outcome(user: Any, filters: CrimeFilters, cut: date) -> tuple[Case, Case]:
    """The outcome type (1 to 22) and date an offence was last given in the period, on or before
    `cut`; NULL when it was given none (the closed basis, research §5.3: "outcomes assigned in P").

    Its current outcome when that is dated in the period; else the latest of its earlier
    outcomes (`CrimeOutcomeChange`, kept as extracts reported them) dated in the period. So an
    outcome replaced after the period still counts in it: last year's withdrawal rate does not
    change when a later extract reopens one of its cases.
    """
    current = Q(outcome_type__gte=1) & filters.in_period("outcome_on", until=cut)
    earlier = (
        CrimeOutcomeChange.objects.visible_to(user)
        .filter(filters.in_period("outcome_on", until=cut), crime=OuterRef("pk"))
        .order_by("-outcome_on", "-first_extracted_on", "-pk")
    )
    closed_type = Case(
        When(current, then=F("outcome_type_id")),
        default=Subquery(earlier.values("outcome_type_id")[:1]),
        output_field=IntegerField(),
    )
    closed_on = Case(
        When(current, then=F("outcome_on")),
        default=Subquery(earlier.values("outcome_on")[:1]),
        output_field=DateField(),
    )
    return closed_type, closed_on


def _not_assigned_at(day: date) -> Q:
    """No outcome yet on `day`: type 0, or an outcome dated after it."""
    return Q(outcome_type=0) | Q(outcome_on__isnull=True) | Q(outcome_on__gt=day)


def _suspect_matched(events: QuerySet[ProgressionEvent], *, latest: bool) -> Case:
    """The date of the event in `events` for the outer event's crime and suspect, on or before it.

    An event with no suspect applies to every suspect of its crime; an outer event with no
    suspect takes any suspect's. `latest` picks the latest such event, else the earliest.
    """
    order = "-occurred_on" if latest else "occurred_on"
    same_crime = events.filter(crime=OuterRef("crime"), occurred_on__lte=OuterRef("occurred_on")).order_by(
        order
    )
    any_suspect = same_crime.values("occurred_on")[:1]
    this_suspect = same_crime.filter(Q(suspect_ref=OuterRef("suspect_ref")) | Q(suspect_ref="")).values(
        "occurred_on"
    )[:1]
    return Case(
        When(suspect_ref="", then=Subquery(any_suspect)),
        default=Subquery(this_suspect),
        output_field=DateField(),
    )


def _days_metric(
    *,
    metric_id: str,
    name: str,
    definition: str,
    basis: MetricBasis,
    spread: _DaySpread,
    cases_label: str,
    disclosure: _Disclosure,
    note: str = "",
) -> Metric:
    """A timeliness metric: hidden (with its percentiles) when too few cases were measured."""
    cases = disclosure.count(
        spread.cases, table="RASSO metrics", row=f"{metric_id} {name}", column="Cases measured"
    )
    shown = cases is not None and cases > 0
    return Metric(
        id=metric_id,
        name=name,
        definition=definition,
        basis=basis,
        kind="days",
        denominator=cases,
        denominator_label=cases_label,
        value=spread.percentiles[50] if shown else None,
        p75_days=spread.percentiles[75] if shown else None,
        p90_days=spread.percentiles[90] if shown else None,
        note=note,
    )


def rasso_metrics(
    *,
    user: Any,
    filters: CrimeFilters,
    extracted_on: date | None = None,
    audience: Audience = Audience.OPERATIONAL,
    threshold: int | None = None,
    rounding_base: int | None = None,
) -> RassoMetrics:
    """The adult rape progression and attrition metrics M1 to M13 (research §5.3) for the period.

    Adult rape is `Crime.is_adult_rape`; cancelled and transferred records are left out except
    at the first stage of the funnel. Outcomes and events count only when dated on or before
    `extracted_on`, which defaults to the extraction date of the newest crimes file loaded
    (`_latest_extraction`): the figures are "as at" that date, and the result says so.
    Every count is after disclosure control (`threshold`, default the `audience`'s; then rounded
    to `rounding_base`, default settings.CRIME_FIGURES_ROUNDING_BASE); a rate is worked out from
    the counts as shown, and hidden when its numerator or denominator is. PermissionDenied for
    anyone without `crime.view_crime_data`. See docs/crime-metrics.md for each definition.
    """
    ensure_may_view_crime_data(user)
    disclosure = _Disclosure(resolve_threshold(threshold, audience), crime_rounding_base(rounding_base))
    scoped = filters.apply(Crime.objects.visible_to(user).filter(is_adult_rape=True), user=user)
    recorded = scoped.filter(record_status=RECORDED)
    as_at = extracted_on or _latest_extraction(scoped, filters, user)
    cut = as_at or date.max
    end = min(filters.end, cut)
    # Every event known by the extraction date; `events` only those of the crimes in scope.
    all_events = ProgressionEvent.objects.visible_to(user).filter(occurred_on__lte=cut)
    events = all_events.filter(crime__in=recorded)

    metrics: list[Metric] = []
    cohort = filters.in_period("recorded_on")
    closed_type, closed_on = _closing_outcome(user, filters, cut)
    # Only the closed-basis figures need the closing outcome: the other queries take `recorded`
    # without it, rather than rely on Django leaving an unused subquery out.
    closing = recorded.annotate(closed_type=closed_type, closed_on=closed_on)
    closed_in_period = Q(closed_type__isnull=False)
    charged_by_cut = Q(outcome_type=1, outcome_on__lte=cut)
    figures = closing.aggregate(
        m1=Count("pk", filter=cohort),
        cohort_charged=Count("pk", filter=cohort & charged_by_cut),
        cohort_open=Count("pk", filter=cohort & _not_assigned_at(cut)),
        closed=Count("pk", filter=closed_in_period),
        closed_1=Count("pk", filter=Q(closed_type=1)),
        closed_14_16=Count("pk", filter=Q(closed_type__in=[14, 16])),
        closed_15_16=Count("pk", filter=Q(closed_type__in=[15, 16])),
        closed_16=Count("pk", filter=Q(closed_type=16)),
        open_at_end=Count("pk", filter=Q(recorded_on__lte=end) & _not_assigned_at(end)),
    )

    def count(value: int, metric_id: str, name: str, column: str) -> int | None:
        return disclosure.count(value, table="RASSO metrics", row=f"{metric_id} {name}", column=column)

    # M1
    m1 = count(figures["m1"], "M1", "Adult rape offences recorded", "Offences")
    cohort_open = count(figures["cohort_open"], "M2", "Charge/summons rate (cohort)", NOT_YET_ASSIGNED)
    cohort_open_basis = "offences recorded in the period with no outcome yet at the extraction date"
    metrics.append(
        Metric(
            id="M1",
            name="Adult rape offences recorded",
            definition="Adult rape offences (HOCR 19C and 19F under the current rules) with a recorded "
            "date in the period, excluding cancelled and transferred records.",
            basis="count",
            kind="count",
            numerator=m1,
            numerator_label="offences recorded",
            value=m1,
            not_yet_assigned=cohort_open,
            not_yet_assigned_basis=cohort_open_basis,
        )
    )

    # M2
    name = "Charge/summons rate (cohort)"
    charged = count(figures["cohort_charged"], "M2", name, "Charged or summonsed")
    metrics.append(
        Metric(
            id="M2",
            name=name,
            definition="Of the adult rape offences recorded in the period (M1), those whose outcome is "
            "type 1 (charged or summonsed) by the extraction date, divided by M1.",
            basis="cohort",
            kind="rate",
            numerator=charged,
            numerator_label="charged or summonsed by the extraction date",
            denominator=m1,
            denominator_label="offences recorded in the period (M1)",
            value=_rate(charged, m1),
            not_yet_assigned=cohort_open,
            not_yet_assigned_basis=cohort_open_basis,
            note="Recent offences have had less time to reach an outcome: read with the extraction lag.",
        )
    )

    # M3, M4, M4b: closed basis
    closed = count(figures["closed"], "M3", "Charge/summons rate (closed basis)", "Outcomes assigned")
    open_at_end = count(figures["open_at_end"], "M3", "Charge/summons rate (closed basis)", NOT_YET_ASSIGNED)
    open_basis = (
        "offences recorded by the end of the period with no outcome yet at its end"
        if end == filters.end
        else "offences recorded by the extraction date (the period had not ended) with no outcome yet then"
    )
    name = "Charge/summons rate (closed basis)"
    closed_1 = count(figures["closed_1"], "M3", name, "Type 1 outcomes")
    metrics.append(
        Metric(
            id="M3",
            name=name,
            definition="Adult rape offences given outcome type 1 (charged or summonsed) in the period, "
            "divided by those given any outcome of types 1 to 22 in the period (type 0 excluded). "
            "Each offence counts once, by the last outcome it was given in the period: one given "
            "another outcome later still counts in this period with the one it had.",
            basis="closed",
            kind="rate",
            numerator=closed_1,
            numerator_label="outcomes of type 1 assigned in the period",
            denominator=closed,
            denominator_label="outcomes of types 1 to 22 assigned in the period",
            value=_rate(closed_1, closed),
            not_yet_assigned=open_at_end,
            not_yet_assigned_basis=open_basis,
        )
    )
    name = "Victim withdrawal rate"
    withdrawn = count(figures["closed_14_16"], "M4", name, "Outcomes 14 and 16")
    metrics.append(
        Metric(
            id="M4",
            name=name,
            definition="Adult rape offences given outcome type 14 or 16 (evidential difficulties: the "
            "victim does not support action) in the period, divided by those given any outcome of "
            "types 1 to 22 in the period.",
            basis="closed",
            kind="rate",
            numerator=withdrawn,
            numerator_label="outcomes of types 14 and 16 assigned in the period",
            denominator=closed,
            denominator_label="outcomes of types 1 to 22 assigned in the period",
            value=_rate(withdrawn, closed),
            not_yet_assigned=open_at_end,
            not_yet_assigned_basis=open_basis,
        )
    )
    name = "Withdrawal share of identified-suspect evidential closures"
    type_16 = count(figures["closed_16"], "M4b", name, "Outcome 16")
    types_15_16 = count(figures["closed_15_16"], "M4b", name, "Outcomes 15 and 16")
    metrics.append(
        Metric(
            id="M4b",
            name=name,
            definition="Adult rape offences given outcome type 16 in the period, divided by those given "
            "type 15 or 16: of the cases with an identified suspect closed for evidential difficulties, "
            "the share where the victim did not support action.",
            basis="closed",
            kind="rate",
            numerator=type_16,
            numerator_label="outcomes of type 16 assigned in the period",
            denominator=types_15_16,
            denominator_label="outcomes of types 15 and 16 assigned in the period",
            value=_rate(type_16, types_15_16),
            not_yet_assigned=open_at_end,
            not_yet_assigned_basis=open_basis,
        )
    )

    # M5
    charged_in_period = closing.filter(closed_type=1)
    metrics.append(
        _days_metric(
            metric_id="M5",
            name="Days from recording to charge",
            definition="For adult rape offences given outcome type 1 in the period: days from the "
            "recorded date to the outcome date; the median, P75 and P90 by nearest rank.",
            basis="closed",
            spread=_day_spread(charged_in_period.annotate(d_from=F("recorded_on"), d_to=F("closed_on"))),
            cases_label="offences charged in the period",
            disclosure=disclosure,
            note="Measured from the recorded date, as the Home Office measures days to outcome.",
        )
    )

    # The events' rates stand beside the same open offences as the closed-basis ones: both count
    # what happened in the period, and what has not yet happened is the offences still open.
    still_open = _NotYetAssigned(open_at_end, open_basis)
    metrics += _cps_metrics(
        events=events, all_events=all_events, filters=filters, disclosure=disclosure, still_open=still_open
    )
    metrics += _court_metrics(
        events=events,
        all_events=all_events,
        recorded=recorded,
        filters=filters,
        end=end,
        disclosure=disclosure,
        still_open=still_open,
    )

    funnel = _attrition_funnel(
        scoped=scoped, all_events=all_events, user=user, filters=filters, cut=cut, disclosure=disclosure
    )
    name = "Attrition funnel"
    stages = {stage.key: stage for stage in funnel.stages}
    metrics.append(
        Metric(
            id="M11",
            name=name,
            definition="The offences recorded in the period (cohort), counted at each stage they "
            "reached by the extraction date: crimed, suspect identified, suspect arrested or "
            "interviewed, referred to the CPS, charged, trial (or guilty plea), convicted. The value "
            "is the share of crimed offences that reached a conviction; the stages are in the funnel.",
            basis="cohort",
            kind="rate",
            numerator=stages["convicted"].count,
            numerator_label="offences of the cohort with a conviction",
            denominator=stages["crimed"].count,
            denominator_label="offences recorded in the period (M1)",
            value=_rate(stages["convicted"].count, stages["crimed"].count),
            not_yet_assigned=cohort_open,
            not_yet_assigned_basis=cohort_open_basis,
            note="Reports not crimed (N100) are not in the force extract, so the funnel starts at "
            "the crime record.",
        )
    )
    metrics.append(
        _repeat_suspect_share(
            cohort=recorded.filter(cohort),
            user=user,
            disclosure=disclosure,
            not_yet_assigned=cohort_open,
            not_yet_assigned_basis=cohort_open_basis,
        )
    )
    metrics += _victim_engagement(
        closing=closing,
        all_events=all_events,
        filters=filters,
        disclosure=disclosure,
        still_open=still_open,
        updates=_updates_in_time(
            cohort=recorded.filter(cohort),
            user=user,
            filters=filters,
            cut=cut,
            disclosure=disclosure,
            still_open=_NotYetAssigned(cohort_open, cohort_open_basis),
        ),
    )

    return RassoMetrics(
        filters=filters,
        extracted_on=as_at,
        threshold=disclosure.threshold,
        rounding_base=disclosure.rounding_base,
        metrics=tuple(metrics),
        funnel=funnel,
        hidden=tuple(disclosure.hidden),
        synthetic=synthetic_data_in(filters, user=user),
    )


@dataclass(frozen=True)
class _NotYetAssigned:
    """The "not yet assigned an outcome" count shown beside a rate, and what it counts."""

    count: int | None
    basis: str


def _cps_metrics(
    *,
    events: QuerySet[ProgressionEvent],
    all_events: QuerySet[ProgressionEvent],
    filters: CrimeFilters,
    disclosure: _Disclosure,
    still_open: _NotYetAssigned,
) -> list[Metric]:
    """M6 (CPS charge rate), M6b (referrals to the CPS) and M7 (CPS timeliness), from events."""
    in_period = filters.in_period("occurred_on")
    decisions = events.filter(in_period, kind=Kind.CPS_DECISION, detail__in=CHARGING_DECISIONS)

    def suspects(queryset: QuerySet[ProgressionEvent]) -> int:
        # A suspect is a (crime, suspect id) pair; an event with no suspect id is one suspect.
        return queryset.values("crime_id", "suspect_ref").distinct().count()

    def count(value: int, metric_id: str, name: str, column: str) -> int | None:
        return disclosure.count(value, table="RASSO metrics", row=f"{metric_id} {name}", column=column)

    name = "CPS charge rate"
    decided = count(suspects(decisions), "M6", name, "Suspects with a charging decision")
    charged = count(suspects(decisions.filter(detail="charge")), "M6", name, "Suspects charged")
    name_referred = "Referrals to the CPS"
    referred = count(
        suspects(events.filter(in_period, kind=Kind.REFERRED_TO_CPS)),
        "M6b",
        name_referred,
        "Suspects referred",
    )
    spread = _day_spread(
        decisions.annotate(
            d_from=_suspect_matched(all_events.filter(kind=Kind.REFERRED_TO_CPS), latest=True),
            d_to=F("occurred_on"),
        )
    )
    return [
        Metric(
            id="M6",
            name=name,
            definition="Suspects in adult rape offences with a CPS charging decision (charge, or no "
            "further action on evidential or public interest grounds) dated in the period; of them, "
            "those the CPS decided to charge. An action plan is not a charging decision.",
            basis="events",
            kind="rate",
            numerator=charged,
            numerator_label="suspects the CPS decided to charge in the period",
            denominator=decided,
            denominator_label="suspects with a CPS charging decision in the period",
            value=_rate(charged, decided),
            not_yet_assigned=still_open.count,
            not_yet_assigned_basis=still_open.basis,
        ),
        Metric(
            id="M6b",
            name=name_referred,
            definition="Suspects in adult rape offences referred to the CPS for a charging decision "
            "(a 'referred to CPS' event) in the period.",
            basis="events",
            kind="count",
            numerator=referred,
            numerator_label="suspects referred in the period",
            value=referred,
        ),
        _days_metric(
            metric_id="M7",
            name="CPS timeliness: days from referral to charging decision",
            definition="For each CPS charging decision in the period on an adult rape offence: days "
            "from the latest referral to the CPS on or before it (for the same suspect) to the "
            "decision; the median, P75 and P90 by nearest rank.",
            basis="events",
            spread=spread,
            cases_label="charging decisions with a referral date",
            disclosure=disclosure,
            note="The referral date stands in for the CPS's receipt of the file. Decisions with no "
            "earlier referral in the extract are left out.",
        ),
    ]


def _court_metrics(
    *,
    events: QuerySet[ProgressionEvent],
    all_events: QuerySet[ProgressionEvent],
    recorded: QuerySet[Crime],
    filters: CrimeFilters,
    end: date,
    disclosure: _Disclosure,
    still_open: _NotYetAssigned,
) -> list[Metric]:
    """M8 (court timeliness), M9 (caseload outstanding) and M10 (conviction rate), from events."""
    verdicts = events.filter(filters.in_period("occurred_on"), kind=Kind.VERDICT)
    charge_on = Coalesce(
        _suspect_matched(all_events.filter(kind=Kind.CHARGED), latest=False),
        Case(
            When(
                Q(crime__outcome_type=1, crime__outcome_on__lte=F("occurred_on")),
                then=F("crime__outcome_on"),
            ),
            output_field=DateField(),
        ),
        output_field=DateField(),
    )
    spread = _day_spread(verdicts.annotate(d_from=charge_on, d_to=F("occurred_on")))

    charged_by_end = Q(
        Exists(all_events.filter(crime=OuterRef("pk"), kind=Kind.CHARGED, occurred_on__lte=end))
    ) | Q(outcome_type=1, outcome_on__lte=end)
    verdict_by_end = Exists(all_events.filter(crime=OuterRef("pk"), kind=Kind.VERDICT, occurred_on__lte=end))
    outstanding_name = "Crown Court caseload outstanding"
    outstanding = disclosure.count(
        recorded.filter(charged_by_end).exclude(verdict_by_end).count(),
        table="RASSO metrics",
        row=f"M9 {outstanding_name}",
        column="Open cases",
    )
    name = "Conviction rate"
    completed = disclosure.count(
        verdicts.count(), table="RASSO metrics", row=f"M10 {name}", column="Prosecutions completed"
    )
    convicted = disclosure.count(
        verdicts.filter(detail__in=CONVICTED_VERDICTS).count(),
        table="RASSO metrics",
        row=f"M10 {name}",
        column="Convictions",
    )
    return [
        _days_metric(
            metric_id="M8",
            name="Court timeliness: days from charge to completion",
            definition="For each verdict (conviction, acquittal or discontinuance) in the period on an "
            "adult rape offence: days from the charge (the earliest 'charged' event for the same "
            "suspect on or before the verdict, else the offence's type 1 outcome date) to the "
            "verdict; the median, P75 and P90 by nearest rank.",
            basis="events",
            spread=spread,
            cases_label="verdicts with a charge date",
            disclosure=disclosure,
            note="The extract does not name the court; adult rape is tried only in the Crown Court.",
        ),
        Metric(
            id="M9",
            name=outstanding_name,
            definition="Adult rape offences charged (a 'charged' event or outcome type 1) on or before "
            "the end of the period with no verdict on or before it: cases open in the Crown Court at "
            "the end of the period.",
            basis="snapshot",
            kind="count",
            numerator=outstanding,
            numerator_label="offences charged and awaiting a verdict at the end of the period",
            value=outstanding,
            note="Counted by offence: an offence with several defendants is open until its first verdict.",
        ),
        Metric(
            id="M10",
            name=name,
            definition="Verdicts in the period on adult rape offences that are convictions (guilty plea "
            "or conviction at trial), divided by all verdicts in the period (convictions, acquittals "
            "and discontinuances): prosecutions completed.",
            basis="events",
            kind="rate",
            numerator=convicted,
            numerator_label="convictions in the period",
            denominator=completed,
            denominator_label="prosecutions completed in the period",
            value=_rate(convicted, completed),
            not_yet_assigned=still_open.count,
            not_yet_assigned_basis=still_open.basis,
        ),
    ]


# The funnel's stages (research §5.2), in order. A crime's stage is the furthest it reached.
FUNNEL_STAGES: tuple[tuple[str, str], ...] = (
    ("records", "Adult rape records (including cancelled and transferred)"),
    ("crimed", "Crimed (not cancelled or transferred)"),
    ("suspect_identified", "Suspect identified"),
    ("arrested_or_interviewed", "Suspect arrested or interviewed"),
    ("referred_to_cps", "Referred to the CPS"),
    ("charged", "Charged or summonsed"),
    ("trial", "Trial (or guilty plea)"),
    ("convicted", "Convicted"),
)
_STOPPED_LABELS: tuple[str, ...] = (
    "Cancelled or transferred",
    "Crimed, no suspect identified",
    "Suspect identified, not arrested or interviewed",
    "Arrested or interviewed, not referred to the CPS",
    "Referred to the CPS, not charged",
    "Charged, no trial or plea yet",
    "Tried, not convicted",
    "Convicted",
)
_VERDICT_COLUMNS: dict[str, str] = {"acquitted": "Acquitted", "discontinued": "Discontinued"}
_AWAITING_VERDICT = "Awaiting verdict"
_OTHER_VERDICT = "Other verdict"
_CONVICTED = "Convicted"


def _attrition_funnel(
    *,
    scoped: QuerySet[Crime],
    all_events: QuerySet[ProgressionEvent],
    user: Any,
    filters: CrimeFilters,
    cut: date,
    disclosure: _Disclosure,
) -> AttritionFunnel:
    """M11: each crime of the cohort at the furthest stage it reached, and where it stands now.

    A stage is reached when the crime has an event of that stage or of any later one (a
    conviction implies a charge), so every stage holds the ones after it.
    """

    def has(kinds: Sequence[str], **conditions: Any) -> Q:
        return Q(Exists(all_events.filter(crime=OuterRef("pk"), kind__in=kinds, **conditions)))

    stage = Case(
        When(~Q(record_status=RECORDED), then=Value(0)),
        When(has([Kind.VERDICT], detail__in=CONVICTED_VERDICTS) | has([Kind.SENTENCE]), then=Value(7)),
        When(has([Kind.TRIAL]) | has([Kind.VERDICT], detail__in=TRIED_VERDICTS), then=Value(6)),
        When(
            has([Kind.CHARGED, Kind.FIRST_HEARING, Kind.TRIAL, Kind.VERDICT])
            | has([Kind.CPS_DECISION], detail="charge")
            | Q(outcome_type=1, outcome_on__lte=cut),
            then=Value(5),
        ),
        When(has([Kind.REFERRED_TO_CPS, Kind.CPS_DECISION]), then=Value(4)),
        When(
            has([Kind.ARRESTED, Kind.INTERVIEWED, Kind.BAILED, Kind.RELEASED_UNDER_INVESTIGATION]),
            then=Value(3),
        ),
        When(
            has([Kind.SUSPECT_IDENTIFIED])
            | Q(Exists(CrimeSuspect.objects.visible_to(user).filter(crime=OuterRef("pk")))),
            then=Value(2),
        ),
        default=Value(1),
        output_field=IntegerField(),
    )
    latest_verdict = Subquery(
        all_events.filter(crime=OuterRef("pk"), kind=Kind.VERDICT)
        .order_by("-occurred_on")
        .values("detail")[:1]
    )
    outcome_now = Case(
        When(_not_assigned_at(cut), then=Value(0)), default=F("outcome_type_id"), output_field=IntegerField()
    )
    rows = (
        scoped.filter(filters.in_period("recorded_on"))
        .annotate(stage=stage, outcome_now=outcome_now, verdict=latest_verdict)
        .values("stage", "outcome_now", "verdict")
        .annotate(n=Count("pk"))
        .order_by()
    )

    groups = {row.number: row.group for row in OutcomeType.objects.filter(number__gte=1)}
    outcome_columns = list(dict.fromkeys(groups[number] for number in sorted(groups)))
    columns = [
        NOT_YET_ASSIGNED,
        *outcome_columns,
        _AWAITING_VERDICT,
        *_VERDICT_COLUMNS.values(),
        _OTHER_VERDICT,
        _CONVICTED,
    ]
    cells = [[0] * len(columns) for _ in FUNNEL_STAGES]
    for row in rows:
        reached = row["stage"]
        if reached == len(FUNNEL_STAGES) - 1:
            column = _CONVICTED
        elif reached >= 5:
            column = _VERDICT_COLUMNS.get(
                row["verdict"] or "", _OTHER_VERDICT if row["verdict"] else _AWAITING_VERDICT
            )
        elif row["outcome_now"] == 0:
            column = NOT_YET_ASSIGNED
        else:
            column = groups.get(row["outcome_now"], f"Outcome type {row['outcome_now']}")
            if column not in columns:
                columns.insert(-len(_VERDICT_COLUMNS) - 3, column)
                for line in cells:
                    line.insert(columns.index(column), 0)
        cells[reached][columns.index(column)] += row["n"]

    stopped = [sum(line) for line in cells]
    reached_counts = [sum(stopped[index:]) for index in range(len(FUNNEL_STAGES))]
    # Drop columns that are empty in every row: they say nothing and widen the page.
    keep = [
        j for j in range(len(columns)) if any(line[j] for line in cells) or columns[j] == NOT_YET_ASSIGNED
    ]
    kept_columns = [columns[j] for j in keep]
    kept_cells = [[line[j] for j in keep] for line in cells]
    losses_title = "Where the cohort stopped, and where it stands now"
    # The crimed offences (every row but the first) add up to M1, which is published, so they
    # are protected as a table of that total; the cancelled and transferred records (the first
    # row) are protected on their own, and with them the total of all records.
    cancelled_cells, cancelled, cancelled_hidden = disclosure.overlapping_table(
        kept_cells[:1],
        stopped[0],
        table=losses_title,
        rows=_STOPPED_LABELS[:1],
        columns=kept_columns,
        total_label=_STOPPED_LABELS[0],
    )
    crimed_cells, crimed, crimed_hidden = disclosure.overlapping_table(
        kept_cells[1:],
        reached_counts[1],
        table=losses_title,
        rows=_STOPPED_LABELS[1:],
        columns=kept_columns,
        total_label=FUNNEL_STAGES[1][1],
    )
    protect = disclosure.reason
    # What the hidden crimed rows add up to is M1 less the rows shown (the funnel shows each
    # row's total as what stopped there). A small sum is a figure in its own right, such as
    # the offences charged, so another row is hidden with them until it is not small: the
    # smallest that is enough, so as to hide as little as will do.
    crimed_rows = [list(line) for line in crimed_cells]
    hidden_block = set(crimed_hidden)

    def stopped_at(row: int) -> int:
        return stopped[1 + row]

    while hidden_block and 0 < sum(map(stopped_at, hidden_block)) < disclosure.threshold:
        shortfall = disclosure.threshold - sum(map(stopped_at, hidden_block))
        candidates = [i for i in range(len(crimed_rows)) if i not in hidden_block and stopped_at(i)]
        if not candidates:
            break
        enough = [i for i in candidates if stopped_at(i) >= shortfall]
        extra = min(enough, key=lambda i: (stopped_at(i), -i)) if enough else max(candidates, key=stopped_at)
        hidden_block.add(extra)
        # Its zeros can stay: the row's total is hidden while any figure in it is.
        for j, value in enumerate(crimed_rows[extra]):
            if value:
                crimed_rows[extra][j] = None
                disclosure.hidden.append(
                    HiddenFigure(losses_title, _STOPPED_LABELS[1 + extra], kept_columns[j], protect)
                )
    crimed_cells = tuple(tuple(line) for line in crimed_rows)
    crimed_hidden = frozenset(hidden_block)
    all_records: int | None = None
    if cancelled is None or crimed is None:
        disclosure.hidden.append(HiddenFigure(losses_title, "All records", "", protect))
    else:
        all_records = disclosure.count(reached_counts[0], table=losses_title, row="All records", column="")
    shown_cells = cancelled_cells + crimed_cells
    hidden_rows = {index + 1 for index in crimed_hidden} | ({0} if cancelled_hidden else set())

    # The funnel publishes what stopped at each stage (the losses table's row totals) and what
    # reached it (their sums from that stage down), so it follows that table's pattern: a row
    # total it hides is not shown, nor a count of crimed offences reaching a stage that would
    # split the hidden ones. (Hiding each figure on its own left what stopped between two shown
    # counts hidden but there for the subtraction.)
    table = "Attrition funnel"
    last = len(FUNNEL_STAGES) - 1
    hidden_crimed = hidden_rows - {0}
    stages: list[FunnelStage] = []
    for index, (key, label) in enumerate(FUNNEL_STAGES):
        from_here = set(range(index, last + 1))
        splits = bool(hidden_crimed & from_here) and not hidden_crimed <= from_here
        count: int | None = None
        if splits or (index == 0 and all_records is None):
            disclosure.hidden.append(HiddenFigure(table, label, "Offences reaching the stage", protect))
        else:
            count = disclosure.count(
                reached_counts[index], table=table, row=label, column="Offences reaching the stage"
            )
        lost: int | None = None
        if index < last:
            if index in hidden_rows:
                disclosure.hidden.append(HiddenFigure(table, label, "Did not reach the next stage", protect))
            else:
                lost = disclosure.count(
                    stopped[index], table=table, row=label, column="Did not reach the next stage"
                )
        stages.append(FunnelStage(key=key, label=label, count=count, lost_after=lost))

    losses = FigureTable(
        key="funnel_losses",
        title=losses_title,
        note="Each record of the cohort counts once: in the row of the furthest stage it reached, "
        "and the column of its current outcome group (or, once charged, its verdict).",
        row_heading="Furthest stage reached",
        row_keys=tuple(key for key, _ in FUNNEL_STAGES),
        row_labels=_STOPPED_LABELS,
        column_labels=tuple(kept_columns),
        cells=shown_cells,
        total_label="All records",
        total=all_records,
    )
    return AttritionFunnel(stages=tuple(stages), losses=losses)


def _repeat_suspect_share(
    *,
    cohort: QuerySet[Crime],
    user: Any,
    disclosure: _Disclosure,
    not_yet_assigned: int | None,
    not_yet_assigned_basis: str,
) -> Metric:
    """M12: offences whose suspect is linked to another RASSO or domestic abuse record."""
    suspects = CrimeSuspect.objects.visible_to(user)
    # The same pseudonymous id in the same force's data, on another recorded crime that is RASSO
    # or carries the domestic abuse flag (ids are stable within a force, not across forces).
    other_records = (
        suspects.filter(
            suspect_ref=OuterRef("suspect_ref"),
            crime__police_force_area_id=OuterRef("crime__police_force_area_id"),
            crime__record_status=RECORDED,
        )
        .filter(Q(crime__is_rasso=True) | Q(crime__domestic_abuse=True))
        .exclude(crime_id=OuterRef("crime_id"))
    )
    # One pass over the cohort: every offence with a suspect, and those whose suspect is linked.
    figures = cohort.filter(Exists(suspects.filter(crime=OuterRef("pk")))).aggregate(
        named=Count("pk"),
        linked=Count(
            "pk", filter=Q(Exists(suspects.filter(crime=OuterRef("pk")).filter(Exists(other_records))))
        ),
    )
    name = "Repeat-suspect share"
    row = f"M12 {name}"
    with_suspect = disclosure.count(
        figures["named"], table="RASSO metrics", row=row, column="With a named suspect"
    )
    repeat = disclosure.count(
        figures["linked"], table="RASSO metrics", row=row, column="Suspect linked elsewhere"
    )
    return Metric(
        id="M12",
        name=name,
        definition="Of the adult rape offences recorded in the period with a named suspect, those "
        "where a suspect is also a suspect (same pseudonymous id, same force) in at least one other "
        "recorded RASSO offence or domestic-abuse-flagged crime, at any date in the extract.",
        basis="cohort",
        kind="rate",
        numerator=repeat,
        numerator_label="offences whose suspect is linked to another RASSO or DA record",
        denominator=with_suspect,
        denominator_label="offences recorded in the period with a named suspect",
        value=_rate(repeat, with_suspect),
        not_yet_assigned=not_yet_assigned,
        not_yet_assigned_basis=not_yet_assigned_basis,
    )


_NOT_IN_EXTRACT = "Not available from the force extract"

# The Victims' Code right to be told of key decisions in the investigation and prosecution, with
# time limits: Right 6 in the 2020 Code and in the 2026 draft (research/victims-code.md §1.2 and
# §1.4; the rights and their entitlements are reference data in waymark/victims_code/fixtures).
UPDATES_RIGHT = 6

M13B_NAME = "Victims updated within the Victims' Code time limits"
M13B_DEFINITION = (
    "Of the victims of the adult rape offences recorded in the period who were owed an update under "
    "Right 6 of the Victims' Code (told of an arrest, interview, release, bail, or a decision not to "
    "investigate or charge) that had fallen due by the extraction date, those given every such update "
    "within its time limit. From the force's Victims' Code duties: an update documented as not "
    "applicable, or not yet due, is not counted; one not given by its due date counts as late."
)


def _m13b_unavailable(note: str) -> Metric:
    return Metric(
        id="M13b",
        name=M13B_NAME,
        definition=M13B_DEFINITION,
        basis="unavailable",
        kind="rate",
        available=False,
        note=note,
    )


def _duties_extracted_on(area_ids: Sequence[int]) -> date | None:
    """The extraction date of the newest Victims' Code duties file of these force areas (else
    the newest `CodeDuty.extracted_on`, for duties loaded without an import record)."""
    files = ForceExtractImport.objects.filter(
        kind=ForceExtractImport.Kind.CODE_DUTIES, police_force_area_id__in=area_ids
    )
    latest = files.aggregate(latest=Max("extracted_on"))["latest"]
    if latest is None:
        latest = CodeDuty.objects.filter(police_force_area_id__in=area_ids).aggregate(
            latest=Max("extracted_on")
        )["latest"]
    return latest


def _updates_in_time(
    *,
    cohort: QuerySet[Crime],
    user: Any,
    filters: CrimeFilters,
    cut: date,
    disclosure: _Disclosure,
    still_open: _NotYetAssigned,
) -> Metric:
    """M13b from the force's Victims' Code duties (`CodeDuty`) of the cohort's offences.

    The unit is a victim of an offence (crime and pseudonymous victim id). Crime data is seen
    in the force areas where the user holds a crime-data role, duties in those where they hold
    a compliance role (the same roles today, kept apart): so the metric is given only when
    every offence of the cohort is in such an area and a duties file of those areas has been
    loaded, never as a figure made of no duties. The duties are judged at the earlier of the
    crimes' and the duties' extraction dates: a duty given after the duties file was taken is
    not in it, and must not count late.
    """
    areas = police_force_area_ids_with_role(user, COMPLIANCE_ROLES)
    if not areas:
        return _m13b_unavailable(
            "Shown to those who see the force's Victims' Code evidence (OPCC analysts and admins, "
            "the force's Victims' Code leads)."
        )
    if cohort.exclude(police_force_area_id__in=areas).exists():
        return _m13b_unavailable(
            "The offences counted include another force area's, whose Victims' Code evidence you do "
            "not see; it is given for your own force area's offences only (in the API, "
            "police_force_area)."
        )
    in_scope = sorted(areas)
    if filters.police_force_area:
        in_scope = list(
            PoliceForceArea.objects.filter(pk__in=areas, code=filters.police_force_area).values_list(
                "pk", flat=True
            )
        )
    duties_on = _duties_extracted_on(in_scope)
    if duties_on is None:
        return _m13b_unavailable(
            "No Victims' Code duties file has been loaded for the force area (docs/formats/code-duties.md)."
        )
    if duties_on < filters.start:
        return _m13b_unavailable(
            f"The newest Victims' Code duties file was taken on {duties_on.day} {duties_on:%B %Y}, "
            "before the period."
        )
    judged_on = min(cut, duties_on)
    note = (
        f"Judged at {judged_on.day} {judged_on:%B %Y}, the extraction date of the newest Victims' Code "
        "duties file, which is earlier than the crimes file's."
        if judged_on < cut
        else ""
    )
    duties = CodeDuty.objects.visible_to(user)
    owed = duties.filter(
        crime__in=cohort,
        entitlement__right__number=UPDATES_RIGHT,
        not_applicable_reason="",
        triggered_on__lte=judged_on,
    )
    if filters.victim_sex or filters.victim_age_band:
        # The victims the filter names, not every victim of a crime one of them is a victim of.
        victims = CrimeVictim.objects.visible_to(user).filter(
            crime=OuterRef("crime"), victim_ref=OuterRef("victim_ref")
        )
        owed = owed.filter(Exists(filters.matching_victims(victims)))
    given = Q(delivered_on__lte=judged_on)
    fallen_due = owed.filter(given | Q(due_on__isnull=True) | Q(due_on__lte=judged_on))
    in_time = given & (Q(due_on__isnull=True) | Q(delivered_on__lte=F("due_on")))
    # One row per victim, late when any of their updates was not in time; then both counts.
    late = Case(When(in_time, then=Value(0)), default=Value(1), output_field=IntegerField())
    figures = (
        fallen_due.values("crime_id", "victim_ref")
        .annotate(is_late=Max(late))
        .aggregate(owed=Count("crime_id"), late=Coalesce(Sum("is_late"), 0))
    )
    owed_victims, late_victims = figures["owed"], figures["late"]
    row = f"M13b {M13B_NAME}"
    denominator = disclosure.count(
        owed_victims, table="RASSO metrics", row=row, column="Victims owed an update"
    )
    numerator = disclosure.count(
        owed_victims - late_victims, table="RASSO metrics", row=row, column="Every update in time"
    )
    return Metric(
        id="M13b",
        name=M13B_NAME,
        definition=M13B_DEFINITION,
        basis="cohort",
        kind="rate",
        numerator=numerator,
        numerator_label="victims given every update within its time limit",
        denominator=denominator,
        denominator_label="victims of offences recorded in the period owed an update by the extraction date",
        value=_rate(numerator, denominator),
        not_yet_assigned=still_open.count,
        not_yet_assigned_basis=still_open.basis,
        note=note,
    )


def _victim_engagement(
    *,
    closing: QuerySet[Crime],
    all_events: QuerySet[ProgressionEvent],
    filters: CrimeFilters,
    disclosure: _Disclosure,
    still_open: _NotYetAssigned,
    updates: Metric,
) -> list[Metric]:
    """M13: withdrawals with a reason (from the extract), updates in time (`updates`, M13b,
    from the force's Victims' Code duties), and ISVA referrals, which neither supports.
    `closing`: the recorded offences with their closing outcome (`_closing_outcome`)."""
    withdrawal_events = all_events.filter(kind=Kind.VICTIM_WITHDRAWAL, crime=OuterRef("pk"))
    withdrawals = closing.filter(
        Q(Exists(withdrawal_events.filter(filters.in_period("occurred_on")))) | Q(closed_type__in=[14, 16])
    )
    figures = withdrawals.aggregate(
        total=Count("pk"), reasoned=Count("pk", filter=Q(Exists(withdrawal_events.exclude(detail=""))))
    )
    name = "Withdrawals with a recorded reason"
    row = f"M13c {name}"
    total = disclosure.count(figures["total"], table="RASSO metrics", row=row, column="Withdrawals")
    reasoned = disclosure.count(figures["reasoned"], table="RASSO metrics", row=row, column="With a reason")
    return [
        Metric(
            id="M13a",
            name="Victims referred to an ISVA",
            definition="The share of victims of adult rape with a referral to an independent sexual "
            "violence adviser (ISVA).",
            basis="unavailable",
            kind="rate",
            available=False,
            note=f"{_NOT_IN_EXTRACT}: it carries no ISVA referrals. The ISVA services' own referrals "
            "in Waymark are the providers' records, which the OPCC sees only as their returns.",
        ),
        updates,
        Metric(
            id="M13c",
            name=name,
            definition="Adult rape offences where the victim withdrew in the period (a 'victim "
            "withdrawal' event dated in the period, or outcome type 14 or 16 assigned in it); of "
            "them, those with a withdrawal event that records a reason.",
            basis="events",
            kind="rate",
            numerator=reasoned,
            numerator_label="withdrawals with a recorded reason",
            denominator=total,
            denominator_label="offences with a victim withdrawal in the period",
            value=_rate(reasoned, total),
            not_yet_assigned=still_open.count,
            not_yet_assigned_basis=still_open.basis,
        ),
    ]


# --- CSV ----------------------------------------------------------------------------------------


def _figure(value: int | float | None) -> int | float | str:
    return HIDDEN_MARKER if value is None else value


def rounding_note(rounding_base: int) -> str:
    """What rounding does to the figures, in words ("" when counts are exact)."""
    if rounding_base <= 1:
        return ""
    return (
        f"Every count shown is rounded to the nearest {rounding_base}, each on its own, so figures "
        "need not add up to their totals; rates are worked out from the rounded counts."
    )


def _heading_rows(
    title: str,
    filters: CrimeFilters,
    extracted_on: date | None,
    threshold: int,
    rounding_base: int,
    synthetic: bool,
) -> Iterator[list[Any]]:
    yield [title]
    if synthetic:
        yield ["Data", SYNTHETIC_NOTE]
    for name, value in filters.describe():
        yield [name, spreadsheet_safe(value)]
    yield ["Extraction date", extracted_on.isoformat() if extracted_on else "no extract loaded"]
    if extracted_on is not None and extracted_on >= filters.end:
        yield ["Days from the end of the period to the extraction", (extracted_on - filters.end).days]
    elif extracted_on is not None:
        yield [
            "Coverage",
            f"The period had not ended when the extract was taken: the figures cover it up to {extracted_on}",
        ]
    yield from disclosure_rows(threshold, rounding_base)


def disclosure_rows(threshold: int, rounding_base: int) -> Iterator[list[Any]]:
    """The CSV heading rows that say what disclosure control and rounding did to the figures."""
    yield [
        "Figures",
        f"Disclosure control applied: counts from 1 to {threshold - 1} are hidden ({HIDDEN_MARKER}), "
        "and so is one more figure wherever a hidden one could be worked back; a rate is hidden "
        "when its numerator or denominator is.",
    ]
    if rounding_base > 1:
        yield ["Rounding", rounding_note(rounding_base)]


def _table_rows(table: FigureTable) -> Iterator[list[Any]]:
    yield [table.title]
    yield [table.note]
    yield [table.row_heading, *table.column_labels]
    for _, label, figures in table.rows():
        yield [spreadsheet_safe(label), *(_figure(value) for value in figures)]
    yield [table.total_label, _figure(table.total)]


def _hidden_rows(hidden: Sequence[HiddenFigure]) -> Iterator[list[Any]]:
    yield ["Hidden figures"]
    yield ["Table", "Row", "Column", "Why"]
    if not hidden:
        yield ["None"]
    for entry in hidden:
        yield [entry.table, spreadsheet_safe(entry.row), spreadsheet_safe(entry.column), entry.reason]


def volumes_csv_rows(volumes: VawgVolumes, *, table: str | None = None) -> Iterator[list[Any]]:
    """The VAWG volume tables as CSV rows (all, or the one with key `table`), with a heading
    block (period, filters, extraction date, disclosure note) and the hidden figures' log."""
    tables = volumes.tables if table is None else (volumes.table(table),)
    yield from _heading_rows(
        "VAWG crimes recorded",
        volumes.filters,
        volumes.extracted_on,
        volumes.threshold,
        volumes.rounding_base,
        volumes.synthetic,
    )
    earlier = volumes.year_earlier
    if earlier is not None and earlier.unavailable:
        yield ["A year earlier", earlier.unavailable]
    elif earlier is not None:
        yield ["A year earlier", earlier.label]
        yield ["VAWG crimes a year earlier", _figure(earlier.total)]
        yield ["Change on a year earlier", earlier.change_words or "not known: a figure is hidden or 0"]
    for each in tables:
        yield []
        yield from _table_rows(each)
    yield []
    titles = {each.title for each in tables} | {YEAR_EARLIER_TABLE}
    yield from _hidden_rows([entry for entry in volumes.hidden if entry.table in titles])


def map_csv_rows(hex_map: HexMap, *, user: Any, filters: CrimeFilters) -> Iterator[list[Any]]:
    """A crime map's cells as CSV rows, under the heading block every download has (period,
    filters, extraction date, disclosure note) and with what the map leaves out."""
    yield from _heading_rows(
        hex_map.title,
        filters,
        latest_extraction(user=user, filters=filters),
        hex_map.threshold,
        hex_map.rounding_base or 1,
        synthetic_data_in(filters, user=user),
    )
    yield []
    yield list(hex_map.csv_header())
    for row in hex_map.csv_rows():
        yield [spreadsheet_safe(str(row[0])), *row[1:]]
    yield []
    yield ["Not shown", hex_map.hidden_note if hex_map.has_hidden else "No area was left out."]


METRICS_CSV_TABLES: tuple[str, ...] = ("metrics", "funnel", "funnel_losses")


def metrics_csv_rows(metrics: RassoMetrics, *, table: str | None = None) -> Iterator[list[Any]]:
    """The RASSO metrics as CSV rows: the metrics table, the funnel and its losses (all, or one
    of `METRICS_CSV_TABLES`), with a heading block and the hidden figures' log."""
    if table is not None and table not in METRICS_CSV_TABLES:
        raise KeyError(table)
    chosen = METRICS_CSV_TABLES if table is None else (table,)
    yield from _heading_rows(
        "Adult rape (RASSO) metrics",
        metrics.filters,
        metrics.extracted_on,
        metrics.threshold,
        metrics.rounding_base,
        metrics.synthetic,
    )
    titles: set[str] = set()
    if "metrics" in chosen:
        titles.add("RASSO metrics")
        yield []
        yield ["RASSO metrics"]
        yield [
            "Metric",
            "Name",
            "Value",
            "Numerator",
            "Numerator counts",
            "Denominator",
            "Denominator counts",
            "Median days",
            "P75 days",
            "P90 days",
            NOT_YET_ASSIGNED,
            f"{NOT_YET_ASSIGNED} counts",
            "Basis",
            "Definition",
            "Note",
        ]
        for metric in metrics.metrics:
            days = metric.kind == "days"
            yield [
                metric.id,
                metric.name,
                metric.display_value,
                "" if days or not metric.numerator_label else _figure(metric.numerator),
                metric.numerator_label,
                "" if not metric.denominator_label else _figure(metric.denominator),
                metric.denominator_label,
                _figure(metric.value) if days and metric.denominator != 0 else "",
                _figure(metric.p75_days) if days and metric.denominator != 0 else "",
                _figure(metric.p90_days) if days and metric.denominator != 0 else "",
                _figure(metric.not_yet_assigned) if metric.not_yet_assigned_basis else "",
                metric.not_yet_assigned_basis,
                metric.basis,
                metric.definition,
                metric.note,
            ]
    if "funnel" in chosen:
        titles.add("Attrition funnel")
        yield []
        yield ["Attrition funnel (M11)"]
        # The columns of the page's funnel table, so that a download reads as the page does.
        yield [
            "Stage",
            "Offences reaching the stage",
            "Did not reach the next stage",
            "Share of the stage before",
        ]
        before: int | None = None
        for index, stage in enumerate(metrics.funnel.stages):
            last = stage.key == FUNNEL_STAGES[-1][0]
            count, share = stage.count, "–"
            if index and (count is None or before is None):
                share = HIDDEN_MARKER
            elif index and count is not None and before:
                share = f"{count / before * 100:.1f}%"
            yield [stage.label, _figure(stage.count), "–" if last else _figure(stage.lost_after), share]
            before = stage.count
    if "funnel_losses" in chosen:
        titles.add(metrics.funnel.losses.title)
        yield []
        yield from _table_rows(metrics.funnel.losses)
    yield []
    yield from _hidden_rows([entry for entry in metrics.hidden if entry.table in titles])
