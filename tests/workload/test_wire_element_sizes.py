"""A big initializer's raw data is checked against its shape at the element type's width: 4-bit
types pack two elements a byte (an odd count's last one in a byte of its own), and a type onnx
does not know is refused in one line, not as an internal error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx


def _dequantized_matmul(data_type: int, k: int, n: int, stored: int) -> onnx.ModelProto:
    """x (1, k) @ DequantizeLinear(w) with w a (k, n) 4-bit weight of `stored` raw bytes."""
    w = TensorProto(name="w", data_type=data_type, dims=[k, n], raw_data=bytes(stored))
    scale = helper.make_tensor("s", TensorProto.FLOAT, [], [0.5])
    nodes = [
        helper.make_node("DequantizeLinear", ["w", "s"], ["wf"]),
        helper.make_node("MatMul", ["x", "wf"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])], [w, scale],
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])


@pytest.mark.parametrize("data_type", [TensorProto.INT4, TensorProto.UINT4])
@pytest.mark.parametrize(("k", "n", "stored"), [(128, 64, 4_096), (97, 45, 2_183)])
def test_a_big_4_bit_weight_in_raw_data_is_read(tmp_path: Path, data_type, k, n, stored) -> None:
    # 128 x 64 = 8,192 elements at 4 bits = 4,096 B; 97 x 45 = 4,365 -> 17,460 bits -> 2,183 B.
    # Both are over the 4,096 elements whose data is kept, so the size check sees them.
    path = tmp_path / "m.onnx"
    path.write_bytes(_dequantized_matmul(data_type, k, n, stored).SerializeToString())
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert session.run(None, {"x": np.ones((1, k), np.float32)})[0].shape == (1, n)
    macs = {op.op_type: op.macs for op in import_onnx(path).ops}
    assert macs["MatMul"] == k * n  # one row times a k x n matrix


def test_a_4_bit_weight_a_byte_short_is_named(tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(_dequantized_matmul(TensorProto.INT4, 97, 45, 2_182).SerializeToString())
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f'{path}: invalid ONNX model: tensor "w" holds 2,182 bytes; its shape (97, 45) needs 2,183'
    )


@pytest.mark.parametrize("data_type", [0, 999])
def test_a_big_weight_of_no_element_type_is_refused_in_one_line(tmp_path: Path, data_type) -> None:
    w = TensorProto(name="w", data_type=data_type, dims=[8_192], raw_data=bytes(8_192))
    graph = helper.make_graph(
        [helper.make_node("Identity", ["w"], ["y"])], "g", [],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [8_192])], [w],
    )  # fmt: skip
    path = tmp_path / "m.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f'{path}: invalid ONNX model: tensor "w" has data type {data_type}, not an ONNX element '
        "type"
    )
