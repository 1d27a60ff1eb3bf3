"""A Gantt chart of a run in the terminal: what each unit did over time, SRAM in use and power.

One row per resource (bus/DMA, matrix engine, vector unit), one for SRAM occupancy, one for
the mean power in each column (`accelsim.energy.power_between`), one for the unit that holds
the critical path (`path`), a time axis and a legend. The chart takes the width rich offers
(80 columns work) and reads without colour: busy columns are block glyphs
that alternate between neighbouring layers (`█`, `▓`), a column busy less than half its time
is `▄`, spills and reloads are `░`, and layer names are written into their blocks where they
fit. Colour, when the console has it, tells layers apart.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from accelsim._text import printable
from accelsim.energy import power_between
from accelsim.errors import AccelsimError
from accelsim.units import format_bytes, is_binary_size, parse_time

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

    from accelsim.sim.trace import Trace
    from accelsim.summary import RunResult

__all__ = ["Cell", "Timeline", "draw_cells", "resolve_window"]

LABEL_WIDTH = 7
SHARE_WIDTH = 5
FULL, ALTERNATE, PARTIAL, SPILL, IDLE = "█", "▓", "▄", "░", " "
SRAM_LEVELS = " ▁▂▃▄▅▆▇█"
# Light colours (256-colour names; rich maps them down on 16-colour terminals), so the black
# label text written into a block stays readable on every one of them.
PALETTE = (
    "sky_blue1", "light_green", "gold1", "orchid1", "light_salmon1", "aquamarine1",
    "khaki1", "plum1", "light_slate_blue", "dark_sea_green1", "light_coral", "wheat1",
)  # fmt: skip
_SPILLS = ("spill", "reload")


@dataclass(frozen=True, slots=True)
class Cell:
    """One column of one resource row: its glyph and the layer it shows (-1 when idle)."""

    glyph: str
    layer: int


class Timeline:
    """Rich renderable: the Gantt chart of `result` over cycles [start, end) (default: all)."""

    def __init__(self, result: RunResult, *, window: tuple[int, int] | None = None,
                 cycles: bool = False) -> None:  # fmt: skip
        self.result = result
        self.window = window or (0, max(1, result.latency_cycles))
        self.cycles = cycles
        if self.window[1] <= self.window[0]:
            raise ValueError(f"empty window {self.window}")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        start, end = self.window
        columns = max(1, min(options.max_width - LABEL_WIDTH - SHARE_WIDTH, end - start))
        edges = [start + (end - start) * i / columns for i in range(columns + 1)]
        names = [printable(layer.name) for layer in self.result.program.layers]
        yield self._title(edges)
        shown: set[int] = set()
        for resource in self.result.trace.units:  # one row per declared unit; SRAM follows
            label = resource[:LABEL_WIDTH - 1]
            cells, busy = _resource_cells(self.result.trace, resource, edges)
            shown.update(cell.layer for cell in cells if cell.layer >= 0)
            row = Text.assemble((label.ljust(LABEL_WIDTH), "bold"))
            row.append_text(draw_cells(cells, names))
            row.append(f"{busy / (end - start):>{SHARE_WIDTH}.0%}")
            yield row
        yield self._sram_row(edges)
        yield self._power_row(edges)
        yield self._path_row(edges)
        yield from self._axis(edges)
        yield from self._legend(sorted(shown), names, options.max_width)

    def _unit(self) -> tuple[str, float]:
        """Axis unit and cycles per unit."""
        return ("cycles", 1.0) if self.cycles else ("µs", self.result.hardware.clock / 1e6)

    def _title(self, edges: list[float]) -> Text:
        unit, per_unit = self._unit()
        first, last = edges[0] / per_unit, edges[-1] / per_unit
        step = (edges[1] - edges[0]) / per_unit
        model = Path(self.result.model).name
        return Text.assemble(
            ("timeline ", "bold"),
            f"{printable(model)} on {printable(self.result.hardware.name)}: "
            f"{_number(first)}-{_number(last)} {unit}, "
            f"{step:,.3g} {unit}/column",
        )

    def _path_row(self, edges: list[float]) -> Text:
        """Which unit holds the critical path in each column (its letter, `_path_letters`)."""
        columns = len(edges) - 1
        start, end = edges[0], edges[-1]
        width = (end - start) / columns
        letters = _path_letters(self.result.trace.units)
        shares: list[dict[str, float]] = [{} for _ in range(columns)]
        resource_of = self.result.trace.table.resource
        for step in self.result.path.steps:
            lo, hi = max(step.start, start), min(step.end, end)
            if hi <= lo:
                continue
            resource = resource_of(step.task)
            last = min(columns, math.ceil((hi - start) / width))
            for column in range(int((lo - start) / width), last):
                overlap = min(hi, edges[column + 1]) - max(lo, edges[column])
                if overlap > 0:
                    shares[column][resource] = shares[column].get(resource, 0.0) + overlap
        row = Text.assemble(("path".ljust(LABEL_WIDTH), "bold"))
        for share in shares:
            if share:
                row.append(letters[max(share, key=share.__getitem__)], style="bold red")
            else:
                row.append(IDLE)
        return row

    def _sram_row(self, edges: list[float]) -> Text:
        capacity = self.result.hardware.sram.capacity
        peaks = _sram_peaks(self.result.trace, edges)
        row = Text.assemble(("SRAM".ljust(LABEL_WIDTH), "bold"))
        for peak in peaks:
            level = min(len(SRAM_LEVELS) - 1, math.ceil(peak / capacity * (len(SRAM_LEVELS) - 1)))
            share = peak / capacity
            style = "green" if share < 0.5 else "yellow" if share < 0.9 else "red"
            row.append(SRAM_LEVELS[level], style=style)
        row.append(f"{max(peaks, default=0) / capacity:>{SHARE_WIDTH}.0%}")
        return row

    def _power_row(self, edges: list[float]) -> Text:
        """Mean power per column, as levels of the row's own peak (the number after it)."""
        power = power_between(self.result, edges)
        peak = max(power, default=0.0)
        row = Text.assemble(("power".ljust(LABEL_WIDTH), "bold"))
        for watts in power:
            level = math.ceil(watts / peak * (len(SRAM_LEVELS) - 1)) if peak else 0
            row.append(SRAM_LEVELS[min(len(SRAM_LEVELS) - 1, level)], style="red")
        row.append(_watts(peak).rjust(SHARE_WIDTH))
        return row

    def _axis(self, edges: list[float]) -> tuple[Text, Text]:
        """Tick marks and their labels under the chart, at a 1-2-5 step whose labels fit."""
        unit, per_unit = self._unit()
        columns = len(edges) - 1
        first, last = edges[0] / per_unit, edges[-1] / per_unit
        span = last - first
        widest = max(len(_number(first)), len(_number(last)))
        step = _nice_step(span, columns, widest + 2)
        ticks = [" "] * columns
        labels = [" "] * (columns + SHARE_WIDTH)
        value = math.ceil(first / step - 1e-9) * step
        while value <= last + 1e-9 * max(1.0, abs(last)):
            column = min(columns - 1, round((value - first) / span * columns))
            ticks[column] = "┬"
            text = _number(value)
            fits = column + len(text) <= len(labels)
            if fits and all(c == " " for c in labels[max(0, column - 1) : column + len(text) + 1]):
                labels[column : column + len(text)] = text
            value += step
        axis = Text(" " * LABEL_WIDTH + "".join(ticks).replace(" ", "─"), style="dim")
        caption = Text.assemble((unit.ljust(LABEL_WIDTH), "bold"))
        caption.append("".join(labels).rstrip())
        return axis, caption

    def _legend(self, layers: list[int], names: list[str], width: int) -> list[Text]:
        """Layer swatches, then the glyph key, wrapped by entry (never inside one)."""
        swatches = []
        for index in layers:
            glyph = FULL if index % 2 == 0 else ALTERNATE
            swatches.append(Text.assemble((glyph, _colour(index)), f" {names[index]}"))
        capacity_bytes = self.result.hardware.sram.capacity
        capacity = format_bytes(capacity_bytes, binary=is_binary_size(capacity_bytes))
        key = [
            f"{FULL}{ALTERNATE} busy (layers alternate)",
            f"{PARTIAL} busy < half a column",
            f"{SPILL} spill/reload",
            "path: the unit holding the critical path ("
            + ", ".join(
                f"{letter} {unit}"
                for unit, letter in _path_letters(self.result.trace.units).items()
            )
            + ")",
            f"SRAM {SRAM_LEVELS[1]}..{SRAM_LEVELS[-1]} = 0..{capacity}",
            f"power {SRAM_LEVELS[1]}..{SRAM_LEVELS[-1]} = 0..its peak",
            "% busy share, SRAM peak, peak power in W (m = mW)",
        ]
        return [
            *_wrap("layers", swatches, width),
            *_wrap("key", [Text(entry, style="dim") for entry in key], width),
        ]


