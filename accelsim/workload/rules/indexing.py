"""Indexed reads and writes: GatherND, GatherElements, ScatterND, ScatterElements.

As `shape.gather` counts a Gather: one copy per element moved; the index arithmetic is not
counted (the vector unit's addressing does it).
"""

from __future__ import annotations

import math

from accelsim.workload.costs import NodeShapes, OpCost, cost_rule


@cost_rule("GatherND", "GatherElements")
def gather_indexed(shapes: NodeShapes) -> OpCost:
    """1 per output element: each element looked up is one copy.

    When the data is a weight, only an output-sized part of it crosses the bus (as Gather).
    """
    return OpCost(vector_ops=shapes.output_elements, partial_reads=((0, shapes.outputs[0]),))


@cost_rule("ScatterND", "ScatterElements")
def scatter(shapes: NodeShapes) -> OpCost:
    """Output elements + updates x (1 or 2): the data is copied to the output (one per element),
    then each update is written (one), after an add, multiply, max or min with the old value
    when `reduction` is not "none" (one more)."""
    updates = math.prod(shapes.input(2))
    reduction = str(shapes.attributes.get("reduction", "none"))
    per_update = 1 if reduction == "none" else 2
    return OpCost(vector_ops=shapes.output_elements + per_update * updates)
