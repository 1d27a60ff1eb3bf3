"""A tiled layer's output that is also a graph output goes to DDR tile by tile, even where
`lowering.keep_outputs` would keep it whole in SRAM for the next layer (`_Planner._keeps`: a
graph output is stored anyway, so keeping it saves no store).

Toy machine (tests/sim/toy.py): 1 byte per cycle on the bus, int8, no transfer latency.
"""

from __future__ import annotations

from collections import Counter

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.hardware_file import with_overrides
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_graph_output_read_by_the_next_tiled_layer_is_stored_not_kept():
    # s = Sigmoid(x), x (1, 4, 16) = 64 B, then fc = s . w, w (16, 16) = 256 B, z 64 B, in 100 B
    # with `lowering.keep_outputs`: as a plain activation s would stay whole in SRAM for fc
    # (tests/memory/test_tiling_resident.py: read 64 + 256, write 64). Here s is a graph output
    # too: s's layer stores it by tiles (64 B in all, more than one store), and fc loads it back
    # from DDR once whole (64 B), so the bus reads x 64 + w 256 + s 64 = 384 B and writes s 64 +
    # z 64 = 128 B.
    g = GraphBuilder()
    x, w = g.input("x", (1, 4, 16)), g.weight("w", (16, 16))
    s = g.op("s", "Sigmoid", [x], "s.out", (1, 4, 16), vector_ops=64)
    z = g.op("fc", "MatMul", [s, w], "z", (1, 4, 16), macs=1024)
    hw = with_overrides(toy_machine(sram=100), {"lowering.keep_outputs": True})
    result = simulate_graph(g.build(z, s), hw, name="t")
    assert min(result.plan.tiles) > 1
    stores = [e for e in result.trace.events if e.kind == "store" and e.buffer == "s.out"]
    assert {e.layer for e in stores} == {0} and len(stores) > 1
    assert sum(e.nbytes for e in stores) == 64
    assert not any(a.buffer == "s.out" and a.size == 64 for a in result.plan.allocations)
    loads = Counter((e.kind, e.buffer) for e in result.trace.events if e.kind in ("load", "reload"))
    assert loads[("load", "s.out")] == 1
    assert (result.bus_read_bytes, result.bus_write_bytes) == (64 + 256 + 64, 64 + 64)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
