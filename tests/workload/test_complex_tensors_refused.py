"""Complex tensors are not numbers accelsim simulates: an op reading COMPLEX64 or COMPLEX128
is refused by name, in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from onnx import TensorProto, helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from tests.onnx_builders import save


@pytest.mark.parametrize("kind", ["COMPLEX64", "COMPLEX128"])
def test_an_op_on_complex_numbers_is_refused(tmp_path: Path, kind: str) -> None:
    element = getattr(TensorProto, kind)
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"], name="id")], "g",
        [helper.make_tensor_value_info("x", element, [4])],
        [helper.make_tensor_value_info("y", element, [4])],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = save(model, tmp_path / "m.onnx")
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f'{path}: node "id" (Identity): tensor "x" holds {kind} elements; accelsim simulates '
        "numeric tensors only"
    )
