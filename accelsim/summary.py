"""Turn a trace into answers: per-layer timings, what bounds each layer, totals and the floor.

Everything here is derived from the Trace and the Plan; reports (tables, JSON, timeline) read
only the RunResult built here, so the table and `--json` cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from accelsim.explain.columns import KIND_NAMES, TASK_KINDS, Timeline, previous_of, timeline_of
from accelsim.explain.path import CriticalPath, critical_path
from accelsim.explain.stalls import Breakdown, breakdown_of, layer_breakdowns
from accelsim.explain.walk import KIND_LABELS, Walks
from accelsim.hardware import UNIT_KINDS
from accelsim.kinds import kind_running
from accelsim.timing.ddr import build_ddr
from accelsim.timing.models import channel_latency, planning_model
from accelsim.work import Gemm, Transfer

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy.typing as npt

    from accelsim.explain.columns import Column
    from accelsim.hardware import Hardware
    from accelsim.lowering import Buffer, Layer, Program
    from accelsim.plan import Plan
    from accelsim.sim.trace import Trace
    from accelsim.timing.ddr_banked import DramRun

_READS = ("load", "reload")
_DMA = kind_running(Transfer)
_MATRIX = kind_running(Gemm)  # its layers report the engine's utilisation
_WRITES = ("store", "spill")


@dataclass(frozen=True, slots=True)
class LayerResult:
    """One layer's share of the run. Times are cycles; `breakdown` splits the layer's window
    of the run (from the end of the layers before it to its own end) into what it was lost to,
    and `bound` names the largest part."""

    name: str
    op_types: tuple[str, ...]
    unit: str
    macs: int
    vector_ops: int
    tiles: int
    bus_read_bytes: int
    bus_write_bytes: int
    transfer_cycles: int
    latency_cycles: int  # of transfer_cycles, the transfers' start-ups that left a channel idle
    compute_cycles: int
    start: int
    end: int
    sram_in_use: int
    bound: str
    engine_utilisation: float | None  # matrix layers: useful MACs / (MACs per cycle x busy)
    breakdown: Breakdown


@dataclass(frozen=True, slots=True)
class Floor:
    """Lower bound on latency: every weight, input and output crosses the bus once, and every
    kind of unit does its work, shared evenly by its units; the largest part is the floor.
    Each transfer pays its start-up, unless the channels queue several (`depth` > 1): then
    only the first start-up counts.

    `parts` maps a kind's label (bus, matrix, vector) to its cycles. `link_limit` is "ddr" when
    DDR, not the DMA units, sets the transfer rate; the floor's limit then reads "ddr" (raising
    the DMA bandwidth would change nothing).
    """

    parts: dict[str, int]
    link_limit: str = "bus"

    @property
    def cycles(self) -> int:
        return max(self.parts.values())

    @property
    def limit(self) -> str:
        """What limits the floor; named apart from the layers' `bound` (what held the run back)."""
        limit = max(self.parts, key=self.parts.__getitem__)
        return self.link_limit if limit == "bus" else limit


@dataclass(frozen=True, slots=True)
class RunResult:
    """A whole simulated run: inputs, per-layer results, the trace and the totals."""

    model: str
    hardware: Hardware
    policy: str
    overlap: bool
    program: Program
    plan: Plan
    trace: Trace
    layers: tuple[LayerResult, ...]
    floor: Floor
    breakdown: Breakdown  # the run's: its critical path's cycles by what they were lost to
    path: CriticalPath
    dram: DramRun | None = None  # the banked DDR tier's log and energy (None on the rate tier)

    @property
    def latency_cycles(self) -> int:
        return self.trace.end

    @property
    def latency_s(self) -> float:
        return self.latency_cycles / self.hardware.clock

    def busy_cycles(self, unit: str) -> int:
        """Cycles unit `unit` (a declared name) was busy."""
        return self.trace.busy(unit)

    def utilisation(self, unit: str) -> float:
        """Busy share of the run for unit `unit` (a declared name)."""
        return self.busy_cycles(unit) / self.latency_cycles if self.latency_cycles else 0.0

    def kind_utilisation(self, kind: str) -> float:
        """Mean utilisation of the units of `kind` (dma, matrix, vector)."""
        names = self.hardware.units_of(kind)
        return sum(self.utilisation(name) for name in names) / len(names)

    @property
    def bus_read_bytes(self) -> int:
        return self._moved(_READS)

    @property
    def bus_write_bytes(self) -> int:
        return self._moved(_WRITES)

    def _moved(self, kinds: tuple[str, ...]) -> int:
        """Bytes the tasks of `kinds` moved, off the trace's columns (a tiled run has a task
        by the million, and its records are built only when read)."""
        columns = self.trace.table
        codes = [TASK_KINDS.index(kind) for kind in kinds]
        return int(columns.nbytes[np.isin(columns.kind, codes)].sum())

    @property
    def latency_share(self) -> float:
        """Share of the bus's busy cycles spent on per-transfer start-up latency."""
        busy = sum(self.busy_cycles(name) for name in self.hardware.units_of(_DMA))
        return sum(layer.latency_cycles for layer in self.layers) / busy if busy else 0.0

    @property
    def gap(self) -> float:
        """How far above the floor the run is, as a fraction of the floor."""
        return self.latency_cycles / self.floor.cycles - 1 if self.floor.cycles else 0.0


