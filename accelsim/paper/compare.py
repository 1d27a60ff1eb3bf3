"""Side by side: every printed cell of Tables 3 and 4 against the model, to 4 significant digits.

The paper prints 190 cells: Table 3 has 27 rows x 4 columns (input and output feature map, internal
memory used, data movement, in bits), Table 4 has 27 rows x 3 columns (data movement, compute and
performance time, in seconds) and the total. Each cell records whether the model agrees and, if
not, why (see `accelsim.paper.diagnose`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from accelsim.paper.diagnose import Evidence, agree_4sf, explain
from accelsim.paper.model import PaperModel, PaperTable
from accelsim.paper.published import Published, PublishedValue, load_published
from accelsim.paper.rules import PAPER, PaperRules

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.workload.graph import Graph

__all__ = ["COLUMNS", "TOTAL", "Cell", "Column", "Comparison", "agree_4sf", "compare"]


@dataclass(frozen=True, slots=True)
class Column:
    """A printed column: which table, the PaperRow field it compares with, its heading."""

    key: str
    table: int
    title: str
    unit: str


COLUMNS: tuple[Column, ...] = (
    Column("in_bits", 3, "input feature map", "bits"),
    Column("out_bits", 3, "output feature map", "bits"),
    Column("internal_bits", 3, "internal memory used", "bits"),
    Column("move_bits", 3, "data movement", "bits"),
    Column("move_s", 4, "data movement time A", "s"),
    Column("compute_s", 4, "compute time B", "s"),
    Column("perf_s", 4, "performance time A+B", "s"),
)
TOTAL = Column("total_s", 4, "total performance time", "s")


@dataclass(frozen=True, slots=True)
class Cell:
    """One printed cell: the paper's value, the model's, agreement and the reason if not."""

    column: Column
    layer: int | None
    """Layer number, or None for Table 4's total."""
    paper: PublishedValue
    ours: float | None
    """None where the model has no such layer."""
    agree: bool
    reason: str
    """Why the values differ ("" when they agree)."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """All printed cells compared for one graph, machine and set of rules."""

    table: PaperTable
    published: Published
    cells: tuple[Cell, ...]

    @property
    def agreeing(self) -> int:
        return sum(cell.agree for cell in self.cells)

    def cell(self, key: str, layer: int | None) -> Cell:
        """The cell of column `key` at `layer` (None: the total)."""
        return next(c for c in self.cells if c.column.key == key and c.layer == layer)

    def column_agreement(self, key: str) -> tuple[int, int]:
        """(agreeing, printed) cells of one column."""
        cells = [c for c in self.cells if c.column.key == key]
        return sum(c.agree for c in cells), len(cells)


def compare(
    graph: Graph,
    hw: Hardware,
    *,
    rules: PaperRules = PAPER,
    published: Published | None = None,
) -> Comparison:
    """Evaluate the model under `rules` and set every printed cell beside it."""
    published = published or load_published()
    table = PaperModel(rules).evaluate(graph, hw)
    # The same model with the paper's stride-2 slip put back tells which cells that slip explains.
    slipped = PaperModel(replace(rules, strided_at_input_resolution=True)).evaluate(graph, hw)
    evidence = Evidence(table=table, slipped=slipped, published=published)
    cells: list[Cell] = []
    for column in COLUMNS:
        for printed in published.rows:
            ours = _ours(table, column.key, printed.layer)
            cells.append(_cell(column, printed.layer, printed.value(column.key), ours, evidence))
    cells.append(_cell(TOTAL, None, published.total_s, table.total_s, evidence))
    return Comparison(table=table, published=published, cells=tuple(cells))


def _ours(table: PaperTable, key: str, layer: int) -> float | None:
    if layer > len(table.rows):
        return None
    value = getattr(table.row(layer), key)
    return float(value)


def _cell(
    column: Column,
    layer: int | None,
    paper: PublishedValue,
    ours: float | None,
    evidence: Evidence,
) -> Cell:
    agree = agree_4sf(ours, paper.value)
    reason = "" if agree else explain(column.key, layer, evidence)
    return Cell(column=column, layer=layer, paper=paper, ours=ours, agree=agree, reason=reason)
