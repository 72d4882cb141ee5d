"""Victims' Code API: compliance uploads (see docs/api.md)."""

from ninja import Router

router = Router(tags=["Victims' Code"])
