"""Lowering reads an attribute in every form the importer leaves it: a Split's axis counted from
the end (-1, as exporters write it) is its last axis; an AveragePool has a row window, as
MaxPool and Conv do. Graphs built by hand; numbers by hand on the toy machine (int8)."""

from __future__ import annotations

from accelsim.hardware_file import with_overrides
from accelsim.lowering import Window, lower
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_split_along_axis_minus_1_splits_the_projection_by_columns() -> None:
    # x (1, 8, 12) · W (12, 24) split along axis -1 (the last) into 3 parts of 8 columns:
    # three layers of 8 x 12 x 8 = 768 MACs, each reading its 12 x 8 = 96-byte slice of W
    g = GraphBuilder()
    xw = g.op("m", "MatMul", [g.input("x", (1, 8, 12)), g.weight("W", (12, 24))], "xw",
              (1, 8, 24), macs=2_304)  # fmt: skip
    parts = [g.op(f"s:{i}", "Split", [xw], name, (1, 8, 8), vector_ops=64, axis=-1)
             for i, name in enumerate("qkv")]  # fmt: skip
    machine = with_overrides(toy_machine(), {"lowering.attention": "fused"})
    program = lower(g.build(*parts), machine)
    assert [layer.op_types for layer in program.layers] == [("MatMul", "Split")] * 3
    assert [layer.macs for layer in program.layers] == [768] * 3
    assert [program.nbytes(f"W[{a}:{a + 8}]") for a in (0, 8, 16)] == [96] * 3


def test_an_average_pool_has_a_row_window() -> None:
    # a 3x3 AveragePool, stride 2, pads 1 over (1, 4, 9, 9): output (1, 4, 5, 5), 9 ops each
    g = GraphBuilder()
    y = g.op("pool", "AveragePool", [g.input("x", (1, 4, 9, 9))], "y", (1, 4, 5, 5),
             vector_ops=900, kernel_shape=(3, 3), strides=(2, 2), pads=(1, 1, 1, 1))  # fmt: skip
    (layer,) = lower(g.build(y), toy_machine()).layers
    assert layer.window == Window(kernel=3, stride=2, pad=1)


def test_a_window_without_strides_or_pads_has_stride_1_and_no_pad() -> None:
    # a hand-built MaxPool with only its kernel (ONNX's defaults: strides 1, pads 0)
    g = GraphBuilder()
    y = g.op("pool", "MaxPool", [g.input("x", (1, 4, 9, 9))], "y", (1, 4, 7, 7),
             vector_ops=1_568, kernel_shape=(3, 3))  # fmt: skip
    (layer,) = lower(g.build(y), toy_machine()).layers
    assert layer.window == Window(kernel=3, stride=1, pad=0)
