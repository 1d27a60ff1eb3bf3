"""The suite-wide hook (`tests/judged.py`) judges what a test runs, and fails the test on a
planted planner bug even when the test itself asks nothing of the judge."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
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
