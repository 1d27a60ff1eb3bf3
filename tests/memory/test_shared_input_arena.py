"""A tiled layer's shared input (every tile reads it whole) lives in the layer's arena unless the
very next layer reads it too; read again only later, it is freed with the arena and loaded again
(`_Planner._own_shared`)."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_shared_input_read_two_layers_later_is_loaded_again() -> None:
    # y = x · W with W 64 x 2,000 int8 (128,000 B) on 8,000 B of SRAM: tiled by output columns,
    # every tile reads all of x (64 B): x is shared. Layer 1 (a Sigmoid, not fused) reads only y;
    # layer 2 reads x again.
    g = GraphBuilder()
    x = g.input("x", (1, 64))
    w = g.weight("W", (64, 2000))
    y = g.op("mm", "MatMul", [x, w], "y", (1, 2000), macs=64 * 2000)
    z = g.op("s1", "Sigmoid", [y], "z", (1, 2000), vector_ops=6000)
    graph = g.build(z, g.op("r2", "Relu", [x], "r", (1, 64), vector_ops=64))
    hw = toy_machine(sram=8000)
    result = simulate_graph(graph, hw, name="t")
    assert result.plan.tiles[0] > 1
    loads = [(t.layer, t.nbytes) for t in result.plan.tasks if t.buffer == "x"]
    assert loads == [(0, 64), (2, 64)]
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
