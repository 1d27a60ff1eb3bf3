"""A layer's geometry follows its primary op, not the op fused after it: each layer below ends
in a Relu epilogue (`op_types` = (primary, "Relu")), and what the tiler reads of it is what
the primary op alone says, by hand from the shapes."""

from __future__ import annotations

import pytest

from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from accelsim.memory.tiling import _can_split, _Geometry, _stationary_operand
from accelsim.work import Gemm
from tests.sim.toy import GraphBuilder, toy_machine


def _layers():
    g = GraphBuilder()

    def then_relu(name: str, out: str) -> str:
        shape = g.tensors[out].shape
        return g.op(f"{name}.relu", "Relu", [out], f"{out}.r", shape, vector_ops=1)

    x = g.input("x", (1, 4, 8, 8))
    w = g.weight("dw.W", (4, 1, 3, 3))
    d = g.op("dw", "Conv", [x, w], "d", (1, 4, 8, 8), macs=4 * 64 * 9, kernel_shape=[3, 3],
             strides=[1, 1], pads=[1, 1, 1, 1], group=4)  # fmt: skip
    c = then_relu("pw", g.conv("pw", then_relu("dw", d), 8, 3, pad=1))
    a, b = g.input("a", (1, 2, 4, 8)), g.input("b", (1, 2, 8, 4))
    m = then_relu("mm", g.op("mm", "MatMul", [a, b], "m", (1, 2, 4, 4), macs=256))
    s = then_relu("sm", g.op("sm", "Softmax", [g.input("s", (2, 2, 4, 8))], "s1", (2, 2, 4, 8),
                             vector_ops=1))  # fmt: skip
    t = then_relu("sm2", g.op("sm2", "Softmax", [g.input("t", (16, 64))], "t1", (16, 64),
                              vector_ops=1))  # fmt: skip
    stats = [g.weight(f"bn.{n}", (4,)) for n in ("scale", "bias", "mean", "var")]
    n = then_relu("bn", g.op("bn", "BatchNormalization", [g.input("n", (2, 4, 10)), *stats],
                             "n1", (2, 4, 10), vector_ops=1))  # fmt: skip
    q = then_relu("rs", g.op("rs", "Resize", [g.input("q", (1, 2, 4, 4))], "q1", (1, 2, 8, 8),
                             vector_ops=1))  # fmt: skip
    k1 = g.op("sg", "Sigmoid", [g.input("k0", (1, 2, 3, 4))], "k1", (1, 2, 3, 4), vector_ops=1)
    k = then_relu("cc", g.op("cc", "Concat", [k1, g.input("k2", (1, 2, 5, 4))], "k",
                             (1, 2, 8, 4), vector_ops=1, axis=2))  # fmt: skip
    k3 = g.op("sg2", "Sigmoid", [g.input("k4", (1, 2, 4, 4))], "k3", (1, 2, 4, 4), vector_ops=1)
    j = then_relu("cc2", g.op("cc2", "Concat", [k3, g.input("k5", (1, 3, 4, 4))], "j",
                              (1, 5, 4, 4), vector_ops=1, axis=1))  # fmt: skip
    k6 = g.op("sg3", "Sigmoid", [g.input("k7", (2, 3, 8))], "k6", (2, 3, 8), vector_ops=1)
    h = then_relu("cc3", g.op("cc3", "Concat", [k6, g.input("k8", (1, 3, 8))], "h", (3, 3, 8),
                              vector_ops=1, axis=0))  # fmt: skip
    one = then_relu("c1", g.conv("c1", g.input("x1", (1, 1, 8, 8)), 4, 3, pad=1))
    a3, b3 = g.input("a3", (2, 4, 8)), g.input("b3", (2, 8, 4))
    m3 = then_relu("mm3", g.op("mm3", "MatMul", [a3, b3], "m3", (2, 4, 4), macs=256))
    outputs = [c, m, s, t, n, q, k, j, h, one, m3]
    hw = with_overrides(toy_machine(fuses=()), {"lowering.epilogue": ["Relu"]})
    program = lower(g.build(*outputs), hw)
    return {layer.name: (layer, program.buffers) for layer in program.layers}


