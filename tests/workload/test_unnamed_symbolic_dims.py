"""A dimension with neither a value nor a name is shown as "?" in the one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest
from onnx import TensorProto, helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from tests.onnx_builders import save


def _relu(dims: list[object], tmp_path: Path) -> Path:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "g", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return save(model, tmp_path / "m.onnx")


def test_an_unnamed_batch_dimension_is_shown_as_a_question_mark(tmp_path: Path) -> None:
    path = _relu([None, 4], tmp_path)
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == f'{path}: input "x" has symbolic dimension "?"; pass --batch N'


def test_an_unnamed_later_dimension_is_shown_as_a_question_mark(tmp_path: Path) -> None:
    path = _relu([2, None], tmp_path)
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path, batch=2)
    assert str(caught.value) == (
        f'{path}: input "x" dimension 1 is symbolic ("?"); only the batch (first) dimension '
        "can be set, with --batch"
    )
