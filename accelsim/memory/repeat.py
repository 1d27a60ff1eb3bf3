"""A tiled layer's loop state, and when the tiles after one can be planned in bulk.

Planning tile m+1 is a function of the loop's state after tile m (the task ids each slot frees
after, the stores still to issue, the last compute...), of the tile (its slices, work, flags),
of m (slots turn with it) and of how many tasks and ranges exist. Let σ move every task id from
`low` on by the width W of tile m's period (and every range index from `low_range` on by the
ranges it made), leaving older ones alone. Planning commutes with σ: it unions, sorts and
compares ids (σ keeps their order), and numbers new tasks from the count of tasks (which σ moves
by W). So if the state after tile m is σ of the state after tile m - 1, and tile m+1 is the same
tile as m, then tile m+1 plans σ of what tile m planned and leaves σ of its state, and so on for
every same tile that follows: the planner copies tile m's tasks and ranges instead of planning
them (`_Planner._repeat`), which is what lets it issue runs of identical tiles in bulk. What σ
cannot move is worked out in closed form there: DDR addresses (each buffer's cursor), range
labels and slot offsets (by tile number), and an epilogue's share (by MACs done).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(slots=True, kw_only=True)
class Loop:
    """What planning a tiled layer's tiles carries from one tile to the next."""

    weight_slots: list[set[int]]  # what each weight slot is free after (by group)
    tile_slots: list[set[int]]  # ... each tile slot (by tile number)
    psum_slots: list[set[int]]  # ... each partial-sum slot (by partial sums begun)
    sums: int = 0  # partial-sum ranges begun (K-split)
    out_slot: int = 0
    out_index: int = -1  # the range the current tile's output goes to
    group_loads: list[tuple[int, int]] = field(default_factory=list)  # (range, load) of the group
    group_pins: set[int] = field(default_factory=set)  # loads of the group's pinned weights
    # finished tiles' stores to issue: (tile, (slot, compute, out range, bytes))
    pending: list[tuple[int, tuple[int, int, int, int]]] = field(default_factory=list)
    stores: list[int] = field(default_factory=list)
    last_compute: int = -1
    # With several units of the layer's kind, every tile's compute in plan order (a compute on
    # another unit may end after a later one): what the group's and layer's ranges wait for.
    computes: list[int] = field(default_factory=list)
    group_from: int = 0  # where the current group's begin in `computes`
    done: int = 0  # MACs of the tiles so far
    since: int = 0  # `done` when the last epilogue was issued


class State(NamedTuple):
    """A `Loop` after tile `number`, slots and tiles counted from it (so that σ need not turn
    them), and the DDR waits of the buffers its tile moves: what σ is checked on."""

    tile_slots: tuple[frozenset[int], ...]  # in the order the next tiles use them
    weight_slots: tuple[frozenset[int], ...]  # in the order the next groups use them
    psum_slots: tuple[frozenset[int], ...]  # in the order the next partial sums use them
    group_pins: frozenset[int]
    group_loads: tuple[tuple[int, int], ...]
    pending: tuple[tuple[int, int, int, int, int], ...]  # (tiles back, slot, compute, range, B)
    last_compute: int
    out_index: int
    waits: tuple[frozenset[int], ...]
    out_slot: int  # the output's slot, counted from the next tile's or partial sums'


