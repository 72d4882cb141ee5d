"""The cases API (filled in by the cases app's work)."""

from ninja import Router

router = Router(tags=["Cases"])
