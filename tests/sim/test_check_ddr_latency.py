"""The judge's own transfer time pays DDR's latency as well as the channel's: at 1 GHz, 100 ns of
DDR and 50 ns of DMA start-up are 150 cycles before the first byte, then 1 B a cycle."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.check import plan_violations, transfer_cycles
from accelsim.hardware_file import with_overrides
from tests.memory.test_planner import _two_candidates
from tests.sim.toy import toy_machine


def test_transfer_cycles_add_ddr_and_channel_latency() -> None:
    hw = with_overrides(toy_machine(latency_ns=50), {"ddr.latency": "100 ns"})
    assert transfer_cycles(64, hw) == 100 + 50 + 64
    assert transfer_cycles(0, hw) == 0  # nothing to fetch: no request, no latency
    result = simulate_graph(_two_candidates(), hw, name="t")
    loads = [e.end - e.start for e in result.trace.events if e.kind == "load"]
    assert loads == [150 + 100]  # x, 100 B
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
