"""Layer windows (`stalls.layer_breakdowns`) against their definition, on the random timelines
of `test_walk_reference.py` with random layers: layer i's window runs from the end of the
windows before it to the end of its last task (the later task among equal ends), or is empty
if that is earlier; its parts are the task-by-task walk's cycles by label from that task,
floored at the window's start. `Breakdown.bound` is the largest part, the first in `PARTS`
order among equals, None for an empty window."""

from __future__ import annotations

import random

from accelsim.explain.stalls import Breakdown, breakdown_of, layer_breakdowns
from accelsim.explain.walk import PARTS, walk_back
from tests.explain.test_walk_reference import _sums, _timeline, _walk_by_hand


def test_random_layer_windows_match_their_definition():
    rng = random.Random(41)
    for _ in range(300):
        startup = rng.randint(0, 4)
        events, behind = _timeline(rng, rng.randint(1, 12), startup)
        layers = rng.randint(1, 4)
        events = [e._replace(layer=rng.randrange(layers)) for e in events]
        got = layer_breakdowns(events, layers, startup=startup, behind=behind)
        done = 0
        for layer in range(layers):
            own = [e for e in events if e.layer == layer]
            if own:
                last = max(own, key=lambda e: (e.end, e.task))
                end = max(done, last.end)
                walk = _walk_by_hand(events, last.task, done, startup, behind)
                parts = _sums(walk) if end > done else [0] * len(PARTS)
            else:
                end, parts = done, [0] * len(PARTS)
            assert (got[layer].start, got[layer].end) == (done, end), (events, layer)
            assert list(got[layer].parts.values()) == parts, (events, behind, layer)
            assert list(got[layer].parts) == list(PARTS)
            done = end


def test_the_bound_is_the_largest_part_the_first_in_report_order_among_equals():
    def bound(start: int, end: int, **parts: int) -> str | None:
        return Breakdown(start=start, end=end, parts={p: parts.get(p, 0) for p in PARTS}).bound

    assert PARTS[:2] == ("bus", "latency")
    assert bound(0, 10, matrix=6, bus=4) == "matrix"
    assert bound(0, 10, matrix=5, bus=5) == "bus"  # bus comes first in PARTS
    assert bound(0, 10, sram=5, vector=5) == "vector"
    assert bound(0, 10, sram=6, vector=4) == "sram"
    assert bound(5, 5) is None and bound(6, 5) is None
    assert bound(4, 5, latency=1) == "latency"


def test_a_chains_cycles_add_up_by_label():
    # task 0: latency [0, 3), bus [3, 10); task 1 matrix [10, 20)
    from accelsim.sim.trace import Event

    events = [
        Event(0, "bus", "dma", "load", 0, 0, "x", 16, 0, 0, 0, 0, -1, "none", -1, 0, 10),
        Event(1, "matrix", "matrix", "compute", 0, 0, "", 0, 0, 0, 0, 0, -1, "data", 0, 10, 20),
    ]
    steps = walk_back(events, 1, startup=3)
    parts = breakdown_of(steps, start=0, end=20).parts
    assert {p: c for p, c in parts.items() if c} == {"matrix": 10, "bus": 7, "latency": 3}
