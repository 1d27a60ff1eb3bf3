"""A batched element-wise layer tiles by (channel, row band), each tile across the batch; the
flat split (rows of B x C x H) is a last resort, asked for only when no such tile fits."""

from __future__ import annotations

from collections import Counter

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_batched_add_tiles_each_channels_rows_across_the_batch():
    # a + b -> y, each (2, 4, 4, 16) int8: 512 B, 1,536 B in all, in 400 B of SRAM. A tile of
    # one channel and a band of h rows spans both batch items: 2 x h x 16 B of a, of b and of
    # y. h = 2 double-buffers the three in 2 x 3 x 64 = 384 B (h = 4 only single-buffered:
    # 3 x 128), so 4 channels x 2 bands = 8 tiles of 64 B each, every byte moved once. The
    # flat split, taken when it need not be, cuts 16 tiles of 32 B here.
    g = GraphBuilder()
    a, b = g.input("a", (2, 4, 4, 16)), g.input("b", (2, 4, 4, 16))
    y = g.op("add", "Add", [a, b], "y", (2, 4, 4, 16), vector_ops=512)
    hw = toy_machine(sram=400)
    result = simulate_graph(g.build(y), hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    assert result.plan.tiles == (8,)
    moved = Counter((t.kind, t.buffer, t.work.nbytes) for t in result.plan.tasks
                    if t.unit_kind == "dma")  # fmt: skip
    assert moved == Counter({("load", "a", 64): 8, ("load", "b", 64): 8, ("store", "y", 64): 8})
