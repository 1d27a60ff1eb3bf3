"""Weights are pinned in SRAM for a later reader only when no other tiled layer comes between
(a recurrent layer's next step): a tiled layer in between would need the room, so the first
reader tiles as if the weights were never read again.

Toy machine (tests/sim/toy.py): 1 byte a cycle on the bus, int8.
"""

from __future__ import annotations

from collections import Counter

import pytest

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from tests.sim.toy import GraphBuilder, toy_machine


@pytest.mark.parametrize("sram", [200, 300])
def test_two_readers_of_a_weight_with_a_tiled_layer_between_tile_alike(sram):
    # fc1 = x (1, 1, 64) x W (64, 8), fc2 = y1 x V (8, 64), fc3 = y2 (1, 1, 64) x W: every layer
    # needs more than the SRAM whole (W, V 512 B each), so all three are tiled. fc1 and fc3
    # have the same shapes and neither has W read again before another tiled layer (fc2
    # comes between), so they tile alike, each loading W once, by whole groups, none pinned.
    g = GraphBuilder()
    x = g.input("x", (1, 1, 64))
    w = g.weight("W", (64, 8))
    v = g.weight("V", (8, 64))
    y1 = g.op("fc1", "MatMul", [x, w], "y1", (1, 1, 8), macs=512)
    y2 = g.op("fc2", "MatMul", [y1, v], "y2", (1, 1, 64), macs=512)
    y3 = g.op("fc3", "MatMul", [y2, w], "y3", (1, 1, 8), macs=512)
    hw = toy_machine(sram=sram)
    result = simulate_graph(g.build(y3), hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    tiles = result.plan.tiles
    assert len(tiles) == 3 and tiles[0] == tiles[2] > 1
    loads = Counter()
    for e in result.trace.events:
        if e.kind == "load" and e.buffer == "W":
            loads[e.layer] += e.nbytes
    assert loads == {0: 512, 2: 512}
    assert not [a.buffer for a in result.plan.allocations if " B]" in a.buffer]
    assert sum(e.layer == 0 and e.buffer == "W" for e in result.trace.events) == tiles[0]
