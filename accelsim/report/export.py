"""Machine-readable views of a run: a JSON document and a Chrome trace (`accelsim.outputs`).

The JSON carries exactly what the terminal table shows (both read the same RunResult). The
Chrome trace event format opens in Perfetto or chrome://tracing with one track per resource
and an SRAM occupancy counter.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from accelsim.ddr_layers import layer_ddr
from accelsim.energy import (
    COMPONENTS,
    POWER_BINS,
    energy_of,
    power_over_time,
    tensor_energy,
)
from accelsim.kinds import KINDS
from accelsim.outputs import open_output

if TYPE_CHECKING:
    from accelsim.summary import RunResult



def dram_to_dict(result: RunResult) -> dict[str, Any] | None:
    """The banked DDR's run totals: device, bursts by outcome, commands, energy by part."""
    dram = result.dram
    if dram is None:
        return None
    c = dram.counts
    return {
        "preset": dram.preset, "mapping": dram.mapping, "page": dram.page,
        "bursts": c.rd + c.wr, "row_hits": c.hits, "row_misses": c.misses,
        "row_conflicts": c.conflicts, "row_hit_rate": dram.row_hit_rate,
        "commands": {"ACT": c.act, "PRE": c.pre, "RD": c.rd, "WR": c.wr, "REF": c.ref},
        "energy_j": dram.energy.parts(), "dram_cycles": dram.energy.cycles,
    }  # fmt: skip


def result_to_dict(result: RunResult) -> dict[str, Any]:
    """Everything the run table shows, as plain JSON data (cycles, bytes, seconds)."""
    hw = result.hardware
    clock = hw.clock
    energy = energy_of(result)
    ddr = layer_ddr(result)
    return {
        "model": result.model,
        "hardware": hw.model_dump(mode="json"),
        "policy": result.policy,
        "overlap": result.overlap,
        "notes": list(result.program.notes),
        "layers": [
            {
                "name": layer.name,
                "op_types": list(layer.op_types),
                "unit": layer.unit,
                **{name: getattr(layer, name) for k in KINDS for name in k.layer_fields},
                "tiles": layer.tiles,
                "transfer_cycles": layer.transfer_cycles,
                "transfer_latency_cycles": layer.latency_cycles,
                "compute_cycles": layer.compute_cycles,
                "start_cycle": layer.start,
                "end_cycle": layer.end,
                "sram_in_use_bytes": layer.sram_in_use,
                "bound": layer.bound,
                "window_cycles": [layer.breakdown.start, layer.breakdown.end],
                "breakdown_cycles": layer.breakdown.parts,
                "engine_utilisation": layer.engine_utilisation,
                "energy_j": spent.energy.total_j,
                "ddr_row_hit_rate": ddr[i].row_hit_rate if ddr else None,
                "ddr_bandwidth_bytes_per_s": ddr[i].bandwidth(clock) if ddr else None,
            }
            for i, (layer, spent) in enumerate(zip(result.layers, energy.layers, strict=True))
        ],
        "totals": {
            "latency_cycles": result.latency_cycles,
            "latency_s": result.latency_s,
            "bus_read_bytes": result.bus_read_bytes,
            "bus_write_bytes": result.bus_write_bytes,
            "spilled_bytes": result.plan.bytes_of("spill"),
            "reloaded_bytes": result.plan.bytes_of("reload"),
            "busy_cycles": {u: result.busy_cycles(u) for u in hw.units},
            "bus_latency_share": result.latency_share,
            "utilisation": {u: result.utilisation(u) for u in hw.units},
            "sram_peak_bytes": result.trace.sram_peak,
            "sram_capacity_bytes": hw.sram.capacity,
            "events": len(result.trace.events),
        },
        "breakdown_cycles": result.breakdown.parts,
        "critical_path": critical_path_to_dict(result),
        "floor": {
            "cycles": result.floor.cycles,
            "seconds": result.floor.cycles / clock,
            "limit": result.floor.limit,
            **{f"{label}_cycles": cycles for label, cycles in result.floor.parts.items()},
            "gap": result.gap,
        },
        "dram": dram_to_dict(result),
        "ddr": [
            {"buffer": r.buffer, "kind": r.kind, "address": r.address, "bytes": r.size}
            for r in result.plan.ddr
        ],
        "energy": {
            "total_j": energy.total_j,
            "components_j": energy.total.components(),
            "counts": {c: energy.activity.count(c) for c in COMPONENTS},
            "power_w": {
                "bin_cycles": max(1, result.latency_cycles) / POWER_BINS,
                "watts": list(power_over_time(result, POWER_BINS, energy)),
            },
            "tensors_j": tensor_energy(result),
        },
    }


