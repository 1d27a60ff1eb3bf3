"""Matrix products: Gemm (2-D, optional transposes and bias) and MatMul (batched, broadcast)."""

from __future__ import annotations

import math

from accelsim.workload.costs import NodeShapes, OpCost, cost_rule


def _gemm_attributes(shapes: NodeShapes) -> dict[str, object]:
    attributes = shapes.attributes
    return {
        "transA": shapes.integer("transA", 0),
        "transB": shapes.integer("transB", 0),
        "alpha": attributes.get("alpha", 1.0),
        "beta": attributes.get("beta", 1.0),
    }


@cost_rule("Gemm", resolve=_gemm_attributes)
def gemm(shapes: NodeShapes) -> OpCost:
    """MACs = M·N·K, K the reduced dim of A (A is stored K x M when transA).

    Bias and alpha/beta scaling ride in the accumulator (alpha and beta fold into the weights),
    so there are no vector ops.
    """
    a = shapes.input(0)
    k = a[0] if shapes.integer("transA", 0) else a[1]
    return OpCost(macs=shapes.output_elements * k)


@cost_rule("MatMul")
def matmul(shapes: NodeShapes) -> OpCost:
    """MACs = product of the output dims · K, K the last dim of A.

    numpy matmul semantics: a batched or broadcast product counts every batch.
    """
    return OpCost(macs=shapes.output_elements * shapes.input(0)[-1])


def _einsum_terms(shapes: NodeShapes) -> tuple[list[list[str]], dict[str, int]]:
    """Each input's labels (an ellipsis becomes one label per dim, counted from the right) and
    the size of every label (the largest, as dims of 1 broadcast)."""
    equation = str(shapes.attributes["equation"]).replace(" ", "")
    terms = equation.split("->")[0].split(",")
    sizes: dict[str, int] = {}
    labelled = []
    for position, term in enumerate(terms):
        shape = shapes.input(position)
        head, _, tail = term.partition("...")
        spread = len(shape) - len(head) - len(tail) if "..." in term else 0
        labels = [*head, *(f"...{spread - i}" for i in range(spread)), *tail]
        for label, size in zip(labels, shape, strict=True):
            sizes[label] = max(sizes.get(label, 1), size)
        labelled.append(labels)
    return labelled, sizes


@cost_rule("Einsum")
def einsum(shapes: NodeShapes) -> OpCost:
    """A product of two or more inputs: MACs = the product of every distinct label's size (each
    point of the iteration space is one multiply-accumulate; "bhid,bhjd->bhij" is a batched
    MatMul of b·h·i·j·d MACs). One input (a transpose, trace or sum): 1 per input element."""
    terms, sizes = _einsum_terms(shapes)
    if len(terms) == 1:
        return OpCost(vector_ops=math.prod(shapes.input(0)))
    return OpCost(macs=math.prod(sizes.values()))
