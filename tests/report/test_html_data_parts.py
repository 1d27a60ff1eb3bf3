"""The HTML report's data fields tests/report/test_html_data.py leaves out: the machine's
description, the run's and the layer's energy, the layer's parts and bound, and the run's
breakdown, for the single conv of tests/report/test_energy.py at its prices worked by hand
(7,440 pJ: 168 B of DDR at 1 pJ, bus at 2, SRAM reads at 3, writes at 4, 1,152 MACs at 5),
plus 1 mW of logic leakage for each of the 3 units over the 222 ns of the run (666 pJ)."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.report.html import page_data
from tests.close import close
from tests.report.test_energy import _priced
from tests.sim.test_schedule import _single_conv


@pytest.fixture(scope="module")
def data():
    return page_data(simulate_graph(_single_conv(), _priced(latency_ns=10, unit_leak="1 mW"),
                                     name="t"))  # fmt: skip


def test_the_run_and_its_only_layer_cost_the_hand_worked_joules(data):
    # leakage included: the layer's window is the whole run
    assert data["energy_j"] == close((7440 + 666) * 1e-12)
    assert data["layers"][0]["energy_j"] == close((7440 + 666) * 1e-12)


def test_the_layer_is_lost_to_the_bus_its_start_ups_and_the_engine(data):
    # load x 10 + 32, load W 10 + 72, compute 24, store 10 + 64: 30 cycles of start-up,
    # 168 of data, 24 of the engine; one chain, so the run's breakdown is the layer's
    parts = {"bus": 168, "latency": 30, "matrix": 24, "vector": 0, "sram": 0}
    (layer,) = data["layers"]
    assert (layer["parts"], layer["bound"]) == (parts, "bus")
    assert data["breakdown"] == parts


def test_the_description_is_the_machines():
    from accelsim.hardware_file import with_overrides

    hw = with_overrides(_priced(latency_ns=10), {"description": "a toy <b>"})
    assert page_data(simulate_graph(_single_conv(), hw, name="t"))["description"] == "a toy <b>"
