"""Tiling the layers transformers and DenseNets bring: Concat by rows, MatMul with a 3-D output
by output columns (its weights streamed group by group), attention's MatMuls of two activations
(the second operand held per group of heads like a weight), and the sizes their errors quote.

Toy machine (tests/sim/toy.py): 1 byte per cycle on the bus, 100 FLOP a cycle on the matrix
engine, 1 op a cycle on the vector unit, int8, no transfer latency.
"""

from __future__ import annotations

from collections import Counter

import pytest

from accelsim.api import simulate_graph
from accelsim.errors import PlanError
from tests.sim.toy import GraphBuilder, toy_machine


def _loads(result) -> Counter:
    return Counter((e.buffer, e.nbytes) for e in result.trace.events if e.kind == "load")


def test_concat_writes_each_inputs_band_into_its_slice_of_the_output():
    g = GraphBuilder()
    a, b = g.input("a", (1, 2, 4, 4)), g.input("b", (1, 3, 4, 4))  # 32 B and 48 B
    y = g.op("cat", "Concat", [a, b], "y", (1, 5, 4, 4), vector_ops=80)  # 80 B out
    result = simulate_graph(g.build(y), toy_machine(sram=100), name="t")  # needs 160 B whole
    # A band of h rows reads 8h + 12h and writes 20h bytes: 40h. Single-buffered h = 2 (80 B):
    # 2 tiles, bus 160 + compute 80 + 2 = 242 cycles. Double-buffered h = 1 (2 x 40 B): 4 tiles,
    # max(160, 84) + 84 / 4 = 181 cycles: the estimate picks 4 one-row tiles.
    assert result.plan.tiles == (4,)
    assert _loads(result) == Counter({("a", 8): 4, ("b", 12): 4})
    assert (result.bus_read_bytes, result.bus_write_bytes) == (80, 80)
    assert result.trace.sram_peak <= 100


def test_concat_that_cannot_split_quotes_the_whole_layer():
    g = GraphBuilder()
    # Concat of two batches of sequences along the sequence: the output's rows (batch x
    # position, 2 x 4 = 8) interleave the inputs' (2 x 3 and 2 x 1), so a band of them is not
    # one run of either input's rows and the layer does not split (a Concat along the rows of
    # (1, C, H, W) or (1, S, D) tensors, a KV cache's, does).
    a, b = g.input("a", (2, 3, 4)), g.input("b", (2, 1, 4))  # 24 B and 8 B
    y = g.op("cat", "Concat", [a, b], "y", (2, 4, 4), vector_ops=32)  # 32 B
    # The smallest tile is the whole layer: 24 + 8 + 32 = 64 B (not a 1 x 1 tile's size).
    expected = (
        r'^layer "cat" needs 64 bytes of SRAM even at its smallest tile \(4 channels x 8 rows\); '
        r"SRAM holds 50 bytes: raise sram.capacity to at least 64 bytes$"
    )
    with pytest.raises(PlanError, match=expected):
        simulate_graph(g.build(y), toy_machine(sram=50), name="t")


