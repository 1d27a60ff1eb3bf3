"""A finished sweep's views: ranked rows with Pareto marks, CSV, JSON and PNG plots.

Everything here reads the results the store returned (`SweepOutcome.results`), so the files
of a resumed sweep cover its old and new points alike. Files are written whole or not at all,
and only over files an earlier sweep wrote (the folder's manifest, see `accelsim.outputs`).
"""

from __future__ import annotations

import csv
import io
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accelsim.sweep.pareto import pareto_front
from accelsim.sweep.results import Metrics, PointResult

if TYPE_CHECKING:
    from accelsim.sweep.runner import SweepOutcome

__all__ = ["OUTPUT_FILES", "RankedPoint", "rank", "write_outputs"]

CSV_FILE, JSON_FILE = "results.csv", "results.json"
HEATMAP_FILE, PARETO_FILE = "latency_heatmap.png", "pareto.png"
REGIME_FILE, REPORT_FILE = "regime_map.png", "report.html"  # written by `accelsim.sweep.explain`
OUTPUT_FILES = (CSV_FILE, JSON_FILE, HEATMAP_FILE, PARETO_FILE, REGIME_FILE, REPORT_FILE)
"""Every file `write_outputs` may write besides the database."""


@dataclass(frozen=True, slots=True)
class RankedPoint:
    """A simulated point and whether it is on each Pareto front (latency is always minimised)."""

    result: PointResult
    metrics: Metrics
    front_energy: bool
    front_sram: bool


def rank(results: tuple[PointResult, ...] | list[PointResult]) -> list[RankedPoint]:
    """Simulated points, fastest first (ties: less energy, then grid order), with front marks.

    Fronts: latency vs energy, and latency vs SRAM capacity (the SRAM one pays for).
    """
    ok = [r for r in results if r.metrics is not None]
    metrics = [r.metrics for r in ok if r.metrics is not None]
    by_energy = pareto_front([(m.latency_cycles, m.energy_j) for m in metrics])
    by_sram = pareto_front([(m.latency_cycles, m.sram_capacity_bytes) for m in metrics])
    ranked = [
        RankedPoint(r, m, e, s) for r, m, e, s in zip(ok, metrics, by_energy, by_sram, strict=True)
    ]
    ranked.sort(key=lambda p: (p.metrics.latency_cycles, p.metrics.energy_j, p.result.index))
    return ranked


def write_outputs(outcome: SweepOutcome, *, plots: bool = True) -> list[Path]:
    """Write results.csv, results.json and (with `plots`) the PNGs; returns the paths."""
    from accelsim.outputs import claim_folder, write_text
    from accelsim.report.export import write_json

    folder = outcome.folder
    paths = [folder / CSV_FILE, folder / JSON_FILE]
    # NOTE: each write waits for its sync (a millisecond, many on a busy disk): the manifest is
    # written while the CSV is made, the CSV while the JSON is made (each still whole or not
    # at all, the manifest before either; the first error raised is the first file's).
    with ThreadPoolExecutor(1, thread_name_prefix="accelsim-write") as writer:
        claimed = writer.submit(claim_folder, folder, OUTPUT_FILES, command="sweep")
        ranked = rank(outcome.results)
        table = _csv(outcome, {p.result.key: p for p in ranked})
        claimed.result()
        written = writer.submit(write_text, paths[0], table)
        try:
            write_json(paths[1], results_document(outcome))
        finally:
            written.result()
    if plots and ranked:
        paths.append(_heatmap(outcome, folder / HEATMAP_FILE))
        paths.append(_pareto(outcome, ranked, folder / PARETO_FILE))
    return paths


