"""Refusing API requests whose text holds a NUL character, before any operation reads them.

PostgreSQL text cannot hold NUL (U+0000): a value with one, saved or compared, fails with a
server error. Django's forms refuse it (`ProhibitNullCharactersValidator`); the API refuses it
here, for every operation, with a 422 in the standard error shape naming each field. (ninja's
parser cannot: it answers any exception it raises with "Cannot parse request body".)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import error_body

NUL_MESSAGE = "Text cannot contain the NUL character (U+0000)."
API_PREFIX = "/api/"


def _nul_places(value: Any, place: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    """Where in `value` (parsed JSON) a string, or a key, holds a NUL character."""
    if isinstance(value, str):
        if "\x00" in value:
            yield place
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_places(key, (*place, key))
            yield from _nul_places(item, (*place, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_places(item, (*place, index))


def nul_places(request: HttpRequest) -> list[tuple[str | int, ...]]:
    """Each field of the request's query and JSON body whose text holds a NUL character."""
    places: list[tuple[str | int, ...]] = [
        ("query", key)
        for key, values in request.GET.lists()
        if "\x00" in key or any("\x00" in value for value in values)
    ]
    if request.content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None  # not JSON: the operation answers that itself
        places += list(_nul_places(body, ("body",)))
    return places


class RefuseNulInApiRequests:
    """A 422 for an API request with a NUL character in its query or JSON body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            places = nul_places(request)
            if places:
                # Before any view: nothing was written, so there is nothing to roll back.
                details = [
                    {
                        "field": ".".join(str(part) for part in place),
                        "message": NUL_MESSAGE,
                        "type": "string_nul_character",
                    }
                    for place in places
                ]
                return JsonResponse(
                    error_body(422, "The request is not valid; see details.", details=details), status=422
                )
        return self.get_response(request)
