"""The paper model on hand-built graphs: every number worked out by hand in the comments.

Toy machine (tests/sim/toy.py): 1 GB/s bus (DDR 100 GB/s, so the bus limits), matrix engine
100 GFLOPS, vector unit 1 GFLOPS, int8. A bit count over the bus takes bits / 8 / 1e9 s.
"""

from __future__ import annotations

import pytest

from accelsim.paper import AS_PRINTED, CORRECTED, PAPER, PaperModel
from tests.sim.toy import GraphBuilder, toy_machine


def conv_relu():
    """x 1x1x4x4 -> 3x3 conv (pad 1, 2 channels) -> ReLU -> output 1x2x4x4."""
    b = GraphBuilder()
    x = b.input("x", (1, 1, 4, 4))
    y = b.conv("c1", x, 2, 3, pad=1)
    out = b.op("r1", "Relu", [y], "r1.out", (1, 2, 4, 4), vector_ops=32)
    return b.build(out)


def test_single_conv_row_by_hand():
    table = PaperModel(PAPER).evaluate(conv_relu(), toy_machine(fuses=("Relu",)))
    (row,) = table.rows
    assert row.op_types == ("Conv", "Relu")
    assert row.in_bits == 128  # 1*4*4 elements * 8 bits
    assert row.out_bits == 256  # 2*4*4 * 8
    assert row.weight_bits == 18  # 2*1*3*3 = 18 int8 coefficients, counted as 18 (bytes as bits)
    assert row.internal_bits == 128 + 18 + 256  # first layer: input + filter + output = 402
    # the image comes in (128), the filter twice (2*18), the network output goes out (256)
    assert row.move_bits == 128 + 36 + 256
    assert row.move_s == pytest.approx(420 / 8 / 1e9)  # 5.25e-8 s
    assert row.macs == 288  # 4*4 outputs * 2 channels * 9 taps
    assert row.compute_s == pytest.approx(2 * 288 / 100e9)  # ReLU fused: no vector time
    assert row.perf_s == pytest.approx(5.25e-8 + 5.76e-9)
    assert table.total_s == pytest.approx(row.perf_s)
    assert table.spills == ()


def test_unfused_relu_joins_the_row_and_costs_vector_time():
    table = PaperModel(PAPER).evaluate(conv_relu(), toy_machine(fuses=()))
    (row,) = table.rows  # the ReLU runs as its own layer but the paper counts it with the conv
    assert row.op_types == ("Conv", "Relu")
    assert row.vector_ops == 32
    assert row.compute_s == pytest.approx(2 * 288 / 100e9 + 32 / 1e9)  # 5.76e-9 + 3.2e-8 s
    assert row.out_bits == 256  # the row's output is the ReLU's, same size


def test_biases_are_not_filter_coefficients():
    b = GraphBuilder()
    x = b.input("x", (1, 1, 4, 4))
    w = b.weight("c1.W", (2, 1, 3, 3))
    bias = b.weight("c1.B", (2,))
    y = b.op("c1", "Conv", [x, w, bias], "c1.out", (1, 2, 4, 4), macs=288,
             kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1])  # fmt: skip
    (row,) = PaperModel(PAPER).evaluate(b.build(y), toy_machine()).rows
    assert row.filter_shapes == ((2, 1, 3, 3),)
    assert row.weight_bits == 18  # the 2-element bias is not counted, as in Table 3


def test_corrected_rules_count_weight_bits_and_one_trip():
    (row,) = PaperModel(CORRECTED).evaluate(conv_relu(), toy_machine()).rows
    assert row.weight_bits == 18 * 8  # 144 bits
    assert row.internal_bits == 128 + 144 + 256
    assert row.move_bits == 128 + 144 + 256  # input in, filter once, output out


def three_pointwise():
    """x 1x4x2x2 -> three 1x1 convs of 4 channels: every map 16 elements = 128 bits, 16 weights."""
    b = GraphBuilder()
    y = b.input("x", (1, 4, 2, 2))
    for name in ("c1", "c2", "c3"):
        y = b.conv(name, y, 4, 1)
    return b.build(y)


