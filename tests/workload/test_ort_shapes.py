"""Where ONNX shape inference and onnxruntime disagree, accelsim sizes tensors as onnxruntime
runs them, and the ops after them too (shapes and work worked out by hand, then checked against
onnxruntime where it is installed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.workload import import_onnx


def _save(node: onnx.NodeProto, inputs: dict[str, tuple[int, ...]], rank: int, path: Path) -> Path:
    """`node` writing "y", then a Relu writing "z" (the graph output, of `rank` unknown dims)."""
    graph = helper.make_graph(
        [node, helper.make_node("Relu", ["y"], ["z"], name="relu")], "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs.items()],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [f"d{i}" for i in range(rank)])],
    )  # fmt: skip
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def _ort_shape(path: Path, inputs: dict[str, tuple[int, ...]]) -> tuple[int, ...] | None:
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {name: np.ones(shape, np.float32) for name, shape in inputs.items()}
    return tuple(session.run(None, feeds)[0].shape)


# H: in 6, k 3, s 3, pads 0+2: ceil((6 + 2 - 3) / 3) + 1 = 3 windows, the last starting at 6,
# at 6 + 0 (the first padded row): dropped, 2. W: in 6, pads 1+1: ceil(5 / 3) + 1 = 3, the last
# at 6 < 6 + 1: kept. So (1, 2, 2, 3), 12 outputs; ONNX inference says (1, 2, 3, 3).
POOL = {"kernel_shape": [3, 3], "strides": [3, 3], "pads": [0, 1, 2, 1], "ceil_mode": 1}


@pytest.mark.parametrize(("op_type", "per_output"), [("MaxPool", 8), ("AveragePool", 9)])
def test_a_ceil_mode_pool_drops_a_last_window_that_starts_in_the_end_padding(
    op_type: str, per_output: int, tmp_path: Path
) -> None:
    inputs = {"x": (1, 2, 6, 6)}
    node = helper.make_node(op_type, ["x"], ["y"], name="pool", **POOL)
    path = _save(node, inputs, 4, tmp_path / "p.onnx")
    graph = import_onnx(path)
    pool, relu = graph.ops
    assert graph.tensor("y").shape == graph.tensor("z").shape == (1, 2, 2, 3)
    assert graph.tensor("y").nbytes(32) == 12 * 4
    # 12 windows of 9: 8 compares each (MaxPool) or 8 adds and a multiply (AveragePool)
    assert (pool.macs, pool.vector_ops, relu.vector_ops) == (0, 12 * per_output, 12)
    assert _ort_shape(path, inputs) in (None, (1, 2, 2, 3))


def test_a_shape_folded_after_the_pool_reads_the_dropped_window(tmp_path: Path) -> None:
    """Its own dim 3 through a Div (which ONNX's data propagation does not follow) reshapes the
    pool's output and a Relu reads it as an output: the folding round and the output see
    (1, 2, 2, 3), so the Reshape to (1, -1, 3) gives (1, 4, 3), not (1, 6, 3)."""
    constants = {"three": np.array(3, np.int64), "one": np.array(1.0, np.float32),
                 "head": np.array([1], np.int64), "rest": np.array([-1], np.int64),
                 "zero": np.array([0], np.int64)}  # fmt: skip
    nodes = [
        helper.make_node("MaxPool", ["x"], ["y"], name="pool", **POOL),
        helper.make_node("Shape", ["y"], ["s"]),
        helper.make_node("Gather", ["s", "three"], ["d"], axis=0),
        helper.make_node("Cast", ["d"], ["df"], to=TensorProto.FLOAT),
        helper.make_node("Div", ["df", "one"], ["h"]),
        helper.make_node("Cast", ["h"], ["hi"], to=TensorProto.INT64),
        helper.make_node("Unsqueeze", ["hi", "zero"], ["hu"]),
        helper.make_node("Concat", ["head", "rest", "hu"], ["shape"], axis=0),
        helper.make_node("Reshape", ["y", "shape"], ["r"], name="reshape"),
        helper.make_node("Relu", ["y"], ["z"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 6, 6])],
        [helper.make_tensor_value_info("r", TensorProto.FLOAT, ["a", "b", "c"]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, ["a", "b", "c", "d"])],
        [numpy_helper.from_array(value, name) for name, value in constants.items()],
    )  # fmt: skip
    path = tmp_path / "f.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    imported = import_onnx(path)
    assert imported.tensor("r").shape == (1, 4, 3)
    assert imported.tensor("z").shape == (1, 2, 2, 3)
    assert [op.op_type for op in imported.ops] == ["MaxPool", "Reshape", "Relu"]


def test_a_ceil_mode_pool_whose_last_window_starts_in_the_input_keeps_it(tmp_path: Path) -> None:
    # in 5, k 2, s 2, pads 0+1: ceil((5 + 1 - 2) / 2) + 1 = 3, the last window at 4 < 5: kept
    node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2], strides=[2], pads=[0, 1],
                            ceil_mode=1)  # fmt: skip
    graph = import_onnx(_save(node, {"x": (1, 1, 5)}, 3, tmp_path / "p.onnx"))
    assert graph.tensor("z").shape == (1, 1, 3)


def test_an_einsum_output_label_broadcast_from_1_takes_the_larger_size(tmp_path: Path) -> None:
    # b is 1 in the first operand and 4 in the second: b 4, i 2, j 3, k 5; output (b, i, k) =
    # (4, 2, 5), 40 elements; 4 * 2 * 3 * 5 = 120 MACs. ONNX inference says (1, 2, 5).
    inputs = {"a": (1, 2, 3), "b": (4, 3, 5)}
    node = helper.make_node("Einsum", ["a", "b"], ["y"], name="einsum", equation="bij,bjk->bik")
    path = _save(node, inputs, 3, tmp_path / "e.onnx")
    graph = import_onnx(path)
    einsum, relu = graph.ops
    assert graph.tensor("y").shape == graph.tensor("z").shape == (4, 2, 5)
    assert (einsum.macs, einsum.vector_ops, relu.vector_ops) == (120, 0, 40)
    assert _ort_shape(path, inputs) in (None, (4, 2, 5))


def test_an_implicit_einsum_output_broadcasts_its_ellipsis(tmp_path: Path) -> None:
    # "...i,...i": no "->", so the output is the ellipsis alone (i is used twice): (3, 1) and
    # (1, 4) broadcast to (3, 4), 3 * 4 * 2 = 24 MACs
    inputs = {"a": (3, 1, 2), "b": (1, 4, 2)}
    node = helper.make_node("Einsum", ["a", "b"], ["y"], name="einsum", equation="...i,...i")
    path = _save(node, inputs, 2, tmp_path / "e.onnx")
    graph = import_onnx(path)
    assert graph.tensor("z").shape == (3, 4)
    assert graph.ops[0].macs == 24
    assert _ort_shape(path, inputs) in (None, (3, 4))


def test_a_pool_after_a_pool_is_sized_from_the_first_ones_corrected_output(tmp_path) -> None:
    # W only (H is 1, a 1 x 2 window): in 4, k 2, s 2, pads 0+1, ceil_mode: ceil(3 / 2) + 1 = 3
    # windows, the last starting at 4, in the end padding: dropped, 2 (ONNX inference: 3). The
    # second pool reads those 2: ceil(1 / 2) + 1 = 2, the last at 2, in the padding: 1. Sized
    # from the inferred 3 it would keep 2, so its fix needs a second round after the first's.
    pool = {"kernel_shape": [1, 2], "strides": [1, 2], "pads": [0, 0, 0, 1], "ceil_mode": 1}
    nodes = [helper.make_node("MaxPool", ["x"], ["y"], name="a", **pool),
             helper.make_node("MaxPool", ["y"], ["y2"], name="b", **pool),
             helper.make_node("Relu", ["y2"], ["z"], name="relu")]  # fmt: skip
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 1, 4])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["a", "b", "c", "d"])],
    )  # fmt: skip
    path = tmp_path / "p.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    imported = import_onnx(path)
    shapes = [imported.tensor(name).shape for name in ("y", "y2", "z")]
    assert shapes == [(1, 1, 1, 2), (1, 1, 1, 1), (1, 1, 1, 1)]
    assert _ort_shape(path, {"x": (1, 1, 1, 4)}) in (None, (1, 1, 1, 1))
