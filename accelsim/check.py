"""An independent judge of a run: is every byte where it must be, and is every time right?

It trusts nothing the planner wrote about *when*: not the tasks' dependencies, not the ranges'
release lists, not the planner's or the machine's timing helpers. What it knows comes from
three places:

- the lowered program: which buffers each layer reads and writes, and their sizes;
- the plan's placements, only as facts to verify: each SRAM range's offset, size and the event
  that fills it (a load of that buffer, or the compute of the layer that writes it);
- the trace: what each event did (kind, layer, buffer, bytes) and when it ran; events are in
  plan order, and a reader reads the newest copy of its buffer filled before it in that order
  (a tile's store: the copy its layer's compute of that tile wrote, which a queued channel may
  store after the next tile's compute began).

From these it derives how long each copy must stay intact (from its fill to the end of its last
reader) and checks: ranges inside SRAM; no two intact copies sharing a byte at the same time;
the reported SRAM occupancy never below what is live; every reader starting after its copy is
filled; a load of an activation after it reached DDR; outputs stored in full; one task at a time
per unit (a DMA channel: up to its queue `depth`); DDR homes inside `ddr.capacity`, two sharing
bytes only when one's transfers all end before the other's begin, and every transfer's DDR range
inside its buffer's home; every duration from the formulas written
here (`transfer_cycles`, `compute_cycles`), not the simulator's; and DDR never moving more than
`ddr.bandwidth` allows in any window when several transfers can be in flight.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.work import Transfer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from accelsim.hardware import Hardware
    from accelsim.lowering import Program
    from accelsim.plan import Allocation, Plan
    from accelsim.sim.trace import Event, Trace

_UNUSED = (math.inf, -math.inf)  # the span of transfers of a buffer that has none
_FILLS = ("load", "reload")  # DDR -> SRAM
_DRAINS = ("store", "spill")  # SRAM -> DDR


def transfer_cycles(nbytes: int, hw: Hardware) -> int:
    """Cycles to move `nbytes` over the DMA path: latency + bytes at the slower of bus and DDR.

    Zero bytes cost nothing: there is nothing to fetch, so no request is issued and no latency
    is paid.
    """
    if nbytes <= 0:
        return 0
    dma = hw.dma
    latency = _whole_cycles((hw.ddr.latency + dma.latency) * hw.clock)
    return latency + _whole_cycles(nbytes * hw.clock / min(dma.bandwidth, hw.ddr.bandwidth))


def compute_cycles(unit: str, macs: int, vector_ops: int, hw: Hardware) -> int:
    """Cycles of work at the unit's peak rate: 2 FLOPs per MAC on the matrix engine, else ops."""
    if unit == "matrix":
        peak = hw.matrix.peak
        assert peak is not None, "the judge times rate matrix units only"
        return _whole_cycles(2 * macs * hw.clock / peak)
    return _whole_cycles(vector_ops * hw.clock / hw.vector.peak)


def _whole_cycles(cycles: float) -> int:
    """Round up to whole cycles, forgiving float noise of one part in 10^9."""
    return max(0, math.ceil(cycles - 1e-9 * max(1.0, cycles)))


@dataclass(slots=True)
class _Copy:
    """One SRAM range holding `buffer`, intact from `start` until `until` at least, and whole
    from `ready` (its fill's end, or the end of the last compute that added into it since)."""

    buffer: str
    offset: int
    size: int
    fill: int
    start: int
    until: int
    ready: int


def plan_violations(program: Program, plan: Plan, trace: Trace, hw: Hardware) -> list[str]:
    """Every broken invariant, one line each; an empty list means the run is sound.

    From `plan` only the allocations' buffer, offset, size and filling event (`first`) are read.
    """
    events = tuple(trace.events)  # each read often: built once (a trace builds them when read)
    problems: list[str] = []
    copies = _copies(program, plan.allocations, events, hw.sram.capacity, problems)
    parts = _follow_data(program, events, copies, problems)
    _check_coverage(program, events, parts, problems)
    _check_overlaps(copies, problems)
    _check_occupancy(copies, trace.sram, problems)
    _check_durations(program, events, hw, problems)
    _check_units(events, hw, problems)
    _check_ddr(events, hw, problems)
    _check_ddr_homes(program, plan, events, hw, problems)
    return problems