def _path_letters(units: tuple[str, ...]) -> dict[str, str]:
    """One letter per unit for the path row: its initial, or its position when initials clash."""
    initials = [printable(unit)[:1] or "?" for unit in units]
    if len(set(initials)) == len(initials):
        return dict(zip(units, initials, strict=True))
    return {unit: str(number % 10) for number, unit in enumerate(units, start=1)}


def _wrap(title: str, entries: list[Text], width: int) -> list[Text]:
    """Lines of `entries` two spaces apart, the first headed by `title`, the rest indented."""
    lines = [Text.assemble((title.ljust(LABEL_WIDTH), "bold"))]
    for entry in entries:
        line = lines[-1]
        if len(line) > LABEL_WIDTH and len(line) + 2 + len(entry) > width:
            line = Text(" " * LABEL_WIDTH)
            lines.append(line)
        elif len(line) > LABEL_WIDTH:
            line.append("  ")
        line.append_text(entry)
    return lines


def _resource_cells(trace: Trace, resource: str, edges: list[float]) -> tuple[list[Cell], int]:
    """The cell of every column for `resource`, and its busy cycles inside the window.

    A column shows the layer that kept the resource busiest in it (spill/reload counted apart).
    """
    columns = len(edges) - 1
    start, end = edges[0], edges[-1]
    width = (end - start) / columns
    shares: list[dict[tuple[int, bool], float]] = [{} for _ in range(columns)]
    busy = covered = 0.0  # a queued channel's overlapping transfers count once (starts ascend)
    rows = trace.rows("resource", "start", "end", "layer", "kind")
    for unit, began, ended, layer, kind in rows:
        if unit != resource or ended <= start or began >= end:
            continue
        lo, hi = max(began, start), min(ended, end)
        busy += max(0.0, hi - max(lo, covered))
        covered = max(covered, hi)
        key = (layer, kind in _SPILLS)
        first = int((lo - start) / width)
        last = min(columns - 1, math.ceil((hi - start) / width) - 1)
        for column in range(first, last + 1):
            overlap = min(hi, edges[column + 1]) - max(lo, edges[column])
            if overlap > 0:
                shares[column][key] = shares[column].get(key, 0.0) + overlap
    cells = []
    for share in shares:
        if not share:
            cells.append(Cell(IDLE, -1))
            continue
        (layer, spilled), _ = max(share.items(), key=lambda item: (item[1], -item[0][0]))
        if spilled:
            glyph = SPILL
        elif sum(share.values()) < width / 2:
            glyph = PARTIAL
        else:
            glyph = FULL if layer % 2 == 0 else ALTERNATE
        cells.append(Cell(glyph, layer))
    return cells, int(busy)


