"""Exact schedules on the toy machine, every number derived by hand next to the assertion."""

from __future__ import annotations

import re

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


def test_bus_bound_layer_is_tiled_into_few_large_tiles():
    hw = toy_machine(sram=100)  # working set 64 + 9 + 64 = 137 B > 100
    result = simulate_graph(_tiled_conv(), hw, name="t")
    # Bus-bound (1 B/cycle vs 576 MACs = 12 cycles of compute), so moving fewer bytes beats
    # prefetching: single-buffered bands. The tallest that fits is 5 rows (input rows [0,6) =
    # 48 B + 40 B out + 9 B of weights = 97 B <= 100); two bands of equal height, 4 rows, fit too
    # and cut no sliver: band [0,4) reads input rows [0,5) = 40 B and writes 32 B, band [4,8)
    # reads rows [3,8) = 40 B. (Double buffering would need bands of 1 row: 249 cycles.)
    assert result.plan.tiles == (2,)
    loads = [(e.buffer, e.nbytes) for e in result.trace.events if e.kind == "load"]
    assert loads == [("conv.W", 9), ("x", 40), ("x", 40)]
    # Band computes: 4 rows * 8 px * 9 = 288 MACs -> 5.76 -> 6 cycles each.
    # W [0,9) x0 [9,49) c0 [49,55) store0 32 B [55,87) x1 [87,127) c1 [127,133) store1 [133,165)
    assert _spans(result)[2:] == [
        ("compute", "", 49, 55),
        ("store", "conv.out", 55, 87),
        ("load", "x", 87, 127),
        ("compute", "", 127, 133),
        ("store", "conv.out", 133, 165),
    ]
    assert result.trace.sram_peak <= 100


def test_compute_bound_tiles_load_while_the_previous_tile_computes():
    # A 1 GFLOPS engine (1 FLOP per cycle) makes the conv compute-bound: prefetch hides the bus.
    hw = toy_machine(sram=120, matrix="1 GFLOPS")
    result = simulate_graph(_tiled_conv(), hw, name="t")
    # Two slots of the worst band (2 rows: input rows [1,5) 32 B + output 16 B = 48 B) plus the
    # weights: 2 * 48 + 9 = 105 <= 120, so 4 bands of 2 rows; each computes 2 * 8 * 9 = 144 MACs
    # = 288 cycles. Band k+1 loads while band k computes; each store follows its compute.
    assert result.plan.tiles == (4,)
    assert _spans(result) == [
        ("load", "conv.W", 0, 9),
        ("load", "x", 9, 33),  # rows [0,3)
        ("compute", "", 33, 321),
        ("load", "x", 33, 65),  # rows [1,5), into the second slot
        ("store", "conv.out", 321, 337),
        ("compute", "", 321, 609),
        ("load", "x", 337, 369),  # rows [3,7): first slot, free once store 0 is done
        ("store", "conv.out", 609, 625),
        ("compute", "", 609, 897),
        ("load", "x", 625, 649),  # rows [5,8)
        ("store", "conv.out", 897, 913),
        ("compute", "", 897, 1185),
        ("store", "conv.out", 1185, 1201),
    ]
    assert result.trace.sram_peak <= 120


def test_layer_whose_smallest_tile_does_not_fit_is_a_clear_error():
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    graph = g.build(g.conv("conv", x, 4, 3, pad=1))  # W 4x2x3x3 = 72 B
    # Smallest tile: one output channel, one output row, one input channel (a K-split). Its
    # worst (middle) band reads input rows [0, 3) of one channel: 3 rows x 4 px = 12 B, that
    # channel's chunk of the output channel's weights 72 / 4 / 2 = 9 B, and keeps the row's
    # partial sums, 4 px x 4 B = 16 B: 37 B in all, one byte more than this SRAM. The message
    # names the field to raise and counts in the singular (issue 18 item 8).
    expected = (
        'layer "conv" needs 37 bytes of SRAM even at its smallest tile (1 channel x 1 row x '
        "1 input channel); SRAM holds 36 bytes: raise sram.capacity to at least 37 bytes"
    )
    with pytest.raises(PlanError, match=f"^{re.escape(expected)}$"):
        simulate_graph(graph, toy_machine(sram=36), name="t")
    # At 37 B only that tile fits: 4 channels x 4 rows x 2 input channels = 32 tiles.
    assert simulate_graph(graph, toy_machine(sram=37), name="t").plan.tiles == (32,)


def test_a_task_is_ready_when_its_unit_is_free_not_only_its_inputs():
    # x (100 B) feeds two 100-op Sigmoids: x is in SRAM at 100, r1 keeps the vector unit busy
    # until 200, so r2 is ready (and starts) at 200, not at 100 when its input arrived
    g = GraphBuilder()
    x = g.input("x", (1, 100))
    a = g.op("r1", "Sigmoid", [x], "a", (1, 100), vector_ops=100)
    b = g.op("r2", "Sigmoid", [x], "b", (1, 100), vector_ops=100)
    result = simulate_graph(g.build(a, b), toy_machine(), name="t")
    computes = [(e.layer, e.ready, e.start, e.end) for e in result.trace.events
                if e.kind == "compute"]  # fmt: skip
    assert computes == [(0, 100, 100, 200), (1, 200, 200, 300)]


def test_a_layers_latency_cycles_are_its_transfers_start_up_only():
    # c1 loads x (10 + 32 cycles) and W1 (10 + 72): 124 transfer cycles, 20 of them start-up;
    # c2 loads W2 (10 + 16) and stores its output (10 + 64): 100, again 20 of start-up
    from tests.sim.test_check import _two_convs

    result = simulate_graph(_two_convs(), toy_machine(sram=168, latency_ns=10), name="t")
    assert [(r.transfer_cycles, r.latency_cycles) for r in result.layers] == [(124, 20), (100, 20)]
