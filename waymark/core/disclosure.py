"""Statistical disclosure control for every figure that leaves an organisation.

Three steps, always in this order, on true counts:

1. **Primary suppression.** A count of 1 to `threshold - 1` is hidden. Zeros are published
   unless `suppress_zeros=True` (a published zero says "nobody", which some releases treat as
   disclosive; the UK LLC rule, for one, hides zeros too: research/safety-surveys-funding.md
   §b.5). The default threshold is `settings.DISCLOSURE_THRESHOLD_PUBLISHED` for published
   tables and `settings.DISCLOSURE_THRESHOLD_OPERATIONAL` for operational reports.
2. **Secondary suppression.** Row, column and grand totals are published, so a lone hidden cell
   in a row could be worked back from its total. For each primary cell we hide the cheapest
   "rectangle" of four cells: the primary, one more cell in its row, one more in its column and
   the cell where those meet (a total counts as a cell of the table with its margins).
   Cheapest means: fewest totals hidden, then the smallest sum of newly hidden counts.
   A rectangle is only accepted if its four values can all be moved by one (+1 on one diagonal,
   -1 on the other) without going negative. That move keeps every published figure unchanged,
   so each hidden value has at least two values consistent with what is published, even to a
   reader who knows counts are whole and non-negative. The plain rule "every row and column
   with a hidden cell has at least two" follows, but is not enough by itself: two hidden
   rectangles joined by one hidden cell satisfy it and still give that cell away, and a hidden
   cell whose partners are all zeros is given away by non-negativity. Totals are hidden only
   when no rectangle of inner cells will do (for example a row with a single cell).
3. **Rounding** (optional). Published counts and totals are rounded to the nearest multiple of
   `rounding_base`, halves upwards, each on its own: rounded cells need not add up to the
   rounded total.

Hidden values are `None` in the result. Every call also returns the log of what it hid and why.

A series (one list of counts with its total) is a one-column table: its cells are
`SuppressedCell(row=i, column=0)` and its total `SuppressedCell(row=None, column=0)`.
In a table, `row=None` is the row of column totals, `column=None` the column of row totals,
and both None the grand total.

The guarantee is that no hidden value can be worked out exactly; bounds on a hidden value can
still be narrow. Tables published side by side (the same counts cut two ways) are not checked
against each other.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings

__all__ = [
    "HIDDEN_MARKER",
    "Audience",
    "DisclosureResult",
    "SeriesDisclosureResult",
    "SuppressedCell",
    "default_threshold",
    "published_reason",
    "round_to_base",
    "suppress_series",
    "suppress_table",
]


# How a hidden figure is shown in pages, charts and downloads (the ONS convention for
# "confidential"): a None from this module is written as this marker, never as a blank or zero.
HIDDEN_MARKER = "[c]"


class Audience(enum.StrEnum):
    """Who will see the figures; decides the default threshold."""

    OPERATIONAL = "operational"
    PUBLISHED = "published"


def default_threshold(audience: Audience = Audience.PUBLISHED) -> int:
    """The threshold from settings for this audience (counts under it are hidden)."""
    if audience == Audience.OPERATIONAL:
        return int(settings.DISCLOSURE_THRESHOLD_OPERATIONAL)
    return int(settings.DISCLOSURE_THRESHOLD_PUBLISHED)


@dataclass(frozen=True, slots=True)
class SuppressedCell:
    """One hidden figure and why: "primary: under N" or "secondary: protects (row, column)".

    `row`/`column` index the cells; None stands for the totals (see the module docstring).
    """

    row: int | None
    column: int | None
    reason: str


@dataclass(frozen=True)
class DisclosureResult:
    """A table ready to publish: hidden figures are None, and `suppressed` says what and why."""

    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    grand_total: int | None
    suppressed: tuple[SuppressedCell, ...]
    threshold: int
    rounding_base: int | None

    def is_hidden(self, row: int | None, column: int | None) -> bool:
        """True if the figure at (row, column) was hidden (None indexes a total)."""
        return any(entry.row == row and entry.column == column for entry in self.suppressed)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, for storing the published figures beside their suppression log."""
        return asdict(self)


