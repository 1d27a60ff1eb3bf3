"""The SRAM allocator alone: first fit, wait sets, coalescing, peak; numbers by hand."""

from __future__ import annotations

import pytest

from accelsim.memory.allocator import Allocator


def _union(a, b):
    return frozenset(a | b)


def test_allocations_are_first_fit_and_free_space_starts_with_no_wait():
    sram = Allocator(100, merge=_union)
    assert sram.allocate(30) == (0, frozenset())
    assert sram.allocate(50) == (30, frozenset())
    assert sram.allocate(21) is None  # 20 B left
    assert sram.allocate(20) == (80, frozenset())
    assert (sram.in_use, sram.peak) == (100, 100)


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
    assert (sram.in_use, sram.peak) == (20, 100)


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