def test_matmul_with_a_3d_output_streams_its_weights_by_output_columns():
    g = GraphBuilder()
    x = g.input("x", (1, 4, 8))  # 32 B: 4 rows of K = 8
    w = g.weight("w", (8, 16))  # 128 B: more than SRAM
    y = g.op("fc", "MatMul", [x, w], "y", (1, 4, 16), macs=4 * 16 * 8)  # 64 B, 512 MACs
    result = simulate_graph(g.build(y), toy_machine(sram=100), name="t")
    # (channels, rows) = (16 columns, 4 rows). Groups of w columns with all 4 rows share x: it
    # loads once (32 B) and stays, each tile loads 8w B of weights and writes 4w. Single-buffered
    # 32 + 12w <= 100: w <= 5; double 32 + 2 x 12w <= 100: w = 2 or 1. Every one moves
    # 32 + 128 + 64 = 224 B; a tile computes ceil(2 x 32w / 100) cycles. Double w = 1: 16 x 1
    # compute, 224 + 16 / 16 = 225 cycles, the fastest; w = 2: 8 x 2, 226. But the least compute
    # is single-buffered w = 3 (5 tiles of 2, one of 1 column: 11 cycles), and 16 is more than
    # 5 % over it: so w = 3, 6 tiles (the tiler does not spend compute to save little time).
    # With one weight slot and two tile slots w = 3 fits (32 + 24 + 2 x 12 = 80 B) and
    # overlaps: a group's weights wait only for the previous group's compute. Splits by rows
    # re-read x per group.
    assert result.plan.tiles == (6,)
    assert _loads(result) == Counter({("w", 24): 5, ("w", 8): 1, ("x", 32): 1})
    assert (result.bus_read_bytes, result.bus_write_bytes) == (160, 64)
    # x (0-32), group 0's weights (32-56), its compute (56-58); group 1's weights wait for it
    # (2 idle cycles), and from then on the bus never waits: 224 + 2 cycles (single-buffered
    # it was 224 + 11 = 235).
    assert result.latency_cycles == 226
    assert result.trace.sram_peak <= 100


def _attention(a_shape, b_shape, out_shape, macs):
    g = GraphBuilder()
    a, b = g.input("a", a_shape), g.input("b", b_shape)
    return g.build(g.op("mm", "MatMul", [a, b], "y", out_shape, macs=macs))


def test_attention_scores_read_q_and_k_once():
    # Q (1, 2, 4, 8) x Kᵀ (1, 2, 8, 4) -> scores (1, 2, 4, 4): 64 + 64 B in, 32 B out, 128 MACs.
    # Output (channels, rows) = (2 heads, 4 queries). A group of w heads holds its Kᵀ (32w B)
    # while bands of h query rows stream Q (8wh B) and scores (4wh B). Every split moves the
    # 160 B once. Double-buffered: w = 2, h = 1 (64 + 2 x 24 = 112 <= 120) or w = 1, h = 2
    # (2 x 32 + 2 x 24 = 112), both 4 tiles: 160 + (3 + 4) / 4 cycles; the first found, w = 2,
    # wins. The old tiler read all of Kᵀ with every band: 2 bands, 2 x (32 + 64 + 16) = 224 B.
    graph = _attention((1, 2, 4, 8), (1, 2, 8, 4), (1, 2, 4, 4), 128)
    result = simulate_graph(graph, toy_machine(sram=120), name="t")
    assert result.plan.tiles == (4,)
    assert _loads(result) == Counter({("b", 64): 1, ("a", 16): 4})
    assert (result.bus_read_bytes, result.bus_write_bytes) == (128, 32)
    # the bus never idles: each 2-cycle tile computes under the previous tile's 8 B store
    assert result.latency_cycles == 160
    assert result.trace.sram_peak <= 120


def test_scores_times_v_holds_each_heads_whole_v():
    # P (1, 2, 4, 4) x V (1, 2, 4, 8) -> (1, 2, 4, 8): 32 + 64 B in, 64 B out, 256 MACs. Every
    # query row needs all 4 rows of its head's V (V's rows are keys, not queries, though both
    # are 4). Group w heads, band h: V 32w + P 4wh + out 8wh. At 80 B only w = 1, h = 4 fits
    # (single-buffered, 32 + 48 = 80): 2 tiles each load a head's whole V (32 B) and P (16 B),
    # compute ceil(2 x 128 / 100) = 3 cycles and store 32 B: 2 x (48 + 3 + 32) = 166 cycles.
    graph = _attention((1, 2, 4, 4), (1, 2, 4, 8), (1, 2, 4, 8), 256)
    result = simulate_graph(graph, toy_machine(sram=80), name="t")
    assert result.plan.tiles == (2,)
    assert _loads(result) == Counter({("b", 32): 2, ("a", 16): 2})
    assert (result.bus_read_bytes, result.bus_write_bytes) == (96, 64)
    assert result.latency_cycles == 166


