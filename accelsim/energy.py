"""Energy of a run, per layer and per component, from what the trace and the program say moved.

What is counted (each count times its `hardware.energy` figure, in joules):

- **ddr**: every byte a transfer moves (load, reload, store, spill) is one DDR access (and one
  crossing of the DMA unit that moves it, the **bus** line below).
- **sram_write**: bytes written into SRAM: every byte a load or reload brings in, plus every byte
  a layer writes as its output.
- **sram_read**: bytes read out of SRAM: every byte a store or spill sends to DDR, plus every
  byte of a layer's operands (activation inputs and weights) its unit reads, counted once per
  layer. A tiled layer's overlapping input rows (halos) are loaded, and so written and read,
  once per tile: the load side counts them, the compute side counts the operand once.
- one line per unit kind declared in `accelsim.kinds` (**bus**, **matrix**, **vector**): the
  amount of work its tasks carry (bytes moved, MACs, vector ops), priced by the kind's
  `hardware.energy` field. Ops fused on the engine's output stage and folded BatchNormalization
  cost no separate energy, as they cost no separate time.

With `ddr.timing: banked` the **ddr** component is the DRAM's command energy instead
(`accelsim.dram.energy`, Micron's IDD method): a layer pays an ACT for each row miss or conflict of
its transfers and a RD/WR per burst; refresh and background power belong to the run and are
shared out by bytes moved (`accelsim.ddr_layers`). The run's DRAM parts (activate, read, write,
refresh, background) are in `RunResult.dram.energy`.

Static (leakage) power is not modelled: the hardware file has no figure for it. A transfer is
charged to the layer the planner made it for (a prefetch to the layer that needs the data, a
spill to the layer whose working set forced it).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.kinds import KINDS, kind

if TYPE_CHECKING:
    from accelsim.hardware import Energy
    from accelsim.summary import RunResult

__all__ = [
    "COMPONENTS", "LINES", "Activity", "EnergyBreakdown", "LayerEnergy", "Line", "RunEnergy",
    "energy_of", "power_over_time", "task_energy",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One energy component: its name (JSON key), how the table calls it, what one count is,
    and the `hardware.energy` field that prices one count."""

    name: str
    title: str
    measure: str
    price: str

    def joules(self, count: int, table: Energy) -> float:
        return count * float(getattr(table, self.price))


_MEMORY = (
    Line(name="ddr", title="DDR", measure="B", price="ddr_per_byte"),
    Line(name="sram_read", title="SRAM read", measure="B", price="sram_read_per_byte"),
    Line(name="sram_write", title="SRAM write", measure="B", price="sram_write_per_byte"),
)
LINES: tuple[Line, ...] = _MEMORY + tuple(
    Line(name=k.label, title=k.title, measure=k.measure, price=k.energy) for k in KINDS
)
"""The memory tiers' lines, then one per declared unit kind, in the order reports list them."""

COMPONENTS: tuple[str, ...] = tuple(line.name for line in LINES)
"""Component names, in the order reports list them (also the JSON keys)."""

_INTO_SRAM = ("load", "reload")
_OUT_OF_SRAM = ("store", "spill")


@dataclass(frozen=True, slots=True)
class Activity:
    """What was counted for each component (bytes, MACs or ops, by `COMPONENTS` name)."""

    counts: dict[str, int]

    def __add__(self, other: Activity) -> Activity:
        return Activity({c: self.count(c) + other.count(c) for c in COMPONENTS})

    def count(self, component: str) -> int:
        """The count `component` is charged for."""
        return self.counts.get(component, 0)


@dataclass(frozen=True, slots=True)
class EnergyBreakdown:
    """Joules per component (by `COMPONENTS` name); `total_j` is their sum."""

    joules: dict[str, float]

    @classmethod
    def of(cls, activity: Activity, table: Energy) -> EnergyBreakdown:
        """Price `activity` with the hardware file's energy figures."""
        return cls({line.name: line.joules(activity.count(line.name), table) for line in LINES})

    def components(self) -> dict[str, float]:
        """Joules by component name, in `COMPONENTS` order."""
        return {name: self.joules[name] for name in COMPONENTS}

    def part(self, component: str) -> float:
        return self.joules[component]

    @property
    def total_j(self) -> float:
        return sum(self.joules.values())


@dataclass(frozen=True, slots=True)
class LayerEnergy:
    """One layer's activity and what it cost."""

    name: str
    activity: Activity
    energy: EnergyBreakdown