def _csv(outcome: SweepOutcome, marks: dict[str, RankedPoint]) -> str:
    metric_names = [f.name for f in fields(Metrics)]
    paths = [axis.path for axis in outcome.axes]
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["index", *paths, "status", *metric_names,
                     "pareto_latency_energy", "pareto_latency_sram", "error"])  # fmt: skip
    missing = ("",) * len(metric_names)
    for result in outcome.results:
        labels = dict(result.settings)
        ranked = marks.get(result.key)
        writer.writerow(
            [result.index, *(labels.get(p, "") for p in paths), result.status,
             *(result.metrics.values() if result.metrics else missing),
             "" if ranked is None else int(ranked.front_energy),
             "" if ranked is None else int(ranked.front_sram), result.error]
        )  # fmt: skip
    return stream.getvalue()


def results_document(outcome: SweepOutcome) -> dict[str, Any]:
    """The sweep as one JSON document: results.json, and what `accelsim sweep --json` prints."""
    marks = {p.result.key: p for p in rank(outcome.results)}
    spec = outcome.spec
    points = []
    for result in outcome.results:
        ranked = marks.get(result.key)
        entry = result.to_dict()
        entry["settings"] = dict(result.settings)
        del entry["key"]
        entry["pareto"] = None if ranked is None else {
            "latency_energy": ranked.front_energy, "latency_sram": ranked.front_sram
        }  # fmt: skip
        points.append(entry)
    return {
        "name": outcome.name,
        "model": str(spec.model),
        "hardware": str(spec.hardware),
        "policy": spec.policy,
        "overlap": spec.overlap,
        "batch": spec.batch,
        "axes": [{"path": a.path, "values": [s.label for s in a.settings]} for a in outcome.axes],
        "points": points,
        "explain": _explained(outcome),
    }


def _explained(outcome: SweepOutcome) -> dict[str, Any] | None:
    """Elasticities and the regime map (`accelsim.sweep.explain`) around the base machine."""
    from accelsim.sweep.explain import explain_document

    if outcome.base is None:
        return None
    return explain_document(outcome, outcome.base)


def _heatmap(outcome: SweepOutcome, path: Path) -> Path:
    """Latency over the first two axes with more than one value (best over any others)."""
    from accelsim.report.plots import heatmap_png

    varied = [axis for axis in outcome.axes if len(axis.settings) > 1] or list(outcome.axes[:1])
    row_axis = varied[0]
    column_axis = varied[1] if len(varied) > 1 else None
    rows = [s.label for s in row_axis.settings]
    columns = [s.label for s in column_axis.settings] if column_axis else ["latency"]
    best = [[math.inf] * len(columns) for _ in rows]
    for result in outcome.results:
        labels = dict(result.settings)
        if result.metrics is None:
            continue
        r = rows.index(labels[row_axis.path])
        c = columns.index(labels[column_axis.path]) if column_axis else 0
        best[r][c] = min(best[r][c], result.metrics.latency_s * 1e6)
    values = [[v if math.isfinite(v) else math.nan for v in row] for row in best]
    others = [a.path for a in varied if a not in (row_axis, column_axis)]
    note = f" (best over {', '.join(others)})" if others else ""
    heatmap_png(
        path, values, rows=rows, columns=columns, row_title=row_axis.path,
        column_title=column_axis.path if column_axis else "", value_label="latency (µs)",
        title=f"{outcome.name}: latency in µs{note}",
    )  # fmt: skip
    return path


def _pareto(outcome: SweepOutcome, ranked: list[RankedPoint], path: Path) -> Path:
    from accelsim.report.plots import ScatterPanel, pareto_png

    latency = [p.metrics.latency_s * 1e6 for p in ranked]
    panels = [
        ScatterPanel(latency, [p.metrics.energy_j * 1e6 for p in ranked],
                     [p.front_energy for p in ranked], "latency (µs)", "energy (µJ)",
                     "latency vs energy"),
        ScatterPanel(latency, [p.metrics.sram_capacity_bytes / 1024 for p in ranked],
                     [p.front_sram for p in ranked], "latency (µs)", "SRAM capacity (KiB)",
                     "latency vs SRAM size", log_y=True),
    ]  # fmt: skip
    pareto_png(path, panels, title=f"{outcome.name}: Pareto fronts ({len(ranked)} points)")
    return path
