"""Hypothesis: a sweep's plan reuse never changes a point's plan. Points of one graph on
machines that differ in what the planner may or may not read (bus and DDR bandwidth, start-up,
engine peak, SRAM, unit counts), planned in turn through one `Reuse`, each get the plan that
planning that machine afresh gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import PlanError
from accelsim.lowering import lower
from accelsim.memory.policies import make_plan
from accelsim.sweep.reuse import Reuse
from tests.property.test_invariants import SETTINGS, chains
from tests.sim.toy import toy_machine

machine = st.builds(
    lambda sram, latency, gbps, peak, dma: toy_machine(
        sram=sram, latency_ns=latency, bus=f"{gbps} GB/s", matrix=f"{peak} GFLOPS",
        dma_units=dma,
    ),
    st.sampled_from([96, 160, 400, 4000]),
    st.sampled_from([0, 20]),
    st.sampled_from([0.5, 4]),
    st.sampled_from([1, 100]),
    st.sampled_from([1, 2]),
)  # fmt: skip


@settings(SETTINGS, max_examples=50)
@given(chains(), st.lists(machine, min_size=2, max_size=5))
def test_a_reused_plan_is_the_plan_of_the_point(graph, machines):
    reuse = Reuse()
    for hw in machines:
        try:
            fresh = make_plan(lower(graph, hw), hw, policy="liveness", overlap=True)
        except PlanError:
            continue
        planned = reuse.planned(graph, hw, policy="liveness", overlap=True)
        assert planned.plan == fresh
