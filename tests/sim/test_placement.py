"""Where a layer runs decides what it costs: a MAC op off the matrix engine is never free."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.energy import energy_of
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import toy_machine


def test_conv_on_vector_unit_costs_two_ops_per_mac_at_the_vector_rate():
    # `ops: [Gemm]` leaves the Conv to the vector unit (1 op/cycle on the toy machine).
    hw = toy_machine(ops=("Gemm",))
    result = simulate_graph(_single_conv(), hw, name="t")
    layer = result.layers[0]
    # 4 out ch * 16 px * 2 in ch * 9 = 1152 MACs = 2304 vector ops at 1 op/cycle = 2304 cycles
    assert layer.unit == "vector"
    assert layer.compute_cycles == 2304
    # load x 32 + load W 72 (no latency, 1 B/cycle), compute 2304, store 64 B
    assert result.latency_cycles == 32 + 72 + 2304 + 64
    assert result.floor.parts["vector"] == 2304
    # energy: 2304 vector ops at 0.1 pJ, no matrix-engine MACs
    spent = energy_of(result).layers[0].activity
    assert (spent.count("matrix"), spent.count("vector")) == (0, 2304)
