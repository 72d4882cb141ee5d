"""Charts drawn as SVG on the server: accessible, proportional, gaps for hidden figures, a table
that says the same, and nothing the CSP would block."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.template import engines

from waymark.core.charts import (
    COLOURS,
    Chart,
    bar_chart,
    contrast_ratio,
    funnel_chart,
    hidden_figures_note,
    nice_ticks,
    time_chart,
)
from waymark.core.csv_download import csv_text
from waymark.core.disclosure import HIDDEN_MARKER
from waymark.core.hexmap import HEX_COLOURS, HEX_OUTLINE

SVG = "{http://www.w3.org/2000/svg}"
AUTHORITIES = ["Birmingham", "Coventry", "Dudley", "Sandwell", "Solihull", "Walsall", "Wolverhampton"]


def render(chart: Chart, **kwargs: object) -> str:
    """The chart through the page macro, as a page would show it."""
    template = engines["jinja2"].from_string(
        '{% from "components/charts.html" import chart_figure %}'
        "{{ chart_figure(chart, csv_href=csv_href, layout=layout) }}"
    )
    return template.render(
        {"chart": chart, "csv_href": kwargs.get("csv_href"), "layout": kwargs.get("layout", "beside")}
    )


def svg_of(html: str) -> ET.Element:
    match = re.search(r"<svg.*?</svg>", html, re.DOTALL)
    assert match, html
    return ET.fromstring(match.group(0))  # noqa: S314 - markup we rendered ourselves


def table_of(html: str) -> list[list[str]]:
    """The table's rows as text, header first (hidden cells keep their visually hidden words)."""
    match = re.search(r"<table.*?</table>", html, re.DOTALL)
    assert match, html
    table = ET.fromstring(match.group(0))  # noqa: S314 - markup we rendered ourselves
    return [["".join(cell.itertext()).strip() for cell in row] for row in table.iter("tr")]


def bars(svg: ET.Element, kind: str = "bar") -> dict[int, ET.Element]:
    return {
        int(rect.get("data-index", "-1")): rect
        for rect in svg.iter(f"{SVG}rect")
        if rect.get("class") == f"waymark-chart__{kind}"
    }


