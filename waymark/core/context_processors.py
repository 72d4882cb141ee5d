"""Context every Jinja page gets."""

from typing import Any

from django.http import HttpRequest

from .navigation import navigation_context


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The service navigation for the signed-in person (empty on public pages), and the
    sub-navigation of the section the page is in."""
    return navigation_context(request)
