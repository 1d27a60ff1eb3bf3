"""A tiled layer's tile slots are reused only once the tile before in that slot is done: on a
compute-bound machine (the bus far faster than the array) the loads run ahead of the computes,
so a load into a slot that did not wait for the tile before in it would overwrite that tile's
inputs while it computes, or its output before its store."""

from __future__ import annotations

from accelsim.api import simulate_graph
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_double_buffered_tiles_loads_wait_for_the_tile_two_back_to_compute_and_store():
    # 8 x 32 x 32 conv 3x3 on 4,000 B of SRAM at 0.5 MAC a cycle over a 1 B/cycle bus: 16
    # bands of rows, each ~74,000 cycles of compute and ~800 of loads, two tile slots (no
    # K-split), each holding a band of x and its output.
    g = GraphBuilder()
    y = g.conv("c", g.input("x", (1, 8, 32, 32)), 8, 3, pad=1)
    result = simulate_graph(g.build(y), toy_machine(sram=4_000, matrix="1 GFLOPS"), name="t")
    events = list(result.trace.events)
    compute = {e.tile: e for e in events if e.kind == "compute"}
    store = {e.tile: e for e in events if e.kind == "store"}
    loads = [e for e in events if e.kind == "load" and e.buffer == "x"]
    assert result.plan.tiles == (16,) and len(compute) == len(store) == 16
    for load in loads:
        if load.tile >= 2:  # its slot held tile - 2: read by its compute, then by its store
            assert load.start >= compute[load.tile - 2].end
            assert load.start >= store[load.tile - 2].end
    # the loads do run ahead: tile 2's starts before tile 1's compute ends
    assert min(e.start for e in loads if e.tile == 2) < compute[1].end
