"""Energy of a run, per layer, per component and per tensor, from what the trace and the program
say moved and how long the run took.

What is counted (each count times its price from `hardware.energy`, in joules):

- **ddr**: every byte a transfer moves (load, reload, store, spill) is one DDR access (and one
  crossing of the DMA unit that moves it, the **bus** line below).
- **sram_write**: bytes written into SRAM: every byte a load or reload brings in, plus every byte
  a layer writes as its output.
- **sram_read**: bytes read out of SRAM: every byte a store or spill sends to DDR, plus every
  byte of a layer's operands (activation inputs and weights) its unit reads, counted once per
  layer. A tiled layer's overlapping input rows (halos) are loaded, and so written and read,
  once per tile: the load side counts them, the compute side counts the operand once.
  An SRAM byte costs the per-byte figure times (capacity / reference capacity) ** exponent: a
  bigger array has longer word and bit lines (CACTI's wire-dominated law; the default exponent
  is fitted to Horowitz's cache figures, see `accelsim schema`).
- one line per unit kind declared in `accelsim.kinds` (**bus**, **matrix**, **vector**): the
  amount of work its tasks carry (bytes moved, MACs, vector ops), priced by the kind's
  `hardware.energy` field. Ops fused on the engine's output stage and folded BatchNormalization
  cost no separate energy, as they cost no separate time.
- **sram_leakage** and **logic_leakage**: static power (per SRAM byte, per unit) for every cycle
  of the run. A layer pays for the cycles of its window of the run (`accelsim.explain.stalls`:
  the windows tile the run), so the layers' leakage adds up to the run's.

With `ddr.timing: banked` the **ddr** component is the DRAM's command energy instead
(`accelsim.dram.energy`, Micron's IDD method): a layer pays an ACT for each row miss or conflict of
its transfers and a RD/WR per burst; refresh and background power belong to the run and are
shared out by bytes moved (`accelsim.ddr_layers`). The run's DRAM parts (activate, read, write,
refresh, background) are in `RunResult.dram.energy`.

A transfer is charged to the layer the planner made it for (a prefetch to the layer that needs
the data, a spill to the layer whose working set forced it).
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.kinds import KINDS, kind_running
from accelsim.kinds import kind as kind_of
from accelsim.plan import Tasks
from accelsim.work import Transfer

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.lowering import Program
    from accelsim.plan import Plan
    from accelsim.summary import RunResult

__all__ = [
    "COMPONENTS", "LINES", "POWER_BINS", "Activity", "EnergyBreakdown", "LayerEnergy", "Line",
    "RunEnergy", "energy_of", "plan_activity", "power_between", "power_over_time", "prices_on",
    "run_total", "sram_scale", "task_energy", "tensor_energy",
]


def sram_scale(hw: Hardware) -> float:
    """How much an SRAM access costs against the per-byte figures' reference capacity."""
    e = hw.energy
    return float((hw.sram.capacity / e.sram_reference_capacity) ** e.sram_capacity_exponent)


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One energy component: its name (JSON key), how the table calls it, what one count is,
    and the price of one count on a machine. A `static` line counts cycles of the run."""

    name: str
    title: str
    measure: str
    price: Callable[[Hardware], float]
    static: bool = False

    def joules(self, count: int, hw: Hardware) -> float:
        return count * self.price(hw)


def _field(name: str, *, scaled: bool = False) -> Callable[[Hardware], float]:
    """The price in `hardware.energy.<name>` (times `sram_scale` for an SRAM access)."""
    return lambda hw: float(getattr(hw.energy, name)) * (sram_scale(hw) if scaled else 1.0)


LINES: tuple[Line, ...] = (
    Line(name="ddr", title="DDR", measure="B", price=_field("ddr_per_byte")),
    Line(name="sram_read", title="SRAM read", measure="B",
         price=_field("sram_read_per_byte", scaled=True)),
    Line(name="sram_write", title="SRAM write", measure="B",
         price=_field("sram_write_per_byte", scaled=True)),
    *(Line(name=k.label, title=k.title, measure=k.measure, price=_field(k.energy))
      for k in KINDS),
    Line(name="sram_leakage", title="SRAM leakage", measure="cycle", static=True,
         price=lambda hw: hw.energy.sram_leakage_per_byte * hw.sram.capacity / hw.clock),
    Line(name="logic_leakage", title="logic leakage", measure="cycle", static=True,
         price=lambda hw: hw.energy.logic_leakage_per_unit * len(hw.units) / hw.clock),
)  # fmt: skip
"""The memory tiers' lines, one per declared unit kind, then leakage, in report order."""

COMPONENTS: tuple[str, ...] = tuple(line.name for line in LINES)
"""Component names, in the order reports list them (also the JSON keys)."""

_INTO_SRAM = ("load", "reload")
_OUT_OF_SRAM = ("store", "spill")


