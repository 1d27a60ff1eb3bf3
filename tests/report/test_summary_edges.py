"""The run's figures at their edges, by hand: a run with nothing to do divides by nothing."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.report.export import result_to_dict
from tests.sim.toy import GraphBuilder, toy_machine


@pytest.mark.unjudged("the judge asks for the output, which is the input, to be stored")
def test_a_run_of_no_cycles_has_no_start_up_share_and_no_utilisation():
    # the output is the input: no transfer, no compute, 0 cycles; no busy channel, so no share
    g = GraphBuilder()
    result = simulate_graph(g.build(g.input("x", (1, 4))), toy_machine(), name="t")
    assert (result.latency_cycles, result.latency_share) == (0, 0.0)
    totals = result_to_dict(result)["totals"]
    assert totals["bus_latency_share"] == 0.0
    assert totals["utilisation"] == {"bus": 0.0, "matrix": 0.0, "vector": 0.0}
    # power over time is given over one cycle at least, in 200 bins
    assert result_to_dict(result)["energy"]["power_w"]["bin_cycles"] == 1 / 200
