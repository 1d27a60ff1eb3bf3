"""Data movement: views that alias their input, and copies that rewrite every element."""

from __future__ import annotations

import math

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
@cost_rule("Slice", params={1: "starts", 2: "ends", 3: "axes", 4: "steps"})
@cost_rule("Expand", params={1: "shape"})
@cost_rule("Tile", params={1: "repeats"})
def copy(shapes: NodeShapes) -> OpCost:
    """1 per output element: each output element is one copy.

    A permuted read for Transpose, the inputs laid side by side for Concat, the padded map for Pad,
    the selected (possibly reversed, strided) elements for Slice, the broadcast for Expand and
    Tile.
    """
    return OpCost(vector_ops=shapes.output_elements)


@cost_rule("Split", params={1: "split"})
def split(shapes: NodeShapes) -> OpCost:
    """1 per element of every output the model uses: each is one copy, planned as its own op."""
    return OpCost(vector_ops=sum(math.prod(shape) for shape in shapes.outputs), per_output=True)


@cost_rule("Gather", params={1: "indices"})
def gather(shapes: NodeShapes) -> OpCost:
    """1 per output element: each selected element is one copy.

    When the data is a weight (an embedding table), only the rows looked up cross the bus: the
    op reads an output-sized part of it, not the table.
    """
    return OpCost(vector_ops=shapes.output_elements, partial_reads=((0, shapes.outputs[0]),))


_LINEAR_OPS = 3
"""One linear interpolation a + t·(b - a): a subtract, a multiply and an add."""


@cost_rule("Resize", params={1: "roi", 2: "scales", 3: "sizes"})
def resize(shapes: NodeShapes) -> OpCost:
    """Per output element, with k the number of axes whose size changes:

    nearest: 1 (a copy); linear: 2^k - 1 interpolations of 3 ops (bilinear: 9); cubic: 4^k taps,
    a multiply and an add each (bicubic: 32).
    """
    k = sum(a != b for a, b in zip(shapes.input(0), shapes.outputs[0], strict=True))
    mode = str(shapes.attributes.get("mode", "nearest"))
    per_element = {"nearest": 1, "linear": _LINEAR_OPS * (2**k - 1), "cubic": 2 * 4**k}[mode]
    return OpCost(vector_ops=per_element * shapes.output_elements)