@dataclass(frozen=True)
class SeriesDisclosureResult:
    """A series ready to publish: hidden figures are None, and `suppressed` says what and why."""

    values: tuple[int | None, ...]
    total: int | None
    suppressed: tuple[SuppressedCell, ...]
    threshold: int
    rounding_base: int | None

    def is_hidden(self, index: int | None) -> bool:
        """True if value `index` (None for the total) was hidden."""
        return any(entry.row == index for entry in self.suppressed)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, for storing the published figures beside their suppression log."""
        return asdict(self)


def published_reason(threshold: int) -> str:
    """What a published log of hidden figures says of each one, whatever hid it.

    The same words for every figure. A log that told a count under the threshold from a figure
    hidden to protect it would give the count away: the hidden figures' sum can often be worked
    out from a total, and a protecting figure is 0 or at least the threshold, so a sum of 3
    would make the protector 0 and the count 3. `SuppressedCell.reason` keeps the difference
    for code and tests, never for readers.
    """
    return f"under {threshold}, or hidden so that one under {threshold} cannot be worked out"


def round_to_base(value: int, base: int) -> int:
    """`value` rounded to the nearest multiple of `base`, halves upwards (7 -> 5, 8 -> 10 for 5)."""
    return base * ((value + base // 2) // base)


# --- input checks -------------------------------------------------------------------------------


def _check_count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{where} must be a whole-number count, not {value!r}")
    if value < 0:
        raise ValueError(f"{where} is {value}: counts cannot be negative")
    return value


def resolve_threshold(threshold: int | None, audience: Audience) -> int:
    """`threshold`, checked, or the audience's default when None."""
    if threshold is None:
        return default_threshold(audience)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"threshold must be a whole number of at least 1, not {threshold!r}")
    return threshold


def check_rounding_base(rounding_base: int | None, where: str = "rounding_base") -> None:
    """Refuse a rounding base that is not a whole number of at least 1 (None: no rounding);
    `where` names the value in the message, e.g. the setting it came from."""
    if rounding_base is None:
        return
    if isinstance(rounding_base, bool) or not isinstance(rounding_base, int) or rounding_base < 1:
        raise ValueError(f"{where} must be a whole number of at least 1 (1: exact), not {rounding_base!r}")


def _is_primary(value: int, threshold: int, suppress_zeros: bool) -> bool:
    if value == 0:
        return suppress_zeros
    return value < threshold


def _publish(value: int, hidden: bool, rounding_base: int | None) -> int | None:
    if hidden:
        return None
    return value if rounding_base is None else round_to_base(value, rounding_base)


def _position(index: int | None) -> str:
    return "total" if index is None else str(index)


def _secondary_reason(row: int | None, column: int | None) -> str:
    return f"secondary: protects ({_position(row)}, {_position(column)})"


# --- a series -----------------------------------------------------------------------------------


def suppress_series(
    values: Sequence[int],
    *,
    threshold: int | None = None,
    audience: Audience = Audience.PUBLISHED,
    suppress_zeros: bool = False,
    protect_total: bool = False,
    rounding_base: int | None = None,
) -> SeriesDisclosureResult:
    """Hide small counts in a series published with its total, so none can be worked back.

    The total is the sum of `values`. If one hidden value could be recovered as total minus the
    rest, a second value is hidden: the smallest published one (the smallest non-zero one when
    every hidden value is zero, since hidden zeros that sum to a published zero give themselves
    away). With nothing left to hide, the total is hidden. `protect_total=True` treats the
    total like a cell (hidden when under the threshold). See the module docstring for the rest.
    """
    counts = [_check_count(value, f"value {index}") for index, value in enumerate(values)]
    limit = resolve_threshold(threshold, audience)
    check_rounding_base(rounding_base)
    total = sum(counts)

    reasons: dict[int | None, str] = {}
    primary_reason = f"primary: under {limit}"
    for index, value in enumerate(counts):
        if _is_primary(value, limit, suppress_zeros):
            reasons[index] = primary_reason
    if protect_total and counts and _is_primary(total, limit, suppress_zeros):
        reasons[None] = primary_reason

    hidden_cells = [index for index in reasons if index is not None]
    if None in reasons:
        # A hidden total is safe only while some value is hidden too; otherwise it is the sum
        # of what is published.
        if not hidden_cells and counts:
            smallest = min(range(len(counts)), key=lambda index: (counts[index], index))
            reasons[smallest] = _secondary_reason(None, 0)
    elif hidden_cells:
        hidden_sum = sum(counts[index] for index in hidden_cells)
        if len(hidden_cells) == 1 or hidden_sum == 0:
            candidates = [
                index
                for index in range(len(counts))
                if index not in reasons and (hidden_sum > 0 or counts[index] > 0)
            ]
            protected = hidden_cells[0]
            if candidates:
                chosen = min(candidates, key=lambda index: (counts[index], index))
                reasons[chosen] = _secondary_reason(protected, 0)
            else:
                reasons[None] = _secondary_reason(protected, 0)

    ordered = sorted(reasons, key=lambda index: (index is None, index or 0))
    return SeriesDisclosureResult(
        values=tuple(_publish(value, index in reasons, rounding_base) for index, value in enumerate(counts)),
        total=_publish(total, None in reasons, rounding_base),
        suppressed=tuple(SuppressedCell(row=index, column=0, reason=reasons[index]) for index in ordered),
        threshold=limit,
        rounding_base=rounding_base,
    )


# --- a table ------------------------------------------------------------------------------------


