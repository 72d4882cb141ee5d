// Build Waymark's static assets into waymark/static, which WhiteNoise serves (no CDN).
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(root, "waymark", "static");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "css"), { recursive: true });
mkdirSync(join(out, "js", "govuk"), { recursive: true });

const css = sass.compile(join(root, "frontend", "waymark.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "css", "waymark.css"), css.css);

// Images only: the GDS Transport font is not ours to use.
cpSync(join(govuk, "assets", "images"), join(out, "govuk", "assets", "images"), { recursive: true });
cpSync(join(govuk, "assets", "manifest.json"), join(out, "govuk", "assets", "manifest.json"));
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "js", "govuk", "govuk-frontend.min.js"));
cpSync(join(root, "frontend", "init.mjs"), join(out, "js", "init.mjs"));
cpSync(join(root, "frontend", "hexmap.mjs"), join(out, "js", "hexmap.mjs"));
cpSync(join(root, "frontend", "job-progress.mjs"), join(out, "js", "job-progress.mjs"));

// Leaflet for the hexagon maps, self-hosted: its ES module, its stylesheet and the images the
// stylesheet names (the manifest storage checks every url() in it), and its licence.
const leaflet = join(root, "node_modules", "leaflet", "dist");
mkdirSync(join(out, "leaflet"), { recursive: true });
cpSync(join(leaflet, "leaflet-src.esm.js"), join(out, "leaflet", "leaflet-src.esm.js"));
// The module names its source map, so the manifest storage needs the map beside it.
cpSync(join(leaflet, "leaflet-src.esm.js.map"), join(out, "leaflet", "leaflet-src.esm.js.map"));
cpSync(join(leaflet, "leaflet.css"), join(out, "leaflet", "leaflet.css"));
cpSync(join(leaflet, "images"), join(out, "leaflet", "images"), { recursive: true });
cpSync(join(root, "node_modules", "leaflet", "LICENSE"), join(out, "leaflet", "LICENSE"));

console.log(`Built ${out} (${Math.round(css.css.length / 1024)} KB of CSS)`);
