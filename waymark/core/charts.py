"""Charts for dashboards: SVG drawn on the server, with the table of the same figures beside it.

Three kinds, each a function returning a `Chart` that `templates/components/charts.html` renders
(no JavaScript, no inline style, so the CSP needs nothing extra):

* `bar_chart`: horizontal bars, one per category (VAWG crimes by local authority);
* `time_chart`: counts over time as columns or a line (VAWG crimes per month);
* `funnel_chart`: stages with the count that reached each and what was lost between them (the
  RASSO attrition funnel).

A chart is a list of shapes (rectangles, lines, paths, circles, text) in SVG user units, worked
out here so that it can be tested, plus its table (`Chart.table`), which is the accessible
equivalent: the SVG is `role="img"` with a title and a short description that points to the
table, and the table holds every figure. Hidden figures (None, from `waymark.core.disclosure`)
are drawn as a gap marked `[c]` and shown in the table as `[c]` with a note saying why.

Colours come from the GOV.UK Frontend palette; every colour that carries meaning has a contrast
of at least 3:1 against the white background (WCAG 2.2 AA non-text contrast), and text at least
4.5:1. See docs/charts-and-maps.md and docs/decisions/0004-charts-drawn-as-svg-in-python.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from django.utils.text import slugify

from .disclosure import HIDDEN_MARKER

__all__ = [
    "COLOURS",
    "Chart",
    "ChartTable",
    "TableCell",
    "TableRow",
    "bar_chart",
    "contrast_ratio",
    "funnel_chart",
    "hidden_figures_note",
    "nice_ticks",
    "time_chart",
]

# GOV.UK Frontend 6 palette (settings/_colours-palette--internal.scss). Against white: blue
# 5.2:1, black 19.6:1, dark grey (black tint-25) 9.0:1; the grid's mid grey is decoration only.
COLOURS: dict[str, str] = {
    "background": "#ffffff",
    "bar": "#1d70b8",  # blue
    "line": "#1d70b8",  # blue
    "text": "#0b0c0c",  # black
    "axis": "#0b0c0c",  # black
    "secondary": "#484949",  # black tint-25: hidden markers, lost part of a funnel bar
    "grid": "#cecece",  # black tint-80: gridlines, which repeat what the value labels say
}

# SVG user units; the SVG scales to its container, keeping these proportions.
WIDTH = 620
FONT_SIZE = 14
SMALL_FONT_SIZE = 12
# Arial's average character is about 0.55 em; used only to leave room for labels.
_CHARACTER_WIDTH = 0.55 * FONT_SIZE


# --- shapes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    """A bar, a column or the lost part of a funnel stage. `index` is the row it draws."""

    kind: Literal["bar", "lost"]
    x: float
    y: float
    width: float
    height: float
    fill: str
    index: int
    stroke: str = "none"
    dashed: bool = False


@dataclass(frozen=True)
class Line:
    """An axis or a gridline."""

    kind: Literal["axis", "grid"]
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str


@dataclass(frozen=True)
class Path:
    """One unbroken stretch of a line chart (a hidden figure breaks the line)."""

    d: str
    stroke: str


@dataclass(frozen=True)
class Circle:
    """A point of a line chart."""

    cx: float
    cy: float
    r: float
    fill: str
    index: int


@dataclass(frozen=True)
class Text:
    """A label, a value, a tick or a hidden-figure marker."""

    kind: Literal["label", "value", "tick", "hidden", "note"]
    x: float
    y: float
    text: str
    fill: str
    anchor: Literal["start", "middle", "end"] = "start"
    size: int = FONT_SIZE


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableCell:
    """One figure of the table as shown (`[c]` when hidden), and the value it stands for."""

    text: str
    value: int | float | None
    hidden: bool = False


@dataclass(frozen=True)
class TableRow:
    """A row of the table: its label and its figures; `is_total` rows are shown in bold."""

    label: str
    cells: tuple[TableCell, ...]
    is_total: bool = False


@dataclass(frozen=True)
class ChartTable:
    """The chart's figures as a GOV.UK table: the first header names the rows."""

    header: tuple[str, ...]
    rows: tuple[TableRow, ...]

    def csv_rows(self) -> Iterator[list[object]]:
        """The table's rows as CSV cells: raw numbers, None for hidden figures, text otherwise."""
        for row in self.rows:
            yield [row.label, *(None if cell.hidden else _csv_value(cell) for cell in row.cells)]


