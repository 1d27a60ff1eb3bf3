"""Constant folding: only what the kept graph needs, onnxruntime where onnx.reference fails, and
a size limit that stops a folding bomb before it allocates anything."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from tests.onnx_builders import make_model, save


def test_onnxruntime_folds_what_the_reference_evaluator_cannot(tmp_path: Path) -> None:
    # onnx.reference's GatherElements fails on 100 indices ("at most 64 array objects");
    # onnxruntime computes it. Its first two values are the shape the kept Reshape needs.
    data = np.zeros(100, np.int64)
    data[:2] = (2, 50)
    nodes = [
        helper.make_node("GatherElements", ["d", "i"], ["g"], name="gather", axis=0),
        helper.make_node("Slice", ["g", "zero", "two"], ["s"], name="slice"),
        helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape"),
        helper.make_node("Relu", ["y"], ["z"], name="relu"),
    ]
    init = {"d": data, "i": np.arange(100, dtype=np.int64), "zero": np.array([0], np.int64),
            "two": np.array([2], np.int64)}  # fmt: skip
    model = make_model(nodes, {"x": [100]}, init, ["z"], output_dims={"z": ["a", "b"]})
    graph = import_onnx(save(model, tmp_path / "m.onnx"))
    assert [op.name for op in graph.ops] == ["reshape", "relu"]
    assert graph.tensor("z").shape == (2, 50)


def test_a_failing_node_nothing_needs_is_left_alone(tmp_path: Path) -> None:
    # Gather index 7 of a 2-element shape fails on both routes, but nothing reads its output.
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Gather", ["s", "idx"], ["n"], name="bad", axis=0),
        helper.make_node("Relu", ["x"], ["y"], name="relu"),
    ]
    model = make_model(nodes, {"x": [2, 3]}, {"idx": np.array([7], np.int64)}, ["y"])
    graph = import_onnx(save(model, tmp_path / "m.onnx"))
    assert [op.name for op in graph.ops] == ["relu"]


def test_a_range_to_1e12_is_refused_by_size_before_it_is_built(tmp_path: Path) -> None:
    # Built by hand: ONNX's own data propagation (which the test builders run) would try to
    # materialise the range.
    nodes = [
        helper.make_node("Range", ["start", "limit", "delta"], ["r"], name="range"),
        helper.make_node("Cast", ["r"], ["rf"], name="cast", to=1),
        helper.make_node("Add", ["x", "rf"], ["y"], name="add"),
    ]
    values = {"start": 0, "limit": 10**12, "delta": 1}
    path = _x_plus(nodes, [numpy_helper.from_array(np.array(v, np.int64), n)
                           for n, v in values.items()], tmp_path)  # fmt: skip
    started = time.perf_counter()
    expected = (
        f'^{re.escape(str(path))}: node "range" \\(Range\\) would fold to 1,000,000,000,000 '
        "elements, over the folding limit of 1,048,576$"
    )
    with pytest.raises(WorkloadError, match=expected):
        import_onnx(path)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("limit", [2**20, 2**20 + 1])
def test_a_constant_range_is_refused_only_over_the_folding_limit(tmp_path, limit):
    # Range(0, limit, 1) of constants: onnx's plain pass gives it `limit` elements. 2^20 is at
    # the limit (folded; the Add broadcasts x over it), one more is over it and refused by name.
    nodes = [
        helper.make_node("Range", ["start", "limit", "delta"], ["r"], name="range"),
        helper.make_node("Cast", ["r"], ["rf"], name="cast", to=1),
        helper.make_node("Add", ["x", "rf"], ["y"], name="add"),
    ]
    values = {"start": 0, "limit": limit, "delta": 1}
    path = _x_plus(nodes, [numpy_helper.from_array(np.array(v, np.int64), n)
                           for n, v in values.items()], tmp_path)  # fmt: skip
    if limit == 2**20:
        assert import_onnx(path).tensor("y").shape == (2**20,)
        return
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f'{path}: node "range" (Range) would fold to 1,048,577 elements, over the folding limit '
        "of 1,048,576"
    )


@pytest.mark.parametrize("elements", [4096, 4097])
def test_a_weight_of_up_to_4096_elements_is_read_for_folding(tmp_path: Path, elements) -> None:
    # the kept Reshape's shape is the first two values of an int64 weight, (2, 50): one of
    # VALUE_LIMIT_ELEMENTS (4,096) elements is read and folded; one more is not read (too big
    # to decode), so the shape stays unknown and the Reshape is refused by name
    data = np.zeros(elements, np.int64)
    data[:2] = (2, 50)
    nodes = [
        helper.make_node("Slice", ["d", "zero", "two"], ["s"], name="slice"),
        helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape"),
        helper.make_node("Relu", ["y"], ["z"], name="relu"),
    ]
    init = {"d": data, "zero": np.array([0], np.int64), "two": np.array([2], np.int64)}
    model = make_model(nodes, {"x": [100]}, init, ["z"], output_dims={"z": ["a", "b"]})
    path = save(model, tmp_path / "m.onnx")
    if elements == 4096:
        graph = import_onnx(path)
        assert [op.name for op in graph.ops] == ["reshape", "relu"]
        assert graph.tensor("z").shape == (2, 50)
        return
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f'{path}: node "reshape" (Reshape): output "y" has no static shape after shape inference'
    )


@pytest.mark.parametrize("elements", [4096, 4097])
def test_folding_itself_reads_a_weight_of_up_to_4096_elements(tmp_path: Path, elements) -> None:
    # As above, but through a GatherElements, which ONNX's data propagation does not compute:
    # only the importer's own folding gives the Reshape its shape, (2, 50) from the first two
    # values of the weight, and it reads a weight of VALUE_LIMIT_ELEMENTS (4,096) elements,
    # not one more
    data = np.zeros(elements, np.int64)
    data[:2] = (2, 50)
    nodes = [
        helper.make_node("GatherElements", ["d", "i"], ["s"], name="gather", axis=0),
        helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape"),
        helper.make_node("Relu", ["y"], ["z"], name="relu"),
    ]
    init = {"d": data, "i": np.array([0, 1], np.int64)}
    model = make_model(nodes, {"x": [100]}, init, ["z"], output_dims={"z": ["a", "b"]})
    path = save(model, tmp_path / "m.onnx")
    if elements == 4096:
        assert import_onnx(path).tensor("z").shape == (2, 50)
        return
    with pytest.raises(WorkloadError, match='node "reshape" .* no static shape'):
        import_onnx(path)

def test_a_computed_tile_is_sized_by_its_repeats_before_it_is_built(tmp_path: Path) -> None:
    # Tile of a 4-element constant by repeats that are computed (an Add of two constants, so
    # inference leaves the size open): 4 x 2^19 = 2,097,152 elements, over the limit of 2^20,
    # refused by name before any is built (not sized as the 4 elements it tiles)
    nodes = [
        helper.make_node("Add", ["half", "half"], ["repeats"], name="repeats"),
        helper.make_node("Tile", ["data", "repeats"], ["t"], name="tile"),
        helper.make_node("Add", ["x", "t"], ["y"], name="add"),
    ]
    init = [numpy_helper.from_array(np.ones(4, np.float32), "data"),
            numpy_helper.from_array(np.array([2**18], np.int64), "half")]  # fmt: skip
    path = _x_plus(nodes, init, tmp_path)
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f'{path}: node "tile" (Tile) would fold to 2,097,152 elements, over the folding limit '
        "of 1,048,576"
    )


def _range_to(tmp_path: Path, whole: float, part: float, delta: float) -> Path:
    """x + Range(0, whole + part, delta): the limit is computed (an Add of two constants), so
    shape inference leaves the Range's length open and folding sizes it from the values."""
    nodes = [
        helper.make_node("Add", ["whole", "part"], ["limit"], name="limit"),
        helper.make_node("Range", ["start", "limit", "delta"], ["r"], name="range"),
        helper.make_node("Add", ["x", "r"], ["y"], name="add"),
    ]
    values = {"start": 0.0, "whole": whole, "part": part, "delta": delta}
    init = [numpy_helper.from_array(np.array(v, np.float32), n) for n, v in values.items()]
    return _x_plus(nodes, init, tmp_path)