def texts(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [text for text in svg.iter(f"{SVG}text") if text.get("class") == f"waymark-chart__{kind}"]


def authority_chart(values: list[int | None], **kwargs: object) -> Chart:
    return bar_chart(
        title="VAWG crimes by local authority",
        labels=AUTHORITIES,
        values=values,
        category_label="Local authority",
        value_label="VAWG crimes",
        **kwargs,  # type: ignore[arg-type]
    )


# --- accessibility --------------------------------------------------------------------------------


def test_the_svg_is_an_image_named_by_its_title_and_described_by_its_desc():
    chart = authority_chart([352, 121, 98, 131, None, None, 102], summary="Seven districts.")
    svg = svg_of(render(chart))
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert svg.get("aria-labelledby") == title.get("id") == f"{chart.id}-title"
    assert svg.get("aria-describedby") == desc.get("id") == f"{chart.id}-desc"
    assert title.text == "VAWG crimes by local authority"
    assert desc.text is not None
    assert desc.text.startswith(
        "Seven districts. Horizontal bar chart of VAWG crimes by local authority, 7 bars."
    )
    assert "Largest: Birmingham, 352." in desc.text
    assert "2 figures are hidden ([c])" in desc.text
    assert 'The table "VAWG crimes by local authority" gives every figure.' in desc.text


def test_the_page_markup_has_no_inline_style_or_script():
    """CSP is style-src 'self' with no 'unsafe-inline': colours must be presentation attributes."""
    charts = [
        authority_chart([352, 121, 98, 131, None, None, 102]),
        time_chart(
            title="Per month",
            labels=["A", "B", "C"],
            values=[3, None, 5],
            period_label="Month",
            value_label="Crimes",
            style="line",
        ),
        funnel_chart(title="Funnel", labels=["One", "Two"], values=[10, 6], value_label="Offences"),
    ]
    for chart in charts:
        html = render(chart, csv_href="/x.csv")
        assert " style=" not in html
        assert "<style" not in html
        assert "<script" not in html
        assert not re.search(r"\son[a-z]+=", html), "no event handler attributes"


def test_labels_are_escaped():
    chart = bar_chart(
        title="<b>Title</b>",
        labels=["<script>alert(1)</script>"],
        values=[5],
        category_label="Area",
        value_label="Crimes",
    )
    html = render(chart)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    svg_of(html)  # still well-formed


def test_meaningful_colours_meet_wcag_non_text_contrast_and_text_contrast():
    """WCAG 2.2 AA: graphics that carry meaning 3:1 against the background, text 4.5:1."""
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    for name in ("bar", "line", "axis", "secondary"):
        assert contrast_ratio(COLOURS[name]) >= 3, name
    for name in ("text", "secondary"):
        assert contrast_ratio(COLOURS[name]) >= 4.5, name
    assert contrast_ratio(HEX_OUTLINE) >= 3
    # The map's classes must be told apart from each other: each darker than the one before.
    ratios = [contrast_ratio(colour) for colour in HEX_COLOURS]
    assert ratios == sorted(ratios)


# --- bar chart ------------------------------------------------------------------------------------


def test_bar_lengths_are_proportional_to_the_values_and_hidden_ones_are_gaps():
    values: list[int | None] = [352, 121, 98, 131, None, 93, 102]
    chart = authority_chart(values)
    svg = svg_of(render(chart))
    drawn = bars(svg)
    assert sorted(drawn) == [0, 1, 2, 3, 5, 6], "no bar for the hidden figure"
    scale = {index: float(rect.get("width", "0")) / values[index] for index, rect in drawn.items()}  # type: ignore[operator]
    assert max(scale.values()) - min(scale.values()) < 1e-3
    assert len({rect.get("x") for rect in drawn.values()}) == 1, "every bar starts at the axis"
    hidden = texts(svg, "hidden")
    assert [text.text for text in hidden] == [HIDDEN_MARKER]
    # The marker sits on the hidden row: between the rows above and below it.
    y_of = {index: float(rect.get("y", "0")) for index, rect in drawn.items()}
    assert y_of[3] < float(hidden[0].get("y", "0")) < y_of[5] + 20
    assert [text.text for text in texts(svg, "value")] == ["352", "121", "98", "131", "93", "102"]


def test_the_axis_runs_to_a_round_number_past_the_largest_bar():
    chart = authority_chart([4210, 1460, 1190, 1570, 760, 1120, 1230])
    svg = svg_of(render(chart))
    assert [text.text for text in texts(svg, "tick")] == ["0", "1,000", "2,000", "3,000", "4,000", "5,000"]
    widths = {index: float(rect.get("width", "0")) for index, rect in bars(svg).items()}
    assert widths[0] / widths[4] == pytest.approx(4210 / 760, rel=1e-3)


def test_bar_chart_table_rows_equal_the_data_with_the_total_and_the_note():
    values: list[int | None] = [352, 121, 98, 131, None, None, 102]
    chart = authority_chart(values, total=807, show_total=True, threshold=5)
    html = render(chart, csv_href="/crime/examples/by-local-authority.csv")
    rows = table_of(html)
    assert rows[0] == ["Local authority", "VAWG crimes"]
    expected = [
        [label, "[c] (hidden)" if value is None else f"{value:,}"]
        for label, value in zip(AUTHORITIES, values, strict=True)
    ]
    assert rows[1:-1] == expected
    assert rows[-1] == ["Total", "807"]
    assert hidden_figures_note(5) in html
    assert "Counts from 1 to 4 are hidden" in html
    assert 'href="/crime/examples/by-local-authority.csv" download>Download this table as CSV' in html


def test_no_hidden_note_when_nothing_is_hidden():
    chart = authority_chart([352, 121, 98, 131, 60, 93, 102], threshold=5)
    assert not chart.has_hidden
    assert "hidden to protect confidentiality" not in render(chart)


def test_a_hidden_total_alone_still_shows_the_note():
    chart = authority_chart([352, 121, 98, 131, 60, 93, 102], total=None, show_total=True)
    assert chart.has_hidden
    assert table_of(render(chart))[-1] == ["Total", "[c] (hidden)"]


def test_the_chart_csv_has_the_same_rows_as_its_table():
    values: list[int | None] = [352, 121, 98, 131, None, None, 102]
    chart = authority_chart(values, total=807, show_total=True)
    text = csv_text(chart.csv_rows(), header=chart.csv_header())
    lines = text.splitlines()
    assert lines[0] == "Local authority,VAWG crimes"
    assert lines[1:] == [
        "Birmingham,352",
        "Coventry,121",
        "Dudley,98",
        "Sandwell,131",
        "Solihull,[c]",
        "Walsall,[c]",
        "Wolverhampton,102",
        "Total,807",
    ]


def test_long_labels_are_shortened_in_the_chart_but_not_in_the_table():
    label = "A community safety partnership with a very long name indeed, longer than the room"
    chart = bar_chart(title="Long", labels=[label], values=[7], category_label="Area", value_label="Crimes")
    html = render(chart)
    [drawn] = texts(svg_of(html), "label")
    assert drawn.text is not None
    assert drawn.text.endswith("…")
    assert len(drawn.text) < len(label)
    assert table_of(html)[1][0] == label


def test_bad_values_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="3 labels but 2 values"):
        bar_chart(title="T", labels=["a", "b", "c"], values=[1, 2], category_label="A", value_label="V")
    with pytest.raises(ValueError, match="the value for 'b' is -1; counts cannot be negative"):
        bar_chart(title="T", labels=["a", "b"], values=[1, -1], category_label="A", value_label="V")
    with pytest.raises(TypeError, match="whole-number count"):
        bar_chart(title="T", labels=["a", "b"], values=[1, True], category_label="A", value_label="V")
    with pytest.raises(TypeError, match="whole-number count"):
        time_chart(title="T", labels=["a"], values=[1.5], period_label="M", value_label="V")  # type: ignore[list-item]
    with pytest.raises(ValueError, match="style must be"):
        time_chart(title="T", labels=["a"], values=[1], period_label="M", value_label="V", style="pie")  # type: ignore[arg-type]


def test_nice_ticks():
    assert nice_ticks(4210) == (0, 1000, 2000, 3000, 4000, 5000)
    assert nice_ticks(352) == (0, 100, 200, 300, 400)
    assert nice_ticks(7) == (0, 2, 4, 6, 8)
    assert nice_ticks(1) == (0, 1)
    assert nice_ticks(0) == (0, 1)
    assert nice_ticks(100) == (0, 20, 40, 60, 80, 100)


def test_a_chart_with_every_figure_hidden_still_renders():
    chart = authority_chart([None] * 7)
    svg = svg_of(render(chart))
    assert not bars(svg)
    assert len(texts(svg, "hidden")) == 7


# --- over time ------------------------------------------------------------------------------------

MONTHS = ["April 2024", "May 2024", "June 2024", "July 2024", "August 2024", "September 2024"]


def test_columns_are_as_tall_as_their_values_and_stand_on_the_axis():
    values: list[int | None] = [612, 640, None, 655, 630, 587]
    chart = time_chart(
        title="Per month",
        labels=MONTHS,
        values=values,
        period_label="Month",
        value_label="VAWG crimes",
        style="column",
    )
    svg = svg_of(render(chart))
    columns = bars(svg)
    assert sorted(columns) == [0, 1, 3, 4, 5]
    heights = {index: float(rect.get("height", "0")) for index, rect in columns.items()}
    scale = [heights[index] / values[index] for index in heights]  # type: ignore[operator]
    assert max(scale) - min(scale) < 1e-3
    bottoms = {
        round(float(rect.get("y", "0")) + float(rect.get("height", "0")), 1) for rect in columns.values()
    }
    assert len(bottoms) == 1
    xs = [float(columns[index].get("x", "0")) for index in sorted(columns)]
    assert xs == sorted(xs), "oldest first, left to right"
    [hidden] = texts(svg, "hidden")
    assert float(columns[1].get("x", "0")) < float(hidden.get("x", "0")) < float(columns[3].get("x", "0"))
    assert table_of(render(chart))[1:] == [
        [month, "[c] (hidden)" if value is None else f"{value:,}"]
        for month, value in zip(MONTHS, values, strict=True)
    ]
    assert chart.kind == "column"


def test_a_hidden_figure_breaks_the_line():
    values: list[int | None] = [612, 640, None, 655, 630, 587]
    chart = time_chart(
        title="Per month",
        labels=MONTHS,
        values=values,
        period_label="Month",
        value_label="VAWG crimes",
        style="line",
    )
    svg = svg_of(render(chart))
    paths = list(svg.iter(f"{SVG}path"))
    assert len(paths) == 2, "one stretch before the gap, one after"
    points = {int(c.get("data-index", "-1")): c for c in svg.iter(f"{SVG}circle")}
    assert sorted(points) == [0, 1, 3, 4, 5]

    # Each stretch joins exactly the points on its side of the gap.
    def vertices(path: ET.Element) -> list[tuple[float, float]]:
        numbers = [float(n) for n in re.findall(r"-?[0-9.]+", path.get("d", ""))]
        return list(zip(numbers[::2], numbers[1::2], strict=True))

    def centre(index: int) -> tuple[float, float]:
        return (round(float(points[index].get("cx", "0")), 2), round(float(points[index].get("cy", "0")), 2))

    assert vertices(paths[0]) == [centre(0), centre(1)]
    assert vertices(paths[1]) == [centre(3), centre(4), centre(5)]
    # Higher values are higher up (smaller y), in proportion above the baseline.
    baseline = max(
        float(line.get("y1", "0"))
        for line in svg.iter(f"{SVG}line")
        if line.get("class") == "waymark-chart__axis"
    )
    rise = {index: baseline - centre(index)[1] for index in points}
    assert rise[3] / rise[5] == pytest.approx(655 / 587, rel=1e-3)
    assert not bars(svg)


def test_an_isolated_point_between_gaps_is_still_drawn():
    chart = time_chart(
        title="Gaps",
        labels=["a", "b", "c"],
        values=[None, 9, None],
        period_label="Month",
        value_label="Crimes",
        style="line",
    )
    svg = svg_of(render(chart))
    assert not list(svg.iter(f"{SVG}path"))
    assert len(list(svg.iter(f"{SVG}circle"))) == 1


def test_period_labels_are_thinned_to_fit_but_the_table_keeps_them_all():
    months = [f"Month {index:02d}" for index in range(60)]
    chart = time_chart(
        title="Five years", labels=months, values=list(range(60)), period_label="Month", value_label="Crimes"
    )
    html = render(chart)
    shown = [text.text for text in texts(svg_of(html), "tick") if text.text and text.text.startswith("Month")]
    assert months[0] in shown
    assert 3 <= len(shown) < 60
    assert len(table_of(html)) == 61


# --- funnel ---------------------------------------------------------------------------------------

STAGES = ["Recorded", "Suspect identified", "Referred to the CPS", "Charged", "Convicted"]


def test_funnel_bars_are_proportional_and_the_drops_are_drawn_and_tabled():
    values: list[int | None] = [640, 505, 96, 58, 30]
    chart = funnel_chart(title="Attrition", labels=STAGES, values=values, value_label="Offences")
    html = render(chart, layout="below")
    svg = svg_of(html)
    drawn = bars(svg)
    widths = {index: float(rect.get("width", "0")) for index, rect in drawn.items()}
    for index, value in enumerate(values):
        assert widths[index] / widths[0] == pytest.approx(value / 640, rel=1e-3)  # type: ignore[operator]
    lost = bars(svg, "lost")
    assert sorted(lost) == [1, 2, 3, 4]
    for index, rect in lost.items():
        # The dashed part is what was lost since the stage before, at the same scale, after the bar.
        assert float(rect.get("width", "0")) == pytest.approx(widths[index - 1] - widths[index], abs=0.02)
        assert float(rect.get("x", "0")) == pytest.approx(
            float(drawn[index].get("x", "0")) + widths[index], abs=0.02
        )
        assert rect.get("stroke-dasharray")
    notes = [text.text for text in texts(svg, "note")]
    assert notes[0] == "lost since the stage before: 135 (21%)"
    assert notes[1] == "lost since the stage before: 409 (81%)"
    rows = table_of(html)
    assert rows[0] == ["Stage", "Offences", "Did not reach the next stage", "Share of the stage before"]
    assert rows[1] == ["Recorded", "640", "135", "–"]
    assert rows[2] == ["Suspect identified", "505", "409", "78.9%"]
    assert rows[5] == ["Convicted", "30", "–", "51.7%"]


def test_a_hidden_funnel_stage_is_a_gap_and_hides_its_drops():
    values: list[int | None] = [640, 505, 96, 58, None]
    chart = funnel_chart(title="Attrition", labels=STAGES, values=values, value_label="Offences", threshold=5)
    html = render(chart, layout="below")
    svg = svg_of(html)
    assert sorted(bars(svg)) == [0, 1, 2, 3]
    assert sorted(bars(svg, "lost")) == [1, 2, 3]
    assert [text.text for text in texts(svg, "hidden")] == [HIDDEN_MARKER]
    assert texts(svg, "note")[-1].text == "lost since the stage before: [c]"
    rows = table_of(html)
    assert rows[4] == ["Charged", "58", "[c] (hidden)", "60.4%"]
    assert rows[5] == ["Convicted", "[c] (hidden)", "–", "[c] (hidden)"]
    assert chart.has_hidden
    assert "Counts from 1 to 4 are hidden" in html


def test_a_funnel_shows_the_losses_its_source_reports():
    chart = funnel_chart(
        title="Attrition",
        labels=["Recorded", "Charged", "Convicted"],
        values=[100, 40, 20],
        value_label="Offences",
        lost_after=[55, None, 20],
    )
    rows = table_of(render(chart, layout="below"))
    assert [row[2] for row in rows[1:]] == ["55", "[c] (hidden)", "20"]
    csv_lines = csv_text(chart.csv_rows(), header=chart.csv_header()).splitlines()
    assert csv_lines[1:] == ["Recorded,100,55,–", "Charged,40,[c],40.0%", "Convicted,20,20,50.0%"]

    # A last stage the source gives no loss for (it has no next stage) is not marked hidden.
    chart = funnel_chart(
        title="Attrition",
        labels=["Recorded", "Charged"],
        values=[100, 40],
        value_label="Offences",
        lost_after=[60, None],
    )
    assert [row[2] for row in table_of(render(chart, layout="below"))[1:]] == ["60", "–"]
    assert not chart.has_hidden


def test_chart_ids_are_made_from_titles_and_are_valid_html_ids():
    chart = authority_chart([1, 2, 3, 4, 5, 6, 7])
    assert chart.id == "vawg-crimes-by-local-authority"
    assert (
        bar_chart(title="2024/25 crimes", labels=["a"], values=[1], category_label="A", value_label="V").id
        == "chart-202425-crimes"
    )


def test_descriptions_name_no_largest_when_every_figure_is_zero_and_word_one_month_alone() -> None:
    """A filter can leave every bar at 0: "Largest: Birmingham, 0" would point at nothing. A
    single month's chart is "September 2026", not "September 2026 to September 2026"."""
    zeros = bar_chart(
        title="By area",
        labels=["Birmingham", "Coventry"],
        values=[0, 0],
        category_label="Area",
        value_label="crimes",
    )
    assert "Largest" not in zeros.description
    assert "Every figure shown is 0." in zeros.description
    some = bar_chart(
        title="By area",
        labels=["Birmingham", "Coventry"],
        values=[0, 7],
        category_label="Area",
        value_label="crimes",
    )
    assert "Largest: Coventry, 7." in some.description
    assert "Every figure shown is 0." not in some.description
    month = time_chart(
        title="By month", labels=["September 2026"], values=[0], period_label="Month", value_label="crimes"
    )
    assert "per month, September 2026." in month.description
    assert "Highest" not in month.description
    assert "Lowest" not in month.description
    months = time_chart(
        title="By month",
        labels=["May 2026", "June 2026"],
        values=[3, 0],
        period_label="Month",
        value_label="crimes",
    )
    assert "May 2026 to June 2026. Highest: May 2026, 3. Lowest: June 2026, 0." in months.description
