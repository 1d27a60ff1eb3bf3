"""Lowering cases found by planting single-line bugs: each test names the condition it guards
and its expected layers are worked out by hand from the graph (toy machine: int8, Relu fused,
BatchNormalization folded)."""

from __future__ import annotations

from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from accelsim.workload.graph import Op, Tensor
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


def _fused():
    return with_overrides(toy_machine(), {"lowering.attention": "fused"})


def _heads(*, also_relu: bool):
    """x (1, 8, 12) · W (12, 8) reshaped to (1, 8, 2, 4) heads, transposed (0, 2, 1, 3) to k;
    with `also_relu` a Relu reads the heads too."""
    g = GraphBuilder()
    xw = g.op("proj", "MatMul", [g.input("x", (1, 8, 12)), g.weight("W", (12, 8))], "xw",
              (1, 8, 8), macs=768)  # fmt: skip
    g.tensors["xh"] = Tensor("xh", (1, 8, 2, 4), "activation")
    g.ops.append(Op("r", "Reshape", (xw,), ("xh",), 0, 0, {}, is_view=True))
    outputs = [g.op("t", "Transpose", ["xh"], "k", (1, 2, 8, 4), vector_ops=64, perm=[0, 2, 1, 3])]
    if also_relu:
        outputs.append(g.op("relu", "Relu", ["xh"], "relu.out", (1, 8, 2, 4), vector_ops=64))
    return g.build(*outputs)


def test_heads_read_also_by_another_op_are_not_stored_in_head_order():
    # Alone, the product stores k in head order (a strided store, no Transpose layer). Read by
    # a Relu too, which needs (1, 8, 2, 4) order, the product writes xw as it is and the
    # Transpose copies.
    assert _types(lower(_heads(also_relu=False), _fused())) == [("MatMul",)]
    program = lower(_heads(also_relu=True), _fused())
    assert _types(program) == [("MatMul",), ("Transpose",), ("Relu",)]
    assert program.layers[0].writes == ("xw",)


def test_fused_attention_counts_the_softmax_of_every_batch_and_head():
    # Q, K, V (2, 2, 8, 4): 2 sequences x 2 heads = 4 score blocks of 8 x 8. Online softmax:
    # 4 ops per score and a divide per output element: 4 x (4 x 8 x 8 + 8 x 4) = 1,152 vector
    # ops; two products of 2 x 2 x 8 x 8 x 4 = 1,024 MACs each.
    g = GraphBuilder()
    q, k, v = (g.input(n, (2, 2, 8, 4)) for n in "qkv")
    kt = g.op("t", "Transpose", [k], "kt", (2, 2, 4, 8), vector_ops=128, perm=[0, 1, 3, 2])
    s = g.op("qk", "MatMul", [q, kt], "s", (2, 2, 8, 8), macs=1_024)
    p = g.op("sm", "Softmax", [s], "p", (2, 2, 8, 8), vector_ops=768, axis=-1)
    o = g.op("pv", "MatMul", [p, v], "o", (2, 2, 8, 4), macs=1_024)
    (layer,) = lower(g.build(o), _fused()).layers
    assert (layer.macs, layer.epilogue_ops) == (2_048, 1_152)
    assert layer.gemm is not None and layer.gemm.groups == 2 * 4  # both products of 4 blocks


def test_an_op_the_matrix_output_stage_fuses_does_not_join_a_vector_layer():
    # Relu is in the toy machine's `fuses` (the matrix unit's output stage), not `epilogue`:
    # after an Add on the vector unit it is a layer of its own
    g = GraphBuilder()
    a = g.op("add", "Add", [g.input("x", (1, 64)), g.input("y", (1, 64))], "a", (1, 64),
             vector_ops=64)  # fmt: skip
    r = g.op("relu", "Relu", [a], "r", (1, 64), vector_ops=64)
    program = lower(g.build(r), toy_machine())
    assert _types(program) == [("Add",), ("Relu",)]


def test_two_graph_outputs_sharing_storage_are_one_program_output():
    # y = Conv(x) and Reshape(y) are both model outputs; the Reshape is a view, so both name
    # y's storage: the program has one output, c.out, of 1x4x4x4 int8 = 64 bytes, listed once.
    g = GraphBuilder()
    c = g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    g.tensors["r.out"] = Tensor("r.out", (1, 64), "activation")
    g.ops.append(Op("r", "Reshape", (c,), ("r.out",), 0, 0, {}, is_view=True))
    program = lower(g.build(c, "r.out"), toy_machine())
    assert program.outputs == ("c.out",)
    assert _types(program) == [("Conv",)]
    assert program.buffers["c.out"].nbytes == 64
