"""Shape arithmetic folds however deep it goes: a model whose every layer reshapes by its own
input's shape through Shape -> Gather -> Cast -> Div -> Cast -> Unsqueeze -> Concat -> Reshape
(a Div, which ONNX's data propagation does not follow, so each layer needs one more folding
round) imports with the shapes onnxruntime gives, at any depth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.workload import import_onnx

LAYERS = 12  # more rounds than the importer allowed before (8): its Shape was then refused
WIDTH = 64


def chain(layers: int) -> onnx.ModelProto:
    """x (2, 64) -> per layer: Relu, then Reshape to (2, d/2, -1) with d its own dim 1, Flatten."""
    constants = {"one": np.array(1, np.int64), "two": np.array(2.0, np.float32),
                 "head": np.array([2], np.int64), "rest": np.array([-1], np.int64),
                 "zero": np.array([0], np.int64)}  # fmt: skip
    nodes, previous = [], "x"
    for index in range(layers):
        p = f"l{index}_"
        nodes += [
            helper.make_node("Relu", [previous], [p + "r"], name=p + "relu"),
            helper.make_node("Shape", [p + "r"], [p + "s"]),
            helper.make_node("Gather", [p + "s", "one"], [p + "d"], axis=0),
            helper.make_node("Cast", [p + "d"], [p + "df"], to=TensorProto.FLOAT),
            helper.make_node("Div", [p + "df", "two"], [p + "h"]),
            helper.make_node("Cast", [p + "h"], [p + "hi"], to=TensorProto.INT64),
            helper.make_node("Unsqueeze", [p + "hi", "zero"], [p + "hu"]),
            helper.make_node("Concat", ["head", p + "hu", "rest"], [p + "shape"], axis=0),
            helper.make_node("Reshape", [p + "r", p + "shape"], [p + "y"], name=p + "reshape"),
            helper.make_node("Flatten", [p + "y"], [p + "f"], axis=1, name=p + "flatten"),
        ]
        previous = p + "f"
    graph = helper.make_graph(
        nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, WIDTH])],
        [helper.make_tensor_value_info(previous, TensorProto.FLOAT, ["a", "b"])],
        [numpy_helper.from_array(value, name) for name, value in constants.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("layers", [1, LAYERS])
def test_deep_shape_arithmetic_folds_to_onnxruntimes_shapes(layers: int, tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    path = tmp_path / "chain.onnx"
    onnx.save(chain(layers), path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (result,) = session.run(None, {"x": np.ones((2, WIDTH), np.float32)})
    graph = import_onnx(path)
    assert graph.tensor(graph.outputs[0]).shape == result.shape == (2, WIDTH)
    # all shape arithmetic folded: Relu (64 * 2 = 128 compares) + two views per layer
    assert [op.op_type for op in graph.ops] == ["Relu", "Reshape", "Flatten"] * layers
    assert graph.tensor(f"l{layers - 1}_y").shape == (2, WIDTH // 2, 2)
    assert sum(op.vector_ops for op in graph.ops) == 2 * WIDTH * layers
