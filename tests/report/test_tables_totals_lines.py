"""The run report's totals lines and the layer table's short forms, worked by hand on the toy
machine (1 GHz, 1 B a cycle, 100 GFLOPS, no start-up unless set)."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.hardware_file import with_overrides
from accelsim.report.tables import (
    _microjoules,
    energy_table,
    layer_table,
    path_lines,
    run_report,
    totals_table,
)
from tests.report.test_tables_by_hand import _text
from tests.sim.test_schedule import _single_conv, _two_convs
from tests.sim.toy import GraphBuilder, toy_machine


def test_the_critical_path_line_counts_layers_and_names_the_three_longest():
    # four 1x1 convs (4 -> 4 channels on 5x5: x 100 B, each W 16 B, 400 MACs = 8 cycles). The
    # path: x [0, 100) and c0.W [100, 116) (c0), the other weights back to back (16 each, c1,
    # c2, c3), c3's compute [164, 172) and its store [172, 272): c3 124, c0 116, c1 16, c2 16
    g = GraphBuilder()
    x = g.input("x", (1, 4, 5, 5))
    for i in range(4):
        x = g.conv(f"c{i}", x, 4, 1)
    (_, lost), (_, path) = path_lines(simulate_graph(g.build(x), toy_machine(), name="t"))
    assert lost.startswith("bus 264 ns (97.1%), matrix 8 ns (2.9%) ")  # the larger first
    head, most = path.split("; most: ")
    assert head == "7 tasks over 4 layers; bus 97.1%, matrix 2.9%"
    assert most.split(", ")[:2] == ["c3 124 ns", "c0 116 ns"] and len(most.split(", ")) == 3


def test_no_start_up_means_no_latency_share_on_the_dma_line():
    text = _text(totals_table(simulate_graph(_two_convs(), toy_machine(), name="t")))
    bus = next(line for line in text.splitlines() if line.startswith("bus busy"))
    assert bus == "bus busy       184 cycles = 184 ns (92.9%)"  # 184 B of 198 cycles


def test_a_machine_that_spends_no_energy_shows_no_shares():
    prices = ("ddr_per_byte", "bus_per_byte", "sram_read_per_byte", "sram_write_per_byte",
              "sram_leakage_per_byte", "logic_leakage_per_unit", "mac", "vector_op")  # fmt: skip
    hw = with_overrides(toy_machine(), {f"energy.{name}": 0 for name in prices})
    result = simulate_graph(_two_convs(), hw, name="t")
    totals = _text(totals_table(result))
    assert "energy         0 J for the whole run (by component below)" in totals
    assert "costliest" not in totals  # no tensor costs anything: no share of nothing
    lines = _text(energy_table(result)).splitlines()
    ddr = next(line for line in lines if line.strip().startswith("DDR"))
    assert ddr.split()[-2:] == ["J", "-"]
    assert lines[-1].split() == ["total", "0", "J", "-"]


def test_an_untiled_run_has_no_tile_legend():
    text = _text(run_report(simulate_graph(_single_conv(), toy_machine(), name="t")))
    assert "ops x" not in text and "tiles" not in text


@pytest.mark.parametrize(
    ("joules", "shown"),
    [(2.13e-9, "0.002"), (5e-8, "0.050"), (2e-7, "0.2"), (5e-7, "0.5"), (1.2345e-5, "12.3"),
     (1.2345e-3, "1.23e+03")],
)  # fmt: skip
def test_layer_energy_is_three_digits_and_at_most_three_decimals(joules, shown):
    assert _microjoules(joules) == shown


@pytest.mark.parametrize(
    ("op_type", "short"), [("GlobalAveragePool", "GAP"), ("BatchNormalization", "BN")]
)
def test_long_op_names_are_shortened_in_the_layer_table(op_type, short):
    g = GraphBuilder()
    x = g.input("x", (1, 4, 5, 5))
    y = g.op("op", op_type, [x], "y", (1, 4, 1, 1), vector_ops=100)
    hw = with_overrides(toy_machine(), {"lowering.fold_batchnorm": False})
    row = _text(layer_table(simulate_graph(g.build(y), hw, name="t"))).splitlines()[3]
    assert row.split()[:3] == ["op", short, "vector"]