def summarize(model: str, hw: Hardware, program: Program, plan: Plan, trace: Trace, *,
              overlap: bool) -> RunResult:  # fmt: skip
    """Build the RunResult of a finished simulation."""
    line = timeline_of(trace)
    startup = channel_latency(hw)
    walks = Walks(line, startup=startup)  # one set of columns for the windows and the path
    windows = layer_breakdowns(walks, len(program.layers), startup=startup)
    sums = _layer_sums(line, len(program.layers), startup)
    macs_per_cycle = hw.matrix_flops_per_cycle / 2  # rows x cols for a systolic array
    drafts = [
        _layer_result(layer, plan.tiles[layer.index], sums, window, macs_per_cycle)
        for layer, window in zip(program.layers, windows, strict=True)
    ]
    peaks = trace.sram_peaks([(d.start, d.end) for d in drafts])
    path = critical_path(plan, trace.events, startup=startup, walks=walks)
    layers = tuple(replace(d, sram_in_use=peak) for d, peak in zip(drafts, peaks, strict=True))
    return RunResult(
        model=model,
        hardware=hw,
        policy=plan.policy,
        overlap=overlap,
        program=program,
        plan=plan,
        trace=trace,
        layers=layers,
        floor=floor_of(program, hw),
        breakdown=breakdown_of(path.steps, start=0, end=trace.end),
        path=path,
    )