@dataclass(frozen=True, slots=True)
class Activity:
    """What was counted for each component (bytes, MACs, ops or cycles, by `COMPONENTS` name)."""

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
    def of(cls, activity: Activity, prices: dict[str, float]) -> EnergyBreakdown:
        """Price `activity` at `prices` (joules per count by component, `prices_on`)."""
        counts = activity.counts
        return cls({name: counts.get(name, 0) * price for name, price in prices.items()})

    def components(self) -> dict[str, float]:
        """Joules by component name, in `COMPONENTS` order."""
        return {name: self.joules[name] for name in COMPONENTS}

    def part(self, component: str) -> float:
        return self.joules[component]

    @property
    def total_j(self) -> float:
        return sum(self.joules.values())

    @property
    def dynamic_j(self) -> float:
        """Joules of the lines that count work, not cycles (what tasks are charged)."""
        return sum(self.joules[line.name] for line in LINES if not line.static)


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


def prices_on(hw: Hardware) -> dict[str, float]:
    """Joules per count of every component on `hw`, in `COMPONENTS` order."""
    return {line.name: line.price(hw) for line in LINES}


def energy_of(result: RunResult) -> RunEnergy:
    """Count and price the activity of every layer of `result` (see the module docstring)."""
    program = result.program
    sums = _layer_counts(program, result.plan)
    hw = result.hardware
    prices = prices_on(hw)
    from accelsim.ddr_layers import layer_ddr

    ddr = layer_ddr(result)
    layers = []
    total = Activity({})
    for layer, summary in zip(program.layers, result.layers, strict=True):
        window = summary.breakdown.end - summary.breakdown.start
        for line in LINES:
            if line.static:
                sums[line.name][layer.index] = window
        activity = Activity({c: sums[c][layer.index] for c in COMPONENTS})
        spent = EnergyBreakdown.of(activity, prices)
        if ddr is not None:
            spent.joules["ddr"] = ddr[layer.index].energy_j
        layers.append(LayerEnergy(layer.name, activity, spent))
        total = total + activity
    whole = EnergyBreakdown.of(total, prices)
    if ddr is not None:
        whole.joules["ddr"] = sum(spent.energy.part("ddr") for spent in layers)
    return RunEnergy(layers=tuple(layers), activity=total, total=whole)


def plan_activity(program: Program, plan: Plan) -> Activity:
    """The whole run's counts of the lines that count work (static lines: 0): they depend on
    the plan alone, so a sweep counts them once per plan it reuses."""
    sums = _layer_counts(program, plan)
    return Activity({name: sum(column) for name, column in sums.items()})


def run_total(work: Activity, cycles: int, hw: Hardware) -> EnergyBreakdown:
    """A run's energy from `plan_activity` and its latency: the same figures as
    `energy_of(result).total` on the rate tier (the layers' windows tile the run)."""
    static = {line.name: cycles for line in LINES if line.static}
    return EnergyBreakdown.of(Activity({**work.counts, **static}), prices_on(hw))


def _layer_counts(program: Program, plan: Plan) -> dict[str, list[int]]:
    """Per component, each layer's count of the lines that count work (static lines: 0)."""
    # NOTE: one column of per-layer sums per component, added to task by task without a record
    # per task: a tiled run has a task by the hundred thousand.
    sums = {name: [0] * len(program.layers) for name in COMPONENTS}
    kinds = {k.name: (sums[k.label], k.amount) for k in KINDS}
    ddr_sums, read, written = sums["ddr"], sums["sram_read"], sums["sram_write"]
    tasks = Tasks.of(plan.tasks)
    for unit_kind, at, work, kind, nbytes in zip(
        tasks.unit_kind, tasks.layer, tasks.work, tasks.kind, tasks.nbytes(), strict=True
    ):
        column, amount = kinds[unit_kind]
        column[at] += getattr(work, amount)
        if kind in _INTO_SRAM:
            ddr_sums[at] += nbytes
            written[at] += nbytes
        elif kind in _OUT_OF_SRAM:
            ddr_sums[at] += nbytes
            read[at] += nbytes
    for layer in program.layers:
        read[layer.index] += sum(program.nbytes(n) for n in (*layer.reads, *layer.weights))
        written[layer.index] += sum(program.nbytes(n) for n in layer.writes)
    return sums


def _transfer_joules(result: RunResult) -> array[float]:
    """Each task's own priced counts if it is a transfer (its bytes on the bus line, the DDR
    line and the SRAM side it fills or empties), else 0: a float64 array (8 B a task; a list
    of float objects holds ~32)."""
    import numpy as np

    from accelsim.explain.columns import KIND_NAMES, TASK_KINDS, timeline_of

    line = timeline_of(result.trace)
    into = np.isin(line.kind, [TASK_KINDS.index(kind) for kind in _INTO_SRAM])
    moving = np.flatnonzero(into | np.isin(line.kind, [TASK_KINDS.index(kind)
                                                       for kind in _OUT_OF_SRAM]))  # fmt: skip
    dma = kind_of(kind_running(Transfer))
    assert (line.unit_kind[moving] == KIND_NAMES.index(dma.name)).all(), "transfers run on DMA"
    # NOTE: a tiled run has a transfer by the hundred thousand, most of them alike: each
    # distinct (bytes, SRAM side) is priced once, by the same sum as `Line.joules` adds up
    prices = list(prices_on(result.hardware).items())
    distinct, which = np.unique(line.nbytes[moving] * 2 + into[moving], return_inverse=True)
    paid = []
    for key in distinct.tolist():
        nbytes, side = key >> 1, "sram_write" if key & 1 else "sram_read"
        own = {dma.label: nbytes, "ddr": nbytes, side: nbytes}
        paid.append(sum(own.get(name, 0) * price for name, price in prices))
    joules = np.zeros(len(line))
    joules[moving] = np.array(paid, np.float64)[which]
    return array("d", joules.tobytes())


def task_energy(result: RunResult, energy: RunEnergy | None = None) -> array[float]:
    """Dynamic joules of each task, by task id, adding up to the run's dynamic energy (leakage
    belongs to time, not to tasks): a transfer pays what it is charged for (its bytes' DDR, bus
    and SRAM figures); a layer's compute-side energy (MACs, vector ops, operand reads, output
    writes) is shared by its compute tasks in proportion to their cycles."""
    energy = energy or energy_of(result)
    joules = _transfer_joules(result)
    # NOTE: two passes over the trace's columns with per-layer sums, no list of each layer's
    # compute tasks: a large run has millions of tasks, and these passes set its peak memory.
    layers = len(result.program.layers)
    moved = [0.0] * layers
    cycles = [0] * layers
    computes = [0] * layers
    fields = ("task", "kind", "layer", "start", "end")
    for task, kind, layer, start, end in result.trace.rows(*fields):
        if kind not in _INTO_SRAM and kind not in _OUT_OF_SRAM:
            cycles[layer] += end - start
            computes[layer] += 1
        moved[layer] += joules[task]
    rest = [spent.energy.dynamic_j - moved[layer] for layer, spent in enumerate(energy.layers)]
    for task, kind, layer, start, end in result.trace.rows(*fields):
        if kind not in _INTO_SRAM and kind not in _OUT_OF_SRAM:
            total = cycles[layer]
            share = (end - start) / total if total else 1 / computes[layer]
            joules[task] = rest[layer] * share
    return joules


def tensor_energy(result: RunResult) -> dict[str, float]:
    """Joules spent moving and keeping each tensor, most first: its transfers (DDR, bus, SRAM
    side), its reads as a layer's operand and its writes as a layer's output, at the flat
    per-byte prices (with banked DDR too). MACs, vector ops and leakage belong to no tensor."""
    hw = result.hardware
    spent: dict[str, float] = defaultdict(float)
    for buffer, joules in zip(result.trace.table.buffer, _transfer_joules(result), strict=True):
        spent[buffer] += joules
    by_name = {line.name: line for line in LINES}
    program = result.program
    for layer in program.layers:
        for name in (*layer.reads, *layer.weights):
            spent[name] += by_name["sram_read"].joules(program.nbytes(name), hw)
        for name in layer.writes:
            spent[name] += by_name["sram_write"].joules(program.nbytes(name), hw)
    spent.pop("", None)
    return dict(sorted(spent.items(), key=lambda item: (-item[1], item[0])))


POWER_BINS = 200
"""Slices of the run that `--json` and the HTML report give power over time in."""


def power_over_time(result: RunResult, bins: int,
                    energy: RunEnergy | None = None) -> tuple[float, ...]:  # fmt: skip
    """Mean power (watts) in each of `bins` equal slices of the run (see `power_between`)."""
    end = max(1, result.latency_cycles)
    return power_between(result, [end * i / bins for i in range(bins + 1)], energy)


def power_between(result: RunResult, edges: list[float],
                  energy: RunEnergy | None = None) -> tuple[float, ...]:  # fmt: skip
    """Mean power (watts) between each pair of neighbouring `edges` (cycles, rising, equally
    spaced): every task's joules spread evenly over its cycles (a task of no cycles counts in
    the slice it happens in), plus the static power of every cycle."""
    energy = energy or energy_of(result)
    columns = len(edges) - 1
    start, width = edges[0], (edges[-1] - edges[0]) / columns
    spent = [0.0] * columns
    times = result.trace.rows("start", "end")
    for (began, ended), joules in zip(times, task_energy(result, energy), strict=True):
        if ended <= began:
            if start <= began < edges[-1]:
                spent[min(columns - 1, int((began - start) / width))] += joules
            continue
        rate = joules / (ended - began)
        first = max(0, int((began - start) / width))
        last = min(columns - 1, math.ceil((ended - start) / width) - 1)
        for column in range(first, last + 1):
            overlap = min(ended, edges[column + 1]) - max(began, edges[column])
            spent[column] += rate * max(0.0, overlap)
    hw = result.hardware
    static_w = sum(line.price(hw) for line in LINES if line.static) * hw.clock
    seconds = width / hw.clock
    return tuple(joules / seconds + static_w for joules in spent)
