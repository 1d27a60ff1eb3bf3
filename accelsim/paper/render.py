"""Terminal views of the paper model (rich renderables; rich is imported only here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from accelsim._text import printable
from accelsim.paper.compare import COLUMNS, TOTAL
from accelsim.report.columns import Column, FittedTable
from accelsim.units import format_bytes, format_rate, format_seconds, is_binary_size

if TYPE_CHECKING:
    from accelsim.paper.compare import Comparison
    from accelsim.paper.model import PaperTable
    from accelsim.paper.published import Published


# What a narrow terminal keeps longest (higher first); layer and A+B are always shown.
_MODEL_COLUMNS = (
    Column("#", 1), Column("layer", justify="left", fold=True), Column("in bits", 3),
    Column("out bits", 4), Column("memory used bits", 5), Column("moved bits", 6),
    Column("A move", 7), Column("B compute", 8), Column("A+B"),
)  # fmt: skip


def model_view(table: PaperTable) -> RenderableType:
    """Tables 3 and 4 as the model computes them, one row per layer, then the total."""
    capacity = table.capacity_bits // 8
    header = Text.assemble(
        ("paper model ", "bold"),
        f"{printable(table.model)} on {printable(table.hardware)}, rules {table.rules.name}: "
        f"internal memory {format_bytes(capacity, binary=is_binary_size(capacity))} "
        f"({table.capacity_bits:,} bits), bus "
        f"{format_rate(table.bandwidth_bytes_per_s)}",
    )
    rows = [
        (
            str(row.index), Text(printable(row.name) + (" (spill)" if row.spilled else ""),
                                 style="red" if row.spilled else ""),
            f"{row.in_bits:,}", f"{row.out_bits:,}", f"{row.internal_bits:,}",
            f"{row.move_bits:,}", format_seconds(row.move_s), format_seconds(row.compute_s),
            format_seconds(row.perf_s),
        )
        for row in table.rows
    ]  # fmt: skip
    grid = FittedTable(_MODEL_COLUMNS, rows)
    spills = ", ".join(str(i) for i in table.spills) or "none"
    footer = Text.assemble(
        ("total ", "bold"), f"{table.total_s:.9g} s ({format_seconds(table.total_s)}); ",
        ("overflow at layer(s) ", "bold"), spills,
    )  # fmt: skip
    return Group(header, grid, footer)


def published_pointer(published: Published) -> Text:
    """What the paper itself printed (its total and overflow) and how to set the table beside
    it, for a reader who expected the paper's figures and sees the method's own."""
    spills = ", ".join(str(row.layer) for row in published.rows if row.spilled) or "none"
    return Text.assemble(
        ("the paper printed ", "bold"),
        f"total {format_seconds(published.total_s.value, digits=5)} ({published.total_s.text} "
        f"s), memory exceeded at layer(s) {spills}, for its MobileNet on its machine: --rules "
        "as-printed repeats its slips; --compare sets every printed cell beside this table's "
        "and says why each differs",
    )


def comparison_view(comparison: Comparison) -> RenderableType:
    """Agreement per column, the count out of all printed cells, and every disagreeing cell."""
    counts = Table(show_edge=False, pad_edge=False, header_style="bold")
    counts.add_column("column")
    counts.add_column("agree", justify="right")
    for column in (*COLUMNS, TOTAL):
        agreeing, printed = comparison.column_agreement(column.key)
        counts.add_row(f"Table {column.table}: {column.title}", f"{agreeing}/{printed}")
    summary = Text.assemble(
        ("agreement to 4 significant digits: ", "bold"),
        f"{comparison.agreeing}/{len(comparison.cells)} printed cells "
        f"(rules {comparison.table.rules.name})",
    )
    cells = Table(show_edge=False, pad_edge=False, header_style="bold")
    for title in ("column", "layer", "paper", "model", "why"):
        cells.add_column(title, overflow="fold")
    for cell in comparison.cells:
        if cell.agree:
            continue
        ours = "-" if cell.ours is None else f"{cell.ours:.7g}"
        layer = "total" if cell.layer is None else str(cell.layer)
        cells.add_row(cell.column.key, layer, cell.paper.text, ours, cell.reason)
    return Group(summary, counts, Text("cells that differ", style="bold"), cells)
