"""Browser tests: real Chromium (Debian's package) driven by Playwright, checked with axe."""

import os
import shutil
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to
# set up data are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# axe's best-practice rules for landmarks and headings, run as well as the WCAG tags: a rule
# named in "rules" with "enabled" runs whatever its tags (axe's ruleShouldRun checks it first).
# axe reports a failed "bypass" as needing review, never as a violation (its reviewOnFail); a
# page it would fail (no landmark, heading or skip link) fails landmark-one-main in any case.
LANDMARK_AND_HEADING_RULES = [
    "region",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "page-has-heading-one",
    "heading-order",
    "bypass",
]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_TAGS},
    "rules": {rule: {"enabled": True} for rule in LANDMARK_AND_HEADING_RULES},
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test; skip them all, saying why, without Chromium."""
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None:
                item.add_marker(
                    pytest.mark.skip(reason="Debian's chromium is not installed (scripts/ensure-chromium.sh)")
                )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium (Playwright cannot download its own here)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


# WCAG 1.4.10 (Reflow): content fits 320 CSS pixels without scrolling in two directions; a
# data table may scroll sideways, inside its own box (.waymark-table-scroll), not the page.
REFLOW_WIDTH = 320
# The innermost elements that stick out past the right edge, but for those inside a table's box.
STICKING_OUT_JS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const out = [...document.querySelectorAll("body *")].filter(
    (el) => el.getBoundingClientRect().right > width + 1 && !el.closest(".waymark-table-scroll")
  );
  return out
    .filter((el) => !out.some((other) => other !== el && el.contains(other)))
    .slice(0, 8)
    .map((el) => `<${el.tagName.toLowerCase()} id="${el.id}" class="${el.className}">` +
      ` ${(el.textContent || "").trim().slice(0, 60)}`);
}"""
NEXT_FRAME_JS = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


class AxeChecker:
    """Runs axe on the current page with the WCAG 2.2 AA tags and the landmark and heading rules
    above, and fails on any violation; then narrows the window to 320 CSS pixels and fails if the
    page no longer fits (a table scrolling in its own box is fine) or if axe finds anything there,
    such as a box that scrolls but cannot be reached by keyboard."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.pages_checked: list[str] = []

    def check(self, page: Any) -> None:
        self._axe(page, "")
        self.pages_checked.append(page.url)
        wide = page.viewport_size
        page.set_viewport_size({"width": REFLOW_WIDTH, "height": wide["height"]})
        try:
            page.evaluate(NEXT_FRAME_JS)
            sticking_out = page.evaluate(STICKING_OUT_JS)
            assert not sticking_out, (
                f"{page.url} does not fit {REFLOW_WIDTH} CSS pixels (WCAG 1.4.10):\n"
                + "\n".join(sticking_out)
            )
            self._axe(page, f" at {REFLOW_WIDTH} CSS pixels")
        finally:
            page.set_viewport_size(wide)
            page.evaluate(NEXT_FRAME_JS)

    def _axe(self, page: Any, where: str) -> None:
        results = self.axe.run(page, options=AXE_OPTIONS)
        assert results.violations_count == 0, (
            f"axe found violations on {page.url}{where}:\n{results.generate_report()}"
        )


@pytest.fixture
def axe() -> AxeChecker:
    return AxeChecker()


@pytest.fixture
def console_errors(page: Any) -> list[str]:
    """Console errors the pages log (a CSP violation shows up here)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors
