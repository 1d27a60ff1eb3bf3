"""A second judge, written from the rules `accelsim.check` states, not from its code.

Slow on purpose: every rule is a plain loop over pairs or cycles, so it can be read against the
rule. It answers with the set of rules a run breaks (`RULES`), which the tests compare with the
rules named in `accelsim.check`'s messages (`rules_of`). Its own arithmetic: cycles are counted
with `fractions.Fraction` of the machine's numbers, rounded up.

The rules, for a run of `program` planned as `plan` and traced as `trace` on `hw`:
- range: an SRAM range lies inside SRAM, is filled by an event that writes its buffer (a load of
  it, or the compute of the layer writing it), holds at most that buffer (a compute's partial
  sums up to 4 B an element) and exactly what a load brings;
- fills: a load fills one range, a compute one per buffer its layer writes (or none: it adds into
  partial sums), a matrix layer's epilogue on a vector unit none;
- read: every reader (compute: the layer's reads and weights, or its writes for an epilogue;
  store and spill: their buffer) finds its buffer's newest copy filled before it in plan order
  (a store of a layer's tile: the copy that tile's compute wrote), and starts when that fill
  and every compute that added into the copy since (partial sums, an epilogue) have ended;
  the copy then stays until the reader ends;
- ddr-order: a load of an activation starts after every store or spill of it issued before it;
- coverage: each layer's computes touch all the bytes of what it reads and writes; each output is
  stored whole;
- overlap: no SRAM byte holds two copies at a cycle when both must stay;
- occupancy: the reported SRAM in use is never below the bytes of copies that must stay;
- duration: a transfer takes latency + bytes at the slower of bus and DDR (exactly, with one
  transfer in flight at a time; at least that, with several); a layer's computes add up to its
  work at peak rate (each tile rounded up: up to n - 1 more);
- unit: a unit runs one task at a time (a DMA channel: up to its depth); a compute runs on a unit
  of its layer's kind;
- ddr-bandwidth: with several transfers in flight, no window of cycles moves more bytes than DDR
  can in it (plus one cycle);
- ddr-home: each DDR home is inside DDR, holds its whole buffer, shares no byte with another while
  both are in use, and every transfer's bytes lie in its buffer's home.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from fractions import Fraction
from functools import cache

RULES = ("range", "fills", "read", "ddr-order", "coverage", "overlap", "occupancy", "duration",
         "unit", "ddr-bandwidth", "ddr-home")  # fmt: skip

# what `accelsim.check` says, by rule (its messages are its interface; its code is not read)
_SAID = {
    "range": r"outside SRAM|filled by no event|does not write it|B range for a",
    "fills": r"fills \d+ SRAM ranges",
    "read": r"not in SRAM|before \S+ is in SRAM|writes \S+ nowhere",
    "ddr-order": r"before it is in DDR|before its store ends",
    "coverage": r"never computed|its computes cover|B stored$",
    "overlap": r"overwrites bytes",
    "occupancy": r"SRAM in use reported",
    "duration": r"took \d+ cycles",
    "unit": r"tasks at once|computed on",
    "ddr-bandwidth": r"DDR moved",
    "ddr-home": r"DDR range|share DDR bytes|no DDR home|outside its home",
}
_LOADS, _DRAINS = ("load", "reload"), ("store", "spill")


def rules_of(messages: list[str]) -> set[str]:
    """The rules `accelsim.check`'s messages name (each message names one)."""
    found = set()
    for message in messages:
        named = [rule for rule, said in _SAID.items() if re.search(said, message)]
        assert len(named) == 1, f"message names {named}: {message}"
        found.add(named[0])
    return found


def up(value: Fraction) -> int:
    """Whole cycles covering `value` (never below 0)."""
    return max(0, math.ceil(value))


def exact(number: float) -> Fraction:
    """A machine number as the decimal it was written as (1e-08 s, not its binary neighbour)."""
    return Fraction(repr(number))


def transfer_time(nbytes, hw) -> int:
    if nbytes <= 0:
        return 0
    return _transfer_time(nbytes, hw.clock, hw.ddr.latency, hw.dma.latency,
                          min(hw.dma.bandwidth, hw.ddr.bandwidth))  # fmt: skip


@cache
def _transfer_time(nbytes, clock, ddr_latency, dma_latency, bandwidth) -> int:
    latency = up((exact(ddr_latency) + exact(dma_latency)) * exact(clock))
    return latency + up(nbytes * exact(clock) / exact(bandwidth))


def work_time(unit: str, macs: int, ops: int, hw) -> int:
    clock = exact(hw.clock)
    if unit == "matrix":
        return up(2 * macs * clock / exact(hw.matrix.peak))
    return up(ops * clock / exact(hw.vector.peak))


class _Copy:
    def __init__(self, index, buffer, offset, size, fill, start, until):
        self.index, self.buffer, self.offset, self.size = index, buffer, offset, size
        self.fill, self.start, self.until = fill, start, until


