"""Disclosure control: primary and secondary suppression, rounding, and the log.

The property tests play the attacker: given only the published figures, and knowing counts are
whole and non-negative, can any hidden figure be worked out exactly?
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from waymark.core.disclosure import (
    Audience,
    DisclosureResult,
    SeriesDisclosureResult,
    SuppressedCell,
    default_threshold,
    round_to_base,
    suppress_series,
    suppress_table,
)

# --- the attacker ---------------------------------------------------------------------------------


def _augmented(cells: list[list[int]]) -> list[list[int]]:
    """The table with a last column of row totals and a last row of column totals."""
    width = len(cells[0])
    rows = [[*row, sum(row)] for row in cells]
    rows.append([sum(row[j] for row in rows) for j in range(width + 1)])
    return rows


def _published_augmented(result: DisclosureResult) -> list[list[int | None]]:
    rows = [[*row, total] for row, total in zip(result.cells, result.row_totals, strict=True)]
    rows.append([*result.column_totals, result.grand_total])
    return rows


def _hidden_figures_with_one_possible_value(cells: list[list[int]], result: DisclosureResult) -> set:
    """Brute force: every table of non-negative whole counts that matches the published figures.

    Returns the hidden figures (augmented coordinates) that take the same value in every such
    table, i.e. that an attacker could work out exactly. Hidden inner cells are searched from
    0 up to the true grand total + 1, which covers every value a published total allows and, where
    no total bounds a cell, shows it is free. Stops as soon as every hidden figure has two values.
    """
    true = _augmented(cells)
    shown = _published_augmented(result)
    rows, columns = len(cells), len(cells[0])
    hidden = {(i, j) for i in range(rows + 1) for j in range(columns + 1) if shown[i][j] is None}
    unknowns = [(i, j) for (i, j) in sorted(hidden) if i < rows and j < columns]
    bound = true[rows][columns] + 1
    last_in_row = {i: k for k, (i, _) in enumerate(unknowns)}
    last_in_column = {j: k for k, (_, j) in enumerate(unknowns)}
    row_known = [sum(true[i][j] for j in range(columns) if (i, j) not in hidden) for i in range(rows)]
    column_known = [sum(true[i][j] for i in range(rows) if (i, j) not in hidden) for j in range(columns)]
    seen: dict[tuple[int, int], set[int]] = {figure: set() for figure in hidden}
    values: dict[tuple[int, int], int] = {}

    def done() -> bool:
        return all(len(found) >= 2 for found in seen.values())

    def record() -> None:
        table = [[values.get((i, j), true[i][j]) for j in range(columns)] for i in range(rows)]
        full = _augmented(table)
        if shown[rows][columns] is not None and full[rows][columns] != shown[rows][columns]:
            return
        for i in range(rows):
            if shown[i][columns] is not None and full[i][columns] != true[i][columns]:
                return
        for j in range(columns):
            if shown[rows][j] is not None and full[rows][j] != true[rows][j]:
                return
        for figure in hidden:
            seen[figure].add(full[figure[0]][figure[1]])

    def search(k: int, row_sums: list[int], column_sums: list[int]) -> bool:
        if k == len(unknowns):
            record()
            return done()
        i, j = unknowns[k]
        low, high, forced = 0, bound, None
        if shown[i][columns] is not None:
            room = true[i][columns] - row_known[i] - row_sums[i]
            high = min(high, room)
            if last_in_row[i] == k:
                forced = room
        if shown[rows][j] is not None:
            room = true[rows][j] - column_known[j] - column_sums[j]
            high = min(high, room)
            if last_in_column[j] == k:
                if forced is not None and forced != room:
                    return False
                forced = room
        if forced is not None:
            candidates = [forced] if 0 <= forced <= bound else []
        else:
            # Nearest the true value first, so a second consistent table turns up quickly.
            candidates = sorted(range(low, high + 1), key=lambda v: (abs(v - true[i][j]), v))
        for value in candidates:
            values[(i, j)] = value
            row_sums[i] += value
            column_sums[j] += value
            stop = search(k + 1, row_sums, column_sums)
            row_sums[i] -= value
            column_sums[j] -= value
            if stop:
                return True
        values.pop((i, j), None)
        return False

    search(0, [0] * rows, [0] * columns)
    return {figure for figure, found in seen.items() if len(found) < 2}


def _series_values_with_one_possible_value(values: list[int], result: SeriesDisclosureResult) -> set:
    """Brute force for a series, as a one-column table whose row totals repeat its cells."""
    if not values:
        return set()
    as_table = DisclosureResult(
        cells=tuple((value,) for value in result.values),
        row_totals=result.values,
        column_totals=(result.total,),
        grand_total=result.total,
        suppressed=(),
        threshold=result.threshold,
        rounding_base=None,
    )
    determined = _hidden_figures_with_one_possible_value([[value] for value in values], as_table)
    # Report positions in the series: (i, 0) is value i, (len, 0) the total.
    return {None if i == len(values) else i for (i, j) in determined if j == 0}


# --- settings and basics --------------------------------------------------------------------------


def test_default_thresholds_come_from_settings(settings):
    settings.DISCLOSURE_THRESHOLD_PUBLISHED = 10
    settings.DISCLOSURE_THRESHOLD_OPERATIONAL = 5
    assert default_threshold() == 10
    assert default_threshold(Audience.OPERATIONAL) == 5
    assert suppress_series([7, 20, 30]).values == (None, None, 30)
    assert suppress_series([7, 20, 30], audience=Audience.OPERATIONAL).values == (7, 20, 30)


def test_counts_under_the_threshold_are_hidden_and_logged():
    result = suppress_series([3, 0, 12, 15, 40], threshold=5)
    # The smallest published value partners the 3: here the zero, so nothing useful is lost
    # and 3 could be anything from 0 to 3.
    assert result.values == (None, None, 12, 15, 40)
    assert result.total == 70
    assert result.suppressed == (
        SuppressedCell(row=0, column=0, reason="primary: under 5"),
        SuppressedCell(row=1, column=0, reason="secondary: protects (0, 0)"),
    )
    assert result.threshold == 5


def test_the_threshold_itself_is_published():
    assert suppress_series([5, 5], threshold=5).values == (5, 5)


def test_zeros_are_published_unless_asked():
    assert suppress_series([0, 20, 30], threshold=5).values == (0, 20, 30)
    hidden = suppress_series([0, 20, 30], threshold=5, suppress_zeros=True)
    # The hidden zero alone would be total minus the rest, so the smallest other value goes too.
    assert hidden.values == (None, None, 30)
    assert hidden.suppressed[0].reason == "primary: under 5"


def test_a_series_with_one_hidden_value_gets_a_second_suppression():
    result = suppress_series([2, 50, 30, 40], threshold=5)
    assert result.values == (None, 50, None, 40)
    assert result.total == 122
    assert not _series_values_with_one_possible_value([2, 50, 30, 40], result)


def test_hidden_zeros_alone_are_not_enough():
    # Two hidden zeros under a published total would both be known to be zero.
    values = [0, 0, 7, 20]
    result = suppress_series(values, threshold=5, suppress_zeros=True)
    assert result.values == (None, None, None, 20)
    assert not _series_values_with_one_possible_value(values, result)


def test_a_single_value_series_hides_its_total():
    result = suppress_series([3], threshold=5)
    assert result.values == (None,)
    assert result.total is None
    assert result.suppressed[-1] == SuppressedCell(row=None, column=0, reason="secondary: protects (0, 0)")


def test_protect_total_hides_a_small_total():
    result = suppress_series([0, 3, 0], threshold=5, protect_total=True)
    assert result.total is None
    assert result.values == (0, None, 0)


def test_empty_inputs():
    assert suppress_series([], threshold=5).total == 0
    empty = suppress_table([], threshold=5)
    assert empty.cells == ()
    assert empty.grand_total == 0


@pytest.mark.parametrize(
    ("values", "error"),
    [([1, -1], ValueError), ([1, 2.5], TypeError), ([True], TypeError), (["3"], TypeError)],
)
def test_bad_counts_are_refused(values, error):
    with pytest.raises(error):
        suppress_series(values, threshold=5)
    with pytest.raises(error):
        suppress_table([values], threshold=5)


def test_ragged_tables_and_bad_options_are_refused():
    with pytest.raises(ValueError, match="rectangular"):
        suppress_table([[1, 2], [3]], threshold=5)
    with pytest.raises(ValueError, match="threshold"):
        suppress_table([[1]], threshold=0)
    with pytest.raises(ValueError, match="rounding_base"):
        suppress_table([[1]], threshold=5, rounding_base=0)


# --- tables -------------------------------------------------------------------------------------


def test_a_table_with_no_small_counts_is_published_whole():
    result = suppress_table([[10, 20], [30, 40]], threshold=5)
    assert result.cells == ((10, 20), (30, 40))
    assert result.row_totals == (30, 70)
    assert result.column_totals == (40, 60)
    assert result.grand_total == 100
    assert result.suppressed == ()


def test_one_small_cell_hides_the_cheapest_rectangle_of_inner_cells():
    cells = [[3, 20, 25], [12, 40, 30], [8, 50, 60]]
    result = suppress_table(cells, threshold=5)
    # Partners for the 3: of the four rectangles of inner cells through it, the one adding
    # 25 + 30 + 12 = 67 hides least (against 72, 78 and 93).
    assert result.cells == ((None, 20, None), (None, 40, None), (8, 50, 60))
    assert result.row_totals == (48, 82, 118)
    assert result.column_totals == (23, 110, 115)
    assert result.grand_total == 248
    reasons = {(entry.row, entry.column): entry.reason for entry in result.suppressed}
    assert reasons == {
        (0, 0): "primary: under 5",
        (0, 2): "secondary: protects (0, 0)",
        (1, 0): "secondary: protects (0, 0)",
        (1, 2): "secondary: protects (0, 0)",
    }
    assert not _hidden_figures_with_one_possible_value(cells, result)


def test_a_row_with_a_single_cell_hides_its_total_too():
    cells = [[3], [20], [30]]
    result = suppress_table(cells, threshold=5)
    assert result.cells == ((None,), (None,), (30,))
    assert result.row_totals == (None, None, 30)
    assert result.column_totals == (53,)
    assert result.is_hidden(0, None)
    assert SuppressedCell(row=0, column=None, reason="secondary: protects (0, 0)") in result.suppressed
    assert not _hidden_figures_with_one_possible_value(cells, result)


def test_a_single_row_hides_the_column_totals_that_repeat_it():
    cells = [[3, 20]]
    result = suppress_table(cells, threshold=5)
    assert result.cells == ((None, None),)
    assert result.column_totals == (None, None)
    assert result.row_totals == (23,)
    assert not _hidden_figures_with_one_possible_value(cells, result)


def test_zero_partners_that_would_give_a_cell_away_are_not_used():
    """Hiding 3 with the three zeros beside it meets "two per row and column" but leaks:
    row 1 then sums to 0, so its cells are 0, so the 3 is the column total."""
    cells = [[3, 0], [0, 0]]
    result = suppress_table(cells, threshold=5)
    assert not _hidden_figures_with_one_possible_value(cells, result)
    assert result.cells[0][0] is None


def test_two_primaries_share_partners():
    cells = [[2, 3, 40], [30, 50, 60]]
    result = suppress_table(cells, threshold=5)
    assert result.cells == ((None, None, 40), (None, None, 60))
    assert not _hidden_figures_with_one_possible_value(cells, result)


def test_protect_totals_hides_small_totals():
    cells = [[1, 2, 0], [30, 40, 50]]
    result = suppress_table(cells, threshold=5, protect_totals=True)
    assert result.row_totals[0] is None
    assert not _hidden_figures_with_one_possible_value(cells, result)


def test_rounding_applies_to_published_figures_only():
    cells = [[3, 22, 27], [12, 41, 33], [8, 52, 66]]
    result = suppress_table(cells, threshold=5, rounding_base=5)
    assert result.cells == ((None, 20, None), (None, 40, None), (10, 50, 65))
    assert result.row_totals == (50, 85, 125)
    assert result.grand_total == round_to_base(264, 5) == 265
    assert result.cells[0][0] is None
    assert result.rounding_base == 5


@pytest.mark.parametrize(
    ("value", "base", "expected"), [(7, 5, 5), (8, 5, 10), (5, 10, 10), (4, 10, 0), (0, 5, 0), (12, 1, 12)]
)
def test_round_to_base(value, base, expected):
    assert round_to_base(value, base) == expected


def test_the_result_can_be_stored_as_json():
    import json

    result = suppress_table([[3, 20], [12, 40]], threshold=5)
    stored = json.loads(json.dumps(result.as_dict()))
    assert stored["suppressed"][0] == {"row": 0, "column": 0, "reason": "primary: under 5"}


# --- properties -----------------------------------------------------------------------------------


def tables(max_side: int, max_value: int) -> st.SearchStrategy[list[list[int]]]:
    return st.integers(1, max_side).flatmap(
        lambda width: st.lists(
            st.lists(st.integers(0, max_value), min_size=width, max_size=width), min_size=1, max_size=max_side
        )
    )


def _check_published_figures(cells: list[list[int]], result: DisclosureResult, threshold: int, zeros: bool):
    true = _augmented(cells)
    shown = _published_augmented(result)
    rows, columns = len(cells), len(cells[0])
    for i in range(rows + 1):
        for j in range(columns + 1):
            if shown[i][j] is not None:
                assert shown[i][j] == true[i][j], "published figures are the true figures"
    for i in range(rows):
        for j in range(columns):
            value = cells[i][j]
            if 0 < value < threshold or (zeros and value == 0):
                assert shown[i][j] is None, f"primary cell ({i}, {j}) = {value} was published"
    logged = {(e.row, e.column) for e in result.suppressed}
    hidden = {
        (None if i == rows else i, None if j == columns else j)
        for i in range(rows + 1)
        for j in range(columns + 1)
        if shown[i][j] is None
    }
    assert logged == hidden, "the log names exactly the hidden figures"


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cells=tables(max_side=6, max_value=30),
    threshold=st.integers(1, 12),
    zeros=st.booleans(),
    protect_totals=st.booleans(),
)
def test_every_line_with_a_hidden_figure_hides_at_least_two(cells, threshold, zeros, protect_totals):
    """For every row and column (totals included) holding a hidden figure, at least two are hidden:
    for an inner row that means two hidden cells, or one and the row total."""
    result = suppress_table(cells, threshold=threshold, suppress_zeros=zeros, protect_totals=protect_totals)
    _check_published_figures(cells, result, threshold, zeros)
    shown = _published_augmented(result)
    for line in shown:
        hidden = sum(1 for value in line if value is None)
        assert hidden == 0 or hidden >= 2
    for column in zip(*shown, strict=True):
        hidden = sum(1 for value in column if value is None)
        assert hidden == 0 or hidden >= 2
    for i, row in enumerate(result.cells):
        hidden_cells = sum(1 for value in row if value is None)
        if hidden_cells:
            assert hidden_cells >= 2 or result.row_totals[i] is None
    for j in range(len(cells[0])):
        hidden_cells = sum(1 for row in result.cells if row[j] is None)
        if hidden_cells:
            assert hidden_cells >= 2 or result.column_totals[j] is None


@hypothesis_settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cells=tables(max_side=3, max_value=9),
    threshold=st.integers(2, 6),
    zeros=st.booleans(),
    protect_totals=st.booleans(),
)
def test_no_hidden_figure_can_be_worked_out_from_a_small_table(cells, threshold, zeros, protect_totals):
    result = suppress_table(cells, threshold=threshold, suppress_zeros=zeros, protect_totals=protect_totals)
    assert not _hidden_figures_with_one_possible_value(cells, result)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.integers(0, 12), min_size=0, max_size=5),
    threshold=st.integers(1, 8),
    zeros=st.booleans(),
    protect_total=st.booleans(),
)
def test_no_hidden_figure_can_be_worked_out_from_a_series(values, threshold, zeros, protect_total):
    result = suppress_series(values, threshold=threshold, suppress_zeros=zeros, protect_total=protect_total)
    for index, value in enumerate(values):
        if 0 < value < threshold or (zeros and value == 0):
            assert result.values[index] is None
        elif result.values[index] is not None:
            assert result.values[index] == value
    assert not _series_values_with_one_possible_value(values, result)


def test_the_attacker_catches_a_leak():
    """The brute force is not vacuous: a naive "two per line" pattern that leaks is caught."""
    cells = [[3, 0], [0, 0]]
    naive = DisclosureResult(
        cells=((None, None), (None, None)),
        row_totals=(3, 0),
        column_totals=(3, 0),
        grand_total=3,
        suppressed=(),
        threshold=5,
        rounding_base=None,
    )
    assert (0, 0) in _hidden_figures_with_one_possible_value(cells, naive)
