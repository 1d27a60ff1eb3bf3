"""Every cost rule's count against its closed form over random shapes (a fixed seed), and each
validation at its bound: one value accepted, the next refused. A single case per op cannot see a
dropped factor that happens to be 1 in that case (Cin/group, a batch of 1, a 1-wide window);
random shapes make every factor count."""

from __future__ import annotations

import math
import random

import pytest

from accelsim.workload.costs import InvalidNode, NodeShapes, find_rule, op_cost
from accelsim.workload.rules._window import resolve_window

SEED = 19
CASES = 60


def _cost(op: str, inputs, outputs, opset: int = 17, **attributes):  # type: ignore[no-untyped-def]
    return op_cost(op, NodeShapes(tuple(inputs), tuple(outputs), attributes, opset))


def _resolved(op: str, inputs, outputs, opset: int = 17, **attributes):  # type: ignore[no-untyped-def]
    rule = find_rule(op)
    assert rule is not None
    return rule.resolved(NodeShapes(tuple(inputs), tuple(outputs), attributes, opset)).attributes


def _dims(rng: random.Random, count: int, low: int = 2, high: int = 7) -> tuple[int, ...]:
    return tuple(rng.randint(low, high) for _ in range(count))


# --- sliding windows ------------------------------------------------------------------------------


def _out(size: int, k: int, s: int, d: int, begin: int, end: int) -> int:
    """ONNX Conv output length: floor((in + pads - ((k - 1)·d + 1)) / s) + 1."""
    return (size + begin + end - ((k - 1) * d + 1)) // s + 1