def state(loop: Loop, number: int, group: int, turns: bool,
          waits: tuple[frozenset[int], ...]) -> State:  # fmt: skip
    """The loop after tile `number`, of channel group `group`; `turns`: the output's slot is a
    tile slot, which turns with the tile (else a partial-sum slot, which turns with the partial
    sums begun, or a kept output's); `waits`: the DDR waits of the buffers it moves."""
    count, sums, weights = len(loop.tile_slots), len(loop.psum_slots), len(loop.weight_slots)

    def slot(value: int, tile: int) -> int:
        return (value - tile) % count if turns else (value - loop.sums) % sums

    return State(
        tile_slots=tuple(frozenset(loop.tile_slots[(number + 1 + i) % count])
                         for i in range(count)),  # fmt: skip
        weight_slots=tuple(frozenset(loop.weight_slots[(group + 1 + i) % weights])
                           for i in range(weights)),  # fmt: skip
        psum_slots=tuple(frozenset(loop.psum_slots[(loop.sums + i) % sums])
                         for i in range(sums)),  # fmt: skip
        group_pins=frozenset(loop.group_pins),
        group_loads=tuple(loop.group_loads),
        pending=tuple((number - tile, slot(at, tile), compute, index, size)
                      for tile, (at, compute, index, size) in loop.pending),  # fmt: skip
        last_compute=loop.last_compute,
        out_index=loop.out_index,
        waits=waits,
        out_slot=slot(loop.out_slot, number),
    )


class Shift(NamedTuple):
    """σ: the task ids in `moving` move by `width`, the range indices in `moving_ranges` by
    `ranges`; every other id stays."""

    width: int
    moving: frozenset[int]
    ranges: int
    moving_ranges: frozenset[int]

    def task(self, task: int, times: int = 1) -> int:
        return task + times * self.width if task in self.moving else task

    def range(self, index: int, times: int = 1) -> int:
        return index + times * self.ranges if index in self.moving_ranges else index

    def tasks(self, tasks: set[int] | frozenset[int], times: int = 1) -> set[int]:
        return {self.task(task, times) for task in tasks}


class Shifts(NamedTuple):
    """The σ between two states (`shift_between`): `back` moves the ids of the state before the
    period, and the period's own, onto the next period's (what repeating the period copies);
    `on` moves the state after it onto the state after the next one."""

    back: Shift
    on: Shift


def shift_between(
    before: State, after: State, *, tasks: tuple[int, int], ranges: tuple[int, int],
    constants: set[int], serial: bool,
) -> Shifts | None:  # fmt: skip
    """The σ that takes the state `before` a tile's period to the state `after` it, if one
    does; `tasks` and `ranges`: where the period's tasks and ranges begin and end; `constants`:
    the tasks its tiles read that the state does not hold (the layer's shared inputs, the DDR
    data they wait for), which must stay; `serial`: each task waits for the one before it.

    Each id of `before` is paired with the one at its place in `after` (a set's in order): it
    moves if that is one period on, and stays if the same; σ then takes `before` to `after`
    if no id both moves and stays, none that stays is the period's own, and every field that
    is no id (slots, tiles back, bytes) is the same."""
    (begin, end), (first, last) = tasks, ranges
    width, count = end - begin, last - first
    old_sets = (*before.tile_slots, *before.weight_slots, *before.psum_slots, before.group_pins,
                *before.waits)  # fmt: skip
    new_sets = (*after.tile_slots, *after.weight_slots, *after.psum_slots, after.group_pins,
                *after.waits)  # fmt: skip
    if (
        before.out_slot != after.out_slot or begin < 1
        or len(before.tile_slots) != len(after.tile_slots)
        or len(before.weight_slots) != len(after.weight_slots)
        or len(before.psum_slots) != len(after.psum_slots) or len(old_sets) != len(new_sets)
        or len(before.group_loads) != len(after.group_loads)
        or [store[:2] + store[4:] for store in before.pending]
        != [store[:2] + store[4:] for store in after.pending]
    ):  # fmt: skip
        return None
    old_tasks, new_tasks = [before.last_compute], [after.last_compute]
    for old, new in zip(old_sets, new_sets, strict=True):
        if len(old) != len(new):
            return None
        old_tasks += sorted(old)
        new_tasks += sorted(new)
    old_ranges, new_ranges = [before.out_index], [after.out_index]
    for (r, t), (q, u) in zip(before.group_loads, after.group_loads, strict=True):
        old_ranges.append(r)
        new_ranges.append(q)
        old_tasks.append(t)
        new_tasks.append(u)
    for old_store, new_store in zip(before.pending, after.pending, strict=True):
        old_tasks.append(old_store[2])
        new_tasks.append(new_store[2])
        old_ranges.append(old_store[3])
        new_ranges.append(new_store[3])
    moved, stayed = _split(old_tasks, new_tasks, width)
    moved_ranges, stayed_ranges = _split(old_ranges, new_ranges, count)
    if moved is None or moved_ranges is None or stayed is None or stayed_ranges is None:
        return None
    low = begin - 1 if serial else begin  # (the period's own tasks move, and the one before)
    if (
        not moved.isdisjoint(stayed) or not moved.isdisjoint(constants)
        or not moved_ranges.isdisjoint(stayed_ranges)
        or any(low <= task < end for task in stayed)
        or any(first <= index < last for index in stayed_ranges)
    ):  # fmt: skip
        return None
    # σ must not take a moved id onto one that stays (it would merge them)
    ahead = stayed | constants
    if any(task + width in ahead for task in moved) or any(
        end <= task < end + width or (serial and task == end - 1) for task in ahead
    ):
        return None
    back = Shift(width=width, moving=frozenset(moved.union(range(low, end))), ranges=count,
                 moving_ranges=frozenset(moved_ranges.union(range(first, last))))  # fmt: skip
    on = Shift(width=width, moving=frozenset(task + width for task in moved), ranges=count,
               moving_ranges=frozenset(index + count for index in moved_ranges))  # fmt: skip
    return Shifts(back=back, on=on)


