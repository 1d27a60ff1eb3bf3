"""Ops that select by value: TopK, and NonZero and NonMaxSuppression, whose output sizes depend
on the data.

A data-dependent size is taken at its worst case (every element non-zero, no box suppressed),
derived from the input shapes by each rule's `worst_case`; the importer flags such ops and `run`
and `inspect` say so. The counts below are for that case.
"""

from __future__ import annotations

import math

from accelsim.workload.costs import InvalidNode, NodeShapes, OpCost, Shape, axis_in, cost_rule


def _levels(count: int) -> int:
    """ceil(log2(count)) for count >= 1: the depth of a heap or merge sort over `count` items."""
    return max(count - 1, 0).bit_length()


def _topk_axis(shapes: NodeShapes) -> int:
    return axis_in(shapes.integer("axis", -1), len(shapes.input(0)))


def _topk_k(shapes: NodeShapes) -> int:
    """k when given as a constant, else the whole axis (the largest k can be).

    Raises:
        InvalidNode: a constant k below 0 or over the axis, which onnxruntime refuses.
    """
    n = shapes.input(0)[_topk_axis(shapes)]
    k = shapes.number("k")
    if k is not None and not 0 <= k <= n:
        raise InvalidNode(f"k {k:g} must be from 0 to the axis' {n} elements")
    return n if k is None else int(k)


def _topk_worst(shapes: NodeShapes) -> tuple[Shape, ...]:
    shape = list(shapes.input(0))
    shape[_topk_axis(shapes)] = _topk_k(shapes)
    return (tuple(shape), tuple(shape))


@cost_rule("TopK", params={1: "k"}, worst_case=_topk_worst)
def top_k(shapes: NodeShapes) -> OpCost:
    """Per row of n elements along the axis, with a heap of the k best: n·(1 + ceil(log2 k))
    compares (each element against the heap's root, then sifted down), plus k·ceil(log2 k) to
    emit the k in order when `sorted` (the default)."""
    shape = shapes.input(0)
    n = shape[_topk_axis(shapes)]
    k = _topk_k(shapes)
    rows = math.prod(shape) // max(n, 1)
    emit = k * _levels(k) if shapes.integer("sorted", 1) else 0
    return OpCost(vector_ops=rows * (n * (1 + _levels(k)) + emit))


def _nonzero_worst(shapes: NodeShapes) -> tuple[Shape, ...]:
    shape = shapes.input(0)
    return ((len(shape), math.prod(shape)),)


@cost_rule("NonZero", worst_case=_nonzero_worst)
def non_zero(shapes: NodeShapes) -> OpCost:
    """n + output elements: a compare per input element, then each non-zero's rank coordinates
    written (worst case every element: n·(1 + rank))."""
    return OpCost(vector_ops=math.prod(shapes.input(0)) + shapes.output_elements)


IOU_OPS = 13
"""One IoU test of two boxes: intersection corners (2 max, 2 min), its width and height (2
subtracts, clamped at 0: 2 max) and area (1 multiply); union = area_a + area_b - intersection
(2); the ratio (1 divide) and the threshold compare (1)."""
AREA_OPS = 3
"""A box's area: 2 subtracts and a multiply, once per box."""


def _nms_sizes(shapes: NodeShapes) -> tuple[int, int, int, int]:
    """(batches, classes, boxes, kept per class at most): min(boxes, max_output_boxes_per_class)
    when that is a constant, all boxes when it is computed, none when it is absent (ONNX's 0)."""
    batches, classes, boxes = shapes.input(1)
    limit = shapes.number("max_output_boxes_per_class") if shapes.has_input(2) else 0
    kept = boxes if limit is None else min(boxes, max(int(limit), 0))
    return batches, classes, boxes, kept


def _nms_worst(shapes: NodeShapes) -> tuple[Shape, ...]:
    batches, classes, _, kept = _nms_sizes(shapes)
    return ((batches * classes * kept, 3),)


@cost_rule(
    "NonMaxSuppression",
    params={2: "max_output_boxes_per_class", 3: "iou_threshold", 4: "score_threshold"},
    worst_case=_nms_worst,
)
def non_max_suppression(shapes: NodeShapes) -> OpCost:
    """Worst case, no box suppressed: per batch, each of the N boxes' area (3); per batch and
    class, N score-threshold compares, N·ceil(log2 N) compares to sort by score, and while m =
    min(N, max_output_boxes_per_class) boxes are kept, each kept box's IoU with every later one:
    m·(2N - m - 1)/2 tests of `IOU_OPS`; then 3 index writes per kept box. Converting centre
    boxes (center_point_box=1) to corners is not counted."""
    batches, classes, n, m = _nms_sizes(shapes)
    pairs = m * (2 * n - m - 1) // 2
    per_class = n + n * _levels(n) + IOU_OPS * pairs + 3 * m
    return OpCost(vector_ops=batches * (AREA_OPS * n + classes * per_class))