def _copies(program: Program, allocations: Sequence[Allocation], events: Sequence[Event],
            capacity: int, problems: list[str]) -> list[_Copy]:  # fmt: skip
    """Each range as a copy of a program buffer, checked against the event said to fill it."""
    copies = []
    for a in allocations:
        if a.offset < 0 or a.offset + a.size > capacity:
            problems.append(f"{a.buffer}: range [{a.offset}, {a.offset + a.size}) outside SRAM")
        if not 0 <= a.first < len(events):
            problems.append(f"{a.buffer}: range filled by no event")
            continue
        fill = events[a.first]
        buffer = _filled_buffer(program, a, fill)
        if buffer is None:
            problems.append(f"{a.buffer}: event {a.first} ({fill.kind}) does not write it")
            continue
        limit = program.nbytes(buffer)
        if fill.kind == "compute":  # a K-split's partial sums: up to 4 B (int32, fp32) an element
            limit = max(limit, 4 * math.prod(program.buffers[buffer].shape))
        if a.size > limit or (fill.kind in _FILLS and fill.nbytes != a.size):
            problems.append(f"{a.buffer}: {a.size} B range for a {fill.nbytes} B {fill.kind}")
        copies.append(_Copy(buffer, a.offset, a.size, a.first, fill.start, fill.end, fill.end))
    filled = Counter(c.fill for c in copies)
    for event in events:
        if event.kind in _FILLS:
            expected = 1
        elif event.kind == "compute" and not _is_epilogue(program, event):
            expected = len(program.layers[event.layer].writes)
        elif event.kind == "compute":
            expected = 0  # an epilogue works on the output its layer's compute filled
        else:
            continue
        accumulates = event.kind == "compute" and filled[event.task] == 0  # see _follow_data
        if filled[event.task] != expected and not accumulates:
            problems.append(
                f"event {event.task} ({event.kind} of layer {event.layer}) fills "
                f"{filled[event.task]} SRAM ranges, not {expected}"
            )
    return copies


def _filled_buffer(program: Program, allocation: Allocation, fill: Event) -> str | None:
    """The program buffer `fill` writes into `allocation`, or None if it writes none there."""
    if fill.kind in _FILLS:
        return fill.buffer if fill.buffer in program.buffers else None
    if fill.kind != "compute":
        return None
    writes = program.layers[fill.layer].writes
    if len(writes) == 1:
        return writes[0]
    return allocation.buffer if allocation.buffer in writes else None


_Parts = dict[tuple[int, str], dict[int, int]]


