"""ONNX models that pass the ONNX checker but must not reach the planner: absurd sizes, bombs,
inconsistent Convs, unknown opsets and non-numeric tensors. Each is refused in one line naming
the node (or file) and the limit, within the battery's time and memory caps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.memory.tiling import MAX_TILES
from accelsim.workload._onnx_checks import MAX_OP_WORK, MAX_TENSOR_ELEMENTS
from accelsim.workload._onnx_shapes import FOLD_LIMIT_ELEMENTS
from tests.hostile.conftest import EDGE1, refused

F = TensorProto.FLOAT


def raw_model(
    path: Path,
    nodes: Sequence[onnx.NodeProto],
    inputs: dict[str, tuple[int, Sequence[int | str]]],
    output: tuple[str, int, Sequence[int | str]],
    *,
    initializers: Sequence[onnx.TensorProto] = (),
    opset: int = 17,
) -> Path:
    """Save a model with declared types only: no shape inference here, so a bomb stays unfired."""
    graph = helper.make_graph(
        list(nodes),
        "hostile",
        [helper.make_tensor_value_info(n, t, d) for n, (t, d) in inputs.items()],
        [helper.make_tensor_value_info(*output)],
        list(initializers),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def relu(path: Path, dims: Sequence[int]) -> Path:
    return raw_model(path, [helper.make_node("Relu", ["x"], ["y"], name="relu")],
                     {"x": (F, dims)}, ("y", F, dims))  # fmt: skip


def int64(name: str, value: object) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(value, dtype=np.int64), name)


def conv(path: Path, x: Sequence[int], w: Sequence[int], y: Sequence[int], **attrs: int) -> Path:
    weight = numpy_helper.from_array(np.zeros(w, np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attrs)
    return raw_model(path, [node], {"x": (F, x)}, ("y", F, y), initializers=[weight])


TOO_MANY = f"over the limit of {MAX_TENSOR_ELEMENTS:,} per tensor"


@pytest.mark.parametrize(
    ("dims", "shown"),
    [([1, 2**40], "1x1099511627776"), ([1, 2**63 - 1], f"1x{2**63 - 1}")],
)
def test_huge_dimensions_are_refused_naming_node_and_limit(tmp_path, dims, shown) -> None:
    path = relu(tmp_path / "big.onnx", dims)
    line = refused("run", path, "--hw", EDGE1)
    assert line.startswith(
        f'accelsim: error: {path}: node "relu" (Relu): tensor "x" ({shown}) has '
    )
    assert line.endswith(TOO_MANY)


def test_symbolic_batch_set_absurdly_large_is_refused(tmp_path: Path) -> None:
    path = relu(tmp_path / "n.onnx", ["N", 3, 32, 32])
    line = refused("inspect", path, "--batch", str(2**30))
    assert line.endswith(f'tensor "x" (1073741824x3x32x32) has 3.3e+12 elements, {TOO_MANY}')


def test_a_matmul_over_the_work_limit_is_refused(tmp_path: Path) -> None:
    # 30,000 x 30,000 x 30,000 = 2.7e13 MACs, each operand within the element limit
    node = helper.make_node("MatMul", ["a", "b"], ["y"], name="mm")
    side = [30_000, 30_000]
    path = raw_model(tmp_path / "mm.onnx", [node], {"a": (F, side), "b": (F, side)}, ("y", F, side))
    line = refused("run", path, "--hw", EDGE1)
    assert line == (
        f'accelsim: error: {path}: node "mm" (MatMul): 2.7e+13 MACs and vector operations, '
        f"over the limit of {MAX_OP_WORK:.0e} per op"
    )


def test_a_huge_pad_is_refused(tmp_path: Path) -> None:
    pads = int64("pads", [0, 0, 0, 0, 0, 0, 10**6, 10**6])
    node = helper.make_node("Pad", ["x", "pads"], ["y"], name="pad")
    path = raw_model(tmp_path / "pad.onnx", [node], {"x": (F, [1, 3, 8, 8])},
                     ("y", F, [1, 3, 10**6 + 8, 10**6 + 8]), initializers=[pads])  # fmt: skip
    assert refused("run", path, "--hw", EDGE1).endswith(TOO_MANY)


def test_a_constant_range_bomb_is_refused_before_it_is_built(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Range", ["s", "l", "d"], ["r"], name="bomb"),
        helper.make_node("Cast", ["r"], ["rf"], to=F),
        helper.make_node("Add", ["x", "rf"], ["y"]),
    ]
    bounds = [int64("s", 0), int64("l", 10**12), int64("d", 1)]
    path = raw_model(tmp_path / "r.onnx", nodes, {"x": (F, [1])}, ("y", F, ["n"]),
                     initializers=bounds)  # fmt: skip
    assert refused("run", path, "--hw", EDGE1) == (
        f'accelsim: error: {path}: node "bomb" (Range) would fold to 1,000,000,000,000 '
        f"elements, over the folding limit of {FOLD_LIMIT_ELEMENTS:,}"
    )


def test_a_layer_needing_more_than_max_tiles_is_refused(tmp_path: Path, hw_file) -> None:
    # 2^28 int8 elements in and out (2^29 bytes) through 4 KiB: at least 2^17 = 131,072 tiles
    path = relu(tmp_path / "r.onnx", [1, 256, 1024, 1024])
    small = hw_file(**{"capacity: 1 MB": "capacity: 4 KiB"})
    assert refused("run", path, "--hw", small) == (
        'accelsim: error: layer "relu" fits 4,096 bytes of SRAM only in more than '
        f"{MAX_TILES:,} tiles, the limit per layer; raise sram.capacity"
    )


@pytest.mark.parametrize(
    ("x", "w", "attrs", "reason"),
    [
        ([1, 3, 8, 8], [8, 3, 3, 3], {"group": 0}, "group 0 must be >= 1"),
        (
            [1, 3, 8, 8],
            [8, 5, 3, 3],
            {},
            "input 1x3x8x8 and weight 8x5x3x3 with group 1 do not match; input channels must "
            "equal weight dimension 1 x group",
        ),
        ([1, 4, 8, 8], [6, 1, 3, 3], {"group": 4}, "6 output channels do not split into 4 groups"),
    ],
)
def test_inconsistent_convs_are_refused(tmp_path: Path, x, w, attrs, reason) -> None:
    path = conv(tmp_path / "c.onnx", x, w, [1, w[0], 6, 6], **attrs)
    line = refused("run", path, "--hw", EDGE1)
    assert line == f'accelsim: error: {path}: node "conv" (Conv): cannot cost this node: {reason}'


def test_an_unknown_opset_is_refused(tmp_path: Path) -> None:
    node = helper.make_node("Relu", ["x"], ["y"])
    path = raw_model(tmp_path / "o.onnx", [node], {"x": (F, [1, 8])}, ("y", F, [1, 8]), opset=99)
    newest = onnx.defs.onnx_opset_version()
    assert refused("inspect", path) == (
        f"accelsim: error: {path}: opset 99 of the default ONNX domain is not one onnx "
        f"{onnx.__version__} knows (1..{newest}); export the model with opset <= {newest}"
    )


@pytest.mark.parametrize("kind", ["STRING", "COMPLEX64"])
def test_non_numeric_tensors_are_refused(tmp_path: Path, kind: str) -> None:
    element = getattr(TensorProto, kind)
    node = helper.make_node("Identity", ["x"], ["y"], name="id")
    path = raw_model(tmp_path / "s.onnx", [node], {"x": (element, [1, 8])}, ("y", element, [1, 8]))
    assert refused("run", path, "--hw", EDGE1) == (
        f'accelsim: error: {path}: node "id" (Identity): tensor "x" holds {kind} elements; '
        "accelsim simulates numeric tensors only"
    )


def test_a_constant_of_shape_bomb_is_refused_before_it_is_built(tmp_path: Path) -> None:
    # 50,000 x 50,000 float32 = 9.3 GiB if folded
    value = helper.make_tensor("v", F, [1], [1.0])
    nodes = [
        helper.make_node("ConstantOfShape", ["shape"], ["c"], name="bomb", value=value),
        helper.make_node("ReduceMean", ["c"], ["m"], keepdims=0),
        helper.make_node("Add", ["x", "m"], ["y"], name="add"),
    ]
    path = raw_model(tmp_path / "c.onnx", nodes, {"x": (F, [1])}, ("y", F, [1]),
                     initializers=[int64("shape", [50_000, 50_000])])  # fmt: skip
    assert refused("inspect", path) == (
        f'accelsim: error: {path}: node "bomb" (ConstantOfShape) would fold to 2,500,000,000 '
        f"elements, over the folding limit of {FOLD_LIMIT_ELEMENTS:,}"
    )
