"""Two runs side by side: per layer window, bytes, bound and breakdown, with the deltas.

Works on `run --json` documents (`export.result_to_dict`), so a live run and a saved one compare
the same way. Layers pair up by name, in order (the longest in-order matching of the two name
lists); between two such pairs, layers whose names differ pair up by order where their op types
match (a renamed layer: `renamed` names B's), and the rest are listed apart (only in A, only
in B). A layer's
`cycles` is its window of the run (from the end of the layers before it to its own end), so the
layers of a run add up to its latency and the deltas to the latency's delta.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from accelsim.errors import AccelsimError
from accelsim.explain.walk import PARTS
from accelsim.report.columns import Column, FittedTable
from accelsim.report.timeline import ALTERNATE, FULL, LABEL_WIDTH, Cell, draw_cells

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["align", "diff_runs", "diff_view"]

_NEEDED = ("layers", "totals", "breakdown_cycles")


def check_run(data: object, source: str) -> dict[str, Any]:
    """`data` if it is a `run --json` document with the breakdown; else a one-line error."""
    if not isinstance(data, dict) or any(key not in data for key in _NEEDED):
        raise AccelsimError(
            f"{source}: not an `accelsim run --json` result with the stall breakdown "
            f"(needs {', '.join(_NEEDED)}; save it again with this version)"
        )
    layers, totals = data["layers"], data["totals"]
    if not isinstance(layers, list) or not isinstance(totals, dict):
        raise AccelsimError(f"{source}: layers must be a list and totals an object")
    if not _is_count(totals.get("latency_cycles")):
        raise AccelsimError(f"{source}: totals.latency_cycles: expected a whole number")
    if not _is_parts(data["breakdown_cycles"]):
        raise AccelsimError(f"{source}: breakdown_cycles: expected cycles by cause")
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise AccelsimError(f"{source}: layers[{index}]: expected an object")
        for key in _LAYER_KEYS:
            value = layer.get(key)
            ok = {
                "name": isinstance(value, str), "bound": isinstance(value, str),
                "window_cycles": isinstance(value, list) and len(value) == 2
                and all(_is_count(v) for v in value),
                "breakdown_cycles": _is_parts(value),
            }.get(key, _is_count(value))
            if not ok:
                raise AccelsimError(f"{source}: layers[{index}].{key}: missing or not valid")
    return data


_LAYER_KEYS = ("name", "window_cycles", "end_cycle", "bus_read_bytes", "bus_write_bytes",
               "bound", "breakdown_cycles")  # fmt: skip


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_parts(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and _is_count(v) for k, v in value.items()
    )


def align(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Pairs of layer indices (A, B), in order: equal names first (difflib's matching blocks
    of the name lists), then, in each gap between them, equal op types (the same matching)."""
    from difflib import SequenceMatcher

    def matched(left: list[str], right: list[str]) -> list[tuple[int, int]]:
        blocks = SequenceMatcher(None, left, right, autojunk=False).get_matching_blocks()
        return [(m.a + k, m.b + k) for m in blocks for k in range(m.size)]

    by_name = matched([layer["name"] for layer in a], [layer["name"] for layer in b])
    pairs = []
    done_a = done_b = 0
    for i, j in [*by_name, (len(a), len(b))]:
        gap_a, gap_b = a[done_a:i], b[done_b:j]
        ops = [[_ops(layer) for layer in gap] for gap in (gap_a, gap_b)]
        pairs += [(done_a + x, done_b + y) for x, y in matched(*ops)]
        if i < len(a) and j < len(b):
            pairs.append((i, j))
        done_a, done_b = i + 1, j + 1
    return pairs


def _ops(layer: dict[str, Any]) -> str:
    ops = layer.get("op_types")
    return "+".join(map(str, ops)) if isinstance(ops, list) and ops else "?"


def diff_runs(a: dict[str, Any], b: dict[str, Any], *, labels: tuple[str, str],
              top: int = 5) -> dict[str, Any]:  # fmt: skip
    """The comparison as JSON data: totals, per-layer pairs with deltas, what changed most."""
    pairs = align(a["layers"], b["layers"])
    rows = [_pair(a["layers"][i], b["layers"][j]) for i, j in pairs]
    paired_a, paired_b = {i for i, _ in pairs}, {j for _, j in pairs}
    changed = sorted(rows, key=lambda row: -abs(row["delta"]["cycles"]))[:top]
    latency = (a["totals"]["latency_cycles"], b["totals"]["latency_cycles"])
    return {
        "a": {"label": labels[0], "model": a.get("model"), "latency_cycles": latency[0]},
        "b": {"label": labels[1], "model": b.get("model"), "latency_cycles": latency[1]},
        "latency_delta_cycles": latency[1] - latency[0],
        "latency_ratio": latency[1] / latency[0] if latency[0] else None,
        "breakdown_cycles": {
            part: _delta(a["breakdown_cycles"].get(part, 0), b["breakdown_cycles"].get(part, 0))
            for part in PARTS
        },
        "layers": rows,
        "changed_most": [row["name"] for row in changed if row["delta"]["cycles"]],
        "renamed": {row["name"]: row["renamed"] for row in rows if row["renamed"]},
        "only_in_a": [layer["name"] for i, layer in enumerate(a["layers"]) if i not in paired_a],
        "only_in_b": [layer["name"] for j, layer in enumerate(b["layers"]) if j not in paired_b],
        "windows": {
            "a": [(layer["name"], *layer["window_cycles"]) for layer in a["layers"]],
            "b": [(layer["name"], *layer["window_cycles"]) for layer in b["layers"]],
        },
    }


