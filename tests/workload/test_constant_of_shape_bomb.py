"""A ConstantOfShape whose output is over the folding limit (2^20 elements) is refused by name
before ONNX's data propagation would build it, like a Range; one at the limit is kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from tests.onnx_builders import save


def _filled(rows: int, tmp_path: Path) -> Path:
    """y = x + ConstantOfShape([rows, 1024]), x of rows x 1024, built by hand (no inference)."""
    nodes = [
        helper.make_node("ConstantOfShape", ["shape"], ["c"], name="fill"),
        helper.make_node("Add", ["x", "c"], ["y"], name="add"),
    ]
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], np.array([rows, 1024]))
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, 1024])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, 1024])], [shape],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return save(model, tmp_path / "m.onnx")


def test_a_fill_over_the_limit_is_refused_by_name(tmp_path: Path) -> None:
    # 1,025 x 1,024 = 1,049,600 elements > 1,048,576
    path = _filled(1025, tmp_path)
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f'{path}: node "fill" (ConstantOfShape) would fold to 1,049,600 elements, over the '
        "folding limit of 1,048,576"
    )


def test_a_fill_at_the_limit_is_a_weight(tmp_path: Path) -> None:
    # 1,024 x 1,024 = 1,048,576 elements: at the limit, kept as a constant operand of the Add
    graph = import_onnx(_filled(1024, tmp_path))
    assert [op.name for op in graph.ops] == ["add"]
    assert graph.tensor("c").kind == "weight" and graph.tensor("c").shape == (1024, 1024)
