"""Provider returns: what one service did in one financial quarter, as counts only.

Two doors, one set of figures:

* `provider_return_for_staff`: the provider's own managers get exact figures, counted from the
  rows they may see (`Referral.objects.visible_to`, `Case.objects.visible_to`).
* `provider_return_for_opcc`: the OPCC (admin and analyst: the *operational* threshold, 5) and
  board members (the *published* threshold, 10) get the same figures after disclosure control
  (`waymark.core.disclosure`). No case row, reference or person code ever reaches them.

What is counted (every figure is about the chosen service; "the quarter" runs from 00:00 on its
first day to 24:00 on its last, UK time):

* referrals received in the quarter, by route, by source, and by outcome as it stood at the
  end of the quarter (accepted, signposted, declined, ...);
* first contact: of the referrals received in the quarter, how many had contact made (a
  contact attempt with outcome "contact made") on or before the referral's `first_contact_due`,
  after it, or not at all. `first_contact_due` is fixed at receipt as the service's
  `first_contact_working_days` after the day of receipt (`waymark.core.workdays`), so the
  deadline a return checks is the one the caseworker was given;
* hate crime strands of the cases opened from those referrals (`HateCrimeDetail.strands`).
  **A case with several strands counts once under each**, so the strand rows add up to
  "strand records", which can be more than the number of cases;
* cases opened in the quarter, open at the end of the quarter, closed in the quarter (and
  closed by reason);
* outcomes: for every measure, the cases with an exit reading taken in the quarter that also
  have an intake reading, and how many of those improved (the exit answer is further along the
  measure's scale, in the direction `improvement_is_higher` says, than the first intake answer).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Min, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from waymark.accounts.access import has_role, organisation_ids_with_role
from waymark.accounts.models import Service
from waymark.accounts.roles import Role
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.csv_download import csv_text, spreadsheet_safe
from waymark.core.disclosure import (
    HIDDEN_MARKER,
    Audience,
    default_threshold,
    published_reason,
    suppress_series,
    suppress_table,
)
from waymark.core.periods import FinancialQuarter
from waymark.referrals.models import ContactAttempt, Referral

from .models import Case, HateCrimeDetail, HateStrand, OutcomeMeasure, OutcomeReading

__all__ = [
    "HIDDEN_MARKER",
    "OPCC_ROLES",
    "ProviderReturn",
    "ReturnSection",
    "SuppressionNote",
    "provider_return_csv",
    "provider_return_for_opcc",
    "provider_return_for_staff",
    "provider_return_xlsx",
]

# OPCC staff see operational figures; board members only what could be published.
OPCC_STAFF_ROLES = (Role.OPCC_ADMIN, Role.OPCC_ANALYST)
OPCC_ROLES = (*OPCC_STAFF_ROLES, Role.BOARD_MEMBER)

_AWAITING = "Awaiting an outcome at the end of the quarter"


# --- the result ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnSection:
    """One table of a return: rows by columns, with totals; a hidden figure is None.

    `additive` sections publish a total row (and, with more than one column, a total column);
    the rows of a non-additive section are separate headline figures with no total.
    """

    key: str
    title: str
    note: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    additive: bool = True
    row_total_label: str = ""
    row_totals: tuple[int | None, ...] = ()
    total_label: str = "Total"
    column_totals: tuple[int | None, ...] = ()
    grand_total: int | None = None

    @property
    def has_row_totals(self) -> bool:
        """Whether the table has a total column (tables of more than one column)."""
        return bool(self.row_total_label)

    def table_rows(self) -> list[tuple[str, list[int | None]]]:
        """Every row as (label, figures), the totals row last: what pages and exports show."""
        rows: list[tuple[str, list[int | None]]] = []
        for index, label in enumerate(self.row_labels):
            figures = list(self.cells[index])
            if self.has_row_totals:
                figures.append(self.row_totals[index])
            rows.append((label, figures))
        if self.additive and self.row_labels:
            totals = list(self.column_totals)
            if self.has_row_totals:
                totals.append(self.grand_total)
            rows.append((self.total_label, totals))
        return rows

    def header(self) -> list[str]:
        """The column headings, the total column last."""
        return [*self.column_labels, *([self.row_total_label] if self.has_row_totals else [])]


@dataclass(frozen=True)
class SuppressionNote:
    """One hidden figure: where it is and why it was hidden."""

    section: str
    row: str
    column: str
    reason: str


@dataclass(frozen=True)
class ProviderReturn:
    """One service's figures for one quarter. Counts only: never a row, reference or person code."""

    service_name: str
    provider_name: str
    quarter: FinancialQuarter
    sections: tuple[ReturnSection, ...]
    audience: Audience | None = None
    threshold: int | None = None
    suppressed: tuple[SuppressionNote, ...] = ()
    generated_at: datetime = field(default_factory=timezone.now)

    @property
    def is_exact(self) -> bool:
        """True for the provider's own, unsuppressed figures."""
        return self.audience is None

    @property
    def basis(self) -> str:
        """One sentence saying which figures these are."""
        if self.audience is None:
            return "Exact figures, for the provider's own managers."
        kind = "operational (OPCC staff)" if self.audience == Audience.OPERATIONAL else "published (board)"
        return (
            f"Disclosure control applied, {kind} threshold: counts from 1 to {self.threshold - 1} "
            f"are hidden ({HIDDEN_MARKER}), totals included, and so is one more figure wherever a "
            "hidden one could be worked back from what is shown."
            if self.threshold
            else f"Disclosure control applied ({kind})."
        )