@pytest.mark.parametrize(("channels", "tiles"), [(1, 16), (2, 8)])
def test_split_estimate_spreads_transfers_over_the_dma_channels(channels, tiles):
    # The 3-D MatMul above on a 3 GFLOPS engine (3 FLOP a cycle). The shared-x splits all move
    # 224 B; a tile of w columns computes ceil(2 x 32w / 3) cycles: double-buffered w = 1 (16
    # tiles of 22: 352) or w = 2 (8 of 43: 344), single-buffered w = 3 (5 of 64 and one of 22:
    # 342) or w = 4 (4 of 86: 344); none computes 5 % more than the least, so the fastest wins.
    # With c channels the bus takes 224 / c. One channel: max(224, 352) + 224 / 16 = 366
    # against max(224, 344) + 224 / 8 = 372 (single-buffered: 224 + 342 = 566): 16 tiles. Two:
    # 352 + 112 / 16 = 359 against 344 + 112 / 8 = 358: 8 tiles.
    g = GraphBuilder()
    x, w = g.input("x", (1, 4, 8)), g.weight("w", (8, 16))
    y = g.op("fc", "MatMul", [x, w], "y", (1, 4, 16), macs=512)
    hw = toy_machine(sram=100, matrix="3 GFLOPS", dma_units=channels)
    result = simulate_graph(g.build(y), hw, name="t")
    assert result.plan.tiles == (tiles,)
    assert (result.bus_read_bytes, result.bus_write_bytes) == (160, 64)
    # the shared x, loaded once, comes before every tile's compute, even on another channel
    (x_load,) = [e for e in result.trace.events if e.buffer == "x"]
    assert min(e.start for e in result.trace.events if e.unit_kind == "matrix") >= x_load.end


def test_a_layer_whose_smallest_tile_fits_only_single_buffered_still_runs():
    # Sigmoid of 4 rows of 10 B: the smallest tile (a row in, a row out) needs 20 B, 40 B
    # double-buffered. In 20 B: 4 tiles one after another, load 10 + compute 10 + store 10 each
    # = 120 cycles; in 40 B a tile's load overlaps the previous one's compute: 80.
    g = GraphBuilder()
    y = g.op("s", "Sigmoid", [g.input("x", (1, 1, 4, 10))], "y", (1, 1, 4, 10), vector_ops=40)
    single = simulate_graph(g.build(y), toy_machine(sram=20), name="t")
    assert (single.plan.tiles, single.latency_cycles) == ((4,), 120)
    assert simulate_graph(g.build(y), toy_machine(sram=40), name="t").latency_cycles == 80


def test_a_tile_is_timed_on_its_own_share_of_the_macs():
    # A 1000-MAC conv in 4 tiles of 250 MACs: 500 FLOP at 100 a cycle = 5 cycles each, 20 in
    # all (timing each tile on an M x K x N read from the output instead would say more).
    g = GraphBuilder()
    x, w = g.input("x", (1, 2, 7, 7)), g.weight("w", (4, 2, 1, 1))
    y = g.op("c", "Conv", [x, w], "y", (1, 4, 7, 7), macs=1000, kernel_shape=[1, 1],
             strides=[1, 1], pads=[0] * 4)  # fmt: skip
    result = simulate_graph(g.build(y), toy_machine(sram=200), name="t")
    assert result.plan.tiles == (4,)
    assert [e.end - e.start for e in result.trace.events if e.kind == "compute"] == [5, 5, 5, 5]


def test_a_layer_past_the_tile_limit_is_told_so_even_if_only_single_buffered():
    # 70,000 rows of 10 B: a one-row tile needs 20 B (40 B double-buffered) and 30 B hold it,
    # but 70,000 tiles are over the limit: the error says that, not that no tile fits
    from accelsim.memory.tiling import MAX_TILES

    g = GraphBuilder()
    y = g.op("s", "Sigmoid", [g.input("x", (1, 1, 70_000, 10))], "y", (1, 1, 70_000, 10),
             vector_ops=700_000)  # fmt: skip
    with pytest.raises(PlanError) as caught:
        simulate_graph(g.build(y), toy_machine(sram=30), name="t")
    assert str(caught.value) == (
        f'layer "s" fits 30 bytes of SRAM only in more than {MAX_TILES:,} tiles, the limit per '
        "layer; raise sram.capacity"
    )


