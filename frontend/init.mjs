// Mark the page as able to run GOV.UK Frontend's JavaScript, then start its components.
// This replaces the inline snippet in GOV.UK's page template, so the CSP needs no hash.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
  initAll();
}

// A table too wide for the screen scrolls inside its box (.waymark-table-scroll). Such a box
// is made reachable by keyboard, to scroll it, and named after its table's caption (or its
// chart's title: a chart scrolls the same way, components/charts.html); a box that
// fits is left alone, so tables that fit add no stops to the tab order. Each box and its table
// are watched, so a box is marked again when the window narrows or the table grows (a
// <details> in a cell opening, say), not only when the page loads. A chart's box says "Chart:"
// because its table's box, which may scroll too, has the chart's title as its caption: two
// regions with one name could not be told apart (axe's landmark-unique).
function markScrollingTable(box) {
  if (box.scrollWidth > box.clientWidth) {
    const named = box.querySelector("caption, svg > title");
    const caption = named?.textContent.replace(/\s+/g, " ").trim();
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    const chart = named instanceof SVGElement ? "Chart: " : "";
    box.setAttribute("aria-label", `${chart}${caption || "Table"} (scrolls sideways)`);
  } else {
    box.removeAttribute("tabindex");
    box.removeAttribute("role");
    box.removeAttribute("aria-label");
  }
}

const tableSizes = new ResizeObserver((entries) => {
  const boxes = new Set(entries.map((entry) => entry.target.closest(".waymark-table-scroll")));
  boxes.forEach(markScrollingTable);
});
for (const box of document.querySelectorAll(".waymark-table-scroll")) {
  markScrollingTable(box); // now, not a frame later: the page is checked as soon as it loads
  tableSizes.observe(box);
  if (box.firstElementChild) tableSizes.observe(box.firstElementChild);
}
