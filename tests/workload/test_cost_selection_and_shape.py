"""Selection, indexing and data-movement rules against closed forms over random shapes, and
their validations at the bound: the last value ONNX allows accepted, the first past it refused."""

from __future__ import annotations

import math
import random

import pytest

from accelsim.workload.costs import InvalidNode, NodeShapes, find_rule, op_cost

SEED = 1919


def _cost(op: str, inputs, outputs, opset: int = 17, **attributes):  # type: ignore[no-untyped-def]
    return op_cost(op, NodeShapes(tuple(inputs), tuple(outputs), attributes, opset))


def _log2_up(count: int) -> int:
    """ceil(log2 count), 0 for 1 (by float log, independent of bit tricks)."""
    return math.ceil(math.log2(count)) if count > 1 else 0


def test_top_k_is_a_heap_pass_per_row_plus_the_sorted_emit() -> None:
    rng = random.Random(SEED)
    for _ in range(80):
        shape = tuple(rng.randint(1, 9) for _ in range(rng.randint(1, 3)))
        rank = len(shape)
        axis = rng.randint(-rank, rank - 1)
        n = shape[axis]
        k = rng.randint(1, n)
        rows = math.prod(shape) // n
        levels = _log2_up(k)
        out = list(shape)
        out[axis] = k
        for is_sorted in (0, 1):
            got = _cost("TopK", [shape], [tuple(out), tuple(out)], axis=axis, k=k,
                        sorted=is_sorted).vector_ops  # fmt: skip
            assert got == rows * (n * (1 + levels) + (k * levels if is_sorted else 0))
    # k not constant: the whole axis (n = 8: 8 x (1 + 3) + 8 x 3 = 56 per row, 3 rows)
    assert _cost("TopK", [(3, 8)], [(3, 8), (3, 8)]).vector_ops == 3 * 56
    rule = find_rule("TopK")
    assert rule is not None and rule.worst_case is not None
    shapes = NodeShapes(((4, 6, 5),), (), {"axis": 1, "k": 2})
    assert rule.worst_case(shapes) == ((4, 2, 5), (4, 2, 5))
    assert rule.worst_case(NodeShapes(((4, 6, 5),), (), {})) == ((4, 6, 5), (4, 6, 5))


def test_non_zero_worst_case_is_every_element() -> None:
    rule = find_rule("NonZero")
    assert rule is not None and rule.worst_case is not None
    assert rule.worst_case(NodeShapes(((3, 4, 5),), ())) == ((3, 60),)
    # 60 compares, then 3 x 60 coordinates written
    assert _cost("NonZero", [(3, 4, 5)], [(3, 60)]).vector_ops == 60 + 180


def _nms(batches: int, classes: int, n: int, m: int) -> int:
    """Worst case by a loop over the kept boxes: kept box i tests every later box."""
    pairs = sum(n - 1 - i for i in range(m))
    per_class = n + n * _log2_up(n) + 13 * pairs + 3 * m
    return batches * (3 * n + classes * per_class)


def test_non_max_suppression_worst_case_by_a_loop() -> None:
    rng = random.Random(SEED + 1)
    for _ in range(60):
        batches, classes, n = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 40)
        limit = rng.randint(-2, 50)
        boxes, scores = (batches, n, 4), (batches, classes, n)
        m = min(n, max(limit, 0))
        got = _cost("NonMaxSuppression", [boxes, scores, ()], [(1, 3)],
                    max_output_boxes_per_class=limit).vector_ops  # fmt: skip
        assert got == _nms(batches, classes, n, m), (batches, classes, n, limit)
        # absent: ONNX's 0 kept; computed at run time: every box
        assert _cost("NonMaxSuppression", [boxes, scores], [(1, 3)]).vector_ops == \
            _nms(batches, classes, n, 0)  # fmt: skip
        assert _cost("NonMaxSuppression", [boxes, scores, ()], [(1, 3)]).vector_ops == \
            _nms(batches, classes, n, n)  # fmt: skip
    rule = find_rule("NonMaxSuppression")
    assert rule is not None and rule.worst_case is not None
    shapes = NodeShapes(((2, 10, 4), (2, 3, 10), ()), (), {"max_output_boxes_per_class": 4})
    assert rule.worst_case(shapes) == ((2 * 3 * 4, 3),)


