"""Limit-and-offset pages for the API's lists, with an offset the database can take.

django-ninja's own `LimitOffsetPagination` accepts any offset; PostgreSQL refuses one beyond a
64-bit integer ("bigint out of range") and the caller got a 500. Here an offset over
`MAX_OFFSET` is a 422 naming the field, like any other bad parameter.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination

MAX_OFFSET = 1_000_000_000
"""Far beyond any list Waymark holds, and far inside a 64-bit integer."""


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    """ninja's limit-and-offset pages with the offset bounded (see the module docstring)."""

    class Input(Schema):
        limit: int = Field(100, ge=1)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
