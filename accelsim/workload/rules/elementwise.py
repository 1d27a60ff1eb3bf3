"""Element-wise ops on the vector unit: activations, arithmetic and inference BatchNormalization.

Each rule counts elementary operations per output element; broadcasting is accounted for by
counting output (not input) elements.
"""

from __future__ import annotations

from accelsim.workload.costs import NodeShapes, OpCost, cost_rule


def _per_element(shapes: NodeShapes, ops: int) -> OpCost:
    return OpCost(vector_ops=ops * shapes.output_elements)


@cost_rule("Relu")
def relu(shapes: NodeShapes) -> OpCost:
    """1 per element: one compare with zero."""
    return _per_element(shapes, 1)


@cost_rule("Clip", params={1: "min", 2: "max"})
def clip(shapes: NodeShapes) -> OpCost:
    """1 compare per element per bound given: 2 for ReLU6 (min and max), 1 for a one-sided clip.

    A bound is given as an input (opset >= 11, folded to an attribute when constant) or as an
    attribute (older opsets).
    """
    bounds = sum(
        shapes.has_input(position) or name in shapes.attributes
        for position, name in ((1, "min"), (2, "max"))
    )
    return _per_element(shapes, bounds)


@cost_rule("Add", "Sub", "Mul", "Div")
def arithmetic(shapes: NodeShapes) -> OpCost:
    """1 per output element: one add, subtract, multiply or divide (inputs broadcast)."""
    return _per_element(shapes, 1)


@cost_rule("Sigmoid")
def sigmoid(shapes: NodeShapes) -> OpCost:
    """3 per element: 1 / (1 + exp(-x)) is one exp, one add and one divide (the sign is free)."""
    return _per_element(shapes, 3)


@cost_rule("HardSigmoid")
def hard_sigmoid(shapes: NodeShapes) -> OpCost:
    """4 per element: max(0, min(1, alpha·x + beta)) is a multiply, an add and two compares."""
    return _per_element(shapes, 4)


@cost_rule("HardSwish")
def hard_swish(shapes: NodeShapes) -> OpCost:
    """5 per element: x · HardSigmoid(x), the hard sigmoid's 4 plus one multiply."""
    return _per_element(shapes, 5)


@cost_rule("BatchNormalization")
def batch_normalization(shapes: NodeShapes) -> OpCost:
    """2 per element: one multiply and one add.

    Inference BN is y = x·scale' + shift', with scale' and shift' precomputed per channel from
    (scale, bias, mean, var, epsilon).
    """
    return _per_element(shapes, 2)
