"""Lowering cases found by planting single-line bugs: each test names the condition it guards
and its expected layers are worked out by hand from the graph (toy machine: int8, Relu fused,
BatchNormalization folded)."""

from __future__ import annotations

from accelsim.lowering import lower
from tests.sim.toy import GraphBuilder, toy_machine


def _types(program) -> list[tuple[str, ...]]:
    return [layer.op_types for layer in program.layers]


def test_a_batchnorm_reading_a_conv_output_that_is_a_graph_output_is_not_folded():
    # c.out is a model output: folding BN into the conv would make the layer write bn.out
    # only, and c.out would never be written.
    g = GraphBuilder()
    c = g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    params = [g.weight(f"bn.{p}", (4,)) for p in ("scale", "B", "mean", "var")]
    b = g.op("bn", "BatchNormalization", [c, *params], "bn.out", (1, 4, 4, 4), vector_ops=128)
    program = lower(g.build(c, b), toy_machine())
    assert _types(program) == [("Conv",), ("BatchNormalization",)]
    assert program.layers[0].writes == ("c.out",)
    assert program.layers[1].vector_ops == 128  # 2 ops x 64 elements, on the vector unit


def test_a_two_dimensional_transpose_read_as_b_makes_no_copy():
    # a (4, 8) · Transpose(b (6, 8)) = a · bᵀ: perm [1, 0] swaps the last two axes of a rank-2
    # tensor, which the engine reads transposed (Gemm's transB): one layer, 4 x 8 x 6 MACs.
    g = GraphBuilder()
    a, b = g.input("a", (4, 8)), g.input("b", (6, 8))
    bt = g.op("t", "Transpose", [b], "bt", (8, 6), vector_ops=48, perm=[1, 0])
    y = g.op("m", "MatMul", [a, bt], "y", (4, 6), macs=192)
    program = lower(g.build(y), toy_machine())
    assert _types(program) == [("MatMul",)]
    assert program.layers[0].reads == ("a", "b")
    assert program.layers[0].macs == 192
