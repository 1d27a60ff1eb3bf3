"""A run's derived figures (busy cycles, utilisation per unit and per kind, latency share, bus
bytes) on a two-channel toy machine, every number by hand from the schedule below."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from tests.sim.test_check import _two_convs
from tests.sim.toy import toy_machine


def test_two_channel_run_figures_by_hand():
    # 1 B/cycle channels, 10 cycles of latency a transfer; the matrix unit 50 MACs a cycle.
    # dma0: x 32 B [0, 42), c2.W 16 B [42, 68), the store of 64 B [112, 186) -> 142 busy
    # dma1: c1.W 72 B [0, 82) -> 82 busy; matrix: c1 1,152 MACs [82, 106), c2 256 [106, 112)
    result = simulate_graph(_two_convs(), toy_machine(dma_units=2, latency_ns=10), name="t")
    spans = [(e.resource, e.start, e.end) for e in result.trace.events]
    assert spans == [("dma0", 0, 42), ("dma1", 0, 82), ("matrix", 82, 106), ("dma0", 42, 68),
                     ("matrix", 106, 112), ("dma0", 112, 186)]  # fmt: skip
    assert result.latency_cycles == 186
    busy = {name: result.busy_cycles(name) for name in ("dma0", "dma1", "matrix", "vector")}
    assert busy == {"dma0": 142, "dma1": 82, "matrix": 30, "vector": 0}
    assert result.utilisation("dma0") == pytest.approx(142 / 186)
    # the mean over the two channels, not the busier one nor the sum
    assert result.kind_utilisation("dma") == pytest.approx((142 + 82) / 2 / 186)
    assert result.kind_utilisation("matrix") == pytest.approx(30 / 186)
    assert result.kind_utilisation("vector") == 0.0
    # 4 transfers x 10 cycles of latency over both channels' 224 busy cycles
    assert result.latency_share == pytest.approx(40 / 224)
    assert (result.bus_read_bytes, result.bus_write_bytes) == (32 + 72 + 16, 64)
