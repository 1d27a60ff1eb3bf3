"""Runs of identical tiles (the plan's run index) timed whole: one SimPy step for all the kinds
of a run, and the tiles that repeat the state written in bulk. Both exact: every record equals
the event-by-event run's (`tests/property/test_engine_equal.py`).

One step. A run's tasks are issued in id order, all kinds together, once every kind of the run
has reached it (issued all its tasks before the run); the kinds that arrive first wait for that
on one event, not at every tile for the other kind's task. So are the stretches of tasks
between runs (a block of one tile). Any order that keeps each kind's
plan order and issues a task after its dependencies gives the same schedule (`Kind`), so this
is exact; it cannot deadlock when every dependency in the plan points to an earlier task
(nothing before the run then waits for a task in it), which `blocks_of` requires.

Bulk. The state that decides every later tile is, at a tile boundary: each kind's last issue
(time and task), its units' queues (`free_at`, `in_flight`) and its timing models' state
(`steady_parts`: a channel's data path and the DDR it shares; compute units have none). Times
are taken relative to the first kind's last issue, tasks relative to the tile (a task before
the run as itself). When the state after tile k equals the state before it shifted by P cycles,
and tile k's dependencies from outside the run cannot act differently on a later tile
(`_steps`), every later tile is tile k shifted by P cycles and `width` tasks: the
timing models are the same functions of relative times (`shift`), so by induction each tile
repeats. Their records are written with ranges, and the state moved on by the tiles skipped.
A run whose models keep absolute time (the banked DDR's refresh) is timed task by task.
"""

from __future__ import annotations

from itertools import repeat
from typing import TYPE_CHECKING, cast

from accelsim.sim.trace import WAITED
from accelsim.timing.models import steady_parts

if TYPE_CHECKING:
    from collections.abc import Generator, Hashable, Mapping

    import simpy

    from accelsim.plan import Tasks
    from accelsim.sim.engine import Kind, _Run
    from accelsim.timing.models import Steady, TimingModel

TRIES = 4
"""Tiles of a run compared with the one before for a repeating state before giving up."""
DEPENDENCY = {WAITED.index(name) for name in ("data", "space", "serial")}
"""Codes of the causes that are a dependency."""
LATEST = {"data": 0, "space": 2, "serial": 4}
"""Where a reason's pair (stays, moves) is in `Block._steps`'s latest ends."""
FEWEST = 24
"""Tasks a run must have after its first two tiles to be timed as one (fewer: the state
comparisons cost more than the records written in bulk save)."""


def blocks_of(
    tasks: Tasks, kinds: Mapping[str, Kind], run: _Run
) -> dict[str, dict[int, Block]]:
    """The plan's runs (long enough: `FEWEST`), each with the tasks between it and the run
    before (its lead-in), as blocks, by kind and the kind's first task in the block; none
    unless the plan has a run index and every dependency points to an earlier task, and no
    block with a kind no unit runs (its lead-in left out if that is where the kind is)."""
    index = [getattr(tasks, f"run_{column}", ()) for column in ("first", "width", "count")]
    if not len(index[0]) or not _backward(tasks):
        return {}
    blocks: dict[str, dict[int, Block]] = {}
    unit_kind, done = tasks.unit_kind, 0
    for first, width, count in (*zip(*index, strict=True), (len(tasks), 0, 0)):
        if 0 < (count - 2) * width < FEWEST:
            continue  # its tasks go with the next run's lead-in
        lead_in = _stretches(unit_kind, done, first, kinds)
        tile = _stretches(unit_kind, first, first + width, kinds)
        done = first + width * count
        if tile is None or not (lead_in or tile):
            continue
        block = Block(run, lead_in or [], tile, first, width, count)
        for kind, task in block.entries.items():
            blocks.setdefault(kind, {})[task] = block
    return blocks


def _stretches(
    unit_kind: list[str], low: int, high: int, kinds: Mapping[str, Kind]
) -> list[tuple[Kind, int, int]] | None:
    """Tasks [low, high) as stretches of one kind: (the kind, from, to); None if a kind has no
    unit."""
    stretches: list[tuple[Kind, int, int]] = []
    begun = low
    for task in range(low + 1, high + 1):
        if task == high or unit_kind[task] != unit_kind[begun]:
            kind = kinds.get(unit_kind[begun])
            if kind is None:
                return None
            stretches.append((kind, begun, task))
            begun = task
    return stretches


