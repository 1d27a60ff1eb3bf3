"""SRAM occupancy from the ranges' fills and releases, worked out by hand: a range is in use from
the start of the task that fills it to the end of the last task it is released after."""

from __future__ import annotations

from types import SimpleNamespace

from accelsim.plan import WHOLE, Ranges
from accelsim.sim.engine import _occupancy


def test_a_range_released_after_three_tasks_is_held_to_the_latest_end_not_the_last_id() -> None:
    # Task 0 fills 100 B at cycle 0; tasks 1, 2 and 3 read it and end at 50, 40 and 20: the
    # range is free at 50, though task 3 (the highest id) ended first.
    ranges = Ranges()
    index = ranges.add("x", WHOLE, 0, 0, 100)
    ranges.first[index] = 0
    ranges.released_after(index, 1, 2, 3)
    steps = _occupancy(SimpleNamespace(allocations=ranges), [0, 5, 5, 5], [10, 50, 40, 20])
    assert list(steps) == [(0, 100), (50, 0)]
