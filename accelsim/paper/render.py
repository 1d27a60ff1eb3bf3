"""Terminal views of the paper model (rich renderables; rich is imported only here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from accelsim.paper.compare import COLUMNS, TOTAL
from accelsim.units import format_bytes, format_rate, format_seconds

if TYPE_CHECKING:
    from accelsim.paper.compare import Comparison
    from accelsim.paper.model import PaperTable


def model_view(table: PaperTable) -> RenderableType:
    """Tables 3 and 4 as the model computes them, one row per layer, then the total."""
    header = Text.assemble(
        ("paper model ", "bold"),
        f"{table.model} on {table.hardware}, rules {table.rules.name}: internal memory "
        f"{format_bytes(table.capacity_bits / 8)} ({table.capacity_bits:,} bits), bus "
        f"{format_rate(table.bandwidth_bytes_per_s)}",
    )
    grid = Table(show_edge=False, pad_edge=False, header_style="bold")
    for title in ("#", "layer", "in bits", "out bits", "memory used bits", "moved bits",
                  "A move", "B compute", "A+B"):  # fmt: skip
        grid.add_column(title, justify="left" if title == "layer" else "right")
    for row in table.rows:
        name = row.name + (" (spill)" if row.spilled else "")
        grid.add_row(
            str(row.index), Text(name, style="red" if row.spilled else ""),
            f"{row.in_bits:,}", f"{row.out_bits:,}", f"{row.internal_bits:,}",
            f"{row.move_bits:,}", format_seconds(row.move_s), format_seconds(row.compute_s),
            format_seconds(row.perf_s),
        )  # fmt: skip
    spills = ", ".join(str(i) for i in table.spills) or "none"
    footer = Text.assemble(
        ("total ", "bold"), f"{table.total_s:.9g} s ({format_seconds(table.total_s)}); ",
        ("overflow at layer(s) ", "bold"), spills,
    )  # fmt: skip
    return Group(header, grid, footer)


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
