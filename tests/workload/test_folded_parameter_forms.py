"""A constant parameter input becomes an attribute in the form the model gives it: a rank-0
tensor as a number, a 1-D tensor (even of one element) as a tuple."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx import helper

from accelsim.workload import import_onnx
from tests.onnx_builders import make_model, save


def test_a_one_element_list_stays_a_tuple_and_a_scalar_a_number(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["s"], name="slice"),
        helper.make_node("Clip", ["s", "low"], ["y"], name="clip"),
    ]
    init = {"starts": np.array([1], np.int64), "ends": np.array([3], np.int64),
            "axes": np.array([1], np.int64), "low": np.array(0.5, np.float32)}  # fmt: skip
    graph = import_onnx(save(make_model(nodes, {"x": [4, 6]}, init, ["y"]), tmp_path / "m.onnx"))
    slice_op, clip_op = graph.ops
    assert (slice_op.attributes["starts"], slice_op.attributes["ends"]) == ((1,), (3,))
    assert slice_op.attributes["axes"] == (1,)
    assert clip_op.attributes["min"] == 0.5 and not isinstance(clip_op.attributes["min"], tuple)
    assert graph.tensor("y").shape == (4, 2)
    assert (slice_op.vector_ops, clip_op.vector_ops) == (8, 8)  # 4 x 2 copies; 1 bound each
