"""The critical path and slack, checked by re-simulating the plan with modified work (never by
re-reading the walk), and where list scheduling over several units breaks the slack's promise."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import assume, given
from hypothesis import strategies as st

from accelsim.api import simulate_graph
from accelsim.sim.engine import simulate
from accelsim.timing.models import build_units
from accelsim.work import Gemm, Transfer, Vector
from tests.property.test_invariants import SETTINGS, _simulate, chains
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import GraphBuilder, toy_machine


def _longer(work, cycles):
    """`work` taking `cycles` more (fewer if negative) on the toy machine's linear rates:
    1 byte, 1 vector op or 50 MACs (100 FLOP) a cycle."""
    if isinstance(work, Transfer):
        return replace(work, nbytes=work.nbytes + cycles)
    if isinstance(work, Vector):
        return replace(work, ops=work.ops + cycles)
    assert isinstance(work, Gemm)
    return replace(work, macs=work.macs + 50 * cycles)


def _latency_with(result, hw, task, cycles):
    """Re-simulate `result`'s plan with task `task` taking `cycles` more; (latency, its span)."""
    tasks = list(result.plan.tasks)
    tasks[task] = replace(tasks[task], work=_longer(tasks[task].work, cycles))
    trace = simulate(replace(result.plan, tasks=tuple(tasks)), units=build_units(hw),
                     clock_hz=hw.clock)  # fmt: skip
    event = trace.events[task]
    return trace.end, event.end - event.start


def test_path_and_slack_of_two_convs_by_hand():
    # x [0,42), c1.W [42,124), c1 [124,148), c2.W [124,150), c2 [150,156), store [156,230):
    # the end is set by store <- c2 <- c2.W (data) <- c1.W (bus) <- x (bus). c1 ends at 148 but
    # c2 waits for c2.W until 150: c1 has 2 cycles of slack, the rest none.
    result = simulate_graph(_two_convs(), toy_machine(latency_ns=10), name="t")
    assert result.path.tasks == (0, 1, 3, 4, 5)
    assert result.path.slack == (0, 0, 2, 0, 0, 0)
    units = tuple(e.resource for e in result.trace.events)
    assert result.path.cycles_by(units) == {"bus": 42 + 82 + 26 + 74, "matrix": 6}


def _machine(sram, latency):
    return toy_machine(sram=sram, latency_ns=latency)  # one unit per kind, 1 B/cycle


@SETTINGS
@given(chains(), st.integers(48, 4000), st.integers(0, 20), st.data())
def test_path_properties_hold_on_resimulation(graph, sram, latency, data):
    hw = _machine(sram, latency)
    result = _simulate(graph, hw)
    base = result.latency_cycles
    events = result.trace.events
    # Any task: its slack is exact (ending `slack` cycles later costs nothing, one more costs
    # one cycle), and shortening it never lengthens the run nor saves more than it shortened.
    task = data.draw(st.integers(0, len(events) - 1))
    event = events[task]
    assume(event.nbytes > 1 or event.unit_kind != "dma")  # 1 B -> 0 B would drop the latency too
    slack = result.path.slack[task]
    assert slack >= 0
    later, span = _latency_with(result, hw, task, slack)
    assert span == event.end - event.start + slack
    assert later == base
    assert _latency_with(result, hw, task, slack + 1)[0] == base + 1
    duration = event.end - event.start
    if duration >= 1:
        cut = data.draw(st.integers(1, duration))
        shorter, span = _latency_with(result, hw, task, -cut)
        assume(span == duration - cut)  # a whole vector lane group etc.: not a linear cut
        assert base - cut <= shorter <= base
        one, _ = _latency_with(result, hw, task, -1)
        if slack >= 1:
            assert one == base
        else:
            assert base - 1 <= one <= base
    # The path's steps tile [0, latency) and hold only tasks without slack.
    steps = sorted((s.start, s.end) for s in result.path.steps)
    assert steps[0][0] == 0 and steps[-1][1] == base
    assert all(a[1] == b[0] for a, b in zip(steps, steps[1:], strict=False))
    assert all(result.path.slack[t] == 0 for t in result.path.tasks)


def _three_loads():
    """c0: x 1x4x6x6 (144 B), W 4x4x3x3 (144 B), 5,184 MACs; c1: W 5x4x3x3 (180 B), 6,480 MACs;
    y = c1 + c1 (180 ops), stored (180 B)."""
    g = GraphBuilder()
    x = g.input("x", (1, 4, 6, 6))
    a = g.conv("c0", x, 4, 3, pad=1)
    b = g.conv("c1", a, 5, 3, pad=1)
    return g.build(g.op("a2", "Add", [b, b], "y", (1, 5, 6, 6), vector_ops=180))


def test_with_two_channels_a_task_with_slack_can_still_shorten_the_run():
    """List scheduling picks a unit by when each frees, so shortening a task can move a later
    one to another unit. Slack is read off the schedule as it ran and misses that.

    Two 1 B/cycle channels: x on dma0 [0,144), c0.W on dma1 [0,144), c0 [144,248) (10,368
    FLOP / 100 = 103.68 -> 104). c1.W: both channels free at 144, the first declared wins:
    dma0 [144,324); c1 [324,454) (130), add [454,634), store [634,814). c0 waits for nothing
    after 144 until c1 needs it at 324: c0.W has 76 cycles of slack. Yet with c0.W one byte
    shorter dma1 frees at 143, c1.W takes it then, and every later task moves a cycle earlier.
    With identical units the free times stay a sorted list updated by max and +, so shortening
    still never lengthens the run nor saves more than it shortened (the property test above
    passes with two channels too); units of one kind with different speeds would lose that.
    """
    hw = toy_machine(dma_units=2)
    result = simulate_graph(_three_loads(), hw, name="t")
    runs = [(e.kind, e.resource, e.start, e.end) for e in result.trace.events]
    assert runs == [
        ("load", "dma0", 0, 144), ("load", "dma1", 0, 144), ("compute", "matrix", 144, 248),
        ("load", "dma0", 144, 324), ("compute", "matrix", 324, 454),
        ("compute", "vector", 454, 634), ("store", "dma1", 634, 814),
    ]  # fmt: skip
    assert result.path.slack[1] == 76
    assert _latency_with(result, hw, 1, -1) == (813, 143)


@SETTINGS
@given(chains(), st.integers(48, 4000), st.data())
def test_shortening_never_lengthens_with_two_identical_channels(graph, sram, data):
    hw = toy_machine(sram=sram, dma_units=2, matrix_units=2)
    result = _simulate(graph, hw)
    base = result.latency_cycles
    task = data.draw(st.integers(0, len(result.plan.tasks) - 1))
    event = result.trace.events[task]
    assume(event.end - event.start >= 2)
    shorter, span = _latency_with(result, hw, task, -1)
    assume(span == event.end - event.start - 1)
    assert base - 1 <= shorter <= base
