"""Victims' Code API: compliance metrics (see docs/api.md)."""

from ninja import Router

router = Router(tags=["Victims' Code"])
