"""The machine panel's lowering and data-type lines, and the layer table's SRAM column, for
machines and a conv worked by hand."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.hardware_file import with_overrides
from accelsim.report.tables import layer_table, machine_panel
from tests.report.test_tables_by_hand import _text
from tests.sim.toy import GraphBuilder, toy_machine


def _lines(hw) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = {}
    for line in _text(machine_panel(hw)).splitlines():
        key, _, value = line.strip().partition("  ")
        rows[key] = value.strip()
    return rows


def test_the_toy_folds_batchnorm_and_fuses_relu_at_8_bits():
    rows = _lines(toy_machine())
    assert rows["BatchNorm"] == "folded into conv weights"
    assert rows["fused on output"] == "Relu"
    assert rows["data types"] == "weights 8-bit, activations 8-bit"


def test_nothing_folded_or_fused_and_two_widths_are_said_so():
    hw = with_overrides(toy_machine(), {
        "lowering.fold_batchnorm": False, "lowering.fuses": [],
        "dtypes.weights": "int4", "dtypes.activations": "int16",
    })  # fmt: skip
    rows = _lines(hw)
    assert rows["BatchNorm"] == "not folded"
    assert rows["fused on output"] == "none"
    assert rows["data types"] == "weights 4-bit, activations 16-bit"


def test_two_fused_ops_are_listed_in_the_files_order():
    rows = _lines(with_overrides(toy_machine(), {"lowering.fuses": ["Relu", "Clip"]}))
    assert rows["fused on output"] == "Relu, Clip"


def test_the_sram_column_gives_three_significant_digits():
    # x 1x8x8x8 = 512 B, W 6x8x3x3 = 432 B and the output 1x6x8x8 = 384 B in SRAM at once:
    # 1,328 B = 1.328 kB -> "1.33 kB" (the toy's 10,000 B are decimal kB)
    g = GraphBuilder()
    x = g.input("x", (1, 8, 8, 8))
    result = simulate_graph(g.build(g.conv("conv", x, 6, 3, pad=1)), toy_machine(), name="t")
    row = _text(layer_table(result)).splitlines()[3]
    assert row.split()[:5] == ["conv", "Conv", "matrix", "27,648", "944"]  # read: x + W
    assert " 1.33 kB " in row