def test_a_batched_product_splits_by_batch_and_head():
    # A decode step's scores for 4 sequences x 2 heads: Q (4, 2, 8, 16) x Kᵀ (4, 2, 16, 32) ->
    # (4, 2, 8, 32): Q 1,024 B, Kᵀ 4,096 B, out 2,048 B, 32,768 MACs. Each (sequence, head)
    # pair has its own Kᵀ (512 B), Q (128 B) and scores (256 B). Split by heads alone, the
    # smallest tile holds one head's Kᵀ for all 4 sequences (2,048 B) and 1,500 B cannot. By
    # pairs: one pair's Kᵀ held (two slots: 1,024 B) and bands of h rows of Q and scores (48h
    # B, two slots) fit for h <= 4: 8 pairs x 2 bands = 16 tiles, every byte read or written
    # once (5,120 in, 2,048 out); 2,048 MACs a tile.
    graph = _attention((4, 2, 8, 16), (4, 2, 16, 32), (4, 2, 8, 32), 32_768)
    result = simulate_graph(graph, toy_machine(sram=1_500), name="t")
    assert result.plan.tiles == (16,)
    assert _loads(result) == Counter({("b", 512): 8, ("a", 64): 16})
    assert (result.bus_read_bytes, result.bus_write_bytes) == (5_120, 2_048)
    computes = [t for t in result.plan.tasks if t.kind == "compute"]
    assert len(computes) == 16 and {t.work.macs for t in computes} == {2_048}
    assert result.trace.sram_peak <= 1_500


def test_a_softmax_over_a_batch_of_heads_splits_by_rows_of_every_sequence():
    # The scores' Softmax of a decode step for 4 sequences x 2 heads: (4, 2, 1, 64), 512 B in
    # and out, 5 ops an element (2,560). As NCHW its tile is all 2 heads x 4 sequences of a row
    # (1,024 B with its output): 300 B cannot hold it. Over the last axis every one of the 8
    # (sequence, head) rows is independent: a band of h rows takes 128h B. Single-buffered h = 2
    # (4 tiles: 1,024 + 2,560 cycles) or double-buffered h = 1 (8 tiles: 2,560 + 1,024 / 8 =
    # 2,688): 8 tiles of one row, every byte once.
    g = GraphBuilder()
    y = g.op("p", "Softmax", [g.input("s", (4, 2, 1, 64))], "y", (4, 2, 1, 64), vector_ops=2_560)
    result = simulate_graph(g.build(y), toy_machine(sram=300), name="t")
    assert result.plan.tiles == (8,)
    assert _loads(result) == Counter({("s", 64): 8})
    assert (result.bus_read_bytes, result.bus_write_bytes) == (512, 512)
    assert result.trace.sram_peak <= 300


def test_a_later_groups_weight_loads_spread_over_the_dma_channels_while_the_engine_waits():
    # One weight slot (Buffering(2, 1)) on two DMA channels at 1 B a cycle, no compute: the
    # tiles' 20 B take 20 / 2 = 10 cycles; the later group's 40 B of weights load while the
    # engine waits, 40 / 2 = 20 cycles. max(bus 10, compute 0 + waits 20, epilogue 0, turn 10 / 2)
    # + min(bus, compute) / 2 tiles = 20.
    from types import SimpleNamespace

    from accelsim.memory.tiling import Buffering, _Menu, _Profile
    from accelsim.work import Transfer

    profile = _Profile(((Transfer(nbytes=20, direction="in"), 1),), (), 20, 2,
                       ((Transfer(nbytes=40, direction="in"), 1),))  # fmt: skip
    layer = SimpleNamespace(unit="matrix", epilogue=None)
    hw = toy_machine(dma_units=2)
    menu = _Menu([(None, Buffering(2, 1), 0, profile)], [True])
    assert menu.scores(layer, hw) == [(20.0, 20, 2, 0)]


