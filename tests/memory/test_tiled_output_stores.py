"""A tiled layer's output reaches DDR in one store per tile; with several DMA channels those can
end in any order, so a later load of it must wait for every one of them, not only the last."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from tests.sim.toy import GraphBuilder, toy_machine


def test_loads_of_a_tiled_output_wait_for_all_its_stores_on_two_channels() -> None:
    # x (1,000 B) -> Relu -> a -> Relu -> b on 1,000 B of SRAM: each layer's input and output
    # (2,000 B) cannot both fit, so both layers are tiled by channels; a goes to DDR tile by tile
    # and the second layer loads it back in slices.
    g = GraphBuilder()
    x = g.input("x", (1, 1000))
    a = g.op("r0", "Relu", [x], "a", (1, 1000), vector_ops=1000)
    graph = g.build(g.op("r1", "Relu", [a], "b", (1, 1000), vector_ops=1000))
    hw = toy_machine(sram=1000, dma_units=2)
    result = simulate_graph(graph, hw, name="t")
    tasks = result.plan.tasks
    stores = {t.id for t in tasks if t.kind == "store" and t.buffer == "a"}
    loads = [t for t in tasks if t.kind in ("load", "reload") and t.buffer == "a"]
    assert len(stores) > 1 and loads
    for load in loads:
        assert stores <= set(load.deps), (load.id, sorted(stores), load.deps)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