def _csv_value(cell: TableCell) -> object:
    # Counts are written as numbers; shares and dashes as their text ("40.0%", an en dash).
    return cell.value if isinstance(cell.value, int) else cell.text


# --- the chart ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A chart ready to render: its shapes, its text alternative and its table.

    `id` is unique on the page: the SVG's title and description and the table take their ids
    from it. `hidden_note` explains `[c]` and is shown under the table when a figure is hidden.
    """

    kind: Literal["bar", "column", "line", "funnel"]
    id: str
    title: str
    description: str
    width: float
    height: float
    table: ChartTable
    hidden_note: str
    has_hidden: bool
    rects: tuple[Rect, ...] = ()
    lines: tuple[Line, ...] = ()
    paths: tuple[Path, ...] = ()
    circles: tuple[Circle, ...] = ()
    texts: tuple[Text, ...] = ()

    def csv_header(self) -> tuple[str, ...]:
        """The header row of the chart's CSV download (the table's header)."""
        return self.table.header

    def csv_rows(self) -> Iterator[list[object]]:
        """The rows of the chart's CSV download (see `ChartTable.csv_rows`)."""
        return self.table.csv_rows()


# --- helpers ------------------------------------------------------------------------------------


def nice_ticks(maximum: float, *, target: int = 5) -> tuple[int, ...]:
    """Axis ticks from 0 to at least `maximum`, about `target` of them, on 1, 2 or 5 x 10^n.

    `nice_ticks(4210)` is (0, 1000, 2000, 3000, 4000, 5000). With nothing to show (maximum 0) the
    axis runs from 0 to 1.
    """
    if maximum <= 0:
        return (0, 1)
    raw_step = maximum / target
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(multiple * magnitude for multiple in (1, 2, 5, 10) if multiple * magnitude >= raw_step)
    step = max(1, int(step))
    top = step * math.ceil(maximum / step)
    return tuple(range(0, top + step, step))


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str = "#ffffff") -> float:
    """The WCAG 2.2 contrast ratio of two `#rrggbb` colours (1 to 21)."""
    lighter, darker = sorted((_relative_luminance(foreground), _relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def hidden_figures_note(threshold: int | None = None) -> str:
    """What `[c]` means, with the threshold when it is known."""
    if threshold is not None and threshold > 1:
        return (
            f"{HIDDEN_MARKER}: hidden to protect confidentiality. Counts from 1 to {threshold - 1} "
            "are hidden, and so is one more figure wherever a hidden one could be worked out from "
            "a total."
        )
    return (
        f"{HIDDEN_MARKER}: hidden to protect confidentiality (a small number, or a figure from which "
        "a small number could be worked out)."
    )


def _figure(value: int | None) -> TableCell:
    if value is None:
        return TableCell(text=HIDDEN_MARKER, value=None, hidden=True)
    return TableCell(text=f"{value:,}", value=value)


def _check_values(labels: Sequence[str], values: Sequence[int | None], what: str) -> None:
    if len(labels) != len(values):
        raise ValueError(f"{what}: {len(labels)} labels but {len(values)} values; they must pair up")
    for label, value in zip(labels, values, strict=True):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{what}: the value for {label!r} must be a whole-number count, not {value!r}")
        if value < 0:
            raise ValueError(f"{what}: the value for {label!r} is {value}; counts cannot be negative")


def _chart_id(chart_id: str | None, title: str) -> str:
    slug = slugify(chart_id or title)
    if not slug:
        raise ValueError("a chart needs an id (or a title to make one from)")
    return f"chart-{slug}" if not slug[0].isalpha() else slug


def _fit(text: str, width: float, size: int = FONT_SIZE) -> str:
    """The text, shortened with an ellipsis to fit `width` (the table always has it in full)."""
    room = max(1, int(width / (0.55 * size)))
    return text if len(text) <= room else text[: max(1, room - 1)].rstrip() + "…"


def _largest(labels: Sequence[str], values: Sequence[int | None]) -> tuple[str, int] | None:
    """The largest figure shown and its label; None when none is shown or all are 0 (a label
    named "largest" at 0 would mislead)."""
    shown = [(value, -index) for index, value in enumerate(values) if value is not None]
    if not shown or max(shown)[0] == 0:
        return None
    value, negative_index = max(shown)
    return labels[-negative_index], value


def _all_zero_sentence(values: Sequence[int | None]) -> str:
    """ "Every figure shown is 0." when that is so (and some are shown)."""
    shown = [value for value in values if value is not None]
    return "Every figure shown is 0." if shown and not any(shown) else ""


def _smallest(labels: Sequence[str], values: Sequence[int | None]) -> tuple[str, int] | None:
    shown = [(value, index) for index, value in enumerate(values) if value is not None]
    if not shown:
        return None
    value, index = min(shown)
    return labels[index], value


def _hidden_sentence(values: Sequence[int | None]) -> str:
    hidden = sum(1 for value in values if value is None)
    if not hidden:
        return ""
    figures = "figure is" if hidden == 1 else "figures are"
    return f" {hidden} {figures} hidden ({HIDDEN_MARKER}) and drawn as a gap."


def _total_row(total_label: str, total: int | None, columns: int) -> TableRow:
    blanks = tuple(TableCell(text="", value=None) for _ in range(columns - 1))
    return TableRow(label=total_label, cells=(_figure(total), *blanks), is_total=True)


# --- horizontal bar chart -----------------------------------------------------------------------


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[int | None],
    category_label: str,
    value_label: str,
    chart_id: str | None = None,
    summary: str = "",
    total: int | None = None,
    total_label: str = "Total",
    show_total: bool = False,
    threshold: int | None = None,
) -> Chart:
    """Horizontal bars, one per category, in the order given (sort before calling if wanted).

    `values` are counts after disclosure control: None is a hidden figure, drawn as a gap
    marked `[c]`. `category_label` heads the table's first column ("Local authority") and
    `value_label` its figures ("VAWG crimes"). `summary` starts the SVG's description (what the
    chart shows in a sentence); the rest of it is written from the figures. `show_total` adds
    `total` (None = hidden) as the table's last row. `threshold` makes the `[c]` note exact.
    """
    _check_values(labels, values, title)
    identifier = _chart_id(chart_id, title)
    ticks = nice_ticks(max((value for value in values if value is not None), default=0))
    top = ticks[-1]

    longest = max((len(label) for label in labels), default=0)
    label_width = min(220.0, max(60.0, longest * _CHARACTER_WIDTH + 12))
    value_room = 64.0  # the value printed after the longest bar: "12,345"
    row_height, bar_height, top_margin, axis_height = 30.0, 20.0, 8.0, 28.0
    x0 = label_width
    plot_width = WIDTH - label_width - value_room
    plot_bottom = top_margin + row_height * len(labels)
    height = plot_bottom + axis_height

    lines: list[Line] = []
    texts: list[Text] = []
    rects: list[Rect] = []
    for tick in ticks:
        x = x0 + plot_width * tick / top
        if tick:
            lines.append(Line("grid", x, top_margin, x, plot_bottom, COLOURS["grid"]))
        texts.append(
            Text("tick", x, plot_bottom + 18, f"{tick:,}", COLOURS["text"], "middle", SMALL_FONT_SIZE)
        )
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top_margin + row_height * index + (row_height - bar_height) / 2
        middle = y + bar_height / 2
        texts.append(Text("label", x0 - 8, middle, _fit(label, label_width - 12), COLOURS["text"], "end"))
        if value is None:
            texts.append(Text("hidden", x0 + 6, middle, HIDDEN_MARKER, COLOURS["secondary"]))
            continue
        width = plot_width * value / top
        rects.append(Rect("bar", x0, y, width, bar_height, COLOURS["bar"], index))
        texts.append(Text("value", x0 + width + 6, middle, f"{value:,}", COLOURS["text"]))
    lines.append(Line("axis", x0, top_margin, x0, plot_bottom, COLOURS["axis"]))
    lines.append(Line("axis", x0, plot_bottom, x0 + plot_width, plot_bottom, COLOURS["axis"]))

    rows = [
        TableRow(label=label, cells=(_figure(value),)) for label, value in zip(labels, values, strict=True)
    ]
    if show_total:
        rows.append(_total_row(total_label, total, 1))
    largest = _largest(labels, values)
    description = " ".join(
        part
        for part in (
            summary.strip(),
            f"Horizontal bar chart of {value_label} by {category_label.lower()}, {len(labels)} bars.",
            f"Largest: {largest[0]}, {largest[1]:,}." if largest else _all_zero_sentence(values),
        )
        if part
    )
    description += _hidden_sentence(values) + f' The table "{title}" gives every figure.'
    return Chart(
        kind="bar",
        id=identifier,
        title=title,
        description=description,
        width=WIDTH,
        height=height,
        table=ChartTable(header=(category_label, value_label), rows=tuple(rows)),
        hidden_note=hidden_figures_note(threshold),
        has_hidden=any(value is None for value in values) or (show_total and total is None),
        rects=tuple(rects),
        lines=tuple(lines),
        texts=tuple(texts),
    )


# --- columns or a line over time ----------------------------------------------------------------


def time_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[int | None],
    period_label: str,
    value_label: str,
    style: Literal["column", "line"] = "column",
    chart_id: str | None = None,
    summary: str = "",
    total: int | None = None,
    total_label: str = "Total",
    show_total: bool = False,
    threshold: int | None = None,
) -> Chart:
    """Counts per period (oldest first) as columns or as a line with a point per period.

    `labels` name the periods as the table shows them ("April 2024" or "2024/25 Q1"); the axis
    shows as many as fit, evenly spaced. A hidden figure (None) leaves a gap: no column, or a
    break in the line, marked `[c]`. The other arguments are as for `bar_chart`.
    """
    if style not in ("column", "line"):
        raise ValueError(f"style must be 'column' or 'line', not {style!r}")
    _check_values(labels, values, title)
    identifier = _chart_id(chart_id, title)
    ticks = nice_ticks(max((value for value in values if value is not None), default=0))
    top = ticks[-1]

    left = 12 + len(f"{top:,}") * 0.55 * SMALL_FONT_SIZE
    right, top_margin, bottom = 12.0, 12.0, 36.0
    height = 300.0
    plot_width = WIDTH - left - right
    plot_height = height - top_margin - bottom
    baseline = top_margin + plot_height
    count = max(1, len(labels))
    band = plot_width / count

    def x_of(index: int) -> float:
        return left + band * (index + 0.5)

    def y_of(value: int) -> float:
        return baseline - plot_height * value / top

    lines: list[Line] = []
    texts: list[Text] = []
    rects: list[Rect] = []
    paths: list[Path] = []
    circles: list[Circle] = []
    for tick in ticks:
        y = y_of(tick)
        if tick:
            lines.append(Line("grid", left, y, left + plot_width, y, COLOURS["grid"]))
        texts.append(Text("tick", left - 6, y, f"{tick:,}", COLOURS["text"], "end", SMALL_FONT_SIZE))
    # Label as many periods as fit without overlapping, always including the first.
    longest = max((len(label) for label in labels), default=1)
    fits = max(1, int(plot_width // (longest * 0.55 * SMALL_FONT_SIZE + 8)))
    every = max(1, math.ceil(len(labels) / fits))
    for index, label in enumerate(labels):
        if index % every == 0:
            texts.append(
                Text("tick", x_of(index), baseline + 20, label, COLOURS["text"], "middle", SMALL_FONT_SIZE)
            )
    column_width = max(1.0, band * 0.7)
    stretch: list[tuple[float, float]] = []
    stretches: list[list[tuple[float, float]]] = []
    for index, value in enumerate(values):
        if value is None:
            texts.append(
                Text("hidden", x_of(index), baseline - 8, HIDDEN_MARKER, COLOURS["secondary"], "middle", 11)
            )
            if stretch:
                stretches.append(stretch)
            stretch = []
            continue
        if style == "column":
            y = y_of(value)
            rects.append(
                Rect(
                    "bar",
                    x_of(index) - column_width / 2,
                    y,
                    column_width,
                    baseline - y,
                    COLOURS["bar"],
                    index,
                )
            )
        else:
            stretch.append((x_of(index), y_of(value)))
            circles.append(Circle(x_of(index), y_of(value), 4.0, COLOURS["line"], index))
    if stretch:
        stretches.append(stretch)
    for points in stretches:
        if len(points) > 1:
            d = "M" + " L".join(f"{x:.2f} {y:.2f}" for x, y in points)
            paths.append(Path(d, COLOURS["line"]))
    lines.append(Line("axis", left, top_margin, left, baseline, COLOURS["axis"]))
    lines.append(Line("axis", left, baseline, left + plot_width, baseline, COLOURS["axis"]))

    rows = [
        TableRow(label=label, cells=(_figure(value),)) for label, value in zip(labels, values, strict=True)
    ]
    if show_total:
        rows.append(_total_row(total_label, total, 1))
    largest, smallest = _largest(labels, values), _smallest(labels, values)
    kind_words = "Column chart" if style == "column" else "Line chart"
    span = "" if not labels else f", {labels[0]}" if len(labels) == 1 else f", {labels[0]} to {labels[-1]}"
    description = " ".join(
        part
        for part in (
            summary.strip(),
            f"{kind_words} of {value_label} per {period_label.lower()}{span}.",
            f"Highest: {largest[0]}, {largest[1]:,}." if largest else _all_zero_sentence(values),
            f"Lowest: {smallest[0]}, {smallest[1]:,}." if smallest and largest and len(labels) > 1 else "",
        )
        if part
    )
    description += _hidden_sentence(values) + f' The table "{title}" gives every figure.'
    return Chart(
        kind=style,
        id=identifier,
        title=title,
        description=description,
        width=WIDTH,
        height=height,
        table=ChartTable(header=(period_label, value_label), rows=tuple(rows)),
        hidden_note=hidden_figures_note(threshold),
        has_hidden=any(value is None for value in values) or (show_total and total is None),
        rects=tuple(rects),
        lines=tuple(lines),
        paths=tuple(paths),
        circles=tuple(circles),
        texts=tuple(texts),
    )


# --- funnel -------------------------------------------------------------------------------------


def _share(numerator: int | None, denominator: int | None) -> TableCell:
    if numerator is None or denominator is None:
        return TableCell(text=HIDDEN_MARKER, value=None, hidden=True)
    if denominator == 0:
        return TableCell(text="–", value=None)
    share = numerator / denominator
    return TableCell(text=f"{share * 100:.1f}%", value=share)


def funnel_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[int | None],
    value_label: str,
    stage_label: str = "Stage",
    lost_after: Sequence[int | None] | None = None,
    chart_id: str | None = None,
    summary: str = "",
    threshold: int | None = None,
) -> Chart:
    """Stages in order, each with the count that reached it and what was lost since the one before.

    Each stage is a bar as long as its count (the first stage's bar sets the scale) with its
    label and count above it; the part lost since the stage before is drawn as a dashed outline
    after the bar, and its size and share are written beside the label. A hidden count (None)
    is a gap marked `[c]`. `lost_after[i]`, if given, is what stopped at stage i (as a funnel's
    source reports it, hidden figures None) and is shown instead of the difference of counts;
    otherwise the loss between two stages is the difference of their counts.

    The table has a row per stage: the count, what did not reach the next stage, and the share
    of the stage before that reached this one.
    """
    _check_values(labels, values, title)
    if lost_after is not None:
        _check_values(labels, lost_after, f"{title} (lost after each stage)")
    identifier = _chart_id(chart_id, title)
    scale = max((value for value in values if value is not None), default=0) or 1

    def lost_between(index: int) -> int | None:
        """Lost from stage index - 1 to stage index."""
        if lost_after is not None:
            return lost_after[index - 1]
        before, after = values[index - 1], values[index]
        return None if before is None or after is None else before - after

    left, right = 4.0, 4.0
    plot_width = WIDTH - left - right
    label_height, bar_height, gap = 22.0, 24.0, 14.0
    block = label_height + bar_height + gap
    height = block * len(labels) - gap + 4

    rects: list[Rect] = []
    texts: list[Text] = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        top = block * index
        shown = HIDDEN_MARKER if value is None else f"{value:,}"
        loss_text = ""
        if index:
            lost = lost_between(index)
            before = values[index - 1]
            if lost is None:
                loss_text = f"lost since the stage before: {HIDDEN_MARKER}"
            elif lost >= 0:
                share = f" ({lost / before * 100:.0f}%)" if before else ""
                loss_text = f"lost since the stage before: {lost:,}{share}"
            else:
                loss_text = f"more than the stage before: {-lost:,}"
            texts.append(
                Text(
                    "note",
                    WIDTH - right,
                    top + label_height / 2,
                    loss_text,
                    COLOURS["secondary"],
                    "end",
                    SMALL_FONT_SIZE,
                )
            )
        # The stage's name gives way to the loss note; the table has both in full.
        room = plot_width - len(loss_text) * 0.55 * SMALL_FONT_SIZE - 16
        name = _fit(label, room - (len(shown) + 2) * _CHARACTER_WIDTH)
        texts.append(Text("label", left, top + label_height / 2, f"{name}: {shown}", COLOURS["text"]))
        bar_top = top + label_height
        if value is None:
            texts.append(
                Text("hidden", left + 6, bar_top + bar_height / 2, HIDDEN_MARKER, COLOURS["secondary"])
            )
            continue
        width = plot_width * value / scale
        rects.append(Rect("bar", left, bar_top, width, bar_height, COLOURS["bar"], index))
        before = values[index - 1] if index else None
        if before is not None and before > value:
            lost_width = plot_width * (before - value) / scale
            rects.append(
                Rect(
                    "lost",
                    left + width,
                    bar_top + 1,
                    lost_width,
                    bar_height - 2,
                    "none",
                    index,
                    stroke=COLOURS["secondary"],
                    dashed=True,
                )
            )

    rows: list[TableRow] = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        final = index + 1 == len(values)
        if lost_after is not None and not (final and lost_after[index] is None):
            lost_next = _figure(lost_after[index])
        elif not final:
            lost_next = _figure(lost_between(index + 1))
        else:
            # No next stage, and the source gives no figure for it: nothing is hidden here.
            lost_next = TableCell(text="–", value=None)
        reached = _share(value, values[index - 1]) if index else TableCell(text="–", value=None)
        rows.append(TableRow(label=label, cells=(_figure(value), lost_next, reached)))

    first = next(
        ((label, value) for label, value in zip(labels, values, strict=True) if value is not None), None
    )
    last = next(
        (
            (label, value)
            for label, value in reversed(list(zip(labels, values, strict=True)))
            if value is not None
        ),
        None,
    )
    description = " ".join(
        part
        for part in (
            summary.strip(),
            f"Funnel of {value_label} through {len(labels)} stages.",
            f"{first[0]}: {first[1]:,}; {last[0]}: {last[1]:,}." if first and last and first != last else "",
        )
        if part
    )
    description += _hidden_sentence(values) + f' The table "{title}" gives every figure.'
    return Chart(
        kind="funnel",
        id=identifier,
        title=title,
        description=description,
        width=WIDTH,
        height=height,
        table=ChartTable(
            header=(stage_label, value_label, "Did not reach the next stage", "Share of the stage before"),
            rows=tuple(rows),
        ),
        hidden_note=hidden_figures_note(threshold),
        has_hidden=any(cell.hidden for row in rows for cell in row.cells),
        rects=tuple(rects),
        texts=tuple(texts),
    )
