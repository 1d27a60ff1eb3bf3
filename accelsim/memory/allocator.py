"""The SRAM address space: first-fit ranges that remember when each free range becomes usable.

A freed range is not free at once in simulated time: it is free after the tasks that last used
it finish. Each free block carries those task ids, and whoever allocates it must wait for them.
That is how a static plan turns into the right dependencies for the simulator.

Blocks only merge when they wait for the same tasks, so a long model leaves many blocks behind.
The search therefore never walks the whole free list: blocks are also kept ordered by the latest
task they wait for, and an allocation looks only at the blocks freed no later than the one it
takes (usually a handful), which keeps planning linear in the number of layers.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable
from dataclasses import dataclass

WaitSet = frozenset[int]


@dataclass(slots=True)
class _Block:
    offset: int
    size: int
    after: WaitSet

    @property
    def latest(self) -> int:
        return max(self.after, default=-1)


class Allocator:
    """Address ranges in [0, capacity); blocks coalesce on free and merge their wait sets."""

    def __init__(self, capacity: int, *, merge: Callable[[WaitSet, WaitSet], WaitSet]) -> None:
        self.capacity = capacity
        self._merge = merge
        self._blocks: dict[int, _Block] = {}  # by offset
        self._offsets: list[int] = []  # sorted
        self._by_latest: list[tuple[int, int]] = []  # sorted (latest task waited for, offset)
        self._add(_Block(0, capacity, frozenset()))
        self.in_use = 0

    def allocate(self, size: int) -> tuple[int, WaitSet] | None:
        """Reserve `size` bytes; returns (offset, tasks to wait for) or None if no range fits.

        A range may span adjacent free blocks and then waits for all of them. Among ranges that
        fit, the one freed earliest in plan order wins (task ids grow in plan order), then the
        lowest address, so a prefetch lands in space that is free now rather than space freed by
        a later task.
        """
        first = self._earliest_fit(size)
        if first is None:
            return None
        index = bisect_left(self._offsets, first)
        covered, after = 0, frozenset[int]()
        taken: list[_Block] = []
        while covered < size:
            block = self._blocks[self._offsets[index + len(taken)]]
            covered += block.size
            after = self._merge(after, block.after)
            taken.append(block)
        for block in taken:
            self._remove(block)
        tail = taken[-1]
        if covered > size:
            self._add(_Block(first + size, covered - size, tail.after))
        self.in_use += size
        return first, after

    def _earliest_fit(self, size: int) -> int | None:
        """Offset where the best range starts, visiting blocks by how late they were freed.

        The smallest "latest task" T at which some run of adjacent blocks, each freed by T, holds
        `size` bytes is the best key; among runs that do at T, the lowest one wins, from its start.
        Runs are grown with a union-find over the blocks visited so far.
        """
        parent: dict[int, int] = {}  # offset -> offset of a block in the same run
        start: dict[int, int] = {}  # run root -> lowest offset in the run
        total: dict[int, int] = {}  # run root -> bytes in the run

        def root(offset: int) -> int:
            while parent[offset] != offset:
                parent[offset] = parent[parent[offset]]
                offset = parent[offset]
            return offset

        def join(a: int, b: int) -> None:
            ra, rb = root(a), root(b)
            parent[rb] = ra
            start[ra] = min(start[ra], start.pop(rb))
            total[ra] += total.pop(rb)

        order, position = self._by_latest, 0
        while position < len(order):
            level, touched = order[position][0], []
            while position < len(order) and order[position][0] == level:
                offset = order[position][1]
                touched.append(offset)
                block = self._blocks[offset]
                parent[offset], start[offset], total[offset] = offset, offset, block.size
                index = bisect_left(self._offsets, offset)
                if index > 0:
                    before = self._blocks[self._offsets[index - 1]]
                    if before.offset in parent and before.offset + before.size == offset:
                        join(before.offset, offset)
                end = offset + block.size
                if end in parent:  # the next block starts where this one ends
                    join(offset, end)
                position += 1
            # Only a run that grew at this level can newly hold `size`.
            fits = [start[r] for r in map(root, touched) if total[r] >= size]
            if fits:
                return min(fits)
        return None

    def free(self, offset: int, size: int, *, after: WaitSet) -> None:
        """Return a range; it can be reused once the tasks in `after` have finished.

        Neighbours coalesce only when they wait for the same tasks, so space that is free now
        never inherits a wait from space freed later.
        """
        self.in_use -= size
        block = _Block(offset, size, after)
        index = bisect_left(self._offsets, offset)
        if index < len(self._offsets):
            nxt = self._blocks[self._offsets[index]]
            if nxt.offset == offset + size and nxt.after == after:
                self._remove(nxt)
                block.size += nxt.size
        if index > 0:
            prev = self._blocks[self._offsets[index - 1]]
            if prev.offset + prev.size == offset and prev.after == after:
                self._remove(prev)
                block.offset, block.size = prev.offset, prev.size + block.size
        self._add(block)

    def snapshot(self) -> list[tuple[int, int, WaitSet]]:
        """The free blocks as (offset, size, wait set), lowest address first."""
        return [(o, self._blocks[o].size, self._blocks[o].after) for o in self._offsets]

    def _add(self, block: _Block) -> None:
        self._blocks[block.offset] = block
        insort(self._offsets, block.offset)
        insort(self._by_latest, (block.latest, block.offset))

    def _remove(self, block: _Block) -> None:
        del self._blocks[block.offset]
        del self._offsets[bisect_left(self._offsets, block.offset)]
        del self._by_latest[bisect_left(self._by_latest, (block.latest, block.offset))]