def test_gather_indices_from_minus_n_to_n_minus_1() -> None:
    data, out = (5, 3), (2, 3)
    for indices in ([0, 4], [-5, -1], [4, -5]):
        cost = _cost("Gather", [data], [out], indices=indices)
        assert cost.vector_ops == 6 and cost.partial_reads == ((0, out),)
    for indices, bad in (([5], 5), ([0, -6], -6), ([1, 7, 9], 7)):
        with pytest.raises(InvalidNode, match=f"index {bad} is outside dimension 0 \\(5\\)"):
            _cost("Gather", [data], [out], indices=indices)
    # axis 1: dimension 3
    assert _cost("Gather", [data], [(5, 1)], axis=1, indices=[2]).vector_ops == 5
    with pytest.raises(InvalidNode, match="index 3 is outside dimension 1 \\(3\\)"):
        _cost("Gather", [data], [(5, 1)], axis=1, indices=[3])
    with pytest.raises(InvalidNode, match="out of range"):
        _cost("Gather", [data], [out], axis=2, indices=[0])
    assert _cost("Gather", [data], [(5, 1)], axis=-1, indices=-3).vector_ops == 5


def test_split_sizes_num_outputs_and_the_axis_default() -> None:
    # axis defaults to 0: (6, 4) into 2 + 4 rows
    got = _cost("Split", [(6, 4)], [(2, 4), (4, 4)], split=[2, 4])
    assert (got.vector_ops, got.per_output) == (24, True)
    with pytest.raises(InvalidNode, match=r"split \[2, 2\] does not add up to dimension 0 \(6\)"):
        _cost("Split", [(6, 4)], [(2, 4), (2, 4)], split=[2, 2])
    with pytest.raises(InvalidNode, match="does not add up to dimension 1"):
        _cost("Split", [(6, 4)], [(6, 3), (6, 3)], axis=1, split=[3, 3])
    with pytest.raises(InvalidNode, match="does not add up"):
        _cost("Split", [(6, 4)], [(7, 4), (0, 4)], split=[7, -1])
    assert _cost("Split", [(6, 4)], [(6, 0), (6, 4)], axis=1, split=[0, 4]).vector_ops == 24
    # num_outputs from the outputs used to the axis's size
    assert _cost("Split", [(6, 4)], [(3, 4)], num_outputs=6).vector_ops == 12
    assert _cost("Split", [(6, 4)], [(3, 4), (3, 4)], num_outputs=2).vector_ops == 24
    with pytest.raises(InvalidNode, match="num_outputs 7 must be from 1 to dimension 0 \\(6\\)"):
        _cost("Split", [(6, 4)], [(1, 4)], num_outputs=7)
    with pytest.raises(InvalidNode, match="num_outputs 1 must be from 2"):
        _cost("Split", [(6, 4)], [(3, 4), (3, 4)], num_outputs=1)
    with pytest.raises(InvalidNode, match="out of range"):
        _cost("Split", [(6, 4)], [(6, 2), (6, 2)], axis=2)
    assert _cost("Split", [(6, 4)], [(6, 2), (6, 2)], axis=-1).vector_ops == 24


def test_slice_steps_and_axes() -> None:
    assert _cost("Slice", [(8, 8)], [(4, 8)], axes=[0], steps=[2]).vector_ops == 32
    assert _cost("Slice", [(8, 8)], [(4, 8)], axes=[-2], steps=[-2]).vector_ops == 32
    assert _cost("Slice", [(8, 8)], [(4, 8)], axes=0, steps=2).vector_ops == 32
    with pytest.raises(InvalidNode, match="has a 0 step"):
        _cost("Slice", [(8, 8)], [(4, 8)], axes=[0, 1], steps=[1, 0])
    with pytest.raises(InvalidNode, match="has a 0 step"):
        _cost("Slice", [(8, 8)], [(4, 8)], steps=0)
    with pytest.raises(InvalidNode, match="repeat an axis"):
        _cost("Slice", [(8, 8)], [(4, 8)], axes=[1, -1])
    with pytest.raises(InvalidNode, match="out of range"):
        _cost("Slice", [(8, 8)], [(4, 8)], axes=[2])


