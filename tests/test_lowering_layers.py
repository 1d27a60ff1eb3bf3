"""Lowered layers' counted fields on hand-built graphs, and what they cost on the toy machine."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from accelsim.workload.graph import Op, Tensor
from tests.sim.toy import GraphBuilder, toy_machine


@pytest.mark.unjudged("the judge times vector units without lanes")
def test_a_layer_with_two_outputs_counts_the_elements_of_both_against_the_lanes():
    # Split of x (1 x 10) into a (1 x 4) and b (1 x 6), 10 vector ops: 10 elements on 8 lanes
    # are two groups of 8, so 10 ops x 16 / 10 = 16 cycles (not 14, as 6 elements would give)
    g = GraphBuilder()
    x = g.input("x", (1, 10))
    g.tensors["a"] = Tensor("a", (1, 4), "activation")
    g.tensors["b"] = Tensor("b", (1, 6), "activation")
    g.ops.append(Op("s", "Split", (x,), ("a", "b"), 0, 10, {"axis": 1, "split": [4, 6]}))
    graph = g.build("a", "b")
    hw = with_overrides(toy_machine(), {"units.vector.lanes": 8})
    (layer,) = lower(graph, hw).layers
    assert (layer.unit, layer.vector_ops, layer.elements, layer.writes) == (
        "vector", 10, 10, ("a", "b"))  # fmt: skip
    events = simulate_graph(graph, hw, name="t").trace.events
    # load 10 B, the split, then the two stores of 4 and 6 B at 1 B a cycle
    assert [(e.kind, e.start, e.end) for e in events] == [
        ("load", 0, 10), ("compute", 10, 26), ("store", 26, 30), ("store", 30, 36)]  # fmt: skip


def test_gemm_shapes_of_matrix_ops_by_hand():
    # Each op's MACs as `groups` GEMMs of M x K x N, by its operands:
    # Einsum "bhqd,bhkd->bhqk" (b 1, h 2, q 4, d 8, k 5): groups b.h = 2, M q, K d, N k
    # MatMul (2, 4, 8) x (2, 8, 5): groups 2 (B's batch), M 4, K 8, N 5
    # ConvTranspose x (1, 4, 3, 3), W (4, 3, 2, 2), group 2: M 9 pixels, K 4/2, N 3 x 2 x 2
    # Conv x (1, 4, 4, 4), W (6, 2, 3, 3), group 2, pad 1: M 16 pixels, N 6/2, K 2 x 3 x 3
    from accelsim.work import Gemm

    g = GraphBuilder()
    q, k = g.input("q", (1, 2, 4, 8)), g.input("k", (1, 2, 5, 8))
    s = g.op("e", "Einsum", [q, k], "s", (1, 2, 4, 5), macs=320, equation="bhqd,bhkd->bhqk")
    a, b = g.input("a", (2, 4, 8)), g.input("b", (2, 8, 5))
    m = g.op("m", "MatMul", [a, b], "mo", (2, 4, 5), macs=320)
    x, w = g.input("x", (1, 4, 3, 3)), g.weight("w", (4, 3, 2, 2))
    t = g.op("t", "ConvTranspose", [x, w], "to", (1, 6, 4, 4), macs=9 * 2 * 12 * 2, group=2,
             kernel_shape=[2, 2])  # fmt: skip
    y, v = g.input("y", (1, 4, 4, 4)), g.weight("v", (6, 2, 3, 3))
    c = g.op("c", "Conv", [y, v], "co", (1, 6, 4, 4), macs=16 * 3 * 18 * 2, group=2,
             kernel_shape=[3, 3], pads=[1, 1, 1, 1])  # fmt: skip
    hw = toy_machine(ops=("Einsum", "MatMul", "ConvTranspose", "Conv"))
    gemms = {layer.name: layer.gemm for layer in lower(g.build(s, m, t, c), hw).layers}
    assert gemms == {
        "e": Gemm(m=4, k=8, n=5, groups=2, macs=320),
        "m": Gemm(m=4, k=8, n=5, groups=2, macs=320),
        "t": Gemm(m=9, k=2, n=12, groups=2, macs=432),
        "c": Gemm(m=16, k=18, n=3, groups=2, macs=1728),
    }


def test_a_batchnorm_after_no_matrix_op_runs_on_the_vector_unit_and_says_why():
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    params = [g.weight(f"bn.{p}", (2,)) for p in ("scale", "B", "mean", "var")]
    y = g.op("bn", "BatchNormalization", [x, *params], "y", (1, 2, 4, 4), vector_ops=64)
    program = lower(g.build(y), toy_machine())
    assert [(layer.op_types, layer.unit) for layer in program.layers] == [
        (("BatchNormalization",), "vector")]  # fmt: skip
    assert program.notes == (
        "bn: BatchNormalization does not directly follow a matrix-engine op, so it cannot be "
        "folded; it runs on the vector unit",
    )


def test_a_transpose_without_perm_before_a_matmul_lowers():
    # ONNX's default perm reverses the axes; the attribute is optional, so lowering must not
    # need it: b (8 x 4) transposed to 4 x 8, a (2 x 4) times it: 64 MACs on the engine
    g = GraphBuilder()
    a, b = g.input("a", (2, 4)), g.input("b", (8, 4))
    t = g.op("t", "Transpose", [b], "bt", (4, 8))
    y = g.op("m", "MatMul", [a, t], "y", (2, 8), macs=64)
    program = lower(g.build(y), toy_machine())
    assert sum(layer.macs for layer in program.layers) == 64
    assert program.layers[-1].op_types == ("MatMul",)


def test_which_reads_a_tile_needs_only_its_own_elements_of():
    # A Transpose's tile reads just the elements it writes, and so does one output of a Split
    # (its part of the input); a Split with two outputs reads its input whole, and a Softmax
    # (over a row) is no such op
    g = GraphBuilder()
    x = g.input("x", (2, 8))
    t = g.op("t", "Transpose", [x], "t.out", (8, 2), vector_ops=16, perm=[1, 0])
    s1 = g.op("s1", "Split", [t], "s1.out", (4, 2), vector_ops=8, axis=0)
    g.tensors["p"] = Tensor("p", (4, 2), "activation")
    g.tensors["q"] = Tensor("q", (4, 2), "activation")
    g.ops.append(Op("s2", "Split", (s1,), ("p", "q"), 0, 8, {"axis": 0}))
    sm = g.op("sm", "Softmax", ["p"], "sm.out", (4, 2), vector_ops=40, axis=-1)
    layers = lower(g.build(sm, "q"), toy_machine()).layers
    assert [(layer.name, layer.pointwise) for layer in layers] == [
        ("t", ("x",)), ("s1", ("t.out",)), ("s2", ()), ("sm", ())]  # fmt: skip


def test_buffers_take_their_kinds_widths_rounded_up_to_whole_bytes():
    # int4 weights, fp16 activations: W (4, 2, 3, 3) 72 x 4 bits = 36 B; x (1, 2, 4, 4) and the
    # output (1, 4, 4, 4) 32 and 64 elements x 2 B; a 3-element int4 weight rounds 12 bits up
    g = GraphBuilder()
    y = g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    b = g.weight("b3", (3,))
    z = g.op("a", "Add", [g.input("s", (3,)), b], "z", (3,), vector_ops=3)
    hw = with_overrides(toy_machine(), {"dtypes.weights": 4, "dtypes.activations": "fp16"})
    sizes = {n: buf.nbytes for n, buf in lower(g.build(y, z), hw).buffers.items()}
    assert sizes == {"x": 64, "c.W": 36, "c.out": 128, "s": 6, "b3": 2, "z": 6}


def test_a_conv_off_the_matrix_unit_costs_two_vector_ops_a_mac():
    # the toy conv (1,152 MACs) on a machine whose engine runs only Gemm and MatMul
    g = GraphBuilder()
    y = g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    (layer,) = lower(g.build(y), toy_machine(ops=("Gemm", "MatMul"))).layers
    assert (layer.unit, layer.macs, layer.vector_ops, layer.gemm) == ("vector", 1152, 2304, None)


def test_a_windows_padding_is_its_top_rows():
    # pads [top, left, bottom, right] = [1, 0, 2, 0]: a band's input rows start 1 above
    g = GraphBuilder()
    x = g.input("x", (1, 2, 6, 4))
    w = g.weight("w", (2, 2, 3, 1))
    y = g.op("c", "Conv", [x, w], "y", (1, 2, 7, 4), macs=2 * 28 * 6, kernel_shape=[3, 1],
             strides=[2, 1], pads=[1, 0, 2, 0])  # fmt: skip
    (layer,) = lower(g.build(y), toy_machine()).layers
    assert (layer.window.kernel, layer.window.stride, layer.window.pad) == (3, 2, 1)


def test_a_fused_residual_is_read_pointwise_and_a_broadcast_operand_is_not():
    # conv + Add(residual of its shape) + Mul(per-channel activation of shape (1, 4, 1, 1)),
    # both fused on the engine's output stage: a tile needs the residual's elements of its own
    # output, but all of the broadcast operand
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    r = g.input("r", (1, 4, 4, 4))
    s = g.op("p", "GlobalAveragePool", [g.input("q", (1, 4, 2, 2))], "s", (1, 4, 1, 1),
             vector_ops=16)  # fmt: skip
    y = g.op("add", "Add", [g.conv("c", x, 4, 3, pad=1), r], "y", (1, 4, 4, 4), vector_ops=64)
    z = g.op("mul", "Mul", [y, s], "z", (1, 4, 4, 4), vector_ops=64)
    layers = lower(g.build(z), toy_machine(fuses=("Add", "Mul"))).layers
    assert [(layer.op_types, layer.reads, layer.pointwise) for layer in layers] == [
        (("GlobalAveragePool",), ("q",), ()),
        (("Conv", "Add", "Mul"), ("x", "r", "s"), ("r",)),
    ]


def test_a_batched_conv_transpose_is_one_gemm_row_per_input_pixel_of_every_sample():
    # x (2, 4, 3, 3), W (4, 3, 2, 2), group 2: M = 2 samples x 9 pixels, K 4/2, N 3 x 2 x 2;
    # MACs N·Cin·H·W · Cout/group·kh·kw = 2·4·9 · 3·4 = 864 = 18 x 2 x 12 x 2
    from accelsim.work import Gemm

    g = GraphBuilder()
    x = g.input("x", (2, 4, 3, 3))
    w = g.weight("w", (4, 3, 2, 2))
    y = g.op("t", "ConvTranspose", [x, w], "y", (2, 6, 6, 6), macs=864, group=2,
             strides=[2, 2], kernel_shape=[2, 2])  # fmt: skip
    (layer,) = lower(g.build(y), toy_machine(ops=("ConvTranspose",))).layers
    assert layer.gemm == Gemm(m=18, k=2, n=12, groups=2, macs=864)


def test_a_kv_cache_read_by_another_op_too_is_concatenated_not_appended():
    # past (1, 2, 8, 16) feeds the Concat and a Relu: its bytes must stay as they are, so the
    # Concat is a layer of its own (no note of an in-place append)
    g = GraphBuilder()
    past, new = g.input("past", (1, 2, 8, 16)), g.input("new", (1, 2, 1, 16))
    cache = g.op("append", "Concat", [past, new], "cache", (1, 2, 9, 16), vector_ops=288,
                 axis=-2)  # fmt: skip
    seen = g.op("r", "Relu", [past], "seen", (1, 2, 8, 16), vector_ops=256)
    program = lower(g.build(cache, seen), toy_machine())
    assert [layer.name for layer in program.layers] == ["append", "r"]
    assert not any("appended in place" in note for note in program.notes)
