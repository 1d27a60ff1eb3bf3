"""An input that consecutive tiled layers read whole (attention's Q, K and V projections of one
LayerNorm output) is loaded once and kept in SRAM for all of them; while it is there every split
of a reader shares it, a band of rows included.

Toy machine (tests/sim/toy.py): 1 byte per cycle on the bus, 100 FLOP a cycle on the matrix
engine, int8, no transfer latency.
"""

from __future__ import annotations

from collections import Counter

import pytest

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from accelsim.memory.tiling import tile_layer
from tests.sim.toy import GraphBuilder, toy_machine


def test_three_projections_of_one_input_load_it_once():
    # x (1, 4, 8) = 32 B read by three MatMuls with w (8, 16) = 128 B each (out 64 B): none
    # fits 100 B whole, each shares x and streams its weights by column groups. x stays in SRAM
    # from the first to the last: read 32 B once, the weights once (3 x 128), not x three times
    # (480 B before).
    g = GraphBuilder()
    x = g.input("x", (1, 4, 8))
    outputs = []
    for name in "qkv":
        w = g.weight(f"w{name}", (8, 16))
        outputs.append(g.op(name, "MatMul", [x, w], f"y{name}", (1, 4, 16), macs=512))
    result = simulate_graph(g.build(*outputs), toy_machine(sram=100), name="t")
    assert min(result.plan.tiles) > 1
    loads = Counter(e.buffer for e in result.trace.events if e.kind in ("load", "reload"))
    assert loads["x"] == 1
    assert (result.bus_read_bytes, result.bus_write_bytes) == (32 + 3 * 128, 3 * 64)
    assert result.trace.sram_peak <= 100


def test_a_resident_input_is_shared_by_a_band_split():
    # A 1 x 1 conv, x (1, 8, 8, 8) = 512 B, w (2, 8, 1, 1) = 16 B, y (1, 2, 8, 8) = 128 B, in
    # 600 B (656 whole). With x in SRAM (512 B) the tiles hold y's rows and the weights: two
    # bands of 4 rows (2 x 32 B) double-buffered with the 16 B of weights fit 512 + 16 + 64 =
    # 592, and no tile reads x. Unaware of x in SRAM, a band of h rows would read 64h of x.
    g = GraphBuilder()
    x = g.input("x", (1, 8, 8, 8))
    y = g.conv("c", x, 2, 1)
    hw = toy_machine(sram=600)
    program = lower(g.build(y), hw)
    (layer,) = program.layers
    tiling = tile_layer(layer, program, hw, resident=frozenset({"x"}))
    assert tiling.shared == (("x", 512),)
    assert all(name != "x" for tile in tiling.tiles for name, _ in tile.reads)
    assert len({tile.band for tile in tiling.tiles}) > 1
    # each tile writes its band of y; together y once
    assert sum(tile.write[1] for tile in tiling.tiles) == 128


def test_inputs_in_sram_that_leave_no_room_for_a_tile_are_loaded_by_tiles():
    # x (1, 6, 2, 2) = 24 B; a0 = x + x runs whole in 48 B (24 + 24) and leaves x and a0 in
    # SRAM; a1 = a0 + x needs 72 B whole, and with both inputs kept whole (48 B) no tile's
    # output fits. It is tiled as if nothing were resident: a0 spills (24 B), and six one-channel
    # tiles read 4 B of each input and store 4 B: read x 24 + 6 x 8 = 72 B, write 24 + 24 = 48.
    g = GraphBuilder()
    x = g.input("x", (1, 6, 2, 2))
    a0 = g.op("a0", "Add", [x, x], "a0.out", (1, 6, 2, 2), vector_ops=24)
    a1 = g.op("a1", "Add", [a0, x], "a1.out", (1, 6, 2, 2), vector_ops=24)
    result = simulate_graph(g.build(a1), toy_machine(sram=48), name="t")
    assert result.plan.tiles == (1, 6)
    assert (result.bus_read_bytes, result.bus_write_bytes) == (72, 48)


