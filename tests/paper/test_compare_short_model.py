"""`paper` on a model with fewer layers than the paper printed (27): every layer the model has,
its last included, stands beside the printed row of the same number; the rows after it have
nothing beside them."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.hardware_file import load_hardware
from accelsim.paper import PAPER, compare
from tests.sim.toy import GraphBuilder

ROOT = Path(__file__).resolve().parents[2]


def test_a_two_layer_model_sets_both_layers_beside_the_printed_rows():
    # c1: x (1, 3, 8, 8) 3x3 pad 1 -> 4 channels; c2: -> 2 channels; int8 on edge1 (1 TFLOPS).
    # in bits: 3 x 64 x 8 = 1,536 and 4 x 64 x 8 = 2,048; out bits: 2,048 and 2 x 64 x 8 = 1,024;
    # compute: 2 x (64 x 4 x 27 = 6,912) / 1e12 = 1.3824e-8 s and 2 x (64 x 2 x 36 = 4,608)
    # / 1e12 = 9.216e-9 s.
    g = GraphBuilder()
    y = g.conv("c2", g.conv("c1", g.input("x", (1, 3, 8, 8)), 4, 3, pad=1), 2, 3, pad=1)
    comparison = compare(g.build(y), load_hardware(ROOT / "hardware" / "edge1.yaml"), rules=PAPER)
    ours = {(cell.column.key, cell.layer): cell.ours for cell in comparison.cells}
    assert [ours["in_bits", layer] for layer in (1, 2, 3)] == [1_536, 2_048, None]
    assert [ours["out_bits", layer] for layer in (1, 2, 3)] == [2_048, 1_024, None]
    assert [ours["compute_s", 1], ours["compute_s", 2]] == pytest.approx([1.3824e-8, 9.216e-9])
    # every printed row has its cell; from the third on nothing stands beside it
    assert sorted(layer for key, layer in ours if key == "perf_s") == list(range(1, 28))
    assert {ours[key, layer] for key, layer in ours if layer is not None and layer > 2} == {None}