def _epilogue(program, event) -> bool:
    return (
        event.kind == "compute"
        and event.unit_kind == "vector"
        and (program.layers[event.layer].unit == "matrix")
    )


def judge(program, plan, trace, hw) -> set[str]:
    """The rules the run breaks (empty: sound)."""
    broken: set[str] = set()
    events = list(trace.events)
    copies = _copies(program, plan, events, hw, broken)
    parts = _walk(program, events, copies, broken)
    _coverage(program, events, parts, broken)
    _overlap(copies, broken)
    _occupancy(copies, list(trace.sram), broken)
    _durations(program, events, hw, broken)
    _units(events, hw, broken)
    _bandwidth(events, hw, broken)
    _homes(program, plan, events, hw, broken)
    return broken


def _copies(program, plan, events, hw, broken):
    copies = []
    for index, a in enumerate(plan.allocations):
        if a.offset < 0 or a.offset + a.size > hw.sram.capacity:
            broken.add("range")
        if a.first < 0 or a.first >= len(events):
            broken.add("range")
            continue
        fill = events[a.first]
        writes = program.layers[fill.layer].writes
        if fill.kind in _LOADS:
            buffer = fill.buffer if fill.buffer in program.buffers else None
        elif fill.kind == "compute" and len(writes) == 1:
            buffer = writes[0]
        elif fill.kind == "compute" and a.buffer in writes:
            buffer = a.buffer
        else:
            buffer = None
        if buffer is None:
            broken.add("range")
            continue
        most = program.buffers[buffer].nbytes
        if fill.kind == "compute":
            most = max(most, 4 * math.prod(program.buffers[buffer].shape))
        if a.size > most or (fill.kind in _LOADS and a.size != fill.nbytes):
            broken.add("range")
        copies.append(_Copy(index, buffer, a.offset, a.size, a.first, fill.start, fill.end))
    filled_by = Counter(c.fill for c in copies)
    for event in events:
        filled = filled_by[event.task]
        if event.kind in _LOADS and filled != 1:
            broken.add("fills")
        elif event.kind == "compute" and filled:
            wanted = 0 if _epilogue(program, event) else len(program.layers[event.layer].writes)
            if filled != wanted:
                broken.add("fills")
    return copies


def _walk(program, events, copies, broken):
    """Plan order: who reads which copy, how long each copy must stay, what each layer touched."""
    parts: dict[tuple[int, str], dict[int, int]] = {}
    newest: dict[str, _Copy] = {}
    wrote: dict[tuple[str, int, int], _Copy] = {}  # the copy each layer's tile wrote
    finished: dict[int, list[int]] = {}  # a copy's writers' ends: its fill's, then each addition's
    drained: dict[str, list[int]] = {}  # buffer -> ends of its stores and spills so far
    filling: dict[int, list[_Copy]] = {}
    for c in copies:
        filling.setdefault(c.fill, []).append(c)
    for event in events:
        layer = program.layers[event.layer]
        if event.kind == "compute" and _epilogue(program, event):
            reads = list(layer.writes)
        elif event.kind == "compute":
            reads = list(layer.reads) + list(layer.weights)
        elif event.kind in _DRAINS:
            reads = [event.buffer]
        else:
            reads = []
        for name in set(reads):
            copy = newest.get(name)
            if event.kind == "store" and (name, event.layer, event.tile) in wrote:
                copy = wrote[name, event.layer, event.tile]  # what its own tile wrote
            if copy is None or max(finished.get(copy.index, [events[copy.fill].end])) > event.start:
                broken.add("read")
            if copy is None:
                continue
            copy.until = max(copy.until, event.end)
            if event.kind == "compute":
                parts.setdefault((event.layer, name), {})[copy.fill] = copy.size
        mine = filling.get(event.task, [])
        if event.kind == "compute" and not mine:  # adds into partial sums made by its layer
            for name in layer.writes:
                copy = newest.get(name)
                made_by = events[copy.fill] if copy is not None else None
                if made_by is None or made_by.kind != "compute" or made_by.layer != event.layer:
                    broken.add("read")
                else:
                    copy.until = max(copy.until, event.end)
                    finished.setdefault(copy.index, [events[copy.fill].end]).append(event.end)
                    wrote[name, event.layer, event.tile] = copy
        kind = program.buffers[event.buffer].kind if event.kind in _LOADS else None
        if kind is not None and kind not in ("input", "weight"):
            ends = drained.get(event.buffer, [])
            if not ends or max(ends) > event.start:
                broken.add("ddr-order")
        if event.kind in _DRAINS:
            drained.setdefault(event.buffer, []).append(event.end)
        for copy in mine:
            newest[copy.buffer] = copy
            if event.kind == "compute":
                parts.setdefault((event.layer, copy.buffer), {})[copy.fill] = copy.size
                wrote[copy.buffer, event.layer, event.tile] = copy
    return parts