# --- counting -----------------------------------------------------------------------------------


@dataclass
class _Table:
    """True counts for one section, before any suppression."""

    key: str
    title: str
    note: str
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[int]]
    additive: bool = True
    row_total_label: str = ""
    total_label: str = "Total"


def _quarter_bounds(quarter: FinancialQuarter) -> tuple[datetime, datetime]:
    """The quarter as [start, end) aware datetimes in the site's time zone (UK time)."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(quarter.start, time.min), zone)
    end = timezone.make_aware(datetime.combine(quarter.end + timedelta(days=1), time.min), zone)
    return start, end


def _series(
    key: str, title: str, note: str, column: str, counts: Counter[str], labels: Sequence[tuple[str, str]]
) -> _Table:
    """A one-column table with a row for every (value, label), in that order."""
    return _Table(
        key=key,
        title=title,
        note=note,
        row_labels=[label for _, label in labels],
        column_labels=[column],
        cells=[[counts.get(value, 0)] for value, _ in labels],
    )


def _scale_position(measure: OutcomeMeasure, value: str) -> float | None:
    """Where an answer sits on its measure's scale (None if it is not on it and not a number)."""
    scale = [str(answer) for answer in measure.scale or []]
    if value in scale:
        return float(scale.index(value))
    if scale:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _improved(measure: OutcomeMeasure, intake: str, exit_: str) -> bool | None:
    """Whether the exit answer is better than the intake answer (None if they cannot be compared)."""
    before, after = _scale_position(measure, intake), _scale_position(measure, exit_)
    if before is None or after is None:
        return None
    return after > before if measure.improvement_is_higher else after < before


