"""Logical ops and IEEE class tests on the vector unit: And, Or, Xor, Not, IsNaN, IsInf.

One elementary op per output element, as the comparisons of `elementwise` count them (inputs
broadcast, so output elements are counted).
"""

from __future__ import annotations

from accelsim.workload.costs import NodeShapes, OpCost, cost_rule


@cost_rule("And", "Or", "Xor", "Not")
def logical(shapes: NodeShapes) -> OpCost:
    """1 per output element: one and, or, exclusive or (inputs broadcast) or negation."""
    return OpCost(vector_ops=shapes.output_elements)


@cost_rule("IsNaN")
def is_nan(shapes: NodeShapes) -> OpCost:
    """1 per element: one compare (x != x holds for NaN alone)."""
    return OpCost(vector_ops=shapes.output_elements)


@cost_rule("IsInf")
def is_inf(shapes: NodeShapes) -> OpCost:
    """1 compare per element per infinity looked for: x == +inf and x == -inf, so 2 by default
    and 1 with detect_positive or detect_negative set to 0."""
    signs = shapes.integer("detect_positive", 1) + shapes.integer("detect_negative", 1)
    return OpCost(vector_ops=signs * shapes.output_elements)
