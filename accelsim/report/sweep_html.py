"""One self-contained HTML page per sweep: the latency-energy Pareto front (hover a point for its
settings), the regime map, the elasticities and the fastest points.

The page takes plain data (`accelsim.sweep.explain.page_data` builds it from the stored results)
and shares the run page's styles and helpers (`accelsim.report.html.html_page`).
"""

from __future__ import annotations

from typing import Any

from accelsim.report.html import html_page

__all__ = ["sweep_html"]


def sweep_html(data: dict[str, Any]) -> str:
    """The page for `data` (see `accelsim.sweep.explain.page_data`)."""
    return html_page(_BODY, data, _SCRIPT)


_BODY = """<h1 id="title">accelsim sweep</h1>
<p id="summary"></p>
<h2>Pareto front</h2>
<p>Every simulated point; the latency-energy Pareto front is red. Hover a point for its
settings.</p>
<svg id="pareto"></svg>
<h2>Regime map</h2><p id="held"></p><table id="regimes"></table>
<h2>Elasticities</h2>
<p>One grid step of one knob, every other setting kept: the relative change of latency and
energy, and the arc elasticity ln(L1/L0) / ln(x1/x0) (-1: latency halves when the knob
doubles).</p>
<table id="elasticities"></table>
<h2>Top points</h2><table id="top"></table>
"""

_SCRIPT = """const pct = x => (x >= 0 ? "+" : "") + fmt(100 * x, 1) + " %";
document.getElementById("title").textContent = `Sweep ${D.name}`;
document.getElementById("summary").textContent =
  `${D.model} on ${D.hardware}: ${D.points.length} of ${D.total} points simulated.`;
// Pareto front: latency (µs) against energy (µJ)
const pf = document.getElementById("pareto"), PW = 760, PH = 360, PL = 70, PB = 40;
pf.setAttribute("width", PW); pf.setAttribute("height", PH);
const xs = D.points.map(p => p.latency_us), ys = D.points.map(p => p.energy_uj);
const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
const PX = v => PL + (PW - PL - 20) * (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5);
const PY = v => PH - PB - (PH - PB - 15) * (y1 > y0 ? (v - y0) / (y1 - y0) : 0.5);
el("line", {x1: PL, x2: PW - 10, y1: PH - PB, y2: PH - PB, stroke: "#666"}, pf);
el("line", {x1: PL, x2: PL, y1: 10, y2: PH - PB, stroke: "#666"}, pf);
for (let i = 0; i <= 4; i++) {
  const vx = x0 + (x1 - x0) * i / 4, vy = y0 + (y1 - y0) * i / 4;
  text(pf, PX(vx), PH - PB + 15, fmt(vx, 1), "middle");
  text(pf, PL - 6, PY(vy) + 4, fmt(vy, 1), "end");
}
text(pf, (PL + PW) / 2, PH - 8, "latency (µs)", "middle");
text(pf, 4, 12, "energy (µJ)");
const front = D.points.filter(p => p.front).sort((a, b) => a.latency_us - b.latency_us);
let d = "";
front.forEach((p, i) => {
  d += (i ? "H" + PX(p.latency_us) + "V" : "M" + PX(p.latency_us) + " ") + PY(p.energy_uj);
});
if (d) el("path", {d, fill: "none", stroke: "#d00", "stroke-width": 1}, pf);
for (const p of D.points) {
  const c = el("circle", {cx: PX(p.latency_us), cy: PY(p.energy_uj), r: p.front ? 5 : 4,
    fill: p.front ? "#d00" : "#3a7bd5", "fill-opacity": p.front ? 1 : 0.6,
    "class": p.front ? "front" : "point"}, pf);
  hover(c, `#${p.index}: ${p.settings}\\n${fmt(p.latency_us)} µs, ${fmt(p.energy_uj, 3)} µJ` +
    `\\nbound: ${p.bound}${p.front ? "\\non the latency-energy front" : ""}`);
}
// regime map
const rm = document.getElementById("regimes"), R = D.regime_map;
if (R) {
  document.getElementById("held").textContent = `What bounds the run (the critical path's ` +
    `largest part): rows ${R.rows.path}, columns ${R.columns.path}` +
    Object.entries(R.held).map(([k, v]) => `, ${k} = ${v}`).join("") + ".";
  row(rm, [R.rows.path + " \\\\ " + R.columns.path, ...R.columns.values], true);
  R.bound.forEach((cells, i) => {
    row(rm, [R.rows.values[i], ...cells.map(c => c || "not run")]);
    cells.forEach((c, j) => {
      rm.lastChild.children[j + 1].style.background = COLOURS[c] || "#ddd";
    });
  });
} else {
  document.getElementById("held").textContent = "Fewer than two axes vary: no map.";
}
// elasticities
const et = document.getElementById("elasticities");
row(et, ["around", "knob", "step", "knob change", "latency", "energy", "elasticity L / E"], true);
for (const e of D.elasticities) row(et, [e.around, e.axis, `${e.from} → ${e.to}`,
  pct(e.change), pct(e.latency_change), pct(e.energy_change),
  `${fmt(e.latency_elasticity)} / ${fmt(e.energy_elasticity)}`]);
// top points
const tt = document.getElementById("top");
row(tt, ["#", "settings", "latency µs", "energy µJ", "bound", "front"], true);
for (const p of D.top) row(tt, [p.index, p.settings, fmt(p.latency_us), fmt(p.energy_uj, 3),
  p.bound, p.front ? "★" : ""]);
"""