def _count(
    *, service: Service, quarter: FinancialQuarter, referrals: QuerySet[Referral], cases: QuerySet[Case]
) -> list[_Table]:
    """Every table of the return, as true counts, from the referral and case rows given.

    Only counts are returned: no row, reference or id leaves this function.
    """
    start, end = _quarter_bounds(quarter)
    received = referrals.filter(service=service, received_at__gte=start, received_at__lt=end)
    service_cases = cases.filter(service=service)

    # One pass over the quarter's referrals: route, source, outcome at quarter end, first contact.
    rows = received.annotate(
        first_made=Min(
            "contact_attempts__at", filter=Q(contact_attempts__outcome=ContactAttempt.Outcome.CONTACT_MADE)
        )
    ).values_list("route", "source", "status", "outcome_at", "first_contact_due", "first_made")
    by_route: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    by_outcome: Counter[str] = Counter()
    contact: Counter[str] = Counter()
    for route, source, status, outcome_at, due, first_made in rows:
        by_route[route] += 1
        by_source[source] += 1
        decided = status not in Referral.OPEN_STATUSES and (outcome_at is None or outcome_at < end)
        by_outcome[status if decided else "awaiting"] += 1
        if first_made is None:
            contact["none"] += 1
        elif timezone.localdate(first_made) <= due:
            contact["in_time"] += 1
        else:
            contact["late"] += 1
    total_received = sum(by_route.values())

    closed_statuses = [(s.value, s.label) for s in Referral.Status if s not in Referral.OPEN_STATUSES]
    tables = [
        _Table(
            key="summary",
            title="Summary",
            note="Headline figures; each is hidden on its own when small.",
            row_labels=[],
            column_labels=["Number"],
            cells=[],
            additive=False,
        ),
        _series(
            "referrals_by_route",
            "Referrals received, by route",
            "Referrals received in the quarter.",
            "Referrals",
            by_route,
            Referral.Route.choices,
        ),
        _series(
            "referrals_by_source",
            "Referrals received, by source",
            "Referrals received in the quarter.",
            "Referrals",
            by_source,
            Referral.Source.choices,
        ),
        _series(
            "referral_outcomes",
            "Referrals received, by outcome at the end of the quarter",
            "Outcomes decided after the quarter ended count as awaiting an outcome.",
            "Referrals",
            by_outcome,
            [("awaiting", _AWAITING), *closed_statuses],
        ),
        _series(
            "first_contact",
            "First contact within the service's deadline",
            f"Referrals received in the quarter. The deadline is {service.first_contact_working_days} "
            "working days after receipt (England and Wales bank holidays excluded), fixed when the "
            "referral arrived; contact counts when a contact attempt's outcome is 'contact made'.",
            "Referrals",
            contact,
            [
                ("in_time", "Contact made by the deadline"),
                ("late", "Contact made after the deadline"),
                ("none", "No contact made"),
            ],
        ),
    ]

    strand_counts: Counter[str] = Counter()
    cases_with_strands = 0
    for strands in HateCrimeDetail.objects.filter(
        case__in=service_cases, case__referral__in=received
    ).values_list("strands", flat=True):
        valid = {strand for strand in strands or [] if strand in HateStrand.values}
        cases_with_strands += bool(valid)
        strand_counts.update(valid)
    if service.type == Service.Type.HATE_CRIME or cases_with_strands:
        strand_table = _series(
            "strands",
            "Hate crime strands",
            "Cases opened from the quarter's referrals, by monitored strand. A case with several "
            "strands counts once under each, so the total counts strand records, not cases.",
            "Cases",
            strand_counts,
            HateStrand.choices,
        )
        strand_table.total_label = "Strand records (not cases)"
        tables.append(strand_table)

    opened = service_cases.filter(opened_at__gte=start, opened_at__lt=end).count()
    open_at_end = (
        service_cases.filter(opened_at__lt=end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end))
        # A transfer with no closing time cannot be dated, so it is not counted as open.
        .exclude(status=Case.Status.TRANSFERRED_OUT, closed_at__isnull=True)
        .count()
    )
    closed_reasons = Counter(
        service_cases.filter(closed_at__gte=start, closed_at__lt=end).values_list("closure_reason", flat=True)
    )
    tables.append(
        _series(
            "closed_by_reason",
            "Cases closed, by reason",
            "Cases closed in the quarter.",
            "Cases",
            closed_reasons,
            [*Case.ClosureReason.choices, ("", "Reason not recorded")],
        )
    )

    tables.append(_outcomes_table(service_cases=service_cases, start=start, end=end))

    # Only figures no other table publishes go here: a figure shown in two tables could be
    # hidden (to protect a neighbour) in one and shown in the other, which would undo the hiding.
    # Totals are safe to repeat, because every table hides a total exactly when it is small.
    summary = tables[0]
    summary.row_labels = [
        "Referrals received",
        "Cases opened",
        "Cases open at the end of the quarter",
        "Cases closed",
    ]
    summary.cells = [[total_received], [opened], [open_at_end], [sum(closed_reasons.values())]]
    return tables


