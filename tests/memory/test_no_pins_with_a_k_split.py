"""A K-split's weights stream by chunks, so none of them is pinned for a later reader, not
even the small ones beside the chunked weight (a bias): a recurrent Gemm (the same W and b read
again two layers on, no tiled layer between) that only fits K-split keeps nothing.

Toy machine (tests/sim/toy.py): 1 byte a cycle on the bus, int8.
"""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_recurrent_k_split_gemm_pins_no_bias_slice():
    # fc1 = Gemm(x (1, 256), W (256, 256), b (256)), a Relu, fc2 = Gemm(relu, W, b): one
    # column of W is 256 B, with x 256 B more than 400 B, so both split K. Pinning the bias
    # slices of fc1's groups would leave them to a reader that streams b by its own groups.
    g = GraphBuilder()
    x = g.input("x", (1, 256))
    w, b = g.weight("W", (256, 256)), g.weight("b", (256,))
    y1 = g.op("fc1", "Gemm", [x, w, b], "y1", (1, 256), macs=65536)
    y2 = g.op("r", "Relu", [y1], "y2", (1, 256), vector_ops=256)
    y3 = g.op("fc2", "Gemm", [y2, w, b], "y3", (1, 256), macs=65536)
    hw = toy_machine(sram=400)
    result = simulate_graph(g.build(y3), hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    tiles = result.plan.tiles
    assert len(tiles) == 2 and tiles[0] == tiles[1] > 256  # K-split: more tiles than columns
    assert not [a.buffer for a in result.plan.allocations if " B]" in a.buffer]
    assert sum(e.nbytes for e in result.trace.events if e.kind == "load" and e.buffer == "b") == 512
