"""Convolution: plain, grouped and depthwise, in any number of spatial dimensions."""

from __future__ import annotations

import math

from accelsim.workload.costs import InvalidNode, NodeShapes, OpCost, cost_rule
from accelsim.workload.rules._window import resolve_window


def _conv_attributes(shapes: NodeShapes) -> dict[str, object]:
    """Window attributes from the weight's shape (Cout, Cin/group, k...), plus group."""
    data, weight = shapes.input(0), shapes.input(1)
    group = shapes.integer("group", 1)
    if group < 1:
        raise ValueError(f"group {group} must be >= 1")
    if len(data) < 2 or len(weight) != len(data) or data[1] != weight[1] * group:
        raise ValueError(
            f"input {_dims(data)} and weight {_dims(weight)} with group {group} do not match; "
            "input channels must equal weight dimension 1 x group"
        )
    if weight[0] % group:
        raise ValueError(f"{weight[0]} output channels do not split into {group} groups")
    return {**resolve_window(shapes, weight[2:]), "group": group}


def _dims(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


@cost_rule("Conv", resolve=_conv_attributes, multiplies=True)
def conv(shapes: NodeShapes) -> OpCost:
    """MACs = N·Cout·Hout·Wout · (Cin/group) · kh·kw; the bias add rides in the accumulator.

    The weight's shape is (Cout, Cin/group, kh, kw), so the product of its dims after the first is
    the MACs per output element for plain (group 1), grouped and depthwise (group = Cin) alike.
    """
    weight = shapes.input(1)
    return OpCost(macs=shapes.output_elements * math.prod(weight[1:]))


def _check_transpose(shapes: NodeShapes) -> None:
    """What onnxruntime checks of a ConvTranspose: groups, channels, kernel, pads, strides."""
    data, weight = shapes.input(0), shapes.input(1)
    group = shapes.integer("group", 1)
    if group < 1 or len(data) < 3 or len(weight) != len(data) or data[1] != weight[0] \
            or data[1] % group:  # fmt: skip
        raise InvalidNode(
            f"group {group}: input {_dims(data)} and weight {_dims(weight)} do not match; input "
            "channels must equal weight dimension 0 and divide into the groups"
        )
    rank = len(data) - 2
    kernel = shapes.ints("kernel_shape", weight[2:])
    strides = shapes.ints("strides", (1,) * rank)
    dilations = shapes.ints("dilations", (1,) * rank)
    for name, values, low in (("kernel_shape", kernel, 1), ("strides", strides, 1),
                              ("dilations", dilations, 1), ("pads", shapes.ints("pads"), 0)):
        if any(value < low for value in values):
            raise InvalidNode(f"{name} {list(values)} must be >= {low}")  # fmt: skip
    if tuple(kernel) != weight[2:]:
        raise InvalidNode(f"kernel_shape {list(kernel)} is not the weight's {_dims(weight[2:])}")
    padding = shapes.ints("output_padding", (0,) * rank)
    if any(p < 0 or p >= s for p, s in zip(padding, strides, strict=False)):
        raise InvalidNode(f"output_padding {list(padding)} must be >= 0 and below the stride")


@cost_rule("ConvTranspose", multiplies=True)
def conv_transpose(shapes: NodeShapes) -> OpCost:
    """MACs = N·Cin·Hin·Win · (Cout/group) · kh·kw: every input pixel is scattered, through the
    kernel, onto Cout/group output channels (the weight is (Cin, Cout/group, kh, kw)); overlapping
    contributions accumulate, and the bias rides in the accumulator."""
    _check_transpose(shapes)
    weight = shapes.input(1)
    return OpCost(macs=math.prod(shapes.input(0)) * math.prod(weight[1:]))
