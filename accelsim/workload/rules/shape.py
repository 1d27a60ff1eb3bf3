"""Data movement: views that alias their input, and copies that rewrite every element."""

from __future__ import annotations

import math

from accelsim.workload.costs import InvalidNode, NodeShapes, OpCost, axis_in, cost_rule

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
@cost_rule("Expand", params={1: "shape"})
@cost_rule("Tile", params={1: "repeats"})
def copy(shapes: NodeShapes) -> OpCost:
    """1 per output element: each output element is one copy.

    A permuted read for Transpose, the inputs laid side by side for Concat, the padded map for Pad,
    the selected (possibly reversed, strided) elements for Slice, the broadcast for Expand and
    Tile.
    """
    return OpCost(vector_ops=shapes.output_elements)


@cost_rule("Slice", params={1: "starts", 2: "ends", 3: "axes", 4: "steps"})
def slice_(shapes: NodeShapes) -> OpCost:
    """1 per output element, as `copy`; steps must be non-zero and axes distinct, in range."""
    rank = len(shapes.input(0))
    axes = [axis_in(axis, rank, "axes") for axis in _values(shapes, "axes")]
    if len(set(axes)) < len(axes):
        raise InvalidNode(f"axes {list(_values(shapes, 'axes'))} repeat an axis")
    if 0 in _values(shapes, "steps"):
        raise InvalidNode(f"steps {list(_values(shapes, 'steps'))} has a 0 step")
    return copy(shapes)


def _values(shapes: NodeShapes, name: str) -> tuple[int, ...]:
    """An integer parameter that may be an attribute or a folded input (a scalar or a list)."""
    value = shapes.attributes.get(name)
    if isinstance(value, (int, float)):
        return (int(value),)
    return shapes.ints(name)


@cost_rule("Split", params={1: "split"})
def split(shapes: NodeShapes) -> OpCost:
    """1 per element of every output the model uses: each is one copy, planned as its own op."""
    dims = shapes.input(0)
    axis = axis_in(shapes.integer("axis", 0), len(dims))
    sizes = _values(shapes, "split")
    if sizes and (min(sizes) < 0 or sum(sizes) != dims[axis]):
        raise InvalidNode(f"split {list(sizes)} does not add up to dimension {axis} ({dims[axis]})")
    parts = shapes.integer("num_outputs", len(shapes.outputs))
    if not len(shapes.outputs) <= parts <= max(dims[axis], 1):
        raise InvalidNode(
            f"num_outputs {parts} must be from {len(shapes.outputs)} to dimension {axis} "
            f"({dims[axis]})"
        )
    return OpCost(vector_ops=sum(math.prod(shape) for shape in shapes.outputs), per_output=True)


@cost_rule("Gather", params={1: "indices"})
def gather(shapes: NodeShapes) -> OpCost:
    """1 per output element: each selected element is one copy.

    When the data is a weight (an embedding table), only the rows looked up cross the bus: the
    op reads an output-sized part of it, not the table.
    """
    dims = shapes.input(0)
    axis = axis_in(shapes.integer("axis", 0), len(dims))
    outside = [i for i in _values(shapes, "indices") if not -dims[axis] <= i < dims[axis]]
    if outside:
        raise InvalidNode(f"index {outside[0]} is outside dimension {axis} ({dims[axis]})")
    return OpCost(vector_ops=shapes.output_elements, partial_reads=((0, shapes.outputs[0]),))


_LINEAR_OPS = 3
"""One linear interpolation a + t·(b - a): a subtract, a multiply and an add."""


@cost_rule("Resize", params={1: "roi", 2: "scales", 3: "sizes"})
def resize(shapes: NodeShapes) -> OpCost:
    """Per output element, with k the number of axes whose size changes:

    nearest: 1 (a copy); linear: 2^k - 1 interpolations of 3 ops (bilinear: 9); cubic: 4^k taps,
    a multiply and an add each (bicubic: 32).
    """
    for name in ("scales", "sizes"):
        value = shapes.attributes.get(name)
        values = value if isinstance(value, (tuple, list)) else ()
        if any(not v > 0 for v in values):  # NaN too
            raise InvalidNode(f"{name} {list(values)} must all be > 0")
    k = sum(a != b for a, b in zip(shapes.input(0), shapes.outputs[0], strict=True))
    mode = str(shapes.attributes.get("mode", "nearest"))
    per_element = {"nearest": 1, "linear": _LINEAR_OPS * (2**k - 1), "cubic": 2 * 4**k}[mode]
    return OpCost(vector_ops=per_element * shapes.output_elements)