@pytest.mark.parametrize("keep_outputs", [False, True])
def test_a_recurrence_keeps_the_weights_that_fit_and_streams_the_rest(keep_outputs):
    # Three time steps h_t = h_t-1 · w, x (1, 1, 16), w (16, 16) = 256 B, in 200 B of SRAM.
    # Each step shares its 16 B input and splits w by output columns (16 B each, 1 B of output).
    # One column per group, two tile slots and one weight slot need 16 + 2 x 1 + 16 = 34 B,
    # leaving 166 B: 10 columns' weights (160 B) stay in SRAM across the steps, the other 6
    # stream through the weight slot each step. (Two columns a group would keep only 4 x 32 B,
    # three 2 x 48 B.) Closed form: step 0 reads x and all of w (16 + 256), steps 1 and 2 their
    # input and the 6 streamed columns (16 + 96 each): 496 B, against 3 x 272 = 816 B when
    # every step read all of w. Each step stores its 16 B.
    # With `lowering.keep_outputs` the same: each step's output is read whole by the next tiled
    # step, but keeping it (16 B) would crowd out the pinned columns of w, so a layer whose
    # weights are read again keeps none. (Kept, the pins shrink: 656 B read.)
    g = GraphBuilder()
    h = g.input("x", (1, 1, 16))
    w = g.weight("w", (16, 16))
    for step in range(3):
        h = g.op(f"s{step}", "MatMul", [h, w], f"h{step}", (1, 1, 16), macs=256)
    machine = _keeping(200) if keep_outputs else toy_machine(sram=200)
    result = simulate_graph(g.build(h), machine, name="t")
    assert result.plan.tiles == (16, 16, 16)
    weights = Counter(e.layer for e in result.trace.events if e.buffer == "w")
    assert weights == {0: 16, 1: 6, 2: 6}
    assert (result.bus_read_bytes, result.bus_write_bytes) == (16 + 256 + 2 * (16 + 96), 48)
    assert result.trace.sram_peak <= 200


def _keeping(sram: int):
    """The toy machine with `lowering.keep_outputs` (edge1-fused declares it)."""
    return with_overrides(toy_machine(sram=sram), {"lowering.keep_outputs": True})


def _sigmoid_then_projection(*, vector_ops: int):
    """s = Sigmoid(x), x (1, 4, 16) = 64 B, then fc = s · w, w (16, 16) = 256 B, z 64 B."""
    g = GraphBuilder()
    x, w = g.input("x", (1, 4, 16)), g.weight("w", (16, 16))
    s = g.op("s", "Sigmoid", [x], "s.out", (1, 4, 16), vector_ops=vector_ops)
    return g.build(g.op("fc", "MatMul", [s, w], "z", (1, 4, 16), macs=1024))


def test_an_output_the_next_layer_reads_whole_stays_in_sram():
    # A LayerNorm before a projection, in miniature: s = Sigmoid(x), x (1, 4, 16) = 64 B, needs
    # 128 B whole, more than 100, and is tiled; fc = s · w, w (16, 16) = 256 B, z 64 B. s (64 B)
    # stays whole in SRAM beside s's tiles (x streams through the other 36 B) and fc shares it
    # there while w streams by columns: x and w cross the bus once (64 + 256 B), z once (64 B),
    # s never (before: stored and loaded again, 384 B read and 128 written).
    graph = _sigmoid_then_projection(vector_ops=64)
    hw = _keeping(100)
    result = simulate_graph(graph, hw, name="t")
    assert min(result.plan.tiles) > 1
    moved = Counter((e.kind, e.buffer) for e in result.trace.events if e.kind != "compute")
    assert "s.out" not in {buffer for _, buffer in moved}
    assert (result.bus_read_bytes, result.bus_write_bytes) == (64 + 256, 64)
    assert result.trace.sram_peak <= 100
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    # Without `lowering.keep_outputs` s goes through DDR: stored and loaded again (64 B each).
    plain = simulate_graph(graph, toy_machine(sram=100), name="t")
    assert (plain.bus_read_bytes, plain.bus_write_bytes) == (64 + 256 + 64, 64 + 64)


