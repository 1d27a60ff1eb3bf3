"""Hypothesis: what a tiled run conserves, over random layer chains and machines: every MAC and
vector op of a layer is done exactly once across its tiles, the layer rows add up to the run's
bytes and bus time, the layer windows tile the run, and the critical path covers it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.check import plan_violations
from accelsim.hardware_file import with_overrides
from accelsim.work import Gemm, Vector
from tests.property.test_invariants import SETTINGS, _simulate, chains, machines
from tests.sim.toy import GraphBuilder, toy_machine

FEW = settings(SETTINGS, max_examples=60)
# the toy machines with Relu and Add run as the vector unit's epilogue (shared out over the
# tiles) or as layers of their own, and channel queues of 1 to 3 transfers (overlapping
# start-ups)
machines = st.builds(
    lambda hw, epilogue, depth: with_overrides(
        hw, {"lowering.fuses": [], "lowering.epilogue": epilogue, "units.bus.depth": depth}
    ),
    machines,
    st.sampled_from([[], ["Relu", "Add"]]),
    st.integers(1, 3),
)


@FEW
@given(chains(), machines)
def test_tiles_do_each_layers_work_exactly_once(graph, hw):
    result = _simulate(graph, hw)
    macs = [0] * len(result.program.layers)
    ops = [0] * len(result.program.layers)
    for task in result.plan.tasks:
        if task.kind == "compute" and isinstance(task.work, Gemm):
            macs[task.layer] += task.work.macs
        elif task.kind == "compute" and isinstance(task.work, Vector):
            ops[task.layer] += task.work.ops
    # the graph's own counts (the builder's MACs and vector ops), fused chains added up
    assert sum(macs) == sum(op.macs for op in graph.ops)
    for layer in result.program.layers:
        assert macs[layer.index] == layer.macs
        assert ops[layer.index] == layer.vector_ops + layer.epilogue_ops


@FEW
@given(chains(), machines)
def test_layer_rows_add_up_to_the_run(graph, hw):
    result = _simulate(graph, hw)
    layers = result.layers
    assert sum(row.bus_read_bytes for row in layers) == result.bus_read_bytes
    assert sum(row.bus_write_bytes for row in layers) == result.bus_write_bytes
    assert sum(row.transfer_cycles for row in layers) == result.busy_cycles("bus")
    assert sum(row.compute_cycles for row in layers) == sum(
        result.busy_cycles(name) for name in ("matrix", "vector"))  # fmt: skip
    # consecutive windows from 0 to the end, each split into parts adding up to its length
    edges = [(row.breakdown.start, row.breakdown.end) for row in layers]
    assert edges[0][0] == 0 and edges[-1][1] == result.latency_cycles
    assert all(a[1] == b[0] for a, b in zip(edges, edges[1:], strict=False))
    assert all(sum(r.breakdown.parts.values()) == r.breakdown.end - r.breakdown.start
               for r in layers)  # fmt: skip
    # the run's breakdown (its critical path) covers every cycle once
    assert sum(result.breakdown.parts.values()) == result.latency_cycles
    steps = sorted((s.start, s.end) for s in result.path.steps)
    assert steps[0][0] == 0 and steps[-1][1] == result.latency_cycles
    assert all(a[1] == b[0] for a, b in zip(steps, steps[1:], strict=False))


@st.composite
def tiled_convs(draw):
    """A conv with a Sigmoid epilogue of any op count, then a Tanh of any op count, on an SRAM
    small enough to tile them into shares that rarely divide evenly."""
    g = GraphBuilder("tiled")
    size = draw(st.integers(3, 9))
    x = g.input("x", (1, draw(st.integers(1, 4)), size, size))
    k = draw(st.sampled_from([1, 3]))
    c = g.conv("c", x, draw(st.integers(1, 5)), k, pad=k // 2)
    shape = g.tensors[c].shape
    s = g.op("s", "Sigmoid", [c], "s", shape, vector_ops=draw(st.integers(1, 2000)))
    t = g.op("t", "Tanh", [s], "t", shape, vector_ops=draw(st.integers(1, 2000)))
    sram = draw(st.integers(60, 800))
    hw = with_overrides(toy_machine(sram=sram, fuses=()), {"lowering.epilogue": ["Sigmoid"]})
    return g.build(t), hw


@FEW
@given(tiled_convs())
def test_tiled_shares_of_macs_and_ops_add_up_exactly(case):
    graph, hw = case
    result = _simulate(graph, hw)
    conv, sigmoid, tanh = graph.ops
    macs = epilogue = ops = 0
    for task in result.plan.tasks:
        if task.kind == "compute" and isinstance(task.work, Gemm):
            macs += task.work.macs
        elif task.kind == "compute" and task.layer == 0:
            epilogue += task.work.ops
        elif task.kind == "compute":
            ops += task.work.ops
    assert (macs, epilogue, ops) == (conv.macs, sigmoid.vector_ops, tanh.vector_ops)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
