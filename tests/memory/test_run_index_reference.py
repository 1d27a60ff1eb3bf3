"""The run index (`plan.Tasks.mark_runs` and `run_first/run_width/run_count`) against runs
found here from `plan.Tasks`'s definition, on random periods: each run is as long as it can
be (a run that stops early, or a repeat left out of every run, is a wrong index too), runs
start at the first period that the next one repeats, and the planner's hints (periods issued
as repeats, periods known to differ) change nothing."""

from __future__ import annotations

import random

from accelsim.plan import Tasks
from accelsim.work import Vector


def _repeats(tasks: Tasks, a: int, b: int, c: int) -> bytes | None:
    """Which dependencies of period [b, c) are those of [a, b) one period on (1) or the same
    (0); None unless [b, c) is [a, b) with its tile one more and all else equal."""
    width = b - a
    if c - b != width:
        return None
    moved = []
    for j in range(width):
        x, y = tasks[a + j], tasks[b + j]
        if (x.unit_kind, x.kind, x.layer, x.buffer, x.reasons, x.work) != (
            y.unit_kind, y.kind, y.layer, y.buffer, y.reasons, y.work
        ) or y.tile != x.tile + 1 or len(y.deps) != len(x.deps):  # fmt: skip
            return None
        for d, e in zip(x.deps, y.deps, strict=True):
            if e not in (d, d + width):
                return None
            moved.append(int(e == d + width))
    return bytes(moved)


def _runs_by_hand(tasks: Tasks, bounds: list[int]) -> list[tuple[int, int, int]]:
    runs = []
    periods = len(bounds) - 1
    start = 0
    while start < periods - 1:
        pattern = _repeats(tasks, *bounds[start : start + 3])
        if pattern is None:
            start += 1
            continue
        end = start + 1  # the last period of the run
        while end + 1 < periods and _repeats(tasks, *bounds[end : end + 2 + 1]) == pattern:
            end += 1
        runs.append((bounds[start], bounds[start + 1] - bounds[start], end - start + 1))
        start = end + 1
    return runs


def _random_plan(rng: random.Random) -> tuple[Tasks, list[int]]:
    """A lead-in of `width` tasks, then periods of `width` tasks each a repeat of the one
    before (tile + 1, dependencies on the lead-in fixed, on the period before moved, or from
    a period on fixed), some perturbed in one field."""
    width = rng.randint(1, 3)
    tasks = Tasks()
    for j in range(width):
        tasks.add("dma", "load", 0, 0, "w", Vector(ops=j, elements=1), [], ())
    template = []
    for _ in range(width):
        kinds = ["fixed" if rng.random() < 0.5 else "moving" for _ in range(rng.randint(0, 2))]
        slots = sorted({(kind, rng.randrange(width)) for kind in kinds})
        template.append((rng.choice(("dma", "matrix")), rng.randint(1, 3), slots))
    bounds = [0, width]
    # from period `switch` on, a dependency on the period before stays where it was then: the
    # periods still repeat, with other moves (a run ends where the next begins)
    switch = rng.randint(1, 9) if rng.random() < 0.5 else 99
    for period in range(rng.randint(2, 9)):
        for unit, ops, slots in template:
            tile, work, reasons = period, Vector(ops=ops, elements=1), ()
            deps = sorted({f if kind == "fixed" else width * min(period, switch - 1) + f
                           for kind, f in slots})  # fmt: skip
            change = rng.random()
            if change < 0.05:
                tile += 1
            elif change < 0.1:
                work = Vector(ops=ops + 7, elements=1)
            elif change < 0.15 and deps:
                deps = sorted({*deps[:-1], max(0, deps[-1] - 1)})
            elif change < 0.2:
                reasons = ("data",) * len(deps)
            tasks.add(unit, "compute", 1, tile, "x", work, deps, reasons)
        bounds.append(len(tasks))
    return tasks, bounds


def test_random_periods_are_indexed_as_the_longest_runs():
    rng = random.Random(11)
    for _ in range(600):
        tasks, bounds = _random_plan(rng)
        expected = _runs_by_hand(tasks, bounds)
        tasks.mark_runs(bounds, {}, bytes(len(bounds) - 1))
        got = list(zip(tasks.run_first, tasks.run_width, tasks.run_count, strict=True))
        assert got == expected, (bounds, [tuple(t) for t in tasks])


def test_hints_of_repeats_and_unlike_periods_change_nothing():
    rng = random.Random(12)
    for _ in range(600):
        tasks, bounds = _random_plan(rng)
        expected = _runs_by_hand(tasks, bounds)
        unlike = bytearray(len(bounds) - 1)
        for i in range(1, len(bounds) - 1):
            if _repeats(tasks, *bounds[i - 1 : i + 2]) is None and rng.random() < 0.5:
                unlike[i] = 1
        hints = {}  # from period i on, n periods that each repeat the one before alike
        i = 1
        while i < len(bounds) - 1:
            pattern = _repeats(tasks, *bounds[i - 1 : i + 2])
            if pattern is None or rng.random() < 0.4:
                i += 1
                continue
            most = 1
            while i + most < len(bounds) - 1 and (
                _repeats(tasks, *bounds[i + most - 1 : i + most + 2]) == pattern
            ):
                most += 1
            hints[i] = (pattern, rng.randint(1, most))
            i += hints[i][1]
        tasks.mark_runs(bounds, hints, bytes(unlike))
        got = list(zip(tasks.run_first, tasks.run_width, tasks.run_count, strict=True))
        assert got == expected, (bounds, hints, bytes(unlike))


def test_two_plans_periods_marked_in_turn_are_indexed_in_task_order():
    # one period list, then another after it: both layers' runs, in order
    tasks = Tasks()
    bounds_a, bounds_b = [0], []
    for tile in range(3):  # three periods of one task, no deps: a run (0, 1, 3)
        tasks.add("matrix", "compute", 0, tile, "a", Vector(ops=1, elements=1), [], ())
        bounds_a.append(len(tasks))
    bounds_b.append(len(tasks))
    for tile in range(2):  # two periods of one task depending on the one before: (3, 1, 2)
        tasks.add("vector", "compute", 1, tile, "b", Vector(ops=2, elements=1),
                  [len(tasks) - 1], ())  # fmt: skip
        bounds_b.append(len(tasks))
    tasks.mark_runs(bounds_a, {}, bytes(3))
    tasks.mark_runs(bounds_b, {}, bytes(2))
    assert list(zip(tasks.run_first, tasks.run_width, tasks.run_count, strict=True)) == [
        (0, 1, 3), (3, 1, 2)
    ]  # fmt: skip
