"""The paper model on the reference MobileNet and the paper's machine, against Tables 3 and 4.

Expected values come from Table 1 by hand (closed-form MACs and sizes) or from the paper's printed
numbers corrected by the differences worked out in the comments, never from the model itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.paper import AS_PRINTED, PAPER, PaperModel, agree_4sf, compare
from accelsim.paper.diagnose import UNEXPLAINED
from accelsim.paper.published import load_published
from tests.onnx_facts import conv_nodes

ROOT = Path(__file__).resolve().parents[2]

# Table 1, one entry per convolution: (kind, input channels, output channels, stride, input H=W).
TABLE1 = [("conv", 3, 32, 1, 28), ("dw", 32, 32, 1, 28), ("pw", 32, 64, 1, 28),
          ("dw", 64, 64, 2, 28), ("pw", 64, 64, 1, 14), ("dw", 64, 64, 1, 14),
          ("pw", 64, 128, 1, 14), ("dw", 128, 128, 1, 14), ("pw", 128, 128, 1, 14),
          ("dw", 128, 128, 1, 14), ("pw", 128, 128, 1, 14), ("dw", 128, 128, 1, 14),
          ("pw", 128, 256, 1, 14), *[("dw", 256, 256, 1, 14), ("pw", 256, 256, 1, 14)] * 5,
          ("dw", 256, 256, 2, 14), ("pw", 256, 256, 1, 7), ("dw", 256, 256, 1, 7),
          ("pw", 256, 256, 1, 7)]  # fmt: skip
STRIDED = (4, 24)


def table1_macs(layer: int) -> int:
    """MACs of conv `layer` at its output resolution: outputs x taps per output."""
    kind, cin, cout, stride, size = TABLE1[layer - 1]
    taps = {"conv": 3 * 3 * cin, "dw": 3 * 3, "pw": cin}[kind]
    return (size // stride) ** 2 * cout * taps


@pytest.fixture(scope="module")
def comparison(graph, edge1):
    return compare(graph, edge1, rules=PAPER)


@pytest.fixture(scope="module")
def as_printed(graph, edge1):
    return compare(graph, edge1, rules=AS_PRINTED)


def test_table1_matches_the_onnx_file_conv_by_conv():
    # The onnx package alone reads the file: kind, channels and stride of each of the 27 convs.
    def kind(c):
        if c.kernel == 1:
            return "pw"
        return "dw" if c.group > 1 and c.in_per_group == 1 else "conv"

    convs = conv_nodes(ROOT / "workloads" / "mobilenet.onnx")
    assert len(convs) == 27
    facts = [(kind(c), c.in_per_group * c.group, c.out_channels, c.stride) for c in convs]
    assert facts == [row[:4] for row in TABLE1]


@pytest.mark.parametrize("layer", range(1, 28))
def test_compute_time_is_two_macs_per_tflops(comparison, layer):
    # e.g. layer 1: 28*28*32*27 = 677,376 MACs -> 2*677,376/1e12 = 1.354752e-6 s (printed
    # 1.35475E-06); layer 15: 14*14*256*256 = 12,845,056 -> 2.5690112e-5 s (printed 2.56901E-05)
    expected = 2 * table1_macs(layer) / 1e12
    assert comparison.table.row(layer).compute_s == pytest.approx(expected, rel=1e-12)
    cell = comparison.cell("compute_s", layer)
    if layer in STRIDED:
        # the paper costs stride-2 layers at their input size: 4x the MACs (28x28 vs 14x14)
        assert not cell.agree
        assert agree_4sf(4 * expected, cell.paper.value)
    else:
        assert cell.agree


def test_published_compute_examples(comparison):
    assert comparison.cell("compute_s", 1).paper.text == "1.35475E-06"
    assert comparison.cell("compute_s", 15).paper.text == "2.56901E-05"
    assert comparison.cell("compute_s", 1).agree and comparison.cell("compute_s", 15).agree


# The paper's data movement is its coefficients twice (plus the image at layer 1), except at
# layer 5 and 9, where it moves 2 x 8,192 for filters Table 1 gives 4,096 and 16,384
# coefficients, and layer 25, where it spills. There the model gives 2 x 4,096 / 8 / 1e9 =
# 1.024e-6 s, 2 x 16,384 / 8 / 1e9 = 4.096e-6 s and (no spill) 2 x 65,536 / 8 / 1e9 = 1.6384e-5 s.
MOVE_DIFFERS = {5: 1.024e-6, 9: 4.096e-6, 25: 1.6384e-5}


@pytest.mark.parametrize("layer", range(1, 28))
def test_data_movement_time_agrees_where_the_rule_is_consistent(comparison, layer):
    cell = comparison.cell("move_s", layer)
    if layer in MOVE_DIFFERS:
        assert not cell.agree
        assert cell.ours == pytest.approx(MOVE_DIFFERS[layer])
    else:
        assert cell.agree, cell


def test_layer_1_moves_the_image_and_the_filter_twice(comparison):
    row = comparison.table.row(1)
    assert row.move_bits == 28 * 28 * 3 * 8 + 2 * (3 * 3 * 3 * 32)  # 18,816 + 1,728 = 20,544
    assert row.move_s == pytest.approx(2568 / 1e9)  # 2,568 bytes at 10^9 B/s


def test_with_the_papers_stride_slip_the_overflow_is_at_layer_25(as_printed):
    table = as_printed.table
    assert table.spills == (25,)
    # The paper's running total at layer 25 is 8,137,280 bits; it inflates layer 5 by +104,448
    # (output 14x14x128 instead of 14x14x64: +100,352; filter 8,192 instead of 4,096: +4,096),
    # layer 9 by -8,192 (filter 8,192 instead of 16,384) and layer 13 by +3,136 (404,544
    # instead of 14x14x256x8 = 401,408): 8,137,280 - 99,392 = 8,037,888.
    assert table.row(25).internal_bits == 8_137_280 - 99_392
    # It moves 2 x 65,536 + (total - 65,536): 8,202,816 printed, 99,392 fewer here. The issue
    # asked for "at least as many bits as the paper"; that cannot hold without copying the
    # paper's layer 5/9/13 errors, so the test pins the exact, explained difference.
    assert table.row(25).move_bits == 8_202_816 - 99_392
    assert table.row(24).internal_bits == 7_971_392 - 99_392  # fits: 7,872,000 <= 8,000,000


def test_with_table1_shapes_nothing_overflows_one_mb(comparison):
    table = comparison.table
    assert table.capacity_bits == 8_000_000  # "1 MB" = 10^6 bytes
    assert table.spills == ()
    # Without the stride slip layers 4 and 24 add 301,056 bits less each (28x28x64 vs 14x14x64,
    # 14x14x256 vs 7x7x256 at 8 bits): 8,037,888 - 2 x 301,056 = 7,435,776 at layer 25.
    assert table.row(25).internal_bits == 7_435_776
    # layers 26 and 27 add 100,352 + 2,304 and 100,352 + 65,536: 7,704,320 < 8,000,000
    assert table.row(27).internal_bits == 7_704_320


def test_a_smaller_memory_brings_the_overflow_back(graph, edge1):
    # 900 kB = 7,200,000 bits: layer 23's total 7,167,232 (= 7,567,680 printed - 400,448 of
    # paper differences up to layer 23) fits, layer 24's 7,269,888 does not.
    hw = with_overrides(edge1, {"sram.capacity": "900 kB"})
    table = PaperModel(PAPER).evaluate(graph, hw)
    assert table.spills == (24,)
    assert table.row(24).move_bits == 2 * 2304 + 7_269_888 - 2304
    assert table.row(25).move_bits == 100_352 + 2 * 65_536  # reloads its 7x7x256 input


def test_a_large_enough_memory_removes_the_papers_overflow(graph, edge1):
    # 1 MiB = 8,388,608 bits holds even the paper's own 8,137,280
    hw = with_overrides(edge1, {"sram.capacity": "1 MiB"})
    assert PaperModel(AS_PRINTED).evaluate(graph, hw).spills == ()


def test_the_bus_limit_is_the_slower_of_bus_and_ddr(graph, edge1):
    base = PaperModel(AS_PRINTED).evaluate(graph, edge1)
    bus_only = PaperModel(AS_PRINTED).evaluate(
        graph, with_overrides(edge1, {"bus.bandwidth": "2 GB/s"})
    )
    both = PaperModel(AS_PRINTED).evaluate(
        graph, with_overrides(edge1, {"bus.bandwidth": "2 GB/s", "ddr.bandwidth": "2 GB/s"})
    )
    # edge1's DDR also runs at 1 GB/s, so a faster bus alone changes nothing; the paper's
    # "1 GB/s DDR bus" is both, and doubling both halves every data movement time.
    for a, b, c in zip(base.rows, bus_only.rows, both.rows, strict=True):
        assert b.move_s == a.move_s
        assert c.move_s == pytest.approx(a.move_s / 2)
    assert both.row(25).move_s == pytest.approx((8_202_816 - 99_392) / 8 / 2e9)


def test_unfused_machine_adds_batchnorm_and_relu_ops(graph):
    hw = load_hardware(ROOT / "hardware" / "edge1-unfused.yaml")
    row = PaperModel(PAPER).evaluate(graph, hw).row(1)
    assert row.op_types == ("Conv", "BatchNormalization", "Relu")
    # layer 1's output has 28*28*32 = 25,088 elements; ReLU does 1 op each, BN the rest
    assert row.vector_ops > 25_088
    assert row.compute_s == pytest.approx(2 * 677_376 / 1e12 + row.vector_ops / 1e10)


# Every printed cell that differs under rules "paper", worked out from Tables 1, 3 and 4:
# stride-2 slip (layers 4, 24: output, compute, A+B; layers 5, 25: input), layer 5's and 9's
# filters, layer 13's output typo (and layer 14's input), layer 6's input (repeats layer 5),
# the running totals from layer 4 on, the layer-25 spill, and the total.
DIFFERING = {
    "in_bits": {5, 6, 14, 25},
    "out_bits": {4, 5, 13, 24},
    "internal_bits": set(range(4, 28)),
    "move_bits": {5, 9, 25},
    "move_s": {5, 9, 25},
    "compute_s": {4, 24},
    "perf_s": {4, 5, 9, 24, 25},
    "total_s": {None},
}


def test_exactly_the_expected_cells_differ_and_each_has_a_reason(comparison):
    differing: dict[str, set[int | None]] = {key: set() for key in DIFFERING}
    for cell in comparison.cells:
        if not cell.agree:
            differing[cell.column.key].add(cell.layer)
            assert cell.reason and cell.reason != UNEXPLAINED, cell
        else:
            assert cell.reason == ""
    assert differing == DIFFERING
    assert len(comparison.cells) == 27 * 4 + 27 * 3 + 1  # 190 printed cells
    assert comparison.agreeing == 190 - sum(len(v) for v in DIFFERING.values())  # 144


def test_as_printed_rules_explain_the_stride_cells(as_printed):
    # With the slip put back, the stride cells agree; what is left are layers 5, 9 and 13's
    # typos, the running totals they carry (5-25), layer 25's spill amount and the total.
    assert as_printed.agreeing == 155  # 190 - (2 + 2 + 21 + 3 + 3 + 0 + 3 + 1)
    assert all(c.agree for c in as_printed.cells if c.column.key == "compute_s")
    assert not any(c.reason == UNEXPLAINED for c in as_printed.cells)


def test_the_total_reason_finds_layer_7_counted_twice(comparison):
    published = load_published()
    rows = sum(r.perf_s.value for r in published.rows)
    # 0.001340632 - 0.00133537314 = 5.25886e-6, layer 7's 5.25926E-06 to the printed digits
    assert published.total_s.value - rows == pytest.approx(5.25886e-6, abs=1e-12)
    assert "layer 7's row again" in comparison.cell("total_s", None).reason
