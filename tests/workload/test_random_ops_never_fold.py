"""Ops whose output is not a function of their inputs are never folded, even on constant
inputs: a Multinomial of constant logits stays an op (here costed by --unsupported=vector)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx import TensorProto, helper

from accelsim.workload import import_onnx
from tests.onnx_builders import make_model, save


def test_a_multinomial_of_constant_logits_stays_an_op(tmp_path: Path) -> None:
    nodes = [
        helper.make_node(
            "Multinomial",
            ["logits"],
            ["draws"],
            name="draw",
            sample_size=5,
            dtype=TensorProto.INT64,
        ),  # fmt: skip
        helper.make_node("Cast", ["draws"], ["drawn"], name="cast", to=TensorProto.FLOAT),
        helper.make_node("Add", ["x", "drawn"], ["y"], name="add"),
    ]
    init = {"logits": np.zeros((1, 3), np.float32)}
    model = make_model(nodes, {"x": [1, 5]}, init, ["y"])
    graph = import_onnx(save(model, tmp_path / "m.onnx"), assume_vector=True)
    assert [(op.name, op.op_type) for op in graph.ops] == [
        ("draw", "Multinomial"),
        ("cast", "Cast"),
        ("add", "Add"),
    ]
    assert graph.ops[0].vector_ops == 5  # assumed: one per output element (1 x 5 draws)