def _outcomes_table(*, service_cases: QuerySet[Case], start: datetime, end: datetime) -> _Table:
    """Per measure: cases with an exit reading in the quarter and an intake reading; how many improved."""
    readings = (
        OutcomeReading.objects.filter(case__in=service_cases)
        .filter(
            Q(timepoint=OutcomeReading.Timepoint.INTAKE)
            | Q(timepoint=OutcomeReading.Timepoint.EXIT, at__gte=start, at__lt=end)
        )
        .order_by("at", "pk")
        .values_list("case_id", "measure_id", "timepoint", "value")
    )
    intake: dict[tuple[int, int], str] = {}
    exits: dict[tuple[int, int], str] = {}
    for case_id, measure_id, timepoint, value in readings:
        key = (case_id, measure_id)
        if timepoint == OutcomeReading.Timepoint.INTAKE:
            intake.setdefault(key, value)  # the first intake reading
        else:
            exits[key] = value  # the last exit reading in the quarter
    measure_ids = {measure_id for _, measure_id in exits}
    measures = {
        m.pk: m for m in OutcomeMeasure.objects.filter(pk__in=measure_ids).select_related("framework")
    }
    improved: Counter[int] = Counter()
    not_improved: Counter[int] = Counter()
    for (case_id, measure_id), exit_value in exits.items():
        if (case_id, measure_id) not in intake:
            continue
        result = _improved(measures[measure_id], intake[(case_id, measure_id)], exit_value)
        if result is True:
            improved[measure_id] += 1
        elif result is False:
            not_improved[measure_id] += 1
    ordered = sorted(
        (m for m in measures.values() if improved[m.pk] + not_improved[m.pk]),
        key=lambda m: (m.framework.name, m.order, m.label),
    )
    return _Table(
        key="outcomes",
        title="Outcomes achieved",
        note="Cases with an exit reading taken in the quarter and an intake reading, per measure. "
        "Improved means the exit answer is better than the first intake answer on the measure's "
        "scale. A case counts once per measure, so the total counts readings, not cases.",
        row_labels=[m.label for m in ordered],
        column_labels=["Improved", "Not improved"],
        cells=[[improved[m.pk], not_improved[m.pk]] for m in ordered],
        row_total_label="With intake and exit readings",
        total_label="All measures (readings, not cases)",
    )


# --- exact and suppressed sections --------------------------------------------------------------


def _exact(table: _Table) -> ReturnSection:
    """A section with true counts and totals computed from them."""
    cells = tuple(tuple(row) for row in table.cells)
    width = len(table.column_labels)
    column_totals = tuple(sum(row[j] for row in table.cells) for j in range(width))
    return ReturnSection(
        key=table.key,
        title=table.title,
        note=table.note,
        row_labels=tuple(table.row_labels),
        column_labels=tuple(table.column_labels),
        cells=cells,
        additive=table.additive,
        row_total_label=table.row_total_label,
        row_totals=tuple(sum(row) for row in table.cells) if table.row_total_label else (),
        total_label=table.total_label,
        column_totals=column_totals if table.additive else (),
        grand_total=sum(column_totals) if table.additive else None,
    )


