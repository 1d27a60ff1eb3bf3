"""Hypothesis: invariants of plan + simulation over random layer chains and random machines."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from accelsim.api import simulate_graph
from accelsim.check import compute_cycles, plan_violations, transfer_cycles
from accelsim.errors import PlanError
from accelsim.sim.engine import simulate
from accelsim.timing.models import build_units
from tests.sim.toy import GraphBuilder, toy_machine

# Derandomized: CI sees the same examples on every run.
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def chains(draw):
    """A chain of convs, ReLUs and residual Adds on small NCHW tensors."""
    g = GraphBuilder("random")
    size = draw(st.integers(2, 8))
    x = g.input("x", (1, draw(st.integers(1, 6)), size, size))
    current, same_shape = x, [x]
    for index in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["conv", "conv", "relu", "add"]))
        shape = g.tensors[current].shape
        if kind == "conv":
            k = draw(st.sampled_from([1, 3]))
            current = g.conv(f"c{index}", current, draw(st.integers(1, 8)), k, pad=k // 2)
            same_shape = [current]
        elif kind == "relu":
            elements = g.tensors[current].elements
            current = g.op(f"r{index}", "Relu", [current], f"r{index}.out", shape,
                           vector_ops=elements)  # fmt: skip
            same_shape.append(current)
        else:
            other = draw(st.sampled_from(same_shape))
            elements = g.tensors[current].elements
            current = g.op(f"a{index}", "Add", [current, other], f"a{index}.out", shape,
                           vector_ops=elements)  # fmt: skip
            same_shape.append(current)
    return g.build(current)


machines = st.builds(
    lambda sram, latency, gbps: toy_machine(sram=sram, latency_ns=latency, bus=f"{gbps} GB/s"),
    st.integers(48, 4000),
    st.integers(0, 20),
    st.sampled_from([0.5, 1, 2, 4]),
)


def _simulate(graph, hw, **options):
    try:
        return simulate_graph(graph, hw, name="random", **options)
    except PlanError:
        assume(False)  # not even one tile fits this tiny SRAM: a clear error, tested elsewhere
        raise


@SETTINGS
@given(chains(), machines, st.booleans())
def test_plan_is_sound_and_capacity_never_exceeded(graph, hw, overlap):
    result = _simulate(graph, hw, overlap=overlap)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    assert result.trace.sram_peak <= hw.sram.capacity


@SETTINGS
@given(chains(), machines)
def test_every_byte_moved_is_counted_on_the_bus(graph, hw):
    result = _simulate(graph, hw)
    transfers = [e for e in result.trace.events if e.unit_kind == "dma"]
    # the judge's own formula, not the machine's helper the planner used
    assert result.busy_cycles("bus") == sum(transfer_cycles(e.nbytes, hw) for e in transfers)
    assert result.bus_read_bytes + result.bus_write_bytes == sum(e.nbytes for e in transfers)
    program = result.program
    weights_and_inputs = sum(
        b.nbytes for b in program.buffers.values() if b.kind in ("weight", "input")
    )
    outputs = sum(b.nbytes for b in program.buffers.values() if b.kind == "output")
    assert result.bus_read_bytes >= weights_and_inputs  # everything needed comes in at least once
    assert result.bus_write_bytes >= outputs  # and the result goes out


def _duration(task, hw):
    """A task's cycles by the rate closed forms (written here, not asked of the timing model)."""
    work = task.work
    if task.unit_kind == "dma":
        return transfer_cycles(work.nbytes, hw)
    if task.unit_kind == "matrix":
        return compute_cycles("matrix", work.macs, 0, hw)
    return compute_cycles("vector", 0, work.ops, hw)


@SETTINGS
@given(chains(), st.integers(48, 4000), st.integers(0, 20))
def test_more_bandwidth_never_slows_a_given_plan(graph, sram, latency):
    # Each unit runs its tasks in a fixed order, so every start time is a max-plus function of
    # task durations: shorter transfers cannot delay anything.
    base = _simulate(graph, toy_machine(sram=sram, latency_ns=latency, bus="0.5 GB/s"))
    latencies = []
    for gbps in (0.5, 1, 2, 4):
        hw = toy_machine(sram=sram, latency_ns=latency, bus=f"{gbps} GB/s")
        latencies.append(simulate(base.plan, units=build_units(hw), clock_hz=hw.clock).end)
    assert latencies == sorted(latencies, reverse=True)