def draw_cells(cells: list[Cell], names: list[str]) -> Text:
    """Glyphs in layer colours, with each layer's name written into runs long enough for it."""
    text = Text()
    column = 0
    while column < len(cells):
        layer = cells[column].layer
        run_end = column
        while run_end < len(cells) and cells[run_end].layer == layer:
            run_end += 1
        glyphs = "".join(cell.glyph for cell in cells[column:run_end])
        if layer < 0:
            text.append(glyphs)
        else:
            name = names[layer]
            length = run_end - column
            if length >= len(name) + 2:
                left = (length - len(name)) // 2
                text.append(glyphs[:left], style=_colour(layer))
                text.append(name, style=Style(color="black", bgcolor=_colour(layer), bold=True))
                text.append(glyphs[left + len(name) :], style=_colour(layer))
            else:
                text.append(glyphs, style=_colour(layer))
        column = run_end
    return text


def _sram_peaks(trace: Trace, edges: list[float]) -> list[int]:
    """Largest bytes in use during each column (the step function's max over the column)."""
    peaks = []
    steps = trace.sram
    index = 0
    used = 0
    for column in range(len(edges) - 1):
        lo, hi = edges[column], edges[column + 1]
        while index < len(steps) and steps[index][0] <= lo:
            used = steps[index][1]
            index += 1
        peak = used
        while index < len(steps) and steps[index][0] < hi:
            used = steps[index][1]
            peak = max(peak, used)
            index += 1
        peaks.append(peak)
    return peaks


