"""Workload cases found by planting single-line bugs in the importer and the cost rules: each
expected value is worked out by hand, from the ONNX spec, or from what onnxruntime does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from accelsim.workload.costs import InvalidNode, NodeShapes, op_cost


def _top_k(path: Path, k: int) -> Path:
    """TopK of x (3, 4) along the last axis, k a constant; outputs' sizes left symbolic."""
    node = helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=-1)
    outputs = [helper.make_tensor_value_info("v", TensorProto.FLOAT, ["a", "b"]),
               helper.make_tensor_value_info("i", TensorProto.INT64, ["a", "b"])]  # fmt: skip
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4])], outputs,
        [helper.make_tensor("k", TensorProto.INT64, [1], [k])],
    )  # fmt: skip
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
                     .SerializeToString())  # fmt: skip
    return path


def test_a_top_k_of_negative_k_is_refused_as_onnxruntime_refuses_it(tmp_path: Path) -> None:
    # ONNX: k is "a single positive value"; inference cannot size the outputs from it, so the
    # importer's worst case took k = -1 as a (3, -1) output: -6 bytes and negative energy.
    path = _top_k(tmp_path / "m.onnx", -1)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    with pytest.raises(Exception, match="k must not be negative"):
        session.run(None, {"x": np.ones((3, 4), np.float32)})
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f'{path}: node "TopK_0" (TopK): invalid node: k -1 must be from 0 to the axis\' 4 elements'
    )


def test_a_top_k_of_k_up_to_the_axis_is_costed_and_past_it_refused() -> None:
    # n = 4, k = 4: a heap of depth ceil(log2 4) = 2: 4 x (1 + 2) compares + 4 x 2 to emit = 20
    # per row, 3 rows
    shapes = NodeShapes(((3, 4), (1,)), ((3, 4), (3, 4)), {"k": 4, "axis": -1})
    assert op_cost("TopK", shapes).vector_ops == 60
    for k, axis in ((5, -1), (2, 2), (2, -3)):
        with pytest.raises(InvalidNode):
            op_cost("TopK", NodeShapes(((3, 4), (1,)), ((3, 2), (3, 2)), {"k": k, "axis": axis}))



def test_a_conv_whose_input_has_more_channels_than_its_weight_takes_is_refused() -> None:
    # ONNX Conv: C / group must equal the weight's dimension 1. 4 channels against (6, 1, 3, 3)
    # and group 2 take 2: refused as onnxruntime refuses it (too few channels is refused too).
    for data in ((1, 4, 8, 8), (1, 1, 8, 8)):
        with pytest.raises(ValueError, match="input channels must equal weight dimension 1"):
            op_cost("Conv", NodeShapes((data, (6, 1, 3, 3)), ((1, 6, 6, 6),), {"group": 2}))


def test_recurrent_weights_whose_rows_do_not_split_into_gates_are_refused() -> None:
    # LSTM: W (D, 4H, I). 17 rows are no 4 gates of H, even though 17 // 4 = 4 = H fits R (1,
    # 16, 4); and W of 0 rows has no hidden unit at all.
    x = (5, 2, 3)
    for w, r in (((1, 17, 3), (1, 16, 4)), ((1, 0, 3), (1, 0, 0))):
        with pytest.raises(InvalidNode, match="do not fit"):
            op_cost("LSTM", NodeShapes((x, w, r), ((1,),)))


def test_recurrent_r_of_another_direction_count_than_w_is_refused() -> None:
    # W (1, 16, 3) is one direction of 4 gates x H 4; R (2, 16, 4) has two: onnxruntime needs
    # R (D, 4H, H) with the same D
    with pytest.raises(InvalidNode, match="do not fit"):
        op_cost("LSTM", NodeShapes(((5, 2, 3), (1, 16, 3), (2, 16, 4)), ((1,),)))
