"""The cost-rule registry and rules called alone (no ONNX), for cases the importer table skips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accelsim.errors import UnsupportedOpError
from accelsim.workload.costs import (
    NodeShapes,
    OpCost,
    cost_rule,
    op_cost,
    rule_for,
    supported_op_types,
)

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_ops() -> list[str]:
    """The op list the README promises: "(29 ops: Conv incl. grouped/depthwise, Gemm, ...)"."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    found = re.search(r"registry keyed by ONNX `op_type` \((\d+) ops: ([^)]*)\)", text)
    assert found, "README no longer lists the supported ops"
    names = [item.split()[0] for item in found.group(2).split(", ")]
    assert len(names) == int(found.group(1))  # the README's count agrees with its own list
    return names


def test_supported_op_types_are_the_ones_the_readme_lists() -> None:
    types = supported_op_types()
    assert list(types) == sorted(types)
    assert set(types) == set(_readme_ops())
    assert len(types) == 96


def test_rule_for_miss_lists_every_supported_op() -> None:
    # The list is spelled out here, not taken from the registry under test.
    expected = (
        'm.onnx: node "n" (SpaceToDepth): op not supported; supported: Abs, Add, And, ArgMax, '
        "ArgMin, AveragePool, BatchNormalization, BitShift, Cast, Ceil, Clip, Concat, Conv, "
        "ConvTranspose, CumSum, Div, Dropout, Einsum, Equal, Erf, Exp, Expand, Flatten, Floor, "
        "GRU, Gather, GatherElements, GatherND, Gelu, Gemm, GlobalAveragePool, GlobalMaxPool, "
        "Greater, GreaterOrEqual, GroupNormalization, HardSigmoid, HardSwish, Identity, "
        "InstanceNormalization, IsInf, IsNaN, LSTM, LayerNormalization, Less, LessOrEqual, Log, "
        "LogSoftmax, MatMul, Max, MaxPool, Min, Mish, Mod, Mul, Neg, NonMaxSuppression, NonZero, "
        "Not, Or, Pad, Pow, RNN, Reciprocal, ReduceL1, ReduceL2, ReduceLogSumExp, ReduceMax, "
        "ReduceMean, ReduceMin, ReduceProd, ReduceSum, Relu, Reshape, Resize, Round, "
        "ScatterElements, ScatterND, Shape, Sigmoid, Sign, Size, Slice, Softmax, Softplus, "
        "Softsign, Split, Sqrt, Squeeze, Sub, Tanh, Tile, TopK, Transpose, Unsqueeze, Where, Xor"
    )
    with pytest.raises(UnsupportedOpError, match=f"^{re.escape(expected)}$"):
        rule_for("SpaceToDepth", where='m.onnx: node "n"')


def test_registering_an_op_type_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="^cost rule for 'Relu' registered twice$"):
        cost_rule("Relu")(lambda shapes: OpCost())


def _conv(
    x: tuple[int, ...], w: tuple[int, ...], y: tuple[int, ...], **attributes: object
) -> NodeShapes:
    return NodeShapes((x, w), (y,), attributes)


def test_depthwise_conv_macs_per_output_are_the_kernel() -> None:
    # depthwise 3x3 on 32 channels at 28x28: 28*28*32 outputs * (32/32)*3*3 = 225,792
    cost = op_cost("Conv", _conv((1, 32, 28, 28), (32, 1, 3, 3), (1, 32, 28, 28), group=32))
    assert cost == OpCost(macs=225_792)


def test_grouped_conv_macs_divide_input_channels_by_group() -> None:
    # 2 groups of 8 -> 8 channels each: out 1*16*4*4 = 256 outputs * (16/2)*3*3 = 72 -> 18,432
    cost = op_cost("Conv", _conv((1, 16, 4, 4), (16, 8, 3, 3), (1, 16, 4, 4), group=2))
    assert cost.macs == 18_432


@pytest.mark.parametrize(
    ("size", "auto_pad", "pads"),
    [
        # in 7, k 3, s 2: out ceil(7/2) = 4, total pad (4-1)*2 + 3 - 7 = 2 -> 1 each side
        (7, "SAME_UPPER", (1, 1, 1, 1)),
        # in 8, k 3, s 2: out 4, total (4-1)*2 + 3 - 8 = 1 -> the odd one at the end (upper)
        (8, "SAME_UPPER", (0, 0, 1, 1)),
        # ... or at the beginning (lower)
        (8, "SAME_LOWER", (1, 1, 0, 0)),
        (8, "VALID", (0, 0, 0, 0)),
    ],
)
def test_conv_auto_pad_resolves_to_explicit_pads(size: int, auto_pad: str, pads: tuple) -> None:
    shapes = _conv(
        (1, 1, size, size), (1, 1, 3, 3), (1, 1, 4, 4), strides=(2, 2), auto_pad=auto_pad
    )
    resolved = rule_for("Conv", where="t").resolved(shapes)
    assert resolved.attributes["pads"] == pads
    assert resolved.attributes["auto_pad"] == "NOTSET"


def test_conv_defaults_filled_for_the_planner() -> None:
    resolved = rule_for("Conv", where="t").resolved(_conv((1, 3, 8, 8), (4, 3, 5, 5), (1, 4, 4, 4)))
    assert dict(resolved.attributes) == {
        "kernel_shape": (5, 5),  # from the weight's (Cout, Cin, kh, kw)
        "strides": (1, 1),
        "pads": (0, 0, 0, 0),
        "dilations": (1, 1),
        "auto_pad": "NOTSET",
        "group": 1,
    }


