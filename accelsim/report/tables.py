"""Rich renderables for a run: the machine, the workload, the per-layer table and the totals."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from accelsim import units
from accelsim._text import printable
from accelsim.ddr_layers import layer_ddr
from accelsim.energy import LINES, energy_of, tensor_energy
from accelsim.explain.walk import PARTS
from accelsim.facts import LINK_LIMIT_WORDS, link_limit
from accelsim.hardware import DmaUnit, MatrixUnit
from accelsim.kinds import KINDS, kind_running
from accelsim.report.columns import Column, FittedTable
from accelsim.units import format_energy, format_rate, format_seconds
from accelsim.work import Transfer

if TYPE_CHECKING:
    from rich.console import RenderableType

    from accelsim.energy import RunEnergy
    from accelsim.hardware import Hardware, Unit
    from accelsim.summary import RunResult

_DMA = kind_running(Transfer)
# What a layer's bound or the floor's limit names: a declared kind's label, or a cause of its own.
_UNIT_NAMES = {
    **{k.label: k.title for k in KINDS},
    "sram": "SRAM space",
    "ddr": "DDR bandwidth",
    "latency": "transfer latency",
}
_BOUND_STYLE = {**{k.label: k.style for k in KINDS}, "sram": "red", "latency": "yellow"}


def machine_panel(hw: Hardware) -> RenderableType:
    """One line per declared unit, plus how BatchNormalization and element-wise ops are handled."""
    lowering = hw.lowering
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("machine", Text(printable(f"{hw.name}  {hw.description}".strip())))
    table.add_row("clock", format_rate(hw.clock, "Hz"))
    capacity = hw.sram.capacity
    size = units.format_bytes(capacity, binary=units.is_binary_size(capacity))
    table.add_row("SRAM", f"{size} ({capacity:,} B)")
    for name, unit in hw.units.items():
        table.add_row(name, unit_line(hw, unit))
    table.add_row(
        "  BatchNorm",
        "folded into conv weights" if lowering.fold_batchnorm else "not folded",
    )
    table.add_row("  fused on output", ", ".join(lowering.fuses) if lowering.fuses else "none")
    table.add_row(
        "data types", f"weights {hw.dtypes.weights}-bit, activations {hw.dtypes.activations}-bit"
    )
    return table


def unit_line(hw: Hardware, unit: Unit) -> str:
    """What one unit is and does, in words: its kind, timing model and peak (by its schema)."""
    if isinstance(unit, DmaUnit):
        return f"DMA, {_link_line(hw)}"
    if isinstance(unit, MatrixUnit):
        peak = format_rate(hw.peak_of(unit.kind), "FLOPS")
        ops = ", ".join(hw.lowering.matrix_ops)
        if unit.timing == "systolic":
            return (
                f"{unit.kind}, {unit.rows}x{unit.cols} {unit.dataflow} systolic array "
                f"({peak} peak) for {ops}"
            )
        return f"{unit.kind}, {peak} for {ops}"
    lanes = f", {unit.lanes} lanes" if unit.lanes else ""
    return f"{unit.kind}, {format_rate(unit.peak, 'OPS')}{lanes} for every other op"


def _link_line(hw: Hardware) -> str:
    """The rate transfers really run at and which side sets it (DDR can cap a faster bus)."""
    dma = hw.dma
    bus, ddr = format_rate(dma.bandwidth, "B/s"), format_rate(hw.ddr.bandwidth, "B/s")
    latency = format_seconds(hw.ddr.latency + dma.latency)
    limit = LINK_LIMIT_WORDS[link_limit(hw)]
    return (
        f"transfers at {format_rate(hw.link_bandwidth, 'B/s')} ({limit}: bus {bus}, DDR {ddr}), "
        f"latency {latency}"
    )


# What a narrow terminal keeps longest (higher first); layer and bound are always shown.
_LAYER_COLUMNS = (
    Column("layer", justify="left", fold=True), Column("ops", 6, justify="left"),
    Column("unit", 1, justify="left"), Column("MACs", 10), Column("read B", 9),
    Column("write B", 2), Column("xfer {unit}", 8), Column("comp {unit}", 7),
    Column("start {unit}", 3), Column("end {unit}", 11), Column("SRAM", 5), Column("E µJ", 4),
    Column("util", 6), Column("lost", 2, justify="left"), Column("bound", justify="left"),
)  # fmt: skip
_ROW_HIT_COLUMN = Column("row hit", 3)  # banked DDR only: the layer's bursts to an open row
SPAN_CELLS = 6
"""Width of the `lost` bar: what a layer's window was lost to, in sixths, one letter a part."""
_KIND_LETTERS = {k.label: k.letter for k in KINDS}
PART_LETTERS = {part: _KIND_LETTERS.get(part, part[0]) for part in PARTS}
"""A kind's part by its declared letter; the others (`latency`, `sram`) by their first letter."""


