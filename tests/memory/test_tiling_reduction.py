"""Tiles that split the reduction (K-split) with partial sums in SRAM, and tiles priced on the
unit's timing model so that a systolic array is not starved.

Toy machine (tests/sim/toy.py): 1 byte per cycle on the bus, 100 FLOP a cycle on the matrix
engine, int8, no transfer latency.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.errors import PlanError
from accelsim.hardware_file import with_overrides
from accelsim.work import Gemm
from tests.sim.toy import GraphBuilder, toy_machine


def _transfers(result) -> Counter:
    """(kind, buffer, bytes) of each transfer that moves bytes (a Concat's tile has an empty
    load of the input that holds none of its rows)."""
    return Counter((e.kind, e.buffer, e.nbytes) for e in result.trace.events
                   if e.kind != "compute" and e.nbytes)  # fmt: skip


def test_a_weight_column_that_does_not_fit_splits_the_reduction():
    # x (1, 1, 256) x W (256, 4): one output column needs 256 B of x and a 256 B weight column,
    # 513 B with its output byte: more than the 200 B of SRAM. Split K into chunks of kc:
    # a tile of w columns holds kc B of x, w x kc B of W and the partial sums of its
    # w outputs, 4w B (int32), in their own slot. Fits (chunks halve from 256):
    #   w = 4: single kc = 32 (32 + 128 + 16 = 176), double kc = 16 (2 x 80 + 16 = 176)
    #   w = 2: single kc = 64 (64 + 128 + 8 = 200), double kc = 16 (2 x 48 + 2 x 8 = 112)
    #   w = 1: single kc = 64 (132), double kc = 32 (2 x 64 + 2 x 4 = 136)
    # x is read once per column group: 1,284 B for w = 4, 1,540 for 2, 2,052 for 1. A tile of
    # kc x w MACs computes ceil(2 kc w / 100) cycles: single w = 4: 8 x 3 = 24 cycles, the
    # least of any split; double w = 4: 16 x 2 = 32. Estimates: single 1,284 + 24 = 1,308,
    # double max(1,284, 32) + 32 / 16 = 1,286, the fastest, but it computes 33 % more than the
    # least and the single one is within 5 % of its time: 8 single-buffered tiles of 32 rows of
    # K, each loading 32 B of x and 128 B of W, then one store of the 4 B output.
    g = GraphBuilder()
    x, w = g.input("x", (1, 1, 256)), g.weight("w", (256, 4))
    y = g.op("fc", "MatMul", [x, w], "y", (1, 1, 4), macs=1024)
    result = simulate_graph(g.build(y), toy_machine(sram=200), name="t")
    assert result.plan.tiles == (8,)
    assert _transfers(result) == Counter(
        {("load", "x", 32): 8, ("load", "w", 128): 8, ("store", "y", 4): 1}
    )
    works = [t.work for t in result.plan.tasks if t.unit_kind == "matrix"]
    assert works == [Gemm(m=1, k=32, n=4, groups=1, macs=128)] * 8
    # one tile's slices (32 + 128 B) and the 4 partial sums (16 B): 176 B at the peak
    assert result.trace.sram_peak == 176
    # serial: 8 x (32 + 128 + 3) cycles, then the 4 B store
    assert result.latency_cycles == 8 * 163 + 4
    assert plan_violations(result.program, result.plan, result.trace, toy_machine(sram=200)) == []


def test_partial_sums_of_a_conv_k_split_stay_until_the_last_chunk():
    # x (1, 8, 4, 4) 3x3 conv (pad 1) -> 2 channels: W 2 x 8 x 9 = 144 B, x 128 B, y 32 B, at
    # 100 B of SRAM. All of the output as int32 partial sums is 128 B, so a tile keeps one output
    # channel's 16 px (64 B of sums) and takes one input channel at a time: 16 B of x and that
    # channel's 9 B of W, 89 B (kc = 2 would need 114). Double-buffered over two channels it
    # would need 2 x 25 + 2 x 64 = 178. So 2 channels x 8 input channels = 16 tiles, x read once
    # per output channel (256 B), W once (144 B), each channel's 16 B stored after its last
    # chunk. (Bands of 2 rows with both channels fit too, 94 B, but re-read halo rows and the
    # weights per band: 512 B against 432.)
    g = GraphBuilder()
    x = g.input("x", (1, 8, 4, 4))
    graph = g.build(g.conv("conv", x, 2, 3, pad=1))
    hw = toy_machine(sram=100)
    result = simulate_graph(graph, hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    assert result.plan.tiles == (16,)
    assert _transfers(result) == Counter(
        {("load", "x", 16): 16, ("load", "conv.W", 9): 16, ("store", "conv.out", 16): 2}
    )
    assert result.trace.sram_peak == 89
    # each store follows its channel's eighth (last) chunk
    kinds = [e.kind for e in result.trace.events if e.kind in ("compute", "store")]
    assert kinds == (["compute"] * 8 + ["store"]) * 2
    works = [t.work for t in result.plan.tasks if t.unit_kind == "matrix"]
    assert works == [Gemm(m=16, k=9, n=1, groups=1, macs=144)] * 16  # K = 1 channel x 3 x 3


def _array(*, bus: str, sram: int):
    """The toy machine with a 32 x 16 weight-stationary array and a 16 GB/s bus."""
    return with_overrides(
        toy_machine(sram=sram, bus=bus, ddr="100 GB/s", ops=("Conv", "Gemm", "MatMul")),
        {"units.matrix.timing": "systolic", "units.matrix.peak": None, "units.matrix.rows": 32,
         "units.matrix.cols": 16, "units.matrix.dataflow": "ws"},
    )  # fmt: skip


def test_tiles_on_a_systolic_array_compute_as_the_untiled_layer():
    # 1x1 conv 128 -> 32 channels on 8 x 8: M 64, K 128, N 32. Untiled on 32 x 16 ws:
    # ceil(128 / 32) x ceil(32 / 16) = 8 folds of 2R + C + M - 2 = 142 cycles: 1,136. Working
    # set 8,192 + 4,096 + 2,048 = 14,336 B > 12,000. Two groups of 16 columns sharing x (11,264
    # B single-buffered: 14,336 B over the bus + 1,136 = 2,032 / 16 B a cycle... 896 + 1,136)
    # lose to a K-split that keeps one partial-sum slot (64 x 16 x 4 = 4,096 B) and two tile
    # slots of a 32-channel chunk of x (2,048 B) and its weights (512 B): 9,216 B. Each of its
    # 2 x 4 tiles is one fold of 142 cycles, 1,136 in all, the untiled layer's; x is read once
    # per group: 16,384 + 4,096 + 2,048 = 22,528 B, 1,408 cycles, over which the compute and
    # the second group's wait for the first's store (64) hide: 1,408 + 1,136 / 8 = 1,550
    # estimated. Tiles of one column (what a tiler that prices every tile as the untiled layer
    # may pick) would each be 4 folds on one of 16 columns: 32 x 568 = 18,176 cycles.
    g = GraphBuilder()
    x = g.input("x", (1, 128, 8, 8))
    graph = g.build(g.conv("conv", x, 32, 1))
    hw = _array(bus="16 GB/s", sram=12_000)
    result = simulate_graph(graph, hw, name="t")
    (layer,) = result.layers
    assert result.plan.tiles == (8,)
    works = [t.work for t in result.plan.tasks if t.unit_kind == "matrix"]
    assert works == [Gemm(m=64, k=32, n=16, groups=1, macs=32768)] * 8
    assert layer.compute_cycles == 1136
    assert _transfers(result) == Counter(
        {("load", "x", 2048): 8, ("load", "conv.W", 512): 8, ("store", "conv.out", 1024): 2}
    )


def test_the_judge_refuses_partial_sums_added_into_nothing():
    # The conv K-split above with its partial-sum ranges dropped from the plan: the first
    # chunk of each channel then fills no range, and neither it nor the seven after it find the
    # output in SRAM to add into. The judge (accelsim/check.py) names each such compute.
    g = GraphBuilder()
    x = g.input("x", (1, 8, 4, 4))
    graph = g.build(g.conv("conv", x, 2, 3, pad=1))
    hw = toy_machine(sram=100)
    result = simulate_graph(graph, hw, name="t")
    kept = tuple(a for a in result.plan.allocations if not a.buffer.startswith("conv.out["))
    plan = dataclasses.replace(result.plan, allocations=kept)
    problems = plan_violations(result.program, plan, result.trace, hw)
    computes = [e.task for e in result.trace.events if e.kind == "compute"]
    nowhere = [p for p in problems if p.endswith("(compute) writes conv.out nowhere")]
    assert nowhere == [f"event {task} (compute) writes conv.out nowhere" for task in computes]


def test_a_kv_cache_concat_splits_along_the_sequence():
    # past (1, 2 heads, 6 positions, 4) + new (1, 2, 1, 4) -> (1, 2, 7, 4): 48 + 8 B in, 56 B
    # out, 56 vector ops, at 20 B of SRAM. The output is (2 heads, 7 positions); a band of
    # positions takes the rows of whichever input holds them (past 0-5, new 6). Whole: 112 B.
    # A tile of w heads and h positions needs 4wh B of input and 4wh of output. Single-buffered
    # tiles of 16 B (2 heads x 1 position, or 1 x 2) take bus + compute, 112 + 56 = 168 cycles;
    # double-buffered only w = 1, h = 1 fits (2 x 8 = 16 B): 14 tiles, each 4 B in, 4 ops, 4 B
    # out, estimated max(112, 56) + 56 / 14 = 116. Every byte moves once and the 4-cycle
    # computes hide under the bus: 112 cycles. (This Concat could not split before: its
    # inputs' rows differ from the output's.)
    result = _vector_of_two("Concat", {"past": (1, 2, 6, 4), "new": (1, 2, 1, 4)}, (1, 2, 7, 4),
                            vector_ops=56, sram=20)  # fmt: skip
    assert result.plan.tiles == (14,)
    assert _transfers(result) == Counter(
        {("load", "past", 4): 12, ("load", "new", 4): 2, ("store", "y", 4): 14}
    )
    assert result.latency_cycles == 112


def test_a_batched_add_tiles_each_channels_rows_across_the_batch():
    # A deferred split, like a reduction's: a batched element-wise layer's flat split (rows of
    # B x C x H) is asked for only when no (channel, row band) tile fits. a + b -> y, each
    # (2, 4, 4, 16) int8: 512 B, 1,536 B in all, in 400 B. A tile of one channel and a band of
    # h rows spans both batch items: 2 x h x 16 B of a, of b and of y. h = 2 double-buffers
    # the three in 2 x 3 x 64 = 384 B (h = 4 only single-buffered: 3 x 128), so 4 channels x
    # 2 bands = 8 tiles of 64 B each, every byte moved once. The flat split, taken when it
    # need not be, cuts 16 tiles of 32 B here.
    shape = (2, 4, 4, 16)
    result = _vector_of_two("Add", {"a": shape, "b": shape}, shape, vector_ops=512, sram=400)
    assert result.plan.tiles == (8,)
    assert _transfers(result) == Counter(
        {("load", "a", 64): 8, ("load", "b", 64): 8, ("store", "y", 64): 8}
    )

def _vector_of_two(op_type: str, inputs: dict[str, tuple[int, ...]], out: tuple[int, ...], *,
                   vector_ops: int, sram: int):  # fmt: skip
    """y = op_type(the two inputs) on the toy machine with `sram` bytes, its plan judged."""
    g = GraphBuilder()
    names = [g.input(name, shape) for name, shape in inputs.items()]
    hw = toy_machine(sram=sram)
    result = simulate_graph(g.build(g.op("op", op_type, names, "y", out, vector_ops=vector_ops)),
                            hw, name="t")  # fmt: skip
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    return result


def _judged(graph):
    """The graph run in 100 B of the toy machine, its plan checked by the judge."""
    hw = toy_machine(sram=100)
    result = simulate_graph(graph, hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    return result


def test_a_product_of_two_activations_splits_its_reduction_when_nothing_else_fits():
    # a (1, 1, 64) x b (64, 2) -> y (1, 1, 2), 128 MACs. One output column needs a's row (64 B)
    # and b's column (64 B) whole, 129 B with its output byte: more than 100 B, so before the
    # reduction split the layer was refused. Chunks of kc rows of b (kc halving from 64), b held
    # per group of w columns like a weight, partial sums 4w B:
    #   w = 2: single kc = 16 (16 + 32 + 8 = 56; 32 needs 104), double kc = 8 (2 x 24 + 8 = 56)
    #   w = 1: single kc = 32 (32 + 32 + 4), double kc = 16 (2 x 32 + 2 x 4): a read twice
    # w = 2 moves a once, b once and the 2 B output: 194 B; w = 1 258. A tile of w = 2 computes
    # ceil(2 x 2kc / 100) = 1 cycle: single 4 tiles, 4 cycles (the least), double 8. Estimates:
    # single 194 + 4 = 198, double max(194, 8) + 8 / 8 = 195, the fastest, but it computes 100 %
    # more than the least and the single one is within 5 % of its time: 4 serial tiles of 16 rows
    # of K, each loading 16 B of a and 32 B of b: 4 x (48 + 1) cycles, then the 2 B store.
    g = GraphBuilder()
    a, b = g.input("a", (1, 1, 64)), g.input("b", (64, 2))
    result = _judged(g.build(g.op("mm", "MatMul", [a, b], "y", (1, 1, 2), macs=128)))
    assert result.plan.tiles == (4,)
    assert _transfers(result) == Counter(
        {("load", "a", 16): 4, ("load", "b", 32): 4, ("store", "y", 2): 1}
    )
    works = [t.work for t in result.plan.tasks if t.unit_kind == "matrix"]
    assert works == [Gemm(m=1, k=16, n=2, groups=1, macs=32)] * 4  # 128 MACs, as untiled
    assert result.latency_cycles == 4 * 49 + 2
    assert result.trace.sram_peak == 56  # 16 + 32 B of slices and 8 B of sums


def test_a_grouped_conv_splits_each_groups_input_channels():
    # x (1, 8, 2, 16) 1 x 1 conv in 2 groups -> 2 channels: W (2, 4, 1, 1) = 8 B, y (1, 2, 2,
    # 16) = 64 B, 2 x 32 px x 4 = 256 MACs, in 100 B. A tile of one channel and one row reads
    # that row of all 8 input channels (128 B; a grouped conv's tile reads every group's), so
    # it needed 128 + 4 + 16 = 148 B and the layer was refused. K is a group's 4 input
    # channels; a chunk of kc takes kc of every group (32kc B of x), kc B of W, and the tile
    # keeps 16 px of int32 sums (64 B): only kc = 1 fits (97 B; two channels' or two rows'
    # sums are 128 B), single-buffered (two slots: 2 x 33 + 64 = 130). 2 channels x 2 rows x 4
    # chunks = 16 tiles of 32 B of x and 1 B of W, 16 px stored after each fourth chunk.
    g = GraphBuilder()
    x = g.input("x", (1, 8, 2, 16))
    w = g.weight("w", (2, 4, 1, 1))
    y = g.op("c", "Conv", [x, w], "y", (1, 2, 2, 16), macs=256, kernel_shape=[1, 1],
             strides=[1, 1], pads=[0] * 4, group=2)  # fmt: skip
    result = _judged(g.build(y))
    assert result.plan.tiles == (16,)
    assert _transfers(result) == Counter(
        {("load", "x", 32): 16, ("load", "w", 1): 16, ("store", "y", 16): 4}
    )
    works = [t.work for t in result.plan.tasks if t.unit_kind == "matrix"]
    assert works == [Gemm(m=16, k=1, n=1, groups=1, macs=16)] * 16  # 256 MACs in all
    assert result.trace.sram_peak == 97


def test_a_3d_conv_splits_its_input_channels_too():
    # NCDHW: x (1, 8, 1, 2, 16) 1x1x1 conv -> y (1, 2, 1, 2, 16), W (2, 8, 1, 1, 1), 512 MACs,
    # in 200 B. A tile of one output channel over the one depth slice reads that slice of all 8
    # input channels (8 x 32 B), 8 B of W and writes 32 B: 296 B, more than 200, so its K (the
    # input channels) splits, as a 2-D conv's does: chunks of one channel, 32 B of x and 1 B
    # of W, double-buffered beside the 32 pixels' int32 sums (2 x 33 + 128 = 194 B). 2 output
    # channels x 8 chunks: x read once per output channel, W once, y stored once.
    g = GraphBuilder()
    x = g.input("x", (1, 8, 1, 2, 16))
    w = g.weight("w", (2, 8, 1, 1, 1))
    y = g.op("c", "Conv", [x, w], "y", (1, 2, 1, 2, 16), macs=512, kernel_shape=[1, 1, 1],
             strides=[1, 1, 1], pads=[0] * 6)  # fmt: skip
    hw = toy_machine(sram=200)
    result = simulate_graph(g.build(y), hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    assert result.plan.tiles == (16,)
    assert _transfers(result) == Counter(
        {("load", "x", 32): 16, ("load", "w", 1): 16, ("store", "y", 32): 2}
    )
    works = [t.work for t in result.plan.tasks if t.unit_kind == "matrix"]
    assert works == [Gemm(m=32, k=1, n=1, groups=1, macs=32)] * 16

def test_a_depthwise_conv_has_no_reduction_to_split():
    # Each output channel of a depthwise conv reads one input channel: its K is that channel's
    # 3 x 3 window, nothing a chunk of input channels could cut. x (1, 2, 4, 64), 3 x 3, pad 1:
    # one channel's row needs 3 input rows (192 B), its 9 weights and 64 B of output: 265 B.
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 64))
    w = g.weight("w", (2, 1, 3, 3))
    y = g.op("dw", "Conv", [x, w], "y", (1, 2, 4, 64), macs=2 * 4 * 64 * 9, kernel_shape=[3, 3],
             strides=[1, 1], pads=[1] * 4, group=2)  # fmt: skip
    expected = (
        r'^layer "dw" needs 265 bytes of SRAM even at its smallest tile \(1 channel x 1 row\); '
        r"SRAM holds 200 bytes: raise sram.capacity to at least 265 bytes$"
    )
    with pytest.raises(PlanError, match=expected):
        simulate_graph(g.build(y), toy_machine(sram=200), name="t")


def test_double_buffered_partial_sums_alternate_between_two_slots():
    # x (1, 1, 256) x W (256, 4) at 240 B of SRAM on a 1 GFLOPS engine: one output column per
    # group and K in chunks of 32 (8 chunks): a tile's slot holds 32 B of x and 32 B of W's
    # column (64 B), two tile slots take [0, 128), and each column's 4 B of int32 partial sums
    # take one of two slots after them, [128, 132) and [132, 136), alternating by group, so
    # the next column's sums begin while the last one's store is in flight.
    g = GraphBuilder()
    x, w = g.input("x", (1, 1, 256)), g.weight("w", (256, 4))
    graph = g.build(g.op("fc", "MatMul", [x, w], "y", (1, 1, 4), macs=1024))
    hw = toy_machine(sram=240, matrix="1 GFLOPS")
    result = simulate_graph(graph, hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    assert result.plan.tiles == (32,)
    sums = [(a.buffer, a.offset, a.size) for a in result.plan.allocations if a.buffer[0] == "y"]
    assert sums == [
        ("y[tile 0]", 128, 4), ("y[tile 8]", 132, 4), ("y[tile 16]", 128, 4),
        ("y[tile 24]", 132, 4),
    ]  # fmt: skip
    # so the second column's first chunk does not wait for the first column's store
    store = next(t.id for t in result.plan.tasks if t.kind == "store")
    second = [t for t in result.plan.tasks if t.kind == "compute"][8]
    assert store not in second.deps


def test_a_reduction_split_in_two_loads_each_chunk_of_the_weight_with_its_tile():
    # x (1, 1, 64) x W (64, 4) at 176 B: a whole column group (64 + 256 + 4) does not fit;
    # two chunks of 32 rows of K do, 32 B of x + 128 B of W + 16 B of int32 partial sums = 176
    g = GraphBuilder()
    x, w = g.input("x", (1, 1, 64)), g.weight("w", (64, 4))
    y = g.op("fc", "MatMul", [x, w], "y", (1, 1, 4), macs=256)
    hw = toy_machine(sram=176)
    result = simulate_graph(g.build(y), hw, name="t")
    assert result.plan.tiles == (2,)
    assert [(e.kind, e.buffer, e.nbytes) for e in result.trace.events if e.kind != "compute"] == [
        ("load", "x", 32), ("load", "w", 128), ("load", "x", 32), ("load", "w", 128),
        ("store", "y", 4)]  # fmt: skip
    works = [t.work for t in result.plan.tasks if t.unit_kind == "matrix"]
    assert works == [Gemm(m=1, k=32, n=4, groups=1, macs=128)] * 2
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def test_chunks_halve_rounding_up_so_a_chunk_of_two_is_tried():
    # x (1, 1, 12) x W (12, 1) on 9 B of SRAM with a 100 GB/s bus (a transfer of up to 100 B is
    # one cycle). K = 12 halves 12, 6, 3, 2, 1 (rounding up). A single-buffered tile of kc rows of
    # K holds kc B of x, kc B of W and the int32 partial sum (4 B): kc = 2 is 8 B and fits, 3 is
    # 10 B and does not. Six tiles of 2: 2 one-cycle loads and 1 compute cycle each, then the
    # 1 B store: 6 x 3 + 1 = 19 cycles estimated. The other fit, double-buffered chunks of 1
    # (2 x 2 B + 4 B = 8 B), loads 24 times: at least 25 cycles. So six tiles of K = 2.
    g = GraphBuilder()
    x, w = g.input("x", (1, 1, 12)), g.weight("w", (12, 1))
    y = g.op("fc", "MatMul", [x, w], "y", (1, 1, 1), macs=12)
    hw = toy_machine(sram=9, bus="100 GB/s")
    result = simulate_graph(g.build(y), hw, name="t")
    assert result.plan.tiles == (6,)
    works = [t.work for t in result.plan.tasks if t.unit_kind == "matrix"]
    assert works == [Gemm(m=1, k=2, n=1, groups=1, macs=2)] * 6
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