LAYERS = _layers()


def _geometry(name: str):
    layer, buffers = LAYERS[name]
    assert layer.op_types[1:] == ("Relu",)
    return layer, _Geometry(layer, buffers)


def test_a_depthwise_conv_slices_its_input_by_channel_and_has_no_reduction_to_split():
    layer, geometry = _geometry("dw")
    assert (geometry.per_channel_input, geometry.reduction, geometry.deferred) == (True, 1, False)
    # its GEMM is 4 groups of M 64, K 9, N 1: a tile of 2 channels and 4 rows is 2 of them
    assert layer.gemm == Gemm(m=64, k=9, n=1, groups=4, macs=2304)
    assert geometry.work(2, 4, 576, 0) == Gemm(m=32, k=9, n=1, groups=2, macs=576)
    # output rows [0, 2) of a 3x3 stride-1 pad-1 window read input rows [0, 3)
    assert geometry._input_rows(0, 2, 8) == (0, 3)


def test_a_conv_of_one_input_channel_reads_it_whole_for_every_channel_group():
    # W (4, 1, 3, 3) as a depthwise conv's, but over one input channel: a plain conv
    _, geometry = _geometry("c1")
    assert (geometry.per_channel_input, geometry.reduction) == (False, 1)


def test_a_three_dimensional_product_splits_by_columns_and_rows_of_every_batch():
    # (2, 4, 8) x (2, 8, 4): its second operand is still held, but the output (2, 4, 4) is
    # seen as 4 columns by 2 x 4 rows, not by (batch, head)
    layer, geometry = _geometry("mm3")
    assert _stationary_operand(layer) == ("b3",)
    assert (geometry.batched, geometry.channels, geometry.rows) == (False, 4, 8)


def test_a_conv_splits_its_reduction_over_its_input_channels():
    _, geometry = _geometry("pw")
    assert (geometry.per_channel_input, geometry.reduction, geometry.deferred) == (False, 4, False)


def test_a_product_of_two_activations_holds_the_second_per_batch_and_head():
    layer, geometry = _geometry("mm")
    assert _stationary_operand(layer) == ("b",)
    assert (geometry.batched, geometry.channels, geometry.rows) == (True, 2, 4)


@pytest.mark.parametrize(
    ("name", "splits", "channels", "rows", "flat"),
    [
        ("sm", (False, True), 8, 16, True),  # a batch of 4-D rows over the last axis: 2·2·4 rows
        ("sm2", (False, True), 64, 16, False),  # a softmax never splits its rows' elements
        ("bn", (True, True), 4, 20, False),  # (N, C, L): channels C, rows N·L
        ("rs", (True, True), 2, 8, False),
        ("cc", (True, True), 2, 8, False),  # along the rows: bands of each input
        ("cc2", (False, True), 5, 4, False),  # along the channels: every input's band
        ("cc3", (False, False), 8, 9, False),  # 6 + 3 of 9 rows, not one run: whole
    ],
)
def test_vector_layers_split_as_their_primary_op_allows(name, splits, channels, rows, flat):
    layer, geometry = _geometry(name)
    assert (geometry.split_channels, geometry.split_rows) == splits
    assert (geometry.channels, geometry.rows, geometry.flat) == (channels, rows, flat)
    if name not in ("cc", "cc2", "cc3"):
        assert _can_split(layer) == splits
    # a band's slices depend only on its height, except where the rows it reads depend on
    # where it starts (a Resize's sampling, a Concat's parts along the rows)
    assert geometry.shifts == (name not in ("rs", "cc"))
    assert geometry.channel_first == (name == "bn")
    assert geometry.deferred is False


def test_a_resize_band_reads_its_input_rows_with_a_halo_and_a_concat_its_inputs_rows():
    # output rows [0, 2) of a 4 -> 8 row Resize sample input rows 0..1, plus 2 of halo: [0, 3)
    assert _geometry("rs")[1]._input_rows(0, 2, 4) == (0, 3)
    assert _geometry("cc")[1].row_offsets == [0, 3]  # k1's 3 rows, then k2's from row 3
