"""SRAM occupancy (`engine._occupancy`) against a cycle-by-cycle count written here: a range is
in use over [start of the task that fills it, latest end of the tasks it is released after),
and a range released after no task is held until the run's latest end (not the end of the
last task in plan order, which with several units may end first)."""

from __future__ import annotations

import random
from types import SimpleNamespace

from accelsim.plan import WHOLE, Ranges
from accelsim.sim.engine import _occupancy


def _by_cycle(ranges: list[tuple[int, int, tuple[int, ...]]], start: list[int],
              end: list[int]) -> list[tuple[int, int]]:  # fmt: skip
    """(cycle, bytes) at every cycle where the count changes, from cycle 0."""
    finish = max(end, default=0)
    spans = []
    for size, fill, release in ranges:
        freed = max((end[t] for t in release), default=finish)
        spans.append((start[fill], freed, size))
    steps: list[tuple[int, int]] = []
    for cycle in range(finish + 2):
        used = sum(size for taken, freed, size in spans if taken <= cycle < freed)
        if not steps or steps[-1][1] != used:
            steps.append((cycle, used))
    return steps


def _curve(ranges: list[tuple[int, int, tuple[int, ...]]], start: list[int],
           end: list[int]) -> list[tuple[int, int]]:  # fmt: skip
    columns = Ranges()
    for size, fill, release in ranges:
        index = columns.add("b", WHOLE, 0, 0, size)
        columns.first[index] = fill
        columns.released_after(index, *release)
    steps = list(_occupancy(SimpleNamespace(allocations=columns), start, end))  # type: ignore[arg-type]
    # the same curve without repeated values (a range freed as another of its size is taken)
    merged = [steps[0]]
    for cycle, used in steps[1:]:
        if used != merged[-1][1]:
            merged.append((cycle, used))
    return merged


def test_a_range_held_to_the_end_is_freed_at_the_latest_end_not_the_last_tasks():
    # Task 0 (a long compute on one unit) runs [0, 90); task 1 (a load on another) [5, 30).
    # The 64 B range filled by task 1 and released after nothing is held until 90, the run's
    # end, though task 1, the last in plan order, ended at 30.
    steps = _curve([(64, 1, ())], [0, 5], [90, 30])
    assert steps == [(0, 0), (5, 64), (90, 0)]


def test_a_range_released_after_two_tasks_waits_for_the_later_end_whichever_comes_first():
    # filled by task 0 at 0; released after tasks 1 [0, 70) and 2 [10, 40): free at 70
    assert _curve([(8, 0, (1, 2))], [0, 0, 10], [5, 70, 40]) == [(0, 8), (70, 0)]
    # the same with the later end second
    assert _curve([(8, 0, (1, 2))], [0, 0, 10], [5, 40, 70]) == [(0, 8), (70, 0)]


def test_a_range_is_taken_from_its_fill_tasks_start_not_its_end():
    # fill task 1 runs [20, 50), release after task 2 ending at 80: in use [20, 80)
    assert _curve([(16, 1, (2,))], [0, 20, 50], [10, 50, 80]) == [(0, 0), (20, 16), (80, 0)]


def test_many_random_ranges_match_the_cycle_by_cycle_count():
    rng = random.Random(7)
    for _ in range(300):
        count = rng.randint(1, 6)
        start = [rng.randint(0, 40) for _ in range(count)]
        end = [s + rng.randint(0, 30) for s in start]
        ranges = []
        for _ in range(rng.randint(1, 5)):
            fill = rng.randrange(count)
            after = [t for t in range(count) if t != fill and end[t] >= start[fill]]
            release = tuple(rng.sample(after, min(len(after), rng.randint(0, 4))))
            ranges.append((rng.choice((1, 2, 4, 8, 64)), fill, release))
        assert _curve(ranges, start, end) == _by_cycle(ranges, start, end), (ranges, start, end)
