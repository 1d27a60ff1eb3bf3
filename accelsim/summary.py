"""Turn a trace into answers: per-layer timings, what bounds each layer, totals and the floor.

Everything here is derived from the Trace and the Plan; reports (tables, JSON, timeline) read
only the RunResult built here, so the table and `--json` cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from accelsim.explain.path import CriticalPath, critical_path
from accelsim.explain.stalls import Breakdown, breakdown_of, layer_breakdowns
from accelsim.explain.walk import KIND_LABELS, data_behind
from accelsim.hardware import UNIT_KINDS
from accelsim.kinds import kind_running
from accelsim.timing.ddr import build_ddr
from accelsim.timing.models import channel_latency, estimate
from accelsim.work import Gemm, Transfer

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.lowering import Layer, Program
    from accelsim.plan import Plan
    from accelsim.sim.trace import Event, Trace
    from accelsim.timing.ddr_banked import DramRun

_READS = ("load", "reload")
_DMA = kind_running(Transfer)
_MATRIX = kind_running(Gemm)  # its layers report the engine's utilisation
_WRITES = ("store", "spill")
_Held = dict[int, tuple[int, int]]  # layer -> (cycles its transfers held their channels,
#                                      of them start-up that left a channel idle)


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
        return sum(e.nbytes for e in self.trace.events if e.kind in _READS)

    @property
    def bus_write_bytes(self) -> int:
        return sum(e.nbytes for e in self.trace.events if e.kind in _WRITES)

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
    by_layer: dict[int, list[Event]] = {}
    for event in trace.events:
        by_layer.setdefault(event.layer, []).append(event)
    startup = channel_latency(hw)
    channel_time = _channel_time(trace, startup)
    macs_per_cycle = hw.matrix_flops_per_cycle / 2  # rows x cols for a systolic array
    behind = data_behind(trace.events, startup)  # one pass for the windows and the path
    windows = layer_breakdowns(trace.events, len(program.layers), startup=startup,
                               behind=behind)  # fmt: skip
    drafts = [
        _layer_result(layer, plan.tiles[layer.index], by_layer.get(layer.index, []), window,
                      channel_time, macs_per_cycle)
        for layer, window in zip(program.layers, windows, strict=True)
    ]  # fmt: skip
    peaks = trace.sram_peaks([(d.start, d.end) for d in drafts])
    path = critical_path(plan, trace.events, startup=startup, behind=behind)
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


def floor_of(program: Program, hw: Hardware) -> Floor:
    """The latency no schedule can beat on `hw` (see `Floor`)."""
    must_cross = [b for b in program.buffers.values() if b.kind in ("input", "weight", "output")]
    work = dict.fromkeys(UNIT_KINDS, 0)
    work[_DMA] = sum(
        estimate(hw, _DMA, Transfer(nbytes=b.nbytes, direction="in")) for b in must_cross
    )
    if must_cross and getattr(hw.unit_of(_DMA), "depth", 1) > 1:
        # A queue hides every start-up behind earlier data but the first: count it once.
        work[_DMA] -= (len(must_cross) - 1) * channel_latency(hw)
    for layer in program.layers:
        work[layer.unit] += estimate(hw, layer.unit, layer.work)
        if layer.epilogue is not None:
            work["vector"] += estimate(hw, "vector", layer.epilogue)
    parts = {KIND_LABELS[kind]: -(-work[kind] // len(hw.units_of(kind))) for kind in UNIT_KINDS}
    # Several DMA units still share one DDR: its rate bounds the bytes whatever the channels.
    moved = sum(b.nbytes for b in must_cross)
    ddr = build_ddr(hw).estimate(Transfer(nbytes=moved, direction="in"))
    link = "ddr" if ddr > parts["bus"] else hw.link_limit
    parts["bus"] = max(parts["bus"], ddr)
    return Floor(parts=parts, link_limit=link)


def _channel_time(trace: Trace, latency: int) -> _Held:
    """(cycles, start-up cycles) the transfers of each layer held their channels alone (summed
    by layer as they go: a tiled run has transfers by the million).

    A channel moves one transfer's data at a time, so a transfer holds it from its start or
    the end of the transfer before it on the channel, whichever is later, to its end; its
    data starts once its start-up is over and that earlier transfer ended. Issued after that
    end (queue depth 1, always), its whole start-up shows; issued earlier, only the part that
    outlasts the earlier data. The held stretches of a channel add up to its busy time.
    """
    held: _Held = {}
    before: dict[str, int] = {}  # end of the channel's previous transfer
    for event in trace.events:
        if event.unit_kind == _DMA and event.nbytes > 0:
            previous = before.get(event.resource, event.start)
            shown = max(0, min(latency, event.start + latency - previous))
            cycles, shows = held.get(event.layer, (0, 0))
            held[event.layer] = (cycles + event.end - max(event.start, previous), shows + shown)
            before[event.resource] = event.end
    return held


def _layer_result(layer: Layer, tiles: int, events: list[Event], window: Breakdown,
                  held: _Held, macs_per_cycle: float) -> LayerResult:  # fmt: skip
    computes = [e for e in events if e.kind == "compute"]
    transfers = [e for e in events if e.unit_kind == _DMA]
    start = min(e.start for e in computes)
    end = max(e.end for e in (*computes, *(e for e in transfers if e.kind == "store")))
    transfer_cycles, latency_cycles = held.get(layer.index, (0, 0))
    compute_cycles = sum(e.end - e.start for e in computes)
    utilisation = None
    engine_cycles = sum(e.end - e.start for e in computes if e.unit_kind == _MATRIX)
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
        bus_read_bytes=sum(e.nbytes for e in transfers if e.kind in _READS),
        bus_write_bytes=sum(e.nbytes for e in transfers if e.kind in _WRITES),
        transfer_cycles=transfer_cycles,
        latency_cycles=latency_cycles,
        compute_cycles=compute_cycles,
        start=start,
        end=end,
        sram_in_use=0,  # filled in for all layers at once by `summarize`
        bound=bound,
        engine_utilisation=utilisation,
        breakdown=window,
    )
