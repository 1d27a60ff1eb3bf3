"""`--no-overlap` (`overlap=False`): every task waits for the one before it in plan order, so
nothing runs beside anything else. That must hold for tiles planned one by one and for the
periods of tiles repeated in bulk (`repeat.shift_between`: a copied period's first task waits
for the task before that copy, not the one before the period it copies), and the run then
takes exactly the sum of its tasks' durations."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.lowering import lower
from accelsim.memory.policies import make_plan
from accelsim.plan import Tasks
from tests.memory.test_bulk_periods import _chain
from tests.sim.toy import GraphBuilder, toy_machine


def _streamed_relu():
    # Relu over x (1, 64, 8, 8) = 4,096 B in 200 B of SRAM: a long run of identical tiles
    g = GraphBuilder("relu")
    x = g.input("x", (1, 64, 8, 8))
    return g.build(g.op("r", "Relu", [x], "r.out", (1, 64, 8, 8), vector_ops=4096))


CASES = [
    (_chain(32, 16, ("pw",)), toy_machine(sram=600)),  # whole bands and groups repeated
    (_chain(32, 16, ("dw",)), toy_machine(sram=900)),  # depthwise groups
    (_chain(16, 16, ("pw",)), toy_machine(sram=500, matrix="10 GFLOPS", bus="4 GB/s")),
    (_streamed_relu(), toy_machine(sram=200)),  # single tiles repeated
]


@pytest.mark.parametrize(("graph", "hw"), CASES)
def test_without_overlap_every_task_waits_for_the_one_before(graph, hw):
    plan = make_plan(lower(graph, hw), hw, policy="liveness", overlap=False)
    tasks = Tasks.of(plan.tasks)
    assert len(tasks) > 40 and max(plan.tiles) > 16
    missing = [t for t in range(1, len(tasks)) if t - 1 not in tasks.deps_of(t)]
    assert missing == []


@pytest.mark.parametrize(("graph", "hw"), CASES)
def test_without_overlap_the_latency_is_the_sum_of_the_durations(graph, hw):
    result = simulate_graph(graph, hw, name="t", overlap=False)
    events = result.trace.events
    assert result.latency_cycles == sum(e.end - e.start for e in events)
    # one after another: each starts where the one before ended
    assert all(b.start == a.end for a, b in zip(events, events[1:], strict=False))