def _follow_data(program: Program, events: Sequence[Event], copies: list[_Copy],
                 problems: list[str]) -> _Parts:  # fmt: skip
    """Walk events in plan order: each reader needs a filled copy, which then lives until it ends.

    A compute reads every buffer its layer reads (whole or a tile of it); a store or spill reads
    its buffer. A compute that fills no range adds into partial sums (or an epilogue works on
    its layer's output): that output must be in SRAM, filled by an earlier compute of the same
    layer, and stays until it ends; a later reader waits for it too (an epilogue, for the part
    its own tile wrote: a kept output's one copy is whole only after every tile). A load
    of an activation needs that activation in DDR: every store and spill of it issued earlier
    has ended. Returns, per (layer, buffer), the sizes of the copies the
    layer's computes read or wrote, by filling event.
    """
    parts: _Parts = {}
    fills: dict[int, list[_Copy]] = {}
    for item in copies:
        fills.setdefault(item.fill, []).append(item)
    newest: dict[str, _Copy] = {}
    written: dict[tuple[str, int, int], _Copy] = {}  # (buffer, layer, tile) -> copy it wrote
    # (buffer, layer, tile) -> when that tile's part was whole: what its epilogue reads (a kept
    # output's one copy is whole only after every tile, and epilogues on several vector units
    # end out of plan order)
    part_ready: dict[tuple[str, int, int], int] = {}
    in_ddr: dict[str, int] = {}  # buffer -> end of its latest store or spill
    for event in events:
        if event.kind == "compute":
            layer = program.layers[event.layer]
            epilogue = _is_epilogue(program, event)
            reads = dict.fromkeys(layer.writes if epilogue else (*layer.reads, *layer.weights))
        else:
            reads = dict.fromkeys([event.buffer] if event.kind in _DRAINS else [])
        for name in reads:
            copy = newest.get(name)
            if event.kind == "store":  # a tile's store: the copy its own tile wrote
                copy = written.get((name, event.layer, event.tile), copy)
            if copy is None:
                problems.append(f"event {event.task} ({event.kind}) reads {name}: not in SRAM")
                continue
            ready = copy.ready
            if event.kind == "compute" and epilogue:
                ready = part_ready.get((name, event.layer, event.tile), ready)
            if ready > event.start:
                problems.append(
                    f"event {event.task} ({event.kind}) starts at {event.start}, before {name} "
                    f"is in SRAM at {ready}"
                )
            copy.until = max(copy.until, event.end)
            if event.kind == "compute":
                parts.setdefault((event.layer, name), {})[copy.fill] = copy.size
        if event.kind == "compute" and not fills.get(event.task):
            for name in program.layers[event.layer].writes:
                copy = newest.get(name)
                if copy is None or events[copy.fill].layer != event.layer or (
                    events[copy.fill].kind != "compute"
                ):
                    problems.append(f"event {event.task} (compute) writes {name} nowhere")
                else:
                    copy.until = max(copy.until, event.end)
                    copy.ready = max(copy.ready, event.end)
                    written[name, event.layer, event.tile] = copy
                    part_ready[name, event.layer, event.tile] = event.end
        if event.kind in _FILLS and program.buffers[event.buffer].kind not in ("input", "weight"):
            if event.buffer not in in_ddr:
                problems.append(f"event {event.task} loads {event.buffer} before it is in DDR")
            elif in_ddr[event.buffer] > event.start:
                problems.append(f"event {event.task} loads {event.buffer} before its store ends")
        if event.kind in _DRAINS:
            in_ddr[event.buffer] = max(in_ddr.get(event.buffer, 0), event.end)
        for copy in fills.get(event.task, ()):
            newest[copy.buffer] = copy
            if event.kind == "compute":
                parts.setdefault((event.layer, copy.buffer), {})[copy.fill] = copy.size
                written[copy.buffer, event.layer, event.tile] = copy
                part_ready[copy.buffer, event.layer, event.tile] = event.end
    return parts


def _check_coverage(program: Program, events: Sequence[Event], parts: _Parts,
                    problems: list[str]) -> None:  # fmt: skip
    """Every layer computed over every byte it reads and writes; every output stored in full.

    A tiled layer reads and writes its buffers in slices: together they cover the whole buffer
    (slices of sub-byte data round up, so they may add up to more, never less).
    """
    for layer in program.layers:
        if not any((layer.index, name) in parts for name in layer.writes):
            problems.append(f"layer {layer.name} is never computed")
            continue
        for name in dict.fromkeys((*layer.reads, *layer.weights, *layer.writes)):
            covered = sum(parts.get((layer.index, name), {}).values())
            need = program.nbytes(name)
            if layer.op_types[0] == "Split" and name in layer.reads:  # one output: its part
                need = min(need, sum(program.nbytes(w) for w in layer.writes))
            if covered < need:
                problems.append(f"layer {layer.name}: its computes cover {covered} of "
                                f"{need} B of {name}")  # fmt: skip
    written = {name for layer in program.layers for name in layer.writes}
    for name in program.outputs:
        if name not in written:  # a graph input passed through: in DDR from the start
            continue
        stored = sum(e.nbytes for e in events if e.kind == "store" and e.buffer == name)
        if stored < program.nbytes(name):
            problems.append(f"output {name}: {stored} of {program.nbytes(name)} B stored")


