"""Smooth activations on the vector unit: Softplus, Softsign, Mish (HardSwish and the other
piecewise ones are in `elementwise`). A transcendental counts as one op, as exp in Sigmoid."""

from __future__ import annotations

from accelsim.workload.costs import NodeShapes, OpCost, cost_rule

SOFTPLUS_OPS = 3
"""log(1 + exp(x)): an exp, an add and a log."""
TANH_OPS = 5
"""(e^2x - 1) / (e^2x + 1), as `elementwise.tanh` counts it."""


@cost_rule("Softplus")
def softplus(shapes: NodeShapes) -> OpCost:
    """3 per element (`SOFTPLUS_OPS`)."""
    return OpCost(vector_ops=SOFTPLUS_OPS * shapes.output_elements)


@cost_rule("Softsign")
def softsign(shapes: NodeShapes) -> OpCost:
    """3 per element: x / (1 + |x|) is an absolute value, an add and a divide."""
    return OpCost(vector_ops=3 * shapes.output_elements)


@cost_rule("Mish")
def mish(shapes: NodeShapes) -> OpCost:
    """9 per element: x · tanh(softplus(x)) is softplus (3), tanh (5) and a multiply."""
    return OpCost(vector_ops=(SOFTPLUS_OPS + TANH_OPS + 1) * shapes.output_elements)