def test_same_pads_give_ceil_of_input_over_stride_with_the_odd_pixel_placed() -> None:
    rng = random.Random(SEED)
    for _ in range(400):
        rank = rng.randint(1, 3)
        spatial = _dims(rng, rank, 1, 20)
        kernel, strides, dilations = _dims(rng, rank, 1, 5), _dims(rng, rank, 1, 4), \
            _dims(rng, rank, 1, 3)  # fmt: skip
        for mode in ("SAME_UPPER", "SAME_LOWER"):
            got = resolve_window(
                NodeShapes(((1, 1, *spatial),), (), {"auto_pad": mode, "strides": strides,
                                                     "dilations": dilations}),
                kernel,
            )  # fmt: skip
            pads = got["pads"]
            assert isinstance(pads, tuple) and len(pads) == 2 * rank
            assert got["auto_pad"] == "NOTSET"
            assert (got["strides"], got["dilations"]) == (strides, dilations)
            for axis in range(rank):
                begin, end = pads[axis], pads[rank + axis]
                size, k, s, d = spatial[axis], kernel[axis], strides[axis], dilations[axis]
                # the spec's SAME: output = ceil(input / stride), with the least padding
                assert _out(size, k, s, d, begin, end) == -(-size // s), (size, k, s, d, pads)
                total = begin + end
                assert total == max(0, (-(-size // s) - 1) * s + (k - 1) * d + 1 - size)
                extra = end - begin if mode == "SAME_UPPER" else begin - end
                assert extra == total % 2


def test_same_padding_counts_the_dilated_kernel() -> None:
    # in 7, k 3, d 3: the kernel spans 7; SAME at stride 1 needs 6 pads (3 each side)
    got = resolve_window(NodeShapes(((1, 1, 7),), (), {"auto_pad": "SAME_UPPER",
                                                       "dilations": [3]}), (3,))  # fmt: skip
    assert got["pads"] == (3, 3)
    # SAME_LOWER with an odd total: 5 pads (in 6, k 6, s 1): 3 at the start, 2 at the end
    got = resolve_window(NodeShapes(((1, 1, 6),), (), {"auto_pad": "SAME_LOWER"}), (6,))
    assert got["pads"] == (3, 2)
    got = resolve_window(NodeShapes(((1, 1, 6),), (), {"auto_pad": "SAME_UPPER"}), (6,))
    assert got["pads"] == (2, 3)


def test_window_defaults_and_valid() -> None:
    shapes = NodeShapes(((1, 1, 9, 9),), (), {"pads": [1, 2, 3, 4], "auto_pad": "VALID"})
    assert resolve_window(shapes, (3, 3))["pads"] == (0, 0, 0, 0)
    shapes = NodeShapes(((1, 1, 9, 9),), (), {"pads": [1, 2, 3, 4]})
    got = resolve_window(shapes, (3, 3))
    assert got == {"kernel_shape": (3, 3), "strides": (1, 1), "pads": (1, 2, 3, 4),
                   "dilations": (1, 1), "auto_pad": "NOTSET"}  # fmt: skip
    assert resolve_window(NodeShapes(((1, 1, 9, 9, 9),), (), {}), (3, 3, 3))["pads"] == (0,) * 6


# --- matrix ops -----------------------------------------------------------------------------------


def test_conv_macs_are_outputs_times_input_channels_per_group_times_kernel() -> None:
    rng = random.Random(SEED)
    for _ in range(CASES):
        rank = rng.randint(1, 3)
        group = rng.choice([1, 1, 2, 3, 4])
        per_group_in, per_group_out = rng.randint(1, 5), rng.randint(1, 4)
        batch = rng.randint(1, 3)
        kernel = _dims(rng, rank, 1, 4)
        out = (batch, group * per_group_out, *_dims(rng, rank, 1, 9))
        data = (batch, group * per_group_in, *_dims(rng, rank, 4, 12))
        weight = (group * per_group_out, per_group_in, *kernel)
        cost = _cost("Conv", [data, weight], [out], group=group)
        assert cost.macs == math.prod(out) * per_group_in * math.prod(kernel)
        assert cost.vector_ops == 0


def test_conv_group_checks_at_their_bounds() -> None:
    data, out = (1, 4, 8, 8), (1, 6, 8, 8)
    assert _cost("Conv", [data, (6, 2, 3, 3)], [out], group=2).macs == 6 * 64 * 2 * 9
    with pytest.raises(ValueError, match="group 0 must be >= 1"):
        _cost("Conv", [data, (6, 4, 3, 3)], [out], group=0)
    with pytest.raises(ValueError, match="input channels must equal weight dimension 1 x group"):
        _cost("Conv", [data, (6, 3, 3, 3)], [out], group=2)
    with pytest.raises(ValueError, match="7 output channels do not split into 2 groups"):
        _cost("Conv", [data, (7, 2, 3, 3)], [(1, 7, 8, 8)], group=2)
    with pytest.raises(ValueError, match="do not match"):
        _cost("Conv", [data, (6, 4, 3)], [out])  # weight rank under the data's


def test_conv_transpose_macs_scatter_each_input_onto_its_groups_outputs() -> None:
    rng = random.Random(SEED + 1)
    for _ in range(CASES):
        rank = rng.randint(1, 3)
        group = rng.choice([1, 2, 3])
        cin, per_group_out = group * rng.randint(1, 4), rng.randint(1, 4)
        data = (rng.randint(1, 3), cin, *_dims(rng, rank, 1, 6))
        kernel = _dims(rng, rank, 1, 4)
        weight = (cin, per_group_out, *kernel)
        cost = _cost("ConvTranspose", [data, weight], [(1,)], group=group)
        assert cost.macs == math.prod(data) * per_group_out * math.prod(kernel)


def test_conv_transpose_checks_at_their_bounds() -> None:
    data, weight = (1, 4, 5, 5), (4, 3, 3, 3)
    ok = _cost("ConvTranspose", [data, weight], [(1,)], strides=[2, 2], output_padding=[1, 1])
    assert ok.macs == 100 * 3 * 9
    bad = [
        ({"strides": [2, 2], "output_padding": [2, 0]}, "output_padding"),
        ({"output_padding": [0, -1], "strides": [2, 2]}, "output_padding"),
        ({"output_padding": [1, 0]}, "output_padding"),  # stride 1: only 0 is below it
        ({"pads": [0, 0, 0, -1]}, "pads"),
        ({"strides": [1, 0]}, "strides"),
        ({"dilations": [0, 1]}, "dilations"),
        # the weight (4, 3, 3, 3) has a 3x3 kernel: its dims after the two channel counts
        ({"kernel_shape": [3, 2]}, r"^kernel_shape \[3, 2\] is not the weight's 3x3$"),
        ({"group": 0}, "group 0"),
        ({"group": 3}, "group 3"),  # 4 channels do not divide into 3 groups
    ]
    for attributes, word in bad:
        with pytest.raises(InvalidNode, match=word):
            _cost("ConvTranspose", [data, weight], [(1,)], **attributes)
    assert _cost("ConvTranspose", [data, weight], [(1,)], pads=[0, 0, 0, 0]).macs == 2700
    assert _cost("ConvTranspose", [data, (4, 3, 3, 3)], [(1,)], group=4).macs == 2700
    with pytest.raises(InvalidNode, match="do not match"):
        _cost("ConvTranspose", [data, (5, 3, 3, 3)], [(1,)])


def test_gemm_macs_are_m_n_k_with_either_transpose() -> None:
    rng = random.Random(SEED + 2)
    for _ in range(CASES):
        m, n, k = _dims(rng, 3, 1, 40)
        trans_a, trans_b = rng.randint(0, 1), rng.randint(0, 1)
        a = (k, m) if trans_a else (m, k)
        b = (n, k) if trans_b else (k, n)
        cost = _cost("Gemm", [a, b, (n,)], [(m, n)], transA=trans_a, transB=trans_b)
        assert (cost.macs, cost.vector_ops) == (m * n * k, 0)


def test_matmul_counts_every_broadcast_batch() -> None:
    rng = random.Random(SEED + 3)
    for _ in range(CASES):
        m, n, k, b1, b2 = _dims(rng, 5, 1, 9)
        a, b = (b1, 1, m, k), (1, b2, k, n)
        assert _cost("MatMul", [a, b], [(b1, b2, m, n)]).macs == b1 * b2 * m * n * k
        assert _cost("MatMul", [(k,), (k, n)], [(n,)]).macs == n * k


def test_einsum_macs_are_the_product_of_every_label() -> None:
    rng = random.Random(SEED + 4)
    for _ in range(CASES):
        b, i, j, d = _dims(rng, 4, 2, 6)
        cost = _cost("Einsum", [(b, i, d), (b, j, d)], [(b, i, j)], equation="bid,bjd->bij")
        assert cost.macs == b * i * j * d
        # a label summed away in both inputs still counts once
        cost = _cost("Einsum", [(i, d), (d, j), (j, b)], [(i, b)], equation="id,dj,jb->ib")
        assert cost.macs == i * d * j * b
        one = _cost("Einsum", [(i, j)], [(j, i)], equation="ij->ji")
        assert (one.macs, one.vector_ops) == (0, i * j)


# --- vector ops -----------------------------------------------------------------------------------


def test_pool_counts_over_random_windows() -> None:
    rng = random.Random(SEED + 5)
    for _ in range(CASES):
        kernel = _dims(rng, 2, 1, 4)
        data = (rng.randint(1, 3), rng.randint(1, 5), *_dims(rng, 2, 5, 12))
        out = (*data[:2], *_dims(rng, 2, 1, 5))
        window, outputs, inputs = math.prod(kernel), math.prod(out), math.prod(data)
        assert _cost("MaxPool", [data], [out], kernel_shape=kernel).vector_ops == \
            outputs * (window - 1)  # fmt: skip
        assert _cost("AveragePool", [data], [out], kernel_shape=kernel).vector_ops == \
            outputs * window  # fmt: skip
        pooled = (*data[:2], 1, 1)
        assert _cost("GlobalAveragePool", [data], [pooled]).vector_ops == inputs
        assert _cost("GlobalMaxPool", [data], [pooled]).vector_ops == inputs - data[0] * data[1]


def test_ceil_mode_drops_a_last_window_starting_at_or_past_the_input() -> None:
    rule = find_rule("MaxPool")
    assert rule is not None and rule.output_shape is not None

    def shape(size: int, k: int, s: int, begin: int, inferred: int) -> int:
        shapes = rule.resolved(NodeShapes(((1, 1, size),), ((1, 1, inferred),),
                                          {"kernel_shape": [k], "strides": [s], "ceil_mode": 1,
                                           "pads": [begin, 0]}))  # fmt: skip
        return rule.output_shape(shapes)[2]  # type: ignore[misc]

    # in 3, k 1, s 3: ONNX inference ceil((3 - 1) / 3) + 1 = 2; the 2nd window starts at 3 =
    # the input's end: onnxruntime gives 1
    assert shape(3, 1, 3, 0, 2) == 1
    # in 4: the 2nd window starts at 3 < 4: kept
    assert shape(4, 1, 3, 0, 2) == 2
    # a begin pad of 1 shifts the input's end to 4: a window at 3 is kept
    assert shape(3, 1, 3, 1, 2) == 2
    # without ceil_mode the inferred shape stands
    plain = NodeShapes(((1, 1, 3),), ((1, 1, 2),), {"kernel_shape": [1], "strides": [3]})
    assert rule.output_shape(rule.resolved(plain)) == (1, 1, 2)


def test_reductions_over_random_axes() -> None:
    rng = random.Random(SEED + 6)
    for _ in range(CASES):
        data = _dims(rng, rng.randint(1, 4), 1, 6)
        rank = len(data)
        axes = sorted(rng.sample(range(rank), rng.randint(1, rank)))
        negative = [axis - rank if rng.random() < 0.5 else axis for axis in axes]
        out = tuple(1 if axis in axes else size for axis, size in enumerate(data))
        got = _resolved("ReduceSum", [data], [out], axes=negative)
        assert got["axes"] == tuple(axes) and got["keepdims"] == 1
        inputs, outputs = math.prod(data), math.prod(out)
        for op in ("ReduceSum", "ReduceMax", "ReduceMin"):
            assert _cost(op, [data], [out], axes=negative).vector_ops == inputs - outputs
        assert _cost("ReduceMean", [data], [out], axes=negative).vector_ops == inputs
    assert _resolved("ReduceMean", [(2, 3, 4)], [(1, 1, 1)])["axes"] == (0, 1, 2)
    assert _resolved("ReduceMean", [(2, 3, 4)], [(2, 3)], keepdims=0)["keepdims"] == 0
    assert _resolved("ReduceMean", [(2, 3, 4)], [(2, 3, 1)], axes=-1)["axes"] == (2,)
    assert _resolved("ReduceMean", [(2, 3, 4)], [(1, 3, 4)], axes=[-3])["axes"] == (0,)
    for axes in ([3], [-4], [1, -2]):
        with pytest.raises(InvalidNode, match="axes"):
            _resolved("ReduceMean", [(2, 3, 4)], [(1,)], axes=axes)


def test_softmax_and_log_softmax_rows_over_random_shapes() -> None:
    rng = random.Random(SEED + 7)
    for _ in range(CASES):
        data = _dims(rng, rng.randint(2, 4), 1, 6)
        rank = len(data)
        axis = rng.randint(-rank, rank - 1)
        elements = math.prod(data)
        assert _cost("Softmax", [data], [data], axis=axis).vector_ops == 5 * elements
        # opset 13+: one row per element of every other axis
        rows = elements // data[axis]
        assert _cost("LogSoftmax", [data], [data], axis=axis).vector_ops == 5 * elements + rows
        # before 13: 2-D at `axis`, a row per element of the dims before it
        rows = math.prod(data[: axis % rank])
        assert _cost("LogSoftmax", [data], [data], opset=11, axis=axis).vector_ops == \
            5 * elements + rows  # fmt: skip
    # defaults: -1 from opset 13 (rows 2 x 3), 1 before (rows 2)
    assert _cost("LogSoftmax", [(2, 3, 4)], [(2, 3, 4)]).vector_ops == 120 + 6
    assert _cost("LogSoftmax", [(2, 3, 4)], [(2, 3, 4)], opset=12).vector_ops == 120 + 2
    for axis in (3, -4):
        with pytest.raises(InvalidNode, match="out of range"):
            _cost("Softmax", [(2, 3, 4)], [(2, 3, 4)], axis=axis)
    assert _resolved("Softmax", [(2, 3, 4)], [(2, 3, 4)], axis=-3)["axis"] == 0
    assert _resolved("Softmax", [(2, 3, 4)], [(2, 3, 4)], axis=2)["axis"] == 2


def test_normalizations_over_random_shapes() -> None:
    rng = random.Random(SEED + 8)
    for _ in range(CASES):
        data = _dims(rng, rng.randint(2, 4), 1, 6)
        rank, elements = len(data), math.prod(data)
        axis = rng.randint(-rank, rank - 1)
        normalised = data[axis % rank:]
        groups = math.prod(data[: axis % rank])
        cost = _cost("LayerNormalization", [data, normalised, normalised], [data], axis=axis)
        assert cost.vector_ops == 7 * elements + 5 * groups
        instance = _cost("InstanceNormalization", [data, (data[1],), (data[1],)], [data])
        assert instance.vector_ops == 7 * elements + 5 * data[0] * data[1]
        count = rng.randint(1, 4)
        grouped = _cost("GroupNormalization", [data], [data], num_groups=count)
        assert grouped.vector_ops == 7 * elements + 5 * data[0] * count
    # default axis -1: a row per element of the other dims (2 x 3)
    assert _cost("LayerNormalization", [(2, 3, 4), (4,)], [(2, 3, 4)]).vector_ops == 168 + 30
    with pytest.raises(InvalidNode, match="scale"):
        _cost("LayerNormalization", [(2, 3, 4), (3, 4)], [(2, 3, 4)])
    with pytest.raises(InvalidNode, match="bias"):
        _cost("LayerNormalization", [(2, 3, 4), (4,), (5,)], [(2, 3, 4)])
    with pytest.raises(InvalidNode, match="out of range"):
        _cost("LayerNormalization", [(2, 3, 4), (4,)], [(2, 3, 4)], axis=3)
    # the whole trailing dims (axis 1: 3 x 4 = 12 values, given as one dim of 12)
    assert _cost("LayerNormalization", [(2, 3, 4), (12,)], [(2, 3, 4)], axis=1).vector_ops == \
        168 + 10  # fmt: skip


@pytest.mark.parametrize(
    ("op", "per_element", "attributes"),
    [
        ("Relu", 1, {}), ("Add", 1, {}), ("Sub", 1, {}), ("Mul", 1, {}), ("Div", 1, {}),
        ("Sigmoid", 3, {}), ("HardSigmoid", 4, {}), ("HardSwish", 5, {}),
        ("BatchNormalization", 2, {}), ("Exp", 1, {}), ("Tanh", 5, {}), ("Where", 1, {}),
        ("Max", 1, {}), ("Equal", 1, {}), ("Gelu", 5, {}), ("Gelu", 13, {"approximate": "tanh"}),
        ("Pow", 1, {"exponent": 2}), ("Pow", 7, {"exponent": 8}), ("Pow", 3, {"exponent": 9}),
        ("Pow", 3, {"exponent": 1}), ("Pow", 3, {"exponent": 2.5}), ("Pow", 3, {}),
        ("Clip", 0, {}), ("Clip", 1, {"min": 0.0}), ("Clip", 1, {"max": 6.0}),
        ("Clip", 2, {"min": 0.0, "max": 6.0}),
    ],
)  # fmt: skip
def test_element_wise_ops_count_output_elements(op, per_element, attributes) -> None:
    rng = random.Random(SEED + 9)
    for _ in range(10):
        out = _dims(rng, rng.randint(1, 4), 1, 7)
        small = (1,) * len(out)  # a broadcast input: the count follows the output
        inputs = [out] if op == "Clip" else [out, small]  # Clip's 2nd input is its min
        assert _cost(op, inputs, [out], **attributes).vector_ops == \
            per_element * math.prod(out)  # fmt: skip


def test_clip_bounds_given_as_inputs_count_like_attributes() -> None:
    out = (3, 5)
    assert _cost("Clip", [out, (), ()], [out]).vector_ops == 30  # min and max inputs: 2 x 15
    assert _cost("Clip", [out, None, ()], [out]).vector_ops == 15  # max only
    assert _cost("Clip", [out, ()], [out]).vector_ops == 15  # min only


def test_the_softmax_axis_default_changes_at_opset_13_exactly() -> None:
    # (2, 3, 4): opset 13 rows over the last axis (2 x 3 = 6 logs), opset 12 everything from
    # axis 1 (2 rows)
    assert _cost("LogSoftmax", [(2, 3, 4)], [(2, 3, 4)], opset=13).vector_ops == 120 + 6
    assert _resolved("Softmax", [(2, 3, 4)], [(2, 3, 4)], opset=13)["axis"] == 2
    assert _resolved("Softmax", [(2, 3, 4)], [(2, 3, 4)], opset=12)["axis"] == 1


def test_an_implicit_einsum_output_is_the_labels_used_once_in_order() -> None:
    rule = find_rule("Einsum")
    assert rule is not None and rule.output_shape is not None

    def shape(equation: str, inputs: list[tuple[int, ...]], rank: int) -> tuple[int, ...]:
        shapes = NodeShapes(tuple(inputs), ((0,) * rank,), {"equation": equation})
        return rule.output_shape(shapes)  # type: ignore[misc]

    # "kj,ji": j appears twice (summed); k and i once, output in alphabetical order "ik"
    assert shape("kj,ji", [(2, 3), (3, 5)], 2) == (5, 2)
    # "ij,jk": i k
    assert shape("ij,jk", [(2, 3), (3, 5)], 2) == (2, 5)
    # "ii": a trace, no label once: a scalar
    assert shape("ii", [(4, 4)], 0) == ()


# --- recurrent, reductions beyond pooling, the rest of the vector ops -----------------------------

RECURRENT = {"LSTM": (4, 23), "GRU": (3, 17), "RNN": (1, 5)}  # gate GEMMs, ops a hidden unit


@pytest.mark.parametrize("op", list(RECURRENT))
def test_a_recurrence_over_random_sizes(op) -> None:
    gates, per_unit = RECURRENT[op]
    rng = random.Random(SEED + 10)
    for _ in range(20):
        steps, batch, features, hidden = _dims(rng, 4, 1, 6)
        bidirectional = rng.random() < 0.5
        directions = 2 if bidirectional else 1
        layout = rng.randint(0, 1)
        x = (batch, steps, features) if layout else (steps, batch, features)
        w = (directions, gates * hidden, features)
        r = (directions, gates * hidden, hidden)
        attributes = {"layout": layout, "hidden_size": hidden}
        if bidirectional:
            attributes["direction"] = "bidirectional"
        cost = _cost(op, [x, w, r], [(1,)], **attributes)
        macs = directions * batch * gates * hidden * (features + hidden)  # [x, h] x W;R stacked
        ops = directions * batch * hidden * per_unit
        assert (cost.macs, cost.vector_ops) == (steps * macs, steps * ops)
        assert len(cost.steps) == 2 * steps
        gemm, gate = cost.steps[0], cost.steps[1]
        assert (gemm.op_type, gemm.macs, gemm.vector_ops, gemm.weights) == ("MatMul", macs, 0, True)
        assert gemm.output == (directions, batch, gates * hidden)
        assert (gate.op_type, gate.macs, gate.vector_ops, gate.weights) == (op, 0, ops, False)
        assert gate.output == (directions, batch, hidden)


def test_recurrent_weights_must_fit_each_other() -> None:
    x, w, r = (5, 2, 3), (1, 16, 3), (1, 16, 4)  # LSTM, hidden 4
    assert _cost("LSTM", [x, w, r], [(1,)]).macs == 5 * 2 * 16 * 7
    for bad in (
        [x, (1, 15, 3), (1, 15, 4)],  # 15 rows do not split into 4 gates
        [x, w, (1, 16, 5)],  # R's last dim is not H
        [x, (1, 16, 2), r],  # W's input features differ from x's
        [x, (2, 16, 3), (2, 16, 4)],  # two directions, direction forward
        [x, (2, 16, 3), r],  # W of two directions, R of one
    ):
        with pytest.raises(InvalidNode, match="do not fit"):
            _cost("LSTM", bad, [(1,)])
    with pytest.raises(InvalidNode, match="hidden_size 5"):
        _cost("LSTM", [x, w, r], [(1,)], hidden_size=5)
    with pytest.raises(InvalidNode, match="do not fit 2 direction"):
        _cost("LSTM", [x, w, r], [(1,)], direction="bidirectional")
    assert _cost("LSTM", [(4096, 1, 3), w, r], [(1,)]).macs == 4096 * 16 * 7
    with pytest.raises(ValueError, match="4,097 time steps, over the limit of 4,096"):
        _cost("LSTM", [(4097, 1, 3), w, r], [(1,)])
    with pytest.raises(ValueError, match="4,097 time steps"):
        _cost("LSTM", [(1, 4097, 3), w, r], [(1,)], layout=1)


def test_reductions_beyond_pooling_over_random_axes() -> None:
    rng = random.Random(SEED + 11)
    for _ in range(CASES):
        data = _dims(rng, rng.randint(1, 4), 1, 6)
        rank = len(data)
        axis = rng.randrange(rank)
        out = tuple(1 if a == axis else size for a, size in enumerate(data))
        n, m = math.prod(data), math.prod(out)
        assert _cost("ReduceL1", [data], [out], axes=[axis]).vector_ops == 2 * n - m
        assert _cost("ReduceL2", [data], [out], axes=[axis]).vector_ops == 2 * n
        assert _cost("ReduceLogSumExp", [data], [out], axes=[axis]).vector_ops == 2 * n
        assert _cost("ReduceProd", [data], [out], axes=[axis]).vector_ops == n - m
        assert _cost("ArgMax", [data], [out], axis=axis - rank).vector_ops == n - m
        assert _resolved("ArgMin", [data], [out], axis=axis - rank)["axis"] == axis
        # CumSum: every element but the first of each run along the axis
        assert _cost("CumSum", [data], [data], axis=axis).vector_ops == n - n // data[axis]
        assert _cost("CumSum", [data], [data], axis=axis - rank).vector_ops == n - n // data[axis]
        assert _cost("CumSum", [data], [data]).vector_ops == n  # axis not a constant
    assert _resolved("ArgMax", [(2, 3)], [(1, 3)])["axis"] == 0
    assert _resolved("ArgMax", [(2, 3)], [(1, 3)])["keepdims"] == 1
    with pytest.raises(InvalidNode, match="out of range"):
        _cost("CumSum", [(2, 3)], [(2, 3)], axis=2)
    with pytest.raises(InvalidNode, match="out of range"):
        _cost("CumSum", [(2, 3)], [(2, 3)], axis=-3)


@pytest.mark.parametrize(
    ("op", "per_element", "attributes"),
    [
        ("Softplus", 3, {}), ("Softsign", 3, {}), ("Mish", 9, {}), ("And", 1, {}),
        ("Not", 1, {}), ("IsNaN", 1, {}), ("IsInf", 2, {}), ("IsInf", 1, {"detect_positive": 0}),
        ("IsInf", 1, {"detect_negative": 0}),
        ("IsInf", 0, {"detect_negative": 0, "detect_positive": 0}), ("Floor", 1, {}),
        ("BitShift", 1, {}), ("Mod", 4, {}), ("Shape", 0, {}), ("Size", 0, {}),
    ],
)  # fmt: skip
def test_more_element_wise_ops(op, per_element, attributes) -> None:
    out = (3, 4, 5)
    assert _cost(op, [out, (1, 1, 5)], [out], **attributes).vector_ops == per_element * 60


def test_a_rule_counts_its_first_outputs_elements_not_its_statistics() -> None:
    # LayerNormalization may also output Mean and InvStdDev, (2, 3, 1) each: the count is still
    # over Y's 24 elements, 7 x 24 + 5 x 6 = 198; MaxPool's Indices are as many as Y, and a
    # 2 x 2 window over (1, 1, 4, 4) gives (1, 1, 2, 2): 4 x 3 compares
    stats = (2, 3, 1)
    cost = _cost("LayerNormalization", [(2, 3, 4), (4,), (4,)], [(2, 3, 4), stats, stats])
    assert cost.vector_ops == 7 * 24 + 5 * 6 == 198
    pooled = _cost("MaxPool", [(1, 1, 4, 4)], [(1, 1, 2, 2), (1, 1, 2, 2)],
                   kernel_shape=(2, 2), strides=(2, 2))  # fmt: skip
    assert pooled.vector_ops == 4 * 3
