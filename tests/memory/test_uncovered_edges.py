"""Edges no other test reached (the suite's coverage map): a repeat whose moved dependencies
would fall out of order, a tiler asked what it cannot answer, a plan whose tasks wait on each
other, an address mapping of a size that is not a power of two, an unknown DDR tier."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from accelsim.api import simulate_graph
from accelsim.dram import DRAM_PRESETS
from accelsim.dram.mapping import mapping_problem
from accelsim.errors import ConfigError
from accelsim.lowering import lower
from accelsim.memory.tiling import Tiler
from accelsim.plan import Plan, Task, Tasks
from accelsim.sim.engine import simulate
from accelsim.timing.ddr import build_ddr
from accelsim.timing.models import build_units
from accelsim.work import Transfer
from tests.sim.toy import GraphBuilder, toy_machine


def _tasks(*deps: tuple[int, ...]) -> Tasks:
    tasks = Tasks()
    for task_deps in deps:
        tasks.add("dma", "load", 0, 0, "x", Transfer(nbytes=1, direction="in"), task_deps, ())
    return tasks


def test_a_repeat_is_refused_where_a_moved_dependency_would_pass_the_next_one():
    # tasks 2 and 3 repeat (width 2); task 2 waits for 0 and 1. Moving 1 a period per repeat
    # keeps 0 < 1 + 2k; moving 0 puts it at 0 + 2 = 2, after 1: not a repeat.
    tasks = _tasks((), (), (0, 1), (2,))
    assert tasks.moves(2, 1, np.array([1], np.int64)) == bytes([0, 1, 0])
    assert tasks.moves(2, 3, np.array([1], np.int64)) == bytes([0, 1, 0])
    assert tasks.moves(2, 1, np.array([0], np.int64)) is None
    # task 3 waits for 0 and 2 (tasks 3 and 4 repeat): 0 moved lands on 2, a tie, out too
    tied = _tasks((), (), (), (0, 2), (3,))
    assert tied.moves(3, 1, np.array([0], np.int64)) is None
    assert tied.moves(3, 1, np.array([2], np.int64)) == bytes([0, 1, 0])


def test_a_tiler_that_cannot_answer_anothers_question_does_not_agree():
    # a 16 x 16 x 16 conv asked of a 2 KB SRAM's tiler, then of one of 8 bytes (no tile fits)
    g = GraphBuilder()
    graph = g.build(g.conv("c", g.input("x", (1, 16, 16, 16)), 16, 3, pad=1))
    roomy, tiny = toy_machine(sram=2_000), toy_machine(sram=8)
    program = lower(graph, roomy)
    asked = Tiler(program, roomy)
    asked.tile(program.layers[0])
    assert Tiler(program, roomy).agrees(asked)
    assert not Tiler(program, tiny).agrees(asked)


def test_tasks_waiting_on_each_other_never_run_and_are_named():
    transfer = Transfer(nbytes=4, direction="in")
    plan = Plan(
        policy="hand", capacity=100, allocations=(), tiles=(),
        tasks=(Task(0, "dma", "load", 0, 0, "x", transfer, (1,)),
               Task(1, "dma", "load", 0, 0, "y", transfer, (0,))),
    )  # fmt: skip
    hw = toy_machine()
    with pytest.raises(AssertionError, match=r"tasks never ran \(dependency cycle\?\): \[0, 1\]"):
        simulate(plan, units=build_units(hw), clock_hz=hw.clock)


def test_an_address_mapping_needs_every_count_a_power_of_two():
    ddr4 = DRAM_PRESETS["ddr4-3200"]
    assert mapping_problem("row_bank_column", ddr4) is None
    assert mapping_problem("row_bank_column", replace(ddr4, bankgroups=3)) == (
        "bankgroups = 3 is not a power of two; the mapping takes bits"
    )
    assert mapping_problem("row_bank_column", replace(ddr4, banks_per_group=2)) is None


def test_an_unknown_ddr_tier_is_refused_with_the_known_ones():
    hw = toy_machine()
    hw = hw.model_copy(update={"ddr": hw.ddr.model_copy(update={"timing": "warp"})})
    with pytest.raises(ConfigError, match=r'^ddr.timing: unknown DDR model "warp"; known: '
                                          r"banked, rate$"):  # fmt: skip
        build_ddr(hw)


def test_a_product_of_an_activation_with_itself_shares_its_one_input():
    # y = x . x, x (32, 32) of 1,024 B on 1,500 B of SRAM: one operand read twice (the layer
    # reads x once), no second operand to hold per group: x loads once, shared by 16 tiles of
    # 2 rows each (2,048 MACs, 41 cycles at 50 a cycle), each storing its 64 B of y
    g = GraphBuilder()
    x = g.input("x", (32, 32))
    y = g.op("sq", "MatMul", [x, x], "y", (32, 32), macs=32 * 32 * 32)
    result = simulate_graph(g.build(y), toy_machine(sram=1_500), name="t")
    events = list(result.trace.events)
    assert result.program.layers[0].reads == ("x",) and result.plan.tiles == (16,)
    assert [(e.buffer, e.nbytes) for e in events if e.kind == "load"] == [("x", 1024)]
    assert [e.nbytes for e in events if e.kind == "store"] == [64] * 16
    assert {e.end - e.start for e in events if e.kind == "compute"} == {41}


def test_an_empty_period_repeats_nothing():
    # periods [1, 1) and [1, 1): no task to compare, so no run (None), not an empty repeat; a
    # period of one task and the next of one alike (tile one more, dependency one on) repeat
    tasks = Tasks()
    for tile, deps in ((0, ()), (1, (0,)), (2, (1,))):
        tasks.add("dma", "load", 0, tile, "x", Transfer(nbytes=1, direction="in"), deps, ())
    assert tasks.compare(1, 1, 1) is None
    assert tasks.compare(1, 2, 3) == bytes([1])
    # the same, but the third task on the same tile as the second (or on one two on): no repeat
    for tile in (1, 3):
        twin = Tasks()
        for number, deps in ((0, ()), (1, (0,)), (tile, (1,))):
            twin.add("dma", "load", 0, number, "x", Transfer(nbytes=1, direction="in"), deps, ())
        assert twin.compare(1, 2, 3) is None
    # tasks 2 and 3 on tiles 0 and 1: 2 waits for 0, 3 for 2, two on, not one period (1) on
    apart = Tasks()
    for number, deps in ((0, ()), (0, ()), (0, (0,)), (1, (2,))):
        apart.add("dma", "load", 0, number, "x", Transfer(nbytes=1, direction="in"), deps, ())
    assert apart.compare(2, 3, 4) is None
