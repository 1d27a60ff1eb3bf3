"""Rounding, sign and integer arithmetic on the vector unit: Floor, Ceil, Round, Sign, BitShift,
Mod. Counted per output element (inputs broadcast)."""

from __future__ import annotations

from accelsim.workload.costs import NodeShapes, OpCost, cost_rule

MOD_OPS = 4
"""a mod b = a - b·floor(a/b) (or trunc with fmod=1): a divide, a rounding, a multiply and a
subtract."""


@cost_rule("Floor", "Ceil", "Round", "Sign", "BitShift")
def one_per_element(shapes: NodeShapes) -> OpCost:
    """1 per output element: one rounding (floor, ceiling, half to even), one sign (copysign of
    1 by x, 0 for 0) or one shift (inputs broadcast)."""
    return OpCost(vector_ops=shapes.output_elements)


@cost_rule("Mod")
def mod(shapes: NodeShapes) -> OpCost:
    """4 per output element, integer or floating (`MOD_OPS`)."""
    return OpCost(vector_ops=MOD_OPS * shapes.output_elements)