def _check_overlaps(copies: list[_Copy], problems: list[str]) -> None:
    """No byte holds two copies while both must stay intact (a sweep over start times)."""
    live: list[_Copy] = []
    for copy in sorted((c for c in copies if c.size), key=lambda c: c.start):
        live = [c for c in live if c.until > copy.start]
        for other in live:
            if other.offset < copy.offset + copy.size and copy.offset < other.offset + other.size:
                problems.append(
                    f"{copy.buffer} (filled by event {copy.fill}) overwrites bytes of "
                    f"{other.buffer} (event {other.fill}) still needed until {other.until}"
                )
        if copy.until > copy.start:
            live.append(copy)


def _check_occupancy(copies: list[_Copy], reported: Sequence[tuple[int, int]],
                     problems: list[str]) -> None:  # fmt: skip
    """The trace's SRAM curve never shows fewer bytes in use than the copies that must be kept
    (looked at wherever either changes: the curve may drop between the copies' own steps)."""
    changes: dict[int, int] = {}
    for copy in copies:
        if copy.until > copy.start:
            changes[copy.start] = changes.get(copy.start, 0) + copy.size
            changes[copy.until] = changes.get(copy.until, 0) - copy.size
    times = [time for time, _ in reported]
    live = 0
    for time in sorted(changes.keys() | set(times)):  # where either curve steps
        live += changes.get(time, 0)
        at = bisect_right(times, time) - 1
        shown = reported[at][1] if at >= 0 else 0
        if shown < live:
            problems.append(f"SRAM in use reported as {shown} B at cycle {time}; {live} B are live")
            return


def _check_durations(program: Program, events: Sequence[Event], hw: Hardware,
                     problems: list[str]) -> None:  # fmt: skip
    """Transfers take exactly `transfer_cycles` on a machine with one DMA channel of depth 1,
    at least that with more in flight (DDR is shared); a layer's computes run on its unit and
    add up to its work's cycles.

    A layer computed in n tiles rounds each tile up: between the whole layer's cycles and n - 1
    more.
    """
    busy: dict[int, list[int]] = {}
    alone = _in_flight(hw) == 1
    epilogue: dict[int, list[int]] = {}
    for event in events:
        took = event.end - event.start
        if event.kind == "compute" and _is_epilogue(program, event):
            epilogue.setdefault(event.layer, []).append(took)
        elif event.kind == "compute":
            busy.setdefault(event.layer, []).append(took)
            unit = program.layers[event.layer].unit
            if event.unit_kind != unit:
                problems.append(
                    f"event {event.task}: computed on {event.resource}, not a {unit} unit"
                )
        elif took != (expected := transfer_cycles(event.nbytes, hw)) and (alone or took < expected):
            problems.append(f"event {event.task}: {event.kind} of {event.nbytes} B took {took} "
                            f"cycles, not {'' if alone else 'under '}{expected}")  # fmt: skip
    for index, tiles in busy.items():
        layer = program.layers[index]
        if layer.unit == "matrix" and hw.matrix.timing != "rate":
            continue  # NOTE: only rate units have a closed form written here
        least = compute_cycles(layer.unit, layer.macs, layer.vector_ops, hw)
        _check_sum(layer.name, tiles, least, "compute(s)", problems)
    for index, tiles in epilogue.items():
        layer = program.layers[index]
        least = compute_cycles("vector", 0, layer.epilogue_ops, hw)
        _check_sum(layer.name, tiles, least, "epilogue(s)", problems)


def _check_sum(name: str, tiles: list[int], least: int, what: str, problems: list[str]) -> None:
    """n tiles of a layer's work round each up: between its whole cycles and n - 1 more."""
    if not least <= sum(tiles) <= least + len(tiles) - 1:
        problems.append(
            f"layer {name}: {len(tiles)} {what} took {sum(tiles)} cycles; its work "
            f"takes {least}" + (f" to {least + len(tiles) - 1}" if len(tiles) > 1 else "")
        )


def _is_epilogue(program: Program, event: Event) -> bool:
    """A compute of a matrix layer on a vector unit: its fused epilogue ops."""
    return event.unit_kind == "vector" and program.layers[event.layer].unit == "matrix"


