"""One self-contained HTML page per run: machine, layers, timeline with the critical path, where
the time went, SRAM occupancy and power over time.

Everything the page needs is in the file: the run as JSON data in a `<script>` element, a small
script that draws the plots as SVG, and the styles; nothing is fetched when it is viewed. Names
from the model or hardware file reach the page only as JSON data written into text nodes, so
markup in them is shown, never run.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from accelsim.energy import POWER_BINS, energy_of, power_over_time, tensor_energy

if TYPE_CHECKING:
    from accelsim.summary import RunResult

__all__ = ["html_page", "report_html"]

TOP_TENSORS = 10
"""How many of the costliest tensors the page lists."""


def page_data(result: RunResult) -> dict[str, Any]:
    """What the page draws, as plain data (cycles, bytes, joules, watts)."""
    names = [layer.name for layer in result.program.layers]
    path = result.path
    on_path = set(path.tasks)
    energy = energy_of(result)
    hw = result.hardware
    events = result.trace.events
    columns = result.trace.table
    return {
        "title": f"{result.model} on {hw.name}",
        "machine": [[name, unit.kind] for name, unit in hw.units.items()],
        "description": hw.description,
        "clock_hz": hw.clock,
        "latency_cycles": result.latency_cycles,
        "sram_capacity": hw.sram.capacity,
        "energy_j": energy.total_j,
        "units": list(result.trace.units),
        "events": [
            [e.resource, e.kind, names[e.layer], e.buffer, e.nbytes, e.start, e.end, e.waited,
             e.waited_on, path.slack[e.task], e.task in on_path, e.unit_kind]
            for e in events
        ],  # fmt: skip
        "layers": [
            {
                "name": layer.name, "ops": "+".join(layer.op_types), "unit": layer.unit,
                "start": layer.breakdown.start, "end": layer.breakdown.end,
                "parts": layer.breakdown.parts, "bound": layer.bound,
                "bytes": layer.bus_read_bytes + layer.bus_write_bytes,
                "energy_j": spent.energy.total_j,
            }
            for layer, spent in zip(result.layers, energy.layers, strict=True)
        ],  # fmt: skip
        "breakdown": result.breakdown.parts,
        "path_units": path.cycles_by(columns.resource),
        "path_tasks": path.task_count,
        "sram": [list(step) for step in result.trace.sram],
        "power_w": list(power_over_time(result, POWER_BINS, energy)),
        "tensors_j": list(tensor_energy(result).items())[:TOP_TENSORS],
    }


def report_html(result: RunResult) -> str:
    """The page: one HTML document, no external resources."""
    return html_page(_RUN_BODY, page_data(result), _RUN_SCRIPT)


def html_page(body: str, data: dict[str, Any], script: str) -> str:
    """One self-contained page: the shared styles, `body`, `data` as JSON (markup in names
    escaped) and `script`, which reads it as `D` and draws with the shared helpers."""
    text = json.dumps(data, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        _HEAD + "<body>\n" + body + '<div class="tip" id="tip"></div>\n'
        + '<script type="application/json" id="data">' + text + "</script>\n<script>\n"
        + _HELPERS + script + 'document.body.setAttribute("data-rendered", "yes");\n'
        + "</script></body></html>\n"
    )


_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>accelsim report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}
svg{display:block;margin:.4em 0}
.tip{position:fixed;pointer-events:none;background:#fffbe6;border:1px solid #999;padding:4px 8px;
font-size:12px;white-space:pre;display:none;box-shadow:1px 1px 4px #0003}
.key span{display:inline-block;margin-right:1em}.sw{width:12px;height:12px;display:inline-block;
vertical-align:middle;margin-right:4px}
</style></head>
"""

