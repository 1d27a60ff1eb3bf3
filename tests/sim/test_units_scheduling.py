"""Several identical units of a kind: tasks go to whichever is free (exact cycles by hand)."""

from __future__ import annotations

from hypothesis import given

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.plan import Plan, Task
from accelsim.sim.engine import simulate
from accelsim.timing.models import build_units
from accelsim.work import Gemm, Transfer
from tests.property.test_invariants import SETTINGS, _simulate, chains, machines
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import GraphBuilder, toy_machine


def _runs(result):
    return [(e.kind, e.buffer, e.resource, e.start, e.end) for e in result.trace.events]


def test_two_dma_channels_overlap_loads_and_the_store():
    hw = toy_machine(latency_ns=10, dma_units=2)
    result = simulate_graph(_two_convs(), hw, name="t")
    # One channel (test_schedule): 230 cycles. Two, issued in plan order to the first free:
    # x 10 + 32 on dma0 [0, 42); W1 10 + 72 on dma1 [0, 82); c1 24 cycles after both [82, 106);
    # W2 10 + 16 on dma0 (free at 42) [42, 68); c2 6 cycles after c1 [106, 112);
    # out 10 + 64 on dma0 (free at 68, dma1 at 82) after c2 [112, 186).
    assert _runs(result) == [
        ("load", "x", "dma0", 0, 42),
        ("load", "c1.W", "dma1", 0, 82),
        ("compute", "", "matrix", 82, 106),
        ("load", "c2.W", "dma0", 42, 68),
        ("compute", "", "matrix", 106, 112),
        ("store", "c2.out", "dma0", 112, 186),
    ]
    assert result.latency_cycles == 186
    assert (result.busy_cycles("dma0"), result.busy_cycles("dma1")) == (42 + 26 + 74, 82)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def _two_branches():
    """x -> c1 -> a, x -> c2 -> b, add(a, b): two convs free to run side by side."""
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))  # 32 B
    a = g.conv("c1", x, 4, 3, pad=1)  # W 72 B, 1152 MACs; out 64 B
    b = g.conv("c2", x, 4, 3, pad=1)
    y = g.op("add", "Add", [a, b], "y", (1, 4, 4, 4), vector_ops=64)
    return g.build(y)


def test_two_matrix_engines_run_independent_convs_side_by_side():
    # 10 GFLOPS: 2304 FLOP / 10 per cycle = 230.4 -> 231 cycles per conv; no latency.
    one = simulate_graph(_two_branches(), toy_machine(matrix="10 GFLOPS"), name="t")
    two = simulate_graph(_two_branches(), toy_machine(matrix="10 GFLOPS", matrix_units=2), name="t")
    # x [0, 32), W1 [32, 104), c1 [104, 335), W2 [104, 176). One engine: c2 after c1
    # [335, 566), add 64 ops [566, 630), store 64 B [630, 694).
    assert [(e.kind, e.resource, e.start, e.end) for e in one.trace.events] == [
        ("load", "bus", 0, 32), ("load", "bus", 32, 104), ("compute", "matrix", 104, 335),
        ("load", "bus", 104, 176), ("compute", "matrix", 335, 566),
        ("compute", "vector", 566, 630), ("store", "bus", 630, 694),
    ]  # fmt: skip
    # Two: c2 starts on mxu1 when W2 lands [176, 407); add [407, 471); store [471, 535).
    assert [(e.kind, e.resource, e.start, e.end) for e in two.trace.events] == [
        ("load", "bus", 0, 32), ("load", "bus", 32, 104), ("compute", "mxu0", 104, 335),
        ("load", "bus", 104, 176), ("compute", "mxu1", 176, 407),
        ("compute", "vector", 407, 471), ("store", "bus", 471, 535),
    ]  # fmt: skip
    # the floor shares matrix work over the engines: ceil(2 x 231 / 2) = 231
    assert (one.floor.parts["matrix"], two.floor.parts["matrix"]) == (462, 231)


def test_the_floor_rounds_shared_engine_time_up():
    # One conv, 231 cycles of matrix work, two engines: no schedule beats ceil(231 / 2) = 116.
    g = GraphBuilder()
    conv = g.conv("c1", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    two = simulate_graph(g.build(conv), toy_machine(matrix="10 GFLOPS", matrix_units=2), name="t")
    assert two.floor.parts["matrix"] == 116


@SETTINGS
@given(chains(), machines)
def test_adding_a_unit_never_makes_a_run_slower(graph, hw):
    """A second DMA channel or matrix engine: never later than one for the same plan (each task
    starts at max(deps, issue of the one before, earliest free unit), all no later).

    The tiler's estimate spreads transfers over the DMA channels, so with two it may choose
    another split, and its estimate is a model: Relu over (1, 3, 4, 4) at 48 B, 1 GB/s and 1 ns
    per transfer takes 104 cycles in 4 tiles on one channel, 114 in the 6 tiles it picks for two.
    Such a pair is a different plan and is not compared."""
    base = _simulate(graph, hw)
    dma = hw.units["bus"]
    more = [
        toy_machine(sram=hw.sram.capacity, latency_ns=round(dma.latency * 1e9),
                    bus=f"{dma.bandwidth / 1e9} GB/s", **{kind: 2})
        for kind in ("dma_units", "matrix_units")
    ]  # fmt: skip
    for wider in more:
        result = _simulate(graph, wider)
        if _works(result.plan) == _works(base.plan):
            assert result.latency_cycles <= base.latency_cycles
        assert plan_violations(result.program, result.plan, result.trace, wider) == []


def _works(plan) -> list[tuple[str, object]]:
    """What a plan does, task by task, whichever unit of a kind runs it."""
    return [(task.kind, task.work) for task in plan.tasks]


def test_a_unit_freed_as_the_task_before_starts_is_named_as_the_wait():
    # Two engines (50 MACs a cycle). A [0, 10) on mxu0; B waits for the load L [0, 10) and
    # takes mxu1 [10, 15); C is issued when B starts (10), as A frees mxu0 (10): both are met
    # at its start, and the unit (A), not in-order issue behind B, is named.
    work = {"A": 500, "B": 250, "C": 250}
    tasks = [
        Task(id=0, unit_kind="matrix", kind="compute", layer=0, tile=0, buffer="A",
             work=Gemm(m=1, k=1, n=500, groups=1, macs=work["A"]), deps=()),
        Task(id=1, unit_kind="dma", kind="load", layer=0, tile=0, buffer="L",
             work=Transfer(nbytes=10, direction="in"), deps=()),
        Task(id=2, unit_kind="matrix", kind="compute", layer=0, tile=0, buffer="B",
             work=Gemm(m=1, k=1, n=250, groups=1, macs=work["B"]), deps=(1,)),
        Task(id=3, unit_kind="matrix", kind="compute", layer=0, tile=0, buffer="C",
             work=Gemm(m=1, k=1, n=250, groups=1, macs=work["C"]), deps=()),
    ]  # fmt: skip
    hw = toy_machine(matrix_units=2)
    plan = Plan(policy="hand", capacity=1, tasks=tuple(tasks), allocations=(), tiles=(1,))
    trace = simulate(plan, units=build_units(hw), clock_hz=hw.clock)
    c = trace.events[3]
    assert (c.resource, c.start, c.end, c.issued, c.unit_free) == ("mxu0", 10, 15, 10, 10)
    assert (c.waited, c.waited_on) == ("unit", 0)
