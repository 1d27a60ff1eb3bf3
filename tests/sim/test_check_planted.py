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


def _exact_ddr():
    """tests/sim/test_check.py's two convs on a DDR of exactly the 320 B its homes need (x at
    0, c1.W at 64, c2.W at 192, the output at [256, 320): 64-byte aligned)."""
    from tests.sim.test_check import _two_convs

    hw = toy_machine()
    hw = hw.model_copy(update={"ddr": hw.ddr.model_copy(update={"capacity": 320})})
    return simulate_graph(_two_convs(), hw, name="t"), hw


def test_judge_accepts_a_ddr_home_ending_at_the_last_byte_and_not_one_past():
    result, hw = _exact_ddr()
    homes = [(r.buffer, r.address, r.size) for r in result.plan.ddr]
    assert homes[-1] == ("c2.out", 256, 64)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    moved = tuple(replace(r, address=257) if r.buffer == "c2.out" else r for r in result.plan.ddr)
    problems = plan_violations(result.program, replace(result.plan, ddr=moved), result.trace, hw)
    assert "c2.out: DDR range [257, 321) outside ddr.capacity" in problems


def test_judge_catches_a_transfer_one_byte_past_its_ddr_home():
    result, hw = _exact_ddr()
    load = result.plan.tasks[0]
    assert (load.kind, load.buffer, load.work.address, load.work.nbytes) == ("load", "x", 0, 32)
    # x's home is [0, 32): its 32 B read from 1 on end one byte past it
    tasks = (load._replace(work=replace(load.work, address=1)), *result.plan.tasks[1:])
    problems = plan_violations(result.program, replace(result.plan, tasks=tasks), result.trace, hw)
    assert problems == ["task 0: load of x at DDR 1, outside its home [0, 32)"]
