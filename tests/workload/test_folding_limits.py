"""The folding limit (2^20 elements) on what folding would build: a ConstantOfShape over it is
refused by name before ONNX's data propagation would build it, like a Range, and one at it is
kept; an element-wise node of computed constants is bounded by its inputs broadcast together
(a column of n plus a row of n is n x n elements, not n)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from tests.onnx_builders import save


def _saved(graph: onnx.GraphProto, tmp_path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return save(model, tmp_path / "m.onnx")


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
    return _saved(graph, tmp_path)



def _outer_sum(n: int, tmp_path: Path) -> Path:
    """y = x + (column + row) with column (n, 1) and row (1, n) made from a Range whose length
    is computed (an Add of two constants, which ONNX's data propagation leaves open), so no
    shape of the constant part is known before folding."""
    nodes = [
        helper.make_node("Add", ["half", "half"], ["limit"], name="limit"),
        helper.make_node("Range", ["zero", "limit", "one"], ["r"], name="range"),
        helper.make_node("Unsqueeze", ["r", "ax1"], ["column"], name="column"),
        helper.make_node("Unsqueeze", ["r", "ax0"], ["row"], name="row"),
        helper.make_node("Add", ["column", "row"], ["grid"], name="grid"),
        helper.make_node("Add", ["x", "grid"], ["y"], name="add"),
    ]
    init = [
        numpy_helper.from_array(np.array(n / 2, np.float32), "half"),
        numpy_helper.from_array(np.array(0, np.float32), "zero"),
        numpy_helper.from_array(np.array(1, np.float32), "one"),
        numpy_helper.from_array(np.array([1], np.int64), "ax1"),
        numpy_helper.from_array(np.array([0], np.int64), "ax0"),
    ]
    graph = helper.make_graph(
        nodes, "outer", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["a", "b"])], init,
    )  # fmt: skip
    return _saved(graph, tmp_path)



@pytest.mark.parametrize(
    ("build", "size", "node", "elements"),
    [
        (_filled, 1025, 'node "fill" (ConstantOfShape)', "1,049,600"),  # 1,025 x 1,024
        (_outer_sum, 1100, 'node "grid" (Add)', "1,210,000"),  # 1,100 x 1,100, before it is built
    ],
)
def test_a_fold_over_the_limit_is_refused_by_name(
    tmp_path: Path, build: Callable[[int, Path], Path], size: int, node: str, elements: str
) -> None:
    path = build(size, tmp_path)
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f"{path}: {node} would fold to {elements} elements, over the folding limit of 1,048,576"
    )


def test_a_fill_at_the_limit_is_a_weight(tmp_path: Path) -> None:
    # 1,024 x 1,024 = 1,048,576 elements: at the limit, kept as a constant operand of the Add
    graph = import_onnx(_filled(1024, tmp_path))
    assert [op.name for op in graph.ops] == ["add"]
    assert graph.tensor("c").kind == "weight" and graph.tensor("c").shape == (1024, 1024)


def test_an_outer_sum_under_the_limit_is_folded(tmp_path: Path) -> None:
    # 1,000 x 1,000 = 1,000,000 elements <= 2^20: folded, so y is 1,000 x 1,000
    graph = import_onnx(_outer_sum(1000, tmp_path))
    assert [op.name for op in graph.ops] == ["add"]
    assert graph.tensor("y").shape == (1000, 1000)
