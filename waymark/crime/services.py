"""Writes to crime data that start from a person: uploading a file of the force's extract, or
police.uk's open data, correcting a file's extraction date, and correcting an offence code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from waymark.accounts.models import User
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record, session_reference
from waymark.core.jinja import format_date
from waymark.core.permissions import ensure_can
from waymark.jobs.models import JobProgress
from waymark.jobs.services import job_enqueue
from waymark.jobs.uploads import UploadStore

from .classification import OFFENCE_CODE_FIELDS_RULES_READ, classify_crimes
from .force_extract import police_force_area_default, take_turns
from .models import Crime, CrimeOutcomeChange, ForceExtractImport, OffenceCode, ProgressionEvent

FORCE_EXTRACT_JOB_NAME = "Import force extract"
UPLOADS = UploadStore("force-extract", FORCE_EXTRACT_JOB_NAME, "crime:import_problems")
POLICE_UK_JOB_NAME = "Import police.uk data"
POLICE_UK_UPLOADS = UploadStore("police-uk", POLICE_UK_JOB_NAME, "crime:police_uk_problems")


@transaction.atomic
def force_extract_upload(*, by: User, file: UploadedFile, kind: str, extracted_on: date) -> JobProgress:
    """Save an uploaded file of the force's extract and queue its import as a background job.

    The file is kept privately under VAR_DIR until the job has read it, then deleted; the
    job's page shows the progress and the result. Only those who may import crime data may.
    """
    ensure_can(by, "crime.import_crime_data", None)
    # Code duties files are the Victims' Code's (waymark.victims_code.import_services).
    if kind not in (ForceExtractImport.Kind.CRIMES, ForceExtractImport.Kind.EVENTS):
        raise ValidationError({"kind": "Choose crimes or events."})
    area = police_force_area_default()
    # Imported here: the task module imports this one.
    from .tasks import force_extract_import

    return UPLOADS.start_job(
        by=by,
        file=file,
        task=force_extract_import,
        kwargs={"kind": kind, "extracted_on": extracted_on.isoformat(), "police_force_area_id": area.pk},
        what=str(ForceExtractImport.Kind(kind).label).lower(),
        detail=f"Uploaded a force extract {kind} file for {area.name}, extracted on {extracted_on}.",
    )


@transaction.atomic
def police_uk_upload(*, by: User, file: UploadedFile) -> JobProgress:
    """Save an uploaded police.uk file (a street or outcomes CSV, or a zip of them, as
    data.police.uk gives them) and queue its import as a background job.

    The file's own name is kept for the job: police.uk's names say what a file holds. The
    upload is deleted once the job has read it. Only those who may import crime data may.
    """
    ensure_can(by, "crime.import_crime_data", None)
    # Imported here: the task module imports this one.
    from .tasks import police_uk_import

    return POLICE_UK_UPLOADS.start_job(
        by=by,
        file=file,
        task=police_uk_import,
        kwargs={},
        what="",
        detail="Uploaded police.uk data.",
    )


REDATABLE_KINDS = (ForceExtractImport.Kind.CRIMES, ForceExtractImport.Kind.EVENTS)


@dataclass(frozen=True)
class Redated:
    """What correcting a file's extraction date changed."""

    extract: ForceExtractImport
    was: date
    crimes: int
    outcome_changes: int

    def message(self) -> str:
        """One line for the person who made the correction."""
        text = (
            f"The extraction date of {self.extract.file_name} is now {format_date(self.extract.extracted_on)}"
            f" (it was {format_date(self.was)})."
        )
        if self.extract.kind == ForceExtractImport.Kind.CRIMES:
            text += f" {self.rows_redated()} it wrote carry the new date."
        return text

    def rows_redated(self) -> str:
        """What a crimes file's correction re-dated: "2 crimes and 1 outcome"."""
        return f"{_counted(self.crimes, 'crime')} and {_counted(self.outcome_changes, 'outcome')}"