def _suppressed(
    table: _Table, *, audience: Audience, threshold: int
) -> tuple[ReturnSection, list[SuppressionNote]]:
    """A section after disclosure control, and the notes on what was hidden and why."""
    notes: list[SuppressionNote] = []
    rows = table.row_labels

    def where(row: int | None, column: int | None) -> tuple[str, str]:
        row_label = table.total_label if row is None else rows[row]
        if column is None:
            return row_label, table.row_total_label
        return row_label, table.column_labels[column]

    exact = _exact(table)  # labels and shape; every figure is replaced below
    if not table.additive:
        # Separate headline figures: each is hidden on its own when it is small.
        cells: list[tuple[int | None, ...]] = []
        for index, row in enumerate(table.cells):
            figure = suppress_series(row, threshold=threshold, audience=audience, protect_total=True)
            cells.append(figure.values)
            if figure.suppressed:
                notes.append(
                    SuppressionNote(
                        table.title, rows[index], table.column_labels[0], published_reason(threshold)
                    )
                )
        return replace(exact, cells=tuple(cells)), notes
    if not table.row_total_label:
        series = suppress_series(
            [row[0] for row in table.cells], threshold=threshold, audience=audience, protect_total=True
        )
        for entry in series.suppressed:
            row_label, column_label = where(entry.row, 0)
            notes.append(SuppressionNote(table.title, row_label, column_label, published_reason(threshold)))
        section = replace(
            exact,
            cells=tuple((value,) for value in series.values),
            column_totals=(series.total,),
            grand_total=series.total,
        )
        return section, notes
    result = suppress_table(table.cells, threshold=threshold, audience=audience, protect_totals=True)
    for entry in result.suppressed:
        if entry.row is None and entry.column is None:
            row_label, column_label = table.total_label, table.row_total_label
        else:
            row_label, column_label = where(entry.row, entry.column)
        notes.append(SuppressionNote(table.title, row_label, column_label, published_reason(threshold)))
    section = replace(
        exact,
        cells=result.cells,
        row_totals=result.row_totals,
        column_totals=result.column_totals,
        grand_total=result.grand_total,
    )
    return section, notes


# --- the two doors ------------------------------------------------------------------------------


def _label(service: Service, quarter: FinancialQuarter) -> str:
    return f"provider return {service.name} {quarter.label}"


def provider_return_for_staff(
    *,
    user: Any,
    service: Service,
    quarter: FinancialQuarter,
    request: HttpRequest | None = None,
    action: AccessLog.Action = AccessLog.Action.VIEW,
) -> ProviderReturn:
    """The exact return for a provider manager of the service's organisation.

    Counted from `Referral.objects.visible_to(user)` and `Case.objects.visible_to(user)`, so
    the figures never include a row the manager could not open (a restricted person's case
    they are not named on is left out). Raises PermissionDenied for anyone else.
    """
    if service.organisation_id not in organisation_ids_with_role(user, [Role.PROVIDER_MANAGER]):
        raise PermissionDenied("Only the provider's managers see its exact return.")
    tables = _count(
        service=service,
        quarter=quarter,
        referrals=Referral.objects.visible_to(user),
        cases=Case.objects.visible_to(user),
    )
    access_log_record(
        actor=user,
        action=action,
        obj=service,
        organisation=service.organisation,
        request=request,
        record_label=_label(service, quarter),
        detail="exact figures",
    )
    return ProviderReturn(
        service_name=service.name,
        provider_name=service.organisation.name,
        quarter=quarter,
        sections=tuple(_exact(table) for table in tables),
    )


def opcc_audience(user: Any) -> Audience:
    """The threshold an OPCC user gets: operational for OPCC staff, published for board members only."""
    return Audience.OPERATIONAL if has_role(user, *OPCC_STAFF_ROLES) else Audience.PUBLISHED