def _pair(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    def side(layer: dict[str, Any]) -> dict[str, Any]:
        start, end = layer["window_cycles"]
        return {
            "cycles": end - start,
            "end_cycle": layer["end_cycle"],
            "bytes": layer["bus_read_bytes"] + layer["bus_write_bytes"],
            "bound": layer["bound"],
            "breakdown_cycles": layer["breakdown_cycles"],
        }

    left, right = side(a), side(b)
    delta = {key: right[key] - left[key] for key in ("cycles", "end_cycle", "bytes")}
    delta["breakdown_cycles"] = {
        part: right["breakdown_cycles"].get(part, 0) - left["breakdown_cycles"].get(part, 0)
        for part in PARTS
    }
    renamed = b["name"] if b["name"] != a["name"] else None
    return {"name": a["name"], "renamed": renamed, "a": left, "b": right, "delta": delta}


def _delta(a: int, b: int) -> dict[str, int]:
    return {"a": a, "b": b, "delta": b - a}


def diff_view(diff: dict[str, Any], *, clock_hz: float, cycles: bool = False) -> RenderableType:
    """The terminal view: totals, the per-layer table, the layers that changed most and a
    two-row timeline of the layers' windows."""
    def when(value: int) -> str:
        return f"{value:+,}" if cycles else f"{value / clock_hz * 1e6:+,.2f}"

    def at(value: int) -> str:
        return f"{value:,}" if cycles else f"{value / clock_hz * 1e6:,.2f}"

    unit = "cyc" if cycles else "µs"
    a, b = diff["a"], diff["b"]
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("A", Text(f"{a['label']}: {at(a['latency_cycles'])} {unit}"))
    head.add_row("B", Text(f"{b['label']}: {at(b['latency_cycles'])} {unit}"))
    ratio = diff["latency_ratio"]
    head.add_row(
        "B - A",
        f"{when(diff['latency_delta_cycles'])} {unit}"
        + (f" ({ratio - 1:+.1%})" if ratio is not None else ""),
    )
    lost = ", ".join(
        f"{part} {when(value['delta'])}"
        for part, value in diff["breakdown_cycles"].items()
        if value["delta"]
    )
    head.add_row("path lost to", f"{lost or 'no change'} {unit} (critical path, B - A)")
    changed = ", ".join(diff["changed_most"]) or "none"
    head.add_row("changed most", Text(changed))
    renamed = [f"{old} -> {new}" for old, new in diff.get("renamed", {}).items()]
    if renamed:
        head.add_row("renamed", Text(", ".join(renamed[:10]) + (" ..." if len(renamed) > 10
                                                               else "")))  # fmt: skip
    for side in ("a", "b"):
        only = diff[f"only_in_{side}"]
        if only:
            head.add_row(f"only in {side.upper()}", Text(", ".join(only[:10])
                                                         + (" ..." if len(only) > 10 else "")))
    columns = [
        Column("layer", justify="left", fold=True), Column(f"A {unit}", 5),
        Column(f"B {unit}", 5), Column(f"Δ {unit}"), Column("A B", 3), Column("Δ B", 2),
        Column("A bound", 4, justify="left"), Column("B bound", justify="left"),
        Column("Δ lost to", 1, justify="left"),
    ]  # fmt: skip
    rows = []
    for row in diff["layers"]:
        parts = ", ".join(
            f"{part} {when(value)}" for part, value in row["delta"]["breakdown_cycles"].items()
            if value
        )
        rows.append((
            row["name"] + (f" -> {row['renamed']}" if row.get("renamed") else ""),
            at(row["a"]["cycles"]), at(row["b"]["cycles"]),
            when(row["delta"]["cycles"]), f"{row['a']['bytes']:,}",
            f"{row['delta']['bytes']:+,}", row["a"]["bound"], row["b"]["bound"], parts,
        ))  # fmt: skip
    table = FittedTable(columns, rows, title="Layers (window of the run each; B - A)")
    return Group(head, table, _TwoRows(diff))


class _TwoRows:
    """Rich renderable: each run's layers' windows over one shared time axis."""

    def __init__(self, diff: dict[str, Any]) -> None:
        self.diff = diff

    def __rich_console__(self, console: Any, options: Any) -> Any:
        windows = self.diff["windows"]
        span = max(self.diff["a"]["latency_cycles"], self.diff["b"]["latency_cycles"], 1)
        columns = max(1, options.max_width - LABEL_WIDTH)
        names = sorted({name for side in windows.values() for name, _, _ in side})
        index = {name: number for number, name in enumerate(names)}
        yield Text("timeline of the layers' windows (A above B)", style="bold")
        for side in ("a", "b"):
            cells = []
            layers = windows[side]
            position = 0
            for column in range(columns):
                middle = (column + 0.5) * span / columns
                while position < len(layers) and layers[position][2] <= middle:
                    position += 1
                if position < len(layers):
                    glyph = FULL if position % 2 == 0 else ALTERNATE
                    cells.append(Cell(glyph, index[layers[position][0]]))
                else:
                    cells.append(Cell(" ", -1))
            row = Text(side.upper().ljust(LABEL_WIDTH), style="bold")
            row.append_text(draw_cells(cells, names))
            yield row
