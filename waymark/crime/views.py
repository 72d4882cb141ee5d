"""Crime data pages. Uploading the force's extract: the list of imports, the upload form, and the
problems of a refused file. No page here shows a crime: imports are described by their counts."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from waymark.core.forms import add_service_errors
from waymark.core.http import AuthenticatedHttpRequest

from .forms import ForceExtractUploadForm
from .models import ForceExtractImport
from .services import UPLOADS, force_extract_upload

# Older imports and jobs are of no use to anyone checking what was loaded last.
RECENT = 50

import_crime_data = permission_required("crime.import_crime_data", raise_exception=True)


@login_required
@import_crime_data
@require_GET
def imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The files of the force's extract imported so far, and this person's recent upload jobs."""
    extracts = ForceExtractImport.objects.select_related("police_force_area", "imported_by")[:RECENT]
    jobs = UPLOADS.recent_jobs(user=request.user, limit=RECENT)
    return render(request, "crime/imports.html", {"extracts": extracts, "jobs": jobs})


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
@require_GET
def import_problems(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Every problem of a file an upload job refused (the job's own page names only the first)."""
    job, file_name, errors = UPLOADS.refused_file(user=request.user, public_id=public_id)
    return render(
        request,
        "jobs/import_problems.html",
        {
            "job": job,
            "file_name": file_name,
            "errors": errors,
            "caption": "Crime data imports",
            "back_url": reverse("crime:imports"),
        },
    )
