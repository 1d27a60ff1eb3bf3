"""The suite-wide hook (`tests/judged.py`) judges what a test runs, and fails the test on a
planted planner bug even when the test itself asks nothing of the judge."""

from __future__ import annotations

from dataclasses import replace

import pytest

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.memory import planner
from tests import judged
from tests.sim.toy import GraphBuilder, toy_machine


def _two_convs():
    """x 32 B -> c1 (W1 72 B) -> a 64 B -> c2 (W2 16 B) -> b 64 B: 168 B makes c2 reuse bytes."""
    g = GraphBuilder()
    a = g.conv("c1", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    return g.build(g.conv("c2", a, 4, 1))


def test_a_sound_run_is_judged():
    before = judged.judged[0]
    simulate_graph(_two_convs(), toy_machine(sram=168, latency_ns=10), name="t")
    assert judged.judged[0] == before + 1


def test_a_planted_planner_bug_fails_any_test_that_runs_it(monkeypatch):
    def free_after_fill_only(self, name):  # forgets the readers: free once the data arrived
        resident = self.resident.pop(name)
        self._release(resident.allocation, {resident.ready} - {-1})

    monkeypatch.setattr(planner._Planner, "_free", free_after_fill_only)
    with pytest.raises(AssertionError, match="unsound run .* still needed until 148"):
        simulate_graph(_two_convs(), toy_machine(sram=168, latency_ns=10), name="t")


def test_the_judge_reads_the_reported_sram_between_the_copies_own_steps():
    # x (32 B) and W1 (72 B) are live from W1's load at 42 until c1 ends at 148, and the run
    # shows 104 B from 42 to 124. A curve that drops x's 32 B at 100 shows too few for 24
    # cycles (the judge once looked only where the live bytes changed: at 124 both agree).
    hw = toy_machine(sram=168, latency_ns=10)
    result = simulate_graph(_two_convs(), hw, name="t")
    assert result.trace.sram[:3] == [(0, 32), (42, 104), (124, 168)]
    sram = [*result.trace.sram[:2], (100, 72), *result.trace.sram[2:]]
    problems = plan_violations(result.program, result.plan, replace(result.trace, sram=sram), hw)
    assert problems == ["SRAM in use reported as 72 B at cycle 100; 104 B are live"]


def test_a_weight_group_stays_until_every_tile_of_it_ends_on_two_matrix_units():
    # c5 (1x1 conv, 6 -> 1 channels) in 4 tiles on two matrix units: tile 2 runs on mxu0 over
    # [533, 535), tile 3 on mxu1 over [533, 534). c5.W (6 B) is read by both, but its range was
    # given back after tile 3, the group's last in plan order: 6 B too few in use at 534.
    g = GraphBuilder()
    c0 = g.conv("c0", g.input("x", (1, 1, 7, 7)), 1, 1)
    r1 = g.op("r1", "Relu", [c0], "r1.out", (1, 1, 7, 7), vector_ops=49)
    r2 = g.op("r2", "Relu", [r1], "r2.out", (1, 1, 7, 7), vector_ops=49)
    a3 = g.op("a3", "Add", [r2, c0], "a3.out", (1, 1, 7, 7), vector_ops=49)
    graph = g.build(g.conv("c5", g.conv("c4", a3, 6, 1), 1, 1))
    hw = toy_machine(sram=202, dma_units=2, matrix_units=2)
    result = simulate_graph(graph, hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
