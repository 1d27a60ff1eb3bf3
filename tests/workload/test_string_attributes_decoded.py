"""String attributes reach the op as text: UTF-8 decoded (bytes that are not UTF-8 become the
replacement character, never an error), a list of strings as a tuple of text."""

from __future__ import annotations

from pathlib import Path

from onnx import TensorProto, helper

from accelsim.workload import import_onnx
from tests.onnx_builders import save


def test_string_and_string_list_attributes_are_text(tmp_path: Path) -> None:
    node = helper.make_node("Tag", ["x"], ["y"], name="tag", domain="com.example",
                            note="café".encode(), raw=b"a\xffb", tags=["north", "süd"])  # fmt: skip
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
    )  # fmt: skip
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    (op,) = import_onnx(save(model, tmp_path / "m.onnx"), keep_unsupported=True).ops
    assert op.attributes["note"] == "café"
    assert op.attributes["raw"] == "a\ufffdb"
    assert op.attributes["tags"] == ("north", "süd")
