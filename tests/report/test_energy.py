"""Energy per component and per layer on hand-built graphs, every count derived by hand."""

from __future__ import annotations

import json

import pytest

from accelsim.api import simulate_graph
from accelsim.energy import COMPONENTS, energy_of
from accelsim.hardware_file import with_overrides
from accelsim.report.export import result_to_dict
from tests.sim.test_schedule import _single_conv, _spilling_graph
from tests.sim.toy import toy_machine

# Distinct prices (pJ) so that every component's count shows up in its own joules.
PRICES = {"ddr_per_byte": 1, "bus_per_byte": 2, "sram_read_per_byte": 3,
          "sram_write_per_byte": 4, "mac": 5, "vector_op": 6}  # fmt: skip


def _priced(**toy: object):
    overrides = {f"energy.{name}": f"{pj} pJ" for name, pj in PRICES.items()}
    return with_overrides(toy_machine(**toy), overrides)  # type: ignore[arg-type]


def test_energy_of_a_single_conv_counts_every_byte_once():
    result = simulate_graph(_single_conv(), _priced(), name="t")
    energy = energy_of(result)
    # x 1x2x4x4 = 32 B and W 4x2x3x3 = 72 B are loaded, out 1x4x4x4 = 64 B is stored: 168 B
    # cross the bus. SRAM writes: the two loads (104 B) + the conv's output (64 B) = 168 B.
    # SRAM reads: the conv's operands (32 + 72 B) + the store (64 B) = 168 B.
    # MACs: 4 out ch * 16 px * 2 in ch * 9 = 1152; no vector work (the conv has no ReLU).
    assert energy.activity.count("ddr") == 168
    assert energy.activity.count("sram_write") == 168
    assert energy.activity.count("sram_read") == 168
    assert energy.activity.count("matrix") == 1152
    assert energy.activity.count("vector") == 0
    parts = energy.total.components()
    expected_pj = {"ddr": 168 * 1, "bus": 168 * 2, "sram_read": 168 * 3, "sram_write": 168 * 4,
                   "matrix": 1152 * 5, "vector": 0}  # fmt: skip
    assert parts == pytest.approx({k: v * 1e-12 for k, v in expected_pj.items()})
    # 168 + 336 + 504 + 672 + 5760 = 7440 pJ
    assert energy.total_j == pytest.approx(7440e-12)


def test_spills_and_reloads_cost_bus_ddr_and_sram_energy_at_the_layer_that_caused_them():
    result = simulate_graph(_spilling_graph(), _priced(sram=300), name="t")
    energy = energy_of(result)
    # Six 100 B tensors. Bus: load x, load w, spill a, reload a, store d = 500 B.
    # SRAM writes: loads x, w, reload a (300 B) + the four layers' outputs (400 B) = 700 B.
    # SRAM reads: spill a + store d (200 B) + operands r1 x, r2 a, m b+w, s a+c (600 B) = 800 B.
    assert energy.activity.count("ddr") == 500
    assert energy.activity.count("sram_write") == 700
    assert energy.activity.count("sram_read") == 800
    assert energy.activity.count("vector") == 400  # 100 element ops in each of the 4 layers
    by_layer = {layer.name: layer.activity.count("bus") for layer in energy.layers}
    # m loads w and spills a to make room (200 B); s reloads a and stores d (200 B).
    assert by_layer == {"r1": 100, "r2": 0, "m": 200, "s": 200}
    # 500 * (1 + 2) + 800 * 3 + 700 * 4 + 400 * 6 = 1500 + 2400 + 2800 + 2400 = 9100 pJ
    assert energy.total_j == pytest.approx(9100e-12)
    assert sum(layer.energy.total_j for layer in energy.layers) == pytest.approx(energy.total_j)


def test_run_json_carries_energy_per_layer_and_component():
    result = simulate_graph(_single_conv(), _priced(), name="t")
    doc = json.loads(json.dumps(result_to_dict(result)))
    assert set(doc["energy"]["components_j"]) == set(COMPONENTS)
    assert doc["energy"]["total_j"] == pytest.approx(7440e-12)  # as in the single-conv test
    assert doc["energy"]["counts"]["matrix"] == 1152
    assert doc["layers"][0]["energy_j"] == pytest.approx(7440e-12)  # the only layer


def test_every_declared_kind_has_its_own_energy_line_priced_by_a_hardware_field():
    from accelsim.energy import LINES
    from accelsim.hardware import Energy
    from accelsim.kinds import KINDS

    by_name = {line.name: line for line in LINES}
    assert [line.name for line in LINES] == ["ddr", "sram_read", "sram_write", "bus", "matrix",
                                             "vector"]  # fmt: skip
    for k in KINDS:
        assert by_name[k.label].price == k.energy and k.energy in Energy.model_fields
        assert k.amount in k.work.__dataclass_fields__
