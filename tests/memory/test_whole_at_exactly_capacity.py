"""A layer whose working set is exactly the SRAM's capacity runs whole, and the layers around it
plan for a whole layer (with `lowering.keep_outputs`, a tiled layer keeps its output in SRAM only
for a next layer that is tiled too): one byte less and it is tiled.

Toy machine (tests/sim/toy.py): 1 byte per cycle on the bus, int8.
"""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.hardware_file import with_overrides
from tests.sim.toy import GraphBuilder, toy_machine


@pytest.mark.parametrize(("sram", "second_tiled"), [(391, True), (392, False), (393, False)])
def test_a_layer_that_fits_exactly_runs_whole_and_its_producer_stores_for_it(sram, second_tiled):
    # a: x (1, 4, 8) = 32 B . w1 (8, 64) = 512 B -> h (1, 4, 64) = 256 B: 800 B, tiled at all
    # three sizes. b: h . w2 (64, 2) = 128 B -> y (1, 4, 2) = 8 B: 256 + 128 + 8 = 392 B, whole
    # from 392 B of SRAM on. Tiled b (391 B): a keeps h in SRAM for b's tiles, h never crosses
    # the bus. Whole b: a's tiles store h (256 B in all) and b loads it once (256 B).
    g = GraphBuilder()
    x, w1, w2 = g.input("x", (1, 4, 8)), g.weight("w1", (8, 64)), g.weight("w2", (64, 2))
    h = g.op("a", "MatMul", [x, w1], "h", (1, 4, 64), macs=4 * 8 * 64)
    y = g.op("b", "MatMul", [h, w2], "y", (1, 4, 2), macs=4 * 64 * 2)
    hw = with_overrides(toy_machine(sram=sram), {"lowering.keep_outputs": True})
    result = simulate_graph(g.build(y), hw, name="t")
    first, second = result.plan.tiles
    assert first > 1 and (second > 1) == second_tiled
    moved = {kind: sum(e.nbytes for e in result.trace.events if e.kind == kind and e.buffer == h)
             for kind in ("store", "load")}  # fmt: skip
    assert moved == ({"store": 0, "load": 0} if second_tiled else {"store": 256, "load": 256})
    # x, w1 and w2 read once (32 + 512 + 128 = 672 B) and y written once (8 B), plus h's trip
    assert result.bus_read_bytes == 672 + moved["load"]
    assert result.bus_write_bytes == 8 + moved["store"]
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