def _backward(tasks: Tasks) -> bool:
    import numpy as np

    deps = np.frombuffer(tasks.deps, np.int32)
    first = np.frombuffer(tasks.first, np.int64)
    counts = first[1:] - first[:-1]
    # (int32 as `deps`: half the fresh memory, whose pages cost more than the arithmetic)
    owners = np.repeat(np.arange(len(tasks), dtype=np.int32), counts)
    return bool((deps < owners).all())


class Block:
    """A run of `count` tiles of `width` tasks from task `first` after its lead-in, timed one
    by one: each as stretches of one kind, (the kind, from, to), `tile` the first tile's."""

    __slots__ = ("arrived", "count", "done", "end", "entries", "first", "lead_in", "parts",
                 "run", "tile", "tiled", "width")  # fmt: skip

    def __init__(
        self, run: _Run, lead_in: list[tuple[Kind, int, int]], tile: list[tuple[Kind, int, int]],
        first: int, width: int, count: int,
    ) -> None:  # fmt: skip
        self.run, self.lead_in, self.tile = run, lead_in, tile
        self.first, self.width, self.count = first, width, count
        # each kind's first task in the block (where its dispatcher reaches it)
        self.entries: dict[str, int] = {}
        for kind, task, _ in (*lead_in, *tile):
            self.entries.setdefault(kind.kind, task)
        # the kinds of a tile (what repeats), in their order in it
        self.tiled = list(dict.fromkeys(kind for kind, _, _ in tile))
        self.end = first + count * width
        self.arrived = 0
        self.done: simpy.Event | None = None
        # each kind's stateful parts; none if any kind's models keep absolute time
        parts = [kind.parts for kind in self.tiled]
        self.parts = None if None in parts else cast("list[tuple[Steady, ...]]", parts)

    def take(self, kind: Kind) -> Generator[simpy.Event, object, None]:
        """Kind `kind` reached the run: the last kind to reach it times it whole."""
        self.arrived += 1
        if self.arrived < len(self.entries):
            if self.done is None:
                self.done = self.run.env.event()
            yield self.done
            return
        yield from self._time()
        if self.done is not None:
            self.done.succeed()

    def _time(self) -> Generator[simpy.Event, object, None]:
        first, width, count = self.first, self.width, self.count
        ids = range(self.end)  # (a task's place is its id)
        for kind, position, stop in self.lead_in:
            yield from kind.issue(ids, position, stop)
        before = self._state(first) if self.parts is not None and count > 1 else None
        stretches = [(kind.issue, position, stop) for kind, position, stop in self.tile]
        for tile in range(count):
            shift = tile * width
            for issue, position, stop in stretches:  # it waits only for a task before the run
                yield from issue(ids, position + shift, stop + shift)
            if before is None or tile + 1 >= count:
                continue
            base = first + shift
            after = self._state(base + width)
            period = cast("int", after[0]) - cast("int", before[0])
            if before[1:] == after[1:] and self._repeats(base, period):
                return
            before = after if tile + 1 < TRIES else None

    def _state(self, base: int) -> tuple[Hashable, ...]:
        """The state before the tile at task `base`: the origin (the first kind's last issue),
        then every part of it relative to that origin, and tasks relative to `base` (a task
        is only ever copied into a record: tile k + 1's is tile k's moved one tile on)."""
        origin = self.tiled[0].at[0]
        state: list[Hashable] = [origin]
        assert self.parts is not None
        for kind, parts in zip(self.tiled, self.parts, strict=True):
            issued, after = kind.at
            state.append(issued - origin)
            state.append(after - base if after >= 0 else None)
            for free, by in kind.free_at:
                state.append((free - origin, by - base) if by >= 0 else None)
            for ends in kind.in_flight:
                state.append(tuple([(end - origin, by - base) for end, by in ends]))
            for part in parts:
                state.append(part.steady_state(issued, origin))
        return tuple(state)

    def _repeats(self, base: int, period: int) -> bool:
        """Write the tiles after the one at `base` as its copies `period` cycles apart, if
        nothing from outside the run can make them differ; whether it did."""

        width, end = self.width, self.end
        steps = self._steps(base, period)
        if steps is None:
            return False
        later = (end - base) // width - 1  # tiles to write
        self.run.write(base, width, later, steps)
        self._move(later, period)
        waiting = self.run.waiting
        for task in [t for t in waiting if base + width <= t < end]:
            waiting.pop(task).succeed()
        return True

    def _steps(self, base: int, period: int) -> list[list[int]] | None:
        """How far each of the tile's tasks' columns (`trace.FILLED`: issued, deps done, space free,
        unit free, freed by, waited on, start, end, then the unit, `waited` and kind codes and
        the bytes) moves from a tile to the next on copies of it: `period` cycles for a
        time that moves with the tile, `width` for a task that does, 0 for what stays; None
        where a dependency could act differently on a later tile.

        Each dependency of the next tile's copy is this one's moved on a tile (it moves) or the
        same task (it stays: the plan's run index says the same for every later tile). One
        that moves is in this tile, or before it with each copy up to this tile's ending
        `period` after the one before (the state's other half: what this tile read before it,
        as later tiles will read this one and theirs). One
        that stays must have ended before the task started (it then never sets a start nor
        names a cause), and no later than a dependency of the same reason that moves, if
        there is one (else a later tile's would not overtake it as it should).
        """
        run, width = self.run, self.width
        tasks, end, starts = run.tasks, run.end, run.start
        deps, first, all_reasons = tasks.deps, tasks.first, tasks.reasons
        found: list[list[int]] = []
        for task in range(base, base + width):
            low, high, later = first[task], first[task + 1], first[task + width]
            if first[task + width + 1] - later != high - low:
                return None
            start = starts[task]
            # the latest end of the dependencies of each reason that stay and that move (-1:
            # none): data's, space's, serial's (`LATEST`)
            latest = [-1] * 6
            staying: list[int] = []
            reasons = all_reasons[task] or repeat("data")
            for dep, next_dep, reason in zip(deps[low:high], deps[later : later + high - low],
                                             reasons, strict=False):  # fmt: skip
                moves = next_dep == dep + width
                copy = dep
                while moves and copy < base:  # one from an earlier tile (or before the run):
                    if end[copy + width] != end[copy] + period:  # each copy ends `period` later
                        return None
                    copy += width
                if not moves:
                    if next_dep != dep or (end[dep] >= start and period):
                        return None
                    staying.append(dep)
                done, slot = end[dep], LATEST[reason] + moves
                if done > latest[slot]:
                    latest[slot] = done
            if period and (0 <= latest[1] < latest[0] or 0 <= latest[3] < latest[2]
                           or 0 <= latest[5] < latest[4]):  # fmt: skip
                return None
            data, serial = latest[0:2], latest[4:6]
            if max(serial) >= 0:  # deps done: the later of data and serial
                terms = [(max(data), data[1] >= 0), (max(serial), serial[1] >= 0)]
                fixed = max((time for time, moves in terms if not moves), default=-1)
                moving = max((time for time, moves in terms if moves), default=-1)
                if period and 0 <= moving < fixed:
                    return None
                done_moves = moving >= 0
            else:
                done_moves = data[1] >= 0
            # a cause is a dependency that moves (one that stays ended before the start, unless
            # nothing moves: period 0) or a task of the state, which moves too; -1 (none) stays
            waited, waited_on, freed_by = run.waited[task], run.waited_on[task], run.freed_by[task]
            cause_moves = waited_on >= 0 and not (waited in DEPENDENCY and waited_on in staying)
            found.append([
                period, period if done_moves else 0, period if latest[3] >= 0 else 0,
                period if freed_by >= 0 else 0, width if freed_by >= 0 else 0,
                width if cause_moves else 0, period, period, 0, 0, 0, 0,
            ])  # fmt: skip
        return found

    def _move(self, tiles: int, period: int) -> None:
        """Move every kind's state on by `tiles` tiles of `period` cycles."""
        cycles, shift = tiles * period, tiles * self.width
        assert self.parts is not None
        for kind, parts in zip(self.tiled, self.parts, strict=True):
            at = kind.at
            at[0] += cycles
            if at[1] >= 0:
                at[1] += shift
            kind.free_at[:] = [(free, by) if by < 0 else (free + cycles, by + shift)
                               for free, by in kind.free_at]  # fmt: skip
            for ends in kind.in_flight:
                moved = [(end + cycles, by + shift if by >= 0 else by) for end, by in ends]
                ends.clear()
                ends.extend(moved)
            for part in parts:
                part.shift(cycles)


def parts_of(models: list[TimingModel]) -> tuple[Steady, ...] | None:
    """The stateful parts of a kind's units' models, each once (channels share the DDR);
    None if some model keeps absolute time or does not say (`steady_parts`)."""
    found: dict[int, Steady] = {}
    for model in models:
        parts = steady_parts(model)
        if parts is None:
            return None
        found.update((id(part), part) for part in parts)
    return tuple(found.values())