@SETTINGS
@given(chains(), st.integers(48, 4000), st.integers(0, 20))
def test_more_bandwidth_never_makes_an_untiled_run_slower(graph, sram, latency):
    # Without tiling the plan does not depend on bandwidth at all (see the test above).
    runs = [
        _simulate(graph, toy_machine(sram=sram, latency_ns=latency, bus=f"{gbps} GB/s"))
        for gbps in (0.5, 1, 2, 4)
    ]
    assume(all(max(r.plan.tiles) == 1 for r in runs))
    latencies = [r.latency_cycles for r in runs]
    assert latencies == sorted(latencies, reverse=True)


def test_faster_bus_tiles_in_balanced_bands():
    """The case that used to be the exception to "more bandwidth never makes a run slower".

    Relu over 1x4x7x7 (196 B in, 196 B out, 196 vector cycles) in 168 B of SRAM, 2 ns per
    transfer: at 2 GB/s it takes 7 double-buffered bands of one row (28 B), compute-bound: 248
    cycles. At 4 GB/s the estimate prefers 8 tiles of one channel each; their bands used to be
    6 rows and a 1-row sliver (42 B and 7 B), which stalled the vector unit: 276 cycles. Bands
    now split the rows evenly, 4 + 3 (28 B and 21 B): the first load (2 + 7 = 9 cycles), the 196
    compute cycles back to back, and the last 21 B store (2 + 6 = 8): 213 cycles. (A faster
    machine can still get a slower split: the estimate is a model; see
    tests/sim/test_units_scheduling.py for a second DMA channel.)
    """
    g = GraphBuilder()
    x = g.input("x", (1, 4, 7, 7))
    graph = g.build(g.op("r0", "Relu", [x], "r0.out", (1, 4, 7, 7), vector_ops=196))
    runs = [
        simulate_graph(graph, toy_machine(sram=168, latency_ns=2, bus=bus), name="t")
        for bus in ("2 GB/s", "4 GB/s")
    ]
    assert [r.plan.tiles for r in runs] == [(7,), (8,)]
    assert [r.bus_read_bytes + r.bus_write_bytes for r in runs] == [392, 392]
    loads = [e.nbytes for e in runs[1].trace.events if e.kind == "load"]
    assert loads == [28, 21] * 4
    assert [r.latency_cycles for r in runs] == [248, 213]


@SETTINGS
@given(chains(), machines)
def test_same_input_gives_the_same_trace(graph, hw):
    assert _simulate(graph, hw).trace == _simulate(graph, hw).trace


def _moved(graph, sram):
    result = simulate_graph(graph, toy_machine(sram=sram), name="random")
    return result.bus_read_bytes + result.bus_write_bytes, max(result.plan.tiles)


@SETTINGS
@given(chains(), st.integers(48, 2000), st.integers(1, 2000))
def test_more_sram_never_moves_more_bytes_when_nothing_is_tiled(graph, sram, extra):
    # Liveness + farthest-next-use eviction: a bigger SRAM evicts a subset of what a smaller
    # one evicts. Tiling is excluded: its choice trades bytes for overlap (see the next test).
    try:
        small, small_tiles = _moved(graph, sram)
    except PlanError:
        assume(False)
    large, large_tiles = _moved(graph, sram + extra)
    assume(small_tiles == large_tiles == 1)
    assert large <= small


