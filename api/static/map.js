// Isochrone map page: the network drawn as the background (offline, no tiles), a click
// asks POST /isochrones and draws the polygons; a second network (a scenario) is drawn
// as dashed outlines on top, so the difference shows.
"use strict";
const svg = document.getElementById("map");
const ns = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const colours = ["#b30000", "#e34a33", "#fc8d59", "#fdbb84", "#fdd49e"];
let view = null;  // {minx, miny, maxx, maxy, kx} for the projection

function project([lon, lat]) {
  const w = svg.clientWidth, h = svg.clientHeight;
  const sx = w / ((view.maxx - view.minx) * view.kx), sy = h / (view.maxy - view.miny);
  const s = Math.min(sx, sy);
  return [(lon - view.minx) * view.kx * s, h - (lat - view.miny) * s];
}
function unproject(x, y) {
  const w = svg.clientWidth, h = svg.clientHeight;
  const s = Math.min(w / ((view.maxx - view.minx) * view.kx), h / (view.maxy - view.miny));
  return [x / (view.kx * s) + view.minx, (h - y) / s + view.miny];
}
function ringsPath(rings) {
  return rings.map((r) => "M" + r.map((p) => project(p).join(",")).join("L") + "Z").join("");
}
function geometryPath(g) {
  if (g.type === "Polygon") return ringsPath(g.coordinates);
  if (g.type === "MultiPolygon") return g.coordinates.map(ringsPath).join("");
  if (g.type === "LineString") return "M" + g.coordinates.map((p) => project(p).join(",")).join("L");
  if (g.type === "MultiLineString") return g.coordinates.map((l) => "M" + l.map((p) => project(p).join(",")).join("L")).join("");
  return "";
}
function layer(name) {  // an SVG group "layer-<name>" (ids apart from the form's controls)
  let g = document.getElementById("layer-" + name);
  if (!g) { g = document.createElementNS(ns, "g"); g.id = "layer-" + name; svg.appendChild(g); }
  g.replaceChildren();
  return g;
}
function draw(group, geometry, attrs) {
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", geometryPath(geometry));
  for (const [k, v] of Object.entries(attrs)) p.setAttribute(k, v);
  group.appendChild(p);
  return p;
}
async function json(url, body) {
  const r = await fetch(url, body ? {method: "POST", headers: {"Content-Type": "application/json"},
                                     body: JSON.stringify(body)} : {});
  const data = await r.json();
  // 422: a list of {loc, msg, type}; every other error: a string
  if (!r.ok) throw new Error(Array.isArray(data.detail) ? data.detail.map((d) => d.msg).join("; ") : String(data.detail));
  return data;
}
async function drawNetwork(name) {
  const info = (await json("/networks")).find((n) => n.name === name);
  const [minx, miny, maxx, maxy] = info.bbox;
  view = {minx, miny, maxx, maxy, kx: Math.cos(((miny + maxy) / 2) * Math.PI / 180)};
  layer("iso"); layer("compare"); layer("origin");
  const streets = await json(`/networks/${encodeURIComponent(name)}/streets?mode=car`);
  const g = layer("streets");
  for (const f of streets.features) draw(g, f.geometry, {stroke: "#999", "stroke-width": 0.6, fill: "none"});
  for (const name of ["iso", "compare", "origin"]) svg.appendChild(document.getElementById("layer-" + name));
}
function request(network, lonlat, scenario) {
  const body = {network, origins: [lonlat], mode: $("mode").value,
                cutoffs_min: $("cutoffs").value.split(/[ ,]+/).filter(Boolean).map(Number)};
  if (body.mode === "transit") body.departure = $("departure").value || null;
  if (scenario) body.scenario = scenario;
  return body;
}
async function isochrones(lonlat) {
  const base = $("network").value, other = $("compare").value;
  $("status").textContent = "Computing…";
  const o = layer("origin");
  const [x, y] = project(lonlat);
  const c = document.createElementNS(ns, "circle");
  c.setAttribute("cx", x); c.setAttribute("cy", y); c.setAttribute("r", 5); c.setAttribute("fill", "crimson");
  o.appendChild(c);
  try {
    const fc = await json("/isochrones", request(base, lonlat));
    const g = layer("iso");
    const feats = fc.features.slice().sort((a, b) => b.properties.cutoff_min - a.properties.cutoff_min);
    const legend = document.getElementById("legend");
    legend.replaceChildren();
    const entry = (style, text) => {  // text via textContent: names typed by users are never HTML
      const row = document.createElement("div"), swatch = document.createElement("span");
      swatch.setAttribute("style", style);
      row.append(swatch, document.createTextNode(text));
      legend.appendChild(row);
    };
    feats.forEach((f, i) => {
      const colour = colours[(feats.length - 1 - i) % colours.length];
      const p = draw(g, f.geometry, {fill: colour, "fill-opacity": 0.45, stroke: colour, "stroke-width": 1});
      p.setAttribute("class", "isochrone");
      p.setAttribute("data-cutoff", f.properties.cutoff_min);
      entry(`background:${colour}`, `${f.properties.cutoff_min} min (${Math.round(f.properties.area_km2)} km²)`);
    });
    const cg = layer("compare");
    if (other) {
      const fc2 = await json("/isochrones", request(base, lonlat, other));
      for (const f of fc2.features) {
        const p = draw(cg, f.geometry, {fill: "none", stroke: "#1f3a93", "stroke-width": 2, "stroke-dasharray": "6 4"});
        p.setAttribute("class", "isochrone-compare");
      }
      entry("border:2px dashed #1f3a93", "scenario: " + $("compare").selectedOptions[0].textContent);
    }
    $("status").textContent = `${feats.length} isochrones from ${lonlat.map((v) => v.toFixed(4)).join(", ")}`;
  } catch (e) {
    $("status").textContent = "Error: " + e.message;
  }
}
svg.addEventListener("click", (ev) => {
  if (!view) return;
  const r = svg.getBoundingClientRect();
  isochrones(unproject(ev.clientX - r.left, ev.clientY - r.top));
});
$("network").addEventListener("change", () => drawNetwork($("network").value));
window.addEventListener("load", async () => {
  try {
    const networks = await json("/networks");
    for (const n of networks) $("network").add(new Option(n.name, n.name));
    for (const sc of await json("/scenarios")) $("compare").add(new Option(`${sc.name} (${sc.network})`, sc.id));
    const q = new URLSearchParams(location.search);  // ?lon=&lat=&mode=&compare= draws at once (tests, links)
    for (const key of ["network", "compare", "mode", "cutoffs", "departure"]) if (q.has(key)) $(key).value = q.get(key);
    await drawNetwork($("network").value);
    $("status").textContent = "Click the map.";
    document.body.dataset.ready = "1";
    if (q.has("lon") && q.has("lat")) await isochrones([Number(q.get("lon")), Number(q.get("lat"))]);
    if (q.has("lon")) document.body.dataset.done = "1";
  } catch (e) {
    $("status").textContent = "Error: " + e.message;
  }
});
