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

        A range may span adjacent free blocks and then waits for all of them. Among ranges that
        fit, the one freed earliest in plan order wins (task ids grow in plan order), so a
        prefetch lands in space that is free now rather than space freed by a later task.
        """
        best: tuple[tuple[int, int], int, int, WaitSet] | None = None
        blocks = self._free
        for first in range(len(blocks)):
            covered, after, last = 0, frozenset[int](), first
            while last < len(blocks):
                if (
                    last > first
                    and blocks[last - 1].offset + blocks[last - 1].size != blocks[last].offset
                ):
                    break
                covered += blocks[last].size
                after = self._merge(after, blocks[last].after)
                if covered >= size:
                    key = (max(after, default=-1), blocks[first].offset)
                    if best is None or key < best[0]:
                        best = (key, first, last, after)
                    break
                last += 1
        if best is None:
            return None
        _, first, last, after = best
        offset = blocks[first].offset
        tail = blocks[last]
        leftover = offset + size
        end = tail.offset + tail.size
        del blocks[first : last + 1]
        if end > leftover:
            blocks.insert(first, _Block(leftover, end - leftover, tail.after))
        self.in_use += size
        self.peak = max(self.peak, self.in_use)
        return offset, after

    def free(self, offset: int, size: int, *, after: WaitSet) -> None:
        """Return a range; it can be reused once the tasks in `after` have finished.

        Neighbours coalesce only when they wait for the same tasks, so space that is free now
        never inherits a wait from space freed later.
        """
        self.in_use -= size
        blocks = self._free
        index = 0
        while index < len(blocks) and blocks[index].offset < offset:
            index += 1
        blocks.insert(index, _Block(offset, size, after))
        nxt = index + 1
        if nxt < len(blocks) and blocks[nxt].offset == offset + size and blocks[nxt].after == after:
            blocks[index].size += blocks.pop(nxt).size
        prev = index - 1
        if (
            prev >= 0
            and blocks[prev].offset + blocks[prev].size == offset
            and blocks[prev].after == after
        ):
            blocks[prev].size += blocks.pop(index).size

    def largest_free(self) -> int:
        return max((b.size for b in self._free), default=0)

    def snapshot(self) -> list[tuple[int, int, WaitSet]]:
        return [(b.offset, b.size, b.after) for b in self._free]

    def restore(self, blocks: list[tuple[int, int, WaitSet]], in_use: int, peak: int) -> None:
        self._free = [_Block(o, s, a) for o, s, a in blocks]
        self.in_use = in_use
        self.peak = peak
