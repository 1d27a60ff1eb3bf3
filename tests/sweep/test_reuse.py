"""What sweep points share: a plan is reused only where every input of the planner is the same."""

from __future__ import annotations

import pytest

from accelsim.errors import PlanError
from accelsim.sweep.reuse import Reuse
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import toy_machine


def test_a_plan_is_not_reused_on_a_ddr_too_small_for_it():
    # _two_convs needs 320 B of DDR homes (tests/memory/test_ddr_space.py): 319 B is refused
    # even right after the same program was planned on a DDR big enough
    reuse, hw = Reuse(), toy_machine()
    graph = _two_convs()
    planned = reuse.planned(graph, hw, policy="liveness", overlap=True)
    assert reuse.planned(graph, hw, policy="liveness", overlap=True) is planned
    small = hw.model_copy(update={"ddr": hw.ddr.model_copy(update={"capacity": 319})})
    with pytest.raises(PlanError, match="needs 320 bytes of DDR at once"):
        reuse.planned(graph, small, policy="liveness", overlap=True)


def test_a_plan_is_not_reused_across_machines_with_other_unit_counts():
    # Both machines have 4 units: 2 DMA + 1 matrix, or 1 DMA + 2 matrix. The first Gemm (task
    # 5) waits for the space of transfers 1 and 2: with two DMA channels either may end last
    # and both are kept; with one, transfer 2 ending implies 1 did (planner `_merge`).
    from tests.sim.toy import GraphBuilder

    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    a, b = g.conv("a", x, 2, 1), g.conv("b", x, 2, 1)
    s = g.op("s", "Add", [a, b], "s.out", (1, 2, 4, 4), vector_ops=32)
    graph = g.build(g.conv("c", s, 2, 3, pad=1))
    reuse = Reuse()
    for hw, deps in ((toy_machine(dma_units=2, sram=100), (0, 1, 2, 3, 4)),
                     (toy_machine(matrix_units=2, sram=100), (0, 2, 3, 4))):  # fmt: skip
        plan = reuse.planned(graph, hw, policy="liveness", overlap=True).plan
        assert max(plan.tiles) == 1 and plan.tasks[5].deps == deps
