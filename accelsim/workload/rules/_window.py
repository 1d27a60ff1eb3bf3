"""Sliding-window attributes shared by Conv and the pools: explicit pads instead of auto_pad."""

from __future__ import annotations

import math

from accelsim.workload.costs import NodeShapes, Shape


def _same_pads(
    spatial: Shape, kernel: Shape, strides: Shape, dilations: Shape, upper: bool
) -> Shape:
    """Pads that make output = ceil(input / stride); the odd pixel goes to the end if `upper`."""
    begins: list[int] = []
    ends: list[int] = []
    for size, k, s, d in zip(spatial, kernel, strides, dilations, strict=True):
        total = max(0, (math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size)
        small, large = total // 2, total - total // 2
        begins.append(small if upper else large)
        ends.append(large if upper else small)
    return (*begins, *ends)


def resolve_window(shapes: NodeShapes, kernel: Shape) -> dict[str, object]:
    """kernel_shape, strides, dilations and explicit pads (begin..., end...), ONNX defaults filled.

    auto_pad is resolved into pads and reported as "NOTSET", so a planner reads only `pads`.
    """
    rank = len(kernel)
    strides = shapes.ints("strides", (1,) * rank)
    dilations = shapes.ints("dilations", (1,) * rank)
    auto_pad = shapes.attributes.get("auto_pad", "NOTSET")
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        spatial = shapes.input(0)[2:]
        pads = _same_pads(spatial, kernel, strides, dilations, upper=auto_pad == "SAME_UPPER")
    elif auto_pad == "VALID":
        pads = (0,) * (2 * rank)
    else:
        pads = shapes.ints("pads", (0,) * (2 * rank))
    return {
        "kernel_shape": kernel,
        "strides": strides,
        "pads": pads,
        "dilations": dilations,
        "auto_pad": "NOTSET",
    }


def kernel_of(shapes: NodeShapes) -> Shape:
    """The pool window from `kernel_shape` (a required attribute of MaxPool/AveragePool)."""
    return shapes.ints("kernel_shape")