@pytest.mark.parametrize(
    ("mode", "in_shape", "out_shape", "per_element"),
    [
        ("nearest", (1, 3, 4, 4), (1, 3, 8, 8), 1),
        ("linear", (1, 3, 4, 4), (1, 3, 8, 8), 9),  # k = 2: 3 interpolations of 3 ops
        ("linear", (1, 3, 4, 4), (1, 3, 4, 8), 3),  # k = 1: 1 interpolation
        ("linear", (2, 3, 4, 4), (4, 6, 8, 8), 45),  # k = 4: 15 interpolations
        ("cubic", (1, 3, 4, 4), (1, 3, 8, 8), 32),  # 16 taps, multiply and add
        ("cubic", (1, 3, 4, 4), (1, 3, 4, 8), 8),
        ("linear", (1, 3, 4, 4), (1, 3, 4, 4), 0),  # nothing changes: k = 0
        ("linear", (1, 3, 8, 8), (1, 3, 4, 4), 9),  # shrinking changes both axes too
        ("cubic", (1, 3, 8, 8), (1, 3, 8, 2), 8),
    ],
)  # fmt: skip
def test_resize_per_element_by_the_axes_that_change(mode, in_shape, out_shape, per_element):
    got = _cost("Resize", [in_shape], [out_shape], mode=mode)
    assert got.vector_ops == per_element * math.prod(out_shape)


def test_resize_scales_and_sizes_must_be_positive() -> None:
    ok = _cost("Resize", [(1, 1, 2, 2)], [(1, 1, 4, 4)], scales=[1.0, 1.0, 2.0, 2.0])
    assert ok.vector_ops == 16
    for name, values in (("scales", [1.0, 1.0, 0.0, 2.0]), ("sizes", [1, 1, -4, 4]),
                         ("scales", [1.0, 1.0, float("nan"), 2.0])):  # fmt: skip
        with pytest.raises(InvalidNode, match=f"{name} .* must all be > 0"):
            _cost("Resize", [(1, 1, 2, 2)], [(1, 1, 4, 4)], **{name: values})


@pytest.mark.parametrize(("reduction", "per_update"), [("none", 1), ("add", 2), ("max", 2)])
def test_scatter_copies_the_data_then_writes_each_update(reduction, per_update) -> None:
    rng = random.Random(SEED + 2)
    for _ in range(20):
        data = (rng.randint(1, 9), rng.randint(1, 9))
        updates = (rng.randint(1, 5), data[1])
        for op in ("ScatterND", "ScatterElements"):
            got = _cost(op, [data, (updates[0], 1), updates], [data], reduction=reduction)
            assert got.vector_ops == math.prod(data) + per_update * math.prod(updates)
    assert _cost("ScatterND", [(4, 4), (2, 1), (2, 4)], [(4, 4)]).vector_ops == 16 + 8


def test_views_cost_nothing_and_copies_one_per_output_element() -> None:
    for op in ("Flatten", "Identity", "Reshape", "Squeeze", "Unsqueeze", "Dropout"):
        got = _cost(op, [(2, 3, 4)], [(6, 4)])
        assert got.is_view and (got.macs, got.vector_ops) == (0, 0)
    for op in ("Transpose", "Concat", "Pad", "Expand", "Tile"):
        got = _cost(op, [(2, 3, 4)], [(5, 3, 4)])
        assert not got.is_view and got.vector_ops == 60
    for op in ("GatherND", "GatherElements"):
        got = _cost(op, [(9, 9), (2, 3)], [(2, 3)])
        assert got.vector_ops == 6 and got.partial_reads == ((0, (2, 3)),)


def test_top_k_takes_k_from_0_to_the_axis() -> None:
    # ONNX allows 0 <= k <= n. n = 8, 3 rows: k = 0 keeps the heap pass, 8 x (1 + 0) a row, and
    # emits nothing; k = 8 is 8 x (1 + 3) + 8 x 3 = 56 a row (sorted is 1 by default)
    assert _cost("TopK", [(3, 8)], [(3, 0), (3, 0)], k=0).vector_ops == 3 * 8
    assert _cost("TopK", [(3, 8)], [(3, 8), (3, 8)], k=8).vector_ops == 3 * 56
    with pytest.raises(InvalidNode, match="^k 9 must be from 0 to the axis' 8 elements$"):
        _cost("TopK", [(3, 8)], [(3, 9), (3, 9)], k=9)
    with pytest.raises(InvalidNode, match="^k -1 must be from 0 to the axis' 8 elements$"):
        _cost("TopK", [(3, 8)], [(3, 8), (3, 8)], k=-1)