_HELPERS = """"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const NS = "http://www.w3.org/2000/svg";
const COLOURS = {bus:"#e0b000", latency:"#f3d36b", matrix:"#3a9ad9", vector:"#c05fc0",
                 sram:"#d9534f"};
const fmt = (x, d = 2) => x.toLocaleString("en", {maximumFractionDigits: d});
const tip = document.getElementById("tip");
function el(tag, attrs, parent) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}
function text(parent, x, y, s, anchor) {
  const t = el("text", {x, y, "font-size": 11, "text-anchor": anchor || "start"}, parent);
  t.textContent = s;
  return t;
}
function hover(node, lines) {
  node.addEventListener("mousemove", ev => {
    tip.textContent = lines; tip.style.display = "block";
    tip.style.left = (ev.clientX + 12) + "px"; tip.style.top = (ev.clientY + 12) + "px";
  });
  node.addEventListener("mouseleave", () => { tip.style.display = "none"; });
}
function row(table, cells, head) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement(head ? "th" : "td"); td.textContent = c; tr.appendChild(td);
  }
  table.appendChild(tr);
}
"""

_RUN_BODY = """<h1 id="title">accelsim report</h1>
<p id="summary"></p>
<h2>Machine</h2><table id="machine"></table>
<h2>Timeline and critical path</h2>
<p>One row per unit; a task on the critical path has a red outline. Hover a bar for the task.</p>
<svg id="timeline"></svg>
<h2>Critical path</h2><p id="path"></p>
<h2>Where the time goes</h2>
<p>Each layer's window of the run (from the end of the layers before it to its own end), split
by what it was lost to.</p>
<div class="key" id="key"></div><svg id="stalls"></svg>
<h2>SRAM occupancy</h2><svg id="sram"></svg>
<h2>Power over time</h2><svg id="power"></svg>
<h2>Energy per tensor</h2>
<p>What moving and keeping each tensor cost (DDR, bus and SRAM accesses), the costliest first.</p>
<table id="tensors"></table>
<h2>Layers</h2><table id="layers"></table>
"""

