"""Pooling on the vector unit: windowed, global, and ReduceMean (an average pool over axes)."""

from __future__ import annotations

import math

from accelsim.workload.costs import InvalidNode, NodeShapes, OpCost, Shape, axis_in, cost_rule
from accelsim.workload.rules._window import kernel_of, resolve_window


def _pool_attributes(shapes: NodeShapes) -> dict[str, object]:
    return {
        **resolve_window(shapes, kernel_of(shapes)),
        "ceil_mode": shapes.integer("ceil_mode", 0),
    }


def _pool_shape(shapes: NodeShapes) -> Shape:
    """With ceil_mode a last window that would start in the end padding is dropped (the spec
    since opset 19, onnxruntime at every opset); ONNX shape inference keeps it."""
    inferred = shapes.outputs[0]
    if not shapes.integer("ceil_mode", 0):
        return inferred
    spatial = shapes.input(0)[2:]
    strides, pads = shapes.ints("strides"), shapes.ints("pads")
    kept = [
        out - 1 if (out - 1) * stride >= size + begin else out
        for out, size, stride, begin in zip(inferred[2:], spatial, strides, pads, strict=False)
    ]
    return (*inferred[:2], *kept)


def _input_elements(shapes: NodeShapes) -> int:
    return math.prod(shapes.input(0))


@cost_rule("MaxPool", resolve=_pool_attributes, output_shape=_pool_shape)
def max_pool(shapes: NodeShapes) -> OpCost:
    """Output elements · (kh·kw - 1) compares: the max of k·k values takes k·k - 1."""
    window = math.prod(shapes.ints("kernel_shape"))
    return OpCost(vector_ops=shapes.output_elements * (window - 1))


@cost_rule("AveragePool", resolve=_pool_attributes, output_shape=_pool_shape)
def average_pool(shapes: NodeShapes) -> OpCost:
    """Output elements · kh·kw: k·k - 1 adds and one multiply by 1/(k·k) per output.

    Windows that overlap padding are not discounted.
    """
    window = math.prod(shapes.ints("kernel_shape"))
    return OpCost(vector_ops=shapes.output_elements * window)


@cost_rule("GlobalAveragePool")
def global_average_pool(shapes: NodeShapes) -> OpCost:
    """Input elements: (window - 1) adds and one multiply per output, window = whole map.

    That is AveragePool's count with the window covering the map: one op per input element.
    """
    return OpCost(vector_ops=_input_elements(shapes))


@cost_rule("GlobalMaxPool")
def global_max_pool(shapes: NodeShapes) -> OpCost:
    """Input - output elements: window - 1 compares per output, window = whole map."""
    return OpCost(vector_ops=_input_elements(shapes) - shapes.output_elements)


def reduce_attributes(shapes: NodeShapes) -> dict[str, object]:
    """Axes (all of them when none are given) and keepdims, ONNX defaults filled."""
    rank = len(shapes.input(0))
    given = shapes.attributes.get("axes")
    listed = (int(given),) if isinstance(given, (int, float)) else shapes.ints("axes")
    axes = tuple(axis_in(axis, rank, "axes") for axis in listed) or tuple(range(rank))
    if len(set(axes)) < len(axes):
        raise InvalidNode(f"axes {list(listed)} repeat an axis")
    return {"axes": axes, "keepdims": shapes.integer("keepdims", 1)}


@cost_rule("ReduceMean", params={1: "axes"}, resolve=reduce_attributes)
def reduce_mean(shapes: NodeShapes) -> OpCost:
    """Input elements, as GlobalAveragePool: (window - 1) adds + 1 multiply per output."""
    return OpCost(vector_ops=_input_elements(shapes))


@cost_rule("ReduceSum", "ReduceMax", "ReduceMin", params={1: "axes"}, resolve=reduce_attributes)
def reduce_fold(shapes: NodeShapes) -> OpCost:
    """Input - output elements: window - 1 adds (ReduceSum) or compares (Max/Min) per output."""
    return OpCost(vector_ops=_input_elements(shapes) - shapes.output_elements)
