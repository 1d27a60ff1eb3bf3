"""Data movement: views that alias their input, and copies that rewrite every element."""

from __future__ import annotations

from accelsim.workload.costs import NodeShapes, OpCost, cost_rule

_VIEW = OpCost(is_view=True)


@cost_rule("Flatten", "Identity")
@cost_rule("Reshape", params={1: "shape"})
@cost_rule("Squeeze", "Unsqueeze", params={1: "axes"})
@cost_rule("Dropout", params={1: "ratio", 2: "training_mode"})
def view(shapes: NodeShapes) -> OpCost:
    """0: the output is the input reinterpreted, so no data moves and nothing is computed.

    Row-major order is unchanged by these ops; Dropout at inference is the identity.
    """
    return _VIEW


@cost_rule("Transpose", "Concat")
@cost_rule("Pad", params={1: "pads", 2: "constant_value", 3: "axes"})
def copy(shapes: NodeShapes) -> OpCost:
    """1 per output element: each output element is one copy.

    A permuted read for Transpose, the inputs laid side by side for Concat, the padded map for Pad.
    """
    return OpCost(vector_ops=shapes.output_elements)