def _x_plus(nodes: list[onnx.NodeProto], init: list[onnx.TensorProto], tmp_path: Path) -> Path:
    """A model y = x + (what `nodes` make of `init`), x of 1 float, y of an open length, built
    by hand: ONNX's own data propagation (which the test builders run) would materialise it."""
    graph = helper.make_graph(
        nodes, "range", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])], init,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return save(model, tmp_path / "m.onnx")


@pytest.mark.parametrize(
    ("whole", "part", "delta"), [(1_048_576.0, 0.5, 1.0), (524_288.0, 0.25, 0.5)]
)
def test_a_computed_range_of_a_fractional_count_is_sized_rounded_up(tmp_path, whole, part, delta):
    # ONNX Range: max(ceil((limit - start) / delta), 0) elements, as numpy's arange: 1,048,576.5
    # rounds up to 1,048,577, one over the folding limit of 2^20 (truncated, 1,048,576 is not);
    # the error is the folder's own line, not the Add's input left without a shape
    count = len(np.arange(0.0, whole + part, delta))
    assert count == 1_048_577 == 2**20 + 1
    path = _range_to(tmp_path, whole, part, delta)
    with pytest.raises(WorkloadError) as caught:
        import_onnx(path)
    assert str(caught.value) == (
        f'{path}: node "range" (Range) would fold to {count:,} elements, over the folding limit '
        "of 1,048,576"
    )


def test_a_computed_range_at_the_folding_limit_folds(tmp_path):
    # 2^20 elements exactly: not over the limit, folded; the Add broadcasts x over them
    graph = import_onnx(_range_to(tmp_path, 1_048_575.0, 1.0, 1.0))
    assert [op.name for op in graph.ops] == ["add"]
    assert graph.tensor("y").shape == (2**20,)