def _coverage(program, events, parts, broken):
    for layer in program.layers:
        if all((layer.index, name) not in parts for name in layer.writes):
            broken.add("coverage")
            continue
        for name in set(layer.reads) | set(layer.weights) | set(layer.writes):
            need = program.buffers[name].nbytes
            if layer.op_types[0] == "Split" and name in layer.reads:
                need = min(need, sum(program.buffers[w].nbytes for w in layer.writes))
            if sum(parts.get((layer.index, name), {}).values()) < need:
                broken.add("coverage")
    for name in program.outputs:
        stored = sum(e.nbytes for e in events if e.kind == "store" and e.buffer == name)
        if stored < program.buffers[name].nbytes:
            broken.add("coverage")


def _overlap(copies, broken):
    ordered = sorted((c for c in copies if c.size > 0), key=lambda c: (c.start, c.index))
    for i, first in enumerate(ordered):
        if first.until <= first.start:
            continue
        for later in ordered[i + 1 :]:
            shares = first.offset < later.offset + later.size and (
                later.offset < first.offset + first.size
            )
            if shares and later.start < first.until:
                broken.add("overlap")


def _occupancy(copies, reported, broken):
    times = {c.start for c in copies} | {c.until for c in copies} | {at for at, _ in reported}
    shown, steps = 0, iter(reported)
    step = next(steps, None)
    for time in sorted(times):  # the reported value in force: its last step at or before
        while step is not None and step[0] <= time:
            shown, step = step[1], next(steps, None)
        live = sum(c.size for c in copies if c.start <= time < c.until)
        if shown < live:
            broken.add("occupancy")


def _in_flight(hw) -> int:
    return sum(unit.depth for unit in hw.units.values() if unit.kind == "dma")


def _durations(program, events, hw, broken):
    alone = _in_flight(hw) == 1
    took: dict[tuple[int, bool], list[int]] = {}
    for event in events:
        length = event.end - event.start
        if event.kind != "compute":
            wanted = transfer_time(event.nbytes, hw)
            if length < wanted or (alone and length != wanted):
                broken.add("duration")
            continue
        layer = program.layers[event.layer]
        epilogue = _epilogue(program, event)
        if not epilogue and event.unit_kind != layer.unit:
            broken.add("unit")
        took.setdefault((event.layer, epilogue), []).append(length)
    for (index, epilogue), lengths in took.items():
        layer = program.layers[index]
        if epilogue:
            least = work_time("vector", 0, layer.epilogue_ops, hw)
        elif layer.unit == "matrix" and hw.matrix.timing != "rate":
            continue  # only rate units have a closed form
        else:
            least = work_time(layer.unit, layer.macs, layer.vector_ops, hw)
        if not least <= sum(lengths) <= least + len(lengths) - 1:
            broken.add("duration")


def _units(events, hw, broken):
    for name, unit in hw.units.items():
        most = unit.depth if unit.kind == "dma" else 1
        spans = [(e.start, e.end) for e in events if e.resource == name and e.end > e.start]
        for start, _ in spans:  # the count can only peak where a task starts
            if sum(1 for s, e in spans if s <= start < e) > most:
                broken.add("unit")
                break


def _bandwidth(events, hw, broken):
    if _in_flight(hw) == 1:
        return
    per_cycle = exact(hw.ddr.bandwidth) / exact(hw.clock) * Fraction(1_000_000_001, 10**9)
    top, bottom = per_cycle.numerator, per_cycle.denominator  # whole numbers compare fast
    moves = [(e.start, e.end, e.nbytes) for e in events if e.nbytes > 0]
    for a in {s for s, _, _ in moves}:  # every window [a, b]: transfers wholly inside it
        inside = 0
        for end, nbytes in sorted((e, n) for s, e, n in moves if s >= a):
            inside += nbytes
            if inside * bottom > (end - a + 1) * top:
                broken.add("ddr-bandwidth")
                return


def _homes(program, plan, events, hw, broken):
    never = (math.inf, -math.inf)
    used: dict[str, tuple[float, float]] = {}
    for e in events:
        if e.kind != "compute":
            first, last = used.get(e.buffer, never)
            used[e.buffer] = (min(first, e.start), max(last, e.end))
    homes = {}
    for r in plan.ddr:
        homes[r.buffer] = r
        if r.kind != "activation":
            used[r.buffer] = (-math.inf, math.inf)
        if r.address < 0 or r.address + r.size > hw.ddr.capacity:
            broken.add("ddr-home")
        if r.size != program.buffers[r.buffer].nbytes:
            broken.add("ddr-home")
    for i, r in enumerate(plan.ddr):
        for q in plan.ddr[i + 1 :]:
            if r.address < q.address + q.size and q.address < r.address + r.size:
                a, b = used.get(r.buffer, never), used.get(q.buffer, never)
                if a[0] < b[1] and b[0] < a[1]:
                    broken.add("ddr-home")
    for task in plan.tasks:
        if task.kind == "compute" or task.nbytes <= 0:
            continue
        home, address = homes.get(task.buffer), task.work.address
        if home is None or not home.address <= address <= home.address + home.size - task.nbytes:
            broken.add("ddr-home")
