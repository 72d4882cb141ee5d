// Mark the page as able to run GOV.UK Frontend's JavaScript, then start its components.
// This replaces the inline snippet in GOV.UK's page template, so the CSP needs no hash.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
  initAll();
}

// A table too wide for the screen scrolls inside its box (.waymark-table-scroll). Such a box
// is made reachable by keyboard, to scroll it, and named after its table's caption; a box that
// fits is left alone, so tables that fit add no stops to the tab order.
function markScrollingTables() {
  for (const box of document.querySelectorAll(".waymark-table-scroll")) {
    if (box.scrollWidth > box.clientWidth) {
      const caption = box.querySelector("caption")?.textContent.replace(/\s+/g, " ").trim();
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", `${caption || "Table"} (scrolls sideways)`);
    } else {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }
}

markScrollingTables();
let resizing = 0;
window.addEventListener("resize", () => {
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(markScrollingTables);
});
