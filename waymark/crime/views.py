"""Crime data pages. Uploading the force's extract and police.uk data: the list of imports, the
upload forms, the problems of a refused file, and correcting a file's extraction date. No page
here shows a crime: imports are described by their counts."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from waymark.core.forms import add_service_errors, form_flow
from waymark.core.http import AuthenticatedHttpRequest
from waymark.core.jinja import format_date
from waymark.jobs.models import JobProgress
from waymark.jobs.uploads import RefusedFile

from .extraction_date import (
    CRIME_KINDS,
    REDATABLE_KINDS,
    REDATE_PERMISSIONS,
    ROWS_OF_KIND,
    Kind,
    force_extract_redate_start,
    recent_redate_jobs,
    redatable_extracts,
    why_not_redatable,
)
from .forms import ExtractionDateForm, ForceExtractUploadForm, PoliceUkUploadForm
from .models import ForceExtractImport, PoliceUkFile
from .police_uk_selectors import police_uk_force_names
from .services import POLICE_UK_UPLOADS, UPLOADS, force_extract_upload, police_uk_upload

# Older imports and jobs are of no use to anyone checking what was loaded last.
RECENT = 50

import_crime_data = permission_required("crime.import_crime_data", raise_exception=True)


@login_required
@import_crime_data
@require_GET
def imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The files of the force's extract and of police.uk imported so far, and this person's
    recent upload jobs of either and corrections of an extraction date."""
    extracts = ForceExtractImport.objects.select_related("police_force_area", "imported_by")[:RECENT]
    police_uk_files = PoliceUkFile.objects.visible_to(request.user).order_by("-updated_at", "file_name")[
        :RECENT
    ]
    extract_jobs = UPLOADS.recent_jobs(user=request.user, limit=RECENT)
    police_uk_jobs = POLICE_UK_UPLOADS.recent_jobs(user=request.user, limit=RECENT)
    return render(
        request,
        "crime/imports.html",
        {
            "extracts": extracts,
            "police_uk_files": police_uk_files,
            # A file's force by its area's name where Waymark knows the force's police.uk id.
            "police_uk_force_names": police_uk_force_names(),
            "extract_jobs": extract_jobs,
            "redatable": {extract.pk for extract in redatable_extracts(CRIME_KINDS)},
            "redate_jobs": recent_redate_jobs(user=request.user, kinds=CRIME_KINDS, limit=RECENT),
            "police_uk_jobs": police_uk_jobs,
        },
    )


@login_required
@import_crime_data
@require_http_methods(["GET", "POST"])
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload one file of the force's extract; its import runs as a background job."""
    form = ForceExtractUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = force_extract_upload(
                by=request.user,
                file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                extracted_on=form.cleaned_data["extracted_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(job)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "crime/upload.html",
        {"form": form, "back_url": reverse("crime:imports")},
        status=status,
    )


@login_required
@import_crime_data
@require_http_methods(["GET", "POST"])
def upload_police_uk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload police.uk data (a street or outcomes CSV, or a zip of them); its import runs as a
    background job."""
    form = PoliceUkUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return redirect(police_uk_upload(by=request.user, file=form.cleaned_data["file"]))
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "crime/upload_police_uk.html",
        {"form": form, "back_url": reverse("crime:imports")},
        status=status,
    )


@login_required
@import_crime_data
@require_GET
def import_problems(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Every problem of a file an upload job refused (the job's own page names only the first)."""
    return _problems(request, UPLOADS.refused_file(user=request.user, public_id=public_id))


@login_required
@import_crime_data
@require_GET
def police_uk_problems(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Every problem of police.uk data an upload job refused, file by file."""
    return _problems(request, POLICE_UK_UPLOADS.refused_file(user=request.user, public_id=public_id))


def _problems(request: AuthenticatedHttpRequest, refused: tuple[JobProgress, RefusedFile]) -> HttpResponse:
    job, file = refused
    return render(
        request,
        "jobs/import_problems.html",
        {
            "job": job,
            "file": file,
            "caption": "Crime data imports",
            "back_url": reverse("crime:imports"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def redate(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Correct the extraction date given with a crimes, events or Victims' Code duties file
    (`force_extract_redate`), for whoever may import files of its kind."""
    if not any(request.user.has_perm(permission) for permission in set(REDATE_PERMISSIONS.values())):
        raise PermissionDenied
    extract = get_object_or_404(ForceExtractImport, public_id=public_id, kind__in=REDATABLE_KINDS)
    kind = Kind(extract.kind)
    if not request.user.has_perm(REDATE_PERMISSIONS[kind]):
        raise PermissionDenied
    form = ExtractionDateForm(request.POST or None, initial={"extracted_on": extract.extracted_on})
    # Said before anything is typed, not only after.
    why_not = why_not_redatable(extract)
    rows = ROWS_OF_KIND[kind]
    carried = "" if kind == Kind.EVENTS else f", and the {rows} the file wrote carry it"
    return form_flow(
        request,
        form=form,
        save=lambda data: force_extract_redate_start(
            extract=extract, extracted_on=data["extracted_on"], by=request.user, request=request
        ),
        success="The correction is under way: this page shows when it is done.",
        then=lambda job: job.get_absolute_url(),
        title="Correct the extraction date",
        caption=f"{extract.get_kind_display()} file {extract.file_name}",
        intro=[
            f"The date given when the file was imported: {format_date(extract.extracted_on)}. It is"
            f" shown beside every figure from the file{carried}.",
            f"This file's date cannot be corrected: {why_not}"
            if why_not
            else f"Only the last {rows} file imported can be corrected, and not to a date before another"
            " file of its kind or before any date the file holds.",
        ],
        submit="Correct the date",
        back_url=reverse("victims_code:imports" if kind == Kind.CODE_DUTIES else "crime:imports"),
        extra={"closed": why_not is not None and request.method == "GET"},
    )
