"""The critical path and slack, checked by re-simulating the plan with modified work (never by
re-reading the walk), and where list scheduling over several units breaks the slack's promise."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import assume, given
from hypothesis import strategies as st

from accelsim.api import simulate_graph
from accelsim.hardware_file import with_overrides
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
    tasks[task] = tasks[task]._replace(work=_longer(tasks[task].work, cycles))
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
    assert result.path.task_count == 5  # x and the store are two steps each (start-up, data)
    assert tuple(result.path.slack) == (0, 0, 2, 0, 0, 0)
    units = tuple(e.resource for e in result.trace.events)
    assert result.path.cycles_by(units.__getitem__) == {"bus": 42 + 82 + 26 + 74, "matrix": 6}


def _machine(sram, latency, depth=1):
    """One unit per kind, 1 B/cycle; the channel keeps `depth` transfers in flight."""
    return with_overrides(toy_machine(sram=sram, latency_ns=latency), {"units.bus.depth": depth})


@SETTINGS
@given(chains(), st.integers(48, 4000), st.integers(0, 20), st.sampled_from([1, 2, 3]),
       st.data())  # fmt: skip
def test_path_properties_hold_on_resimulation(graph, sram, latency, depth, data):
    hw = _machine(sram, latency, depth)
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


def test_a_queued_channels_slack_counts_the_data_it_waits_behind():
    """Depth 2, 5 cycles of start-up: transfers overlap start-ups, data moves one at a time.

    x [0,149) (5 + 144); c0.W starts at 0 but its data follows x's: [149,293); c0 [293,397);
    c1.W takes x's slot at 149, its data follows c0.W's: [293,473); c1 [473,603), add
    [603,783), store [783,968). c0 could end 76 cycles later (c1 waits for c1.W until 473),
    but c0.W cannot: c1.W's data, on the critical path, waits behind it. Read as start +
    duration (before the data edge) c0.W had c0's 76 cycles; re-simulated, 76 cycles more of
    c0.W cost 76 cycles of latency.
    """
    hw = with_overrides(toy_machine(latency_ns=5), {"units.bus.depth": 2})
    result = simulate_graph(_three_loads(), hw, name="t")
    runs = [(e.kind, e.start, e.end) for e in result.trace.events]
    assert runs == [("load", 0, 149), ("load", 0, 293), ("compute", 293, 397),
                    ("load", 149, 473), ("compute", 473, 603), ("compute", 603, 783),
                    ("store", 783, 968)]  # fmt: skip
    assert tuple(result.path.slack) == (0, 0, 76, 0, 0, 0, 0)
    # the path: store <- add <- c1 <- c1.W, whose data followed c0.W's, whose data followed x's
    assert result.path.tasks == (0, 1, 3, 4, 5, 6)
    assert _latency_with(result, hw, 1, 1) == (969, 294)
    assert _latency_with(result, hw, 2, 76)[0] == 968 and _latency_with(result, hw, 2, 77)[0] == 969


def test_with_a_shared_ddr_slack_is_an_estimate():
    """Two 1 B/cycle channels over a 1 GB/s DDR (first come, first served: an earlier transfer
    keeps its rate, a later one gets what is left). x on dma0 [0,144) takes the whole DDR, so
    c0.W on dma1 moves nothing until 144: [0,288). c1.W on dma0 [144,468) then shares with
    c0.W. Slack reads c0.W as 288 cycles long with 76 to spare behind c1 (c1.W ends at 468),
    but 76 more bytes of c0.W also slow c1.W (they share the DDR): re-simulated, the run ends
    76 cycles later. No max-plus edge captures a shared rate, so with channels contending for
    DDR slack stays an estimate (exact again once the DDR is at least the channels' sum).
    """
    hw = toy_machine(dma_units=2, ddr="1 GB/s")
    result = simulate_graph(_three_loads(), hw, name="t")
    runs = [(e.resource, e.start, e.end) for e in result.trace.events]
    assert runs[:4] == [("dma0", 0, 144), ("dma1", 0, 288), ("matrix", 288, 392),
                        ("dma0", 144, 468)]  # fmt: skip
    assert result.path.slack[1] == 76
    assert _latency_with(result, hw, 1, 76)[0] == result.latency_cycles + 76
