// A background job's page while the job is going: fetch the page again every few seconds and
// put its new state (#job-live) in place of the old, until the job has finished. A new status or
// stage is said once in the polite live region (#job-announce), not every percent. Links and
// focus outside #job-live are left alone, so nothing moves under a reader's feet.
const EVERY_MS = 3000;

function announce(text) {
  const region = document.getElementById("job-announce");
  if (region) region.textContent = text;
}

async function update() {
  const live = document.getElementById("job-live");
  if (!live || live.dataset.jobLive !== "on") return;
  let fresh;
  try {
    const response = await fetch(window.location.pathname, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    fresh = page.getElementById("job-live");
  } catch {
    fresh = null; // a dropped connection: try again next time
  }
  if (fresh) {
    const said = [];
    if (fresh.dataset.status !== live.dataset.status) said.push(fresh.dataset.status);
    if (fresh.dataset.stage && fresh.dataset.stage !== live.dataset.stage) said.push(fresh.dataset.stage);
    live.replaceWith(fresh);
    if (said.length) announce(said.join(". "));
    if (fresh.dataset.jobLive !== "on") {
      document.getElementById("job-refresh-controls")?.remove();
      return;
    }
  }
  window.setTimeout(update, EVERY_MS);
}

window.setTimeout(update, EVERY_MS);
