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