def floor_of(program: Program, hw: Hardware, *, work: Mapping[str, int] | None = None) -> Floor:
    """The latency no schedule can beat on `hw` (see `Floor`); `work`: each kind's
    `kind_work` where already known (a sweep shares it between machines)."""
    if work is None:
        work = {kind: kind_work(program, hw, kind) for kind in UNIT_KINDS}
    parts = {KIND_LABELS[kind]: -(-work[kind] // len(hw.units_of(kind))) for kind in UNIT_KINDS}
    # Several DMA units still share one DDR: its rate bounds the bytes whatever the channels.
    moved = sum(b.nbytes for b in _crossing(program))
    ddr = build_ddr(hw).estimate(Transfer(nbytes=moved, direction="in"))
    link = "ddr" if ddr > parts["bus"] else hw.link_limit
    parts["bus"] = max(parts["bus"], ddr)
    return Floor(parts=parts, link_limit=link)


def kind_work(program: Program, hw: Hardware, kind: str) -> int:
    """Cycles of the work of `program` on units of `kind`, all on one unit: for the DMA, every
    input, weight and output crossing once. It reads no more of `hw` than the planning model
    of `kind` does (`timing.models.planning_key`), so machines equal there share it (a sweep's
    points over the bus share the engines' work)."""
    model = planning_model(hw, kind)  # looked up once (`estimate` looks it up by the fields)
    if kind == _DMA:
        must_cross = _crossing(program)
        total = sum(model.estimate(Transfer(nbytes=b.nbytes, direction="in")) for b in must_cross)
        if must_cross and getattr(hw.unit_of(_DMA), "depth", 1) > 1:
            # A queue hides every start-up behind earlier data but the first: count it once.
            total -= (len(must_cross) - 1) * channel_latency(hw)
        return total
    total = sum(model.estimate(layer.work) for layer in program.layers if layer.unit == kind)
    if kind == "vector":
        total += sum(model.estimate(layer.epilogue) for layer in program.layers
                     if layer.epilogue is not None)  # fmt: skip
    return total


def _crossing(program: Program) -> list[Buffer]:
    """The buffers that cross the bus at least once: inputs and weights some layer reads,
    outputs a layer writes. (A graph output that is an input, as an Identity model's, is in
    DDR already: it moves nothing.)"""
    used = {n for layer in program.layers for n in (*layer.reads, *layer.weights, *layer.writes)}
    return [b for b in program.buffers.values()
            if b.kind in ("input", "weight", "output") and b.name in used]  # fmt: skip


class _Sums(NamedTuple):
    """Per-layer sums over the trace, each a list by layer index."""

    start: list[int]  # the first compute's start
    end: list[int]  # the last compute's or store's end
    compute: list[int]  # cycles of its computes
    engine: list[int]  # of them, on the matrix engine
    read: list[int]  # bytes loaded and reloaded
    written: list[int]  # bytes stored and spilled
    held: list[int]  # cycles its transfers held their channels alone (`_channel_time`)
    shown: list[int]  # of them, start-up that left a channel idle


def _layer_sums(line: Timeline, layers: int, latency: int) -> _Sums:
    """Every layer's `_Sums`, by numpy group-bys over the trace's columns."""
    layer, start, end = line.layer, line.start, line.end
    compute = line.kind == TASK_KINDS.index("compute")
    dma = line.unit_kind == KIND_NAMES.index(_DMA)
    kind_in = np.array([kind in _READS for kind in TASK_KINDS]), np.array(
        [kind in _WRITES for kind in TASK_KINDS])  # fmt: skip
    reads, writes = dma & kind_in[0][line.kind], dma & kind_in[1][line.kind]
    first = np.full(layers, np.iinfo(np.int64).max)
    np.minimum.at(first, layer[compute], start[compute])
    last = np.full(layers, np.iinfo(np.int64).min)
    ends = compute | (dma & (line.kind == TASK_KINDS.index("store")))
    np.maximum.at(last, layer[ends], end[ends])
    held, shown = _channel_time(line, latency)
    matrix = compute & (line.unit_kind == KIND_NAMES.index(_MATRIX))
    return _Sums(
        start=first.tolist(), end=last.tolist(), compute=_sum_by(layer, end - start, compute,
                                                                 layers),
        engine=_sum_by(layer, end - start, matrix, layers),
        read=_sum_by(layer, line.nbytes, reads, layers),
        written=_sum_by(layer, line.nbytes, writes, layers),
        held=_sum_by(layer, held, dma, layers), shown=_sum_by(layer, shown, dma, layers),
    )  # fmt: skip


def _sum_by(layer: npt.NDArray[np.int32], values: Column, rows: Column,
            layers: int) -> list[int]:  # fmt: skip
    """The sums of `values` over `rows` (a mask) by layer, in int64."""
    sums = np.zeros(layers, np.int64)
    np.add.at(sums, layer[rows], values[rows])
    return [int(total) for total in sums]


def _channel_time(line: Timeline, latency: int) -> tuple[Column, Column]:
    """(cycles, start-up cycles) each transfer held its channel alone (0 for other tasks).

    A channel moves one transfer's data at a time, so a transfer holds it from its start or
    the end of the transfer before it on the channel, whichever is later, to its end; its
    data starts once its start-up is over and that earlier transfer ended. Issued after that
    end (queue depth 1, always), its whole start-up shows; issued earlier, only the part that
    outlasts the earlier data. The held stretches of a channel add up to its busy time.
    """
    moves = np.flatnonzero((line.unit_kind == KIND_NAMES.index(_DMA)) & (line.nbytes > 0))
    before = previous_of(line.unit, moves)
    start, end = line.start[moves], line.end[moves]
    previous = np.where(before >= 0, line.end[before], start)  # the channel's first: its start
    held, shown = np.zeros(len(line), np.int64), np.zeros(len(line), np.int64)
    held[moves] = end - np.maximum(start, previous)
    shown[moves] = np.maximum(0, np.minimum(latency, start + latency - previous))
    return held, shown


def _layer_result(layer: Layer, tiles: int, sums: _Sums, window: Breakdown,
                  macs_per_cycle: float) -> LayerResult:  # fmt: skip
    index = layer.index
    utilisation = None
    engine_cycles = sums.engine[index]
    if layer.unit == _MATRIX and engine_cycles:
        utilisation = layer.macs / (macs_per_cycle * engine_cycles)
    # A layer that ended inside an earlier layer's window lost nothing: its own unit bounds it.
    bound = window.bound or KIND_LABELS[layer.unit]
    return LayerResult(
        name=layer.name,
        op_types=layer.op_types,
        unit=layer.unit,
        macs=layer.macs,
        vector_ops=layer.vector_ops,
        tiles=tiles,
        bus_read_bytes=sums.read[index],
        bus_write_bytes=sums.written[index],
        transfer_cycles=sums.held[index],
        latency_cycles=sums.shown[index],
        compute_cycles=sums.compute[index],
        start=sums.start[index],
        end=sums.end[index],
        sram_in_use=0,  # filled in for all layers at once by `summarize`
        bound=bound,
        engine_utilisation=utilisation,
        breakdown=window,
    )
