"""The home page and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from waymark.core.home import home_panels
from waymark.core.navigation import nav_items_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A home page suited to each role: what they hold, and what they can do."""
    return render(
        request,
        "core/home.html",
        {
            "panels": home_panels(user=request.user),
            "actions": [item for item in nav_items_for(request.user) if item.url_name != "home"],
        },
    )


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
