"""Context every Jinja page gets."""

from typing import Any

from django.http import HttpRequest

from .navigation import navigation_context


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The service navigation for the signed-in person (empty on public pages)."""
    return {"navigation": navigation_context(request)}