def test_more_sram_can_move_more_bytes_when_tiling_buys_overlap():
    """A genuine exception to "more SRAM never moves more bytes", kept as a documented case.

    x 1x1x8x8 (64 B) -> 3x3 conv, pad 1, 1 channel (W 9 B) -> 1x1x8x8 (64 B), 576 MACs, on a
    20 GFLOPS engine (58 cycles in all). One output channel: no channel groups to hold x for,
    so bands of h output rows each read h + 2 input rows (h + 1 at the edges), 8 B a row.
    At 74 B: single-buffered bands of 3 rows (worst: input rows [2,7) 40 B + output 24 B + W
    9 B = 73 B; double-buffered only 1-row bands fit, 249 B): 9 + (4 + 5 + 3) x 8 + 64 = 169 B,
    serial: W 9, x 32, compute 22, store 24, x 40, compute 22, store 24, x 24, compute 15,
    store 16 = 228 cycles.
    At 106 B: two slots of the worst 2-row band (input rows [1,5) 32 B + output 16 B) + W 9 B
    = 105 B, 4 bands: 9 + (3 + 4 + 4 + 3) x 8 + 64 = 185 B, but the bus never idles: 185
    cycles. More SRAM moves 16 more bytes and finishes 43 cycles sooner.
    """
    g = GraphBuilder()
    x = g.input("x", (1, 1, 8, 8))
    graph = g.build(g.conv("c0", x, 1, 3, pad=1))
    small = simulate_graph(graph, toy_machine(sram=74, matrix="20 GFLOPS"), name="t")
    large = simulate_graph(graph, toy_machine(sram=106, matrix="20 GFLOPS"), name="t")
    assert (small.plan.tiles, large.plan.tiles) == ((3,), (4,))
    moved = [r.bus_read_bytes + r.bus_write_bytes for r in (small, large)]
    assert moved == [169, 185]
    assert [small.latency_cycles, large.latency_cycles] == [228, 185]


def test_a_conv_split_by_channels_holds_its_input_and_moves_each_byte_once():
    """The conv of the old documented case (x 1x2x6x6, 72 B -> 4 channels, W 72 B, output
    144 B; 1296 MACs, 26 cycles): split by output channels with all 6 rows, every tile needs
    all of x, so x loads once and stays. At 192 B: single-buffered 72 + 54w (W 18w, output
    36w) fits w = 2; double-buffered 72 + 108w fits w = 1: 4 tiles. Both move the 288 B once;
    the 4 double-buffered tiles win (288 + 30 / 4 against 288 + 28). Bands of rows would move
    312 B (single) or 336 B (double, 264 B of SRAM)."""
    g = GraphBuilder()
    x = g.input("x", (1, 2, 6, 6))
    graph = g.build(g.conv("c0", x, 4, 3, pad=1))
    result = simulate_graph(graph, toy_machine(sram=192), name="t")
    assert result.plan.tiles == (4,)
    assert (result.bus_read_bytes, result.bus_write_bytes) == (144, 144)
    loads = sorted((e.buffer, e.nbytes) for e in result.trace.events if e.kind == "load")
    assert loads == [("c0.W", 18)] * 4 + [("x", 72)]


@pytest.mark.parametrize("sram", [300, 400, 10_000])
def test_roomier_sram_spills_no_more_on_residual_graph(sram):
    """A residual graph at growing capacity: traffic falls monotonically to the no-spill minimum."""
    g = GraphBuilder()
    x = g.input("x", (1, 100))
    a = g.op("r1", "Relu", [x], "a", (1, 100), vector_ops=100)
    b = g.op("r2", "Relu", [a], "b", (1, 100), vector_ops=100)
    c = g.op("m", "Mul", [b, g.weight("w", (1, 100))], "c", (1, 100), vector_ops=100)
    d = g.op("s", "Add", [a, c], "d", (1, 100), vector_ops=100)
    graph = g.build(d)
    # 300 B: a spilled + reloaded (x 100 + w 100 + d 100 + 200) = 500 B; >= 400 B: 300 B.
    assert _moved(graph, sram) == ((500 if sram == 300 else 300), 1)


@SETTINGS
@given(chains(), machines, st.booleans())
def test_simpy_trace_equals_the_max_plus_recurrence(graph, hw, overlap):
    """Independent route: each unit runs its tasks in plan order, a task starting when its unit is
    free and its dependencies have ended; that closed recurrence must reproduce SimPy's times."""
    result = _simulate(graph, hw, overlap=overlap)
    free = {"dma": 0, "matrix": 0, "vector": 0}
    end: list[int] = []
    for task, event in zip(result.plan.tasks, result.trace.events, strict=True):
        start = max([free[task.unit_kind], *(end[d] for d in task.deps)])
        end.append(start + _duration(task, hw))
        free[task.unit_kind] = end[-1]
        assert (event.start, event.end) == (start, end[-1])