def provider_return_for_opcc(
    *,
    user: Any,
    service: Service,
    quarter: FinancialQuarter,
    request: HttpRequest | None = None,
    action: AccessLog.Action = AccessLog.Action.VIEW,
) -> ProviderReturn:
    """The return as the OPCC receives it: disclosure control applied, counts only.

    OPCC admins and analysts get the operational threshold (`DISCLOSURE_THRESHOLD_OPERATIONAL`,
    5); board members the published one (`DISCLOSURE_THRESHOLD_PUBLISHED`, 10). Raises
    PermissionDenied for anyone else.

    Why this does not use `visible_to`: OPCC roles may see no referral or case rows, so
    `visible_to` gives them nothing, by design. The figures are therefore counted here from
    the service's rows directly. That is safe because nothing but counts leaves `_count`
    (no row, reference, person code or id), and every count passes through disclosure control
    before it is returned. The read is recorded in the access log against the provider's
    organisation, so the provider's auditor sees that the OPCC looked at its return.
    """
    if not has_role(user, *OPCC_ROLES):
        raise PermissionDenied("Only OPCC staff and board members see the OPCC's copy of a return.")
    audience = opcc_audience(user)
    threshold = default_threshold(audience)
    tables = _count(
        service=service,
        quarter=quarter,
        referrals=Referral.objects.all(),
        cases=Case.objects.all(),
    )
    sections: list[ReturnSection] = []
    notes: list[SuppressionNote] = []
    for table in tables:
        section, hidden = _suppressed(table, audience=audience, threshold=threshold)
        sections.append(section)
        notes.extend(hidden)
    access_log_record(
        actor=user,
        action=action,
        obj=service,
        organisation=service.organisation,
        request=request,
        record_label=_label(service, quarter),
        detail=f"aggregates after disclosure control ({audience.value}, threshold {threshold})",
    )
    return ProviderReturn(
        service_name=service.name,
        provider_name=service.organisation.name,
        quarter=quarter,
        sections=tuple(sections),
        audience=audience,
        threshold=threshold,
        suppressed=tuple(notes),
    )


# --- exports ------------------------------------------------------------------------------------


def _figure(value: int | None) -> int | str:
    return HIDDEN_MARKER if value is None else value


def _export_rows(provider_return: ProviderReturn) -> Iterable[list[Any]]:
    """The return as rows of cells: a heading block, each section, then the suppression notes."""
    yield ["Provider return"]
    yield ["Service", spreadsheet_safe(provider_return.service_name)]
    yield ["Provider", spreadsheet_safe(provider_return.provider_name)]
    yield ["Quarter", provider_return.quarter.label]
    yield ["Quarter runs", provider_return.quarter.start.isoformat(), provider_return.quarter.end.isoformat()]
    yield ["Figures", provider_return.basis]
    yield ["Produced", timezone.localtime(provider_return.generated_at).isoformat(timespec="minutes")]
    if not provider_return.is_exact:
        yield ["Key", f"{HIDDEN_MARKER} = hidden to protect confidentiality"]
    for section in provider_return.sections:
        yield []
        yield [section.title]
        yield [section.note]
        yield ["", *section.header()]
        for label, figures in section.table_rows():
            yield [spreadsheet_safe(label), *(_figure(value) for value in figures)]
    if not provider_return.is_exact:
        yield []
        yield ["Hidden figures"]
        yield ["Table", "Row", "Column", "Why"]
        if not provider_return.suppressed:
            yield ["None"]
        for note in provider_return.suppressed:
            yield [note.section, spreadsheet_safe(note.row), spreadsheet_safe(note.column), note.reason]


def provider_return_csv(provider_return: ProviderReturn) -> str:
    """The return as CSV text, hidden figures shown as `[c]`."""
    return csv_text(_export_rows(provider_return))


def provider_return_xlsx(provider_return: ProviderReturn) -> bytes:
    """The return as an Excel workbook (one sheet), hidden figures shown as `[c]`."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Provider return"
    bold = Font(bold=True)
    titles = {section.title for section in provider_return.sections} | {"Provider return", "Hidden figures"}
    for row in _export_rows(provider_return):
        sheet.append(row)
        if row and row[0] in titles:
            sheet.cell(row=sheet.max_row, column=1).font = bold
    sheet.column_dimensions["A"].width = 50
    for letter in "BCDE":
        sheet.column_dimensions[letter].width = 22
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def default_quarter(today: date | None = None) -> FinancialQuarter:
    """The last complete quarter: the one a return is normally made for."""
    return FinancialQuarter.from_date(today or timezone.localdate()).previous()


def recent_quarters(count: int = 8, today: date | None = None) -> list[FinancialQuarter]:
    """The current quarter and the `count - 1` before it, newest first (the page's choices)."""
    quarter = FinancialQuarter.from_date(today or timezone.localdate())
    quarters = [quarter]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters
