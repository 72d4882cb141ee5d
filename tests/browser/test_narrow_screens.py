"""A narrow screen (320 CSS pixels, WCAG 1.4.10): a wide table scrolls inside its own box, which
the keyboard can reach and a screen reader can name, while the page itself still fits.

Every page a browser test checks with `axe.check` is also checked at this width (conftest)."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from waymark.core.testing.world import build_world
from waymark.crime.tests.metric_fixtures import make_crime

from .conftest import NEXT_FRAME_JS, REFLOW_WIDTH
from .signing_in import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def open_narrow(page, live_server, path):
    """`path` on a 320-pixel screen, signed in as an OPCC analyst."""
    analyst = build_world().member("opcc_analyst")
    sign_in(page, live_server.url, analyst.email)
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 800})
    page.goto(f"{live_server.url}{path}")


def test_a_wide_table_scrolls_in_a_box_the_keyboard_can_reach(page, live_server, axe):
    open_narrow(page, live_server, "/victims-code/code/")

    box = page.locator(".waymark-table-scroll").first
    caption = box.locator("caption").text_content()
    assert caption
    # Named after its table, reachable by keyboard, and the page does not scroll sideways.
    expect(box).to_have_attribute("role", "region")
    expect(box).to_have_attribute("aria-label", f"{caption.strip()} (scrolls sideways)")
    expect(box).to_have_attribute("tabindex", "0")
    assert page.evaluate("document.documentElement.scrollWidth") <= REFLOW_WIDTH
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    # A shadow at the edge with more beyond it shows the eye there is more: shadows fixed to the
    # box, covered by white that moves with the content when its end is in view.
    style = box.evaluate("el => getComputedStyle(el)")
    assert style["backgroundAttachment"] == "local, local, scroll, scroll"
    assert style["backgroundImage"].count("radial-gradient") == 2

    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=box.element_handle())
    axe.check(page)

    # On a wide screen the same table fits: its box is no stop in the tab order.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate(NEXT_FRAME_JS)
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth")
    expect(box).not_to_have_attribute("tabindex", "0")
    expect(box).not_to_have_attribute("role", "region")

    # The table growing later (a cell's content widening) makes its box reachable again.
    box.locator("td").first.evaluate("cell => { cell.style.minWidth = '3000px'; }")
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_attribute("role", "region")


def test_a_chart_keeps_readable_text_and_scrolls_in_a_named_box(page, live_server, axe):
    """At 320 pixels a chart scaled to fit would draw its 12 to 14 unit text at about 6 pixels:
    it keeps at least 540 pixels of width (text of 10 pixels and more) and scrolls in its box,
    which the keyboard can reach and which is named after the chart (as a chart: its table's box,
    which may scroll too, is named after the same title)."""
    open_narrow(page, live_server, "/crime/examples/")

    box = page.locator(".waymark-chart__frame").first
    title = box.locator("svg > title").text_content()
    assert title
    assert box.locator("svg").evaluate("svg => svg.getBoundingClientRect().width") >= 540
    expect(box).to_have_attribute("role", "region")
    expect(box).to_have_attribute("aria-label", f"Chart: {title.strip()} (scrolls sideways)")
    expect(box).to_have_attribute("tabindex", "0")
    assert page.evaluate("document.documentElement.scrollWidth") <= REFLOW_WIDTH

    # A table wider than the screen keeps its caption in view: it wraps to the box, not to the
    # table ("VAWG crimes by victim sex a…" with the rest out of sight).
    table_box = page.locator("#attrition .waymark-table-scroll:has(caption)")
    assert table_box.evaluate("el => el.scrollWidth > el.clientWidth")
    caption = table_box.locator("caption").bounding_box()
    scrolling = table_box.bounding_box()
    assert caption is not None
    assert scrolling is not None
    assert caption["x"] + caption["width"] <= scrolling["x"] + scrolling["width"] + 0.5
    axe.check(page)


def test_the_adult_rape_metrics_are_cards_on_a_narrow_screen(page, live_server, axe):
    """At 320 pixels each adult rape metric is a card: its value, what was counted and the offences
    not yet assigned an outcome sit under their columns' names, in view with no sideways scrolling
    (in a box that scrolled, all but the first two columns were out of view). The elements keep
    their table roles for assistive technology; on a wide screen it is a plain table again."""
    for n in range(3):
        make_crime(f"R{n}", recorded=date(2024, 4, 10 + n))
    open_narrow(page, live_server, "/crime/rasso/")

    table = page.locator("#table-metrics")
    box = page.locator(".waymark-table-scroll").filter(has=table)
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth")
    expect(box).not_to_have_attribute("role", "region")
    first = table.locator("tbody tr").first
    expect(first.locator(".waymark-table--cards__label")).to_have_text(
        ["Value", "Counted", "Not yet assigned an outcome"]
    )
    for part in first.locator("th, td").all():
        where = part.bounding_box()
        assert where
        assert where["x"] + where["width"] <= REFLOW_WIDTH
    # The cards stack: the not-yet-assigned figure is below the value, not beside it.
    value, _, not_yet_assigned = (cell.bounding_box() for cell in first.locator("td").all())
    assert value
    assert not_yet_assigned
    assert not_yet_assigned["y"] > value["y"] + value["height"] - 1
    expect(table).to_have_attribute("role", "table")
    # Named by its caption through an id, which holds when the caption is no longer a caption.
    expect(page.get_by_role("table", name=re.compile(r"^Adult rape metrics, "))).to_have_count(1)
    expect(table.locator("[role=columnheader]")).to_have_count(4)
    rows = table.locator("tbody > [role=row]")
    assert rows.count() >= 13
    expect(table.locator("tbody [role=rowheader]")).to_have_count(rows.count())
    expect(table.locator("tbody [role=cell]")).to_have_count(3 * rows.count())
    axe.check(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate(NEXT_FRAME_JS)
    expect(first.locator(".waymark-table--cards__label").first).to_be_hidden()
    value, _, not_yet_assigned = (cell.bounding_box() for cell in first.locator("td").all())
    assert value
    assert not_yet_assigned
    assert abs(not_yet_assigned["y"] - value["y"]) < 1
