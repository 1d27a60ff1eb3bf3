"""A model that imports no version of the default ONNX domain (only its own ops) reports opset
1, the version ONNX assumes then; its ops are listed, unmodelled, by `keep_unsupported`."""

from __future__ import annotations

from pathlib import Path

from onnx import TensorProto, helper

from accelsim.workload import import_onnx
from tests.onnx_builders import save


def test_a_model_without_the_default_domain_reports_opset_1(tmp_path: Path) -> None:
    node = helper.make_node("Foo", ["x"], ["y"], name="foo", domain="com.example")
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("com.example", 1)])
    model.ir_version = 8
    graph_read = import_onnx(save(model, tmp_path / "m.onnx"), keep_unsupported=True)
    assert graph_read.metadata["opset"] == "1"
    assert [(op.name, op.op_type) for op in graph_read.ops] == [("foo", "com.example.Foo")]
