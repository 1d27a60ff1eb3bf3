"""The folding limit bounds an element-wise node of computed constants by its inputs broadcast
together: a column of n plus a row of n is n x n elements, not n."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from tests.onnx_builders import save


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
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return save(model, tmp_path / "m.onnx")


def test_an_outer_sum_over_the_limit_is_refused_by_its_broadcast_size(tmp_path: Path) -> None:
    # 1,100 x 1,100 = 1,210,000 elements > 2^20 = 1,048,576: refused before it is built
    path = _outer_sum(1100, tmp_path)
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f'{path}: node "grid" (Add) would fold to 1,210,000 elements, over the folding limit '
        "of 1,048,576"
    )


def test_an_outer_sum_under_the_limit_is_folded(tmp_path: Path) -> None:
    # 1,000 x 1,000 = 1,000,000 elements <= 2^20: folded, so y is 1,000 x 1,000
    graph = import_onnx(_outer_sum(1000, tmp_path))
    assert [op.name for op in graph.ops] == ["add"]
    assert graph.tensor("y").shape == (1000, 1000)