_RUN_SCRIPT = """const W = 1100, LEFT = 90;
const us = c => (c / D.clock_hz * 1e6);
const X = c => LEFT + (W - LEFT - 10) * c / Math.max(1, D.latency_cycles);
function axis(svg, y) {
  for (let i = 0; i <= 10; i++) {
    const c = D.latency_cycles * i / 10;
    el("line", {x1: X(c), x2: X(c), y1: y, y2: y + 4, stroke: "#666"}, svg);
    text(svg, X(c), y + 15, fmt(us(c), 1) + " µs", "middle");
  }
}
document.getElementById("title").textContent = D.title;
document.getElementById("summary").textContent =
  `latency ${fmt(D.latency_cycles, 0)} cycles = ${fmt(us(D.latency_cycles))} µs; ` +
  `energy ${fmt(D.energy_j * 1e6, 3)} µJ. ${D.description}`;
const machine = document.getElementById("machine");
row(machine, ["unit", "kind"], true);
for (const [name, kind] of D.machine) row(machine, [name, kind]);
row(machine, ["SRAM", fmt(D.sram_capacity, 0) + " B"]);
row(machine, ["clock", fmt(D.clock_hz / 1e9, 3) + " GHz"]);
// timeline
const tl = document.getElementById("timeline"), RH = 26;
tl.setAttribute("width", W); tl.setAttribute("height", RH * D.units.length + 30);
D.units.forEach((u, i) => text(tl, 4, i * RH + 17, u));
for (const e of D.events) {
  const [res, kind, layer, buffer, bytes, start, end, waited, on, slack, crit, unitKind] = e;
  const i = D.units.indexOf(res), w = Math.max(0.5, X(end) - X(start));
  const colour = COLOURS[unitKind === "dma" ? "bus" : unitKind];
  const r = el("rect", {x: X(start), y: i * RH + 3, width: w, height: RH - 6, fill: colour,
    stroke: crit ? "#d00" : "none", "stroke-width": crit ? 2 : 0,
    "class": crit ? "critical" : "task"}, tl);
  hover(r, `${layer}: ${kind}${buffer ? " " + buffer : ""}${bytes ? ", " + fmt(bytes, 0) +
    " B" : ""}\\n${fmt(start, 0)}-${fmt(end, 0)} cycles on ${res}\\nwaited for: ${waited}` +
    `${on >= 0 ? " (task " + on + ")" : ""}\\nslack: ${fmt(slack, 0)} cycles` +
    (crit ? "\\non the critical path" : ""));
}
axis(tl, RH * D.units.length + 2);
// critical path
const share = Object.entries(D.path_units).map(([u, c]) =>
  `${u} ${fmt(100 * c / D.latency_cycles, 1)} %`).join(", ");
const lost = Object.entries(D.breakdown).filter(([, c]) => c > 0).map(([p, c]) =>
  `${p} ${fmt(us(c))} µs`).join(", ");
document.getElementById("path").textContent =
  `${D.path_tasks} tasks set the latency. Held by: ${share}. Lost to: ${lost}.`;
// stall breakdown
const key = document.getElementById("key");
for (const [p, c] of Object.entries(COLOURS)) {
  const s = document.createElement("span"), sw = document.createElement("span");
  sw.className = "sw"; sw.style.background = c; s.appendChild(sw);
  s.appendChild(document.createTextNode(p)); key.appendChild(s);
}
const st = document.getElementById("stalls");
st.setAttribute("width", W); st.setAttribute("height", 70);
for (const l of D.layers) {
  let x = l.start;
  for (const [p, c] of Object.entries(l.parts)) {
    if (!c) continue;
    const r = el("rect", {x: X(x), y: 5, width: Math.max(0.5, X(x + c) - X(x)), height: 40,
                          fill: COLOURS[p]}, st);
    hover(r, `${l.name}: window ${fmt(us(l.end - l.start))} µs, bound ${l.bound}\\n` +
      Object.entries(l.parts).filter(([, v]) => v).map(([k, v]) =>
        `${k} ${fmt(v, 0)} cycles`).join("\\n"));
    x += c;
  }
}
axis(st, 48);
// SRAM
function steps(svgId, points, top, label, unit) {
  const svg = document.getElementById(svgId), H = 120;
  svg.setAttribute("width", W); svg.setAttribute("height", H + 25);
  let d = "";
  points.forEach(([x0, x1, v], i) => {
    const y = H - (H - 10) * v / Math.max(top, 1e-30);
    d += (i ? "L" : "M") + X(x0) + " " + y + "L" + X(x1) + " " + y;
    const r = el("rect", {x: X(x0), y: 0, width: Math.max(0.5, X(x1) - X(x0)), height: H,
                          fill: "transparent"}, svg);
    hover(r, `${fmt(us(x0))}-${fmt(us(x1))} µs: ${label(v)}`);
  });
  el("path", {d, fill: "none", stroke: "#2a6", "stroke-width": 1.5}, svg);
  text(svg, 4, 12, unit);
  axis(svg, H + 2);
}
const sram = D.sram.map(([c, v], i) => [c, i + 1 < D.sram.length ? D.sram[i + 1][0] :
  D.latency_cycles, v]);
steps("sram", sram, D.sram_capacity, v => `${fmt(v, 0)} B (${fmt(100 * v / D.sram_capacity,
  1)} % of SRAM)`, "bytes in use, full height = capacity");
const bin = D.latency_cycles / D.power_w.length;
steps("power", D.power_w.map((w, i) => [i * bin, (i + 1) * bin, w]), Math.max(...D.power_w),
  w => `${fmt(w * 1e3, 3)} mW`, "mean power per slice, full height = peak");
// layers
const tt = document.getElementById("tensors");
row(tt, ["tensor", "energy µJ", "share of the run"], true);
for (const [name, j] of D.tensors_j) row(tt, [name, fmt(j * 1e6, 3),
  fmt(100 * j / D.energy_j, 1) + " %"]);
const lt = document.getElementById("layers");
row(lt, ["layer", "ops", "unit", "window µs", "bound", "bus B", "energy µJ"], true);
for (const l of D.layers) row(lt, [l.name, l.ops, l.unit, fmt(us(l.end - l.start)), l.bound,
  fmt(l.bytes, 0), fmt(l.energy_j * 1e6, 3)]);
"""
