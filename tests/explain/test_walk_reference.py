"""The walk back (`explain.walk`) against a task-by-task walk written here from the module's
docstring, on random timelines whose every start is set by the cause it names.

From a task, repeatedly: reached through in-order issue, it adds nothing; else its working
interval [start, end), clipped at the floor, is labelled with its kind's label (`bus`,
`matrix`, `vector`), or `sram` if the task after it waited for the space it released; a
transfer reached otherwise than through space has its first `startup` cycles (if it moves
bytes) labelled `latency`; a transfer whose data waited behind the channel's transfer before
(`behind`) holds only from that one's end and the walk steps to it. Then the walk goes to the
task that set the start, unless the start is at or before the floor. Steps are latest first
(a task's own step before its start-up); empty ones are left out.
"""

from __future__ import annotations

import random

from accelsim.explain.walk import KIND_LABELS, PARTS, STARTUP_PARTS, Walks, walk_back
from accelsim.sim.trace import Event

_UNITS = {"bus": "dma", "dma1": "dma", "matrix": "matrix", "vector": "vector"}


def _walk_by_hand(events: list[Event], task: int, floor: int, startup: int,
                  behind: list[int]) -> list[tuple[int, int, int, str]]:  # fmt: skip
    steps: list[tuple[int, int, int, str]] = []
    via = "data"
    while task >= 0 and events[task].end > floor:
        e = events[task]
        hopped = behind[task] >= 0 and via != "issue"
        if via != "issue":
            label = "sram" if via == "space" else KIND_LABELS[e.unit_kind]
            held = events[behind[task]].end if hopped else e.start
            low = max(held, floor)
            if hopped:
                steps.append((task, low, e.end, label))
            elif e.end > e.start:
                has_startup = via != "space" and STARTUP_PARTS[e.unit_kind] and e.nbytes > 0
                head = held + startup if has_startup else held
                middle = min(head, e.end) if head > low else low
                if middle < e.end:
                    steps.append((task, middle, e.end, label))
                if middle > low:
                    steps.append((task, low, middle, STARTUP_PARTS[e.unit_kind]))
        if hopped:
            task, via = behind[task], "data"
        elif e.start <= floor:
            break
        else:
            task, via = e.waited_on, e.waited
    return steps


def _timeline(rng: random.Random, count: int, startup: int) -> tuple[list[Event], list[int]]:
    """`count` events, each started by the cause it names; and which transfers' data waited
    behind an earlier transfer (ending after this one's start-up, before its end)."""
    events: list[Event] = []
    behind = [-1] * count
    for task in range(count):
        unit = rng.choice(list(_UNITS))
        waited = "none" if task == 0 else rng.choice(("data", "space", "serial", "unit",
                                                      "issue", "none"))  # fmt: skip
        if waited == "none":
            on, start = -1, rng.randint(0, 3)
        else:
            on = rng.randrange(task)
            start = events[on].start if waited == "issue" else events[on].end
        end = start + rng.choice((0, 1, 2, 3, 5, 8, 13))
        nbytes = rng.choice((0, 16)) if _UNITS[unit] == "dma" else 0
        events.append(Event(task, unit, _UNITS[unit], "load", 0, 0, "x", nbytes, 0, 0, 0, 0,
                            -1, waited, on, start, end))  # type: ignore[arg-type]  # fmt: skip
        earlier = [t for t in range(task) if _UNITS[events[t].resource] == "dma"
                   and start + startup < events[t].end < end]  # fmt: skip
        if _UNITS[unit] == "dma" and earlier and rng.random() < 0.4:
            behind[task] = rng.choice(earlier)
    return events, behind


def _sums(steps: list[tuple[int, int, int, str]]) -> list[int]:
    sums = dict.fromkeys(PARTS, 0)
    for _, start, end, label in steps:
        sums[label] += end - start
    return list(sums.values())


def test_random_walks_match_the_walk_by_hand():
    rng = random.Random(23)
    for _ in range(400):
        startup = rng.randint(0, 4)
        events, behind = _timeline(rng, rng.randint(1, 14), startup)
        walks = Walks.of(events, startup=startup, behind=behind)
        tasks, floors = [], []
        for task in range(len(events)):
            other = rng.choice(events)  # floors on the edges of another task's interval
            edges = {other.start, other.end, other.end - 1, other.start + 1}
            for floor in sorted({0, rng.randint(0, 30), events[task].start, *edges} - {-1}):
                expected = _walk_by_hand(events, task, floor, startup, behind)
                got = walks.chain(task, floor)
                assert [tuple(step) for step in got] == expected, (events, behind, task, floor)
                tasks.append(task)
                floors.append(floor)
        # the per-label sums of all those walks at once, and the critical path from the task
        # that ended last (the later among equals)
        expected_sums = [_sums(_walk_by_hand(events, t, f, startup, behind))
                         for t, f in zip(tasks, floors, strict=True)]  # fmt: skip
        assert walks.cycles(tasks, floors) == expected_sums, (events, behind)
        last = max(range(len(events)), key=lambda t: (events[t].end, t))
        assert walk_back(events, last, startup=startup, behind=behind) == walks.chain(last, 0)
        path = _walk_by_hand(events, last, 0, startup, behind)
        assert [tuple(step) for step in walks.path()] == path, (events, behind)


def test_a_hand_chain_with_start_up_space_and_issue():
    # 0: load of 16 B on the bus [0, 10), start-up 3: latency [0, 3), bus [3, 10)
    # 1: compute [10, 20) after 0's data
    # 2: load of 16 B [10, 16), started when task 0 freed the bus
    # 3: compute [20, 25) waited for the space task 1 released: task 1's time is sram time
    # 4: vector [20, 24), started by in-order issue behind task 3: adds nothing of task 3
    def event(task, unit, waited, on, start, end, nbytes=0):
        return Event(task, unit, _UNITS[unit], "load", 0, 0, "x", nbytes, 0, 0, 0, 0, -1,
                     waited, on, start, end)  # fmt: skip

    events = [
        event(0, "bus", "none", -1, 0, 10, 16),
        event(1, "matrix", "data", 0, 10, 20),
        event(2, "bus", "unit", 0, 10, 16, 16),
        event(3, "matrix", "space", 1, 20, 25),
        event(4, "vector", "issue", 3, 20, 24),
    ]
    chain = [tuple(s) for s in walk_back(events, 3, startup=3)]
    assert chain == [(3, 20, 25, "matrix"), (1, 10, 20, "sram"), (0, 3, 10, "bus"),
                     (0, 0, 3, "latency")]  # fmt: skip
    # from task 4: nothing of task 3 (in-order issue), then task 3's cause, task 1, as sram
    chain = [tuple(s) for s in walk_back(events, 4, startup=3)]
    assert chain == [(4, 20, 24, "vector"), (1, 10, 20, "sram"), (0, 3, 10, "bus"),
                     (0, 0, 3, "latency")]  # fmt: skip
    # task 2 after the bus freed by task 0: its own start-up and bus, then task 0's
    chain = [tuple(s) for s in walk_back(events, 2, startup=3, floor=5)]
    assert chain == [(2, 13, 16, "bus"), (2, 10, 13, "latency"), (0, 5, 10, "bus")]
