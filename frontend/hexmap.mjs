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
import { geoJSON, map as leafletMap, tileLayer } from "../leaflet/leaflet-src.esm.js";

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
    say(element, "No area has enough to show on the map.");
    element.dataset.hexmapReady = "0";
    return;
  }
  const tiles = element.dataset.tiles || "";
  const map = leafletMap(element, { zoomSnap: 0.25, scrollWheelZoom: false });
  if (tiles) {
    tileLayer(tiles, { attribution: attribution(element), maxZoom: 18 }).addTo(map);
  }
  const valueLabel = collection.valueLabel || "";
  const layer = geoJSON(collection, {
    style: (feature) => ({
      color: collection.outline || "#484949",
      weight: 1,
      fillColor: feature.properties.colour,
      fillOpacity: tiles ? 0.75 : 1,
    }),
    onEachFeature: (feature, path) => {
      const { label, count } = feature.properties;
      path.bindTooltip(`${escapeText(label)}: ${numbers.format(count)} ${escapeText(valueLabel)}`);
    },
  }).addTo(map);
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