def layer_table(
    result: RunResult, *, cycles: bool = False, energy: RunEnergy | None = None
) -> FittedTable:
    """Per-layer table; times in µs, or in cycles with `cycles=True`; energy per layer."""
    clock = result.hardware.clock
    energy = energy or energy_of(result)
    binary = units.is_binary_size(result.hardware.sram.capacity)

    def when(value: int) -> str:
        return f"{value:,}" if cycles else f"{value / clock * 1e6:,.2f}"

    unit = "cyc" if cycles else "µs"
    columns = [replace(c, header=c.header.format(unit=unit)) for c in _LAYER_COLUMNS]
    ddr = layer_ddr(result)
    if ddr is not None:
        columns.insert(-2, _ROW_HIT_COLUMN)  # after util, as in each row
    rows: list[tuple[str | Text, ...]] = []
    for index, (layer, spent) in enumerate(zip(result.layers, energy.layers, strict=True)):
        ops = "+".join(_short(op) for op in layer.op_types)
        if layer.tiles > 1:
            ops += f" x{layer.tiles}"
        rows.append((
            layer.name, ops, layer.unit, f"{layer.macs:,}",
            f"{layer.bus_read_bytes:,}", f"{layer.bus_write_bytes:,}",
            when(layer.transfer_cycles), when(layer.compute_cycles),
            when(layer.start), when(layer.end),
            units.format_bytes(layer.sram_in_use, binary=binary, digits=3),
            _microjoules(spent.energy.total_j), _percent(layer.engine_utilisation),
            *([_percent(ddr[index].row_hit_rate)] if ddr is not None else []),
            span_bar(layer.breakdown.parts), Text(layer.bound, style=_BOUND_STYLE[layer.bound]),
        ))  # fmt: skip
    return FittedTable(columns, fold_repeats(rows), title="Layers")


FOLD_PERIOD = 4
"""Longest block of layers `fold_repeats` looks for (an LSTM step is 2: its GEMM, its gates)."""
FOLD_MIN_ROWS = 16
"""Fewest rows a repeated block must cover to be folded: a network's few repeated blocks (the
five alike MobileNet pairs) stay row by row, thousands of recurrent steps become a few rows."""
_NAME, _START, _END = 0, 8, 9
"""Columns of a layer row that differ between alike layers (the rest must be equal)."""