def _in_flight(hw: Hardware) -> int:
    """Most transfers that can be in flight at once: channels x their queue depth."""
    return sum(getattr(unit, "depth", 0) for unit in hw.units.values())


def _check_units(events: Sequence[Event], hw: Hardware, problems: list[str]) -> None:
    """Each unit runs one task at a time; a DMA channel up to its queue depth."""
    by_unit: dict[str, list[tuple[int, int]]] = {}
    for event in events:
        if event.end > event.start:
            by_unit.setdefault(event.resource, []).append((event.start, 1))
            by_unit[event.resource].append((event.end, -1))
    for unit, changes in by_unit.items():
        most = getattr(hw.units[unit], "depth", 1)
        running = 0
        for time, change in sorted(changes):
            running += change
            if running > most:
                problems.append(f"{unit}: {running} tasks at once at cycle {time}, most {most}")
                break


def _check_ddr(events: Sequence[Event], hw: Hardware, problems: list[str]) -> None:
    """No window [a, b] holds transfers of more bytes than DDR moves in it (plus one cycle's).

    Only asked when transfers can overlap; one at a time, their durations already say it.
    """
    if _in_flight(hw) == 1:
        return
    per_cycle = hw.ddr.bandwidth / hw.clock
    spans = sorted((e.start, e.end, e.nbytes) for e in events if e.nbytes > 0)
    for first, (start, _, _) in enumerate(spans):
        inside = sorted((end, nbytes) for s, end, nbytes in spans[first:] if s >= start)
        moved = 0
        for end, nbytes in inside:
            moved += nbytes
            if moved > (end - start + 1) * per_cycle * (1 + 1e-9):
                problems.append(f"DDR moved {moved} B in cycles [{start}, {end}), more than "
                                f"ddr.bandwidth allows")  # fmt: skip
                return


def _check_ddr_homes(program: Program, plan: Plan, events: Sequence[Event], hw: Hardware,
                     problems: list[str]) -> None:  # fmt: skip
    """Each DDR home within capacity and holding its whole buffer; two homes sharing bytes only
    when one's transfers all end before the other's first begins (an input, weight or output
    holds its home all run); each transfer's bytes inside the home of the buffer it moves."""
    homes = {r.buffer: r for r in plan.ddr}
    held: dict[str, tuple[float, float]] = {}  # buffer -> (first transfer's start, last's end)
    for event in events:
        if event.kind in _FILLS or event.kind in _DRAINS:
            first, last = held.get(event.buffer, _UNUSED)
            held[event.buffer] = (min(first, event.start), max(last, event.end))
    for r in plan.ddr:
        if r.kind != "activation":
            held[r.buffer] = (-math.inf, math.inf)
    spans = sorted((r.address, r.address + r.size, r.buffer) for r in plan.ddr)
    for start, end, buffer in spans:
        if start < 0 or end > hw.ddr.capacity:
            problems.append(f"{buffer}: DDR range [{start}, {end}) outside ddr.capacity")
        if end - start != program.nbytes(buffer):
            problems.append(f"{buffer}: DDR range of {end - start} B for a "
                            f"{program.nbytes(buffer)} B buffer")  # fmt: skip
    for index, (_, end, buffer) in enumerate(spans):
        first, last = held.get(buffer, _UNUSED)
        for later, _, other in spans[index + 1:]:
            if later >= end:
                break
            other_first, other_last = held.get(other, _UNUSED)
            if first < other_last and other_first < last:
                problems.append(f"{buffer} and {other} share DDR bytes from {later}")
    for task in plan.tasks:
        work = task.work
        if not isinstance(work, Transfer) or work.nbytes <= 0:
            continue
        home = homes.get(task.buffer)
        if home is None:
            problems.append(f"task {task.id}: {task.kind} of {task.buffer}, which has no DDR home")
        elif not home.address <= work.address <= home.address + home.size - work.nbytes:
            problems.append(f"task {task.id}: {task.kind} of {task.buffer} at DDR "
                            f"{work.address}, outside its home [{home.address}, "
                            f"{home.address + home.size})")  # fmt: skip
