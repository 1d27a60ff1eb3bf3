"""Constant folding of the attribute spellings of Constant (value_int(s), value_float(s)) and of
Size, read back through the shape of a Reshape that needs their values (worked by hand)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx import helper

from accelsim.workload import import_onnx
from tests.onnx_builders import make_model, save


def _reshaped(tmp_path: Path, nodes: list, *, inits: dict | None = None) -> tuple[int, ...]:
    """x (2, 3, 4) reshaped by the tensor "shape" the nodes compute; the output's shape, and
    the only op left is the Reshape (and the Relu after it)."""
    nodes = [*nodes, helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape"),
             helper.make_node("Relu", ["r"], ["y"], name="relu")]  # fmt: skip
    model = make_model(nodes, {"x": [2, 3, 4]}, inits or {}, ["y"])
    graph = import_onnx(save(model, tmp_path / "m.onnx"))
    assert [op.name for op in graph.ops] == ["reshape", "relu"]
    return graph.tensor("y").shape


def test_value_ints_is_a_shape(tmp_path: Path) -> None:
    node = helper.make_node("Constant", [], ["shape"], value_ints=[4, 6])
    assert _reshaped(tmp_path, [node]) == (4, 6)


def test_value_int_is_a_scalar(tmp_path: Path) -> None:
    # 6 and [4] made one shape: Unsqueeze(6) = [6]; Concat([4], [6]) = [4, 6]
    nodes = [
        helper.make_node("Constant", [], ["six"], value_int=6),
        helper.make_node("Constant", [], ["four"], value_ints=[4]),
        helper.make_node("Constant", [], ["axes"], value_ints=[0]),
        helper.make_node("Unsqueeze", ["six", "axes"], ["six1"]),
        helper.make_node("Concat", ["four", "six1"], ["shape"], axis=0),
    ]
    assert _reshaped(tmp_path, nodes) == (4, 6)


def test_value_floats_keep_their_fractions(tmp_path: Path) -> None:
    # [1.5, 4.0] x 2.0 = [3, 8], cast to int64: (3, 8); read as integers 1.5 would become 1
    # and the shape (2, 8), which does not hold 24 elements
    nodes = [
        helper.make_node("Constant", [], ["f"], value_floats=[1.5, 4.0]),
        helper.make_node("Constant", [], ["two"], value_float=2.0),
        helper.make_node("Mul", ["f", "two"], ["g"]),
        helper.make_node("Cast", ["g"], ["shape"], to=7),
    ]
    assert _reshaped(tmp_path, nodes) == (3, 8)


def test_value_float_keeps_its_fraction(tmp_path: Path) -> None:
    # [4, 24] x 0.5 = [2, 12]: (2, 3, 4) as (2, 12); with 0.5 read as an integer 0 the shape
    # would be [0, 0]
    nodes = [
        helper.make_node("Constant", [], ["half"], value_float=0.5),
        helper.make_node("Mul", ["base", "half"], ["g"]),
        helper.make_node("Cast", ["g"], ["shape"], to=7),
    ]
    shape = _reshaped(tmp_path, nodes, inits={"base": np.array([4.0, 24.0], np.float32)})
    assert shape == (2, 12)


def test_size_is_the_element_count(tmp_path: Path) -> None:
    # Size(x) = 2 x 3 x 4 = 24: x flattened to (24,)
    nodes = [
        helper.make_node("Size", ["x"], ["n"]),
        helper.make_node("Constant", [], ["axes"], value_ints=[0]),
        helper.make_node("Unsqueeze", ["n", "axes"], ["shape"]),
    ]
    assert _reshaped(tmp_path, nodes) == (24,)


def test_shape_with_start_and_end(tmp_path: Path) -> None:
    # Shape(x, start=1) = [3, 4]; Shape(x, end=1) = [2]: Concat([3, 4], [2]) = (3, 4, 2)
    nodes = [
        helper.make_node("Shape", ["x"], ["tail"], start=1),
        helper.make_node("Shape", ["x"], ["head"], end=1),
        helper.make_node("Concat", ["tail", "head"], ["shape"], axis=0),
    ]
    assert _reshaped(tmp_path, nodes) == (3, 4, 2)


def test_value_int_is_64_bits(tmp_path: Path) -> None:
    # (2**32 + 6) - 2**32 = 6, and [4]: (4, 6). ONNX's value_int and value_ints are int64;
    # read as int32 neither fits
    nodes = [
        helper.make_node("Constant", [], ["big"], value_int=2**32 + 6),
        helper.make_node("Constant", [], ["bigs"], value_ints=[2**32]),
        helper.make_node("Constant", [], ["axes"], value_ints=[0]),
        helper.make_node("Unsqueeze", ["big", "axes"], ["big1"]),
        helper.make_node("Sub", ["big1", "bigs"], ["six1"]),
        helper.make_node("Constant", [], ["four"], value_ints=[4]),
        helper.make_node("Concat", ["four", "six1"], ["shape"], axis=0),
    ]
    assert _reshaped(tmp_path, nodes) == (4, 6)
