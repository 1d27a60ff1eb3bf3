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
