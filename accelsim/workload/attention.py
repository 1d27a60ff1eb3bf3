"""Find scaled dot-product attention in a graph, as exporters spell it, for fused lowering.

The pattern: S = MatMul(Q, Kᵀ); optionally S · c or S / c (a scalar weight); optionally a mask,
S + M or Where(M, S, fill); P = Softmax(S) over the last axis; O = MatMul(P, V). Each step's
result is read only by the next and is not a graph output (or the scores would have to exist).
The bundled GPT builder, torch's TorchScript (legacy) exporter and its dynamo exporter without
fused-SDPA all spell attention this way; a scale applied to Q and K before the product is simply
not part of the match (it stays an op of its own). A fused kernel applies a matched scale to Q,
once per query element, not to each score: (c·Q)·Kᵀ = c·(Q·Kᵀ).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.workload.graph import Graph, Op

__all__ = ["Attention", "find_attention"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Attention:
    """One matched attention: its ops in order and the tensors the fused kernel reads."""

    ops: tuple[Op, ...]  # Q·Kᵀ, [scale], [mask], Softmax, ·V
    query: str
    key: str  # Kᵀ as the product reads it (the caller resolves a transpose it folded)
    value: str
    mask: str | None
    scale: str | None
    output: str
    scaled: int  # elements the scale touches: Q's, as a kernel folds it in (0 when absent)
    masked: int  # score elements the mask touches (0 when absent)


def find_attention(graph: Graph) -> tuple[tuple[Attention, ...], tuple[str, ...]]:
    """Every attention in `graph`, and a reason for each Softmax that looked like one and was not
    matched (a MatMul before it, but not the rest of the pattern)."""
    readers: dict[str, list[Op]] = {}
    for op in graph.ops:
        for name in op.inputs:
            readers.setdefault(name, []).append(op)
    outputs = set(graph.outputs)

    def only_reader(name: str) -> Op | None:
        found = readers.get(name, [])
        return found[0] if len(found) == 1 and name not in outputs else None

    found: list[Attention] = []
    misses: list[str] = []
    for op in graph.ops:
        if op.op_type != "MatMul" or len(op.inputs) != 2:
            continue
        chain, scale, mask = [op], None, None
        step = only_reader(op.outputs[0])
        if step is not None and _scales(graph, step, op.outputs[0]):
            chain.append(step)
            scale = next(n for n in step.inputs if n != chain[-2].outputs[0])
            step = only_reader(step.outputs[0])
        if step is not None and step.op_type in ("Add", "Where") and len(step.inputs) >= 2:
            chain.append(step)
            mask = next(n for n in step.inputs if n != chain[-2].outputs[0])
            step = only_reader(step.outputs[0])
        if step is None or step.op_type != "Softmax":
            continue
        if not _last_axis(graph, step):
            misses.append(f"{step.name}: Softmax not over the last axis; attention left unfused")
            continue
        chain.append(step)
        product = only_reader(step.outputs[0])
        if product is None or product.op_type != "MatMul" or product.inputs[0] != step.outputs[0]:
            misses.append(f"{step.name}: its probabilities are not read only by a MatMul with V; "
                          "attention left unfused")  # fmt: skip
            continue
        chain.append(product)
        scores = graph.tensor(op.outputs[0]).shape
        elements = _prod(scores)
        found.append(
            Attention(
                ops=tuple(chain), query=op.inputs[0], key=op.inputs[1], value=product.inputs[1],
                mask=mask, scale=scale, output=product.outputs[0],
                scaled=_prod(graph.tensor(op.inputs[0]).shape) if scale else 0,
                masked=elements if mask else 0,
            )
        )  # fmt: skip
    return tuple(found), tuple(misses)


def _scales(graph: Graph, op: Op, scores: str) -> bool:
    """`op` is S · c, c · S or S / c with c a single-element weight (the 1/√d scale); c / S is
    no scale."""
    if op.op_type not in ("Mul", "Div") or (op.op_type == "Div" and op.inputs[0] != scores):
        return False
    return any(
        graph.tensor(n).kind == "weight" and _prod(graph.tensor(n).shape) == 1 for n in op.inputs
    )


def _last_axis(graph: Graph, op: Op) -> bool:
    rank = len(graph.tensor(op.inputs[0]).shape)
    axis = op.attributes.get("axis", -1)
    return isinstance(axis, int) and axis % max(rank, 1) == rank - 1


def _prod(shape: tuple[int, ...]) -> int:
    total = 1
    for dim in shape:
        total *= dim
    return total
