"""Energy of a run, per layer and per component, from what the trace and the program say moved.

What is counted (each count times its `hardware.energy` figure, in joules):

- **ddr** and **bus**: every byte a transfer moves (load, reload, store, spill) is one DDR access
  and one bus crossing.
- **sram_write**: bytes written into SRAM: every byte a load or reload brings in, plus every byte
  a layer writes as its output.
- **sram_read**: bytes read out of SRAM: every byte a store or spill sends to DDR, plus every
  byte of a layer's operands (activation inputs and weights) its unit reads, counted once per
  layer. A tiled layer's overlapping input rows (halos) are loaded, and so written and read,
  once per tile: the load side counts them, the compute side counts the operand once.
- **mac**: multiply-accumulates on the matrix engine; **vector**: vector-unit operations. Ops fused
  on the engine's output stage and folded BatchNormalization cost no separate energy, as they
  cost no separate time.

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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.hardware import Energy
    from accelsim.summary import RunResult

__all__ = [
    "COMPONENTS", "Activity", "EnergyBreakdown", "LayerEnergy", "RunEnergy", "energy_of",
    "power_over_time", "task_energy",
]

COMPONENTS: tuple[str, ...] = ("ddr", "bus", "sram_read", "sram_write", "mac", "vector")
"""Component names, in the order reports list them (also the JSON keys)."""

_INTO_SRAM = ("load", "reload")
_OUT_OF_SRAM = ("store", "spill")


@dataclass(frozen=True, slots=True)
class Activity:
    """Counts that cost energy; `transfer_bytes` crossed the bus (and hit DDR) once each."""

    transfer_bytes: int = 0
    sram_read_bytes: int = 0
    sram_write_bytes: int = 0
    macs: int = 0
    vector_ops: int = 0

    def __add__(self, other: Activity) -> Activity:
        return Activity(
            transfer_bytes=self.transfer_bytes + other.transfer_bytes,
            sram_read_bytes=self.sram_read_bytes + other.sram_read_bytes,
            sram_write_bytes=self.sram_write_bytes + other.sram_write_bytes,
            macs=self.macs + other.macs,
            vector_ops=self.vector_ops + other.vector_ops,
        )

    def count(self, component: str) -> int:
        """The count `component` is charged for (bytes, MACs or ops)."""
        return {
            "ddr": self.transfer_bytes,
            "bus": self.transfer_bytes,
            "sram_read": self.sram_read_bytes,
            "sram_write": self.sram_write_bytes,
            "mac": self.macs,
            "vector": self.vector_ops,
        }[component]


@dataclass(frozen=True, slots=True)
class EnergyBreakdown:
    """Joules per component (see `COMPONENTS`); `total_j` is their sum."""

    ddr_j: float
    bus_j: float
    sram_read_j: float
    sram_write_j: float
    mac_j: float
    vector_j: float

    @classmethod
    def of(cls, activity: Activity, table: Energy) -> EnergyBreakdown:
        """Price `activity` with the hardware file's energy figures."""
        return cls(
            ddr_j=activity.transfer_bytes * table.ddr_per_byte,
            bus_j=activity.transfer_bytes * table.bus_per_byte,
            sram_read_j=activity.sram_read_bytes * table.sram_read_per_byte,
            sram_write_j=activity.sram_write_bytes * table.sram_write_per_byte,
            mac_j=activity.macs * table.mac,
            vector_j=activity.vector_ops * table.vector_op,
        )

    def components(self) -> dict[str, float]:
        """Joules by component name, in `COMPONENTS` order."""
        return {name: getattr(self, f"{name}_j") for name in COMPONENTS}

    @property
    def total_j(self) -> float:
        return sum(self.components().values())


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


def energy_of(result: RunResult) -> RunEnergy:
    """Count and price the activity of every layer of `result` (see the module docstring)."""
    program = result.program
    transferred = [0] * len(program.layers)
    written = [0] * len(program.layers)
    read = [0] * len(program.layers)
    for event in result.trace.events:
        if event.kind in _INTO_SRAM:
            transferred[event.layer] += event.nbytes
            written[event.layer] += event.nbytes
        elif event.kind in _OUT_OF_SRAM:
            transferred[event.layer] += event.nbytes
            read[event.layer] += event.nbytes
    table = result.hardware.energy
    from accelsim.ddr_layers import layer_ddr

    ddr = layer_ddr(result)
    layers = []
    total = Activity()
    for layer in program.layers:
        operands = sum(program.nbytes(name) for name in (*layer.reads, *layer.weights))
        activity = Activity(
            transfer_bytes=transferred[layer.index],
            sram_read_bytes=read[layer.index] + operands,
            sram_write_bytes=written[layer.index] + sum(program.nbytes(n) for n in layer.writes),
            macs=layer.macs if layer.unit == "matrix" else 0,  # else counted as 2 vector ops each
            vector_ops=layer.vector_ops + layer.epilogue_ops,
        )
        spent = EnergyBreakdown.of(activity, table)
        if ddr is not None:
            spent = replace(spent, ddr_j=ddr[layer.index].energy_j)
        layers.append(LayerEnergy(layer.name, activity, spent))
        total = total + activity
    whole = EnergyBreakdown.of(total, table)
    if ddr is not None:
        whole = replace(whole, ddr_j=sum(spent.energy.ddr_j for spent in layers))
    return RunEnergy(layers=tuple(layers), activity=total, total=whole)


def task_energy(result: RunResult, energy: RunEnergy | None = None) -> tuple[float, ...]:
    """Joules of each task, by task id, adding up to the run's: a transfer pays its bytes' DDR,
    bus and SRAM figures; a layer's compute-side energy (MACs, vector ops, operand reads, output
    writes) is shared by its compute tasks in proportion to their cycles."""
    energy = energy or energy_of(result)
    table = result.hardware.energy
    per_byte = table.ddr_per_byte + table.bus_per_byte
    joules = [0.0] * len(result.trace.events)
    computes: dict[int, list[int]] = {}
    moved = [0.0] * len(result.program.layers)
    for event in result.trace.events:
        if event.kind in _INTO_SRAM:
            joules[event.task] = event.nbytes * (per_byte + table.sram_write_per_byte)
        elif event.kind in _OUT_OF_SRAM:
            joules[event.task] = event.nbytes * (per_byte + table.sram_read_per_byte)
        else:
            computes.setdefault(event.layer, []).append(event.task)
        moved[event.layer] += joules[event.task]
    events = result.trace.events
    for layer, spent in enumerate(energy.layers):
        tasks = computes.get(layer, [])
        rest = spent.energy.total_j - moved[layer]
        cycles = [events[t].end - events[t].start for t in tasks]
        total = sum(cycles)
        for task, own in zip(tasks, cycles, strict=True):
            joules[task] = rest * (own / total if total else 1 / len(tasks))
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
