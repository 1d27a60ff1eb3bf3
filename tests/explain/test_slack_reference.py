"""Slack (`path._slack`) against its definition, worked out by re-timing: on random plans run
by a small list scheduler written here (one unit per kind, in-order issue; the DMA channel
keeps up to `depth` transfers in flight and moves their data one at a time), a task's slack is
the most cycles its duration can grow, every other duration and the graph of dependencies,
unit hand-overs and in-order issue unchanged, before the run ends later (found by trying each
extra cycle, recomputing every time by the max-plus recurrence)."""

from __future__ import annotations

import random
from collections import deque
from types import SimpleNamespace

from accelsim.explain.path import _slack
from accelsim.plan import Tasks
from accelsim.sim.trace import Event
from accelsim.work import Transfer, Vector

_UNITS = {"dma": "bus", "matrix": "matrix", "vector": "vector"}


def _run(kinds: list[str], deps: list[list[int]], cycles: list[int], nbytes: list[int],
         startup: int, depth: int) -> list[Event]:  # fmt: skip
    """Time the tasks in plan order (one unit per kind; a transfer of bytes takes `startup`
    cycles then its data cycles, its data after the previous transfer's)."""
    events: list[Event] = []
    queue: dict[str, deque[tuple[int, int]]] = {
        k: deque(maxlen=depth if k == "dma" else 1) for k in _UNITS
    }
    last: dict[str, int] = {}  # kind -> task issued before
    data_end: int | None = None
    for task, kind in enumerate(kinds):
        ends = queue[kind]
        unit_free, freed_by = ends[0] if len(ends) == ends.maxlen else (0, -1)
        issued = events[last[kind]].start if kind in last else 0
        start = max([issued, unit_free, *(events[d].end for d in deps[task])])
        if kind == "dma" and nbytes[task] > 0:
            end = max(start + startup, data_end or 0) + cycles[task]
            data_end = end
        else:
            end = start + cycles[task]
        events.append(Event(task, _UNITS[kind], kind, "load", 0, 0, "x", nbytes[task], issued,
                            0, 0, unit_free, freed_by, "none", -1, start, end))  # fmt: skip
        last[kind] = task
        if end > start:
            ends.append((end, task))
    return events


def _retimed(events: list[Event], deps: list[list[int]], grown: int, extra: int,
             startup: int) -> int:  # fmt: skip
    """The run's end with task `grown` `extra` cycles longer, the graph as it ran."""
    start: list[int] = []
    end: list[int] = []
    before_kind: dict[str, int] = {}
    before_on: int | None = None
    for e in events:
        t = e.task
        issue = start[before_kind[e.unit_kind]] if e.unit_kind in before_kind else 0
        unit = end[e.freed_by] if e.freed_by >= 0 else 0
        s = max([issue, unit, *(end[d] for d in deps[t])])
        if e.nbytes > 0:
            data = e.end - max(e.start + startup, events[before_on].end if before_on is not None
                               else 0)  # fmt: skip
            finish = max(s + startup, end[before_on] if before_on is not None else 0) + data
            before_on = t
        else:
            finish = s + e.end - e.start
        start.append(s)
        end.append(finish + (extra if t == grown else 0))
        before_kind[e.unit_kind] = t
    return max(end, default=0)


def test_random_plans_slack_is_the_growth_that_keeps_the_end():
    rng = random.Random(31)
    for _ in range(150):
        count = rng.randint(1, 12)
        startup, depth = rng.randint(0, 3), rng.choice((1, 2, 3))
        kinds = [rng.choice(list(_UNITS)) for _ in range(count)]
        deps = [sorted(rng.sample(range(t), min(t, rng.randint(0, 2)))) for t in range(count)]
        nbytes = [rng.choice((0, 8)) if k == "dma" else 0 for k in kinds]
        cycles = [rng.choice((0, 1, 2, 5, 9)) for _ in range(count)]
        events = _run(kinds, deps, cycles, nbytes, startup, depth)
        tasks = Tasks()
        for t, kind in enumerate(kinds):
            work = (
                Transfer(nbytes=nbytes[t], direction="in")
                if kind == "dma"
                else Vector(ops=1, elements=1)
            )
            tasks.add(kind, "load", 0, 0, "x", work, deps[t], ())
        slack = list(_slack(SimpleNamespace(tasks=tasks), events, startup))  # type: ignore[arg-type]
        finish = max(e.end for e in events)
        assert _retimed(events, deps, -1, 0, startup) == finish  # the recurrence re-times it
        for t in range(count):
            extra = 0
            while _retimed(events, deps, t, extra + 1, startup) == finish:
                extra += 1
            assert slack[t] == extra, (kinds, deps, cycles, nbytes, startup, depth, t)


def test_a_hand_chain_of_slack():
    # load 0 (bus, [0, 4)); compute 1 needs it [4, 10); vector 2 needs 0 only [4, 6): the run
    # ends at 10 with compute 1; vector 2 could end at 10: slack 4; load 0 none; compute 1 none
    kinds, deps = ["dma", "matrix", "vector"], [[], [0], [0]]
    events = _run(kinds, deps, [4, 6, 2], [8, 0, 0], 0, 1)
    assert [(e.start, e.end) for e in events] == [(0, 4), (4, 10), (4, 6)]
    tasks = Tasks()
    for t, kind in enumerate(kinds):
        tasks.add(kind, "load", 0, 0, "x", Vector(ops=1, elements=1), deps[t], ())
    assert list(_slack(SimpleNamespace(tasks=tasks), events, 0)) == [0, 0, 4]  # type: ignore[arg-type]