def test_overflow_moves_everything_but_the_layers_filter_and_reloads_after():
    # Running totals: c1 128+16+128 = 272, c2 272+16+128 = 416. A 40-byte (320-bit) memory
    # holds c1 and overflows at c2.
    table = PaperModel(PAPER).evaluate(three_pointwise(), toy_machine(sram=40))
    c1, c2, c3 = table.rows
    assert (c1.internal_bits, c1.spilled) == (272, False)
    assert (c2.internal_bits, c2.spilled) == (416, True)
    assert table.spills == (2,)
    assert c2.move_bits == 2 * 16 + (416 - 16)  # 432: trips + everything else in memory
    # c3 starts afresh: its input was moved out, so it comes back in (128) with its filter
    assert c3.internal_bits == 128 + 16 + 128
    assert c3.move_bits == 128 + 2 * 16 + 128  # reload + filter trips + network output out


def test_as_printed_rules_do_not_reload_after_a_spill():
    table = PaperModel(AS_PRINTED).evaluate(three_pointwise(), toy_machine(sram=40))
    c3 = table.row(3)
    assert c3.internal_bits == 272  # the input still counts as in memory (the paper's layer 26)
    assert c3.move_bits == 2 * 16 + 128  # but is not moved back in


def test_enough_memory_means_no_overflow():
    table = PaperModel(PAPER).evaluate(three_pointwise(), toy_machine(sram=70))
    assert table.spills == ()  # 560 bits (416 + 144) fit in 70 B = 560 bits: not exceeded
    assert table.row(3).internal_bits == 560


def strided():
    """x 1x1x4x4 -> 1x1 conv stride 2 (2 channels) -> 1x1x2 conv -> output 1x2x2x2."""
    b = GraphBuilder()
    x = b.input("x", (1, 1, 4, 4))
    y = b.conv("down", x, 2, 1, stride=2)
    y = b.conv("mix", y, 2, 1)
    return b.build(y)


def test_stride_slip_counts_the_output_and_macs_at_input_resolution():
    fair = PaperModel(PAPER).evaluate(strided(), toy_machine())
    slipped = PaperModel(AS_PRINTED).evaluate(strided(), toy_machine())
    # Output 1x2x2x2 = 8 elements = 64 bits; at the 4x4 input resolution 2*4*4*8 = 256 bits.
    assert (fair.row(1).out_bits, slipped.row(1).out_bits) == (64, 256)
    assert (fair.row(1).macs, slipped.row(1).macs) == (8, 32)  # 2*2*2 outputs * 1 tap, x4
    assert (fair.row(2).in_bits, slipped.row(2).in_bits) == (64, 256)  # next layer inherits it
    assert fair.row(2).macs == slipped.row(2).macs == 16  # 2*2*2 outputs * 2 input channels


@pytest.mark.parametrize("rules", [PAPER, AS_PRINTED, CORRECTED], ids=lambda r: r.name)
def test_double_bus_bandwidth_halves_every_move_time(rules):
    graph = three_pointwise()
    slow = PaperModel(rules).evaluate(graph, toy_machine(sram=40, bus="1 GB/s"))
    fast = PaperModel(rules).evaluate(graph, toy_machine(sram=40, bus="2 GB/s"))
    for a, b in zip(slow.rows, fast.rows, strict=True):
        assert b.move_s == pytest.approx(a.move_s / 2)
        assert b.move_bits == a.move_bits and b.compute_s == a.compute_s


def test_an_output_written_by_a_followers_layer_is_moved_out():
    # the unfused ReLU is the row's last layer and writes the network output: out of memory
    # it goes (256 bits) beside the image in (128) and two filter trips (2 * 18)
    (row,) = PaperModel(PAPER).evaluate(conv_relu(), toy_machine(fuses=())).rows
    assert row.move_bits == 128 + 2 * 18 + 256


def test_an_input_loaded_once_stays_in_memory_for_its_next_reader():
    # x 1x4x2x2 (128 bits) is read by two 1x1 convs of 4 channels (16 coefficients, counted as
    # 16 under the paper's bytes-as-bits rule), each writing a network output of 128 bits.
    b = GraphBuilder()
    x = b.input("x", (1, 4, 2, 2))
    table = PaperModel(PAPER).evaluate(b.build(b.conv("c1", x, 4, 1), b.conv("c2", x, 4, 1)),
                                       toy_machine())  # fmt: skip
    first, second = table.rows
    assert (first.internal_bits, first.move_bits) == (128 + 16 + 128, 128 + 2 * 16 + 128)
    # x is still in memory: nothing loaded, only the filter (16) and the output (128) are added
    assert second.internal_bits == 272 + 16 + 128
    assert second.move_bits == 2 * 16 + 128


