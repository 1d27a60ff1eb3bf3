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

from accelsim.workload import import_onnx, supported_op_types
from tests.onnx_builders import gemm, matmul, save, single_conv, single_op


@dataclass(frozen=True)
class Case:
    build: Callable[[], onnx.ModelProto]
    macs: int
    vector_ops: int
    is_view: bool = False


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


def test_every_registered_rule_has_a_case() -> None:
    assert sorted(CASES) == list(supported_op_types())


@pytest.mark.parametrize("op_type", sorted(CASES))
def test_rule_counts_match_hand_derivation(op_type: str, tmp_path: Path) -> None:
    case = CASES[op_type]
    graph = import_onnx(save(case.build(), tmp_path / "m.onnx"))
    (op,) = graph.ops
    assert (op.op_type, op.macs, op.vector_ops, op.is_view) == (
        op_type,
        case.macs,
        case.vector_ops,
        case.is_view,
    )


@pytest.mark.parametrize("op_type", sorted(CASES))
def test_output_shape_matches_onnxruntime(op_type: str, tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    model = CASES[op_type].build()
    path = save(model, tmp_path / "m.onnx")
    graph = import_onnx(path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {i.name: rng.standard_normal(i.shape).astype(np.float32) for i in session.get_inputs()}
    (result,) = session.run(None, feeds)
    assert graph.tensor(graph.outputs[0]).shape == result.shape
