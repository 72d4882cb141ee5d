"""Crime data API: VAWG volumes and RASSO metrics, as the dashboards show them (aggregates only).

No `from __future__ import annotations` here: ninja reads the operations' annotations at
import time to build their parameters.
"""

from ninja import Router

router = Router(tags=["Crime data"])
