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


@cost_rule("Exp", "Log", "Sqrt", "Erf", "Neg", "Abs", "Reciprocal", "Cast")
def one_per_element(shapes: NodeShapes) -> OpCost:
    """1 per element: one exp, log, square root, erf (a transcendental counts as one, as exp
    does in Sigmoid), negation, absolute value, reciprocal or type conversion."""
    return _per_element(shapes, 1)


@cost_rule("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Max", "Min")
@cost_rule("Where")
def compare(shapes: NodeShapes) -> OpCost:
    """1 per output element: one compare (Max/Min of two inputs) or one select (Where)."""
    return _per_element(shapes, 1)


@cost_rule("Tanh")
def tanh(shapes: NodeShapes) -> OpCost:
    """5 per element: (e^2x - 1) / (e^2x + 1): a multiply, an exp, a subtract, an add, a divide."""
    return _per_element(shapes, 5)


@cost_rule("Pow", params={1: "exponent"})
def power(shapes: NodeShapes) -> OpCost:
    """n - 1 multiplies per element for a constant whole exponent n >= 2 (x² is one multiply);
    else 3 (x^y = exp(y·log x): a log, a multiply and an exp)."""
    exponent = shapes.attributes.get("exponent")
    if isinstance(exponent, (int, float)) and float(exponent).is_integer() and 2 <= exponent <= 8:
        return _per_element(shapes, int(exponent) - 1)
    return _per_element(shapes, 3)


_GELU_OPS = {"none": 5, "tanh": 13}
"""Exact: 0.5·x·(1 + erf(x/√2)) is a multiply, an erf, an add and two multiplies. Tanh form:
0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): x³ (2 multiplies), ·0.044715, + x, ·√(2/π), tanh (5),
+ 1, · x, · 0.5."""


@cost_rule("Gelu")
def gelu(shapes: NodeShapes) -> OpCost:
    """5 per element (exact, erf form) or 13 (tanh approximation); see `_GELU_OPS`."""
    approximate = str(shapes.attributes.get("approximate", "none"))
    return _per_element(shapes, _GELU_OPS[approximate])
