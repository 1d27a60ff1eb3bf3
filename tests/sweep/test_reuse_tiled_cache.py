"""The tiled plans a process keeps: at most TILED_TASKS tasks in all, the oldest dropped first, a
plan alone up to exactly that many kept, and never one planned for other planning inputs (the
SRAM size) even where the tilers would answer alike. Task counts of the three plans, from
tests/sim/test_schedule.py's 8x8 conv: 120 B at 100 GFLOPS, two bands (7 tasks); 120 B at
1 GFLOPS, four (13); 100 B at 1 GFLOPS, eight (25)."""

from __future__ import annotations

import pytest

from accelsim.sweep import reuse as reuse_module
from accelsim.sweep.reuse import Reuse
from tests.sim.test_schedule import _tiled_conv
from tests.sim.toy import toy_machine

MACHINES = {"A": (120, "100 GFLOPS"), "B": (120, "1 GFLOPS"), "C": (100, "1 GFLOPS")}


@pytest.fixture(scope="module")
def machines():
    return {name: toy_machine(sram=sram, matrix=peak) for name, (sram, peak) in MACHINES.items()}


GRAPH = _tiled_conv()


def _plan(reuse: Reuse, hw):
    return reuse.planned(GRAPH, hw, policy="liveness", overlap=True)


def test_the_three_plans_are_tiled_with_the_task_counts_above(machines):
    reuse = Reuse()
    counts = {name: len(_plan(reuse, hw).plan.tasks) for name, hw in machines.items()}
    assert counts == {"A": 7, "B": 13, "C": 25}
    assert [max(_plan(reuse, hw).plan.tiles) for hw in machines.values()] == [2, 4, 8]


def test_the_oldest_tiled_plan_is_dropped_to_stay_within_the_task_budget(machines, monkeypatch):
    # budget 38: A (7) + B (13) = 20; C (25) makes 45 > 38, so A, the oldest, goes: 38 left,
    # not above the budget, so B stays
    monkeypatch.setattr(reuse_module, "TILED_TASKS", 38)
    reuse = Reuse()
    a, b, c = (_plan(reuse, machines[name]) for name in "ABC")
    assert sum(len(p.plan.tasks) for _, _, p in reuse._tiled) == 38
    assert _plan(reuse, machines["B"]) is b and _plan(reuse, machines["C"]) is c
    assert _plan(reuse, machines["A"]) is not a  # planned again


def test_a_tiled_plan_of_exactly_the_budget_is_kept_and_a_bigger_one_is_not(machines, monkeypatch):
    monkeypatch.setattr(reuse_module, "TILED_TASKS", 25)
    reuse = Reuse()
    c = _plan(reuse, machines["C"])
    assert _plan(reuse, machines["C"]) is c
    monkeypatch.setattr(reuse_module, "TILED_TASKS", 24)
    reuse = Reuse()
    c = _plan(reuse, machines["C"])
    assert _plan(reuse, machines["C"]) is not c and reuse._tiled == []


def test_a_tiled_plan_is_not_taken_for_another_sram_size_though_its_tiler_agrees():
    # at 121 B the tiler gives the 120 B answers (two bands), but the SRAM size is a planning
    # input: the point plans for itself
    reuse = Reuse()
    at_120 = _plan(reuse, toy_machine(sram=120, matrix="100 GFLOPS"))
    at_121 = _plan(reuse, toy_machine(sram=121, matrix="100 GFLOPS"))
    assert at_121 is not at_120 and at_121.plan.tiles == at_120.plan.tiles
