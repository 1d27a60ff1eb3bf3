"""Rich renderables of a sweep: the ranked table with Pareto marks, and the points that failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text

from accelsim._text import printable
from accelsim.report.columns import Column, FittedTable
from accelsim.sweep.outputs import rank
from accelsim.units import format_bytes, format_energy, format_seconds, is_binary_size

if TYPE_CHECKING:
    from rich.console import RenderableType

    from accelsim.sweep.runner import SweepOutcome

__all__ = ["no_effect_notes", "sweep_report"]

FRONT = "★"


def sweep_report(outcome: SweepOutcome, *, top: int | None = None) -> RenderableType:
    """Points fastest first (the first `top` of them), then every invalid or failed point."""
    ranked = rank(outcome.results)
    shown = ranked if top is None else ranked[:top]
    # What a narrow terminal keeps longest (higher first); the axes and latency always show.
    columns = [
        Column("#", 1), *(Column(axis.path) for axis in outcome.axes), Column("latency"),
        Column("energy", 6), Column("SRAM peak", 4), Column("spilled", 3),
        Column("floor limit", 2, justify="left"), Column("front", 5, justify="left"),
    ]  # fmt: skip
    rows: list[tuple[str | Text, ...]] = []
    for point in shown:
        m = point.metrics
        labels = dict(point.result.settings)
        marks = " ".join(
            name for name, on in (("E", point.front_energy), ("S", point.front_sram)) if on
        )
        binary = is_binary_size(m.sram_capacity_bytes)
        rows.append((
            str(point.result.index), *(labels[a.path] for a in outcome.axes),
            format_seconds(m.latency_s), format_energy(m.energy_j),
            format_bytes(m.sram_peak_bytes, binary=binary, digits=3),
            format_bytes(m.spilled_bytes, binary=binary, digits=3),
            m.floor_bound, Text(f"{FRONT} {marks}" if marks else "", style="bold red"),
        ))  # fmt: skip
    title = (
        f"Sweep {printable(outcome.name)}: {len(ranked)} of {len(outcome.results)} points "
        "simulated, fastest first"
    )
    table = FittedTable(columns, rows, title=title)
    parts: list[RenderableType] = [table]
    if len(shown) < len(ranked):
        parts.append(Text(f"... {len(ranked) - len(shown)} more in results.csv", style="dim"))
    parts.append(
        Text(
            f"{FRONT} E: on the latency-energy Pareto front; {FRONT} S: on the latency-SRAM "
            "capacity front (both minimised)",
            style="dim",
        )
    )
    parts.extend(Text(note, style="yellow") for note in no_effect_notes(outcome))
    bad = [r for r in outcome.results if r.status != "ok"]
    if bad:
        parts.append(Text(f"{len(bad)} point(s) not simulated:", style="bold yellow"))
        parts.extend(
            Text(f"  #{r.index} {r.status}: {printable(r.error)}", style="yellow") for r in bad
        )
    return Group(*parts)


def no_effect_notes(outcome: SweepOutcome) -> list[str]:
    """One line per axis whose values give identical runs at every setting of the other axes.

    E.g. `bus.bandwidth` above `ddr.bandwidth`: DDR caps the transfer rate, so 1 and 4 GB/s
    give the same latency and energy. Values are compared on latency cycles and energy.
    """
    runs: dict[tuple[tuple[str, str], ...], tuple[int, float]] = {}
    for result in outcome.results:
        if result.metrics is not None:
            runs[result.settings] = (result.metrics.latency_cycles, result.metrics.energy_j)
    notes = []
    for number, axis in enumerate(outcome.axes):
        # each value's runs, keyed by the other axes' settings
        by_value: dict[str, dict[tuple[tuple[str, str], ...], tuple[int, float]]] = {}
        for settings, outcome_of in runs.items():
            others = settings[:number] + settings[number + 1 :]
            by_value.setdefault(settings[number][1], {})[others] = outcome_of
        classes: list[list[str]] = []
        for value, seen in by_value.items():
            same = next((c for c in classes if by_value[c[0]] == seen), None)
            if same is None:
                classes.append([value])
            else:
                same.append(value)
        for values in classes:
            if len(values) > 1:
                what = "changes nothing" if len(classes) == 1 else f"{' = '.join(values)}"
                notes.append(
                    f"no effect: {axis.path} {what} (same latency and energy at every other "
                    "setting)"
                )
    return notes
