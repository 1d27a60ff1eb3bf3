"""The judge reads every drain (a spill as much as a store) as a reader of its buffer: a spill
that starts before its buffer is in SRAM is named, like a compute would be. And only stores
deliver a graph output: an output that went to DDR as a spill was never stored."""

from __future__ import annotations

from dataclasses import replace

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from tests.memory.test_planner import _two_candidates
from tests.sim.toy import toy_machine


def test_judge_catches_a_spill_starting_before_its_buffer_is_filled() -> None:
    hw = toy_machine(sram=300)
    result = simulate_graph(_two_candidates(), hw, name="t")
    events = result.trace.events
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    spill = next(e for e in events if e.kind == "spill")
    # b is filled by the compute of layer 1 (r1), the only compute writing it
    fill = next(e for e in events if e.kind == "compute" and e.layer == 1)
    early = fill.end - 1
    planted = tuple(e._replace(start=early) if e.task == spill.task else e for e in events)
    trace = replace(result.trace, events=planted)
    problems = plan_violations(result.program, result.plan, trace, hw)
    assert (
        f"event {spill.task} (spill) starts at {early}, before b is in SRAM at {fill.end}"
        in problems
    )


def test_judge_counts_only_stores_as_an_outputs_delivery() -> None:
    hw = toy_machine(sram=300)
    result = simulate_graph(_two_candidates(), hw, name="t")
    store = next(e for e in result.trace.events if e.kind == "store")
    assert (store.buffer, store.nbytes) == ("f", 100)
    planted = tuple(
        e._replace(kind="spill") if e.task == store.task else e for e in result.trace.events
    )  # fmt: skip
    trace = replace(result.trace, events=planted)
    problems = plan_violations(result.program, result.plan, trace, hw)
    assert "output f: 0 of 100 B stored" in problems
