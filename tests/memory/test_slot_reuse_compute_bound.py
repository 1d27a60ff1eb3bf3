"""A tiled layer's tile slots are reused only once the tile before in that slot is done: on a
compute-bound machine (the bus far faster than the array) the loads run ahead of the computes,
so a load into a slot that did not wait for the tile before in it would overwrite that tile's
inputs while it computes, or its output before its store."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.hardware_file import with_overrides
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


def test_with_three_tile_slots_a_finished_tiles_store_follows_the_next_two_tiles_loads():
    # y = x . w (1 x 64 x 16 by 16 x 8) with a Sigmoid epilogue, on 800 B of SRAM: 8 tiles of 8
    # rows cycling through three tile slots (the epilogue keeps a finished tile while the next
    # load). With s slots, s - 1 tiles' loads go before a finished tile's store (the bus is not
    # held by a store whose tile is still in the epilogue), and the third's after it (its
    # slot is the stored tile's).
    g = GraphBuilder()
    x, w = g.input("x", (1, 64, 16)), g.weight("w", (16, 8))
    y = g.op("fc", "MatMul", [x, w], "y", (1, 64, 8), macs=8192)
    s = g.op("s", "Sigmoid", [y], "s", (1, 64, 8), vector_ops=1000)
    hw = with_overrides(toy_machine(sram=800), {"lowering.epilogue": ["Sigmoid"]})
    result = simulate_graph(g.build(s), hw, name="t")
    tasks = result.plan.tasks
    load = {t.tile: t.id for t in tasks if t.kind == "load" and t.buffer == "x"}
    store = {t.tile: t.id for t in tasks if t.kind == "store"}
    assert result.plan.tiles == (8,) and sorted(load) == sorted(store) == list(range(8))
    for tile, at in store.items():
        assert all(load[later] < at for later in (tile + 1, tile + 2) if later < 8), tile
        assert tile + 3 >= 8 or load[tile + 3] > at, tile