@dataclass(frozen=True, slots=True)
class RunEnergy:
    """A run's energy: per layer, and the whole run's activity and breakdown (their sums)."""

    layers: tuple[LayerEnergy, ...]
    activity: Activity
    total: EnergyBreakdown

    @property
    def total_j(self) -> float:
        return self.total.total_j


def _task_counts(result: RunResult) -> list[Counter[str]]:
    """What each task (by id) is charged for: its work on its kind's line; a transfer's bytes
    also on the DDR line and the SRAM side it writes or reads."""
    counts: list[Counter[str]] = []
    for task, event in zip(result.plan.tasks, result.trace.events, strict=True):
        declared = kind(task.unit_kind)
        own: Counter[str] = Counter({declared.label: getattr(task.work, declared.amount)})
        if event.kind in _INTO_SRAM:
            own.update(ddr=event.nbytes, sram_write=event.nbytes)
        elif event.kind in _OUT_OF_SRAM:
            own.update(ddr=event.nbytes, sram_read=event.nbytes)
        counts.append(own)
    return counts


def energy_of(result: RunResult) -> RunEnergy:
    """Count and price the activity of every layer of `result` (see the module docstring)."""
    program = result.program
    per_layer: list[Counter[str]] = [Counter() for _ in program.layers]
    for task, own in zip(result.plan.tasks, _task_counts(result), strict=True):
        per_layer[task.layer].update(own)
    table = result.hardware.energy
    from accelsim.ddr_layers import layer_ddr

    ddr = layer_ddr(result)
    layers = []
    total = Activity({})
    for layer in program.layers:
        counted = per_layer[layer.index]
        counted.update(
            sram_read=sum(program.nbytes(name) for name in (*layer.reads, *layer.weights)),
            sram_write=sum(program.nbytes(n) for n in layer.writes),
        )
        activity = Activity({c: counted[c] for c in COMPONENTS})
        spent = EnergyBreakdown.of(activity, table)
        if ddr is not None:
            spent.joules["ddr"] = ddr[layer.index].energy_j
        layers.append(LayerEnergy(layer.name, activity, spent))
        total = total + activity
    whole = EnergyBreakdown.of(total, table)
    if ddr is not None:
        whole.joules["ddr"] = sum(spent.energy.part("ddr") for spent in layers)
    return RunEnergy(layers=tuple(layers), activity=total, total=whole)


def task_energy(result: RunResult, energy: RunEnergy | None = None) -> tuple[float, ...]:
    """Joules of each task, by task id, adding up to the run's: a transfer pays what it is
    charged for (its bytes' DDR, bus and SRAM figures); a layer's compute-side energy (MACs,
    vector ops, operand reads, output writes) is shared by its compute tasks in proportion to
    their cycles."""
    energy = energy or energy_of(result)
    table = result.hardware.energy
    joules = [0.0] * len(result.trace.events)
    computes: dict[int, list[int]] = {}
    moved = [0.0] * len(result.program.layers)
    for event, own in zip(result.trace.events, _task_counts(result), strict=True):
        if event.kind in _INTO_SRAM or event.kind in _OUT_OF_SRAM:
            joules[event.task] = sum(line.joules(own[line.name], table) for line in LINES)
        else:
            computes.setdefault(event.layer, []).append(event.task)
        moved[event.layer] += joules[event.task]
    events = result.trace.events
    for layer, spent in enumerate(energy.layers):
        tasks = computes.get(layer, [])
        rest = spent.energy.total_j - moved[layer]
        cycles = [events[t].end - events[t].start for t in tasks]
        total = sum(cycles)
        for task, busy in zip(tasks, cycles, strict=True):
            joules[task] = rest * (busy / total if total else 1 / len(tasks))
    return tuple(joules)


def power_over_time(result: RunResult, bins: int,
                    energy: RunEnergy | None = None) -> tuple[float, ...]:  # fmt: skip
    """Mean power (watts) in each of `bins` equal slices of the run: every task's joules spread
    evenly over its cycles (a task of no cycles counts in the slice it happens in)."""
    end = max(1, result.latency_cycles)
    width = end / bins
    spent = [0.0] * bins
    for event, joules in zip(result.trace.events, task_energy(result, energy), strict=True):
        if event.end <= event.start:
            spent[min(bins - 1, int(event.start / width))] += joules
            continue
        rate = joules / (event.end - event.start)
        first = int(event.start / width)
        last = min(bins - 1, math.ceil(event.end / width) - 1)
        for column in range(first, last + 1):
            overlap = min(event.end, (column + 1) * width) - max(event.start, column * width)
            spent[column] += rate * max(0.0, overlap)
    seconds = width / result.hardware.clock
    return tuple(joules / seconds for joules in spent)
