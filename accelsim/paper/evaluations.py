"""Everything the report states, computed once: the model under each rule set, and the event
simulation of the same network on the same machine (fused and unfused BN/ReLU, with and without
overlap). The report modules only format what is gathered here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.paper.compare import Comparison, compare
from accelsim.paper.model import PaperModel, PaperTable
from accelsim.paper.rules import AS_PRINTED, CORRECTED, PaperRules

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.summary import RunResult
    from accelsim.workload.graph import Graph

UNFUSED = {"matrix_engine.fold_batchnorm": False, "matrix_engine.fuses": []}
"""Hardware overrides that run BatchNormalization and ReLU on the vector unit."""


@dataclass(frozen=True, slots=True)
class Machine:
    """One machine variant: the model under each rule set; the simulation, overlapped or not."""

    label: str
    hw: Hardware
    tables: dict[str, PaperTable]
    """Model tables by rules name."""
    overlapped: RunResult
    serial: RunResult


@dataclass(frozen=True, slots=True)
class Evaluations:
    """The comparison under the chosen rules and under `as-printed`, plus both machine variants."""

    graph: Graph
    rules: PaperRules
    comparison: Comparison
    as_printed: Comparison
    fused: Machine
    """The machine as given."""
    unfused: Machine
    """The same machine with BatchNormalization and ReLU on the vector unit."""


def evaluate_all(graph: Graph, hw: Hardware, *, rules: PaperRules) -> Evaluations:
    """Run the model under every rule set and the simulation on both machine variants."""
    from accelsim.hardware_file import with_overrides

    comparison = compare(graph, hw, rules=rules)
    as_printed = comparison if rules == AS_PRINTED else compare(graph, hw, rules=AS_PRINTED)
    unfused_hw = with_overrides(hw, UNFUSED, source="unfused variant")
    return Evaluations(
        graph=graph,
        rules=rules,
        comparison=comparison,
        as_printed=as_printed,
        fused=_machine(graph, hw, hw.name, rules),
        unfused=_machine(graph, unfused_hw, f"{hw.name}, BN and ReLU on the vector unit", rules),
    )


def _machine(graph: Graph, hw: Hardware, label: str, rules: PaperRules) -> Machine:
    from accelsim.api import simulate_graph

    tables = {r.name: PaperModel(r).evaluate(graph, hw) for r in (rules, AS_PRINTED, CORRECTED)}
    return Machine(
        label=label,
        hw=hw,
        tables=tables,
        overlapped=simulate_graph(graph, hw, name=graph.name, overlap=True),
        serial=simulate_graph(graph, hw, name=graph.name, overlap=False),
    )
