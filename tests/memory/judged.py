"""A toy run the judge finds sound, and the transfers it made: what the by-hand tiling tests
compare with their own counts."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from accelsim.api import simulate_graph
from accelsim.check import plan_violations

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.summary import RunResult
    from accelsim.workload.graph import Graph


def judged_run(graph: Graph, hw: Hardware) -> tuple[RunResult, Counter[tuple[str, str, int]]]:
    """`simulate_graph`, no violation of the judge, and (kind, buffer, bytes) of every transfer."""
    result = simulate_graph(graph, hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    moved = Counter(
        (e.kind, e.buffer, e.nbytes) for e in result.trace.events if e.kind != "compute"
    )
    return result, moved
