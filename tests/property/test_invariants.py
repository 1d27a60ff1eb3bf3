"""Hypothesis: invariants of plan + simulation over random layer chains and random machines."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from accelsim.api import simulate_graph
from accelsim.errors import PlanError
from accelsim.memory.check import plan_violations
from tests.sim.toy import GraphBuilder, toy_machine

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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
    assert plan_violations(result.plan, result.trace, hw) == []
    assert result.trace.sram_peak <= hw.sram.capacity


@SETTINGS
@given(chains(), machines)
def test_every_byte_moved_is_counted_on_the_bus(graph, hw):
    result = _simulate(graph, hw)
    transfers = [e for e in result.trace.events if e.resource == "bus"]
    assert result.busy_cycles("bus") == sum(hw.transfer_cycles(e.nbytes) for e in transfers)
    assert result.bus_read_bytes + result.bus_write_bytes == sum(e.nbytes for e in transfers)
    program = result.program
    weights_and_inputs = sum(
        b.nbytes for b in program.buffers.values() if b.kind in ("weight", "input")
    )
    outputs = sum(b.nbytes for b in program.buffers.values() if b.kind == "output")
    assert result.bus_read_bytes >= weights_and_inputs  # everything needed comes in at least once
    assert result.bus_write_bytes >= outputs  # and the result goes out


@SETTINGS
@given(chains(), st.integers(48, 4000), st.integers(0, 20))
def test_more_bandwidth_never_makes_a_run_slower(graph, sram, latency):
    # The plan does not depend on bandwidth and each unit runs its tasks in a fixed order, so every
    # start time is a max-plus function of task durations: shorter transfers cannot delay anything.
    latencies = [
        _simulate(
            graph, toy_machine(sram=sram, latency_ns=latency, bus=f"{gbps} GB/s")
        ).latency_cycles
        for gbps in (0.5, 1, 2, 4)
    ]
    assert latencies == sorted(latencies, reverse=True)


@SETTINGS
@given(chains(), machines)
def test_same_input_gives_the_same_trace(graph, hw):
    assert _simulate(graph, hw).trace == _simulate(graph, hw).trace


def _moved(graph, sram):
    result = simulate_graph(graph, toy_machine(sram=sram), name="random")
    return result.bus_read_bytes + result.bus_write_bytes


@SETTINGS
@given(chains(), st.integers(48, 2000), st.integers(1, 2000))
def test_more_sram_never_moves_more_bytes(graph, sram, extra):
    try:
        small = _moved(graph, sram)
    except PlanError:
        assume(False)
    assert _moved(graph, sram + extra) <= small


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
    assert _moved(graph, sram) == (500 if sram == 300 else 300)


@SETTINGS
@given(chains(), machines, st.booleans())
def test_simpy_trace_equals_the_max_plus_recurrence(graph, hw, overlap):
    """Independent route: each unit runs its tasks in plan order, a task starting when its unit is
    free and its dependencies have ended; that closed recurrence must reproduce SimPy's times."""
    result = _simulate(graph, hw, overlap=overlap)
    free = {"bus": 0, "matrix": 0, "vector": 0}
    end: list[int] = []
    for task, event in zip(result.plan.tasks, result.trace.events, strict=True):
        start = max([free[task.resource], *(end[d] for d in task.deps)])
        end.append(start + task.cycles)
        free[task.resource] = end[-1]
        assert (event.start, event.end) == (start, end[-1])