def fold_repeats(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Runs of a block of up to FOLD_PERIOD rows repeated over FOLD_MIN_ROWS rows or more, each
    row of the block shown once: named `first … last (xN)`, from the first one's start to the
    last one's end; its other columns are those of each of the N alike layers."""

    def key(row: tuple[Any, ...]) -> tuple[object, ...]:
        return tuple(str(c) for i, c in enumerate(row) if i not in (_NAME, _START, _END))

    keys = [key(row) for row in rows]
    folded: list[tuple[Any, ...]] = []
    at = 0
    while at < len(rows):
        for period in range(1, FOLD_PERIOD + 1):
            block, repeats = keys[at : at + period], 1
            while keys[at + repeats * period : at + (repeats + 1) * period] == block:
                repeats += 1
            if repeats * period >= FOLD_MIN_ROWS:
                break
        else:
            folded.append(rows[at])
            at += 1
            continue
        for offset in range(period):
            first, last = rows[at + offset], rows[at + (repeats - 1) * period + offset]
            name = f"{first[_NAME]} … {last[_NAME]} (x{repeats})"
            folded.append((name, *first[1:_START], first[_START], last[_END], *first[_END + 1 :]))
        at += repeats * period
    return folded


def span_bar(parts: dict[str, int], cells: int = SPAN_CELLS) -> Text:
    """`parts` as `cells` letters in proportion (largest remainders round up): `bbbbbmmm`."""
    total = sum(parts.values())
    if not total:
        return Text("")
    exact = {label: cycles * cells / total for label, cycles in parts.items()}
    counts = {label: int(share) for label, share in exact.items()}
    for label in sorted(exact, key=lambda k: counts[k] - exact[k])[: cells - sum(counts.values())]:
        counts[label] += 1
    bar = Text()
    for label, count in counts.items():
        bar.append(PART_LETTERS[label] * count, style=_BOUND_STYLE[label])
    return bar


def path_lines(result: RunResult) -> list[tuple[str, str]]:
    """The run's breakdown and its critical path, as (heading, text) rows of the totals."""
    if not result.path.task_count:  # a model of no layers (an Identity's output is its input)
        return [("time lost to", "nothing: no task ran"), ("critical path", "empty: no task ran")]
    total = result.latency_cycles or 1
    clock = result.hardware.clock
    lost = ", ".join(
        f"{label} {format_seconds(cycles / clock)} ({cycles / total:.1%})"
        for label, cycles in sorted(result.breakdown.parts.items(), key=lambda kv: -kv[1])
        if cycles
    )
    columns = result.trace.table  # a path's tasks by the million: no record each
    layers = columns.layer
    path = result.path
    by_unit = path.cycles_by(columns.resource)
    names = [layer.name for layer in result.program.layers]
    by_layer = path.cycles_by(lambda task: names[layers[task]])
    top = sorted(by_layer.items(), key=lambda kv: -kv[1])[:3]
    return [
        ("time lost to", f"{lost} (the critical path's cycles by what they waited for)"),
        (
            "critical path",
            f"{path.task_count:,} tasks over {len(by_layer)} layers; "
            + ", ".join(f"{unit} {cycles / total:.1%}" for unit, cycles in by_unit.items())
            + "; most: "
            + ", ".join(f"{printable(str(n))} {format_seconds(c / clock)}" for n, c in top),
        ),
    ]


def totals_table(result: RunResult, *, energy: RunEnergy | None = None) -> Table:
    """Latency, bytes moved, busy time and utilisation per unit, SRAM peak, floor, gap, energy."""
    clock = result.hardware.clock
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row(
        "latency", f"{result.latency_cycles:,} cycles = {format_seconds(result.latency_s)}"
    )
    table.add_row(
        "bus traffic",
        f"{result.bus_read_bytes:,} B read, {result.bus_write_bytes:,} B written "
        f"(spilled {result.plan.bytes_of('spill'):,} B, "
        f"reloaded {result.plan.bytes_of('reload'):,} B)",
    )
    for name, unit in result.hardware.units.items():
        busy = result.busy_cycles(name)
        share = result.utilisation(name)
        line = f"{busy:,} cycles = {format_seconds(busy / clock)} ({share:.1%})"
        if unit.kind == _DMA and result.latency_share:
            line += f", {result.latency_share:.1%} of DMA time per-transfer latency"
        table.add_row(f"{name} busy", line)
    capacity = result.hardware.sram.capacity
    peak = result.trace.sram_peak
    table.add_row("SRAM peak", f"{peak:,} B of {capacity:,} B ({peak / capacity:.1%})")
    floor = result.floor
    table.add_row(
        "floor",
        f"{floor.cycles:,} cycles = {format_seconds(floor.cycles / clock)} "
        f"(limit of the floor: {_UNIT_NAMES[floor.limit]}; "
        + ", ".join(f"{label} {cycles:,}" for label, cycles in floor.parts.items())
        + " cycles; each layer's own bound is in the table)",
    )
    table.add_row("gap to floor", f"{result.gap:+.2%}")
    for heading, text in path_lines(result):
        table.add_row(heading, Text(text))  # layer names are text, never markup
    total = (energy or energy_of(result)).total_j
    table.add_row("energy", f"{format_energy(total)} for the whole run (by component below)")
    tensors = list(tensor_energy(result).items())[:3]
    if tensors and total:
        table.add_row("costliest", Text(", ".join(  # tensor names are text, never markup
            f"{printable(name)} {format_energy(joules)} ({joules / total:.1%})"
            for name, joules in tensors
        ) + " (moving and keeping each tensor: DDR, bus, SRAM)"))  # fmt: skip
    return table


def energy_table(result: RunResult, *, energy: RunEnergy | None = None) -> Table:
    """Energy by component: what was counted, the price per unit and the share of the total."""
    energy = energy or energy_of(result)
    table = Table(
        title="Energy", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
        pad_edge=False, padding=(0, 1),
    )  # fmt: skip
    for header in ("component", "count", "per unit", "energy", "share"):
        table.add_column(header, justify="left" if header == "component" else "right")
    joules = energy.total.components()
    total = energy.total_j
    for line in LINES:
        banked = line.name == "ddr" and result.dram is not None
        table.add_row(
            line.title, f"{energy.activity.count(line.name):,} {line.measure}",
            "commands" if banked
            else f"{format_energy(line.price(result.hardware))}/{line.measure}",
            format_energy(joules[line.name]),
            f"{joules[line.name] / total:.1%}" if total else "-",
        )  # fmt: skip
        if banked:
            _dram_rows(table, result, total)
    table.add_row("total", "", "", format_energy(total), "100.0%" if total else "-", style="bold")
    return table


def _dram_rows(table: Table, result: RunResult, total: float) -> None:
    """The banked DDR's energy by command (activation and refresh apart), under its ddr row."""
    assert result.dram is not None
    c, parts = result.dram.counts, result.dram.energy.parts()
    counts = {
        "activate": f"{c.act:,} ACT", "read": f"{c.rd:,} RD", "write": f"{c.wr:,} WR",
        "refresh": f"{c.ref:,} REF", "background": f"{result.dram.energy.cycles:,} tCK",
    }  # fmt: skip
    for part, joules in parts.items():
        table.add_row(
            f"  {part}", counts[part], "IDD", format_energy(joules),
            f"{joules / total:.1%}" if total else "-",
        )  # fmt: skip


def run_report(result: RunResult, *, cycles: bool = False) -> RenderableType:
    """The whole terminal report of `accelsim run`."""
    program = result.program
    header = Text.assemble(
        ("workload ", "bold"),
        f"{printable(result.model)}: {len(program.layers)} layers, "
        f"{sum(layer.macs for layer in result.layers):,} MACs, "
        f"{sum(b.nbytes for b in program.buffers.values() if b.kind == 'weight'):,} B of weights; "
        f"policy {result.policy}, {'overlapped' if result.overlap else 'serial (--no-overlap)'}",
    )
    parts: list[RenderableType] = [machine_panel(result.hardware), header]
    parts.extend(Text(f"note: {printable(note)}", style="yellow") for note in program.notes)
    energy = energy_of(result)
    parts.append(layer_table(result, cycles=cycles, energy=energy))
    tiled = next((layer.tiles for layer in result.layers if layer.tiles > 1), None)
    if tiled:  # the legend of the count after a tiled layer's ops, with the first one's
        parts.append(Text(f"ops x{tiled}: the layer ran as {tiled} tiles (its tensors do not "
                          "fit in SRAM at once)", style="dim"))  # fmt: skip
    parts.extend([totals_table(result, energy=energy), energy_table(result, energy=energy)])
    return Group(*parts)


def _microjoules(joules: float) -> str:
    """3 significant digits, at most 3 decimals (0.00213 µJ shows as 0.002: the column stays
    narrow)."""
    micro = joules * 1e6
    return f"{micro:.3g}" if micro >= 0.1 else f"{micro:.3f}"


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share:.0%}"


def _short(op_type: str) -> str:
    return {"BatchNormalization": "BN", "GlobalAveragePool": "GAP"}.get(op_type, op_type)