def _watts(watts: float) -> str:
    """A power in watts in at most 4 characters: 412m, 1.25, 12.3, 123."""
    if watts < 1:
        return f"{watts * 1e3:.0f}m"
    return f"{watts:.3g}" if watts < 100 else f"{watts:.0f}"


def _colour(layer: int) -> str:
    return PALETTE[layer % len(PALETTE)]


def _number(value: float) -> str:
    """6 significant digits, thousands separated, never in exponent form (cycles reach 10^6+)."""
    return f"{float(f'{value:.6g}'):,.6f}".rstrip("0").rstrip(".")


def _nice_step(span: float, columns: int, min_gap: int) -> float:
    """Smallest 1-2-5 step putting at least `min_gap` columns between ticks."""
    wanted = span * min_gap / columns
    step = 10.0 ** math.floor(math.log10(wanted)) if wanted > 0 else 1.0
    for factor in (1, 2, 5, 10):
        if step * factor >= wanted:
            return step * factor
    raise AssertionError("unreachable")  # pragma: no cover


def resolve_window(result: RunResult, start: str | None, end: str | None, *,
                   cycles: bool = False) -> tuple[int, int]:  # fmt: skip
    """Cycles [start, end) from `--from`/`--to` texts: a layer name or a time.

    A layer starts at its first event (a prefetched load may come before its compute) and ends
    at its last (compute or store). A bare number is µs (cycles with `cycles`); a number with a
    unit ("120 us", "0.1ms") is converted with the clock. Missing ends default to the whole run.

    Raises:
        AccelsimError: not a layer nor a time, or an empty window.
    """
    latency = max(1, result.latency_cycles)
    first = 0 if start is None else _cycle_of(result, start, "--from", cycles=cycles)
    last = latency if end is None else _cycle_of(result, end, "--to", cycles=cycles)
    first, last = max(0, first), min(latency, last)
    if last <= first:
        unit = "cycles" if cycles else "µs"
        raise AccelsimError(
            f"--from/--to: empty window [{start or 0}, {end or 'end'}); the run spans "
            f"0-{_in_unit(result, latency, cycles):,.6g} {unit}"
        )
    return first, last


def _cycle_of(result: RunResult, text: str, option: str, *, cycles: bool) -> int:
    """A `--from`/`--to` value in cycles: a layer's first/last event, or a time."""
    layers = {layer.name: layer for layer in result.layers}
    if text in layers:
        layer = layers[text]
        if option == "--to":
            return layer.end
        index = next(lr.index for lr in result.program.layers if lr.name == text)
        rows = result.trace.rows("start", "layer")
        first: int = min(start for start, at in rows if at == index)
        return first
    clock = result.hardware.clock
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(number):  # "1e400" and "nan" parse as floats
            raise AccelsimError(f'{option} "{text}": not a finite number')
        return round(number if cycles else number * 1e-6 * clock)
    try:
        return round(parse_time(text) * clock)
    except AccelsimError:
        close = difflib.get_close_matches(text, list(layers), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise AccelsimError(
            f'{option} "{text}": not a layer nor a time; {hint}give a layer name '
            f'({", ".join(list(layers)[:3])}, ...), µs ("120"), or a time with a unit ("0.1 ms")'
        ) from None


def _in_unit(result: RunResult, cycle: int, cycles: bool) -> float:
    return cycle if cycles else cycle / result.hardware.clock * 1e6


def timeline_svg(timeline: Timeline, *, columns: int) -> str:
    """The timeline as an SVG document, drawn by rich's own export at `columns` wide."""
    import io

    from rich.console import Console

    console = Console(
        record=True,
        width=columns,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
    )
    console.print(timeline)
    title = f"accelsim run {printable(timeline.result.model)} --timeline"
    return console.export_svg(title=title)