class _AugmentedTable:
    """The table with its margins: (rows + 1) x (columns + 1), last row and column the totals.

    Every line of it obeys one linear rule, sum(sign * value) == 0, where `sign` is -1 on the
    row and column totals and +1 on inner cells and the grand total. A move of +t, -t, +t, -t
    (times each corner's sign) round a rectangle keeps all of those rules, which is why a
    hidden rectangle that can make that move protects its four values.
    """

    def __init__(self, cells: list[list[int]]) -> None:
        self.rows = len(cells)
        self.columns = len(cells[0]) if cells else 0
        row_totals = [sum(row) for row in cells]
        column_totals = [sum(row[j] for row in cells) for j in range(self.columns)]
        self.values = [[*row, row_totals[i]] for i, row in enumerate(cells)]
        self.values.append([*column_totals, sum(row_totals)])

    def is_total(self, i: int, j: int) -> bool:
        return i == self.rows or j == self.columns

    def sign(self, i: int, j: int) -> int:
        return -1 if (i == self.rows) != (j == self.columns) else 1

    def can_move(self, corners: tuple[tuple[int, int], ...]) -> bool:
        """True if +1/-1 round these four corners (in cycle order) keeps every value >= 0."""
        directions = [(1 if k % 2 == 0 else -1) * self.sign(i, j) for k, (i, j) in enumerate(corners)]
        for step in (1, -1):
            if all(
                self.values[i][j] >= 1
                for (i, j), direction in zip(corners, directions, strict=True)
                if direction * step < 0
            ):
                return True
        return False

    def public_index(self, i: int, j: int) -> tuple[int | None, int | None]:
        return (None if i == self.rows else i, None if j == self.columns else j)


def _cheapest_rectangle(
    table: _AugmentedTable, primary: tuple[int, int], hidden: set[tuple[int, int]]
) -> tuple[tuple[int, int], ...]:
    """The four corners of the cheapest protecting rectangle through `primary` (see module doc)."""
    pi, pj = primary
    best: tuple[tuple[int, int, int, int, int], tuple[tuple[int, int], ...]] | None = None
    for i in range(table.rows + 1):
        if i == pi:
            continue
        for j in range(table.columns + 1):
            if j == pj:
                continue
            corners = ((pi, pj), (pi, j), (i, j), (i, pj))
            if not table.can_move(corners):
                continue
            new = [corner for corner in corners[1:] if corner not in hidden]
            cost = (
                sum(1 for corner in new if table.is_total(*corner)),
                sum(table.values[a][b] for a, b in new),
                len(new),
                i,
                j,
            )
            if best is None or cost < best[0]:
                best = (cost, corners)
    if best is None:  # pragma: no cover - the rectangle through both margins always moves
        raise AssertionError(f"no protecting rectangle for {primary}")
    return best[1]


def suppress_table(
    cells: Sequence[Sequence[int]],
    *,
    threshold: int | None = None,
    audience: Audience = Audience.PUBLISHED,
    suppress_zeros: bool = False,
    protect_totals: bool = False,
    rounding_base: int | None = None,
) -> DisclosureResult:
    """Hide small counts in a rows x columns table published with its row, column and grand totals.

    Totals are computed here from `cells` (so they cannot disagree) and published unless a
    total has to be hidden to protect a cell; `protect_totals=True` also hides totals that are
    themselves under the threshold. See the module docstring for the rules and the guarantee.
    """
    rows = [list(row) for row in cells]
    width = len(rows[0]) if rows else 0
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(
                f"row {i} has {len(row)} cells but row 0 has {width}: the table must be rectangular"
            )
        for j, value in enumerate(row):
            _check_count(value, f"cell ({i}, {j})")
    limit = resolve_threshold(threshold, audience)
    check_rounding_base(rounding_base)

    table = _AugmentedTable(rows)
    reasons: dict[tuple[int, int], str] = {}
    if table.rows and table.columns:
        primary_reason = f"primary: under {limit}"
        for i in range(table.rows + 1):
            for j in range(table.columns + 1):
                if table.is_total(i, j) and not protect_totals:
                    continue
                if _is_primary(table.values[i][j], limit, suppress_zeros):
                    reasons[(i, j)] = primary_reason
        # Hiding more never undoes an earlier rectangle's protection, so one pass is enough.
        for primary in list(reasons):
            hidden = set(reasons)
            for corner in _cheapest_rectangle(table, primary, hidden):
                reasons.setdefault(corner, _secondary_reason(*table.public_index(*primary)))

    def shown(i: int, j: int) -> int | None:
        return _publish(table.values[i][j], (i, j) in reasons, rounding_base)

    return DisclosureResult(
        cells=tuple(tuple(shown(i, j) for j in range(table.columns)) for i in range(table.rows)),
        row_totals=tuple(shown(i, table.columns) for i in range(table.rows)),
        column_totals=tuple(shown(table.rows, j) for j in range(table.columns)),
        grand_total=shown(table.rows, table.columns),
        suppressed=tuple(
            SuppressedCell(*table.public_index(i, j), reason=reasons[(i, j)]) for i, j in sorted(reasons)
        ),
        threshold=limit,
        rounding_base=rounding_base,
    )
