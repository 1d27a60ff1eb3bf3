"""The liveness planner: place every buffer, free it after its last use, spill by farthest next use.

Walks the layers in order. Inputs and weights are loaded when a layer needs them; outputs get
SRAM space; a buffer is freed right after its last reader. When space runs out, the resident
buffer whose next use is farthest away (Belady) leaves: a dirty activation is spilled to DDR
(and reloaded later), a weight is simply dropped. A layer whose working set exceeds SRAM is tiled
(`tiling.py`). Every buffer that lives in DDR gets a DDR home (`ddr.py`), and each transfer
carries its DDR address. Each SRAM range remembers which tasks must finish before it can be
reused, so loads for later layers start as soon as their space is free: that is the prefetch,
decided in the simulator by dependencies rather than by a fixed lookahead.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np

from accelsim.hardware import UNIT_KINDS
from accelsim.kinds import kind_running
from accelsim.memory.allocator import Allocator, WaitSet
from accelsim.memory.ddr import DdrSpace
from accelsim.memory.repeat import Loop, Shift, State, advance, shift_between, state
from accelsim.memory.tiling import Tile, Tiler, Tiling
from accelsim.plan import (
    LAYER,
    WHOLE,
    DepReason,
    Plan,
    Ranges,
    TaskKind,
    Tasks,
    among,
    group_part,
)
from accelsim.work import Gemm, Transfer, Vector, Work

if TYPE_CHECKING:

    import numpy.typing as npt

    from accelsim.hardware import Hardware
    from accelsim.lowering import Layer, Program

_NEVER = 1 << 60
_DMA = kind_running(Transfer)  # the kind that moves bytes between DDR and SRAM
_VECTOR = kind_running(Vector)  # the kind that applies a matrix layer's epilogue


@dataclass(slots=True)
class _Resident:
    allocation: int  # index of its range in the plan's allocations
    size: int
    ready: int  # task whose end makes the content valid (a load or the producing compute)
    dirty: bool  # the only copy is in SRAM
    users: set[int] = field(default_factory=set)
    # more tasks whose end the content needs: a kept output's tiles (or their epilogues) on
    # other units (`_ends`)
    also: tuple[int, ...] = ()


@dataclass(slots=True, kw_only=True)
class _TiledLayer:
    """A tiled layer's arena, as planning each of its tiles reads it (`_run_tiled`)."""

    layer: Layer
    tiling: Tiling
    output: str
    base: int  # where the slots begin: the groups' weights, the tiles', the partial sums'
    kept_index: int  # the range of an output kept whole in SRAM, else -1
    shared: list[tuple[int, int]]  # (range, load) of the inputs every tile reads
    pins: dict[str, tuple[str, int, int]]
    pin_at: dict[str, int]
    arena_waits: WaitSet
    # a tile's last task may end after a later tile's: its compute or epilogue runs on one of
    # several units (`Loop.computes`, `_ends`)
    unordered: bool
    weight_area: int = field(init=False)
    tile_area: int = field(init=False)
    accumulating: bool = field(init=False)
    lag: int = field(init=False)  # tiles a finished tile's store waits behind
    names: dict[tuple[int, int], tuple[str, ...]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        tiling = self.tiling
        self.weight_area = tiling.weight_slots * tiling.weight_bytes
        self.tile_area = tiling.slots * tiling.slot_bytes
        self.accumulating = tiling.psum_bytes > 0
        # With s tile slots, s - 1 tiles' loads go before a finished tile's store, so the bus
        # is never held by a store whose tile is still in the vector unit's epilogue.
        self.lag = 1 if self.accumulating else max(1, tiling.slots - 1)

    def moved(self, number: int, size: int) -> tuple[str, ...]:
        """`_moved` of the `size` tiles from tile `number`, worked out once (a period's state
        and its repeat both read it)."""
        found = self.names.get((number, size))
        if found is None:
            found = self.names[number, size] = _moved(self.tiling.tiles[number : number + size])
        return found


class _Period(NamedTuple):
    """What planning a period of tiles (one, or a K-split's band) made: tasks and ranges
    [begin, end), where its stores begin in `Loop.stores`, the ranges it released, its tiles,
    the partial sums it began, and where its computes begin in `Loop.computes`."""

    tasks: tuple[int, int]
    ranges: tuple[int, int]
    stores: int
    released: list[int]
    tiles: int
    sums: int
    groups: int
    computes: int


def plan_liveness(
    program: Program, hw: Hardware, *, overlap: bool = True, tiler: Tiler | None = None
) -> Plan:
    """Plan `program` on `hw`; with overlap=False every task also waits for the previous one.
    Tiled layers are asked of `tiler` (a fresh one for `hw` by default)."""
    return _Planner(program, hw, overlap, tiler or Tiler(program, hw)).run()


class _Planner:
    def __init__(self, program: Program, hw: Hardware, overlap: bool, tiler: Tiler) -> None:
        self.program = program
        self.hw = hw
        self.overlap = overlap
        self.tiler = tiler
        self.single = {kind: len(hw.units_of(kind)) == 1 for kind in UNIT_KINDS}
        self.tasks = Tasks()
        self.ranges = Ranges()
        # Not a bound method: the allocators would hold the planner in a reference cycle, and
        # with the cycle collector paused for the run, every range and task list it made would
        # stay alive until the process ends (LLaMA-7B prefill: ~200 MB).
        self._merge = _Merge(self.tasks, self.single)
        self.allocator = Allocator(hw.sram.capacity, merge=self._merge)
        self.resident: dict[str, _Resident] = {}
        self.ddr_ready: dict[str, tuple[int, ...]] = {}
        self.ddr = DdrSpace(hw.ddr.capacity, program, self._merge)
        self.cursor: dict[str, int] = {}  # where the next slice of a buffer starts, in it
        for name, buffer in program.buffers.items():
            if buffer.kind in ("input", "weight"):
                self.ddr_ready[name] = ()
        # DDR homes in the order the run first reads them, outputs last: streams stay in order.
        for name in (*(n for layer in program.layers for n in (*layer.reads, *layer.weights)),
                     *program.buffers, *program.outputs):  # fmt: skip
            buffer = program.buffers[name]
            if buffer.kind in ("input", "weight") or name in program.outputs:
                self.ddr.home(name, buffer.nbytes, buffer.kind)
        self.uses: dict[str, list[int]] = {}
        for layer in program.layers:
            for name in dict.fromkeys((*layer.reads, *layer.weights)):
                self.uses.setdefault(name, []).append(layer.index)
        self.evicted: set[str] = set()
        self.pinned: dict[str, str] = {}  # a pinned weight slice's name -> the weight's
        self.tiled = [  # layers that will be tiled: each evicts what it does not read
            layer.index for layer in program.layers
            if sum(program.nbytes(b) for b in self._working_set(layer)) > hw.sram.capacity
        ]  # fmt: skip
        self.reasons: dict[tuple[DepReason, ...], tuple[DepReason, ...]] = {}
        # one work record of each size and direction (a task's DDR address is its own column)
        self.transfers: dict[tuple[int, str], Transfer] = {}
        self.tiles: list[int] = []
        self.layer = 0

    # -- plan order ---------------------------------------------------------------------------

    def run(self) -> Plan:
        for layer in self.program.layers:
            self.layer = layer.index
            need = sum(self.program.nbytes(b) for b in self._working_set(layer))
            if need <= self.hw.sram.capacity:
                self._run_whole(layer)
                self.tiles.append(1)
            else:
                self.tiles.append(self._run_tiled(layer))
            self.ddr.end_layer(layer.index)
        self.ddr.check()
        return Plan(
            policy="liveness",
            capacity=self.hw.sram.capacity,
            tasks=self.tasks,
            allocations=self.ranges,
            tiles=tuple(self.tiles),
            ddr=tuple(self.ddr.ranges.values()),
        )

    @staticmethod
    def _working_set(layer: Layer) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*layer.reads, *layer.weights, *layer.writes)))

    def _run_whole(self, layer: Layer) -> None:
        working = self._working_set(layer)
        out_waits = self._place_all(layer, working, packed=False)
        if out_waits is None:
            # Fragmentation: the set fits in total but not in the holes. Evict until what is
            # missing fits in one block (an empty SRAM always holds it).
            out_waits = self._place_all(layer, working, packed=True)
            assert out_waits is not None, "an empty SRAM holds a working set within its capacity"
        deps = {self.resident[n].ready for n in (*layer.reads, *layer.weights)}
        for name in layer.reads:
            deps.update(self.resident[name].also)
        compute = self._task(
            layer.unit, "compute", layer.index, 0, "", layer.work, deps, *out_waits.values()
        )
        fill = compute
        if layer.epilogue is not None:  # applied to the output while it is in SRAM
            compute = self._task("vector", "compute", layer.index, 0, "", layer.epilogue, {fill})
        for name in working:
            self.resident[name].users.add(compute)
        for name in layer.writes:
            resident = self.resident[name]
            resident.ready, resident.dirty = compute, True
            self.ranges.first[resident.allocation] = fill
        self._after_compute(layer)

    def _place_all(
        self, layer: Layer, working: tuple[str, ...], *, packed: bool
    ) -> dict[str, WaitSet] | None:
        """Load inputs/weights and reserve outputs; None if contiguous space cannot be found.

        Returns what each output's range must wait for. `packed` evicts until every missing
        buffer fits in one contiguous block, which always succeeds in the end.
        """
        protect = set(working)
        while True:
            missing = [name for name in working if name not in self.resident]
            total = sum(self.program.nbytes(n) for n in missing)
            # One block for everything the layer brings in keeps SRAM from fragmenting; only
            # when no free block is that large does each buffer find (or evict for) its own.
            arena = self.allocator.allocate(total)
            if arena is not None or not packed:
                break
            self._evict(self._hole_maker())
        # Decide every range first and issue loads only once all fit, so a failed attempt
        # never loads a buffer it then has to drop.
        placed: list[tuple[str, int, int, WaitSet]] = []
        for name in missing:
            size = self.program.nbytes(name)
            got: tuple[int, WaitSet] | None
            if arena is not None:
                got = arena
                arena = (arena[0] + size, arena[1])
            else:
                got = self._make_room(size, protect)
            if got is None:
                for _, offset, taken, waits in placed:
                    self.allocator.free(offset, taken, after=waits)
                return None
            placed.append((name, got[0], size, got[1]))
        out_waits: dict[str, WaitSet] = {}
        for name, offset, size, waits in placed:
            index = self._new_range(name, offset, size)
            if name in layer.writes:
                self.resident[name] = _Resident(index, size, -1, True)
                out_waits[name] = waits
            else:
                load = self._transfer_in(name, size, layer.index, 0, waits)
                self.ranges.first[index] = load
                self.resident[name] = _Resident(index, size, load, False)
        return out_waits

    def _after_compute(self, layer: Layer) -> None:
        for name in layer.writes:
            if name in self.program.outputs:
                self._store(name, layer.index)
        for name in self._working_set(layer):
            if name in self.resident and self._next_use(name) == _NEVER:
                self._free(name)

    def _run_tiled(self, layer: Layer) -> int:
        """Stream the layer through SRAM tile by tile; its output ends in DDR.

        The layer takes one contiguous arena, cut into fixed slots (weights of a channel group,
        slices of a tile, partial sums of a K-split), so tiles never fragment SRAM. Each tile's
        output store is issued after the next tile's loads, so with two slots the bus fetches
        tile k+1 while tile k computes. With a K-split the chunks of one (group, band) add into
        one partial-sum range, each after the previous, and the last chunk's tile stores it.
        """
        resident = frozenset(
            name for name in layer.reads
            if name in self.resident and self.resident[name].size == self.program.nbytes(name)
        )  # fmt: skip
        pinned = {self.pinned[name] for name in self.resident if name in self.pinned}
        recurring = any(self._reread(name) or name in pinned for name in layer.weights)
        # (the last reader of pinned weights uses them too)
        output = layer.writes[0]
        keep = not recurring and self._keeps(layer)  # (kept outputs would crowd out pins)
        tiling = self.tiler.tile(layer, resident, recurring=recurring, keep=keep)
        kept = self.program.nbytes(output) if tiling.kept else 0
        own = self._own_shared(layer, tiling.shared, resident)
        pins = self._pins(tiling)
        for name in list(self.resident):
            if name not in own and name not in pins:
                self._evict(name)
        weight_area = tiling.weight_slots * tiling.weight_bytes
        tile_area = tiling.slots * tiling.slot_bytes
        slots = weight_area + tile_area + tiling.psum_slots * tiling.psum_bytes
        shared_area = sum(size for name, size in tiling.shared if name not in own)
        new = {name: size for name, size in own.items() if name not in self.resident}
        new.update((pin, size) for pin, (_, size, _) in pins.items() if pin not in self.resident)
        got = self.allocator.allocate(shared_area + slots + kept + sum(new.values()))
        if got is None:  # what is kept in SRAM cuts it: load it again
            for name in [n for n in (*own, *pins) if n not in new]:  # in order, not a set's
                self._evict(name)
            own, new, pins = {}, {}, {}
            shared_area = sum(size for _, size in tiling.shared)
            got = self._room_or_fail(shared_area + slots + kept)
        start, arena_waits = got
        if kept:  # the output stays: one range, filled tile by tile, before the arena
            kept_index = self._new_range(output, start, kept)
            self.resident[output] = _Resident(kept_index, kept, -1, True)
            start += kept
        arena = shared_area + slots
        pin_at: dict[str, int] = {}  # where each pinned slice not yet in SRAM will load
        for name, size in new.items():  # first: once the arena is freed its space is one block
            if name in pins:
                pin_at[name] = start
            else:
                self._load_resident(name, name, size, start, arena_waits, 0)
            start += size
        shared = self._load_slices(
            tuple(item for item in tiling.shared if item[0] not in own), start,
            set(arena_waits), LAYER, 0,
        )  # fmt: skip
        loaded = len(shared)  # the slices the layer loads; then its residents' (range, ready)
        for name in own:
            held = self.resident[name]
            shared.extend((held.allocation, ready) for ready in (held.ready, *held.also))
        arena_start = start
        layer_plan = _TiledLayer(
            layer=layer, tiling=tiling, output=output, base=start + shared_area,
            kept_index=kept_index if kept else -1, shared=shared,
            pins=pins, pin_at=pin_at, arena_waits=arena_waits,
            unordered=not self.single[layer.unit] or (
                layer.epilogue is not None and not self.single[_VECTOR]
            ),
        )  # fmt: skip
        loop = Loop(
            weight_slots=[set(arena_waits) for _ in range(tiling.weight_slots)],
            tile_slots=[set(arena_waits) for _ in range(tiling.slots)],
            psum_slots=[set(arena_waits) for _ in range(tiling.psum_slots)],
        )  # fmt: skip
        tiles = tiling.tiles
        bounds: list[int] = []  # where each tile's tasks begin: the run index's periods
        repeats: dict[int, tuple[bytes, int]] = {}  # periods repeated in bulk: (moves, how many)
        # periods known not to repeat the one before: a tile of other work or slices
        ahead, unlike = _same_ahead_of(tiling)
        self._plan_periods(layer_plan, loop, 0, len(tiles), self._levels(layer_plan),
                           (ahead, bounds, repeats, unlike))  # fmt: skip
        bounds.append(len(self.tasks.kind))
        self.tasks.mark_runs(bounds, repeats, unlike)
        last_compute, stores = loop.last_compute, loop.stores
        out_slots = loop.psum_slots if layer_plan.accumulating else loop.tile_slots
        for done_tile, info in loop.pending:
            stores.append(self._store_tile(layer, output, done_tile, info, out_slots))
        self._finish_group(loop.group_loads, loop.weight_slots, tiles[-1].group,
                           _ends(loop, loop.group_from))  # fmt: skip
        ends = _ends(loop, 0)
        for index, load in shared[:loaded]:
            self.ranges.released_after(index, load, *ends)
        for name in (*own, *pins):
            self.resident[name].users.update(ends)
            if self._next_use(name) == _NEVER:
                self._free(name)
        after: WaitSet = frozenset()
        for waits in (*loop.weight_slots, *loop.tile_slots, *loop.psum_slots):
            after = self._merge(after, frozenset(waits))
        self.allocator.free(arena_start, arena, after=after)
        if kept:  # whole once the last tile is done; in DDR only if it must leave SRAM
            self.resident[output].ready, self.resident[output].also = ends[-1], tuple(ends[:-1])
            self.resident[output].users.add(last_compute)
        else:  # every tile's store done (with one DMA unit, the last one implies the rest)
            self.ddr_ready[output] = tuple(self._merge(frozenset(stores), frozenset()))
        return len(tiles)

    def _plan_tiles(self, at: _TiledLayer, loop: Loop, start: int, stop: int, ahead: list[int],
                    bounds: list[int], repeats: dict[int, tuple[bytes, int]]) -> None:  # fmt: skip
        """Plan tiles [start, stop), each after the same tile repeated in bulk where its loop
        state allows (`_repeat`), marking their periods in `bounds` and `repeats`."""
        tiles = at.tiling.tiles
        number = start
        # The loop's state after the tile before `number`, if that tile is the same as it: a
        # tile repeats (`_repeat`) only after one like it, as the first of a run of same tiles
        # follows another tile, and its period can be another's (a K-split's first chunk).
        before: State | None = None
        while number < stop:
            tile = tiles[number]
            bounds.append(len(self.tasks.kind))
            if ahead[number] < _FEW:  # (most tiles of small plans: no period kept)
                self._plan_tile(at, loop, number, tile)
                number, before = number + 1, None
                continue
            period = self._plan_period(loop, 1, 0, partial(self._plan_tile, at, loop, number, tile))
            now = self._state(at, loop, number, (*at.moved(number, 1), at.output))
            times, moves = 0, b""
            if before is not None and bounds[-1] - bounds[-2] == period.tasks[1] - period.tasks[0]:
                times, moves = self._repeat(at, loop, number, min(ahead[number], stop - number - 1),
                                            before, now, period)  # fmt: skip
            if times:
                repeats[len(bounds)] = (moves, times)
            for _ in range(times):
                bounds.append(bounds[-1] + period.tasks[1] - period.tasks[0])
            number, before = number + 1 + times, None if times else now

    def _levels(self, at: _TiledLayer) -> tuple[int, ...]:
        """The tiles of a channel group and, with a K-split, of a band: the periods that may be
        repeated whole with the same periods after them (`_plan_periods`); none if the layer
        has an epilogue (its shares follow the MACs done), keeps its output or weights, or its
        tiles are not groups of bands of chunks alike."""
        tiles = at.tiling.tiles
        if at.layer.epilogue is not None or at.kept_index >= 0 or at.pins:
            return ()
        chunks = next((i for i, tile in enumerate(tiles) if i and tile.chunk == 0), len(tiles))
        bands, groups = tiles[-1].band + 1, tiles[-1].group + 1
        if groups * bands * chunks != len(tiles):
            return ()
        # Only levels whose periods after the third are enough tiles (small plans: none); a
        # group's first tile on one of several units frees the group before after each of its
        # computes, ids the loop state does not hold (no groups then).
        whole = bands * chunks if self.single[at.layer.unit] else 0
        band = chunks if at.accumulating and chunks > 1 else 0
        return tuple(size for size, count in ((whole, groups), (band, bands))
                     if size and (count - 3) * size >= _FEW_IN_PERIODS)  # fmt: skip

    def _plan_periods(self, at: _TiledLayer, loop: Loop, start: int, stop: int,
                      sizes: tuple[int, ...], index: _Index) -> None:  # fmt: skip
        """Plan tiles [start, stop) as periods of `sizes[0]` tiles, each planned as periods of
        the sizes after (tiles one by one last): from the third on, a period followed by the
        same periods is planned and then, as `_repeat` allows, repeated for them in bulk (the
        second's loop state still holds the first's ids, which is of another width)."""
        if not sizes:
            self._plan_tiles(at, loop, start, stop, *index[:3])
            return
        size, tiles, same = sizes[0], at.tiling.tiles, 0
        number = start
        while number < stop:
            end = number + size
            same = max(0, same - 1)  # (the same periods after the one before, less this one)
            if not same and number - start >= 2 * size and end < stop:
                same = _same_periods_of(at.tiling, number, size, stop)
            if same * size < _FEW_IN_PERIODS or number - start < 2 * size:
                self._plan_periods(at, loop, number, end, sizes[1:], index)
                number = end
                continue
            names = (*at.moved(number, size), at.output)
            before = self._state(at, loop, number - 1, names)
            mark = len(index[1])
            first = tiles[number]
            period = self._plan_period(
                loop, size, int(first.band == first.chunk == 0),
                partial(self._plan_periods, at, loop, number, end, sizes[1:], index),
            )  # fmt: skip
            now = self._state(at, loop, end - 1, names)
            times, moves = self._repeat(at, loop, number, same, before, now, period)
            if times:
                self._mark_copies(index, mark, period, times, moves)
            number, same = end + times * size, same - times

    def _mark_copies(self, index: _Index, mark: int, period: _Period, times: int,
                     moves: bytes) -> None:  # fmt: skip
        """The run index's periods of `times` copies of `period`, whose tiles' periods begin at
        `bounds[mark]` (`index`): each tile's, and whether each repeats the tile before it
        (as `Tasks.mark_runs` takes them) where the two tiles' dependencies move alike from
        one copy to the next, so that each copy's pair compares as the period's does (else
        the index compares them when read)."""
        (begin, end), size, (_, bounds, repeats, unlike) = period.tasks, period.tiles, index
        width, first = end - begin, self.tasks.first
        template = bounds[mark:]
        for k in range(1, times + 1):
            bounds.extend(b + k * width for b in template)

        def moved(tile: int, tiles: int = 1) -> bytes:  # (the moves of the tiles' dependencies)
            return moves[first[bounds[tile]] - first[begin] : first[bounds[tile + tiles]]
                         - first[begin]]  # fmt: skip

        i = mark + 1
        while i < mark + size:
            found, count = repeats.get(i, (None, 1))
            if found is None and not unlike[i]:  # (what the index would compare when read)
                found = self.tasks.compare(*bounds[i - 1 : i + 2])
                if found is None:
                    unlike[i] = 1
                else:
                    repeats[i] = (found, 1)
            if moved(i - 1) * count == moved(i, count):  # (the tile before, and those after)
                for k in range(1, times + 1):
                    if found is None:
                        unlike[i + k * size] = 1
                    else:
                        repeats[i + k * size] = (found, count)
            i += count

    def _plan_period(self, loop: Loop, tiles: int, groups: int,
                     plan: Callable[[], None]) -> _Period:  # fmt: skip
        """`plan` a period of `tiles` tiles (beginning `groups` groups), and where the tasks
        and ranges it made are (what a repeat copies)."""
        ranges = self.ranges
        begin, first_range, stores = len(self.tasks.kind), len(ranges.buffer), len(loop.stores)
        computes, sums = len(loop.computes), loop.sums
        outer, ranges.log = ranges.log, []
        plan()
        released, ranges.log = ranges.log, outer
        if outer is not None:  # (a band's, around its tiles')
            outer.extend(released)
        return _Period(tasks=(begin, len(self.tasks.kind)),
                       ranges=(first_range, len(ranges.buffer)), stores=stores,
                       released=released, tiles=tiles, sums=loop.sums - sums, groups=groups,
                       computes=computes)  # fmt: skip

    def _plan_tile(self, at: _TiledLayer, loop: Loop, number: int, tile: Tile) -> None:
        """Plan tile `number` of a tiled layer (`_run_tiled`)."""
        layer, tiling, ranges = at.layer, at.tiling, self.ranges
        if tile.band == 0 and tile.chunk == 0:
            self._finish_group(loop.group_loads, loop.weight_slots, tile.group - 1,
                               _ends(loop, loop.group_from))  # fmt: skip
            loop.group_from = len(loop.computes)
            slot = tile.group % tiling.weight_slots
            offset = at.base + slot * tiling.weight_bytes
            pinned = {pin for pin, (_, _, group) in at.pins.items() if group == tile.group}
            for pin in pinned - self.resident.keys():
                name, size, _ = at.pins[pin]
                self._load_resident(pin, name, size, at.pin_at[pin], at.arena_waits, number)
            loop.group_loads = [] if pinned else self._load_slices(
                tile.weights, offset, loop.weight_slots[slot], group_part(tile.group), number
            )  # fmt: skip
            loop.group_pins = {self.resident[pin].ready for pin in pinned}
        slot = number % tiling.slots
        offset = at.base + at.weight_area + slot * tiling.slot_bytes
        slices = self._load_slices(tile.reads, offset, loop.tile_slots[slot], number, number)
        pending = loop.pending
        out_slots = loop.psum_slots if at.accumulating else loop.tile_slots  # what a store frees
        while pending and pending[0][0] <= number - at.lag:
            done_tile, info = pending.pop(0)
            loop.stores.append(self._store_tile(layer, at.output, done_tile, info, out_slots))
        deps = {load for _, load in (*at.shared, *loop.group_loads, *slices)} | loop.group_pins
        space = set(loop.tile_slots[slot])
        accumulating, kept = at.accumulating, at.kept_index >= 0
        begins = (not accumulating or tile.chunk == 0) and not kept
        if not accumulating:  # the output follows the tile's reads in its slot
            loop.out_slot, out_size = slot, tile.write[1]
            out_offset = offset + sum(size for _, size in tile.reads)
        elif tile.chunk == 0:  # a new (group, band): its partial sums take the next slot
            loop.out_slot, loop.sums = loop.sums % tiling.psum_slots, loop.sums + 1
            out_offset = at.base + at.weight_area + at.tile_area + (
                loop.out_slot * tiling.psum_bytes
            )
            out_size = tile.psum
            space |= loop.psum_slots[loop.out_slot]
        else:  # adds into the partial sums of the chunk before
            deps.add(loop.last_compute)
        if begins:
            loop.out_index = self._new_range(at.output, out_offset, out_size, number)
        last_compute = self._task(
            layer.unit, "compute", layer.index, number, "", tile.work, deps, frozenset(space)
        )
        if at.unordered:
            loop.computes.append(last_compute)
        if begins:
            ranges.first[loop.out_index] = last_compute
        elif kept and number == 0:
            ranges.first[at.kept_index] = last_compute
        loop.done += tile.work.macs if isinstance(tile.work, Gemm) else 0
        if layer.epilogue is not None and tile.last:  # applied to the tile's finished output
            share = _tile_epilogue(layer, loop.done, loop.done - loop.since)
            loop.since = loop.done
            last_compute = self._task(
                _VECTOR, "compute", layer.index, number, "", share, {last_compute}
            )
            if not self.single[_VECTOR]:  # (on one vector unit the epilogues run in order)
                loop.computes.append(last_compute)
        loop.last_compute = last_compute
        for index, load in slices:
            ranges.released_after(index, load, last_compute)
        if accumulating or kept:
            loop.tile_slots[slot] = {last_compute}
        if tile.last and not kept:
            pending.append((number, (loop.out_slot, last_compute, loop.out_index, tile.write[1])))
        if tiling.slots == 1 and not accumulating and pending:
            # one slot: the next tile's loads must wait for this store
            loop.stores.append(
                self._store_tile(layer, at.output, number, pending.pop()[1], loop.tile_slots)
            )

    def _state(self, at: _TiledLayer, loop: Loop, number: int, names: tuple[str, ...]) -> State:
        """The loop's state after tile `number`, with the DDR waits of the buffers `names` that
        the period's tiles move (`repeat.state`)."""
        turns = not at.accumulating and at.kept_index < 0
        group = at.tiling.tiles[number].group if number >= 0 else -1
        return state(loop, number, group, turns, tuple(map(self.ddr.waits, names)))

    def _repeat(self, at: _TiledLayer, loop: Loop, number: int, ahead: int, before: State,
                now: State, period: _Period) -> tuple[int, bytes]:  # fmt: skip
        """Plan the `ahead` periods after the one from tile `number` that are the same tiles as
        it by repeating what it planned (`repeat`), as many as its loop state allows; how many,
        and which dependencies of its tasks move from one to the next."""
        tiles, (begin, end), size = at.tiling.tiles, period.tasks, period.tiles
        constants = {load for _, load in at.shared} | set(at.arena_waits)
        if not period.groups:  # (else the period loads its group's weights)
            constants.update(load for _, load in loop.group_loads)
            constants.update(loop.group_pins)
        for name in at.moved(number, size):
            constants.update(self.ddr_ready.get(name, ()))
        shifts = shift_between(before, now, tasks=period.tasks, ranges=period.ranges,
                               constants=constants, serial=not self.overlap)  # fmt: skip
        if shifts is None:
            return 0, b""
        layout = self._repeatable(at, number, shifts.back, period)
        if layout is None:
            return 0, b""
        sigma, times = shifts.back, ahead
        found = self._strides(begin, end)
        if found is None:
            return 0, b""
        strides, alike, last = found.strides, found.alike, found.last
        for name, stride in strides.items():  # (`_address`: a pass over the home starts over)
            held, at_first = self.ddr.ranges[name].size, self.cursor[name]
            # a pass starts over where a slice begins: at a period's (its slices a whole
            # number of periods), or at any slice's (slices all alike)
            if not any(held % step == at_first % step == 0 for step in (stride, alike[name])
                       if step):  # fmt: skip
                times = min(times, (held - at_first) // stride)
        moving = np.sort(np.fromiter(sigma.moving, np.int64, len(sigma.moving)))
        moves = self.tasks.moves(begin, times, moving) if times > 0 else None
        if moves is None:  # σ would reorder a task's dependencies: not a repeat
            return 0, b""
        if size == 1:
            times = self._epilogues(at, loop, tiles[number], times)
        if times <= 0:  # (a period of several tiles: no epilogue, `_levels`, whose MACs done
            return 0, b""  # are read by none)
        addresses = self._addresses(begin, end, times, found)
        for name, stride in strides.items():
            after = self.cursor[name] + (times - 1) * stride + stride - last[name]  # (last slice)
            self.cursor[name] = after % self.ddr.ranges[name].size + last[name]
        self.tasks.repeat(begin, times, moves, addresses, tiles=size)
        later = np.arange(1, times + 1, dtype=np.int64)[:, None] * (end - begin)
        for name, moved in found.moved.items():
            self.ddr.touched(name, (np.array(moved, np.int64) + later).ravel().tolist())
        self._repeat_ranges(sigma, moving, times, period, layout)
        stores = loop.stores[period.stores :]
        loop.stores.extend(sigma.task(store, k) for k in range(1, times + 1) for store in stores)
        advance(loop, shifts.on, times, not at.accumulating and at.kept_index < 0,
                (size, period.sums, period.groups), loop.computes[period.computes :])  # fmt: skip
        return times, moves

    def _addresses(self, begin: int, end: int, times: int,
                   found: _Strides) -> npt.NDArray[np.int64]:  # fmt: skip
        """The DDR addresses of `times` repeats of tasks [begin, end), in order: each transfer's
        slice after the one before in its buffer's home (`_address`, starting over at its end),
        a compute's 0."""
        addresses = np.zeros((times, end - begin), np.int64)
        steps = np.arange(times, dtype=np.int64)[:, None]
        for name, stride in found.strides.items():
            home = self.ddr.ranges[name]
            start = np.array(found.prefix[name], np.int64) + self.cursor[name]
            at = np.array(found.moved[name], np.int64) - begin
            addresses[:, at] = home.address + (start + stride * steps) % home.size
        return addresses

    def _repeatable(self, at: _TiledLayer, number: int, sigma: Shift,
                    period: _Period) -> _Layout | None:  # fmt: skip
        """How the ranges the period from tile `number` made repeat, if they do as σ says:
        each a slice or output of one of its tiles, labelled `tile n` with that tile's number,
        in that tile's slot (which turns with the tile) or in the partial-sum slot its band
        began (which turns with the bands), or its group's weights, labelled `group g`, in
        the group's slot (which turns with the groups); each, and each older range it
        released, released after two tasks at most."""
        ranges, (first, last), tiling = self.ranges, period.ranges, at.tiling
        released = [index for index in period.released if index < first]
        if not (
            all(ranges.after[i] != -2 for i in released)
            and -2 not in ranges.after[first:last]
            and all(index in sigma.moving_ranges for index in released)
            and len(set(released)) == len(released)
        ):
            return None
        key = (_Layout, number, period.tiles, period.groups, period.sums, at.base,
               ranges.part[first:last].tobytes(), ranges.offset[first:last].tobytes())
        memo = tiling.memo  # (the same tiles' periods in another layer or run: the same)
        if key not in memo:
            memo[key] = self._layout(at, number, period)
        layout: _Layout | None = memo[key]
        return layout

    def _layout(self, at: _TiledLayer, number: int, period: _Period) -> _Layout | None:
        """`_repeatable`'s layout of the period's ranges, None if one lies elsewhere."""
        ranges, (first, last), tiling = self.ranges, period.ranges, at.tiling
        tile_low = at.base + at.weight_area
        psum_low = tile_low + at.tile_area
        group = at.tiling.tiles[number].group
        # each range's tile (area 1) or group (area 0): one of the period's
        part = np.frombuffer(ranges.part[first:last], np.int64)
        area = (part >= 0).astype(np.int64)
        owner = np.where(area, part, group_part(0) - part)
        if not np.all(np.where(area, (owner >= number) & (owner < number + period.tiles),
                               (part <= group_part(0)) & (owner >= group)
                               & (owner < group + period.groups))):  # fmt: skip
            return None
        offset = np.frombuffer(ranges.offset[first:last], np.int64)
        area[(area == 1) & ((offset < tile_low) | (offset >= psum_low))] = 2  # (partial sums)
        # (low, slot bytes, slots, turn a period) of the weights, tiles, partial sums
        low, width, count, turn = np.array([
            (at.base, tiling.weight_bytes, tiling.weight_slots, period.groups),
            (tile_low, tiling.slot_bytes, tiling.slots, period.tiles),
            (psum_low, tiling.psum_bytes, tiling.psum_slots, period.sums),
        ], np.int64)[area].T  # fmt: skip
        slot = (offset - low) // np.maximum(1, width)
        if not np.all((slot >= 0) & (slot < count) & ((area == 2) | (slot == owner % count))):
            return None
        # each the tile `period.tiles` on, or the group `period.groups` on (numbered down)
        return _Layout(part=part, parts=np.where(area == 0, -period.groups, period.tiles),
                       low=low, inner=offset - low - slot * width, slot=slot, width=width,
                       slots=count, turn=turn, copies={})  # fmt: skip

    def _repeat_ranges(self, sigma: Shift, moving: npt.NDArray[np.int64], times: int,
                       period: _Period, layout: _Layout) -> None:  # fmt: skip
        """The ranges of `times` repeats of `period`: each one in its slot turned on by the
        period (`_repeatable`), labelled with its tile's or group's number; filled, and
        released, as σ (whose `moving` ids, sorted) says."""
        ranges, (first, last) = self.ranges, period.ranges
        steps = np.arange(1, times + 1, dtype=np.int64)[:, None]
        offsets, parts = layout.repeated(times)

        def moved(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
            """`values` (tasks, a row each) moved by σ, a copy per repeat: (repeats, rows, n)."""
            shift = sigma.width * among(values.ravel(), moving).reshape(values.shape)
            return values + steps[:, :, None] * shift

        filled = moved(np.array([np.frombuffer(getattr(ranges, name)[first:last], np.int64)
                                 for name in ("first", "after", "also")]))  # fmt: skip
        ranges.repeat(first, times, offsets, parts, *(filled[:, row].ravel() for row in range(3)))
        released = [index for index in period.released if index < first]
        if released:
            rows = (np.array(released, np.int64) + steps * sigma.ranges).ravel()
            after = moved(np.array([[getattr(ranges, name)[i] for i in released]
                                    for name in ("after", "also")], np.int64))  # fmt: skip
            ranges.set(rows, after=after[:, 0].ravel(), also=after[:, 1].ravel())
            if ranges.log is not None:  # (a band's period around this tile's)
                ranges.log.extend(rows.tolist())

    def _strides(self, begin: int, end: int) -> _Strides | None:
        """Each buffer's transfers among tasks [begin, end) (`_Strides`), in one pass; None if
        one moves no bytes (its address is its home's end)."""
        strides: dict[str, int] = {}
        prefix: dict[str, list[int]] = {}
        moved: dict[str, list[int]] = {}
        alike: dict[str, int] = {}
        last: dict[str, int] = {}
        tasks = self.tasks
        for task, work, name in zip(range(begin, end), tasks.work[begin:end],
                                    tasks.buffer[begin:end], strict=True):  # fmt: skip
            if isinstance(work, Transfer):
                nbytes = work.nbytes
                if not nbytes:
                    return None
                at = strides.get(name)
                if at is None:
                    at, prefix[name], moved[name], alike[name] = 0, [], [], nbytes
                elif alike[name] != nbytes:
                    alike[name] = 0
                prefix[name].append(at)
                moved[name].append(task)
                strides[name] = at + nbytes
                last[name] = nbytes
        return _Strides(strides=strides, prefix=prefix, moved=moved, alike=alike, last=last)

    def _epilogues(self, at: _TiledLayer, loop: Loop, tile: Tile, times: int) -> int:
        """How many of `times` repeats of `tile` get the same share of the layer's epilogue as
        it did (shares follow the MACs done, `_tile_epilogue`); their MACs counted as done."""
        layer = at.layer
        macs = tile.work.macs if isinstance(tile.work, Gemm) else 0
        if times > 0 and layer.epilogue is not None and tile.last:
            share, done = self.tasks.work[loop.last_compute], loop.done
            shares = (_tile_epilogue(layer, done + (k + 1) * macs, macs) for k in range(times))
            times = next((k for k, other in enumerate(shares) if other != share), times)
            loop.since = done + times * macs
        loop.done += max(0, times) * macs
        return times

    def _keeps(self, layer: Layer) -> bool:
        """Whether a tiled layer's output should stay whole in SRAM (`lowering.keep_outputs`):
        the next layer is tiled too and its tiling shares the output once in SRAM (a
        LayerNorm's output for the projections after it), and it is no graph output (those are
        stored). (Not for a next layer that runs whole: its tiles would then beat a larger
        SRAM's untiled run, whose weights all load before it computes.)"""
        output = layer.writes[0]
        if not self.hw.lowering.keep_outputs or output in self.program.outputs or (
            self._next_use(output) != layer.index + 1
        ):
            return False
        after = layer.index + 1
        position = bisect_left(self.tiled, after)
        tiled = position < len(self.tiled) and self.tiled[position] == after
        return tiled and output in dict(
            self.tiler.tile(self.program.layers[after], frozenset({output})).shared
        )

    def _own_shared(
        self, layer: Layer, shared: tuple[tuple[str, int], ...], resident: frozenset[str]
    ) -> dict[str, int]:
        """The whole shared inputs that live as residents rather than in the layer's arena: one
        in SRAM already, or one the next layer reads too (attention's Q, K and V projections of
        one LayerNorm output), so consecutive readers load it once."""
        return {
            name: size for name, size in shared
            if size == self.program.nbytes(name)
            and (name in resident or self._next_use(name) == layer.index + 1)
        }  # fmt: skip

    def _reread(self, weight: str) -> bool:
        """Whether the next reader of `weight` comes before any other tiled layer (a recurrent
        layer's next time step: only whole layers, its gates, in between), so that slices of
        it pinned now are still in SRAM then."""
        after = self._next_use(weight)
        return after != _NEVER and bisect_right(self.tiled, self.layer) == bisect_left(
            self.tiled, after
        )

    def _pins(self, tiling: Tiling) -> dict[str, tuple[str, int, int]]:
        """The weight slices of the tiling's pinned groups, each a resident of its own name
        (`W[group 0, 49,152 B]`, read whenever W is): (weight, bytes, group)."""
        pins: dict[str, tuple[str, int, int]] = {}
        for tile in tiling.tiles if tiling.pinned else ():
            if tile.group >= tiling.pinned:
                break
            for name, size in tile.weights if tile.band == tile.chunk == 0 else ():
                pin = f"{name}[group {tile.group}, {size:,} B]"
                pins[pin] = (name, size, tile.group)
                self.uses.setdefault(pin, self.uses[name])
                self.pinned[pin] = name
        return pins

    def _load_resident(self, name: str, source: str, size: int, offset: int, waits: WaitSet,
                       tile: int) -> None:  # fmt: skip
        """Load `size` bytes of `source` at `offset` as the resident `name`."""
        index = self._new_range(name, offset, size)
        load = self._transfer_in(source, size, self.layer, tile, waits)
        self.ranges.first[index] = load
        self.resident[name] = _Resident(index, size, load, False)

    def _load_slices(self, parts: tuple[tuple[str, int], ...], offset: int, slot_waits: set[int],
                     part: int, tile: int) -> list[tuple[int, int]]:  # fmt: skip
        """Load consecutive slices into a slot that frees after `slot_waits`, each the `part`
        of its buffer (`Ranges.part`); (range, load) each."""
        loaded = []
        waits = frozenset(slot_waits)
        ranges, layer = self.ranges, self.layer  # (every tile's slices: kept in locals)
        for name, size in parts:
            index = ranges.add(name, part, layer, offset, size)
            load = self._transfer_in(name, size, layer, tile, waits)
            ranges.first[index] = load
            loaded.append((index, load))
            offset += size
        return loaded

    def _finish_group(self, loads: list[tuple[int, int]], weight_slots: list[set[int]],
                      group: int, ends: list[int]) -> None:  # fmt: skip
        """The group's weights are done once `ends` (`_ends`) ended: their slot can be reused."""
        if not loads:
            return
        for index, load in loads:
            self.ranges.released_after(index, load, *ends)
        weight_slots[group % len(weight_slots)] = set(ends)

    def _store_tile(self, layer: Layer, output: str, tile: int, pending: tuple[int, int, int, int],
                    tile_slots: list[set[int]]) -> int:  # fmt: skip
        slot, compute, index, size = pending
        store = self._transfer("store", layer.index, tile, output, size, "out", {compute})
        self.ranges.released_after(index, compute, store)
        tile_slots[slot] = {compute, store}
        return store

    # -- space ---------------------------------------------------------------------------------

    def _make_room(self, size: int, protect: set[str]) -> tuple[int, WaitSet] | None:
        """Allocate `size` bytes, evicting the farthest-next-use buffers not in `protect`."""
        while True:
            got = self.allocator.allocate(size)
            if got is not None:
                return got
            victims = [n for n in self.resident if n not in protect]
            if not victims:
                return None
            # Farthest next use first; among equals a clean buffer (no spill) and then the larger.
            victim = max(
                victims,
                key=lambda n: (
                    self._next_use(n),
                    not self.resident[n].dirty,
                    self.resident[n].size,
                ),
            )
            self._evict(victim)

    def _hole_maker(self) -> str:
        """What to evict to merge holes: the smallest resident (it must go and come back).

        Only the packed retry asks, after `_make_room` evicted every buffer the layer does not
        need, so every resident is one of the layer's own.
        """
        return min(self.resident, key=lambda n: (self.resident[n].size, n))

    def _room_or_fail(self, size: int) -> tuple[int, WaitSet]:
        got = self.allocator.allocate(size)
        assert got is not None, "tiles are sized to fit an empty SRAM"
        return got

    def _evict(self, name: str) -> None:
        """Make room: spill a dirty buffer that is still needed, drop a clean one."""
        resident = self.resident[name]
        needed = self._next_use(name, including_now=True) != _NEVER
        if needed:
            self.evicted.add(name)
        if resident.dirty and needed:
            spill = self._transfer("spill", self.layer, 0, name, resident.size, "out",
                                   {resident.ready, *resident.also})  # fmt: skip
            self.ddr_ready[name] = (spill,)
            resident.users.add(spill)
        self._free(name)

    def _free(self, name: str) -> None:
        resident = self.resident.pop(name)
        self._release(resident.allocation, {resident.ready, *resident.also, *resident.users} - {-1})

    def _release(self, index: int, after: set[int]) -> None:
        ranges = self.ranges
        ranges.released_after(index, *sorted(after))
        self.allocator.free(
            ranges.offset[index], ranges.size[index],
            after=self._merge(frozenset(after), frozenset()),
        )  # fmt: skip

    def _new_range(self, buffer: str, offset: int, size: int, part: int = WHOLE) -> int:
        """A range holding `buffer`, or the `part` of it (`Ranges.part`: a tile's)."""
        return self.ranges.add(buffer, part, self.layer, offset, size)

    def _next_use(self, name: str, *, including_now: bool = False) -> int:
        uses = self.uses.get(name, [])
        position = (bisect_left if including_now else bisect_right)(uses, self.layer)
        return uses[position] if position < len(uses) else _NEVER

    # -- tasks ---------------------------------------------------------------------------------

    def _transfer_in(self, name: str, size: int, layer: int, tile: int, waits: WaitSet) -> int:
        """Read `name` (or a tile of it) from DDR; a reload if it had been evicted while live."""
        kind: TaskKind = "reload" if name in self.evicted else "load"
        return self._transfer(kind, layer, tile, name, size, "in",
                              set(self.ddr_ready.get(name, ())), waits)  # fmt: skip

    def _store(self, name: str, layer: int) -> None:
        resident = self.resident[name]
        store = self._transfer("store", layer, 0, name, resident.size, "out",
                               {resident.ready, *resident.also})  # fmt: skip
        resident.users.add(store)
        resident.dirty = False
        self.ddr_ready[name] = (store,)

    def _transfer(self, kind: TaskKind, layer: int, tile: int, name: str, size: int,
                  direction: Literal["in", "out"], deps: set[int],
                  *waits: WaitSet) -> int:  # fmt: skip
        """A DMA task moving `size` bytes of `name` `direction`, at its DDR address (`_address`);
        its work is one record for every transfer of that size and direction (the address is
        the task's own, `Tasks.address`)."""
        address = self._address(name, size)
        work = self.transfers.get((size, direction))
        if work is None:
            work = self.transfers[size, direction] = Transfer(nbytes=size, direction=direction)
        task = self._task(_DMA, kind, layer, tile, name, work, deps, *waits)
        self.tasks.address[task] = address
        return task

    def _address(self, name: str, size: int) -> int:
        """DDR address of `size` bytes of `name`: its home's start for the whole buffer; a tile's
        slice follows the previous slice, kept inside the home (a band's rows overlapping the
        band before it end at the buffer's end), and starts over once a pass reached the end.
        A strided tile (a channel group of every row) is taken as one contiguous range."""
        home = self.ddr.ranges.get(name)  # (given on first use, then kept: `DdrSpace.home`)
        if home is None:
            buffer = self.program.buffers[name]
            home = self.ddr.home(name, buffer.nbytes, buffer.kind)
        offset = self.cursor.get(name, 0)
        offset = min(offset if offset < home.size else 0, max(0, home.size - size))
        self.cursor[name] = offset + size
        return home.address + offset

    def _task(
        self, unit_kind: str, kind: TaskKind, layer: int, tile: int, buffer: str, work: Work,
        deps: set[int], *waits: WaitSet,
    ) -> int:  # fmt: skip
        """Append a task after `deps` (whose data it needs) and `waits` (SRAM space it fills)."""
        task_id = len(self.tasks.kind)
        space: set[int] = set().union(*waits)
        if unit_kind == _DMA:  # bytes of DDR another buffer had: after its transfers
            space |= self.ddr.touch(buffer, task_id)
        every = deps | space
        every.discard(-1)
        if not self.overlap and task_id:
            every.add(task_id - 1)
        ordered = sorted(every)
        reasons: tuple[DepReason, ...] = ()  # all "data" (most tasks: no reason to spell out)
        if not every.issubset(deps):
            spelled: tuple[DepReason, ...] = tuple([
                "data" if d in deps else "space" if d in space else "serial" for d in ordered
            ])  # fmt: skip
            # a handful of patterns repeat over every tile: one tuple of each
            reasons = self.reasons.setdefault(spelled, spelled)
        return self.tasks.add(unit_kind, kind, layer, tile, buffer, work, ordered, reasons)


class _Merge:
    """Union of two wait sets, keeping only the latest task of each kind that has one unit.

    One unit runs its tasks in plan order, so the latest one ending implies the others
    ended. With several units of a kind a later task may end first: keep them all.
    """

    def __init__(self, tasks: Tasks, single: dict[str, bool]) -> None:
        self.kinds = tasks.unit_kind
        self.single = single

    def __call__(self, a: WaitSet, b: WaitSet) -> WaitSet:
        latest: dict[str, int] = {}
        kept: set[int] = set()
        kinds, single = self.kinds, self.single
        for task in (*a, *b):
            kind = kinds[task]
            if not single[kind]:
                kept.add(task)
            elif latest.get(kind, -1) < task:
                latest[kind] = task
        if kept:
            kept.update(latest.values())
            return frozenset(kept)
        return frozenset(latest.values())


_FEW = 16
"""Same tiles ahead below which a tile is not repeated: checking and repeating cost about as
much as planning ~16 tiles one by one."""

_FEW_IN_PERIODS = 32
"""The same for the tiles of the same bands or groups ahead (a repeat of a larger period checks
and copies more ranges and slots)."""


def _same_ahead(tiles: tuple[Tile, ...]) -> tuple[list[int], bytearray]:
    """For each tile, how many tiles after it are the same tile as it (planning one right after
    another does what planning that one did: the same group, not its first tile, the same
    slices, work and flags), and whether it is unlike the tile before (other work or slices:
    planning it cannot repeat what that one planned)."""
    ahead, unlike = [0] * len(tiles), bytearray(len(tiles))
    for number in range(len(tiles) - 2, -1, -1):
        a, b = tiles[number], tiles[number + 1]
        if not _alike(a, b):
            unlike[number + 1] = 1
        elif (
            (a.band > 0 or a.chunk > 0) and (b.band > 0 or b.chunk > 0) and a.group == b.group
            and (a.chunk == 0) == (b.chunk == 0) and a.last == b.last and a.psum == b.psum
            and a.write == b.write
        ):  # fmt: skip
            ahead[number] = ahead[number + 1] + 1
    return ahead, unlike


def _same_ahead_of(tiling: Tiling) -> tuple[list[int], bytearray]:
    """`_same_ahead` of the tiling's tiles, worked out once for all the layers it is renamed
    for (`Tiling.memo`); `unlike` a copy each (the run index marks it)."""
    found = tiling.memo.get(_same_ahead)
    if found is None:
        found = tiling.memo[_same_ahead] = _same_ahead(tiling.tiles)
    return found[0], bytearray(found[1])


_Index = tuple[list[int], list[int], dict[int, tuple[bytes, int]], bytearray]
"""What planning a tiled layer marks for the run index: each tile's same tiles ahead
(`_same_ahead`), where each tile's tasks begin, the tiles that repeat the tile before and
those that do not (`mark_runs`)."""


class _Layout(NamedTuple):
    """Where each range a period made lies (`_repeatable`), one entry a range: its part
    (`Ranges.part`) and how much a period moves it on, where its area begins, its place in
    its slot, its slot, the slot's bytes, the area's slots, and how many slots on one period
    takes it; and the offsets and parts of so many repeats, as worked out (`repeated`)."""

    part: npt.NDArray[np.int64]
    parts: npt.NDArray[np.int64]
    low: npt.NDArray[np.int64]
    inner: npt.NDArray[np.int64]
    slot: npt.NDArray[np.int64]
    width: npt.NDArray[np.int64]
    slots: npt.NDArray[np.int64]
    turn: npt.NDArray[np.int64]
    copies: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]

    def repeated(self, times: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The offsets and parts of the ranges of `times` repeats, in order."""
        found = self.copies.get(times)
        if found is None:
            steps = np.arange(1, times + 1, dtype=np.int64)[:, None]
            offsets = self.low + self.inner + (
                (self.slot + steps * self.turn) % self.slots * self.width
            )
            found = self.copies[times] = (offsets.ravel(), (self.part + steps * self.parts).ravel())
        return found


class _Strides(NamedTuple):
    """Each buffer's transfers in a period (`_Planner._strides`): the bytes they move, where
    each starts among them and its task (in order), the bytes of each if all alike (else 0),
    and of the last."""

    strides: dict[str, int]
    prefix: dict[str, list[int]]
    moved: dict[str, list[int]]
    alike: dict[str, int]
    last: dict[str, int]


def _alike(a: Tile, b: Tile) -> bool:
    """Whether two tiles read the same slices and weights and do the same work (the tiler
    shares equal records between its tiles: most compare by identity)."""
    return (
        (a.work is b.work or a.work == b.work) and (a.reads is b.reads or a.reads == b.reads)
        and (a.weights is b.weights or a.weights == b.weights)
    )  # fmt: skip


def _same_tile(a: Tile, b: Tile, groups: int) -> bool:
    """Whether planning `b` in `a`'s place does what planning `a` did, but `groups` groups
    on (its band aside)."""
    return (
        _alike(a, b) and (a.write is b.write or a.write == b.write)
        and a.group + groups == b.group and a.chunk == b.chunk and a.last == b.last
        and a.psum == b.psum and (a.band == 0) == (b.band == 0)
    )  # fmt: skip


def _moved(tiles: tuple[Tile, ...]) -> tuple[str, ...]:
    """The buffers the tiles read (their slices, their group's weights), in order."""
    return tuple(dict.fromkeys(
        name for tile in tiles for name, _ in (*tile.reads, *tile.weights)
    ))  # fmt: skip


def _same_periods(tiles: tuple[Tile, ...], number: int, size: int, stop: int) -> int:
    """How many periods of `size` tiles after the one from tile `number`, up to `stop`, are
    the same tiles as it, each in the group after (a group's) or the same (a band's)."""
    period, step = tiles[number : number + size], tiles[number + size].group - tiles[number].group
    same = 0
    for start in range(number + size, stop - size + 1, size):
        groups = (same + 1) * step
        if not all(_same_tile(a, b, groups) for a, b in zip(
            period, tiles[start : start + size], strict=True
        )):  # fmt: skip
            break
        same += 1
    return same


def _same_periods_of(tiling: Tiling, number: int, size: int, stop: int) -> int:
    """`_same_periods` of the tiling's tiles, once for all the layers it is renamed for."""
    key = (_same_periods, number, size, stop)
    found: int | None = tiling.memo.get(key)
    if found is None:
        found = tiling.memo[key] = _same_periods(tiling.tiles, number, size, stop)
    return found


def _ends(loop: Loop, start: int) -> list[int]:
    """The tasks whose end frees what the tiles from the `start`th compute on read (or makes
    what they wrote whole): the last task so far, and with several units of the layer's kind
    (or of the vector kind, for its tiles' epilogues) each of those computes (and epilogues)
    before the last, as one on another unit may end later (`_TiledLayer.unordered`; the last
    is in `Loop.computes` too, or is its tile's epilogue, which ends after it)."""
    return [*loop.computes[start:-1], loop.last_compute]


def _tile_epilogue(layer: Layer, done: int, macs_of_tile: int) -> Vector:
    """A finished output tile's share of the layer's epilogue, in proportion to its MACs
    (cumulative floors, so the shares sum to the layer's); `done` counts the MACs so far."""
    ops, macs = layer.epilogue_ops, max(1, layer.macs)
    share = ops * done // macs - ops * (done - macs_of_tile) // macs
    return Vector(ops=share, elements=max(1, layer.elements * macs_of_tile // macs))