def test_gemm_with_transposed_a_reduces_over_its_rows() -> None:
    # A stored (K=16, M=3) with transA: out (3, 10) * K 16 = 480 MACs
    shapes = NodeShapes(((16, 3), (16, 10)), ((3, 10),), {"transA": 1})
    assert op_cost("Gemm", shapes).macs == 480


def test_clip_with_one_bound_is_one_compare_per_element() -> None:
    # opset 6 style: only a min attribute -> 1 compare * 24 elements
    shapes = NodeShapes(((2, 3, 4),), ((2, 3, 4),), {"min": 0.0})
    assert op_cost("Clip", shapes).vector_ops == 24


@pytest.mark.parametrize(
    ("opset", "attributes", "expected"),
    [
        # opset 13+, default axis -1: rows = 24 / 4 = 6 -> 5*24 + 6 = 126
        (13, {}, 126),
        # opset 11, default axis 1: coerced to (2, 12) -> 2 rows -> 5*24 + 2 = 122
        (11, {}, 122),
        # opset 11, axis 2: (6, 4) -> 6 rows -> 126
        (11, {"axis": 2}, 126),
        # opset 13, axis 1: one axis of 3, so 24 / 3 = 8 rows -> 5*24 + 8 = 128 (opset 11's
        # coercion would give 2 rows of 12)
        (13, {"axis": 1}, 128),
        (11, {"axis": 1}, 122),
    ],
)
def test_log_softmax_rows_follow_the_opset(opset: int, attributes: dict, expected: int) -> None:
    shapes = NodeShapes(((2, 3, 4),), ((2, 3, 4),), attributes, opset)
    assert op_cost("LogSoftmax", shapes).vector_ops == expected


def test_views_cost_nothing() -> None:
    shapes = NodeShapes(((2, 3, 4), (2,)), ((6, 4),), {"shape": (6, 4)})
    assert op_cost("Reshape", shapes) == OpCost(macs=0, vector_ops=0, is_view=True)


def test_clip_with_only_a_runtime_max_is_one_compare_per_element() -> None:
    # opset 11+ style, min left out (""), max a tensor computed at run time (not folded into
    # an attribute): one bound -> 1 compare * 24 elements
    shapes = NodeShapes(((2, 3, 4), None, ()), ((2, 3, 4),), {})
    assert op_cost("Clip", shapes).vector_ops == 24
    both = NodeShapes(((2, 3, 4), (), ()), ((2, 3, 4),), {})
    assert op_cost("Clip", both).vector_ops == 48


@pytest.mark.parametrize(
    ("op_type", "gates", "per_unit"), [("LSTM", 4, 23), ("GRU", 3, 17), ("RNN", 1, 5)]
)
def test_recurrent_totals_are_per_step_work_times_the_steps(op_type, gates, per_unit) -> None:
    # 3 steps, batch 2, 5 input features, hidden 4, one direction: each step multiplies
    # x (2 x 5) and h (2 x 4) by the stacked gates' weights, 2 x 4·gates x (5 + 4) MACs, and
    # does `per_unit` element-wise ops per hidden unit of each batch row, 2 x 4 x per_unit
    rows = gates * 4
    shapes = NodeShapes(((3, 2, 5), (1, rows, 5), (1, rows, 4)), ((3, 1, 2, 4),),
                        {"hidden_size": 4})  # fmt: skip
    cost = op_cost(op_type, shapes)
    assert cost.macs == 3 * 2 * rows * 9
    assert cost.vector_ops == 3 * 2 * 4 * per_unit
    assert len(cost.steps) == 6
    assert sum(s.macs for s in cost.steps) == cost.macs
    assert sum(s.vector_ops for s in cost.steps) == cost.vector_ops


def test_a_bidirectional_recurrence_does_each_directions_gates() -> None:
    # The LSTM above run both ways: 2 directions of 2 x 16 x 9 MACs and 2 x 4 x 23 gate ops a
    # step, 3 steps
    shapes = NodeShapes(((3, 2, 5), (2, 16, 5), (2, 16, 4)), ((3, 2, 2, 4),),
                        {"hidden_size": 4, "direction": "bidirectional"})  # fmt: skip
    cost = op_cost("LSTM", shapes)
    assert (cost.macs, cost.vector_ops) == (3 * 2 * 2 * 16 * 9, 3 * 2 * 2 * 4 * 23)


def test_a_recurrence_in_layout_1_reads_batch_first_and_steps_second() -> None:
    # layout 1: X is (batch 2, 3 steps, 5 features), Y (2, 3, 1, 4): 3 steps of batch 2, each a
    # (1, 2, 16) gate GEMM of 2 x 16 x 9 MACs and (1, 2, 4) gates of 2 x 4 x 23 ops
    shapes = NodeShapes(((2, 3, 5), (1, 16, 5), (1, 16, 4)), ((2, 3, 1, 4),),
                        {"hidden_size": 4, "layout": 1})  # fmt: skip
    cost = op_cost("LSTM", shapes)
    assert [(s.op_type, s.macs, s.vector_ops, s.output) for s in cost.steps[:2]] == [
        ("MatMul", 2 * 16 * 9, 0, (1, 2, 16)), ("LSTM", 0, 2 * 4 * 23, (1, 2, 4))]  # fmt: skip
    assert len(cost.steps) == 2 * 3


def test_a_recurrence_of_exactly_the_most_steps_is_accepted() -> None:
    from accelsim.workload.rules.recurrent import MAX_STEPS

    shapes = NodeShapes(((MAX_STEPS, 1, 1), (1, 1, 1), (1, 1, 1)), ((MAX_STEPS, 1, 1, 1),),
                        {"hidden_size": 1})  # fmt: skip
    assert MAX_STEPS == 4096 and len(op_cost("RNN", shapes).steps) == 2 * 4096