def test_an_output_is_not_kept_for_a_next_layer_that_runs_whole():
    # fc0 = x · w0 (x (1, 4, 16) 64 B, w0 (16, 16) 256 B) is tiled in 200 B, then s = Sigmoid(y)
    # runs whole (y and s, 128 B, fit), then fc2 = s · w2 is tiled again. `keep_outputs` keeps
    # a tiled layer's output only for a next layer that is tiled too (a whole layer's tiles
    # would beat a larger SRAM's untiled run), not for a tiled layer further on: y goes through
    # DDR, stored by fc0's tiles (64 B in all) and loaded once, whole, by the Sigmoid.
    g = GraphBuilder()
    x, w0, w2 = g.input("x", (1, 4, 16)), g.weight("w0", (16, 16)), g.weight("w2", (16, 16))
    y = g.op("fc0", "MatMul", [x, w0], "y", (1, 4, 16), macs=1024)
    s = g.op("s", "Sigmoid", [y], "s.out", (1, 4, 16), vector_ops=64)
    z = g.op("fc2", "MatMul", [s, w2], "z", (1, 4, 16), macs=1024)
    hw = _keeping(200)
    result = simulate_graph(g.build(z), hw, name="t")
    assert result.plan.tiles[1] == 1 and min(result.plan.tiles[0], result.plan.tiles[2]) > 1
    moved: Counter = Counter()
    for e in result.trace.events:
        moved[e.kind, e.layer] += e.nbytes if e.buffer == "y" else 0
    assert +moved == Counter({("store", 0): 64, ("load", 1): 64})
    assert plan_violations(result.program, result.plan, result.trace, hw) == []

def test_an_output_is_not_kept_where_its_tiles_would_reread_more():
    # fc = x · w, x (1, 16, 16) = 256 B, w (16, 8) = 128 B, y 128 B, then Sigmoid(y), in 200 B.
    # Stored by tiles, fc holds w (128 B) and streams 16 one-row bands (2 x 24 B): x, w and y
    # once, 512 B. Kept, y's 128 B leave 72: w no longer fits whole, so x would be read again
    # for every group of w's columns (4 groups of 2 columns: 1,024 B of x), far more than the
    # store and the reload it saves (256 B). So y goes through DDR: read x 256 + w 128 + y 128,
    # write y 128 and the Sigmoid's 128.
    g = GraphBuilder()
    x, w = g.input("x", (1, 16, 16)), g.weight("w", (16, 8))
    y = g.op("fc", "MatMul", [x, w], "y", (1, 16, 8), macs=2048)
    z = g.op("s", "Sigmoid", [y], "z", (1, 16, 8), vector_ops=128)
    result = simulate_graph(g.build(z), _keeping(200), name="t")
    assert (result.bus_read_bytes, result.bus_write_bytes) == (512, 256)


def test_an_output_is_kept_where_slower_by_less_than_its_store_and_load():
    # s = Sigmoid(x), x (1, 4, 16) = 64 B, 128 ops (1 op and 1 B a cycle), 70 B of SRAM. Kept, s
    # (64 B) leaves 6 B of slots: two slots of at most 3 B need 22 tiles or more, each moving
    # under 1/16 of SRAM (taken only if nothing else fits), so the tiles are single-buffered:
    # 64 cycles of loads, then 128 of compute: 192. Stored, the bus moves 128 B (x in, s out)
    # beside 128 cycles of compute: at least 128, and at most 160 (four one-row tiles in two
    # 32 B slots: 128 + 128 / 4). Keeping is slower, but by less than loading s back (64
    # cycles; 192 <= 128 + 64), so s stays.
    hw = _keeping(70)
    program = lower(_sigmoid_then_projection(vector_ops=128), hw)
    plain = tile_layer(program.layers[0], program, hw)
    assert 128 <= plain.cost <= 160 and not plain.kept
    kept = tile_layer(program.layers[0], program, hw, keep=True)
    assert kept.kept and kept.cost == 192
