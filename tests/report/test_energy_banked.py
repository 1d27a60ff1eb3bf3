"""With banked DDR the energy report's ddr line is the DRAM's command energy (Micron's IDD
method), worked by hand for one conv on edge1-ddr4, not the flat price per byte."""

from __future__ import annotations

import pytest

from accelsim.api import run
from accelsim.energy import energy_of
from tests import onnx_builders as builders
from tests.dram.test_tier_by_hand import EDGE1_DDR4


def test_the_ddr_line_is_the_drams_commands_and_background(tmp_path):
    model = builders.save(builders.single_conv(), tmp_path / "conv.onnx")
    result = run(model, EDGE1_DDR4)
    # tests/report/test_export_fields.py: 4 ACT, 7 RD, 8 WR, no refresh, 1,516 DRAM clocks.
    # tests/dram/test_tier_by_hand.py: an ACT 4.2 nJ, a RD 2.784 nJ, a WR 2.352 nJ; background
    # IDD3N 52 mA x 6 pJ per mA-clock every clock (a row is open from the first ACT)
    ddr = 4 * 4.2e-9 + 7 * 2.784e-9 + 8 * 2.352e-9 + 52 * 6e-12 * 1516
    energy = energy_of(result)
    assert energy.total.part("ddr") == pytest.approx(ddr, rel=1e-9)
    (layer,) = energy.layers
    assert layer.energy.part("ddr") == pytest.approx(ddr, rel=1e-9)  # the only layer pays all
    flat = 920 * EDGE1_DDR4.energy.ddr_per_byte  # what 920 B would cost at the flat price
    assert abs(flat - ddr) > 1e-9
