"""Checks on the ONNX file itself, before any node is read: an empty graph, external data with no
location, a non-integer offset, an extent past the data, and external data hidden in a sparse
initializer or a subgraph's initializer. Each is refused with one line naming the tensor."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from tests.onnx_builders import single_conv, with_external_data


def _external(tensor: onnx.TensorProto, **entries: str) -> onnx.TensorProto:
    """`tensor` marked as stored in an external file with these entries (data dropped)."""
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in entries.items():
        tensor.external_data.add(key=key, value=value)
    return tensor


def _refused(path: Path, message: str) -> None:
    with pytest.raises(WorkloadError, match=f"^{re.escape(f'{path}: {message}')}$"):
        import_onnx(path)


def test_a_model_without_nodes_is_no_model(tmp_path: Path) -> None:
    value = helper.make_tensor_value_info
    graph = helper.make_graph([], "empty", [value("x", TensorProto.FLOAT, [2])],
                              [value("x", TensorProto.FLOAT, [2])])  # fmt: skip
    path = tmp_path / "empty.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    _refused(path, "not an ONNX model: no IR version or no graph nodes")


def test_a_model_without_an_ir_version_is_no_model(tmp_path: Path) -> None:
    model = single_conv()
    model.ir_version = 0
    path = tmp_path / "noir.onnx"
    path.write_bytes(model.SerializeToString())
    _refused(path, "not an ONNX model: no IR version or no graph nodes")


def _with_entries(tmp_path: Path, entries: dict[str, str]) -> Path:
    """single_conv with w (8x3x3x3 float32 = 864 B) in model.bin, its entries replaced."""
    path = with_external_data(single_conv(), tmp_path)
    model = onnx.load(str(path), load_external_data=False)
    (tensor,) = model.graph.initializer
    del tensor.external_data[:]
    for key, value in entries.items():
        tensor.external_data.add(key=key, value=value)
    path.write_bytes(model.SerializeToString())
    return path


def test_external_data_without_a_location(tmp_path: Path) -> None:
    path = _with_entries(tmp_path, {"location": "", "offset": "0"})
    _refused(path, 'tensor "w": external data has no location')
    path = _with_entries(tmp_path, {"offset": "0"})
    _refused(path, 'tensor "w": external data has no location')


def test_external_data_in_the_file_exactly_is_read(tmp_path: Path) -> None:
    # offset 0 and length 864 of an 864-byte file: bytes 0..864, the whole file, accepted
    path = _with_entries(tmp_path, {"location": "model.bin", "offset": "0", "length": "864"})
    (op,) = import_onnx(path).ops
    assert op.macs == 8 * 8 * 8 * 3 * 3 * 3  # 8 x 8 outputs x 8 channels x 27 each


def test_external_data_of_a_sparse_initializer_is_checked(tmp_path: Path) -> None:
    model = single_conv()
    values = _external(numpy_helper.from_array(np.ones(2, np.float32), "sv"),
                       location="../outside.bin")  # fmt: skip
    indices = numpy_helper.from_array(np.array([0, 5], np.int64), "si")
    sparse = helper.make_sparse_tensor(values, indices, [8])
    model.graph.sparse_initializer.append(sparse)
    path = tmp_path / "sparse.onnx"
    path.write_bytes(model.SerializeToString())
    _refused(path, 'tensor "sv": external data "../outside.bin" is outside the model\'s folder')


def test_external_data_in_a_subgraph_is_checked(tmp_path: Path) -> None:
    # an If whose then-branch holds an initializer stored outside the model's folder
    value = helper.make_tensor_value_info
    hidden = _external(numpy_helper.from_array(np.ones(2, np.float32), "hidden"),
                       location="/etc/passwd")  # fmt: skip
    branch = helper.make_graph(
        [helper.make_node("Identity", ["hidden"], ["t"])], "then", [],
        [value("t", TensorProto.FLOAT, [2])], [hidden],
    )  # fmt: skip
    other = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["e"])], "else", [],
        [value("e", TensorProto.FLOAT, [2])],
    )  # fmt: skip
    node = helper.make_node("If", ["c"], ["y"], then_branch=branch, else_branch=other)
    graph = helper.make_graph(
        [node], "if", [value("c", TensorProto.BOOL, []), value("x", TensorProto.FLOAT, [2])],
        [value("y", TensorProto.FLOAT, [2])],
    )  # fmt: skip
    path = tmp_path / "if.onnx"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path.write_bytes(model.SerializeToString())
    _refused(path, 'tensor "hidden": external data "/etc/passwd" is an absolute path; it must be '
                   "relative to the model")  # fmt: skip
