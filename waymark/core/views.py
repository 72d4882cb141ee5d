"""The home page and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from waymark.core.home import home_panels
from waymark.core.navigation import nav_groups_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A home page suited to each role: what they hold, and what they can do, section by section."""
    groups = nav_groups_for(request.user)
    return render(
        request,
        "core/home.html",
        {
            "panels": home_panels(user=request.user),
            "pages": [
                item
                for group in groups
                if not group.is_section
                for item in group.items
                if item.url_name != "home"
            ],
            "sections": [group for group in groups if group.is_section],
        },
    )


@login_required
def section(request: HttpRequest, slug: str) -> HttpResponse:
    """A section's pages that the person may use; not found if they may use fewer than two
    (the navigation links a single page directly)."""
    for group in nav_groups_for(request.user):
        if group.is_section and group.section is not None and group.section.slug == slug:
            return render(request, "core/section.html", {"group": group})
    raise Http404("No such section.")


@transaction.non_atomic_requests
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Whether the app can reach its database; for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
