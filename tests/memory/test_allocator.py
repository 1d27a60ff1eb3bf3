"""The SRAM allocator alone: first fit, wait sets, coalescing; numbers by hand. And the
fast search against a brute-force oracle (the original first-fit search written out plainly:
for every free block, the shortest run of adjacent blocks from it that holds the request, keyed
by (latest task waited for, offset)), and its cost on long models.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.memory.allocator import Allocator


def _union(a, b):
    return frozenset(a | b)


def test_allocations_are_first_fit_and_free_space_starts_with_no_wait():
    sram = Allocator(100, merge=_union)
    assert sram.allocate(30) == (0, frozenset())
    assert sram.allocate(50) == (30, frozenset())
    assert sram.allocate(21) is None  # 20 B left
    assert sram.allocate(20) == (80, frozenset())
    assert sram.in_use == 100


@pytest.mark.parametrize("first", [0, 40], ids=["left-then-right", "right-then-left"])
def test_freed_neighbours_with_different_waits_stay_apart(first):
    sram = Allocator(100, merge=_union)
    for size in (40, 40, 20):
        sram.allocate(size)
    second = 40 - first
    sram.free(first, 40, after=frozenset({1 if first == 0 else 2}))
    sram.free(second, 40, after=frozenset({1 if second == 0 else 2}))
    # Merging the two would make [0, 40), free after task 1, wait for task 2 as well.
    assert sram.snapshot() == [(0, 40, frozenset({1})), (40, 40, frozenset({2}))]
    assert sram.allocate(30) == (0, frozenset({1}))  # the block freed earliest wins


def test_freed_neighbours_with_the_same_wait_coalesce():
    sram = Allocator(100, merge=_union)
    for size in (40, 40, 20):
        sram.allocate(size)
    sram.free(40, 40, after=frozenset({3}))
    sram.free(0, 40, after=frozenset({3}))
    assert sram.snapshot() == [(0, 80, frozenset({3}))]
    assert sram.in_use == 20


@pytest.mark.parametrize("below", [0, 1], ids=["first-block-below", "second-block-below"])
def test_a_range_freed_above_a_free_neighbour_with_the_same_wait_coalesces(below):
    # 10 B blocks: [0, 10) freed after task 1 (with `below`, a second free block sits under
    # the pair), then [20, 30) after task 3 and [30, 40) after task 3: it merges with the block
    # below it (the second or the third free block, counted from address 0).
    sram = Allocator(100, merge=_union)
    for _ in range(10):
        sram.allocate(10)
    if below:
        sram.free(0, 10, after=frozenset({1}))
    sram.free(20, 10, after=frozenset({3}))
    sram.free(30, 10, after=frozenset({3}))
    assert sram.snapshot() == [(0, 10, frozenset({1}))] * below + [(20, 20, frozenset({3}))]


def test_a_range_spanning_blocks_waits_for_all_of_them():
    sram = Allocator(100, merge=_union)
    for size in (40, 40, 20):
        sram.allocate(size)
    sram.free(0, 40, after=frozenset({1}))
    sram.free(40, 40, after=frozenset({2}))
    # 60 B needs both blocks: it waits for tasks 1 and 2; the 20 B tail keeps task 2's wait.
    assert sram.allocate(60) == (0, frozenset({1, 2}))
    assert sram.snapshot() == [(60, 20, frozenset({2}))]


def test_the_block_freed_earliest_wins_over_the_lower_address():
    sram = Allocator(100, merge=_union)
    for size in (50, 50):
        sram.allocate(size)
    sram.free(0, 50, after=frozenset({7}))
    sram.free(50, 50, after=frozenset({4}))
    assert sram.allocate(10) == (50, frozenset({4}))  # task 4 ends before task 7 (plan order)


UNION = frozenset.union


class Oracle:
    def __init__(self, capacity: int) -> None:
        self.free_blocks = [(0, capacity, frozenset())]

    def allocate(self, size: int):
        blocks, best = self.free_blocks, None
        for first in range(len(blocks)):
            covered, after = 0, frozenset()
            for last in range(first, len(blocks)):
                if last > first and sum(blocks[last - 1][:2]) != blocks[last][0]:
                    break
                covered += blocks[last][1]
                after |= blocks[last][2]
                if covered >= size:
                    key = (max(after, default=-1), blocks[first][0])
                    if best is None or key < best[0]:
                        best = (key, first, last, after)
                    break
        if best is None:
            return None
        _, first, last, after = best
        offset, (tail_at, tail_size, tail_after) = blocks[first][0], blocks[last]
        del blocks[first : last + 1]
        if tail_at + tail_size > offset + size:
            blocks.insert(first, (offset + size, tail_at + tail_size - offset - size, tail_after))
        return offset, after

    def free(self, offset: int, size: int, after: frozenset) -> None:
        """Only the freed range merges, with neighbours that wait for the same tasks."""
        blocks = self.free_blocks
        index = sum(1 for block in blocks if block[0] < offset)
        blocks.insert(index, (offset, size, after))
        nxt = blocks[index + 1] if index + 1 < len(blocks) else None
        if nxt is not None and nxt[0] == offset + size and nxt[2] == after:
            blocks[index : index + 2] = [(offset, size + nxt[1], after)]
        if index > 0 and sum(blocks[index - 1][:2]) == offset and blocks[index - 1][2] == after:
            blocks[index - 1 : index + 1] = [
                (blocks[index - 1][0], blocks[index - 1][1] + blocks[index][1], after)
            ]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(0, 3)), min_size=1, max_size=60))
def test_fast_search_picks_the_oracles_range(requests):
    """Random allocate/free traffic with wait sets of growing task ids: same ranges, same waits."""
    fast, oracle = Allocator(128, merge=UNION), Oracle(128)
    live: list[tuple[int, int]] = []
    for task, (size, frees) in enumerate(requests):
        for _ in range(min(frees, len(live))):
            offset, taken = live.pop(task % len(live))
            after = frozenset({task - 1, task}) if task % 3 else frozenset({task})
            fast.free(offset, taken, after=after)
            oracle.free(offset, taken, after)
        assert fast.snapshot() == oracle.free_blocks  # the same blocks, merged alike
        got = fast.allocate(size)
        assert got == oracle.allocate(size)
        if got is not None:
            live.append((got[0], size))


def test_thousands_of_freed_blocks_do_not_slow_allocation():
    """A chain's freed outputs each wait for their own task and never merge. With 3,000 of them
    the search still visits only the blocks freed before the one it takes: a thousand more
    allocations cost about as much with 3,000 leftover blocks as with 30."""

    def seconds(leftover: int) -> float:
        allocator = Allocator(1 << 30, merge=UNION)
        for task in range(leftover):
            offset, _ = allocator.allocate(64)
            allocator.free(offset, 64, after=frozenset({task}))
        start = time.perf_counter()
        for _ in range(1000):
            allocator.allocate(64)  # never-used space wins: it waits for nothing
        return time.perf_counter() - start

    assert seconds(3_000) < 5 * seconds(30) + 0.05


def test_space_free_now_comes_before_space_that_waits_for_task_zero():
    # [0, 40) freed after task 0, [40, 100) never used: 30 B land at 40, waiting for nothing
    sram = Allocator(100, merge=_union)
    assert sram.allocate(40) == (0, frozenset())
    sram.free(0, 40, after=frozenset({0}))
    assert sram.allocate(30) == (40, frozenset())


def test_free_blocks_with_a_range_in_use_between_them_never_join():
    # [0, 10) and [20, 30) both freed after task 1, [10, 20) still in use: 20 B free in all,
    # but no 15 B range
    sram = Allocator(30, merge=_union)
    for offset in (0, 10, 20):
        assert sram.allocate(10) == (offset, frozenset())
    sram.free(0, 10, after=frozenset({1}))
    sram.free(20, 10, after=frozenset({1}))
    assert sram.allocate(15) is None
    assert sram.allocate(10) == (0, frozenset({1}))
