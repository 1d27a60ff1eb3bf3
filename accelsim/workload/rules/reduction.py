"""Reductions beyond the pool-like ones of `pooling`: ReduceL1, ReduceL2, ReduceLogSumExp,
ReduceProd, ArgMax, ArgMin, and the running sum CumSum.

With n input and m output elements, folding n values into m results takes n - m binary ops
(adds, multiplies or compares); an op applied to every input (|x|, x², exp) adds n, one applied
to every result (sqrt, log) adds m.
"""

from __future__ import annotations

import math

from accelsim.workload.costs import InvalidNode, NodeShapes, OpCost, axis_in, cost_rule
from accelsim.workload.rules.pooling import reduce_attributes


def _sizes(shapes: NodeShapes) -> tuple[int, int]:
    """(input elements, output elements)."""
    return math.prod(shapes.input(0)), shapes.output_elements


@cost_rule("ReduceL1", params={1: "axes"}, resolve=reduce_attributes)
def reduce_l1(shapes: NodeShapes) -> OpCost:
    """2n - m: an absolute value per input, n - m adds."""
    n, m = _sizes(shapes)
    return OpCost(vector_ops=2 * n - m)


@cost_rule("ReduceL2", "ReduceLogSumExp", params={1: "axes"}, resolve=reduce_attributes)
def reduce_mapped(shapes: NodeShapes) -> OpCost:
    """2n: a square (L2) or exp (LogSumExp, as ONNX defines it, without subtracting the max)
    per input, n - m adds, a square root or log per result."""
    n, _ = _sizes(shapes)
    return OpCost(vector_ops=2 * n)


@cost_rule("ReduceProd", params={1: "axes"}, resolve=reduce_attributes)
def reduce_prod(shapes: NodeShapes) -> OpCost:
    """n - m multiplies."""
    n, m = _sizes(shapes)
    return OpCost(vector_ops=n - m)


def _arg_attributes(shapes: NodeShapes) -> dict[str, object]:
    rank = len(shapes.input(0))
    return {"axis": shapes.integer("axis", 0) % rank, "keepdims": shapes.integer("keepdims", 1)}


@cost_rule("ArgMax", "ArgMin", resolve=_arg_attributes)
def arg_extreme(shapes: NodeShapes) -> OpCost:
    """n - m compares (the index of the best so far rides along with each compare)."""
    n, m = _sizes(shapes)
    return OpCost(vector_ops=n - m)


@cost_rule("CumSum", params={1: "axis"})
def cumulative_sum(shapes: NodeShapes) -> OpCost:
    """n - n/len(axis) adds: every element but the first of each run along the axis is one add
    (exclusive and reverse scans alike). With the axis not a constant, n (one add each).
    The axis must be in [-rank, rank - 1], as onnxruntime requires: so a scalar has none."""
    shape = shapes.input(0)
    if not shape:
        raise InvalidNode("input is a scalar (rank 0): CumSum needs an axis to run along")
    n = math.prod(shape)
    axis = shapes.number("axis")
    if axis is None:
        return OpCost(vector_ops=n)
    return OpCost(vector_ops=n - n // max(shape[axis_in(int(axis), len(shape))], 1))