def test_a_split_as_fast_within_the_tie_but_moving_more_bytes_is_not_taken():
    # 8 tiles in 100 cycles moving 500 B, or 2 tiles in 100.1 cycles (within TIE, 0.2 %) moving
    # 900 B, same compute: fewer tiles wins a tie only if it moves no more bytes, so the 8 tiles.
    from accelsim.memory.tiling import BUFFERINGS, _choose

    few = ((100.1, 900, 2, 50), "few", BUFFERINGS[1])
    many = ((100.0, 500, 8, 50), "many", BUFFERINGS[1])
    assert _choose([few, many]) is many  # type: ignore[list-item]


def test_the_first_groups_weights_are_not_counted_as_a_later_groups_load():
    # The conv of 2 -> 4 channels (W 4x2x3x3 = 72 B) in groups of 1, 2 and 3 output channels:
    # 4 groups of 18 B (the first one's load is no later group's: 3 later), 2 of 36 B (1
    # later), or 1 of 54 B then 1 of 18 B (the first, 54 B, is not later; the 18 B one is).
    from accelsim.lowering import lower
    from accelsim.memory.tiling import _Geometry
    from tests.sim.test_schedule import _single_conv

    program = lower(_single_conv(), toy_machine())
    geometry = _Geometry(program.layers[0], program.buffers)

    def later(per_group):
        found = geometry.profile(geometry.split(per_group, geometry.rows)).later_groups
        return [(t.nbytes, n) for t, n in found]

    assert later(1) == [(18, 3)] and later(2) == [(36, 1)] and later(3) == [(54, 0), (18, 1)]


def test_a_batch_one_softmax_splits_by_channels_and_rows_as_nchw():
    # Softmax over the last axis of (1, 2, 4, 8): as NCHW, 2 channels of 4 rows (each row a
    # whole softmax); only a batch above 1 takes the flat (W, B·C·H) view.
    from accelsim.lowering import lower
    from accelsim.memory.tiling import _Geometry

    for shape, dims in (((1, 2, 4, 8), (2, 4)), ((2, 2, 4, 8), (8, 16))):
        g = GraphBuilder()
        y = g.op("s", "Softmax", [g.input("x", shape)], "y", shape, vector_ops=64, axis=-1)
        program = lower(g.build(y), toy_machine())
        geometry = _Geometry(program.layers[0], program.buffers)
        assert (geometry.channels, geometry.rows) == dims


def test_an_elementwise_op_on_a_batch_splits_across_the_batch_when_nothing_else_fits():
    # The scores' scale in a batched decode step: x (4 sequences, 2 heads, 1 query, 8 keys) =
    # 64 B times a 1 B scale, at 40 B of SRAM. As NCHW a tile of one head and one row still
    # holds all 4 sequences: 32 B in, 32 B out and the scale, 65 B, so the layer was refused.
    # Split as rows of every (sequence, head), 8 of 8 B: a tile of w keys and h rows holds wh B
    # in and wh out. One group of all 8 keys (the scale loads once, 1 + 64 + 64 = 129 B):
    # double-buffered h = 1 (2 x 16 + 1 = 33 B), 8 tiles of 8 ops, max(129, 64) + 64 / 8 = 137
    # cycles estimated; single-buffered h = 2 (2 x 16 + 1), 129 + 64 = 193; two groups of 4
    # keys, h = 2, load the scale twice: 130 + 64 / 8 = 138.
    g = GraphBuilder()
    x, scale = g.input("x", (4, 2, 1, 8)), g.weight("scale", (1,))
    y = g.op("scaled", "Mul", [x, scale], "y", (4, 2, 1, 8), vector_ops=64)
    result = simulate_graph(g.build(y), toy_machine(sram=40), name="t")
    assert result.plan.tiles == (8,)
    moved = Counter((e.kind, e.buffer, e.nbytes) for e in result.trace.events
                    if e.kind != "compute")  # fmt: skip
    assert moved == Counter({("load", "x", 8): 8, ("load", "scale", 1): 1, ("store", "y", 8): 8})
    assert result.trace.sram_peak <= 40
