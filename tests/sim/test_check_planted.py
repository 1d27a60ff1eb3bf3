"""More planted bugs the judge (`accelsim/check.py`) must name: each edits one record of a
correct run and asserts the exact line the judge gives for it."""

from __future__ import annotations

from dataclasses import replace

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.hardware_file import with_overrides
from tests.sim.toy import GraphBuilder, toy_machine


def _conv_relu_epilogue():
    """x (1x2x4x4) -> conv 3x3 pad 1 -> Relu, the Relu as the vector unit's epilogue."""
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    y = g.op("r", "Relu", [g.conv("c", x, 4, 3, pad=1)], "y", (1, 4, 4, 4), vector_ops=64)
    hw = with_overrides(toy_machine(fuses=()), {"lowering.epilogue": ["Relu"]})
    return simulate_graph(g.build(y), hw, name="t"), hw


def test_judge_catches_an_epilogue_said_to_fill_the_output():
    result, hw = _conv_relu_epilogue()
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    kinds = [(e.unit_kind, e.kind) for e in result.trace.events]
    # load x, load W, the conv, its Relu epilogue on the vector unit, the store
    assert kinds == [("dma", "load"), ("dma", "load"), ("matrix", "compute"),
                     ("vector", "compute"), ("dma", "store")]  # fmt: skip
    # the output's range re-pointed from the conv (event 2) to the epilogue (event 3)
    allocations = tuple(a._replace(first=3) if a.first == 2 else a for a in result.plan.allocations)
    plan = replace(result.plan, allocations=allocations)
    problems = plan_violations(result.program, plan, result.trace, hw)
    assert "event 3 (compute of layer 0) fills 1 SRAM ranges, not 0" in problems
