"""The register of Victims' Code complaints (Right 12): recording them, and how they were handled.

A complaint is held by the agency's own reference, never a name. Handling times are counted in
working days (`waymark.core.workdays.working_days_between`): a complaint received on a Thursday
and acknowledged on the next Monday took 2 working days (Friday and Monday); one acknowledged on
the day it came in took 0. "Acknowledged within the standard" means within
`settings.WAYMARK_COMPLAINT_ACK_WORKING_DAYS` working days: each provider sets its own standard;
the default of 10 comes from an MoJ prototype and is unverified against the 2020 Code
(research/victims-code.md §1.2, Right 12).

Writes go through `code_complaint_record` and `code_complaint_update` (permission
`victims_code.record_compliance`, history, access log); reads through the selectors here, which
start from `CodeComplaint.objects.visible_to(user)`.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.models import PoliceForceArea
from waymark.core.periods import FinancialQuarter, FinancialYear
from waymark.core.permissions import ensure_can
from waymark.core.visibility import get_visible_or_404
from waymark.core.workdays import working_days_between

from .models import AgencyType, CodeComplaint, CodeVersion, Right

if TYPE_CHECKING:
    from django.http import HttpRequest

RECORD_PERMISSION = "victims_code.record_compliance"
VIEW_PERMISSION = "victims_code.view_compliance"

# Decided outcomes: a complaint reaches one of these only with the provider's response.
DECIDED_OUTCOMES = frozenset(
    {
        CodeComplaint.Outcome.UPHELD,
        CodeComplaint.Outcome.PARTIALLY_UPHELD,
        CodeComplaint.Outcome.NOT_UPHELD,
    }
)

# A reference as agencies write them (CMP/2024/0153, 20-123456-24, WMP.V.8F3A): letters, digits
# and - / _ . : with no spaces, and at least one digit. A person's name has none of those digits
# and usually a space, so this is the cheap, strict guard against a name being typed in.
_REFERENCE_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.:-]*$")


def reference_problem(value: str, *, what: str) -> str | None:
    """Why `value` cannot be stored as a reference (None if it can); `what` names it in the message.

    Shared by the complaint register and the dip-sample audits: both hold a reference, never a name.
    """
    if not value:
        return f"Enter the {what}"
    if not _REFERENCE_SHAPE.match(value):
        return (
            f"Enter the {what} as the agency writes it, with no spaces: letters, numbers and - / _ . :"
            " only (never a person's name)"
        )
    if not any(character.isdigit() for character in value):
        return f"The {what} must contain at least one number: enter the reference, never a person's name"
    return None


def acknowledgement_standard() -> int:
    """Working days a provider has to acknowledge a complaint (the setting; default 10, unverified)."""
    return int(getattr(settings, "WAYMARK_COMPLAINT_ACK_WORKING_DAYS", 10))


def force_area_default() -> PoliceForceArea:
    """The installation's police force area (settings.WAYMARK_POLICE_FORCE_AREA)."""
    from waymark.crime.force_extract import police_force_area_default

    return police_force_area_default()


def complaint_rights_choices() -> QuerySet[Right]:
    """The rights a complaint may be about: those of the Code in force."""
    return Right.objects.filter(code_version__status=CodeVersion.Status.IN_FORCE).select_related(
        "code_version"
    )


# --- writes ---------------------------------------------------------------------------------------


def _validate(
    *,
    police_force_area: PoliceForceArea,
    agency_type: str,
    reference: str,
    received_on: date,
    acknowledged_on: date | None,
    responded_on: date | None,
    rights: Sequence[Right],
    outcome: str,
    escalated_to_phso: bool,
    existing: CodeComplaint | None,
) -> None:
    """Raise one ValidationError naming every problem, each against its field."""
    today = timezone.localdate()
    errors: dict[str, str] = {}
    problem = reference_problem(reference, what="agency's complaint reference")
    if problem:
        errors["reference"] = problem
    elif (
        CodeComplaint.objects.filter(
            police_force_area=police_force_area, agency_type=agency_type, reference=reference
        )
        .exclude(pk=existing.pk if existing else None)
        .exists()
    ):
        errors["reference"] = f"This agency already has a complaint with the reference {reference}"
    if agency_type not in AgencyType.values:
        errors["agency_type"] = "Select the agency the complaint was made to"
    if outcome not in CodeComplaint.Outcome.values:
        errors["outcome"] = "Select the outcome"
    if received_on > today:
        errors["received_on"] = "The date received must be today or in the past"
    if acknowledged_on is not None:
        if acknowledged_on < received_on:
            errors["acknowledged_on"] = "The date acknowledged must be the same as or after the date received"
        elif acknowledged_on > today:
            errors["acknowledged_on"] = "The date acknowledged must be today or in the past"
    if responded_on is not None:
        if responded_on < received_on:
            errors["responded_on"] = "The date of the response must be the same as or after the date received"
        elif acknowledged_on is not None and responded_on < acknowledged_on:
            errors["responded_on"] = (
                "The date of the response must be the same as or after the date acknowledged"
            )
        elif responded_on > today:
            errors["responded_on"] = "The date of the response must be today or in the past"
    if outcome in DECIDED_OUTCOMES and responded_on is None and "responded_on" not in errors:
        errors["responded_on"] = "Enter the date of the provider's response to record an outcome"
    if escalated_to_phso and responded_on is None and "responded_on" not in errors:
        errors["escalated_to_phso"] = (
            "A complaint goes to the Ombudsman only after the provider's response:"
            " enter the date of the response"
        )
    if not rights:
        errors["rights"] = "Select at least one right the complaint is about"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def code_complaint_record(
    *,
    by: Any,
    agency_type: str,
    reference: str,
    received_on: date,
    rights: Iterable[Right],
    acknowledged_on: date | None = None,
    responded_on: date | None = None,
    outcome: str = CodeComplaint.Outcome.OPEN,
    escalated_to_phso: bool = False,
    learning: str = "",
    police_force_area: PoliceForceArea | None = None,
    request: HttpRequest | None = None,
) -> CodeComplaint:
    """Add a complaint to the register; a ValidationError (one message per field) saves nothing."""
    ensure_can(by, RECORD_PERMISSION)
    area = police_force_area or force_area_default()
    reference = reference.strip()
    chosen = list(rights)
    _validate(
        police_force_area=area,
        agency_type=agency_type,
        reference=reference,
        received_on=received_on,
        acknowledged_on=acknowledged_on,
        responded_on=responded_on,
        rights=chosen,
        outcome=outcome,
        escalated_to_phso=escalated_to_phso,
        existing=None,
    )
    complaint = CodeComplaint(
        police_force_area=area,
        agency_type=agency_type,
        reference=reference,
        received_on=received_on,
        acknowledged_on=acknowledged_on,
        responded_on=responded_on,
        outcome=outcome,
        escalated_to_phso=escalated_to_phso,
        learning=learning.strip(),
        recorded_by=by,
    )
    complaint._change_reason = "recorded"  # type: ignore[attr-defined]
    complaint.save()
    complaint.rights.set(chosen)
    access_log_record(
        actor=by,
        action=AccessLog.Action.CREATE,
        obj=complaint,
        request=request,
        record_label=complaint_label(complaint),
        detail="Code complaint recorded",
    )
    return complaint


COMPLAINT_FIELDS = (
    "agency_type",
    "reference",
    "received_on",
    "acknowledged_on",
    "responded_on",
    "outcome",
    "escalated_to_phso",
    "learning",
)


@transaction.atomic
def code_complaint_update(
    *,
    complaint: CodeComplaint,
    by: Any,
    rights: Iterable[Right] | None = None,
    request: HttpRequest | None = None,
    **changes: Any,
) -> CodeComplaint:
    """Change a complaint's details (any of COMPLAINT_FIELDS, and its rights); the same checks as
    recording it. The access log names the fields that changed, never their values."""
    ensure_can(by, RECORD_PERMISSION, complaint)
    unknown = set(changes) - set(COMPLAINT_FIELDS)
    if unknown:
        raise TypeError(f"Not a complaint field: {sorted(unknown)}")
    values = {name: getattr(complaint, name) for name in COMPLAINT_FIELDS}
    values.update(changes)
    values["reference"] = str(values["reference"]).strip()
    values["learning"] = str(values["learning"] or "").strip()
    chosen = list(complaint.rights.all()) if rights is None else list(rights)
    _validate(
        police_force_area=complaint.police_force_area,
        agency_type=values["agency_type"],
        reference=values["reference"],
        received_on=values["received_on"],
        acknowledged_on=values["acknowledged_on"],
        responded_on=values["responded_on"],
        rights=chosen,
        outcome=values["outcome"],
        escalated_to_phso=values["escalated_to_phso"],
        existing=complaint,
    )
    changed = [name for name in COMPLAINT_FIELDS if getattr(complaint, name) != values[name]]
    if {right.pk for right in chosen} != set(complaint.rights.values_list("pk", flat=True)):
        changed.append("rights")
        complaint.rights.set(chosen)
    for name in COMPLAINT_FIELDS:
        setattr(complaint, name, values[name])
    complaint._change_reason = "changed: " + ", ".join(changed) if changed else "saved unchanged"  # type: ignore[attr-defined]
    complaint.save()
    access_log_record(
        actor=by,
        action=AccessLog.Action.CHANGE,
        obj=complaint,
        request=request,
        record_label=complaint_label(complaint),
        detail="Code complaint changed: " + (", ".join(changed) or "nothing"),
    )
    return complaint


