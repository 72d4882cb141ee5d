"""The referrals API (filled in by the referrals app's work)."""

from ninja import Router

router = Router(tags=["Referrals"])