def critical_path_to_dict(result: RunResult) -> dict[str, Any]:
    """The chain that set the latency: its cycles per unit and per layer, and the layers it
    passes through, earliest first (consecutive tasks of one layer merged into one stretch)."""
    columns = result.trace.table  # a path's tasks by the million: no record each
    names = [layer.name for layer in result.program.layers]
    layers = columns.layer
    path = result.path
    stretches: list[dict[str, Any]] = []
    for step in reversed(path.steps):
        layer = names[layers[step.task]]
        if stretches and stretches[-1]["layer"] == layer:
            stretches[-1]["end_cycle"] = step.end
            stretches[-1]["steps"] += 1
        else:
            stretches.append(
                {"layer": layer, "start_cycle": step.start, "end_cycle": step.end, "steps": 1}
            )
    return {
        "tasks": path.task_count,
        "cycles_by_unit": path.cycles_by(columns.resource),
        "cycles_by_layer": path.cycles_by(lambda task: names[layers[task]]),
        "stretches": stretches,
    }


def chrome_trace(result: RunResult) -> dict[str, Any]:
    """Every event in the Chrome trace event format; timestamps in microseconds."""
    us_per_cycle = 1e6 / result.hardware.clock
    names = [layer.name for layer in result.program.layers]
    events: list[dict[str, Any]] = [
        {"ph": "M", "pid": 1, "name": "process_name", "args": {"name": result.hardware.name}}
    ]
    tracks = {name: tid for tid, name in enumerate(result.hardware.units, start=1)}
    for name, unit in result.hardware.units.items():
        events.append(
            {"ph": "M", "pid": 1, "tid": tracks[name], "name": "thread_name",
             "args": {"name": f"{name} ({unit.kind})"}}
        )  # fmt: skip
    slack = result.path.slack
    on_path = set(result.path.tasks)
    for event in result.trace.events:
        label = names[event.layer] if event.kind == "compute" else f"{event.kind} {event.buffer}"
        events.append(
            {
                "ph": "X",
                "pid": 1,
                "tid": tracks[event.resource],
                "name": label,
                "cat": event.kind,
                "ts": event.start * us_per_cycle,
                "dur": (event.end - event.start) * us_per_cycle,
                "args": {
                    "layer": names[event.layer],
                    "tile": event.tile,
                    "bytes": event.nbytes,
                    "start_cycle": event.start,
                    "end_cycle": event.end,
                    "ready_cycle": event.ready,
                    "issued_cycle": event.issued,
                    "deps_done_cycle": event.deps_done,
                    "space_free_cycle": event.space_free,
                    "unit_free_cycle": event.unit_free,
                    "waited_for": event.waited,
                    "waited_on_task": event.waited_on,
                    "slack_cycles": slack[event.task],
                    "critical": event.task in on_path,
                    "task": event.task,
                },
            }
        )
    events.extend(_path_flows(result, tracks, us_per_cycle))
    for cycle, used in result.trace.sram:
        events.append(
            {"ph": "C", "pid": 1, "name": "SRAM in use", "ts": cycle * us_per_cycle,
             "args": {"bytes": used}}
        )  # fmt: skip
    return {"traceEvents": events, "displayTimeUnit": "ns"}


