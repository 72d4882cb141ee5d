"""The versioned HTTP API, mounted at /api/v1/: authentication, errors, docs and the domain routers.

Each domain adds its router in `waymark/api/routers/` and mounts it below. Every
operation needs a caller (an API token or a signed-in person) unless it says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, path, reverse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.operation import Operation

from .docs import SelfHostedSwagger, docs_asset
from .errors import error_response, register_error_handlers
from .routers import accounts, cases, compliance_metrics, compliance_uploads, crime, referrals
from .security import api_token_auth, session_auth

DESCRIPTION = """
The Waymark API. Authenticate with an API token (`Authorization: Bearer wm_...`; an
organisation's manager makes one under *API tokens*), or, from Waymark's own pages, with
your signed-in session (unsafe methods then need the `X-CSRFToken` header).

Every error has the body `{"error": {"code": "...", "message": "...", "details": [...]}}`.
Records are identified by their public UUID (`id`), never by a database key.
"""


class WaymarkAPI(NinjaAPI):
    """Ninja's API with our URL additions and caching rule."""

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        """Every answer, including errors; none may be kept by a browser or proxy."""
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        response["Cache-Control"] = "no-store"
        return response

    def get_openapi_operation_id(self, operation: Operation) -> str:
        """The view function's name (`service_list`), not its module path; names are unique."""
        return operation.view_func.__name__

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        """Ninja's URLs, plus Swagger UI's files, and standard 404 and 405 answers."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = self._with_standard_405(pattern.callback)

        # Unknown paths change nothing, so a POST to one needs no CSRF token to be told so.
        @csrf_exempt
        def no_such_endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
            docs = reverse(f"{namespace}:openapi-view")
            return error_response(
                self, request, status=404, message=f"No such endpoint. The endpoints are listed at {docs}."
            )

        # Ninja's root view answers 404 with an HTML page; ours answers in the error shape.
        patterns = [p for p in patterns if getattr(p, "name", None) != "api-root"]
        patterns += [
            path("docs/assets/<str:name>", docs_asset, name="docs-asset"),
            path("", no_such_endpoint, name="api-root"),
            path("<path:rest>", no_such_endpoint, name="no-such-endpoint"),
        ]
        return patterns, app_name, namespace

    def _with_standard_405(self, view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        """Ninja answers a method a path does not take with an empty 405; give it the error shape."""

        @wraps(view)  # keeps ninja's csrf_exempt flag
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                allowed = response["Allow"]
                response = error_response(
                    self,
                    request,
                    status=405,
                    message=f"This endpoint does not take {request.method}; use {allowed}.",
                )
                response["Allow"] = allowed
            return response

        return wrapper


api = WaymarkAPI(
    title="Waymark API",
    version="1",
    description=DESCRIPTION.strip(),
    urls_namespace="api",
    docs=SelfHostedSwagger(),
    # Tried in order: a token if the request carries one, else the browser's session.
    auth=[api_token_auth, session_auth],
)
register_error_handlers(api)

api.add_router("", accounts.router)
api.add_router("", referrals.router)
api.add_router("", cases.router)
api.add_router("", crime.router)
api.add_router("", compliance_uploads.router)
api.add_router("", compliance_metrics.router)
