// Hexagon maps: draws each <div data-hexmap data-src="URL" data-tiles="TEMPLATE"> with Leaflet.
//
// The GeoJSON at data-src (waymark/core/hexmap.py) is a FeatureCollection of hexagons, each with
// its count, label and colour; its `legend`, `valueLabel` and `outline` members describe the
// scale. Tiles are drawn only when data-tiles holds a URL template: with none, the hexagons draw
// on a plain background and nothing is fetched from anywhere else. The table beside each map
// gives the same figures to everyone, so the map is an enhancement; its failure says so.
//
// No inline style or script: Leaflet's stylesheet is a file, and it positions elements through
// element.style (CSSOM), which the CSP's style-src does not govern.
import { geoJSON, map as leafletMap, tileLayer, tooltip } from "../leaflet/leaflet-src.esm.js";

const numbers = new Intl.NumberFormat("en-GB");

function escapeText(text) {
  const span = document.createElement("span");
  span.textContent = String(text ?? "");
  return span.innerHTML;
}

function attribution(element) {
  const text = escapeText(element.dataset.attribution);
  const href = element.dataset.attributionUrl;
  if (!text) return "";
  if (!href || !/^https:\/\//.test(href)) return text;
  return `<a href="${escapeText(href)}">${text}</a>`;
}

// The legend goes under the map, not over it, so that it never hides a hexagon.
function legend(collection) {
  const container = document.createElement("div");
  container.className = "waymark-hexmap__legend";
  const title = document.createElement("p");
  title.className = "waymark-hexmap__legend-title";
  title.textContent = collection.valueLabel ? `Number of ${collection.valueLabel}` : "Number";
  // Rounded counts are all multiples of the base, so the classes step by it ("10 to 20, 30 to 50").
  if (collection.roundingBase > 1) {
    title.textContent += `, rounded to the nearest ${numbers.format(collection.roundingBase)}`;
  }
  const list = document.createElement("ul");
  list.className = "waymark-hexmap__legend-list";
  for (const band of collection.legend || []) {
    const item = document.createElement("li");
    item.className = "waymark-hexmap__legend-item";
    const swatch = document.createElement("span");
    swatch.className = "waymark-hexmap__swatch";
    swatch.style.backgroundColor = band.colour;
    swatch.style.borderColor = collection.outline;
    item.append(swatch, band.label);
    list.append(item);
  }
  container.append(title, list);
  return container;
}

// No hexagon to draw (the page had some when it was made, but the data has changed since): say
// why in an inset in place of the map, rather than leave an empty box.
function sayEmpty(element, collection) {
  const inset = document.createElement("div");
  inset.className = "govuk-inset-text";
  for (const text of [collection.emptyNote || "There is no area to show on the map.", collection.note]) {
    if (!text) continue;
    const paragraph = document.createElement("p");
    paragraph.className = "govuk-body";
    paragraph.textContent = text;
    inset.append(paragraph);
  }
  element.removeAttribute("role");
  element.removeAttribute("aria-label");
  element.removeAttribute("class");
  element.replaceChildren(inset);
}

function say(element, message) {
  element.classList.add("waymark-hexmap__map--message");
  const paragraph = document.createElement("p");
  paragraph.className = "govuk-body";
  paragraph.textContent = message;
  element.replaceChildren(paragraph);
}

async function draw(element) {
  const response = await fetch(element.dataset.src, {
    credentials: "same-origin",
    headers: { Accept: "application/geo+json" },
  });
  if (!response.ok) throw new Error(`the map data answered ${response.status}`);
  const collection = await response.json();
  if (!collection.features || collection.features.length === 0) {
    sayEmpty(element, collection);
    element.dataset.hexmapReady = "0";
    return;
  }
  const tiles = element.dataset.tiles || "";
  const map = leafletMap(element, { zoomSnap: 0.25, scrollWheelZoom: false });
  if (tiles) {
    tileLayer(tiles, { attribution: attribution(element), maxZoom: 18 }).addTo(map);
  }
  const valueLabel = collection.valueLabel || "";
  // The hexagons are a picture of the table beside the map, which gives every area and count
  // (the map's region label names it): keyboard and screen-reader users read the table. So the
  // hexagons are no tab stops (a map of many cells would be a long tab trap of unnamed stops)
  // and are hidden from assistive technology; the map itself stays one tab stop, to pan and
  // zoom. Hovering still shows a hexagon's label and count, through one shared tooltip opened
  // on mouseover: Leaflet's bindTooltip would also listen for focus on each path, and Chromium
  // makes an SVG element with a focus listener a tab stop.
  const hover = tooltip();
  const layer = geoJSON(collection, {
    style: (feature) => ({
      color: collection.outline || "#484949",
      weight: 1,
      fillColor: feature.properties.colour,
      fillOpacity: tiles ? 0.75 : 1,
    }),
    onEachFeature: (feature, path) => {
      const { label, count } = feature.properties;
      const text = `${escapeText(label)}: ${numbers.format(count)} ${escapeText(valueLabel)}`;
      path.on("mouseover", () => {
        hover.setContent(text).setLatLng(path.getCenter());
        map.openTooltip(hover);
      });
      path.on("mouseout", () => map.closeTooltip(hover));
    },
  }).addTo(map);
  // Content shown on hover can be dismissed without moving the pointer (WCAG 1.4.13).
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") map.closeTooltip(hover);
  });
  map.getPane("overlayPane").setAttribute("aria-hidden", "true");
  map.fitBounds(layer.getBounds(), { padding: [12, 12] });
  element.after(legend(collection));
  element.dataset.hexmapReady = String(collection.features.length);
}

for (const element of document.querySelectorAll("[data-hexmap]")) {
  draw(element).catch((error) => {
    say(element, "The map could not be drawn. The table gives the same figures.");
    element.dataset.hexmapReady = "error";
    console.error("Hexagon map:", error);
  });
}