def _path_flows(result: RunResult, tracks: dict[str, int],
                us_per_cycle: float) -> list[dict[str, Any]]:  # fmt: skip
    """Flow arrows along the critical path, each from the middle of a task to the next one's
    (a midpoint lies inside exactly one slice of its track, so Perfetto binds it there)."""
    columns = result.trace.table  # a path's tasks by the million: no record each
    flows: list[dict[str, Any]] = []
    path = result.path.tasks
    for number, (before, after) in enumerate(zip(path, path[1:], strict=False)):
        for phase, task in (("s", before), ("f", after)):
            middle = (columns.start.item(task) + columns.end.item(task)) / 2
            flows.append(
                {"ph": phase, "id": number, "pid": 1, "tid": tracks[columns.resource(task)],
                 "name": "critical path", "cat": "critical", "bp": "e",
                 "ts": middle * us_per_cycle}
            )  # fmt: skip
    return flows


def write_json(path: str | Path, data: object) -> None:
    """Write JSON to `path` whole or not at all (`-` for stdout; see `accelsim.outputs`)."""
    with open_output(path) as stream:
        stream.write(json_text(data))
        stream.write("\n")


_NESTED = (dict, list, tuple)


def json_text(data: object) -> str:
    """`json.dumps(data, indent=1)`, the same text, several times faster: `json` encodes with
    indentation in pure Python, so here each innermost container (no container inside) is
    encoded by json's C encoder, its items separated by a newline and the indent (a JSON
    string never holds a raw newline), and only the containers around them are walked in
    Python. Data is a tree (a cycle recurses until Python stops it)."""
    if c_make_encoder is None:  # a Python without json's C accelerator
        return json.dumps(data, indent=1)
    parts: list[str] = []
    _encode(data, "\n", parts)
    return "".join(parts)


@functools.cache
def _flat_encoder(indent: str) -> Callable[[object, int], tuple[str, ...]]:
    """json's C encoder with items separated by `,` `indent`, as `json.dumps(indent=1)`
    separates them at that depth (`indent` is "\n" and the spaces)."""
    assert c_make_encoder is not None
    return cast(
        "Callable[[object, int], tuple[str, ...]]",
        c_make_encoder(None, _unserialisable, encode_basestring_ascii, None, ": ",
                       "," + indent, False, False, True),
    )  # fmt: skip


def _unserialisable(value: object) -> object:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _encode(value: object, indent: str, parts: list[str]) -> None:
    """Append `value` as indented JSON at the line start `indent` ("\n" and its spaces)."""
    if isinstance(value, dict):
        opening, closing, children = "{", "}", list(value.values())
    elif isinstance(value, list | tuple):
        opening, closing, children = "[", "]", list(value)
    else:
        parts.extend(_flat_encoder(indent)(value, 0))
        return
    inner = indent + " "
    if not children:
        parts.append(opening + closing)
    elif not any(isinstance(child, _NESTED) for child in children):
        flat = "".join(_flat_encoder(inner)(value, 0))
        parts.append(opening + inner + flat[1:-1] + indent + closing)
    elif isinstance(value, dict) and not all(isinstance(key, str) for key in value):
        # NOTE: keys json converts (numbers, booleans, None): its own encoder, shifted right
        parts.append(json.dumps(value, indent=1).replace("\n", indent))
    else:
        separator, scalar = "," + inner, _flat_encoder(inner)
        keys = [encode_basestring_ascii(k) + ": " for k in value] if closing == "}" else None
        for number, child in enumerate(children):
            head = separator if number else opening + inner
            parts.append(head if keys is None else head + keys[number])
            if isinstance(child, _NESTED):
                _encode(child, inner, parts)
            else:
                parts.extend(scalar(child, 0))
        parts.append(indent + closing)
