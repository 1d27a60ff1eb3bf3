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
    # Concat along rows: an output band needs rows of one input or the other, so no split.
    a, b = g.input("a", (1, 2, 2, 4)), g.input("b", (1, 2, 3, 4))  # 16 B and 24 B
    y = g.op("cat", "Concat", [a, b], "y", (1, 2, 5, 4), vector_ops=40)  # 40 B
    # The smallest tile is the whole layer: 16 + 24 + 40 = 80 B (not a 1 x 1 tile's size).
    expected = (
        r'^layer "cat" needs 80 bytes of SRAM even at its smallest tile \(2 channels x 5 rows\); '
        r"SRAM holds 50 bytes$"
    )
    with pytest.raises(PlanError, match=expected):
        simulate_graph(g.build(y), toy_machine(sram=50), name="t")


def test_matmul_with_a_3d_output_streams_its_weights_by_output_columns():
    g = GraphBuilder()
    x = g.input("x", (1, 4, 8))  # 32 B: 4 rows of K = 8
    w = g.weight("w", (8, 16))  # 128 B: more than SRAM
    y = g.op("fc", "MatMul", [x, w], "y", (1, 4, 16), macs=4 * 16 * 8)  # 64 B, 512 MACs
    result = simulate_graph(g.build(y), toy_machine(sram=100), name="t")
    # (channels, rows) = (16 columns, 4 rows). Group w columns, band h rows: single-buffered
    # need 8h (x) + wh (out) + 8w (weights) <= 100. All 16 columns never fit (128 B of weights);
    # 8 columns fit with h = 2 (16 + 16 + 64 = 96). Two groups each read all of x: bytes
    # 128 + 2 x 32 + 64 = 256, 4 tiles: 256 + 11 + 4 = 271 cycles. Double-buffered needs w <= 4
    # (2 x (8 + 4) + 2 x 32 = 88): 4 groups, 128 + 4 x 32 + 64 = 320 B, worse.
    assert result.plan.tiles == (4,)
    assert _loads(result) == Counter({("w", 64): 2, ("x", 16): 4})
    assert (result.bus_read_bytes, result.bus_write_bytes) == (192, 64)
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


@pytest.mark.parametrize(("channels", "tiles", "read"), [(1, 4, 192), (2, 16, 256)])
def test_split_estimate_spreads_transfers_over_the_dma_channels(channels, tiles, read):
    # The 3-D MatMul above on a 20.48 GFLOPS engine: the layer computes in 1024 / 20.48 = 50
    # cycles. Single-buffered, 8 columns x 2 rows: 256 B, 4 tiles; double-buffered, 4 columns x
    # 1 row: 320 B, 16 tiles. Estimates with c channels: single 256/c + 50 + 4, double
    # max(320/c, 66) + 66/16. One channel: 310 against 324.1, single wins; two: 182 against
    # 164.1, double wins (a one-channel estimate kept the 4 tiles on two channels too).
    g = GraphBuilder()
    x, w = g.input("x", (1, 4, 8)), g.weight("w", (8, 16))
    y = g.op("fc", "MatMul", [x, w], "y", (1, 4, 16), macs=512)
    hw = toy_machine(sram=100, matrix="20.48 GFLOPS", dma_units=channels)
    result = simulate_graph(g.build(y), hw, name="t")
    assert result.plan.tiles == (tiles,)
    assert (result.bus_read_bytes, result.bus_write_bytes) == (read, 64)
    if channels == 2:
        # The 4 single-buffered tiles on two channels: w (64) and x (16) load side by side, 13
        # compute cycles, a 16 B store before the next load: 64 + 13 + 16, then + 16 + 13 + 16,
        # the second group's w loads after compute 1 (122 -> 186), x after store 1 (-> 154):
        # 186 + 13 + 16 + 16 + 13 + 16 = 260 cycles. The 16 tiles do better.
        assert result.latency_cycles < 260
    else:
        # serial: 256 B at 1 B/cycle + 4 tiles of ceil(2 x 128 / 20.48) = 13 cycles
        assert result.latency_cycles == 256 + 4 * 13
