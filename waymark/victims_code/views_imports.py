"""Victims' Code evidence imports: the files and returns loaded, the two upload forms, and the
problems of a refused file. No page here shows a duty or a figure: imports are described by
their counts. For OPCC admins and analysts and the force's Victims' Code leads."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from waymark.core.forms import add_service_errors
from waymark.core.http import AuthenticatedHttpRequest
from waymark.crime.extraction_date import recent_redate_jobs, redatable_extracts
from waymark.crime.models import ForceExtractImport

from .aggregate_returns import quarter_label
from .duties import CODE_DUTIES_KIND
from .forms_imports import AggregateReturnUploadForm, CodeDutiesUploadForm
from .import_services import (
    IMPORT_PERMISSION,
    UPLOADS,
    UploadKind,
    compliance_upload,
)
from .models import AggregateReturn

# Older imports and jobs are of no use to anyone checking what was loaded last.
RECENT = 50

import_compliance = permission_required(IMPORT_PERMISSION, raise_exception=True)


@login_required
@import_compliance
@require_GET
def imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The Code duties files and aggregate returns loaded, and this person's recent upload jobs
    and corrections of a duties file's extraction date."""
    duty_files = ForceExtractImport.objects.filter(kind=CODE_DUTIES_KIND).select_related(
        "police_force_area", "imported_by"
    )[:RECENT]
    returns = (
        AggregateReturn.objects.visible_to(request.user)
        .select_related("submitted_by")
        .annotate(line_count=Count("lines"))[:RECENT]
    )
    return render(
        request,
        "victims_code/imports/imports.html",
        {
            "duty_files": duty_files,
            "returns": [(r, quarter_label(r.period_start)) for r in returns],
            "jobs": UPLOADS.recent_jobs(user=request.user, limit=RECENT),
            "redatable": {extract.pk for extract in redatable_extracts([CODE_DUTIES_KIND])},
            "redate_jobs": recent_redate_jobs(user=request.user, kinds=[CODE_DUTIES_KIND], limit=RECENT),
        },
    )


def _upload(
    request: AuthenticatedHttpRequest, *, form: forms.Form, kind: str, title: str, template_intro: str
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            job = compliance_upload(
                by=request.user,
                file=form.cleaned_data["file"],
                kind=kind,
                extracted_on=form.cleaned_data.get("extracted_on"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(job)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "victims_code/imports/upload.html",
        {"form": form, "title": title, "intro": template_intro, "back_url": reverse("victims_code:imports")},
        status=status,
    )


@login_required
@import_compliance
@require_http_methods(["GET", "POST"])
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload the force's Code duties file; its import runs as a background job."""
    return _upload(
        request,
        form=CodeDutiesUploadForm(request.POST or None, request.FILES or None),
        kind=UploadKind.CODE_DUTIES,
        title="Upload the force's Code duties",
        template_intro="duties",
    )


@login_required
@import_compliance
@require_http_methods(["GET", "POST"])
def upload_aggregate_return(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload an agency's aggregate return for a quarter; its import runs as a background job."""
    return _upload(
        request,
        form=AggregateReturnUploadForm(request.POST or None, request.FILES or None),
        kind=UploadKind.AGGREGATE_RETURN,
        title="Upload an aggregate return",
        template_intro="return",
    )


@login_required
@import_compliance
@require_GET
def import_problems(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Every problem of a file an upload job refused (the job's own page names only where the
    first are). Only the person who started the job sees it."""
    job, file = UPLOADS.refused_file(user=request.user, public_id=public_id)
    return render(
        request,
        "jobs/import_problems.html",
        {
            "job": job,
            "file": file,
            "caption": "Victims' Code imports",
            "back_url": reverse("victims_code:imports"),
        },
    )
