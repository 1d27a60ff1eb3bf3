"""A fused op that reads the engine's output twice (x · x) reads nothing from outside its chain:
both reads are counted as inside, so the layer writes only the chain's result."""

from __future__ import annotations

from accelsim.lowering import lower
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_square_of_the_conv_output_fuses_and_writes_only_the_square() -> None:
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    y = g.conv("c", x, cout=3, k=1)
    graph = g.build(g.op("sq", "Mul", [y, y], "sq.out", (1, 3, 4, 4), vector_ops=48))
    program = lower(graph, toy_machine(fuses=("Mul",)))
    (layer,) = program.layers
    assert layer.op_types == ("Conv", "Mul")
    assert layer.writes == ("sq.out",)
    assert layer.vector_ops == 0 and layer.epilogue_ops == 0  # fused: free on the output stage
