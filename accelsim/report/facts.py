"""Rich rendering of `MachineFacts` (`accelsim hw explain`): one line per unit, then the machine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from accelsim._text import printable
from accelsim.facts import LINK_LIMIT_WORDS
from accelsim.kinds import kind_running
from accelsim.units import format_rate
from accelsim.work import Gemm, Transfer

if TYPE_CHECKING:
    from accelsim.facts import MachineFacts, UnitFacts

__all__ = ["facts_table"]

_DMA, _MATRIX = kind_running(Transfer), kind_running(Gemm)


def facts_table(facts: MachineFacts) -> Table:
    """The facts as a two-column grid: what, and the numbers with their units."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("machine", Text(printable(facts.name)))
    table.add_row("clock", f"{format_rate(facts.clock_hz, 'Hz')} (1 cycle = "
                  f"{1e9 / facts.clock_hz:g} ns)")  # fmt: skip
    for unit in facts.units:
        table.add_row(unit.name, _unit_line(unit))
    table.add_row(
        "matrix peak",
        f"{format_rate(facts.macs_per_s, 'MAC/s')} = {format_rate(facts.flops_per_s, 'FLOPS')} "
        "(all matrix units, 2 FLOPs per MAC)",
    )
    table.add_row("vector peak", f"{format_rate(facts.vector_ops_per_s, 'OPS')}")
    table.add_row(
        "DDR traffic",
        f"{format_rate(facts.ddr_bytes_per_s, 'B/s')} = {facts.ddr_bytes_per_cycle:g} B/cycle "
        "(all DMA units, capped by DDR)",
    )
    table.add_row(
        "balance",
        f"{facts.balance_flops_per_byte:,.4g} FLOPs per DDR byte = the roofline's ridge point: "
        "a layer doing fewer FLOPs per byte it moves is bound by transfers",
    )
    table.add_row(
        "SRAM",
        f"{facts.sram_bytes:,} B = {facts.sram_tiles:,} x {facts.tile} of {facts.tile_bytes:,} B",
    )
    return table


def _unit_line(unit: UnitFacts) -> str:
    what = {"B": "B/s", "MAC": "MAC/s", "op": "OPS"}[unit.measure]
    line = (
        f"{unit.kind}, {unit.timing}: {unit.per_cycle:,.6g} {unit.measure}/cycle = "
        f"{format_rate(unit.per_s, what)}"
    )
    if unit.kind == _MATRIX:
        line += f" = {format_rate(2 * unit.per_s, 'FLOPS')}"
    if unit.kind == _DMA:
        line += (
            f" ({LINK_LIMIT_WORDS[unit.limit]}), {unit.latency_cycles:,} cycles of latency "
            "per transfer"
        )
    if unit.array:
        line += f", systolic array {unit.array}"
    if unit.lanes:
        line += f", {unit.lanes} lanes"
    if unit.depth > 1:
        line += f", {unit.depth} transfers in flight"
    return line