def _counted(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"


def redatable_extracts() -> list[ForceExtractImport]:
    """The files whose extraction date can be corrected: in each area, the last crimes file and
    the last events file imported, where no other file of its kind is dated as late.
    `force_extract_redate` says why any other cannot be."""
    lasts: list[ForceExtractImport] = []
    for kind in REDATABLE_KINDS:
        files = ForceExtractImport.objects.filter(kind=kind)
        for area in files.order_by().values_list("police_force_area", flat=True).distinct():
            lasts.append(files.filter(police_force_area=area).latest("created_at", "pk"))
    return [extract for extract in lasts if why_not_redatable(extract) is None]


def _others_of_its_kind(extract: ForceExtractImport) -> QuerySet[ForceExtractImport]:
    return ForceExtractImport.objects.filter(
        police_force_area=extract.police_force_area, kind=extract.kind
    ).exclude(pk=extract.pk)


def why_not_redatable(extract: ForceExtractImport) -> str | None:
    """Why the file's date cannot be corrected, or None. A file's rows were checked and merged
    against the files of its kind before it; correcting its date is the same as having imported
    it with the right date only while it is still the last file and the newest by date."""
    if extract.kind not in REDATABLE_KINDS:
        return "Only a crimes or events file's extraction date can be corrected here."
    kind = extract.get_kind_display().lower()
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


REDATE_JOB_NAME = "Correct an extraction date"


@transaction.atomic
def force_extract_redate_start(
    *, extract: ForceExtractImport, extracted_on: date, by: User, request: HttpRequest | None = None
) -> JobProgress:
    """Check a correction of a file's extraction date and queue it as a background job, whose
    page shows the result. Re-dating the crimes a large file wrote takes longer than a page
    should wait (about 4 s for 100,000: docs/benchmarks.md); the job checks again, under the
    import lock, before it writes. Raises ValidationError as `force_extract_redate` does."""
    ensure_can(by, "crime.import_crime_data", None)
    _check_redate(extract, extracted_on)
    # Imported here: the task module imports this one.
    from .tasks import force_extract_redate_job

    job = job_enqueue(
        task=force_extract_redate_job,
        name=f"{REDATE_JOB_NAME}: {extract.file_name[:80]}",
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
    """Correct the extraction date given with a crimes or events file, and the date its rows carry.

    A mistyped date cannot be put right by importing the file again (the same bytes are
    recognised and skipped). Only the last file of its kind can be corrected, and only while its
    old and new dates are both after every other file of its kind: then the correction is the
    same as importing the file with the right date. The new date must not be before any date the
    file holds (a crime's report, record or outcome, or an event). Raises ValidationError
    against `extracted_on` with the reason, changing nothing. Pages queue it as a job
    (`force_extract_redate_start`), which gives `was`, the date the person saw: a file whose
    date has changed since (another correction first) is refused. `session_ref` ties the access
    log's entry to the request that asked for it.
    """
    ensure_can(by, "crime.import_crime_data", None)
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
    kind = extract.get_kind_display().lower()
    crimes = outcome_changes = 0
    if extract.kind == ForceExtractImport.Kind.CRIMES:
        area_crimes = Crime.objects.filter(police_force_area=extract.police_force_area)
        crimes = area_crimes.filter(extracted_on=was).update(extracted_on=extracted_on)
        outcome_changes = CrimeOutcomeChange.objects.filter(
            crime__in=area_crimes, first_extracted_on=was
        ).update(first_extracted_on=extracted_on)
    extract.extracted_on = extracted_on
    extract.save(update_fields=["extracted_on", "updated_at"])
    redated = Redated(extract=extract, was=was, crimes=crimes, outcome_changes=outcome_changes)
    detail = f"Corrected the extraction date of {kind} file {extract.file_name} from {was} to {extracted_on}"
    if extract.kind == ForceExtractImport.Kind.CRIMES:
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
    kind = extract.get_kind_display().lower()
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
    """The latest date of anything the area's crimes or events hold, of the file's kind. Every
    other file of the kind is dated before this one, so its rows' dates are too: a date held
    after the new extraction date can only be this file's."""
    area = extract.police_force_area
    if extract.kind == ForceExtractImport.Kind.EVENTS:
        held = ProgressionEvent.objects.filter(crime__police_force_area=area).aggregate(
            latest=Max("occurred_on")
        )
        return held["latest"]
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


@transaction.atomic
def offence_code_correct(*, offence_code: OffenceCode, by: User) -> int:
    """Save a correction of an offence code (in Django admin) and, in the same transaction,
    reclassify that code's crimes by the current rule set if the correction changed a field the
    rules read (its group: `OFFENCE_CODE_FIELDS_RULES_READ`).

    Without this a crime would keep the VAWG bases of the code's old group while the dashboards
    filter it by the new one. Returns how many crimes were reclassified: none when only the
    title, subgroup, source or `verified` changed, or when no crime has the code. The code itself
    is the row's key and cannot be changed.
    """
    ensure_can(by, "crime.change_offencecode", offence_code)
    stored = OffenceCode.objects.select_for_update().get(pk=offence_code.pk)
    if stored.code != offence_code.code:
        raise ValidationError({"code": "An offence code's key cannot be changed: crimes refer to it."})
    offence_code.save()
    if all(getattr(stored, name) == getattr(offence_code, name) for name in OFFENCE_CODE_FIELDS_RULES_READ):
        return 0
    return classify_crimes(offence_code=offence_code.code)
