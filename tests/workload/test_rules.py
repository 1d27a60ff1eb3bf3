"""Every cost rule, through the importer, against a count worked out by hand.

`CASES` is keyed by op_type; a test checks it covers every registered rule, so a new rule
cannot land untested. Output shapes are checked against onnxruntime (an independent oracle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto

from accelsim.workload import import_onnx, supported_op_types
from tests.onnx_builders import gemm, matmul, save, single_conv, single_op, weights


@dataclass(frozen=True)
class Case:
    build: Callable[[], onnx.ModelProto]
    macs: int
    vector_ops: int
    is_view: bool = False
    ops: int = 1
    """Ops the node becomes (a recurrent layer: a GEMM and a gate step per time step)."""


X234 = {"x": [2, 3, 4]}  # 24 elements
C4 = np.arange(1, 5, dtype=np.float32)


def _unary(op_type: str, opset: int = 17, **attributes: object) -> Callable[[], onnx.ModelProto]:
    return partial(single_op, op_type, ["x"], activations=X234, attributes=attributes, opset=opset)


def _binary(op_type: str) -> Callable[[], onnx.ModelProto]:
    # x (2, 3, 4) op w (4,) broadcasts to 24 output elements
    return partial(single_op, op_type, ["x", "w"], activations=X234, initializers={"w": C4})


def _with_param(op_type: str, activations: dict, param: np.ndarray, **attributes: object):
    return partial(
        single_op,
        op_type,
        ["x", "p"],
        activations=activations,
        initializers={"p": param},
        attributes=attributes,
    )


CASES: dict[str, Case] = {
    # out (1, 8, 8, 8) = 512 elements, each 3 (Cin) * 3 * 3 MACs: 512 * 27 = 13,824
    "Conv": Case(single_conv, 13_824, 0),
    # M=2, N=10, K=16: 2 * 10 * 16 = 320 MACs; bias rides in the accumulator
    "Gemm": Case(partial(gemm, m=2, k=16, n=10), 320, 0),
    # (2,3,4,5) @ (5,6) -> (2,3,4,6) = 144 outputs, K = 5: 720 MACs
    "MatMul": Case(partial(matmul, (2, 3, 4, 5), (5, 6)), 720, 0),
    # x (1, 4, 3, 3) = 36 elements, 2 ops each (multiply + add): 72
    "BatchNormalization": Case(
        partial(
            single_op,
            "BatchNormalization",
            ["x", "s", "b", "m", "v"],
            activations={"x": [1, 4, 3, 3]},
            initializers={"s": C4, "b": C4, "m": C4, "v": C4},
        ),
        0,
        72,
    ),
    "Relu": Case(_unary("Relu"), 0, 24),  # 24 compares
    # min and max: 2 compares * 24 elements = 48
    "Clip": Case(
        partial(
            single_op,
            "Clip",
            ["x", "lo", "hi"],
            activations=X234,
            initializers={"lo": np.array(0, np.float32), "hi": np.array(6, np.float32)},
        ),
        0,
        48,
    ),
    "Add": Case(_binary("Add"), 0, 24),  # 24 output elements * 1
    "Sub": Case(_binary("Sub"), 0, 24),
    "Mul": Case(_binary("Mul"), 0, 24),
    "Div": Case(_binary("Div"), 0, 24),
    "Sigmoid": Case(_unary("Sigmoid"), 0, 72),  # 3 (exp, add, divide) * 24
    "HardSigmoid": Case(_unary("HardSigmoid"), 0, 96),  # 4 (mul, add, 2 compares) * 24
    "HardSwish": Case(_unary("HardSwish"), 0, 120),  # 5 (hard sigmoid + mul) * 24
    # x (1, 2, 6, 6), 2x2 stride 2 -> (1, 2, 3, 3) = 18 outputs * (4 - 1) compares = 54
    "MaxPool": Case(
        partial(
            single_op,
            "MaxPool",
            ["x"],
            activations={"x": [1, 2, 6, 6]},
            attributes={"kernel_shape": [2, 2], "strides": [2, 2]},
        ),
        0,
        54,
    ),
    # x (1, 2, 6, 6), 3x3 stride 3 -> (1, 2, 2, 2) = 8 outputs * 9 (8 adds + 1 multiply) = 72
    "AveragePool": Case(
        partial(
            single_op,
            "AveragePool",
            ["x"],
            activations={"x": [1, 2, 6, 6]},
            attributes={"kernel_shape": [3, 3], "strides": [3, 3]},
        ),
        0,
        72,
    ),
    # x (1, 4, 5, 5) = 100 inputs: 4 outputs * (24 adds + 1 multiply) = 100
    "GlobalAveragePool": Case(
        partial(single_op, "GlobalAveragePool", ["x"], activations={"x": [1, 4, 5, 5]}), 0, 100
    ),
    # 4 outputs * (25 - 1) compares = 96
    "GlobalMaxPool": Case(
        partial(single_op, "GlobalMaxPool", ["x"], activations={"x": [1, 4, 5, 5]}), 0, 96
    ),
    # x (2, 3, 4, 5) mean over axes 2, 3: 6 outputs * (19 adds + 1 multiply) = 120
    "ReduceMean": Case(
        partial(
            single_op,
            "ReduceMean",
            ["x"],
            activations={"x": [2, 3, 4, 5]},
            attributes={"axes": [2, 3]},
        ),
        0,
        120,
    ),
    "Flatten": Case(_unary("Flatten"), 0, 0, is_view=True),
    "Reshape": Case(_with_param("Reshape", X234, np.array([6, 4], np.int64)), 0, 0, is_view=True),
    "Squeeze": Case(
        _with_param("Squeeze", {"x": [1, 3, 4]}, np.array([0], np.int64)), 0, 0, is_view=True
    ),
    "Unsqueeze": Case(_with_param("Unsqueeze", X234, np.array([0], np.int64)), 0, 0, is_view=True),
    "Identity": Case(_unary("Identity"), 0, 0, is_view=True),
    "Dropout": Case(_unary("Dropout"), 0, 0, is_view=True),
    "Transpose": Case(_unary("Transpose", perm=[2, 0, 1]), 0, 24),  # 24 copies
    # (1, 2, 4) ++ (1, 3, 4) on axis 1 -> (1, 5, 4) = 20 copies
    "Concat": Case(
        partial(
            single_op,
            "Concat",
            ["x", "x2"],
            activations={"x": [1, 2, 4], "x2": [1, 3, 4]},
            attributes={"axis": 1},
        ),
        0,
        20,
    ),
    # (1, 1, 3, 3) padded by 1 on each side of H and W -> (1, 1, 5, 5) = 25 copies
    "Pad": Case(
        _with_param("Pad", {"x": [1, 1, 3, 3]}, np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)),
        0,
        25,
    ),
    # (2, 10): 20 elements * 5 = 100
    "Softmax": Case(
        partial(single_op, "Softmax", ["x"], activations={"x": [2, 10]}, attributes={"axis": 1}),
        0,
        100,
    ),
    # 20 * 5 + 1 log per row (2 rows) = 102
    "LogSoftmax": Case(
        partial(single_op, "LogSoftmax", ["x"], activations={"x": [2, 10]}, attributes={"axis": 1}),
        0,
        102,
    ),
}


def _op(op_type: str, inputs: list[str], activations: dict, initializers: dict | None = None,
        opset: int = 17, **attributes: object) -> Callable[[], onnx.ModelProto]:  # fmt: skip
    return partial(single_op, op_type, inputs, activations=activations,
                   initializers=initializers or {}, attributes=attributes, opset=opset)  # fmt: skip


I64 = TensorProto.INT64
X2433 = {"x": [2, 4, 3, 3]}  # 72 elements, 2 samples of 4 channels


def _recurrent(op_type: str, gates: int, hidden: int = 2) -> Callable[[], onnx.ModelProto]:
    # X (T=3, B=1, I=4); W (1, gates·H, 4), R (1, gates·H, H)
    w = np.ones((1, gates * hidden, 4), np.float32) * 0.1
    r = np.ones((1, gates * hidden, hidden), np.float32) * 0.1
    return _op(op_type, ["x", "w", "r"], {"x": [3, 1, 4]}, {"w": w, "r": r}, hidden_size=hidden)


CASES.update({
    # one op per element: 24 each
    **{op: Case(_unary(op), 0, 24) for op in ("Exp", "Log", "Sqrt", "Erf", "Neg", "Abs",
                                              "Reciprocal")},
    "Cast": Case(_unary("Cast", to=TensorProto.FLOAT16), 0, 24),
    # one compare per output element of the (2, 3, 4) broadcast: 24
    **{op: Case(_binary(op), 0, 24) for op in ("Equal", "Less", "Greater", "LessOrEqual",
                                               "GreaterOrEqual", "Max", "Min")},
    # cond (2, 3, 4) bool selects x or w (4,): 24 selects
    "Where": Case(partial(single_op, "Where", ["c", "x", "w"], activations={"c": [2, 3, 4], **X234},
                          initializers={"w": C4}, types={"c": TensorProto.BOOL}), 0, 24),
    "Tanh": Case(_unary("Tanh"), 0, 120),  # 5 (mul, exp, sub, add, div) * 24
    # x ** 2: one multiply per element
    "Pow": Case(_with_param("Pow", X234, np.array(2, np.float32)), 0, 24),
    # exact GELU: x/√2, erf, +1, ·x, ·0.5 = 5 * 24
    "Gelu": Case(_op("Gelu", ["x"], X234, opset=20), 0, 120),
    # 24 elements * 7 + 6 rows (2·3, normalised over the last axis) * 5 = 168 + 30
    "LayerNormalization": Case(
        _op("LayerNormalization", ["x", "s", "b"], X234, {"s": C4, "b": C4}), 0, 198
    ),
    # 72 elements * 7 + (2 samples · 2 groups) * 5 = 504 + 20
    "GroupNormalization": Case(
        partial(single_op, "GroupNormalization", ["x", "s", "b"], activations=X2433,
                initializers={"s": C4, "b": C4}, opset=21, attributes={"num_groups": 2},
                output_dims={"y": X2433["x"]}),  # ONNX infers no shape for it
        0, 524,
    ),  # fmt: skip
    # 72 * 7 + (2 samples · 4 channels) * 5 = 504 + 40
    "InstanceNormalization": Case(
        _op("InstanceNormalization", ["x", "s", "b"], X2433, {"s": C4, "b": C4}), 0, 544
    ),
    # embedding: table (10, 4) looked up by ids (2, 3) -> (2, 3, 4): 24 copies
    "Gather": Case(partial(single_op, "Gather", ["w", "ids"], activations={"ids": [2, 3]},
                           initializers={"w": weights((10, 4))}, types={"ids": I64}), 0, 24),
    # x[:, :, ::-2] on (2, 3, 4): indices 3, 1 -> (2, 3, 2) = 12 copies
    "Slice": Case(_op("Slice", ["x", "s", "e", "a", "t"], X234, {
        "s": np.array([-1], np.int64), "e": np.array([-1000], np.int64),
        "a": np.array([2], np.int64), "t": np.array([-2], np.int64)}), 0, 12),  # fmt: skip
    # opset 18 num_outputs=2 on axis 2: y (2, 3, 2) is used, z is not: 12 copies
    "Split": Case(partial(single_op, "Split", ["x"], activations=X234, outputs=("y", "z"),
                          attributes={"axis": 2, "num_outputs": 2}, opset=18), 0, 12),
    # (3, 1) broadcast to (2, 3, 4): 24 copies
    "Expand": Case(_with_param("Expand", {"x": [3, 1]}, np.array([2, 3, 4], np.int64)), 0, 24),
    # (2, 3, 4) tiled (1, 2, 1) -> (2, 6, 4): 48 copies
    "Tile": Case(_with_param("Tile", X234, np.array([1, 2, 1], np.int64)), 0, 48),
    # (1, 1, 2, 2) -> (1, 1, 4, 4) bilinear: 16 outputs * 3 interpolations * 3 ops = 144
    "Resize": Case(_op("Resize", ["x", "", "s"], {"x": [1, 1, 2, 2]},
                       {"s": np.array([1, 1, 2, 2], np.float32)}, mode="linear"), 0, 144),
    # (2, 3, 4, 5) over axes 2, 3: 6 outputs * (20 - 1) adds = 120 - 6
    "ReduceSum": Case(_with_param("ReduceSum", {"x": [2, 3, 4, 5]}, np.array([2, 3], np.int64)),
                      0, 114),
    "ReduceMax": Case(_unary("ReduceMax", axes=[2]), 0, 18),  # 6 outputs * (4 - 1) compares
    "ReduceMin": Case(_unary("ReduceMin", axes=[2]), 0, 18),
    # batched product "bij,bjk->bik", b=2, i=3, j=4, k=5: 2·3·4·5 = 120 MACs
    "Einsum": Case(_op("Einsum", ["x", "w"], X234, {"w": weights((2, 4, 5))},
                       equation="bij,bjk->bik"), 120, 0),
    # (1, 4, 8, 8) through a (4, 2, 3, 3) kernel: 256 input pixels * 2 * 9 = 4,608 MACs
    "ConvTranspose": Case(_op("ConvTranspose", ["x", "w"], {"x": [1, 4, 8, 8]},
                              {"w": weights((4, 2, 3, 3))}), 4_608, 0),
    # T=3 steps, H=2, I=4; per step GEMM 4H·(I + H) = 8·6 = 48 MACs, gates 23·H = 46
    "LSTM": Case(_recurrent("LSTM", 4), 144, 138, ops=6),
    # per step 3H·(I + H) = 6·6 = 36 MACs, gates 17·2 = 34
    "GRU": Case(_recurrent("GRU", 3), 108, 102, ops=6),
    # per step H·(I + H) = 2·6 = 12 MACs, tanh 5·2 = 10
    "RNN": Case(_recurrent("RNN", 1), 36, 30, ops=6),
})  # fmt: skip


def test_every_registered_rule_has_a_case() -> None:
    from tests.workload.test_rules_more import METADATA_OPS, MORE_CASES

    assert sorted({*CASES, *MORE_CASES, *METADATA_OPS}) == list(supported_op_types())


@pytest.mark.parametrize("op_type", sorted(CASES))
def test_rule_counts_match_hand_derivation(op_type: str, tmp_path: Path) -> None:
    case = CASES[op_type]
    graph = import_onnx(save(case.build(), tmp_path / "m.onnx"))
    ops = graph.ops
    assert (ops[-1].op_type, len(ops), any(op.is_view for op in ops)) == (
        op_type, case.ops, case.is_view
    )  # fmt: skip
    assert (sum(op.macs for op in ops), sum(op.vector_ops for op in ops)) == (
        case.macs, case.vector_ops
    )  # fmt: skip


@pytest.mark.parametrize("op_type", sorted(CASES))
def test_output_shape_matches_onnxruntime(op_type: str, tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    model = CASES[op_type].build()
    path = save(model, tmp_path / "m.onnx")
    graph = import_onnx(path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    draw = {
        "tensor(float)": lambda shape: rng.standard_normal(shape).astype(np.float32),
        "tensor(int64)": lambda shape: rng.integers(0, 3, shape),
        "tensor(bool)": lambda shape: rng.integers(0, 2, shape).astype(bool),
    }
    feeds = {i.name: draw[i.type](i.shape) for i in session.get_inputs()}
    (result,) = session.run(None, feeds)
    assert graph.tensor(graph.outputs[0]).shape == result.shape
