// Mark the page as able to run GOV.UK Frontend's JavaScript, then start its components.
// This replaces the inline snippet in GOV.UK's page template, so the CSP needs no hash.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
  initAll();
}
