"""Correcting the extraction date given with a file of the force's extract: a crimes, events or
Victims' Code duties file. The date is not in the file, so a mistyped one can only be put right
here: importing the same file again is recognised and skipped.

A file's rows were checked and merged against the files of its kind before it, in date order.
Correcting its date gives the same result as having imported it with the right date only while
it is the last file of its kind and the newest by date, and the new date is not before the
previous file's or before any date the file holds. Those rules are checked twice: when the
correction is asked for (`force_extract_redate_start`) and by its job, under the import lock
(`force_extract_redate`). docs/formats/force-extract.md, "The extraction date", says why they
are enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from waymark.accounts.models import User
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record, session_reference
from waymark.core.jinja import format_date
from waymark.core.permissions import ensure_can
from waymark.jobs import selectors as job_selectors
from waymark.jobs.models import JobProgress
from waymark.jobs.services import job_enqueue
from waymark.victims_code.import_services import IMPORT_PERMISSION
from waymark.victims_code.models import CodeDuty

from .force_extract import take_turns
from .models import Crime, CrimeOutcomeChange, ForceExtractImport, ProgressionEvent

Kind = ForceExtractImport.Kind

CRIME_KINDS = (Kind.CRIMES, Kind.EVENTS)
REDATABLE_KINDS = (*CRIME_KINDS, Kind.CODE_DUTIES)

# Who may correct a file's date: whoever may import a file of its kind.
REDATE_PERMISSIONS = {
    Kind.CRIMES: "crime.import_crime_data",
    Kind.EVENTS: "crime.import_crime_data",
    Kind.CODE_DUTIES: IMPORT_PERMISSION,
}

# What a file of each kind writes, for the page and the job's message.
ROWS_OF_KIND = {Kind.CRIMES: "crimes", Kind.EVENTS: "events", Kind.CODE_DUTIES: "duties"}

REDATE_JOB_NAME = "Correct an extraction date"


@dataclass(frozen=True)
class Redated:
    """What correcting a file's extraction date changed: the rows that carry the file's date
    (a crimes file's crimes and the outcomes it first reported, a duties file's duties; an
    events file's events carry none)."""

    extract: ForceExtractImport
    was: date
    crimes: int = 0
    outcome_changes: int = 0
    duties: int = 0

    def message(self) -> str:
        """One line for the person who made the correction."""
        text = (
            f"The extraction date of {self.extract.file_name} is now {format_date(self.extract.extracted_on)}"
            f" (it was {format_date(self.was)})."
        )
        if self.extract.kind != Kind.EVENTS:
            text += f" {self.rows_redated()} it wrote carry the new date."
        return text

    def rows_redated(self) -> str:
        """What the correction re-dated: "2 crimes and 1 outcome", or "18 duties"."""
        if self.extract.kind == Kind.CODE_DUTIES:
            return _counted(self.duties, "duty", "duties")
        return f"{_counted(self.crimes, 'crime')} and {_counted(self.outcome_changes, 'outcome')}"


def _counted(number: int, thing: str, things: str = "") -> str:
    return f"{number:,} {thing if number == 1 else (things or thing + 's')}"


def redatable_extracts(kinds: Sequence[str] = REDATABLE_KINDS) -> list[ForceExtractImport]:
    """The files of `kinds` whose extraction date can be corrected: in each area, the last file
    of each kind imported, where no other file of its kind is dated as late.
    `why_not_redatable` says why any other cannot be."""
    lasts: list[ForceExtractImport] = []
    for kind in kinds:
        files = ForceExtractImport.objects.filter(kind=kind)
        for area in files.order_by().values_list("police_force_area", flat=True).distinct():
            lasts.append(files.filter(police_force_area=area).latest("created_at", "pk"))
    return [extract for extract in lasts if why_not_redatable(extract) is None]


def _others_of_its_kind(extract: ForceExtractImport) -> QuerySet[ForceExtractImport]:
    return ForceExtractImport.objects.filter(
        police_force_area=extract.police_force_area, kind=extract.kind
    ).exclude(pk=extract.pk)


def _kind_named(extract: ForceExtractImport) -> str:
    """ "crimes", "case-progression events", "Victims' Code duties": as a sentence names it."""
    label = str(extract.get_kind_display())
    return label if extract.kind == Kind.CODE_DUTIES else label.lower()


def why_not_redatable(extract: ForceExtractImport) -> str | None:
    """Why the file's date cannot be corrected, or None. A file's rows were checked and merged
    against the files of its kind before it; correcting its date is the same as having imported
    it with the right date only while it is still the last file and the newest by date."""
    kind = _kind_named(extract)
    others = _others_of_its_kind(extract)
    later = others.filter(created_at__gt=extract.created_at).order_by("created_at").first()
    if later is not None:
        return (
            f"{later.file_name} was imported after it and was checked against its date: only the last"
            f" {kind} file imported can have its date corrected. Import the files again, in order, with"
            " the right dates."
        )
    newer = others.filter(extracted_on__gte=extract.extracted_on).order_by("-extracted_on").first()
    if newer is not None:
        return (
            f"{newer.file_name} has the extraction date {format_date(newer.extracted_on)},"
            " not before this file's:"
            f" Waymark cannot tell which {kind} rows each file wrote."
        )
    return None


def _job_name(kind: str, file_name: str = "") -> str:
    """ "Correct an extraction date: Crimes file april.csv"; without a name, what every
    correction of that kind's job name starts with."""
    return f"{REDATE_JOB_NAME}: {Kind(kind).label} file {file_name}"


def recent_redate_jobs(
    *, user: User, kinds: Sequence[str], limit: int
) -> list[tuple[JobProgress, job_selectors.JobState, bool]]:
    """This person's most recent corrections of the date of a file of `kinds`, as the imports
    pages list upload jobs: (job, its state, False: a correction keeps no list of problems)."""
    if not kinds:
        return []
    starts = Q()
    for kind in kinds:
        starts |= Q(name__startswith=_job_name(kind))
    jobs = job_selectors.job_list_for_user(user=user).filter(starts)[:limit]
    return [(job, job_selectors.job_state(job=job), False) for job in jobs]


@transaction.atomic
def force_extract_redate_start(
    *, extract: ForceExtractImport, extracted_on: date, by: User, request: HttpRequest | None = None
) -> JobProgress:
    """Check a correction of a file's extraction date and queue it as a background job, whose
    page shows the result. Re-dating the crimes a large file wrote takes longer than a page
    should wait (about 4 s for 100,000: docs/benchmarks.md); the job checks again, under the
    import lock, before it writes. Raises ValidationError as `force_extract_redate` does."""
    ensure_can(by, REDATE_PERMISSIONS[Kind(extract.kind)], None)
    _check_redate(extract, extracted_on)
    # Imported here: the task module imports this one.
    from .tasks import force_extract_redate_job

    job = job_enqueue(
        task=force_extract_redate_job,
        name=_job_name(extract.kind, extract.file_name[:80]),
        started_by=by,
        kwargs={
            "extract_id": str(extract.public_id),
            "was": extract.extracted_on.isoformat(),
            "extracted_on": extracted_on.isoformat(),
            "by_public_id": str(by.public_id),
            "session_ref": session_reference(request),
        },
    )
    access_log_record(
        actor=by,
        action=AccessLog.Action.CREATE,
        obj=job,
        request=request,
        detail=f"Asked to correct the extraction date of {extract.file_name} from {extract.extracted_on}"
        f" to {extracted_on}.",
    )
    return job


@transaction.atomic
def force_extract_redate(
    *,
    extract: ForceExtractImport,
    extracted_on: date,
    by: User,
    was: date | None = None,
    session_ref: str = "",
) -> Redated:
    """Correct the extraction date given with a crimes, events or Victims' Code duties file,
    and the date its rows carry.

    A mistyped date cannot be put right by importing the file again (the same bytes are
    recognised and skipped). Only the last file of its kind can be corrected, and only while its
    old and new dates are both after every other file of its kind: then the correction is the
    same as importing the file with the right date. The new date must not be before any date the
    file holds (a crime's report, record or outcome, an event, a duty's trigger, receipt or
    delivery). Raises ValidationError against `extracted_on` with the reason, changing nothing.
    Pages queue it as a job (`force_extract_redate_start`), which gives `was`, the date the
    person saw: a file whose date has changed since (another correction first) is refused.
    `session_ref` ties the access log's entry to the request that asked for it.
    """
    ensure_can(by, REDATE_PERMISSIONS[Kind(extract.kind)], None)
    take_turns(extract.police_force_area)
    extract = ForceExtractImport.objects.select_for_update().get(pk=extract.pk)
    if was is not None and extract.extracted_on != was:
        raise _refused(
            f"The file's extraction date was changed from {format_date(was)}"
            f" to {format_date(extract.extracted_on)}"
            " after this correction was asked for: look at it again before correcting it."
        )
    was = extract.extracted_on
    _check_redate(extract, extracted_on)
    area = extract.police_force_area
    redated = Redated(extract=extract, was=was)
    if extract.kind == Kind.CRIMES:
        area_crimes = Crime.objects.filter(police_force_area=area)
        redated = Redated(
            extract=extract,
            was=was,
            crimes=area_crimes.filter(extracted_on=was).update(extracted_on=extracted_on),
            outcome_changes=CrimeOutcomeChange.objects.filter(
                crime__in=area_crimes, first_extracted_on=was
            ).update(first_extracted_on=extracted_on),
        )
    elif extract.kind == Kind.CODE_DUTIES:
        # The duties this file added or changed carry its date; those it left as they were keep
        # the earlier file's, which is before `was` (`why_not_redatable`).
        duties = CodeDuty.objects.filter(police_force_area=area, extracted_on=was)
        redated = Redated(extract=extract, was=was, duties=duties.update(extracted_on=extracted_on))
    extract.extracted_on = extracted_on
    extract.save(update_fields=["extracted_on", "updated_at"])
    detail = (
        f"Corrected the extraction date of {_kind_named(extract)} file {extract.file_name}"
        f" from {was} to {extracted_on}"
    )
    if extract.kind != Kind.EVENTS:
        detail += f": {redated.rows_redated()} re-dated"
    access_log_record(
        actor=by, action=AccessLog.Action.CHANGE, obj=extract, detail=f"{detail}.", session_ref=session_ref
    )
    return redated


def _check_redate(extract: ForceExtractImport, extracted_on: date) -> None:
    """Refuse a correction that would not be the same as importing the file with that date."""
    why_not = why_not_redatable(extract)
    if why_not is not None:
        raise _refused(why_not)
    if extracted_on == extract.extracted_on:
        raise _refused(f"The file's extraction date is {format_date(extracted_on)} already.")
    if extracted_on > timezone.localdate():
        raise _refused("The extraction date must be today or in the past.")
    kind = _kind_named(extract)
    before = _others_of_its_kind(extract).order_by("-extracted_on").first()
    if before is not None and extracted_on < before.extracted_on:
        raise _refused(
            f"The date must not be before {format_date(before.extracted_on)}, the extraction date of"
            f" {before.file_name}, imported before it: a {kind} file's rows are merged in date order."
        )
    latest = _latest_date_held(extract)
    if latest is not None and latest > extracted_on:
        raise _refused(
            f"The file holds a date after {format_date(extracted_on)} (the latest is {format_date(latest)}):"
            " an extract cannot hold what happened after it was taken."
        )


def _refused(reason: str) -> ValidationError:
    return ValidationError({"extracted_on": reason})


def _latest_date_held(extract: ForceExtractImport) -> date | None:
    """The latest date of anything the area's rows of the file's kind hold. Every other file of
    the kind is dated before this one, so its rows' dates are too: a date held after the new
    extraction date can only be this file's."""
    area = extract.police_force_area
    if extract.kind == Kind.EVENTS:
        held = ProgressionEvent.objects.filter(crime__police_force_area=area).aggregate(
            latest=Max("occurred_on")
        )
        return held["latest"]
    if extract.kind == Kind.CODE_DUTIES:
        held = CodeDuty.objects.filter(police_force_area=area).aggregate(
            triggered=Max("triggered_on"), received=Max("received_on"), delivered=Max("delivered_on")
        )
        return max((day for day in held.values() if day is not None), default=None)
    crimes = Crime.objects.filter(police_force_area=area).aggregate(
        reported=Max("reported_on"),
        recorded=Max("recorded_on"),
        outcome=Max("outcome_on", filter=Q(outcome_on__isnull=False)),
    )
    changes = CrimeOutcomeChange.objects.filter(crime__police_force_area=area).aggregate(
        outcome=Max("outcome_on")
    )
    dates = [day for day in (*crimes.values(), changes["outcome"]) if day is not None]
    return max(dates, default=None)
