"""Matrix products: Gemm (2-D, optional transposes and bias) and MatMul (batched, broadcast)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from accelsim.workload.costs import NodeShapes, OpCost, Shape, cost_rule
from accelsim.workload.einsum import ELLIPSIS, label_sizes, parse_equation, term_labels


def _gemm_attributes(shapes: NodeShapes) -> dict[str, object]:
    attributes = shapes.attributes
    return {
        "transA": shapes.integer("transA", 0),
        "transB": shapes.integer("transB", 0),
        "alpha": attributes.get("alpha", 1.0),
        "beta": attributes.get("beta", 1.0),
    }


@cost_rule("Gemm", resolve=_gemm_attributes, multiplies=True)
def gemm(shapes: NodeShapes) -> OpCost:
    """MACs = M·N·K, K the reduced dim of A (A is stored K x M when transA).

    Bias and alpha/beta scaling ride in the accumulator (alpha and beta fold into the weights),
    so there are no vector ops.
    """
    a = shapes.input(0)
    k = a[0] if shapes.integer("transA", 0) else a[1]
    return OpCost(macs=shapes.output_elements * k)


@cost_rule("MatMul", multiplies=True)
def matmul(shapes: NodeShapes) -> OpCost:
    """MACs = product of the output dims · K, K the last dim of A.

    numpy matmul semantics: a batched or broadcast product counts every batch.
    """
    return OpCost(macs=shapes.output_elements * shapes.input(0)[-1])


def einsum_labels(
    equation: str, shapes: Sequence[tuple[int, ...]]
) -> tuple[list[list[str]], dict[str, int]]:
    """The labels of each term with a shape (the inputs', then the output's when its shape is
    given too) and the size of every label; see `einsum.label_sizes`.

    Raises:
        InvalidNode: a malformed equation or one that does not fit the shapes.
    """
    operands = equation.count(",") + 1
    parsed = parse_equation(equation, operands)
    labelled, sizes = label_sizes(parsed, shapes[:operands])
    if parsed.output is not None and len(shapes) > operands:
        labelled.append(term_labels(parsed.output, len(shapes[operands])))
    return labelled, sizes


def _einsum_shape(shapes: NodeShapes) -> Shape:
    """Each output label's size over every operand (a 1 broadcasts), as in onnxruntime; ONNX
    shape inference takes the size of the label's first operand, which may be the 1."""
    count = len(shapes.inputs)
    equation = parse_equation(str(shapes.attributes["equation"]), count)
    _, sizes = label_sizes(equation, [shapes.input(i) for i in range(count)])
    output = equation.output
    if output is None:  # implicit: the ellipsis, then the labels used once, in order
        letters = "".join(term.replace(ELLIPSIS, "") for term in equation.inputs)
        once = sorted(label for label in set(letters) if letters.count(label) == 1)
        output = (ELLIPSIS if ELLIPSIS in "".join(equation.inputs) else "") + "".join(once)
    return tuple(sizes[label] for label in term_labels(output, len(shapes.outputs[0])))


@cost_rule("Einsum", multiplies=True, output_shape=_einsum_shape)
def einsum(shapes: NodeShapes) -> OpCost:
    """A product of two or more inputs: MACs = the product of every distinct label's size (each
    point of the iteration space is one multiply-accumulate; "bhid,bhjd->bhij" is a batched
    MatMul of b·h·i·j·d MACs). One input (a transpose, trace or sum): 1 per input element."""
    count = len(shapes.inputs)
    equation = parse_equation(str(shapes.attributes["equation"]), count)
    terms, sizes = label_sizes(equation, [shapes.input(i) for i in range(count)])
    if len(terms) == 1:
        return OpCost(vector_ops=math.prod(shapes.input(0)))
    return OpCost(macs=math.prod(sizes.values()))
