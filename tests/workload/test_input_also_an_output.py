"""A graph input that is also listed as a graph output stays an input (it is given, never
written); the op's result is the output."""

from __future__ import annotations

from pathlib import Path

from onnx import TensorProto, helper

from accelsim.workload import import_onnx
from tests.onnx_builders import save


def test_an_input_passed_through_as_an_output_is_an_input(tmp_path: Path) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
    relu = helper.make_node("Relu", ["x"], ["y"], name="relu")
    model = helper.make_model(helper.make_graph([relu], "g", [x], [y, x]),
                              opset_imports=[helper.make_opsetid("", 17)])  # fmt: skip
    model.ir_version = 8
    graph = import_onnx(save(model, tmp_path / "m.onnx"))
    assert {name: tensor.kind for name, tensor in graph.tensors.items()} == {
        "x": "input",
        "y": "output",
    }
    assert graph.outputs == ("y", "x")
