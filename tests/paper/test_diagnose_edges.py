"""The reasons `accelsim paper` gives for the cells the committed report (rules `paper` on edge1)
never shows: rules `corrected` and `as-printed`, the unfused machine, and printed values changed
here so that a reason's own test is met (a reload after a spill, a layer the model lacks).

Every number in an expected reason is worked out by hand from Table 1 (MobileNet's shapes,
int8) and the printed Tables 3 and 4, in the comments.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.paper import AS_PRINTED, CORRECTED, PAPER, compare
from accelsim.paper.published import PublishedValue, load_published
from tests.sim.toy import GraphBuilder

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corrected(graph, edge1):
    return compare(graph, edge1, rules=CORRECTED)


def _printed(layer: int, **values: float):
    """The printed tables with some cells of `layer` changed."""
    return _printed_rows({layer: values})


def _printed_rows(changes: dict[int, dict[str, float]]):
    """The printed tables with cells changed: layer -> column -> value."""
    published = load_published()
    rows = list(published.rows)
    for layer, values in changes.items():
        cells = {key: PublishedValue(value=v, text=f"{v:g}") for key, v in values.items()}
        rows[layer - 1] = replace(rows[layer - 1], **cells)
    return replace(published, rows=tuple(rows))


def test_corrected_rules_name_the_filter_the_printed_move_implies(corrected):
    # corrected: 1 trip, weights in bits. Layer 1 moves the image (28x28x3 x 8 = 18,816 bits)
    # and its 32x3x3x3 filter once (864 x 8 = 6,912 bits): 25,728. The paper prints 20,544,
    # so the filter it moves is 20,544 - 18,816 = 1,728 bits; at 6,912 / 32 = 216 bits per
    # output channel that is 8 channels' worth
    assert corrected.cell("move_bits", 1).reason == (
        "the paper moves 1 x 1,728 for the filter, the size of a (8, 3, 3, 3) filter; "
        "this layer's filter (32, 3, 3, 3) counts 6,912"
    )
    # layer 3 (pw 32 -> 64 at 28x28): filter 64x32 x 8 = 16,384 bits; printed 4,096 = 16
    # channels of 32 x 8 = 256 bits each
    assert corrected.cell("move_bits", 3).reason == (
        "the paper moves 1 x 4,096 for the filter, the size of a (16, 32, 1, 1) filter; "
        "this layer's filter (64, 32, 1, 1) counts 16,384"
    )


def test_corrected_rules_overflow_at_21_and_say_so_in_each_later_total(corrected):
    assert corrected.table.spills == (21,)
    assert corrected.cell("internal_bits", 22).reason == (
        "the model overflows at layer(s) 21, the paper at none")  # fmt: skip
    # the paper's own overflow is at layer 25, so from layer 26 on both lists are shown
    assert corrected.cell("internal_bits", 26).reason == (
        "the model overflows at layer(s) 21, the paper at 25")  # fmt: skip
    assert corrected.cell("move_bits", 21).reason.startswith("the model overflows here (")
    assert corrected.cell("move_bits", 21).reason.endswith(" > 8,000,000 bits)")


def test_a_row_where_both_movement_and_compute_differ_names_both(corrected):
    # layer 4 (stride 2): A differs (filter in bits) and so does B (the stride-2 slip)
    assert corrected.cell("perf_s", 4).reason == "A + B of the row, and A and B differs"
    assert corrected.cell("perf_s", 3).reason == "A + B of the row, and A differs"


def test_a_printed_move_short_of_the_reloaded_input_is_the_reload(graph, edge1):
    # corrected overflows at layer 21, so layer 22 (dw 256 ch at 14x14) moves its input back in,
    # 14x14x256 x 8 = 401,408 bits, besides its 256x3x3 x 8 = 18,432-bit filter. Printed as
    # just the filter, the difference is exactly the reloaded input
    comparison = compare(graph, edge1, rules=CORRECTED, published=_printed(22, move_bits=18_432))
    assert comparison.cell("move_bits", 22).reason == (
        "the model moves the input back in after the layer-21 spill (401,408 bits); "
        "the paper reads it from memory it had emptied"
    )
    # without a reload the same shortfall is no reload
    no_reload = replace(CORRECTED, reload_after_spill=False)
    comparison = compare(graph, edge1, rules=no_reload, published=_printed(22, move_bits=-382_976))
    assert "back in" not in comparison.cell("move_bits", 22).reason


def test_as_printed_rules_trace_the_layer_25_move_to_the_running_totals_gap(graph, edge1):
    # with the stride slip both overflow at layer 25. The running totals differ by the paper's
    # typos only: layer 5's output (200,704 printed, 100,352 by Table 1) and filter (8,192
    # printed, 4,096): +104,448; layer 9's filter (8,192 printed, 16,384): -8,192; layer 13's
    # output (404,544 printed, 401,408): +3,136. In all +99,392 bits, moved out at the spill
    comparison = compare(graph, edge1, rules=AS_PRINTED)
    assert comparison.cell("move_bits", 25).reason == (
        "both overflow here; the +99,392 bits are the running totals' gap")  # fmt: skip
    assert comparison.cell("internal_bits", 13).reason == (
        "running total carries the paper's differences at layer(s) 5 (+104,448), 9 (-8,192), "
        "13 (+3,136)"
    )


def test_a_machine_with_relu_unfused_is_told_apart_from_a_wrong_mac_count(graph, edge1):
    comparison = compare(graph, with_overrides(edge1, {"lowering.fuses": []}), rules=PAPER)
    # layer 17 (pw 256 -> 256 at 14x14): the paper's B is 2 x 12,845,056 MACs / 1 TFLOPS alone;
    # the vector unit adds one ReLU op per output element, 14x14x256 = 50,176, at 10 GFLOPS
    assert comparison.cell("compute_s", 17).reason == (
        "the paper charges no vector-unit ops; this machine runs 50,176 (BN/ReLU) ops at "
        "1e+10 ops/s"
    )
    # layer 24 (dw stride 2, 256 ch): printed 9.03168e-7 s = 2 x 451,584 MACs (14x14x256x9,
    # input resolution); at its 7x7 output it does 49 x 256 x 9 = 112,896
    assert comparison.cell("compute_s", 24).reason == (
        "the paper's time implies 451,584 MACs; the layer does 112,896")  # fmt: skip


def test_rows_past_the_models_last_layer_say_the_model_has_none():
    # two 3x3 convs (as tests/paper/test_compare_short_model.py): rows 3.. have no model layer
    g = GraphBuilder()
    y = g.conv("c2", g.conv("c1", g.input("x", (1, 3, 8, 8)), 4, 3, pad=1), 2, 3, pad=1)
    comparison = compare(g.build(y), load_hardware(ROOT / "hardware" / "edge1.yaml"))
    assert comparison.cell("in_bits", 3).reason == "the model has no layer 3"
    assert comparison.cell("perf_s", 27).reason == "the model has no layer 27"
    # layer 2's input (2,048 bits, printed 200,704) is layer 1's output, and the paper prints
    # the same number as its layer 1 output
    assert comparison.cell("in_bits", 2).reason == (
        "repeats the paper's layer 1 output (200,704 bits), see that row")  # fmt: skip


def test_a_printed_input_that_repeats_the_row_above_is_only_that_if_the_layer_reads_it():
    # two convs that both read the input x (1x3x8x8: 1,536 bits); c1 writes 4 channels (2,048
    # bits). Row 2's printed input (200,704) repeats row 1's printed output, but layer 2 reads
    # x, not layer 1's output: that is no explanation
    g = GraphBuilder()
    x = g.input("x", (1, 3, 8, 8))
    graph = g.build(g.conv("c1", x, 4, 3, pad=1), g.conv("c2", x, 2, 3, pad=1))
    comparison = compare(graph, load_hardware(ROOT / "hardware" / "edge1.yaml"))
    assert comparison.table.row(2).in_bits == 1_536
    assert comparison.cell("in_bits", 2).reason == "not explained"


def test_after_a_spill_both_running_totals_restart(graph, edge1):
    # as-printed: both overflow at layer 25, and both counts restart at layer 26 (printed
    # 203,008, which the model gives). Printed 1,000 bits more at layers 25 and 26, layer 26
    # alone carries the +1,000: what layer 25 added (printed 1,000 more too) and the totals
    # of layer 25 (which differ by 99,392 + 1,000) no longer count
    printed = _printed_rows({25: {"internal_bits": 8_138_280}, 26: {"internal_bits": 204_008}})
    comparison = compare(graph, edge1, rules=AS_PRINTED, published=printed)
    assert comparison.table.row(26).internal_bits == 203_008
    assert comparison.cell("internal_bits", 26).reason == (
        "running total carries the paper's differences at layer(s) 26 (+1,000)")  # fmt: skip


def test_a_printed_move_that_leaves_nothing_for_the_filter_is_not_explained(graph, edge1):
    # rules paper: layer 2 (dw, its input already in memory) moves only its 32x3x3 = 288-byte
    # filter, twice: 576. Printed as 0, the filter would be 0 bits: no filter size to name
    comparison = compare(graph, edge1, rules=PAPER, published=_printed(2, move_bits=0))
    assert comparison.table.row(2).move_bits == 576
    assert comparison.cell("move_bits", 2).reason == "not explained"


def test_a_total_over_the_rows_sum_by_no_rows_time_counts_no_row_twice(graph, edge1):
    published = load_published()
    summed = sum(row.perf_s.value for row in published.rows)  # Table 4's 27 rows
    over = replace(published, total_s=PublishedValue(value=summed * 1.01, text="x"))
    # 1 % over the sum: no row's time is that excess, so no row is named as counted twice
    reason = compare(graph, edge1, rules=PAPER, published=over).cell("total_s", None).reason
    assert reason.startswith(f"the printed total is the 27 rows' sum {summed:.9g} s; ")
    assert "again" not in reason