def complaint_label(complaint: CodeComplaint) -> str:
    """How a complaint is named in the access log: agency and reference, nothing about the person."""
    return f"Code complaint {complaint.get_agency_type_display()} {complaint.reference}"


# --- reads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A period of received dates chosen on the register: a financial year, quarter or month."""

    key: str
    label: str
    start: date
    end: date

    @classmethod
    def parse(cls, key: str) -> Period:
        """Read `fy:2024/25`, `q:2024/25 Q1` or `m:2024-05`; ValueError otherwise."""
        kind, _, value = key.partition(":")
        if kind == "fy":
            year = FinancialYear.parse(value)
            return cls(key, f"Financial year {year.label}", year.start, year.end)
        if kind == "q":
            quarter = FinancialQuarter.parse(value)
            return cls(key, f"Quarter {quarter.label}", quarter.start, quarter.end)
        if kind == "m":
            first = date.fromisoformat(f"{value}-01")
            after = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
            return cls(key, f"{first:%B %Y}", first, date.fromordinal(after.toordinal() - 1))
        raise ValueError(f"Not a period: {key!r}")


@dataclass(frozen=True)
class ComplaintFilters:
    """What the register is narrowed to; empty means everything."""

    agency_type: str = ""
    outcome: str = ""
    period: Period | None = None

    def describe(self) -> list[tuple[str, str]]:
        """The filters as (name, value) lines, for the page and the access log."""
        return [
            ("Agency", AgencyType(self.agency_type).label if self.agency_type else "All"),
            ("Outcome", CodeComplaint.Outcome(self.outcome).label if self.outcome else "All"),
            ("Received", self.period.label if self.period else "Any time"),
        ]


def complaint_list(*, user: Any, filters: ComplaintFilters | None = None) -> QuerySet[CodeComplaint]:
    """The complaints `user` may see, narrowed by `filters`, newest received first."""
    filters = filters or ComplaintFilters()
    complaints = CodeComplaint.objects.visible_to(user)
    if filters.agency_type:
        complaints = complaints.filter(agency_type=filters.agency_type)
    if filters.outcome:
        complaints = complaints.filter(outcome=filters.outcome)
    if filters.period is not None:
        complaints = complaints.filter(received_on__range=(filters.period.start, filters.period.end))
    return complaints.prefetch_related("rights").order_by("-received_on", "reference")


def complaint_get(*, user: Any, public_id: UUID | str) -> CodeComplaint:
    """One complaint `user` may see, or 404."""
    return get_visible_or_404(CodeComplaint.objects.all(), user=user, public_id=public_id)


def complaint_received_range(*, user: Any) -> tuple[date, date] | None:
    """The first and last received dates of the complaints `user` may see, or None if none."""
    found = CodeComplaint.objects.visible_to(user).aggregate(
        first=Min("received_on"), last=Max("received_on")
    )
    if found["first"] is None:
        return None
    return found["first"], found["last"]


@dataclass(frozen=True)
class ComplaintRow:
    """A complaint with its handling times in working days (None where the step has not happened)."""

    complaint: CodeComplaint
    days_to_acknowledge: int | None
    days_to_respond: int | None
    acknowledged_within_standard: bool | None

    @classmethod
    def of(cls, complaint: CodeComplaint, *, standard: int) -> ComplaintRow:
        to_ack = (
            working_days_between(complaint.received_on, complaint.acknowledged_on)
            if complaint.acknowledged_on
            else None
        )
        to_respond = (
            working_days_between(complaint.received_on, complaint.responded_on)
            if complaint.responded_on
            else None
        )
        return cls(complaint, to_ack, to_respond, None if to_ack is None else to_ack <= standard)


