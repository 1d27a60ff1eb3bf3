"""Why a sweep came out as it did: what each knob buys around the best point and around the base
machine (elasticities), and which unit bounds the run in each cell of a 2-D grid (the regime
map), so a user sees where the bottleneck moves.

Both read the stored results only (a resumed sweep explains its old and new points alike). An
elasticity is measured between grid neighbours: one axis moves to the next value up or down,
every other setting stays, and the relative changes of latency and energy are set against the
relative change of the knob ("+100 % bus.bandwidth -> -49 % latency"); the arc elasticity
ln(L1/L0) / ln(x1/x0) says the same as one number (-1: latency halves when the knob doubles,
0: the knob buys nothing). Axes whose values are not numbers (a DRAM preset) get no elasticity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accelsim.sweep.outputs import REGIME_FILE, REPORT_FILE, rank

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.sweep.grid import Axis
    from accelsim.sweep.results import Metrics
    from accelsim.sweep.runner import SweepOutcome

__all__ = ["Elasticity", "RegimeMap", "Reference", "elasticities", "explain_document",
           "explain_lines", "page_data",
           "references", "regime_map", "write_explained"]  # fmt: skip

Settings = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    """A point elasticities are measured around: the best (fastest, then least energy), or the
    one nearest the base machine (`exact`: every axis at the base machine's own value)."""

    name: str  # "best" or "base"
    settings: Settings
    index: int
    exact: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Elasticity:
    """One knob moved one grid step from a reference point, and what latency and energy did."""

    around: str  # the reference's name
    axis: str
    start: str  # the knob's label at the reference
    end: str  # its label one step away
    change: float  # relative change of the knob's value (+1.0: doubled)
    latency: float  # relative change of latency
    energy: float  # relative change of energy

    @property
    def latency_elasticity(self) -> float:
        return math.log1p(self.latency) / math.log1p(self.change)

    @property
    def energy_elasticity(self) -> float:
        return math.log1p(self.energy) / math.log1p(self.change)

    def sentence(self) -> str:
        return (
            f"{self.change:+.0%} {self.axis} ({self.start} -> {self.end}) -> "
            f"{self.latency:+.1%} latency, {self.energy:+.1%} energy "
            f"(elasticity {self.latency_elasticity:+.2f} / {self.energy_elasticity:+.2f})"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RegimeMap:
    """What bounds the run (`Metrics.bound`) in each cell of two axes ("" where no point ran);
    other varied axes are held at the best point's settings (`held`)."""

    rows: Axis
    columns: Axis
    cells: tuple[tuple[str, ...], ...]
    held: Settings


def _values(axis: Axis, base: Hardware) -> dict[str, float] | None:
    """Each label's number as the schema reads it, or None if some label is no number."""
    from accelsim.errors import ConfigError
    from accelsim.hardware_file import field_value, with_overrides

    numbers = {}
    for setting in axis.settings:
        try:
            value = field_value(with_overrides(base, {axis.path: setting.value}), axis.path)
        except ConfigError:
            continue  # an invalid value: no point ran there
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            return None
        numbers[setting.label] = float(value)
    return numbers


def _runs(outcome: SweepOutcome) -> dict[Settings, Metrics]:
    return {r.settings: r.metrics for r in outcome.results if r.metrics is not None}


Numbers = list[dict[str, float] | None]
"""Each axis's labels as numbers (`_values`), in axis order."""


def _axis_numbers(outcome: SweepOutcome, base: Hardware) -> Numbers:
    """`_values` of each axis, in axis order: worked out once for all the explanations (each
    label's number costs validating a machine)."""
    return [_values(axis, base) for axis in outcome.axes]


def references(outcome: SweepOutcome, base: Hardware, *,
               numbers: Numbers | None = None) -> list[Reference]:  # fmt: skip
    """The best point, and the point nearest the base machine (each axis at the value closest,
    in ratio, to the base machine's own) when that point ran (`numbers`: `_axis_numbers`,
    worked out when not given)."""
    from accelsim.hardware_file import field_value

    if numbers is None:
        numbers = _axis_numbers(outcome, base)

    ranked = rank(outcome.results)
    if not ranked:
        return []
    best = ranked[0].result
    found = [Reference(name="best", settings=best.settings, index=best.index)]
    chosen, exact = [], True
    for axis, values in zip(outcome.axes, numbers, strict=True):
        own = field_value(base, axis.path)
        if values and isinstance(own, int | float) and own > 0:
            label = min(values, key=lambda lb: (abs(math.log(values[lb] / own)), lb))
            exact = exact and values[label] == own
        else:  # the schema keeps a list as a tuple; a sweep's value is a list
            same = list(own) if isinstance(own, tuple) else own
            label = next((s.label for s in axis.settings if s.value == same), "")
            exact = exact and bool(label)
        chosen.append((axis.path, label or axis.settings[0].label))
    point = next((r for r in outcome.results if r.settings == tuple(chosen)), None)
    if point is not None and point.metrics is not None:
        found.append(Reference(name="base", settings=point.settings, index=point.index,
                               exact=exact))  # fmt: skip
    return found


def elasticities(outcome: SweepOutcome, base: Hardware, *,
                 numbers: Numbers | None = None) -> list[Elasticity]:  # fmt: skip
    """Per reference point and numeric axis, one step up and one step down the axis (in value
    order) where that neighbour ran (`numbers`: as for `references`)."""
    if numbers is None:
        numbers = _axis_numbers(outcome, base)
    runs = _runs(outcome)
    found = []
    for reference in references(outcome, base, numbers=numbers):
        here = runs[reference.settings]
        for number, (axis, values) in enumerate(zip(outcome.axes, numbers, strict=True)):
            if not values or len(values) < 2:
                continue
            order = sorted(values, key=lambda label: values[label])
            label = reference.settings[number][1]
            if label not in values:
                continue
            at = order.index(label)
            for step in (at + 1, at - 1):
                if not 0 <= step < len(order):
                    continue
                moved = list(reference.settings)
                moved[number] = (axis.path, order[step])
                there = runs.get(tuple(moved))
                if there is None:
                    continue
                found.append(Elasticity(
                    around=reference.name, axis=axis.path, start=label, end=order[step],
                    change=values[order[step]] / values[label] - 1,
                    latency=there.latency_cycles / here.latency_cycles - 1,
                    energy=there.energy_j / here.energy_j - 1,
                ))  # fmt: skip
    return found


def regime_map(outcome: SweepOutcome) -> RegimeMap | None:
    """The bound of every cell of the first two axes with more than one value (None if fewer)."""
    varied = [axis for axis in outcome.axes if len(axis.settings) > 1]
    ranked = rank(outcome.results)
    if len(varied) < 2 or not ranked:
        return None
    rows, columns = varied[0], varied[1]
    best = dict(ranked[0].result.settings)
    held = tuple((a.path, best[a.path]) for a in outcome.axes if a not in (rows, columns))
    bound = {r.settings: r.metrics.bound for r in outcome.results if r.metrics is not None}
    order = [axis.path for axis in outcome.axes]

    def cell(row: str, column: str) -> str:
        labels = dict(held) | {rows.path: row, columns.path: column}
        return bound.get(tuple((path, labels[path]) for path in order), "")

    cells = tuple(
        tuple(cell(r.label, c.label) for c in columns.settings) for r in rows.settings
    )
    return RegimeMap(rows=rows, columns=columns, cells=cells, held=held)


def explain_document(outcome: SweepOutcome, base: Hardware) -> dict[str, Any]:
    """The elasticities and the regime map as JSON data (`results.json`'s `explain`)."""
    regimes = regime_map(outcome)
    numbers = _axis_numbers(outcome, base)
    return {
        "references": [
            {"name": r.name, "index": r.index, "settings": dict(r.settings), "exact": r.exact}
            for r in references(outcome, base, numbers=numbers)
        ],
        "elasticities": [
            {"around": e.around, "axis": e.axis, "from": e.start, "to": e.end,
             "change": e.change, "latency_change": e.latency, "energy_change": e.energy,
             "latency_elasticity": e.latency_elasticity,
             "energy_elasticity": e.energy_elasticity}
            for e in elasticities(outcome, base, numbers=numbers)
        ],
        "regime_map": None if regimes is None else {
            "rows": {"path": regimes.rows.path, "values": [s.label for s in regimes.rows.settings]},
            "columns": {"path": regimes.columns.path,
                        "values": [s.label for s in regimes.columns.settings]},
            "held": dict(regimes.held),
            "bound": [list(row) for row in regimes.cells],
        },
    }  # fmt: skip


def explain_lines(outcome: SweepOutcome, base: Hardware) -> list[str]:
    """The elasticities and the regime map as plain lines for the terminal."""
    lines = []
    numbers = _axis_numbers(outcome, base)
    found = elasticities(outcome, base, numbers=numbers)
    for reference in references(outcome, base, numbers=numbers):
        where = ", ".join(f"{path}={label}" for path, label in reference.settings)
        title = {"best": "around the best point",
                 "base": "around the base machine" if reference.exact
                 else "around the point nearest the base machine"}[reference.name]  # fmt: skip
        steps = [e for e in found if e.around == reference.name]
        if steps:
            lines.append(f"{title} (#{reference.index}: {where}):")
            lines.extend(f"  {e.sentence()}" for e in steps)
    regimes = regime_map(outcome)
    if regimes is not None:
        held = "".join(f", {path}={label}" for path, label in regimes.held)
        lines.append(f"what bounds the run (rows {regimes.rows.path}, columns "
                     f"{regimes.columns.path}{held}):")  # fmt: skip
        width = max(len(s.label) for s in regimes.rows.settings)
        columns = [s.label for s in regimes.columns.settings]
        cell_width = max(7, *(len(c) for c in columns))
        lines.append(" " * (width + 2) + " ".join(c.rjust(cell_width) for c in columns))
        for setting, row in zip(regimes.rows.settings, regimes.cells, strict=True):
            lines.append(f"  {setting.label.rjust(width)}"
                         + " ".join((c or "-").rjust(cell_width) for c in row))  # fmt: skip
    return lines


TOP_POINTS = 10
"""How many of the fastest points the HTML page lists."""


def page_data(outcome: SweepOutcome, base: Hardware) -> dict[str, Any]:
    """What the sweep's HTML page draws (`accelsim.report.sweep_html`), as plain data."""
    ranked = rank(outcome.results)
    points = [
        {"index": p.result.index,
         "settings": ", ".join(f"{path}={label}" for path, label in p.result.settings),
         "latency_us": p.metrics.latency_s * 1e6, "energy_uj": p.metrics.energy_j * 1e6,
         "bound": p.metrics.bound, "front": p.front_energy}
        for p in ranked
    ]  # fmt: skip
    spec = outcome.spec
    return {
        "name": outcome.name, "model": str(spec.model), "hardware": str(spec.hardware),
        "total": len(outcome.results), "points": points, "top": points[:TOP_POINTS],
        **explain_document(outcome, base),
    }  # fmt: skip


def write_explained(outcome: SweepOutcome, base: Hardware, *, plots: bool = True) -> list[Path]:
    """The sweep's HTML page, and (with `plots`) the regime map as a PNG (none for fewer than
    two varied axes), in the sweep's folder."""
    from accelsim.outputs import write_text
    from accelsim.report.plots import categories_png
    from accelsim.report.sweep_html import sweep_html

    page = outcome.folder / REPORT_FILE
    write_text(page, sweep_html(page_data(outcome, base)))
    regimes = regime_map(outcome)
    if regimes is None or not plots:
        return [page]
    path = outcome.folder / REGIME_FILE
    categories_png(
        path, regimes.cells, rows=[s.label for s in regimes.rows.settings],
        columns=[s.label for s in regimes.columns.settings], row_title=regimes.rows.path,
        column_title=regimes.columns.path,
        title=f"{outcome.name}: what bounds the run (critical path's largest part)",
    )  # fmt: skip
    return [page, path]
