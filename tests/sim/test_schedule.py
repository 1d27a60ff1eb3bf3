"""Exact schedules on the toy machine, every number derived by hand next to the assertion."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.errors import PlanError
from tests.sim.toy import GraphBuilder, toy_machine


def _spans(result):
    return [(e.kind, e.buffer, e.start, e.end) for e in result.trace.events]


def _single_conv():
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))  # 32 B
    y = g.conv("conv", x, 4, 3, pad=1)  # W 4x2x3x3 = 72 B; out 1x4x4x4 = 64 B
    return g.build(y)


def test_single_conv_exact_cycles_with_and_without_overlap():
    hw = toy_machine(latency_ns=10)  # every transfer starts with 10 cycles of latency
    # MACs = 4 out ch * 16 px * 2 in ch * 9 = 1152 -> 2304 FLOP / 100 per cycle = 23.04 -> 24
    # load x: 10 + 32 = 42; load W: 10 + 72 = 82; store out: 10 + 64 = 74
    expected = [
        ("load", "x", 0, 42),
        ("load", "conv.W", 42, 124),
        ("compute", "", 124, 148),
        ("store", "conv.out", 148, 222),
    ]
    for overlap in (True, False):  # one layer: nothing to overlap, both give 222 cycles
        result = simulate_graph(_single_conv(), hw, name="t", overlap=overlap)
        assert _spans(result) == expected
        assert result.latency_cycles == 222
        assert result.layers[0].compute_cycles == 24
        assert result.layers[0].transfer_cycles == 42 + 82 + 74


def _two_convs():
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))  # 32 B
    a = g.conv("c1", x, 4, 3, pad=1)  # W1 72 B, 1152 MACs -> 24 cycles; out 64 B
    b = g.conv("c2", a, 4, 1)  # W2 4x4x1x1 = 16 B, 4*16*4 = 256 MACs -> 512/100 -> 6 cycles
    return g.build(b)


def test_two_layer_chain_prefetches_second_weights_during_first_compute():
    hw = toy_machine(latency_ns=10)
    result = simulate_graph(_two_convs(), hw, name="t")
    # W2 (10 + 16 = 26 cycles) loads during c1's compute [124, 148) and lands at 150;
    # c2 waits for it (bus-bound), then the 64 B output is stored (74 cycles).
    assert _spans(result) == [
        ("load", "x", 0, 42),
        ("load", "c1.W", 42, 124),
        ("compute", "", 124, 148),
        ("load", "c2.W", 124, 150),
        ("compute", "", 150, 156),
        ("store", "c2.out", 156, 230),
    ]
    assert [layer.bound for layer in result.layers] == ["bus", "bus"]
    serial = simulate_graph(_two_convs(), hw, name="t", overlap=False)
    # --no-overlap: each task waits for the one before: 42 + 82 + 24 + 26 + 6 + 74 = 254
    assert _spans(serial) == [
        ("load", "x", 0, 42),
        ("load", "c1.W", 42, 124),
        ("compute", "", 124, 148),
        ("load", "c2.W", 148, 174),
        ("compute", "", 174, 180),
        ("store", "c2.out", 180, 254),
    ]


def _spilling_graph():
    """x -> relu -> a -> relu -> b -> mul(b, w) -> c -> add(a, c) -> d; every tensor 100 B."""
    g = GraphBuilder()
    x = g.input("x", (1, 100))
    a = g.op("r1", "Relu", [x], "a", (1, 100), vector_ops=100)
    b = g.op("r2", "Relu", [a], "b", (1, 100), vector_ops=100)
    w = g.weight("w", (1, 100))
    c = g.op("m", "Mul", [b, w], "c", (1, 100), vector_ops=100)
    d = g.op("s", "Add", [a, c], "d", (1, 100), vector_ops=100)
    return g.build(d)


def test_graph_that_does_not_fit_spills_farthest_and_reloads_exact_bytes():
    hw = toy_machine(sram=300)
    result = simulate_graph(_spilling_graph(), hw, name="t")
    # Layer m needs b, w, c = 300 B = all of SRAM while a (needed again by s) is resident:
    # a is evicted (dirty: spilled, 100 B) and reloaded for s (100 B). Nothing else moves twice.
    assert result.plan.bytes_of("spill") == 100
    assert result.plan.bytes_of("reload") == 100
    assert [(e.kind, e.buffer) for e in result.trace.events if e.kind in ("spill", "reload")] == [
        ("spill", "a"),
        ("reload", "a"),
    ]
    assert result.trace.sram_peak == 300  # m's working set fills SRAM exactly, never more
    assert all(used <= 300 for _, used in result.trace.sram)
    roomy = simulate_graph(_spilling_graph(), toy_machine(sram=400), name="t")
    assert roomy.plan.bytes_of("spill") == roomy.plan.bytes_of("reload") == 0


def _tiled_conv():
    g = GraphBuilder()
    x = g.input("x", (1, 1, 8, 8))  # 64 B
    y = g.conv("conv", x, 1, 3, pad=1)  # W 9 B, out 64 B, 64 px * 9 = 576 MACs
    return g.build(y)


def test_layer_that_needs_tiling_is_split_into_double_buffered_row_bands():
    hw = toy_machine(sram=100)  # working set 64 + 9 + 64 = 137 B > 100
    result = simulate_graph(_tiled_conv(), hw, name="t")
    # Each tile slot holds the worst (middle) band: r + 2 input rows and r output rows of 8 B,
    # so double buffering needs 2 * (16 r + 16) + 9 <= 100, i.e. r = 1: 8 bands of one row.
    # Input rows per band (3x3, pad 1): [0,2) then [b-1, b+2) then [6,8) = 16, 6 x 24, 16 B.
    assert result.plan.tiles == (8,)
    loads = [(e.buffer, e.nbytes) for e in result.trace.events if e.kind == "load"]
    assert loads == [("conv.W", 9), ("x", 16)] + [("x", 24)] * 6 + [("x", 16)]
    stores = [e.nbytes for e in result.trace.events if e.kind == "store"]
    assert stores == [8] * 8
    # Each band: 1 row * 8 px * 9 = 72 MACs = 144 FLOP -> 1.44 -> 2 cycles on the engine.
    assert [e.end - e.start for e in result.trace.events if e.kind == "compute"] == [2] * 8
    # The bus never idles: 9 + 176 + 64 = 249 bytes = 249 cycles, and the last store ends it.
    assert result.latency_cycles == 249
    assert result.trace.sram_peak <= 100


def test_layer_whose_smallest_tile_does_not_fit_is_a_clear_error():
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    graph = g.build(g.conv("conv", x, 4, 3, pad=1))  # W 4x2x3x3 = 72 B
    # Smallest tile: one output channel, one output row. Its worst (middle) band reads input rows
    # [0, 3): 3 rows x 4 px x 2 channels = 24 B, writes 1 x 4 = 4 B, and needs that channel's
    # weights 72 / 4 = 18 B: 46 B in all, one byte more than this SRAM.
    with pytest.raises(
        PlanError, match=r'^layer "conv" needs 46 bytes of SRAM even at its smallest'
    ):
        simulate_graph(graph, toy_machine(sram=45), name="t")
    assert simulate_graph(graph, toy_machine(sram=46), name="t").plan.tiles == (16,)
