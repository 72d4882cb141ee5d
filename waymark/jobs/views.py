"""The pages that show background jobs, and the maintenance page that starts them."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, uploads
from .maintenance import REENCRYPT_JOB_NAME, maintenance_reencrypt_start

# How many jobs the lists show; older ones are of no use to anyone watching progress.
RECENT_JOBS = 50


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    """The jobs this person may see, newest first."""
    jobs = selectors.job_list_for_user(user=request.user)[:RECENT_JOBS]
    return render(
        request,
        "jobs/job_list.html",
        {"rows": [(job, uploads.job_state_shown(job)[0]) for job in jobs]},
    )


@login_required
@require_GET
def job_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One job's progress; the page reloads itself while the job is still going."""
    job = selectors.job_get(user=request.user, public_id=public_id)
    state, problems_url = uploads.job_state_shown(job)
    # Automatic reloading can be switched off: a page that changes under a screen reader
    # or a slow reader is a barrier (WCAG 2.2.1 and 2.2.2).
    refresh_off = request.GET.get("refresh") == "off"
    return render(
        request,
        "jobs/job_detail.html",
        {
            "job": job,
            "state": state,
            "auto_refresh": state.active and not refresh_off,
            "refresh_off": refresh_off,
            "problems_url": problems_url,
        },
    )


@login_required
@permission_required("core.run_maintenance", raise_exception=True)
@require_http_methods(["GET", "POST"])
def maintenance(request: HttpRequest) -> HttpResponse:
    """Platform maintenance for the OPCC admin: start re-encrypting the sensitive fields."""
    if request.method == "POST":
        job = maintenance_reencrypt_start(by=request.user)  # type: ignore[arg-type]
        return redirect(job)
    recent = selectors.job_list_for_user(user=request.user).filter(name=REENCRYPT_JOB_NAME)[:5]
    return render(
        request,
        "jobs/maintenance.html",
        {"recent": [(job, selectors.job_state(job=job)) for job in recent]},
    )
