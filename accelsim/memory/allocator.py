"""The SRAM address space: first-fit ranges that remember when each free range becomes usable.

A freed range is not free at once in simulated time: it is free after the tasks that last used
it finish. Each free block carries those task ids, and whoever allocates it must wait for them.
That is how a static plan turns into the right dependencies for the simulator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

WaitSet = frozenset[int]


@dataclass(slots=True)
class _Block:
    offset: int
    size: int
    after: WaitSet


class Allocator:
    """Address ranges in [0, capacity); blocks coalesce on free and merge their wait sets."""

    def __init__(self, capacity: int, *, merge: Callable[[WaitSet, WaitSet], WaitSet]) -> None:
        self.capacity = capacity
        self._merge = merge
        self._free: list[_Block] = [_Block(0, capacity, frozenset())]
        self.in_use = 0
        self.peak = 0

    def allocate(self, size: int) -> tuple[int, WaitSet] | None:
        """Reserve `size` bytes; returns (offset, tasks to wait for) or None if no range fits.

        Among ranges that fit, picks the one freed earliest in plan order (task ids grow in plan
        order), so prefetches land in space that is already free instead of waiting.
        """
        best: _Block | None = None
        best_key: tuple[int, int] = (0, 0)
        for block in self._free:
            if block.size < size:
                continue
            key = (max(block.after, default=-1), block.offset)
            if best is None or key < best_key:
                best, best_key = block, key
        if best is None:
            return None
        offset, after = best.offset, best.after
        if best.size == size:
            self._free.remove(best)
        else:
            best.offset += size
            best.size -= size
        self.in_use += size
        self.peak = max(self.peak, self.in_use)
        return offset, after

    def free(self, offset: int, size: int, *, after: WaitSet) -> None:
        """Return a range; it can be reused once the tasks in `after` have finished."""
        self.in_use -= size
        blocks = self._free
        index = 0
        while index < len(blocks) and blocks[index].offset < offset:
            index += 1
        blocks.insert(index, _Block(offset, size, after))
        if index + 1 < len(blocks) and offset + size == blocks[index + 1].offset:
            nxt = blocks.pop(index + 1)
            blocks[index].size += nxt.size
            blocks[index].after = self._merge(blocks[index].after, nxt.after)
        if index > 0 and blocks[index - 1].offset + blocks[index - 1].size == offset:
            cur = blocks.pop(index)
            blocks[index - 1].size += cur.size
            blocks[index - 1].after = self._merge(blocks[index - 1].after, cur.after)

    def largest_free(self) -> int:
        return max((b.size for b in self._free), default=0)

    def snapshot(self) -> list[tuple[int, int, WaitSet]]:
        return [(b.offset, b.size, b.after) for b in self._free]

    def restore(self, blocks: list[tuple[int, int, WaitSet]], in_use: int, peak: int) -> None:
        self._free = [_Block(o, s, a) for o, s, a in blocks]
        self.in_use = in_use
        self.peak = peak
