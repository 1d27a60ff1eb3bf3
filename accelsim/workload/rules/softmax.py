"""Softmax and LogSoftmax on the vector unit, numerically stable form (subtract the row max)."""

from __future__ import annotations

import math

from accelsim.workload.costs import NodeShapes, OpCost, axis_in, cost_rule

_OPSET_AXIS_CHANGED = 13
"""From opset 13 the softmax axis defaults to -1 and is one axis; before, the input was
coerced to 2-D at `axis` (default 1) and each row was everything from `axis` on."""


def _softmax_attributes(shapes: NodeShapes) -> dict[str, object]:
    default = -1 if shapes.opset >= _OPSET_AXIS_CHANGED else 1
    rank = len(shapes.input(0))
    return {"axis": axis_in(shapes.integer("axis", default), max(rank, 1))}


def _rows(shapes: NodeShapes) -> int:
    """How many independent softmaxes the op computes."""
    shape = shapes.input(0)
    axis = shapes.integer("axis", -1)
    if shapes.opset >= _OPSET_AXIS_CHANGED:
        return math.prod(shape) // max(shape[axis], 1)
    return math.prod(shape[:axis])


@cost_rule("Softmax", resolve=_softmax_attributes)
def softmax(shapes: NodeShapes) -> OpCost:
    """5 per element: max compare, subtract the max, exp, add to the sum, divide by the sum."""
    return OpCost(vector_ops=5 * shapes.output_elements)


@cost_rule("LogSoftmax", resolve=_softmax_attributes)
def log_softmax(shapes: NodeShapes) -> OpCost:
    """5 per element plus one log per row.

    Per element: max compare, subtract the max, exp, add to the sum, subtract the log-sum.
    """
    return OpCost(vector_ops=5 * shapes.output_elements + _rows(shapes))
