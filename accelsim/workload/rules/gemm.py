"""Matrix products: Gemm (2-D, optional transposes and bias) and MatMul (batched, broadcast)."""

from __future__ import annotations

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
