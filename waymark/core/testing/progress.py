"""A progress callback for tests (`waymark.core.imports.ProgressCallback`)."""

from __future__ import annotations


class ProgressCalls:
    """A progress callback that keeps every call in `calls`, as (done, total, message).

    Not a list itself: an empty list is false, and the imports take a false `progress` as none.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, str]] = []

    def __call__(self, *, done: int, total: int, message: str = "") -> None:
        self.calls.append((done, total, message))

    @property
    def totals(self) -> set[int]:
        """Every total given: one, for a single bar."""
        return {total for _, total, _ in self.calls}

    @property
    def dones(self) -> list[int]:
        """How far each call said the work had got, in order."""
        return [done for done, _, _ in self.calls]

    def messages(self, leaving_out: str = "") -> list[str]:
        """The messages given, in order, but for `leaving_out` (a step repeated as it goes)."""
        return [message for _, _, message in self.calls if message != leaving_out]