def complaint_rows(complaints: Iterable[CodeComplaint], *, standard: int | None = None) -> list[ComplaintRow]:
    """Each complaint with its handling times."""
    days = acknowledgement_standard() if standard is None else standard
    return [ComplaintRow.of(complaint, standard=days) for complaint in complaints]


@dataclass(frozen=True)
class ComplaintSummary:
    """The register's figures for the complaints listed (metric M21's handling parts)."""

    standard: int
    received: int
    acknowledged: int
    acknowledged_within_standard: int
    awaiting_acknowledgement: int
    responded: int
    median_days_to_acknowledge: float | None
    median_days_to_respond: float | None
    outcomes: list[tuple[str, int]]
    escalated_to_phso: int
    by_right: list[tuple[str, int]] = field(default_factory=list)

    @property
    def within_standard_percent(self) -> float | None:
        """Acknowledged within the standard, as a percentage of complaints received."""
        return (
            None if not self.received else round(100 * self.acknowledged_within_standard / self.received, 1)
        )

    def csv_rows(self) -> list[tuple[str, object]]:
        """The summary as (measure, value) rows."""
        return [
            ("Complaints received", self.received),
            ("Acknowledged", self.acknowledged),
            (f"Acknowledged within {self.standard} working days", self.acknowledged_within_standard),
            ("Not yet acknowledged", self.awaiting_acknowledgement),
            ("Responded to", self.responded),
            ("Median working days to acknowledge", self.median_days_to_acknowledge),
            ("Median working days to respond", self.median_days_to_respond),
            ("Escalated to the Ombudsman", self.escalated_to_phso),
        ]


def complaint_summary(rows: Sequence[ComplaintRow], *, standard: int | None = None) -> ComplaintSummary:
    """Counts, medians (working days, of the complaints that reached the step), outcomes, and
    complaints per right (a complaint about two rights counts once under each)."""
    days = acknowledgement_standard() if standard is None else standard
    to_ack = [row.days_to_acknowledge for row in rows if row.days_to_acknowledge is not None]
    to_respond = [row.days_to_respond for row in rows if row.days_to_respond is not None]
    outcomes = Counter(row.complaint.outcome for row in rows)
    per_right: Counter[tuple[int, str]] = Counter()
    for row in rows:
        for right in row.complaint.rights.all():
            per_right[(right.number, str(right))] += 1
    return ComplaintSummary(
        standard=days,
        received=len(rows),
        acknowledged=len(to_ack),
        acknowledged_within_standard=sum(1 for row in rows if row.acknowledged_within_standard),
        awaiting_acknowledgement=sum(1 for row in rows if row.complaint.acknowledged_on is None),
        responded=len(to_respond),
        median_days_to_acknowledge=float(statistics.median(to_ack)) if to_ack else None,
        median_days_to_respond=float(statistics.median(to_respond)) if to_respond else None,
        outcomes=[(label, outcomes.get(value, 0)) for value, label in CodeComplaint.Outcome.choices],
        escalated_to_phso=sum(1 for row in rows if row.complaint.escalated_to_phso),
        by_right=[(label, count) for (_, label), count in sorted(per_right.items())],
    )


COMPLAINT_CSV_HEADER = (
    "Agency",
    "Reference",
    "Received",
    "Acknowledged",
    "Working days to acknowledge",
    "Acknowledged within standard",
    "Responded",
    "Working days to respond",
    "Rights concerned",
    "Outcome",
    "Escalated to the Ombudsman",
)


def complaint_csv_rows(rows: Iterable[ComplaintRow]) -> Iterable[list[object]]:
    """The register as CSV rows (dates ISO; an empty cell where a step has not happened)."""
    for row in rows:
        complaint = row.complaint
        yield [
            complaint.get_agency_type_display(),
            complaint.reference,
            complaint.received_on.isoformat(),
            complaint.acknowledged_on.isoformat() if complaint.acknowledged_on else "",
            "" if row.days_to_acknowledge is None else row.days_to_acknowledge,
            "" if row.acknowledged_within_standard is None else row.acknowledged_within_standard,
            complaint.responded_on.isoformat() if complaint.responded_on else "",
            "" if row.days_to_respond is None else row.days_to_respond,
            "; ".join(f"Right {right.number}" for right in complaint.rights.all()),
            complaint.get_outcome_display(),
            complaint.escalated_to_phso,
        ]