def _split(old: list[int], new: list[int], step: int) -> tuple[set[int] | None, set[int] | None]:
    """The ids of `old` whose counterpart in `new` is `step` on (moved) and the same (stayed);
    (None, None) if one is neither."""
    moved: set[int] = set()
    stayed: set[int] = set()
    for x, y in zip(old, new, strict=True):
        if y == x:
            stayed.add(x)
        elif y == x + step and x >= 0:
            moved.add(x)
        else:
            return None, None
    return moved, stayed


def advance(loop: Loop, sigma: Shift, times: int, turns: bool, period: tuple[int, int, int],
            computes: list[int]) -> None:  # fmt: skip
    """Move `loop` on by `times` periods of σ (the state it would reach planning them); a
    period of (tiles, partial sums begun, groups begun), whose computes (several units) are
    `computes`."""
    count, sums, weights = len(loop.tile_slots), len(loop.psum_slots), len(loop.weight_slots)
    tiles, begun, groups = (part * times for part in period)
    turned, summed, held = loop.tile_slots, loop.psum_slots, loop.weight_slots
    loop.tile_slots = [sigma.tasks(turned[(slot - tiles) % count], times)
                       for slot in range(count)]  # fmt: skip
    loop.psum_slots = [sigma.tasks(summed[(slot - begun) % sums], times)
                       for slot in range(sums)]  # fmt: skip
    loop.weight_slots = [sigma.tasks(held[(slot - groups) % weights], times)
                         for slot in range(weights)]  # fmt: skip
    if groups:  # (the group's computes begin the last repeat's)
        loop.group_from += times * len(computes)

    def slot(value: int) -> int:
        return (value + tiles) % count if turns else (value + begun) % sums

    loop.sums += begun
    loop.out_slot = slot(loop.out_slot)
    loop.out_index = sigma.range(loop.out_index, times)
    loop.group_loads = [(sigma.range(r, times), sigma.task(t, times)) for r, t in loop.group_loads]
    loop.group_pins = sigma.tasks(loop.group_pins, times)
    loop.pending = [
        (tile + tiles, (slot(at), sigma.task(compute, times), sigma.range(index, times), size))
        for tile, (at, compute, index, size) in loop.pending
    ]
    loop.last_compute = sigma.task(loop.last_compute, times)
    # the repeats' computes: the period's, one period on each
    loop.computes.extend(c + k * sigma.width for k in range(1, times + 1) for c in computes)
