"""Normalizations on the vector unit: Layer-, Group- and InstanceNormalization.

All three normalise groups of elements by their own mean and variance, then scale and shift:
per element 7 ops (add to the sum, subtract the mean, square, add to the sum of squares,
multiply by 1/std, multiply by the scale, add the bias), per group 5 (mean and variance each a
multiply by 1/n, add epsilon, square root, reciprocal).
"""

from __future__ import annotations

import math

from accelsim.workload.costs import InvalidNode, NodeShapes, OpCost, axis_in, cost_rule

PER_ELEMENT = 7
PER_GROUP = 5


def _normalize(shapes: NodeShapes, groups: int) -> OpCost:
    return OpCost(vector_ops=PER_ELEMENT * shapes.output_elements + PER_GROUP * groups)


@cost_rule("LayerNormalization", keeps_shape=True)
def layer_normalization(shapes: NodeShapes) -> OpCost:
    """Groups: the product of the dims before `axis` (default -1), one per normalised row."""
    shape = shapes.input(0)
    axis = axis_in(shapes.integer("axis", -1), len(shape))
    for position, name in ((1, "scale"), (2, "bias")):
        if shapes.has_input(position) and math.prod(shapes.input(position)) != math.prod(
            shape[axis:]
        ):
            raise InvalidNode(
                f"{name} {list(shapes.input(position))} does not match the normalised dims "
                f"{list(shape[axis:])}"
            )
    return _normalize(shapes, math.prod(shape[:axis]))


@cost_rule("GroupNormalization", keeps_shape=True)
def group_normalization(shapes: NodeShapes) -> OpCost:
    """Groups: batch · num_groups."""
    return _normalize(shapes, shapes.input(0)[0] * shapes.integer("num_groups", 1))


@cost_rule("InstanceNormalization", keeps_shape=True)
def instance_normalization(shapes: NodeShapes) -> OpCost:
    """Groups: batch · channels (each channel of each sample on its own)."""
    batch, channels = shapes.input(0)[:2]
    return _normalize(shapes, batch * channels)
