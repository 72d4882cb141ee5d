"""One shape for every API error: `{"error": {"code", "message", "details"}}`.

Clients branch on `code` (stable, snake_case), show `message` to people, and use
`details` for per-field problems. Every error answer also undoes whatever the request
wrote (ATOMIC_REQUESTS commits any response a view returns, including an error one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.log import log_response
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

E = TypeVar("E", bound=Exception)

CODES_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
}

NOT_AUTHENTICATED_MESSAGE = (
    "Authentication required: send an API token as 'Authorization: Bearer wm_...', or sign in."
)


class ErrorDetail(Schema):
    """One problem with the request, usually with one field."""

    field: str | None = None
    message: str
    type: str = "invalid"


class ErrorBody(Schema):
    """What went wrong."""

    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorOut(Schema):
    """The body of every error response."""

    error: ErrorBody


# Documented on every operation, so generated clients know the error shape.
ERROR_RESPONSES: dict[frozenset[int], type[ErrorOut]] = {
    frozenset({400, 401, 403, 404, 422, 429, 500}): ErrorOut
}


class ApiError(HttpError):
    """An error with our own code and details, for cases a status alone does not explain."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(status_code, message)
        self.code = code or CODES_BY_STATUS.get(status_code, "error")
        self.details = details or []


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    message: str,
    code: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    """An error answer in the standard shape; what the request wrote is rolled back."""
    if transaction.get_connection().in_atomic_block:
        transaction.set_rollback(True)
    return api.create_response(request, error_body(status, message, code, details), status=status)


def error_body(
    status: int, message: str, code: str | None = None, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The standard shape of an error answer (`ErrorOut`)."""
    return {
        "error": {
            "code": code or CODES_BY_STATUS.get(status, "error"),
            "message": message,
            "details": details or [],
        }
    }


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ninja's pydantic errors as details: `query.limit`, the message, the pydantic type."""
    return [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())) or None,
            "message": str(error.get("msg", "Invalid value.")),
            "type": str(error.get("type", "invalid")),
        }
        for error in errors
    ]


def _django_validation_details(error: DjangoValidationError) -> list[dict[str, Any]]:
    """A service's ValidationError as details, against the field it names where it names one."""
    if hasattr(error, "error_dict"):
        return [
            {"field": None if name == "__all__" else name, "message": message, "type": "invalid"}
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": message, "type": "invalid"} for message in error.messages]


def register_error_handlers(api: NinjaAPI) -> None:
    """Answer every exception an operation can raise in the standard shape."""

    def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=422,
            message="The request is not valid; see details.",
            details=_validation_details(exc.errors),
        )

    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = error_response(api, request, status=401, message=NOT_AUTHENTICATED_MESSAGE)
        response["WWW-Authenticate"] = 'Bearer realm="waymark"'
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc, ApiError):
            return error_response(
                api, request, status=exc.status_code, message=exc.message, code=exc.code, details=exc.details
            )
        if isinstance(exc, Throttled):
            return error_response(api, request, status=429, message="Too many requests; try again later.")
        return error_response(api, request, status=exc.status_code, message=exc.message)

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        # Never echo the exception text: it could say which record was looked for.
        return error_response(api, request, status=404, message="Not found.")

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, status=403, message="You do not have permission to do that.")

    def on_service_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=422,
            message="The request is not valid; see details.",
            details=_django_validation_details(exc),
        )

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = error_response(
            api, request, status=500, message="Something went wrong on our side. It has been logged."
        )
        # Log as Django would for an unhandled exception (with the traceback, to
        # django.request), since Django never sees this one.
        log_response(
            "Internal Server Error: %s", request.path, response=response, request=request, exception=exc
        )
        return response

    _handle(api, NinjaValidationError, on_validation_error)
    _handle(api, AuthenticationError, on_authentication_error)
    _handle(api, HttpError, on_http_error)
    _handle(api, Http404, on_not_found)
    _handle(api, PermissionDenied, on_permission_denied)
    _handle(api, DjangoValidationError, on_service_validation_error)
    _handle(api, Exception, on_unexpected)


def _handle(api: NinjaAPI, exc_class: type[E], handler: Callable[[HttpRequest, E], HttpResponse]) -> None:
    """Register `handler` for `exc_class` and its subclasses (the most specific handler wins)."""
    # Ninja's annotation says a handler may be passed the class as well as an instance; it never is.
    api.add_exception_handler(exc_class, handler)  # type: ignore[arg-type]
