"""The attention pattern `find_attention` matches, op by op on hand-built graphs: a Where mask
is a mask, scores read by anything else are no attention, and the probabilities must be the
first operand of the product with V."""

from __future__ import annotations

from accelsim.workload.attention import find_attention
from tests.sim.toy import GraphBuilder


def _scores(g: GraphBuilder) -> str:
    # Q (1, 2, 8, 4) x Kᵀ (1, 2, 4, 8): scores (1, 2, 8, 8), 128 elements
    q, kt = g.input("q", (1, 2, 8, 4)), g.input("kt", (1, 2, 4, 8))
    return g.op("qk", "MatMul", [q, kt], "s", (1, 2, 8, 8), macs=512)


def test_a_where_mask_is_the_attentions_mask():
    g = GraphBuilder()
    s = _scores(g)
    cond, fill = g.input("c", (1, 1, 8, 8)), g.weight("f", (1,))
    m = g.op("mask", "Where", [cond, s, fill], "m", (1, 2, 8, 8), vector_ops=128)
    p = g.op("softmax", "Softmax", [m], "p", (1, 2, 8, 8), vector_ops=640, axis=-1)
    v = g.input("v", (1, 2, 8, 4))
    o = g.op("pv", "MatMul", [p, v], "o", (1, 2, 8, 4), macs=512)
    (found,), misses = find_attention(g.build(o))
    assert [op.name for op in found.ops] == ["qk", "mask", "softmax", "pv"] and misses == ()
    assert (found.mask, found.masked, found.scale, found.scaled) == ("c", 128, None, 0)
    assert (found.query, found.key, found.value, found.output) == ("q", "kt", "v", "o")


def test_scores_read_by_another_op_are_no_attention():
    # the Softmax reads the scores first, a ReduceMax after it: the scores must be written
    g = GraphBuilder()
    s = _scores(g)
    p = g.op("softmax", "Softmax", [s], "p", (1, 2, 8, 8), vector_ops=640, axis=-1)
    top = g.op("top", "ReduceMax", [s], "t", (1, 2, 8, 1), vector_ops=112, axes=[-1])
    o = g.op("pv", "MatMul", [p, g.input("v", (1, 2, 8, 4))], "o", (1, 2, 8, 4), macs=512)
    assert find_attention(g.build(o, top)) == ((), ())


def test_probabilities_as_the_second_operand_are_no_attention():
    # Vᵀ (1, 2, 4, 8) x P (1, 2, 8, 8): a product reads the probabilities, but not as P·V
    g = GraphBuilder()
    p = g.op("softmax", "Softmax", [_scores(g)], "p", (1, 2, 8, 8), vector_ops=640, axis=-1)
    o = g.op("vp", "MatMul", [g.input("vt", (1, 2, 4, 8)), p], "o", (1, 2, 4, 8), macs=512)
    assert find_attention(g.build(o)) == ((), (
        "softmax: its probabilities are not read only by a MatMul with V; attention left "
        "unfused",
    ))
