"""The seed paper's analytical model (Tables 3 and 4): evaluate, compare, report.

`PaperModel(rules).evaluate(graph, hw)` gives the paper's per-layer table for any graph and
machine; `compare(graph, hw)` sets it beside the printed tables cell by cell.
"""

from __future__ import annotations

from accelsim.paper.compare import Cell, Comparison, agree_4sf, compare
from accelsim.paper.model import PaperModel, PaperRow, PaperTable
from accelsim.paper.rules import AS_PRINTED, CORRECTED, PAPER, RULES, PaperRules, rules_named

__all__ = [
    "AS_PRINTED",
    "CORRECTED",
    "PAPER",
    "RULES",
    "Cell",
    "Comparison",
    "PaperModel",
    "PaperRow",
    "PaperRules",
    "PaperTable",
    "agree_4sf",
    "compare",
    "rules_named",
]
