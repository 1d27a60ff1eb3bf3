"""A K-split tiled layer with one tile slot (single-buffered) keeps its partial sums in their own
slot, so a (group, band)'s store is issued after the next tile's loads like any tile's output
store, and those loads do not wait for it (`_Planner._plan_tile`: only a layer whose output
shares the one tile slot stores at once, since its next tile's loads overwrite it)."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from tests.sim.toy import GraphBuilder, toy_machine


@pytest.mark.parametrize("dma", [1, 2])
def test_a_one_slot_k_splits_store_follows_the_next_tiles_loads(dma):
    # tests/memory/test_tiling_reduction.py's conv: x (1, 8, 4, 4), 3x3 pad 1 -> 2 channels at
    # 100 B: 16 single-buffered tiles (one output channel x one input channel each: 16 B of x,
    # 9 B of W, 64 B of int32 partial sums in the sums' slot). Channel 0's sums are whole after
    # tile 7; the store of them is issued after tile 8's two loads and before tile 8's compute,
    # which waits for it (channel 1's sums take the one partial-sum slot). Tile 8's loads go
    # to the tile slot, which tile 7's compute frees: they wait for that compute alone.
    g = GraphBuilder()
    x = g.input("x", (1, 8, 4, 4))
    graph = g.build(g.conv("conv", x, 2, 3, pad=1))
    hw = toy_machine(sram=100, dma_units=dma)
    result = simulate_graph(graph, hw, name="t")
    assert result.plan.tiles == (16,)
    tasks = result.plan.tasks
    stores = [t for t in tasks if t.kind == "store"]
    assert [t.tile for t in stores] == [7, 15]
    first = stores[0].id
    # (kind, buffer, tile) of the tasks around the first store, in plan order
    around = [(t.kind, t.buffer, t.tile) for t in tasks[first - 3 : first + 2]]
    assert around == [("compute", "", 7), ("load", "x", 8), ("load", "conv.W", 8),
                      ("store", "conv.out", 7), ("compute", "", 8)]  # fmt: skip
    compute7 = tasks[first - 3].id
    assert [t.deps for t in tasks[first - 2 : first]] == [(compute7,), (compute7,)]
    assert first in tasks[first + 1].deps
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    if dma == 2:  # the store runs beside tile 8's loads, on the other channel
        events = result.trace.events
        store, loads = events[first], events[first - 2 : first]
        assert store.start < max(e.end for e in loads)