def test_a_row_reading_two_maps_counts_both_as_its_input():
    # Add(x, y) of two 1x4x2x2 inputs (128 bits each) on the vector unit: no filter; both come
    # in, the sum (128 bits) goes out; 16 additions at 1 op a cycle
    b = GraphBuilder()
    x, y = b.input("x", (1, 4, 2, 2)), b.input("y", (1, 4, 2, 2))
    out = b.op("add", "Add", [x, y], "sum", (1, 4, 2, 2), vector_ops=16)
    (row,) = PaperModel(PAPER).evaluate(b.build(out), toy_machine()).rows
    assert (row.in_bits, row.internal_bits, row.move_bits) == (256, 256 + 128, 256 + 128)
    assert row.compute_s == pytest.approx(16 / 1e9)


def test_only_a_layer_of_followers_alone_joins_the_row_before():
    # conv -> Sigmoid -> Relu, with Relu fused after any unit: the vector layer Sigmoid+Relu
    # reads the conv's output but is not only BN/ReLU, so it is a row of its own
    from accelsim.hardware_file import with_overrides

    b = GraphBuilder()
    y = b.conv("c1", b.input("x", (1, 1, 4, 4)), 2, 3, pad=1)
    s = b.op("s1", "Sigmoid", [y], "s1.out", (1, 2, 4, 4), vector_ops=32)
    out = b.op("r1", "Relu", [s], "r1.out", (1, 2, 4, 4), vector_ops=32)
    hw = with_overrides(toy_machine(fuses=()), {"lowering.epilogue": ["Relu"]})
    rows = PaperModel(PAPER).evaluate(b.build(out), hw).rows
    assert [row.op_types for row in rows] == [("Conv",), ("Sigmoid", "Relu")]


def test_the_stride_slip_follows_the_rows_last_output_to_its_reader():
    # strided() with a ReLU after "down" run as its own layer: the row's output is the ReLU's,
    # counted at the 4x4 input resolution (2*4*4*8 = 256 bits), and "mix" reads it as such
    b = GraphBuilder()
    y = b.conv("down", b.input("x", (1, 1, 4, 4)), 2, 1, stride=2)
    r = b.op("relu", "Relu", [y], "relu.out", (1, 2, 2, 2), vector_ops=8)
    graph = b.build(b.conv("mix", r, 2, 1))
    slipped = PaperModel(AS_PRINTED).evaluate(graph, toy_machine(fuses=()))
    assert [row.op_types for row in slipped.rows] == [("Conv", "Relu"), ("Conv",)]
    assert (slipped.row(1).out_bits, slipped.row(2).in_bits) == (256, 256)


def test_the_unfused_variant_runs_relu_on_the_vector_unit_too():
    # `accelsim paper`'s second machine unfolds BatchNorm and unfuses ReLU: on the toy machine
    # (ReLU fused) the conv's row then adds the ReLU's 32 ops at 1 GOPS, 3.2e-8 s, and the
    # simulation runs it as its own vector layer (32 cycles of vector work)
    from accelsim.paper.evaluations import evaluate_all

    ev = evaluate_all(conv_relu(), toy_machine(fuses=("Relu",)), rules=PAPER)
    (fused,), (unfused,) = ev.fused.tables[PAPER.name].rows, ev.unfused.tables[PAPER.name].rows
    assert unfused.compute_s - fused.compute_s == pytest.approx(32 / 1e9)
    assert [layer.op_types for layer in ev.unfused.overlapped.program.layers] == [
        ("Conv",), ("Relu",)
    ]
    assert ev.unfused.overlapped.busy_cycles("vector") == 32


def test_a_relu_of_an_earlier_layers_output_is_a_row_of_its_own():
    # c1 and c2 both read x; the ReLU (unfused) reads c1's output, not c2's, the layer before
    # it: it joins no row (a row is a layer and the BN/ReLU layers that read its output)
    b = GraphBuilder()
    x = b.input("x", (1, 1, 4, 4))
    y1, y2 = b.conv("c1", x, 2, 3, pad=1), b.conv("c2", x, 2, 3, pad=1)
    out = b.op("r1", "Relu", [y1], "r1.out", (1, 2, 4, 4), vector_ops=32)
    table = PaperModel(PAPER).evaluate(b.build(out, y2), toy_machine(fuses=()))
    assert [row.op_types for row in table.rows] == [("Conv",), ("Conv",), ("Relu",)]
